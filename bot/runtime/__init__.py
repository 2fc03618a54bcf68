"""The runtime layer: processes, threads and process-wide tuning around the pure core.

The serving archive and its reindexing (:mod:`.service`: a lock, a watch thread, a spawned
build child), and making worker processes die with their parent (:mod:`.lifeline`). The bot
and the CLI both use it; the core (``bot.core``) never imports it.

May import: :mod:`bot.errors`, :mod:`bot.config` and :mod:`bot.core`; not ``bot.store`` (a
sibling layer), nor the Discord or CLI layers above (``tests/test_layout.py``).
"""

"""The runtime layer: processes, threads and process-wide tuning around the pure core.

The serving archive and its reindexing (:mod:`.service`: a lock, a watch thread, a spawned
build child), and making worker processes die with their parent (:mod:`.lifeline`). The bot
and the CLI both use it; the core (``bot.core``) never imports it.
"""

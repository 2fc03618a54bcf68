"""The Discord layer: the bot client, rendering, views, the error handler and the runner.

Only ``bot.app`` and ``bot.exts`` import :mod:`discord`; the core stays pure.

May import: :mod:`bot.errors`, :mod:`bot.config`, :mod:`bot.core`, :mod:`bot.store`,
:mod:`bot.runtime` and :mod:`bot.health`; never ``bot.exts`` (the client loads the
extensions by name), ``bot.cli`` or ``bot.testing`` (``tests/test_layout.py``).
"""

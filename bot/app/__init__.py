"""The Discord layer: the bot client, rendering, views, the error handler and the runner.

Only ``bot.app`` and ``bot.exts`` import :mod:`discord`; the core stays pure.
"""

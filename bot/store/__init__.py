"""Persistence: the query log, its migrations and views, channel settings and the admin audit,
on SQLite (aiosqlite, the default) or PostgreSQL (asyncpg): see :mod:`bot.store.backend`.

May import: :mod:`bot.errors`, :mod:`bot.config` and :mod:`bot.core`; not ``bot.runtime``
(a sibling layer), nor the Discord or CLI layers above (``tests/test_layout.py``).
"""

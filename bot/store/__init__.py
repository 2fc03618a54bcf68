"""SQLite persistence: the query log and channel settings (aiosqlite)."""

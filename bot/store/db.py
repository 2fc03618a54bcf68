"""Opening the SQLite database, numbered migrations, transactions and timestamps.

Everything the store writes goes through :func:`atomic`, which serialises writers on one
connection (an :class:`asyncio.Lock` per connection) and wraps them in
``BEGIN IMMEDIATE`` / ``COMMIT``, rolling back on any exception. Connections from
:func:`open_database` run in autocommit mode (``isolation_level=None``) so the store, not
the :mod:`sqlite3` module, decides where transactions start and end.

Migrations are the ``NNNN_name.sql`` files in ``bot/store/migrations`` (package data). Each
one runs once, inside a transaction, and is recorded in the ``migrations`` table.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import sqlite3
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.core.errors import ArchiveBotError

logger = logging.getLogger(__name__)

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 5000
SALT_KEY = "user_salt"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")

_locks: weakref.WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


class StoreError(ArchiveBotError):
    """The database cannot be used as is (unknown schema, broken migration)."""


class MigrationError(StoreError):
    """A migration failed, or the database is newer than this version of the bot."""


@dataclass(frozen=True, slots=True)
class Migration:
    id: int
    name: str
    sql: str


# -- timestamps ------------------------------------------------------------------------------


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_ts(dt: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a ``Z``; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(text: str) -> datetime:
    """The inverse of :func:`format_ts` (an aware UTC datetime)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# -- migrations -----------------------------------------------------------------------------


def load_migrations() -> list[Migration]:
    """The migrations shipped with the package, sorted by id."""
    folder = resources.files("bot.store").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        number = int(match.group(1))
        if number in found:
            raise MigrationError(f"two migrations numbered {number:04d}")
        found[number] = Migration(number, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[n] for n in sorted(found)]


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (string- and trigger-aware)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        not ln.strip() or ln.strip().startswith("--") for ln in current.splitlines()
    ):
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {current!r}")
    return statements


async def apply_migrations(
    conn: aiosqlite.Connection, migrations: Sequence[Migration] | None = None
) -> list[int]:
    """Apply the migrations ``conn`` lacks, each in its own transaction; return their ids."""
    known = list(load_migrations() if migrations is None else migrations)
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations "
        "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    known_ids = {m.id for m in known}
    rows = await conn.execute_fetchall("SELECT id, name FROM migrations ORDER BY id")
    unknown = [(row[0], row[1]) for row in rows if row[0] not in known_ids]
    if unknown:
        number, name = unknown[-1]
        raise MigrationError(
            f"the database has migration {number:04d}_{name}, which this version of "
            "archive-bot does not know: it was written by a newer version; upgrade the bot "
            "or point it at another database file"
        )
    applied: list[int] = []
    for migration in known:
        async with atomic(conn):
            # Checked inside the transaction: another process may have just applied it.
            cursor = await conn.execute("SELECT 1 FROM migrations WHERE id = ?", (migration.id,))
            if await cursor.fetchone() is not None:
                continue
            try:
                for statement in split_statements(migration.sql):
                    await conn.execute(statement)
            except sqlite3.Error as exc:
                raise MigrationError(
                    f"migration {migration.id:04d}_{migration.name} failed: {exc}"
                ) from exc
            await conn.execute(
                "INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)",
                (migration.id, migration.name, format_ts(utcnow())),
            )
        applied.append(migration.id)
        logger.info("applied migration %04d_%s", migration.id, migration.name)
    return applied


# -- connections and transactions -----------------------------------------------------------


async def open_database(
    path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at ``path`` (``":memory:"`` too)."""
    in_memory = str(path) == MEMORY
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor = await conn.execute("PRAGMA journal_mode = WAL")
            row = await cursor.fetchone()
            if row is None or str(row[0]).lower() != "wal":
                logger.warning("%s: could not switch to WAL journal mode", path)
        await apply_migrations(conn)
        await load_salt(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


def _lock_for(conn: aiosqlite.Connection) -> asyncio.Lock:
    lock = _locks.get(conn)
    if lock is None:
        lock = _locks[conn] = asyncio.Lock()
    return lock


@asynccontextmanager
async def atomic(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any exception. Not reentrant."""
    async with _lock_for(conn):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    logger.error("rollback failed: %s", exc)
            raise


# -- per-database salt for user keys --------------------------------------------------------


async def load_salt(conn: aiosqlite.Connection) -> str:
    """The database's random salt for user keys, created on first use."""
    cursor = await conn.execute("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
    row = await cursor.fetchone()
    if row is not None:
        return str(row[0])
    async with atomic(conn):
        await conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            (SALT_KEY, secrets.token_hex(16)),
        )
        cursor = await conn.execute("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
        row = await cursor.fetchone()
    if row is None:  # pragma: no cover - the insert above guarantees a row
        raise StoreError("could not create the user-key salt")
    return str(row[0])


def hash_user(salt: str, user_id: int | str) -> str:
    """``sha256(salt + str(user_id))`` as 16 hex characters."""
    return hashlib.sha256((salt + str(user_id)).encode("utf-8")).hexdigest()[:16]

"""The store's database, whichever engine holds it: SQLite (a file) or PostgreSQL (a server).

Everything in :mod:`bot.store` speaks to a :class:`Database`: raw, parameterised SQL written
with ``?`` placeholders (PostgreSQL's ``$1..$n`` come from :func:`numbered`, the one place
that translates them), :meth:`Database.execute` / :meth:`~Database.fetchall` /
:meth:`~Database.fetchone`, :meth:`~Database.insert_ignore` for batches that must not
duplicate a row, and :func:`atomic` for a transaction. Where the two dialects differ the
backend says so (:attr:`Database.dialect`) and the caller keeps one statement per dialect.

A failure of the PostgreSQL server or of the connection to it is raised as
:class:`BackendError`, a subclass of :class:`sqlite3.OperationalError`: every handler written
for the SQLite log (the writer's retries, the bot's fallbacks when its log cannot be read)
treats a PostgreSQL failure exactly as a locked or full SQLite file.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from bot.errors import ArchiveBotError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SALT_KEY = "user_salt"

# A row as the driver gives it (sqlite3.Row or asyncpg.Record): by index, by column name,
# and as a tuple of values.
Row = Any
Params = Sequence[Any]


class StoreError(ArchiveBotError):
    """The database cannot be used as is (unknown schema, broken migration)."""


class MigrationError(StoreError):
    """A migration failed, or the database is newer than this version of the bot."""


class DatabaseBusy(StoreError):
    """Another process held the database's write lock for longer than the caller's patience."""


class BackendError(sqlite3.OperationalError):
    """The PostgreSQL server failed a statement or cannot be reached (see the module)."""


@dataclass(slots=True)
class Result:
    """What one statement gave: its rows (none for most writes) and how many rows it changed.

    ``fetchone``/``fetchall`` are awaitable like an aiosqlite cursor's, for callers written
    against one."""

    rows: list[Row] = field(default_factory=list)
    rowcount: int = -1
    lastrowid: int | None = None

    async def fetchone(self) -> Row | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[Row]:
        return list(self.rows)


class Database(ABC):
    """One open store database. Writers go through :func:`atomic` (one at a time per
    :class:`Database`); statements outside it are reads, or single autocommitted writes."""

    dialect: ClassVar[str]
    placeholder: ClassVar[str]  # "qmark" (?) or "numeric" ($1)

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> Result:
        """Run one statement (``?`` placeholders); its rows, and the rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        """Run one statement once per parameter row; the rows changed (-1 if unknown)."""

    @abstractmethod
    async def insert_ignore(self, table: str, columns: Sequence[str],
                            rows: Sequence[Params], key: Sequence[str]) -> int:
        """Insert ``rows``, skipping each that conflicts on the unique ``key`` columns;
        return how many were inserted. ``table`` and ``columns`` are the caller's constants."""

    @abstractmethod
    def atomic(self, *, patience: float = 0.0) -> AbstractAsyncContextManager[Database]:
        """A transaction: committed at the end, rolled back on any exception. Not reentrant."""

    @abstractmethod
    async def create_migrations_table(self) -> None:
        """``migrations`` if missing, without writing when it exists (and, on a server that
        several processes share, without racing them)."""

    @abstractmethod
    async def serialise_migrations(self) -> None:
        """Inside a migration's transaction: keep other processes out until it commits."""

    @property
    @abstractmethod
    def in_transaction(self) -> bool: ...

    @abstractmethod
    def describe(self) -> str:
        """What the database is, for a log line or an error: a path, or a URL without its
        password."""

    @abstractmethod
    async def close(self) -> None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return (await self.execute(sql, params)).rows

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = (await self.execute(sql, params)).rows
        return rows[0] if rows else None

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """aiosqlite's name for :meth:`fetchall`, for callers written against it."""
        return await self.fetchall(sql, params)


def atomic(db: Database, *, patience: float = 0.0) -> AbstractAsyncContextManager[Database]:
    """``db``'s transaction (see :meth:`Database.atomic`). With ``patience`` > 0 a SQLite
    file locked by another process is waited for that many seconds (then
    :class:`DatabaseBusy`); PostgreSQL writers do not lock the whole database."""
    return db.atomic(patience=patience)


def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1..$n``, leaving string literals, quoted names
    and ``--`` comments alone."""
    out: list[str] = []
    n = 0
    i = 0
    quote: str | None = None
    while i < len(sql):
        ch = sql[i]
        if quote is not None:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            out.append(sql[i:end])
            i = end
            continue
        elif ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


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


# -- per-database salt for user keys --------------------------------------------------------


async def load_salt(db: Database, *, patience: float = 0.0) -> str:
    """The database's random salt for user keys, created on first use."""
    row = await db.fetchone("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
    if row is not None:
        return str(row[0])
    async with atomic(db, patience=patience):
        await db.insert_ignore("meta", ("key", "value"), [(SALT_KEY, secrets.token_hex(16))],
                               ("key",))
        row = await db.fetchone("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
    if row is None:  # pragma: no cover - the insert above guarantees a row
        raise StoreError("could not create the user-key salt")
    return str(row[0])


def hash_user(salt: str, user_id: int | str) -> str:
    """``sha256(salt + str(user_id))`` as 16 hex characters."""
    return hashlib.sha256((salt + str(user_id)).encode("utf-8")).hexdigest()[:16]

"""The SQLite backend: one aiosqlite connection in autocommit mode, writers serialised.

:meth:`SqliteDatabase.atomic` serialises writers on the connection (an :class:`asyncio.Lock`)
and wraps them in ``BEGIN IMMEDIATE`` / ``COMMIT``, rolling back on any exception; the
connection runs with ``isolation_level=None`` so the store, not the :mod:`sqlite3` module,
decides where transactions start and end.

The busy timeout (:data:`DEFAULT_BUSY_TIMEOUT_MS`) is short: aiosqlite runs every statement of
a connection on one thread, so a statement waiting for another process's lock holds up every
statement queued behind it. Callers that can afford to wait longer (a forget after the reply
was deferred, start-up migrations) pass ``patience``, which retries ``BEGIN IMMEDIATE``
without holding the thread in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.backend import SQLITE, Database, DatabaseBusy, Params, Result

logger = logging.getLogger(__name__)

MEMORY = ":memory:"
# What one statement may wait for another process's lock: well under Discord's 3 s for an
# initial response, although nothing on that path waits on the database (it is deferred or
# served from memory first); what a locked database can cost any statement queued behind.
DEFAULT_BUSY_TIMEOUT_MS = 1000
WAL_RETRY_SECONDS = 0.02  # between tries to switch a new file to WAL (see _wal)
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26
_CREATE_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS migrations "
                      "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")


def _codes(exc: BaseException) -> set[int]:
    """The primary SQLite result codes of ``exc`` and of the exceptions it was raised from."""
    codes: set[int] = set()
    seen: BaseException | None = exc
    while seen is not None and len(codes) < 10:
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(code, int):
            codes.add(code & 0xFF)
        seen = seen.__cause__ or seen.__context__
    return codes


def is_corruption(exc: BaseException) -> bool:
    """``exc`` says the file is not a database or its image is malformed."""
    return bool(_codes(exc) & {_SQLITE_CORRUPT, _SQLITE_NOTADB})


def is_busy(exc: BaseException) -> bool:
    return bool(_codes(exc) & {_SQLITE_BUSY, _SQLITE_LOCKED})


class SqliteDatabase(Database):
    """A :class:`~bot.store.backend.Database` over one aiosqlite connection (``conn``)."""

    dialect = SQLITE
    placeholder = "qmark"

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()  # serialises atomic() writers on this connection

    async def execute(self, sql: str, params: Params = ()) -> Result:
        cursor = await self.conn.execute(sql, params)
        try:
            rows = list(await cursor.fetchall())
            return Result(rows, cursor.rowcount, cursor.lastrowid)
        finally:
            await cursor.close()

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        cursor = await self.conn.executemany(sql, rows)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def insert_ignore(self, table: str, columns: Sequence[str],
                            rows: Sequence[Params], key: Sequence[str]) -> int:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        return max(await self.executemany(sql, rows), 0)

    @asynccontextmanager
    async def atomic(self, *, patience: float = 0.0) -> AsyncIterator[Database]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any exception.

        With ``patience`` > 0 a locked database is waited for that many seconds (then
        :class:`DatabaseBusy`); with 0 the busy timeout's error is raised as SQLite gives it."""
        conn = self.conn
        await _begin(conn, self._lock, patience)
        try:
            yield self
            await _shielded(conn, "COMMIT")
        except BaseException:
            if conn.in_transaction:
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    logger.error("rollback failed: %s", exc)
            raise
        finally:
            self._lock.release()

    async def create_migrations_table(self) -> None:
        await self.conn.execute(_CREATE_MIGRATIONS)  # writes nothing when it exists

    async def serialise_migrations(self) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already holds the file's write lock."""

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def describe(self) -> str:
        return str(self.path)

    async def interrupt(self) -> None:
        await self.conn.interrupt()

    async def close(self) -> None:
        await self.conn.close()


async def connect(path: Path | str, *, busy_timeout_ms: int,
                  patience: float = 0.0) -> SqliteDatabase:
    """The connection at ``path`` with the store's pragmas; not migrated (``patience``: how
    long the switch to WAL waits for another process, at least the busy timeout)."""
    in_memory = str(path) == MEMORY
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            mode = await _wal(conn, max(busy_timeout_ms / 1000, patience))
            if mode != "wal":
                logger.warning("%s: could not switch to WAL journal mode", path)
    except BaseException:
        await conn.close()
        raise
    return SqliteDatabase(conn, path)


async def _wal(conn: aiosqlite.Connection, patience: float) -> str:
    """``PRAGMA journal_mode = WAL``, the mode it gives. Switching a new file to WAL needs
    the file to itself, and SQLite answers "database is locked" at once (no busy handler)
    while another process migrates it: retried for ``patience`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        try:
            return await _try_wal(conn)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(WAL_RETRY_SECONDS)


async def _try_wal(conn: aiosqlite.Connection) -> str:
    cursor = await conn.execute("PRAGMA journal_mode = WAL")
    row = await cursor.fetchone()
    return "" if row is None else str(row[0]).lower()


async def _shielded(conn: aiosqlite.Connection, sql: str, *, undo: bool = False) -> None:
    """``sql``, cancellable: the statement runs on in the connection's thread, so a
    cancelled caller waits for its outcome (a ``ROLLBACK`` sent behind a ``COMMIT`` would
    find no transaction); with ``undo`` it then rolls back what the statement opened."""
    statement = asyncio.ensure_future(conn.execute(sql))
    try:
        await asyncio.shield(statement)
    except asyncio.CancelledError:
        with contextlib.suppress(sqlite3.Error):
            await statement
            if undo and conn.in_transaction:
                await conn.execute("ROLLBACK")
        raise


async def _shielded_begin(conn: aiosqlite.Connection) -> None:
    """``BEGIN IMMEDIATE``, cancellable without leaving a transaction open."""
    await _shielded(conn, "BEGIN IMMEDIATE", undo=True)


async def _begin(conn: aiosqlite.Connection, lock: asyncio.Lock, patience: float) -> None:
    """Take ``lock`` and ``BEGIN IMMEDIATE``; while another process holds the write lock,
    retry for ``patience`` seconds, releasing ``lock`` (and the connection's thread) between
    attempts. Returns with ``lock`` held; raises with it released."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    delay = 0.05
    while True:
        await lock.acquire()
        try:
            await _shielded_begin(conn)
            return
        except BaseException as exc:
            lock.release()
            if patience <= 0 or not isinstance(exc, sqlite3.Error) or not is_busy(exc):
                raise
            if loop.time() + delay > deadline:
                raise DatabaseBusy(
                    f"The query log's database is locked by another program (waited "
                    f"{patience:.0f} s); try again in a minute.") from exc
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)

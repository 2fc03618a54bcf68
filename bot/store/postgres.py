"""The PostgreSQL backend: an asyncpg pool behind the store's :class:`Database` interface.

Statements are the store's shared SQL with ``?`` placeholders, numbered for PostgreSQL by
:func:`~bot.store.backend.numbered`. Reads take any connection of the pool (several processes
and tasks read at once); :meth:`PostgresDatabase.atomic` takes one connection for the whole
transaction, and every statement the same task runs inside it goes to that connection.
Writers are serialised per :class:`PostgresDatabase` as on SQLite; other processes sharing
the server write at the same time (row locks, not a file lock).

Every failure of the server, the connection or the pool is raised as
:class:`~bot.store.backend.BackendError`: the writer keeps its rows and retries them as for
a locked SQLite file, and the pool connects again when the server is back. The URL's
password never reaches a log line or an error (:func:`safe_url`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from bot.store.backend import POSTGRESQL, BackendError, Database, Params, Result, numbered

logger = logging.getLogger(__name__)

T = TypeVar("T")
SCHEMES = ("postgresql", "postgres")
POOL_MAX_SIZE = 4
CONNECT_TIMEOUT_SECONDS = 5.0
# The most one statement may take (then BackendError, retried like a locked file): a server
# that hangs cannot hold the writer, or the bot's shutdown, for ever.
STATEMENT_TIMEOUT_SECONDS = 30.0
MAX_PARAMETERS = 32_767  # per statement, PostgreSQL's protocol limit
_MIGRATION_LOCK_KEY = 0x41524348  # "ARCH": pg_advisory_xact_lock while migrating
_STATUS_COUNT = re.compile(r"(\d+)\s*$")
_READS = ("SELECT", "WITH", "VALUES", "SHOW", "TABLE")
_CREATE_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS migrations "
                      "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.split(":", 1)[0].lower() in SCHEMES


def safe_url(url: str) -> str:
    """``url`` without its password (``postgresql://user:***@host/db``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://<unparsable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def driver_errors() -> tuple[type[BaseException], ...]:
    """What asyncpg and the network raise for a failed statement or connection."""
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError,
            TimeoutError)


def _wants_rows(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)
    return (bool(head) and head[0].upper() in _READS) or " RETURNING " in sql.upper()


def _count(status: str | None) -> int:
    match = _STATUS_COUNT.search(status or "")
    return int(match.group(1)) if match else -1


class PostgresDatabase(Database):
    """A :class:`~bot.store.backend.Database` over an asyncpg pool."""

    dialect = POSTGRESQL
    placeholder = "numeric"

    def __init__(self, pool: Any, url: str) -> None:
        self._pool = pool
        self._url = url
        self._secret = _password(url)
        self._errors = driver_errors()
        self._lock = asyncio.Lock()  # one atomic() writer at a time, as on SQLite
        self._tx_conn: Any = None  # the transaction's connection, for its task only
        self._tx_task: asyncio.Task[Any] | None = None

    # -- running statements ---------------------------------------------------------------

    async def _run(self, what: Callable[[Any], Awaitable[T]]) -> T:
        if self._tx_conn is not None and asyncio.current_task() is self._tx_task:
            return await self._guarded(what(self._tx_conn))
        try:
            async with self._pool.acquire() as conn:
                return await self._guarded(what(conn))
        except BackendError:
            raise
        except self._errors as exc:  # the pool's own failures (closed, cannot connect)
            raise self._error(exc) from None

    async def _guarded(self, step: Awaitable[T]) -> T:
        try:
            return await step
        except self._errors as exc:
            raise self._error(exc) from None

    def _error(self, exc: BaseException) -> BackendError:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if self._secret:
            text = text.replace(self._secret, "***")
        return BackendError(f"PostgreSQL {self.describe()}: {text}")

    async def execute(self, sql: str, params: Params = ()) -> Result:
        query, args = numbered(sql), tuple(params)

        async def step(conn: Any) -> Result:
            if _wants_rows(query):
                rows = list(await conn.fetch(query, *args))
                return Result(rows, len(rows))
            return Result([], _count(await conn.execute(query, *args)))

        return await self._run(step)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        query = numbered(sql)
        if not rows:
            return 0

        async def step(conn: Any) -> int:
            await conn.executemany(query, [tuple(r) for r in rows])
            return -1  # asyncpg does not say how many rows a batch changed

        return await self._run(step)

    async def insert_ignore(self, table: str, columns: Sequence[str],
                            rows: Sequence[Params], key: Sequence[str]) -> int:
        """Multi-row ``INSERT ... ON CONFLICT (key) DO NOTHING``, in as few statements as
        the protocol's parameter limit allows; the inserted count from each statement."""
        if not rows:
            return 0
        width = len(columns)
        per_statement = max(1, min(1000, MAX_PARAMETERS // max(width, 1)))
        conflict = f"ON CONFLICT ({', '.join(key)}) DO NOTHING" if key else "ON CONFLICT DO NOTHING"
        inserted = 0
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            values = ", ".join(
                "(" + ", ".join(f"${i * width + j + 1}" for j in range(width)) + ")"
                for i in range(len(chunk)))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {conflict}"
            flat = [value for row in chunk for value in row]

            async def step(conn: Any, sql: str = sql, flat: list[Any] = flat) -> int:
                return _count(await conn.execute(sql, *flat))

            inserted += max(await self._run(step), 0)
        return inserted

    # -- transactions ---------------------------------------------------------------------

    @asynccontextmanager
    async def atomic(self, *, patience: float = 0.0) -> AsyncIterator[Database]:
        """One connection, ``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on any exception).
        ``patience`` is accepted for the interface: no whole-database lock to wait out."""
        async with self._lock:
            try:
                conn = await self._pool.acquire()
            except self._errors as exc:
                raise self._error(exc) from None
            try:
                transaction = conn.transaction()
                try:
                    await self._guarded(transaction.start())
                except BackendError:
                    self._drop(conn)  # dropped by the server while idle: the pool makes anew
                    raise
                self._tx_conn, self._tx_task = conn, asyncio.current_task()
                try:
                    yield self
                except BaseException:
                    self._tx_conn = self._tx_task = None
                    await self._rollback(conn, transaction)
                    raise
                self._tx_conn = self._tx_task = None
                await self._guarded(transaction.commit())
            finally:
                self._tx_conn = self._tx_task = None
                await self._release(conn)

    async def _rollback(self, conn: Any, transaction: Any) -> None:
        try:
            if conn.is_closed():
                return
            await transaction.rollback()
        except self._errors as exc:  # the connection is gone or mid-statement: drop it
            logger.error("rollback failed: %s", self._error(exc))
            self._drop(conn)

    def _drop(self, conn: Any) -> None:
        """Close a broken connection so that the pool opens a new one. When asyncpg has
        seen the connection lost it takes the proxy back itself, and the proxy then
        raises on every call: there is nothing left to close."""
        try:
            conn.terminate()
        except self._errors:
            logger.debug("connection already taken back by the pool")

    async def _release(self, conn: Any) -> None:
        try:
            await self._pool.release(conn)
        except self._errors as exc:
            logger.warning("could not return a connection to the pool: %s", self._error(exc))

    async def create_migrations_table(self) -> None:
        async with self.atomic():
            await self.serialise_migrations()
            await self.execute(_CREATE_MIGRATIONS)

    async def serialise_migrations(self) -> None:
        await self.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK_KEY,))

    @property
    def in_transaction(self) -> bool:
        return self._tx_conn is not None

    def describe(self) -> str:
        return safe_url(self._url)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=CONNECT_TIMEOUT_SECONDS)
        except self._errors as exc:
            logger.warning("PostgreSQL pool did not close cleanly (%s); terminated",
                           type(exc).__name__)
            self._pool.terminate()


async def connect(url: str, *, timeout: float = CONNECT_TIMEOUT_SECONDS) -> PostgresDatabase:
    """A pool on ``url`` (one connection opened now, to fail early); not migrated.

    Raises :class:`~bot.store.backend.BackendError` (the password left out) when the
    server cannot be reached, and :class:`ModuleNotFoundError` without asyncpg."""
    import asyncpg  # the postgresql extra: only needed when a URL is configured

    try:
        pool = await asyncio.wait_for(asyncpg.create_pool(
            url, min_size=1, max_size=POOL_MAX_SIZE, timeout=timeout,
            command_timeout=STATEMENT_TIMEOUT_SECONDS,
            server_settings={"application_name": "archive-bot"}), timeout=timeout * 2)
    except driver_errors() as exc:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        secret = _password(url)
        if secret:
            text = text.replace(secret, "***")
        raise BackendError(f"PostgreSQL {safe_url(url)}: {text}") from None
    return PostgresDatabase(pool, url)

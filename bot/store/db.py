"""Opening the SQLite database, numbered migrations, transactions and timestamps.

Everything the store writes goes through :func:`atomic`, which serialises writers on one
connection (an :class:`asyncio.Lock` per connection) and wraps them in
``BEGIN IMMEDIATE`` / ``COMMIT``, rolling back on any exception. Connections from
:func:`open_database` run in autocommit mode (``isolation_level=None``) so the store, not
the :mod:`sqlite3` module, decides where transactions start and end.

Migrations are the ``NNNN_name.sql`` files in ``bot/store/migrations`` (package data). Each
one runs once, inside a transaction, and is recorded in the ``migrations`` table; a database
that has them all is opened without writing anything (so a locked or full one still opens).

The busy timeout (:data:`DEFAULT_BUSY_TIMEOUT_MS`) is short: aiosqlite runs every statement of
a connection on one thread, so a statement waiting for another process's lock holds up every
statement queued behind it. Callers that can afford to wait longer (a forget after the reply
was deferred, start-up migrations) pass ``patience`` to :func:`atomic`, which retries
``BEGIN IMMEDIATE`` without holding the thread in between.

:func:`open_querylog` is how the bot opens its query log: start-up never depends on it. A
corrupt file is moved aside (``<name>.corrupt-<UTC time>``) and a new one started; a path that
cannot be used at all (a directory, no permission, no space for a new file, a database from a
newer version) gives an in-memory database of bounded size, each said in one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.errors import ArchiveBotError

logger = logging.getLogger(__name__)

MEMORY = ":memory:"
# What one statement may wait for another process's lock: well under Discord's 3 s for an
# initial response, although nothing on that path waits on the database (it is deferred or
# served from memory first); what a locked database can cost any statement queued behind.
DEFAULT_BUSY_TIMEOUT_MS = 1000
STARTUP_PATIENCE_SECONDS = 10.0  # migrations of a locked database, then the in-memory fallback
QUICK_CHECK_SECONDS = 5.0  # start-up integrity check budget (interrupted after: assumed fine)
MEMORY_FALLBACK_MAX_BYTES = 64 * 1024 * 1024  # then inserts fail as on a full disk
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26
SALT_KEY = "user_salt"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")

# The connection's writer lock is kept on the connection itself (created on first use), so it
# lives and dies with it: no module-level table keyed on connections.
_LOCK_ATTRIBUTE = "_archive_bot_write_lock"


class StoreError(ArchiveBotError):
    """The database cannot be used as is (unknown schema, broken migration)."""


class MigrationError(StoreError):
    """A migration failed, or the database is newer than this version of the bot."""


class DatabaseBusy(StoreError):
    """Another process held the database's write lock for longer than the caller's patience."""


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
    conn: aiosqlite.Connection,
    migrations: Sequence[Migration] | None = None,
    *,
    patience: float = 0.0,
) -> list[int]:
    """Apply the migrations ``conn`` lacks, each in its own transaction; return their ids.

    Nothing is written when none is missing. ``patience``: see :func:`atomic`."""
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
    present = {row[0] for row in rows}
    applied: list[int] = []
    for migration in known:
        if migration.id in present:
            continue
        async with atomic(conn, patience=patience):
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
    path: Path | str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    patience: float = 0.0,
) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at ``path`` (``":memory:"`` too).

    ``patience``: how long migrations (and the salt's creation) wait for a locked database."""
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
        await apply_migrations(conn, patience=patience)
        await load_salt(conn, patience=patience)
    except BaseException:
        await conn.close()
        raise
    return conn


# -- start-up that never depends on the query log ------------------------------------------


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


class CorruptDatabase(StoreError):
    """The integrity check of an opened database found a problem."""


async def quick_check(
    conn: aiosqlite.Connection, budget: float = QUICK_CHECK_SECONDS
) -> str | None:
    """``PRAGMA quick_check``'s first line (``"ok"`` when sound), or None when it did not end
    within ``budget`` seconds (it is interrupted: a large log is not read through at start)."""
    task = asyncio.ensure_future(conn.execute_fetchall("PRAGMA quick_check(1)"))
    done, _ = await asyncio.wait({task}, timeout=budget)
    if not done:
        await conn.interrupt()
        with contextlib.suppress(sqlite3.Error):
            await task
        logger.info("integrity check not finished within %.0f s; skipped", budget)
        return None
    rows = list(task.result())
    return str(rows[0][0]) if rows else "ok"


def aside_name(path: Path, now: datetime | None = None) -> Path:
    """``<name>.corrupt-<UTC time>`` beside ``path`` (a counter added if that exists)."""
    stamp = (now or utcnow()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its ``-wal``/``-shm``/``-journal`` files, kept as a pair with it)
    out of the way; return the new name of ``path``."""
    target = aside_name(path)
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


async def _open_checked(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    conn = await open_database(path, busy_timeout_ms=busy_timeout_ms,
                               patience=STARTUP_PATIENCE_SECONDS)
    try:
        verdict = await quick_check(conn)
    except BaseException:
        await conn.close()
        raise
    if verdict is not None and verdict != "ok":
        await conn.close()
        raise CorruptDatabase(verdict)
    return conn


async def open_memory_fallback(
    reason: str, path: Path | str, *, max_bytes: int = MEMORY_FALLBACK_MAX_BYTES
) -> aiosqlite.Connection:
    """An in-memory database of at most ``max_bytes`` (then writes fail as on a full disk)."""
    logger.error(
        "query log %s cannot be used (%s): keeping the query log and channel settings in "
        "memory for this run (at most %d MB; lost at exit)", path, reason, max_bytes >> 20,
    )
    conn = await open_database(MEMORY)
    cursor = await conn.execute("PRAGMA page_size")
    row = await cursor.fetchone()
    page_size = int(row[0]) if row is not None else 4096
    await conn.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page_size)}")
    return conn


async def open_querylog(
    path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> aiosqlite.Connection:
    """Open the bot's query log, whatever state its file is in (see the module docstring).

    Never raises for the file's sake: a corrupt database is moved aside and replaced (one log
    line), anything else that makes the path unusable gives :func:`open_memory_fallback`."""
    if str(path) == MEMORY:
        return await open_database(MEMORY, busy_timeout_ms=busy_timeout_ms)
    target = Path(path)
    try:
        return await _open_checked(target, busy_timeout_ms)
    except (sqlite3.Error, StoreError, OSError) as exc:
        if not (isinstance(exc, CorruptDatabase) or is_corruption(exc)) or not target.is_file():
            return await open_memory_fallback(_describe(exc), target)
        first = exc
    try:
        aside = move_aside(target)
    except OSError as exc:
        return await open_memory_fallback(
            f"corrupt ({_describe(first)}) and cannot be moved aside: {exc}", target)
    logger.error("query log %s is corrupt (%s): moved it to %s and started a new one",
                 target, _describe(first), aside.name)
    try:
        return await _open_checked(target, busy_timeout_ms)
    except (sqlite3.Error, StoreError, OSError) as exc:
        return await open_memory_fallback(_describe(exc), target)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CorruptDatabase):
        return f"integrity check: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _lock_for(conn: aiosqlite.Connection) -> asyncio.Lock:
    """The lock serialising :func:`atomic` writers on ``conn``."""
    lock = getattr(conn, _LOCK_ATTRIBUTE, None)
    if not isinstance(lock, asyncio.Lock):
        lock = asyncio.Lock()
        setattr(conn, _LOCK_ATTRIBUTE, lock)
    return lock


async def _shielded_begin(conn: aiosqlite.Connection) -> None:
    """``BEGIN IMMEDIATE``, cancellable without leaving a transaction open: the statement
    runs on in the connection's thread, so a cancelled caller waits for it and undoes it."""
    begin = asyncio.ensure_future(conn.execute("BEGIN IMMEDIATE"))
    try:
        await asyncio.shield(begin)
    except asyncio.CancelledError:
        with contextlib.suppress(sqlite3.Error):
            await begin
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
        raise


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


@asynccontextmanager
async def atomic(
    conn: aiosqlite.Connection, *, patience: float = 0.0
) -> AsyncIterator[aiosqlite.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any exception. Not reentrant.

    With ``patience`` > 0 a locked database is waited for that many seconds (then
    :class:`DatabaseBusy`); with 0 the busy timeout's error is raised as SQLite gives it."""
    lock = _lock_for(conn)
    await _begin(conn, lock, patience)
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
    finally:
        lock.release()


# -- per-database salt for user keys --------------------------------------------------------


async def load_salt(conn: aiosqlite.Connection, *, patience: float = 0.0) -> str:
    """The database's random salt for user keys, created on first use."""
    cursor = await conn.execute("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
    row = await cursor.fetchone()
    if row is not None:
        return str(row[0])
    async with atomic(conn, patience=patience):
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

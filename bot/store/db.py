"""Opening the store's database: a SQLite file (the default) or a PostgreSQL server.

:func:`open_database` opens and migrates either (a path, ``":memory:"``, or a
``postgresql://`` URL) and gives a :class:`~bot.store.backend.Database`; everything the store
writes goes through :func:`atomic`. The backends are :mod:`bot.store.sqlite` and
:mod:`bot.store.postgres`, the migrations :mod:`bot.store.migrations`.

:func:`open_querylog` is how the bot opens its query log: start-up never depends on it.
A corrupt SQLite file is moved aside (``<name>.corrupt-<UTC time>``) and a new one started; a
path that cannot be used at all (a directory, no permission, no space for a new file, a
database from a newer version) gives an in-memory database of bounded size, each said in one
log line. The rule for PostgreSQL is the same: a server that cannot be reached, or migrated,
within :data:`STARTUP_PATIENCE_SECONDS` gives the in-memory database for this run (one log
line, the URL's password left out); once connected, a server that goes away later is
retried like a locked file (the writer keeps its rows, the pool reconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.store import postgres as pg
from bot.store import sqlite as sq
from bot.store.backend import (
    POSTGRESQL,
    SALT_KEY,
    SQLITE,
    BackendError,
    Database,
    DatabaseBusy,
    MigrationError,
    Result,
    StoreError,
    atomic,
    format_ts,
    hash_user,
    load_salt,
    parse_ts,
    utcnow,
)
from bot.store.migrations import Migration, apply_migrations, load_migrations, split_statements
from bot.store.sqlite import DEFAULT_BUSY_TIMEOUT_MS, MEMORY, SqliteDatabase, is_busy, is_corruption

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS", "MEMORY", "MEMORY_FALLBACK_MAX_BYTES", "POSTGRESQL", "SALT_KEY",
    "SQLITE", "BackendError", "CorruptDatabase", "Database", "DatabaseBusy", "Migration",
    "MigrationError", "Result", "SqliteDatabase", "StoreError", "apply_migrations", "atomic",
    "format_ts", "hash_user", "is_busy", "is_corruption", "load_migrations", "load_salt",
    "open_database", "open_querylog", "parse_ts", "quick_check", "split_statements", "utcnow",
]

logger = logging.getLogger(__name__)

STARTUP_PATIENCE_SECONDS = 10.0  # migrations of a locked database, then the in-memory fallback
QUICK_CHECK_SECONDS = 5.0  # start-up integrity check budget (interrupted after: assumed fine)
MEMORY_FALLBACK_MAX_BYTES = 64 * 1024 * 1024  # then inserts fail as on a full disk


class CorruptDatabase(StoreError):
    """The integrity check of an opened database found a problem."""


async def open_database(
    target: Path | str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    patience: float = 0.0,
) -> Database:
    """Open (creating if needed) and migrate the database at ``target``: a SQLite path,
    ``":memory:"``, or a ``postgresql://`` URL.

    ``patience``: how long migrations (and the salt's creation) wait for a locked database."""
    db: Database
    if pg.is_postgres_url(target):
        db = await pg.connect(str(target))
    else:
        db = await sq.connect(target, busy_timeout_ms=busy_timeout_ms, patience=patience)
    try:
        await apply_migrations(db, patience=patience)
        await load_salt(db, patience=patience)
    except BaseException:
        await db.close()
        raise
    return db


# -- start-up that never depends on the query log ------------------------------------------


async def quick_check(db: SqliteDatabase, budget: float = QUICK_CHECK_SECONDS) -> str | None:
    """``PRAGMA quick_check``'s first line (``"ok"`` when sound), or None when it did not end
    within ``budget`` seconds (it is interrupted: a large log is not read through at start)."""
    task = asyncio.ensure_future(db.fetchall("PRAGMA quick_check(1)"))
    done, _ = await asyncio.wait({task}, timeout=budget)
    if not done:
        await db.interrupt()
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


async def _open_checked(path: Path, busy_timeout_ms: int) -> Database:
    db = await open_database(path, busy_timeout_ms=busy_timeout_ms,
                             patience=STARTUP_PATIENCE_SECONDS)
    if not isinstance(db, SqliteDatabase):  # pragma: no cover - a path is always SQLite
        return db
    try:
        verdict = await quick_check(db)
    except BaseException:
        await db.close()
        raise
    if verdict is not None and verdict != "ok":
        await db.close()
        raise CorruptDatabase(verdict)
    return db


async def open_memory_fallback(
    reason: str, path: Path | str, *, max_bytes: int = MEMORY_FALLBACK_MAX_BYTES
) -> Database:
    """An in-memory database of at most ``max_bytes`` (then writes fail as on a full disk)."""
    logger.error(
        "query log %s cannot be used (%s): keeping the query log and channel settings in "
        "memory for this run (at most %d MB; lost at exit)", path, reason, max_bytes >> 20,
    )
    db = await open_database(MEMORY)
    row = await db.fetchone("PRAGMA page_size")
    page_size = int(row[0]) if row is not None else 4096
    await db.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page_size)}")
    return db


async def open_postgres_querylog(url: str) -> Database:
    """The query log on a PostgreSQL server, or :func:`open_memory_fallback` when it cannot
    be reached or migrated within :data:`STARTUP_PATIENCE_SECONDS` (one log line)."""
    try:
        async with asyncio.timeout(STARTUP_PATIENCE_SECONDS):
            return await open_database(url, patience=STARTUP_PATIENCE_SECONDS)
    except TimeoutError:
        reason = f"no answer within {STARTUP_PATIENCE_SECONDS:.0f} s"
    except ModuleNotFoundError:
        reason = "asyncpg is not installed: pip install 'archive-bot[postgresql]'"
    except (sqlite3.Error, StoreError, OSError) as exc:  # BackendError is an sqlite3.Error
        reason = _describe(exc)
    return await open_memory_fallback(reason, pg.safe_url(url))


async def open_querylog(
    path: Path | str, *, url: str | None = None,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Database:
    """Open the bot's query log, whatever state its file (or server) is in (see the module
    docstring); ``url``, when given, is used instead of ``path``.

    Never raises for the file's sake: a corrupt database is moved aside and replaced (one log
    line), anything else that makes the path unusable gives :func:`open_memory_fallback`."""
    if url is not None:
        return await open_postgres_querylog(url)
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


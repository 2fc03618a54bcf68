"""bot.store.db: opening, migrations, transactions, timestamps."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.store import postgres as pg_backend
from bot.store import sqlite as sqlite_backend
from bot.store.backend import Database
from bot.store.db import (
    DEFAULT_BUSY_TIMEOUT_MS,
    MEMORY_FALLBACK_MAX_BYTES,
    DatabaseBusy,
    Migration,
    MigrationError,
    apply_migrations,
    atomic,
    format_ts,
    hash_user,
    load_migrations,
    load_salt,
    open_database,
    open_querylog,
    parse_ts,
    quick_check,
    split_statements,
)
from bot.store.sqlite import SqliteDatabase


async def _migration_ids(conn: Database) -> list[int]:
    rows = await conn.execute_fetchall("SELECT id FROM migrations ORDER BY id")
    return [row[0] for row in rows]


async def _tables(conn: Database) -> set[str]:
    sql = ("SELECT name FROM sqlite_master WHERE type = 'table'" if conn.dialect == "sqlite"
           else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(row[0]) for row in await conn.fetchall(sql)}


async def _unmigrated(target: Path | str) -> Database:
    """A connection to ``target`` with no migration applied."""
    if isinstance(target, str):
        return await pg_backend.connect(target)
    return await sqlite_backend.connect(target, busy_timeout_ms=DEFAULT_BUSY_TIMEOUT_MS)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_shipped_migrations_are_numbered_from_one(dialect: str) -> None:
    migrations = load_migrations(dialect)
    assert [m.id for m in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) >= 2
    assert all(split_statements(m.sql) for m in migrations)


def test_both_dialects_have_the_same_migrations() -> None:
    sqlite = [(m.id, m.name) for m in load_migrations("sqlite")]
    assert [(m.id, m.name) for m in load_migrations("postgresql")] == sqlite
    with pytest.raises(MigrationError, match="no migrations"):
        load_migrations("oracle")


async def test_fresh_database_gets_every_migration(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    try:
        assert await _migration_ids(conn) == [m.id for m in load_migrations(conn.dialect)]
        tables = await _tables(conn)
        assert {"queries", "meta", "channel_settings", "admin_audit", "migrations"} <= tables
    finally:
        await conn.close()


async def test_both_backends_have_the_same_columns(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    try:
        for table in ("queries", "meta", "channel_settings", "admin_audit", "migrations"):
            rows = await conn.fetchall(f"SELECT * FROM {table} WHERE 1 = 0")
            assert rows == []
        if conn.dialect == "sqlite":
            columns = [r[1] for r in await conn.fetchall("PRAGMA table_info(queries)")]
        else:
            columns = [r[0] for r in await conn.fetchall(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", ("queries",))]
        assert columns == [
            "id", "ts", "guild_id", "channel_id", "user_key", "command", "query", "filters",
            "result_count", "found", "top_hits", "latency_ms", "error_id", "feedback",
            "feedback_at", "request_id", "refused"]
    finally:
        await conn.close()


async def test_a_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "log.sqlite3"
    conn = await open_database(path)
    try:
        assert path.exists()
        assert isinstance(conn, SqliteDatabase)
        row = await (await conn.execute("PRAGMA journal_mode")).fetchone()
        assert row is not None
        assert row[0] == "wal"
        row = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
        assert row is not None
        assert row[0] == 1
        assert conn.conn.row_factory is aiosqlite.Row
    finally:
        await conn.close()


async def test_reopening_applies_nothing_and_keeps_the_salt(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    salt = await load_salt(conn)
    await conn.close()
    conn = await open_database(store_target)
    try:
        assert await apply_migrations(conn) == []
        assert await _migration_ids(conn) == [m.id for m in load_migrations()]
        assert await load_salt(conn) == salt
        assert len(salt) == 32
    finally:
        await conn.close()


async def test_memory_database() -> None:
    conn = await open_database(":memory:")
    try:
        assert await _migration_ids(conn) == [m.id for m in load_migrations()]
    finally:
        await conn.close()


async def test_future_migration_is_a_clear_error(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    await conn.execute(
        "INSERT INTO migrations (id, name, applied_at) VALUES (9999, 'from_the_future', 'x')"
    )
    await conn.close()
    with pytest.raises(MigrationError, match=r"9999_from_the_future.*newer version"):
        await open_database(store_target)


async def test_failing_migration_rolls_back_entirely(store_target: Path | str) -> None:
    conn = await _unmigrated(store_target)
    try:
        good = Migration(1, "good", "CREATE TABLE a (x INTEGER);")
        bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
        with pytest.raises(MigrationError, match="0002_bad"):
            await apply_migrations(conn, [good, bad])
        assert await _migration_ids(conn) == [1]
        names = await _tables(conn)
        assert "a" in names
        assert "b" not in names
        assert not conn.in_transaction
    finally:
        await conn.close()


async def test_processes_starting_at_once_migrate_once(store_target: Path | str) -> None:
    """Several processes opening a new database together: each migration is applied once."""
    opened = await asyncio.gather(*(open_database(store_target, patience=30) for _ in range(4)))
    try:
        assert [await _migration_ids(c) for c in opened] == [
            [m.id for m in load_migrations(opened[0].dialect)]] * 4
        salts = {await load_salt(c) for c in opened}
        assert len(salts) == 1
    finally:
        for conn in opened:
            await conn.close()


def test_split_statements_handles_strings_and_comments() -> None:
    script = (
        "-- one; two\nCREATE TABLE t (x TEXT DEFAULT ';');\n\n"
        "INSERT INTO t VALUES ('a;b');\n-- end\n"
    )
    assert split_statements(script) == [
        "-- one; two\nCREATE TABLE t (x TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('a;b');",
    ]
    with pytest.raises(MigrationError, match="incomplete"):
        split_statements("CREATE TABLE t (x")


async def test_atomic_commits_and_rolls_back(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    try:
        async with atomic(conn):
            await conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")

        async def fails_late() -> None:
            async with atomic(conn):
                await conn.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
                raise RuntimeError("boom")

        async def violates() -> None:
            async with atomic(conn):
                await conn.execute("INSERT INTO meta (key, value) VALUES ('c', '3')")
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'dup')")

        with pytest.raises(RuntimeError):
            await fails_late()
        with pytest.raises(sqlite3.Error, match=r"(?i)unique"):
            await violates()
        keys = {r[0] for r in await conn.execute_fetchall("SELECT key FROM meta")}
        assert {"a"} <= keys
        assert not keys & {"b", "c"}
        assert not conn.in_transaction
    finally:
        await conn.close()


def test_timestamps_round_trip() -> None:
    dt = datetime(2024, 3, 5, 12, 30, 45, 123456, tzinfo=UTC)
    assert format_ts(dt) == "2024-03-05T12:30:45.123Z"
    paris = dt.astimezone(timezone(timedelta(hours=1)))
    assert format_ts(paris) == "2024-03-05T12:30:45.123Z"
    assert format_ts(datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000Z"
    assert parse_ts("2024-03-05T12:30:45.123Z") == dt.replace(microsecond=123000)


def test_hash_user_is_salted_and_short() -> None:
    assert hash_user("salt", 42) == hash_user("salt", "42")
    assert hash_user("salt", 42) != hash_user("other", 42)
    assert len(hash_user("salt", 42)) == 16


# -- locks: short busy timeout, patience where a caller can wait -------------------------------


@pytest.fixture
async def locker(tmp_path: Path) -> AsyncIterator[Locker]:
    lock = Locker(tmp_path / "locked.sqlite3")
    conn = await open_database(lock.path)  # created and migrated, then left to the locker
    await conn.close()
    yield lock
    await lock.release()


class Locker:
    """Another connection holding ``BEGIN EXCLUSIVE`` on ``path`` (as another process would)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None

    async def hold(self) -> None:
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        await self._conn.execute("BEGIN EXCLUSIVE")

    async def release(self) -> None:
        if self._conn is not None:
            await self._conn.execute("ROLLBACK")
            await self._conn.close()
            self._conn = None


class BeginSpy:
    """Wraps ``db._shielded_begin``: counts attempts, sets ``failed`` once one was refused."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = sqlite_backend._shielded_begin
        self.attempts = 0
        self.failed = asyncio.Event()
        self.submitted = asyncio.Event()
        monkeypatch.setattr(sqlite_backend, "_shielded_begin", self)

    async def __call__(self, conn: aiosqlite.Connection) -> None:
        self.attempts += 1
        self.submitted.set()
        try:
            await self.real(conn)
        except sqlite3.OperationalError:
            self.failed.set()
            raise


async def _insert(conn: Database, key: str, *, patience: float = 0.0) -> None:
    async with atomic(conn, patience=patience):
        await conn.execute("INSERT INTO meta (key, value) VALUES (?, 'v')", (key,))


async def test_default_busy_timeout_is_short(locker: Locker) -> None:
    conn = await open_database(locker.path)
    try:
        row = await (await conn.execute("PRAGMA busy_timeout")).fetchone()
        assert row is not None
        assert row[0] == DEFAULT_BUSY_TIMEOUT_MS <= 1000  # well under Discord's 3 s
    finally:
        await conn.close()


async def test_a_migrated_database_opens_while_another_process_holds_the_lock(
    locker: Locker,
) -> None:
    await locker.hold()
    conn = await open_database(locker.path, busy_timeout_ms=0)  # writes nothing
    try:
        assert await _migration_ids(conn) == [m.id for m in load_migrations()]
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await _insert(conn, "a")  # no patience: SQLite's own error, at once
    finally:
        await conn.close()


async def test_patience_waits_out_a_lock(locker: Locker, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = await open_database(locker.path, busy_timeout_ms=0)
    spy = BeginSpy(monkeypatch)
    await locker.hold()
    try:
        writing = asyncio.create_task(_insert(conn, "waited", patience=30))
        await spy.failed.wait()  # refused at least once while the lock is held
        assert not writing.done()
        await locker.release()
        await writing
        assert spy.attempts >= 2
        rows = await conn.execute_fetchall("SELECT key FROM meta WHERE key = 'waited'")
        assert len(list(rows)) == 1
    finally:
        await conn.close()


async def test_a_new_file_waits_for_wal_while_another_process_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Switching a new file to WAL is refused at once while another process holds it (as
    when several processes open a new log together): retried within the patience."""
    locker = Locker(tmp_path / "new.sqlite3")
    plain = sqlite3.connect(locker.path)
    plain.execute("CREATE TABLE t (x)")  # a file in the default rollback-journal mode
    plain.close()
    await locker.hold()  # without patience: SQLite's own error, at once
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await sqlite_backend.connect(locker.path, busy_timeout_ms=0)
    finally:
        await locker.release()
    tries, refused = 0, asyncio.Event()
    real = sqlite_backend._try_wal

    async def spy(conn: aiosqlite.Connection) -> str:
        nonlocal tries
        tries += 1
        try:
            return await real(conn)
        except sqlite3.OperationalError:
            refused.set()
            raise

    monkeypatch.setattr(sqlite_backend, "_try_wal", spy)
    await locker.hold()
    opening = asyncio.create_task(sqlite_backend.connect(locker.path, busy_timeout_ms=0,
                                                         patience=30))
    await refused.wait()
    assert not opening.done()
    await locker.release()
    conn = await opening
    try:
        mode = await (await conn.execute("PRAGMA journal_mode")).fetchone()
        assert mode is not None and mode[0] == "wal" and tries >= 2
    finally:
        await conn.close()


async def test_patience_runs_out_with_a_clear_error(locker: Locker) -> None:
    conn = await open_database(locker.path, busy_timeout_ms=0)
    await locker.hold()
    try:
        with pytest.raises(DatabaseBusy, match="locked by another program"):
            await _insert(conn, "late", patience=0.2)
        assert not conn.in_transaction
    finally:
        await conn.close()


async def test_cancelled_begin_leaves_no_transaction_open(
    locker: Locker, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = await open_database(locker.path, busy_timeout_ms=2000)
    spy = BeginSpy(monkeypatch)
    await locker.hold()
    try:
        writing = asyncio.create_task(_insert(conn, "cancelled"))
        await spy.submitted.wait()
        for _ in range(3):  # loop steps (not a timed wait): the begin task queues its statement
            await asyncio.sleep(0)
        writing.cancel()  # BEGIN IMMEDIATE is waiting in the connection's thread
        await locker.release()  # ...so it now succeeds, after its caller was cancelled
        with pytest.raises(asyncio.CancelledError):
            await writing
        assert not conn.in_transaction
        await _insert(conn, "after")  # the connection and its lock are usable
        keys = {r[0] for r in await conn.execute_fetchall("SELECT key FROM meta")}
        assert "after" in keys and "cancelled" not in keys
    finally:
        await conn.close()


async def test_a_caller_cancelled_during_commit_keeps_the_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """Cancelled while its COMMIT runs in the connection's thread (a shutdown cancelling a
    writer): the commit's outcome is awaited, no ROLLBACK is sent behind it."""
    conn = await open_database(tmp_path / "c.sqlite3")
    assert isinstance(conn, SqliteDatabase)
    raw, committing, gate = conn.conn, asyncio.Event(), asyncio.Event()
    real = raw.execute

    async def execute(sql: str, *args: Any) -> Any:
        if sql != "COMMIT":
            return await real(sql, *args)
        running = asyncio.ensure_future(real(sql))  # handed to the connection's thread
        committing.set()
        await gate.wait()
        return await running

    raw.execute = execute  # type: ignore[method-assign, assignment]
    try:
        writing = asyncio.create_task(_insert(conn, "kept"))
        await committing.wait()
        writing.cancel()
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await writing
        raw.execute = real  # type: ignore[method-assign]
        assert not conn.in_transaction
        keys = {r[0] for r in await conn.execute_fetchall("SELECT key FROM meta")}
        assert "kept" in keys
        assert "rollback failed" not in caplog.text
    finally:
        raw.execute = real  # type: ignore[method-assign]
        await conn.close()


# -- start-up never depends on the query log's file -------------------------------------------


async def _real_log(path: Path, rows: int = 2000) -> bytes:
    """A query log with ``rows`` rows, checkpointed into one file; its bytes."""
    conn = await open_database(path)
    async with atomic(conn):
        await conn.executemany(
            "INSERT INTO queries (ts, command, query, filters, result_count, found, top_hits, "
            "request_id) VALUES ('2024-01-01T00:00:00.000Z', 'search', ?, '{}', 0, 0, '[]', ?)",
            [(f"query {n} " * 20, f"r{n}") for n in range(rows)],
        )
    await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await conn.close()
    return path.read_bytes()


def _garbage(path: Path, good: bytes) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _truncated(path: Path, good: bytes) -> None:
    path.write_bytes(good[: len(good) // 2])


def _bad_header(path: Path, good: bytes) -> None:
    path.write_bytes(b"Not SQLite at al" + good[16:])


def _bad_page(path: Path, good: bytes) -> None:
    """A data page in the middle overwritten: the file opens; only the check sees it."""
    middle = (len(good) // 2) // 4096 * 4096
    path.write_bytes(good[:middle] + b"\xff" * 4096 + good[middle + 4096:])


@pytest.mark.parametrize("damage", [_garbage, _truncated, _bad_header, _bad_page],
                         ids=["garbage", "truncated", "bad-header", "bad-page"])
async def test_a_corrupt_query_log_is_moved_aside_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[Path, bytes], None],
) -> None:
    path = tmp_path / "querylog.sqlite3"
    good = await _real_log(path)
    damage(path, good)
    damaged = path.read_bytes()
    with caplog.at_level(logging.INFO, logger="bot.store.db"):
        conn = await open_querylog(path)
    try:
        [aside] = list(tmp_path.glob("querylog.sqlite3.corrupt-*"))
        assert re.fullmatch(r"querylog\.sqlite3\.corrupt-\d{8}T\d{6}Z", aside.name)
        assert aside.read_bytes() == damaged  # kept as it was, for whoever wants to look
        said = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) == 1, [r.getMessage() for r in said]
        assert "is corrupt" in said[0].getMessage() and aside.name in said[0].getMessage()
        assert await _migration_ids(conn) == [m.id for m in load_migrations()]
        await _insert(conn, "fresh")
        assert path.is_file()
    finally:
        await conn.close()


async def _memory_fallback_works(conn: Database) -> None:
    assert await _migration_ids(conn) == [m.id for m in load_migrations()]
    await _insert(conn, "in memory")
    rows = list(await conn.execute_fetchall("PRAGMA database_list"))
    assert rows[0][2] == ""  # the main database has no file
    page_size = next(iter(await conn.execute_fetchall("PRAGMA page_size")))[0]
    limit = next(iter(await conn.execute_fetchall("PRAGMA max_page_count")))[0]
    assert limit * page_size <= MEMORY_FALLBACK_MAX_BYTES


async def test_a_directory_gives_a_bounded_database_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "querylog.sqlite3"
    path.mkdir()
    with caplog.at_level(logging.WARNING, logger="bot.store.db"):
        conn = await open_querylog(path)
    try:
        [line] = [r.getMessage() for r in caplog.records]
        assert "cannot be used" in line and "in memory" in line
        await _memory_fallback_works(conn)
        assert path.is_dir() and not list(path.iterdir())  # left alone
    finally:
        await conn.close()


async def test_unusable_paths_give_a_database_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    newer = tmp_path / "newer.sqlite3"
    conn = await open_database(newer)
    await conn.execute("INSERT INTO migrations (id, name, applied_at) VALUES (9999, 'x', 'y')")
    await conn.close()
    before = newer.read_bytes()
    for path in (blocker / "querylog.sqlite3", newer):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.store.db"):
            conn = await open_querylog(path)
        try:
            assert len(caplog.records) == 1 and "in memory" in caplog.records[0].getMessage()
            await _memory_fallback_works(conn)
        finally:
            await conn.close()
    assert newer.read_bytes() == before  # a newer bot's database is not touched
    assert not list(tmp_path.glob("*.corrupt-*"))


async def test_a_sound_query_log_opens_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "querylog.sqlite3"
    await _real_log(path, rows=10)
    with caplog.at_level(logging.WARNING, logger="bot.store.db"):
        conn = await open_querylog(path)
    try:
        assert not caplog.records
        rows = list(await conn.execute_fetchall("SELECT count(*) FROM queries"))
        assert rows[0][0] == 10
    finally:
        await conn.close()


async def test_quick_check_gives_up_within_its_budget(tmp_path: Path) -> None:
    conn = await open_database(tmp_path / "big.sqlite3")
    try:
        assert await quick_check(conn, budget=5.0) == "ok"
        assert await quick_check(conn, budget=0.0) in (None, "ok")  # interrupted, or done
        await _insert(conn, "still usable")
    finally:
        await conn.close()


async def test_the_bots_own_statements_run_on_both_backends(store_target: Path | str) -> None:
    """What bot/app writes through ``services.db`` (the command-sync hash): an upsert with
    ``excluded``, a read through the cursor-like result, inside and outside a transaction."""
    conn = await open_database(store_target)
    try:
        for digest in ("first", "second"):
            async with atomic(conn):
                await conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    ("command_sync_hash", digest))
        cursor = await conn.execute("SELECT value FROM meta WHERE key = ?", ("command_sync_hash",))
        row = await cursor.fetchone()
        assert row is not None and row[0] == "second" and row["value"] == "second"
        assert await (await conn.execute("DELETE FROM meta WHERE key = 'x'")).fetchall() == []
        result = await conn.execute("UPDATE meta SET value = 'third' WHERE key = ?",
                                    ("command_sync_hash",))
        assert result.rowcount == 1
    finally:
        await conn.close()


async def test_reads_go_on_while_a_write_is_open(store_target: Path | str) -> None:
    """A read from another task during a transaction answers (SQLite: the same connection,
    PostgreSQL: another of the pool) and never sees the write half done on PostgreSQL."""
    conn = await open_database(store_target)
    try:
        inside, proceed = asyncio.Event(), asyncio.Event()

        async def write() -> None:
            async with atomic(conn):
                await conn.execute("INSERT INTO meta (key, value) VALUES ('w', '1')")
                inside.set()
                await proceed.wait()

        writing = asyncio.create_task(write())
        await inside.wait()
        rows = await conn.fetchall("SELECT key FROM meta WHERE key = 'w'")
        assert len(rows) == (1 if conn.dialect == "sqlite" else 0)
        proceed.set()
        await writing
        assert len(await conn.fetchall("SELECT key FROM meta WHERE key = 'w'")) == 1
    finally:
        await conn.close()

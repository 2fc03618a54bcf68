"""bot.store.querylog: batching, flushing on close, retries, feedback, hashing, pruning."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.store import sqlite as sqlite_backend
from bot.store.backend import Database
from bot.store.channels import log_admin_attempt
from bot.store.db import load_salt, open_database
from bot.store.querylog import QueryLog, QueryRecord

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def make_log(conn: Database, **overrides: Any) -> QueryLog:
    options: dict[str, Any] = {
        "hash_users": True,
        "batch_size": 200,
        "flush_interval": 0.05,
        "retention_days": 90,
    }
    options.update(overrides)
    return QueryLog(conn, **options)


def rec(n: int = 0, **fields: Any) -> QueryRecord:
    base: dict[str, Any] = {
        "command": "search",
        "query": f"query {n}",
        "ts": NOW,
        "user_id": 1000 + (n % 3),
        "guild_id": 1,
        "channel_id": 2,
        "request_id": f"req-{n}",
    }
    base.update(fields)
    return QueryRecord(**base)


async def count_rows(target: Path | str) -> int:
    """Rows in ``queries`` as a separate connection sees them."""
    if isinstance(target, str):
        import asyncpg

        conn = await asyncpg.connect(target)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM queries"))
        finally:
            await conn.close()
    async with aiosqlite.connect(target) as other:
        rows = list(await other.execute_fetchall("SELECT count(*) FROM queries"))
        return int(rows[0][0])


async def row_of(conn: Database, request_id: str) -> Any:
    cursor = await conn.execute("SELECT * FROM queries WHERE request_id = ?", (request_id,))
    row = await cursor.fetchone()
    assert row is not None
    return row


@pytest.fixture
def db_path(store_target: Path | str) -> Path | str:
    """The log: a SQLite file, or a PostgreSQL database (every test here runs on both)."""
    return store_target


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """For the tests of what only a SQLite file does (its locks, a full disk)."""
    return tmp_path / "querylog.sqlite3"


@pytest.fixture
async def conn(db_path: Path | str) -> AsyncIterator[Database]:
    connection = await open_database(db_path)
    yield connection
    await connection.close()


@pytest.fixture
async def log(conn: Database) -> AsyncIterator[QueryLog]:
    querylog = make_log(conn)
    await querylog.start()
    yield querylog
    await querylog.close()


class FailingInsert:
    """Replaces ``QueryLog._insert_batch``: fails ``failures`` times, then delegates."""

    def __init__(self, log: QueryLog, failures: int) -> None:
        self.real = log._insert_batch
        self.failures = failures
        self.calls = 0
        self.failed = asyncio.Event()

    async def __call__(self, params: list[tuple[Any, ...]]) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            self.failed.set()
            raise sqlite3.OperationalError("database is locked")
        return await self.real(params)


# -- batching and flushing --------------------------------------------------------------------


async def test_flush_writes_everything_in_few_transactions(
    conn: Database, db_path: Path
) -> None:
    log = make_log(conn, batch_size=100)
    await log.start()
    for n in range(500):
        log.record(rec(n))
    assert log.pending() == 500
    assert await log.flush() is True
    assert log.pending() == 0
    assert await count_rows(db_path) == 500
    assert log.stats.written == 500
    assert log.stats.batches <= math.ceil(500 / 100) + 1
    await log.close()


async def test_a_burst_is_one_transaction(log: QueryLog, db_path: Path | str) -> None:
    for n in range(50):
        log.record(rec(n))
    await log.flush()
    assert log.stats.batches == 1
    assert await count_rows(db_path) == 50


async def test_writer_task_writes_a_burst_in_one_transaction(
    conn: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = make_log(conn, flush_interval=0.01)
    real = log._insert_batch
    written = asyncio.Event()

    async def spy(params: list[tuple[Any, ...]]) -> int:
        result = await real(params)
        written.set()
        return result

    monkeypatch.setattr(log, "_insert_batch", spy)
    await log.start()
    for n in range(50):
        log.record(rec(n))
    await written.wait()
    assert log.stats.batches == 1
    assert await count_rows(db_path) == 50
    await log.close()


async def test_close_writes_every_recorded_row(conn: Database, db_path: Path | str) -> None:
    log = make_log(conn, batch_size=64)
    await log.start()
    for n in range(1000):
        log.record(rec(n))
    await log.close()
    await log.close()  # idempotent
    assert log.pending() == 0
    assert await count_rows(db_path) == 1000


async def test_record_after_close_is_kept_for_a_flush(
    log: QueryLog, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await log.close()
    with caplog.at_level(logging.WARNING, logger="bot.store.querylog"):
        log.record(rec(1))
    assert "closed" in caplog.text
    assert await log.flush() is True
    assert await count_rows(db_path) == 1


async def test_stored_row_contents(log: QueryLog, conn: Database) -> None:
    log.record(
        rec(
            7,
            command="ask",
            filters={"source": "Reuters", "after": "2020-01-01"},
            result_count=3,
            found=True,
            top_hits=[("doc_a", 2), ("doc_b", 5)],
            latency_ms=12.5,
            ts=datetime(2024, 6, 15, 12, 0, 0, 250000, tzinfo=UTC),
        )
    )
    await log.flush()
    row = await row_of(conn, "req-7")
    assert row["ts"] == "2024-06-15T12:00:00.250Z"
    assert row["guild_id"] == "1"
    assert row["channel_id"] == "2"
    assert row["command"] == "ask"
    assert json.loads(row["filters"]) == {"after": "2020-01-01", "source": "Reuters"}
    assert json.loads(row["top_hits"]) == [["doc_a", 2], ["doc_b", 5]]
    assert (row["result_count"], row["found"], row["latency_ms"]) == (3, 1, 12.5)
    assert row["feedback"] is None
    assert row["error_id"] is None


async def test_record_never_raises(log: QueryLog, caplog: pytest.LogCaptureFixture) -> None:
    bad = rec(1, top_hits=[("doc", "not a number")])
    with caplog.at_level(logging.ERROR, logger="bot.store.querylog"):
        log.record(bad)
    assert "could not record" in caplog.text
    assert log.pending() == 0


async def test_recording_the_same_request_twice_keeps_one_row(
    log: QueryLog, db_path: Path
) -> None:
    log.record(rec(1))
    await log.flush()
    log.record(rec(1))
    assert await log.flush() is True
    assert await count_rows(db_path) == 1


# -- failures ---------------------------------------------------------------------------------


async def test_failing_writes_are_retried(
    conn: Database,
    db_path: Path | str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = make_log(conn)
    log.retry_delays = (0.0, 0.0, 0.0)
    failing = FailingInsert(log, failures=2)
    monkeypatch.setattr(log, "_insert_batch", failing)
    await log.start()
    with caplog.at_level(logging.WARNING, logger="bot.store.querylog"):
        for n in range(30):
            log.record(rec(n))
        await log.close()
    assert await count_rows(db_path) == 30
    assert log.stats.retries == 2
    assert log.stats.failures == 0
    assert "database is locked" in caplog.text


async def test_rows_of_a_batch_that_keeps_failing_are_kept(
    conn: Database,
    db_path: Path | str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = make_log(conn)
    log.retry_delays = (0.0,)
    # failing until the checks are done: the background writer retries on its own while
    # the test counts rows (seen in CI: its third attempt wrote them during count_rows)
    failing = FailingInsert(log, failures=10**6)
    monkeypatch.setattr(log, "_insert_batch", failing)
    await log.start()
    for n in range(10):
        log.record(rec(n))
    with caplog.at_level(logging.ERROR, logger="bot.store.querylog"):
        assert await log.flush() is False
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert log.stats.failures == 1
    assert log.pending() == 10
    assert await count_rows(db_path) == 0
    assert log.pending() == 10
    failing.failures = failing.calls  # the database is back: the next write goes through
    assert await log.flush() is True
    assert await count_rows(db_path) == 10
    await log.close()


async def test_a_locked_database_is_waited_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.sqlite3"
    conn = await open_database(path, busy_timeout_ms=0)
    log = make_log(conn)
    failing = FailingInsert(log, failures=0)
    real = failing.real

    async def watch(params: list[tuple[Any, ...]]) -> int:
        try:
            return await real(params)
        except sqlite3.OperationalError:
            failing.failed.set()
            raise

    monkeypatch.setattr(log, "_insert_batch", watch)
    await log.start()
    locker = await aiosqlite.connect(path, isolation_level=None)
    await locker.execute("BEGIN EXCLUSIVE")
    for n in range(20):
        log.record(rec(n))
    flushing = asyncio.create_task(log.flush())
    await failing.failed.wait()
    await locker.execute("ROLLBACK")
    await locker.close()
    await flushing
    await log.close()
    await conn.close()
    assert log.stats.retries >= 1
    assert await count_rows(path) == 20


# -- feedback ---------------------------------------------------------------------------------


async def test_feedback_before_and_after_flush(log: QueryLog, conn: Database) -> None:
    log.record(rec(1))
    log.record(rec(2))
    assert await log.record_feedback("req-1", -1) is True  # still buffered
    await log.flush()
    assert await log.record_feedback("req-2", 1) is True  # already written
    assert (await row_of(conn, "req-1"))["feedback"] == -1
    assert (await row_of(conn, "req-2"))["feedback"] == 1
    assert (await row_of(conn, "req-2"))["feedback_at"] is not None
    assert await log.record_feedback("req-1", 1) is True  # changing one's mind
    assert (await row_of(conn, "req-1"))["feedback"] == 1


async def test_feedback_during_the_write_is_not_lost(
    log: QueryLog, conn: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = log._insert_batch
    started, proceed = asyncio.Event(), asyncio.Event()

    async def slow(params: list[tuple[Any, ...]]) -> int:
        started.set()
        await proceed.wait()
        return await real(params)

    monkeypatch.setattr(log, "_insert_batch", slow)
    log.record(rec(1))
    flushing = asyncio.create_task(log.flush())
    await started.wait()
    clicking = asyncio.create_task(log.record_feedback("req-1", -1))
    proceed.set()
    await flushing
    assert await clicking is True
    assert (await row_of(conn, "req-1"))["feedback"] == -1


async def test_feedback_for_unknown_or_invalid(log: QueryLog) -> None:
    assert await log.record_feedback("nope", 1) is False
    log.record(rec(1))
    for value in (0, 2, -2, True):
        with pytest.raises(ValueError, match="feedback"):
            await log.record_feedback("req-1", value)


# -- users ------------------------------------------------------------------------------------


async def test_hashed_user_keys(log: QueryLog, conn: Database) -> None:
    log.record(rec(1, user_id=42))
    log.record(rec(2, user_id=42))
    log.record(rec(3, user_id=43))
    log.record(rec(4, user_id=None))
    await log.flush()
    keys = [(await row_of(conn, f"req-{n}"))["user_key"] for n in (1, 2, 3, 4)]
    assert keys[0] == keys[1] == log.user_key(42) == log.user_key("42")
    assert keys[0] != "42"
    assert len(keys[0]) == 16
    assert keys[2] != keys[0]
    assert keys[3] is None


async def test_hashing_depends_on_the_database_salt(conn: Database) -> None:
    other_conn = await open_database(":memory:")
    try:
        a, b = make_log(conn), make_log(other_conn)
        await a.start()
        await b.start()
        assert a.user_key(42) != b.user_key(42)
        assert await load_salt(conn) != await load_salt(other_conn)
        await a.close()
        await b.close()
    finally:
        await other_conn.close()


async def test_raw_user_ids_when_hashing_is_off(conn: Database) -> None:
    log = make_log(conn, hash_users=False)
    await log.start()
    log.record(rec(1, user_id=42))
    await log.close()
    assert (await row_of(conn, "req-1"))["user_key"] == "42"
    assert log.user_key(42) == "42"


async def test_forget_user_deletes_exactly_that_user(
    log: QueryLog, conn: Database
) -> None:
    for n in range(6):
        log.record(rec(n, user_id=42 if n % 2 else 43))
    await log.flush()
    log.record(rec(10, user_id=42))  # still pending
    key = log.user_key(42)
    await log_admin_attempt(
        conn, guild_id=1, channel_id=2, user_key=key, action="admin:reindex", allowed=False
    )
    await log_admin_attempt(
        conn, guild_id=1, channel_id=2, user_key=log.user_key(43), action="admin:x", allowed=True
    )
    assert await log.forget_user(key) == 3 + 1 + 1
    await log.flush()
    left = await conn.execute_fetchall("SELECT user_key FROM queries")
    assert sorted(r[0] for r in left) == [log.user_key(43)] * 3
    audit = await conn.execute_fetchall("SELECT user_key FROM admin_audit")
    assert [r[0] for r in audit] == [log.user_key(43)]
    assert await log.forget_user(key) == 0


async def test_forget_user_in_one_guild_keeps_their_other_guilds_rows(
    log: QueryLog, conn: Database
) -> None:
    for n in range(4):  # guilds 1, 2, 1, 2
        log.record(rec(n, user_id=42, guild_id=1 + n % 2))
    log.record(rec(4, user_id=43, guild_id=1))
    log.record(rec(5, user_id=42, guild_id=None))  # a DM
    await log.flush()
    log.record(rec(10, user_id=42, guild_id=1))  # still pending: dropped
    log.record(rec(11, user_id=42, guild_id=2))  # still pending: kept
    key = log.user_key(42)
    for guild in (1, 2):
        await log_admin_attempt(conn, guild_id=guild, channel_id=2, user_key=key,
                                action="stats", allowed=True)
    assert await log.forget_user(key, guild_id=1) == 2 + 1 + 1
    await log.flush()
    left = await conn.execute_fetchall(
        "SELECT request_id FROM queries WHERE user_key = ? ORDER BY request_id", (key,))
    assert [r[0] for r in left] == ["req-1", "req-11", "req-3", "req-5"]
    audit = await conn.execute_fetchall("SELECT guild_id FROM admin_audit")
    assert [r[0] for r in audit] == ["2"]
    other = await conn.execute_fetchall("SELECT request_id FROM queries WHERE guild_id = '1'")
    assert [r[0] for r in other] == ["req-4"]  # another user's row in that guild stays
    assert await log.forget_user(key, guild_id="1") == 0
    assert await log.forget_user(key) == 4 + 1  # everywhere: the operator's command line


# -- retention --------------------------------------------------------------------------------


async def test_prune_removes_only_old_rows(conn: Database) -> None:
    log = make_log(conn, retention_days=30)
    await log.start()
    log.record(rec(1, ts=NOW - timedelta(days=40)))
    log.record(rec(2, ts=NOW - timedelta(days=30, seconds=1)))
    log.record(rec(3, ts=NOW - timedelta(days=29)))
    log.record(rec(4, ts=NOW))
    await log.flush()
    await log_admin_attempt(
        conn, guild_id=1, channel_id=2, user_key="k", action="a", allowed=True,
        ts=NOW - timedelta(days=31),
    )
    assert await log.prune(now=NOW) == 3
    left = await conn.execute_fetchall("SELECT request_id FROM queries ORDER BY request_id")
    assert [r[0] for r in left] == ["req-3", "req-4"]
    assert await log.prune(now=NOW) == 0
    await log.close()


async def test_retention_zero_keeps_everything(conn: Database, db_path: Path | str) -> None:
    log = make_log(conn, retention_days=0)
    await log.start()
    log.record(rec(1, ts=NOW - timedelta(days=4000)))
    await log.flush()
    assert await log.prune(now=NOW) == 0
    assert await count_rows(db_path) == 1
    await log.close()


async def test_run_daily_prune_prunes_at_start(
    log: QueryLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    pruned = asyncio.Event()

    async def fake_prune(now: datetime | None = None) -> int:
        pruned.set()
        return 0

    monkeypatch.setattr(log, "prune", fake_prune)
    task = asyncio.create_task(log.run_daily_prune())
    await pruned.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- a database that takes no writes: memory bounded, clicks and answers never wait -----------


async def test_a_full_disk_keeps_a_bounded_buffer_and_counts_what_it_drops(
    sqlite_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = sqlite_path
    conn = await open_database(db_path)
    log = make_log(conn, max_pending=10)
    log.retry_delays = (0.0,)
    await log.start()
    pages = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
    await conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: no page more
    big = "x" * 5000  # a row needs pages of its own
    with caplog.at_level(logging.WARNING, logger="bot.store.querylog"):
        for n in range(4):
            log.record(rec(n, query=big))
        assert await log.flush() is False
        assert "database or disk is full" in caplog.text
        for n in range(4, 25):
            log.record(rec(n, query=big))  # never raises, never waits
        assert log.pending() == 10
        assert log.stats.dropped == 15
        dropping = [r for r in caplog.records if "dropping new rows" in r.getMessage()]
        assert len(dropping) == 1  # one line when dropping starts, not one per row
        assert await count_rows(db_path) == 0
        await conn.execute("PRAGMA max_page_count = 1073741823")  # space again
        assert await log.flush() is True
    assert await count_rows(db_path) == 10
    assert [r.getMessage() for r in caplog.records if "writing again" in r.getMessage()] == [
        "query log: writing again; 15 rows were dropped while it could not (15 in all)"]
    kept = await conn.execute_fetchall("SELECT request_id FROM queries ORDER BY id")
    assert [r[0] for r in kept] == [f"req-{n}" for n in range(10)]  # the first ten, in order
    log.record(rec(99))
    await log.close()
    await conn.close()
    assert log.stats.dropped == 15 and await count_rows(db_path) == 11


async def test_max_pending_must_be_positive(conn: Database) -> None:
    with pytest.raises(ValueError, match="max_pending"):
        make_log(conn, max_pending=0)


@pytest.fixture
async def locked(sqlite_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """Another connection holding ``BEGIN EXCLUSIVE`` on the log (until it rolls back)."""
    await (await open_database(sqlite_path)).close()  # created and migrated first
    other = await aiosqlite.connect(sqlite_path, isolation_level=None)
    yield other
    if other.in_transaction:
        await other.execute("ROLLBACK")
    await other.close()


async def test_feedback_clicks_never_wait_on_a_locked_database(
    sqlite_path: Path, locked: aiosqlite.Connection
) -> None:
    conn = await open_database(sqlite_path, busy_timeout_ms=200)
    log = make_log(conn)
    log.feedback_wait = 0.05
    await log.start()
    log.record(rec(1))
    assert await log.flush() is True
    await locked.execute("BEGIN EXCLUSIVE")
    assert await log.record_feedback("req-1", -1) is True  # answered while still locked
    log.record(rec(2))
    assert await log.record_feedback("req-2", 1) is True  # pending row: in memory
    await locked.execute("ROLLBACK")
    assert await log.flush() is True
    assert (await row_of(conn, "req-1"))["feedback"] == -1
    assert (await row_of(conn, "req-2"))["feedback"] == 1
    await log.close()
    await conn.close()


async def test_the_newest_click_wins_over_a_late_update(log: QueryLog, conn: Database,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    log.record(rec(1))
    await log.flush()
    real = log._update_feedback
    started, proceed = asyncio.Event(), asyncio.Event()

    async def slow(request_id: str, value: int, at: str) -> bool:
        started.set()
        await proceed.wait()
        return await real(request_id, value, at)

    monkeypatch.setattr(log, "_update_feedback", slow)
    log.feedback_wait = 0.0
    assert await log.record_feedback("req-1", 1) is True  # its update is still running
    await started.wait()
    assert await log.record_feedback("req-1", -1) is True  # changed one's mind meanwhile
    proceed.set()
    await log.close()
    assert (await row_of(conn, "req-1"))["feedback"] == -1


async def test_forget_waits_out_a_locked_database(
    sqlite_path: Path, locked: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = sqlite_path
    conn = await open_database(db_path, busy_timeout_ms=0)
    log = make_log(conn)
    await log.start()
    for n in range(4):
        log.record(rec(n, user_id=42))
    assert await log.flush() is True
    real_begin = sqlite_backend._shielded_begin
    refused = asyncio.Event()

    async def begin(c: aiosqlite.Connection) -> None:
        try:
            await real_begin(c)
        except sqlite3.OperationalError:
            refused.set()
            raise

    monkeypatch.setattr(sqlite_backend, "_shielded_begin", begin)
    await locked.execute("BEGIN EXCLUSIVE")
    forgetting = asyncio.create_task(log.forget_user(log.user_key(42)))
    await refused.wait()  # the delete found the database locked...
    assert not forgetting.done()  # ...and waits, instead of failing the admin's command
    await locked.execute("ROLLBACK")
    assert await forgetting == 4
    assert await count_rows(db_path) == 0
    await log.close()
    await conn.close()


# -- a PostgreSQL server that drops its connections or stops taking writes ------------------


async def _admin(url: str, sql: str) -> None:
    """``sql`` on the server's maintenance database (another session than the log's)."""
    import asyncpg

    conn = await asyncpg.connect(url.rpartition("/")[0] + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _kick(name: str) -> str:
    return ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")


async def test_a_server_restart_loses_no_row(pg_url: str) -> None:
    store_target = pg_url
    name = store_target.rpartition("/")[2]
    conn = await open_database(store_target)
    log = make_log(conn)
    log.retry_delays = (0.0, 0.01, 0.05)
    await log.start()
    for n in range(10):
        log.record(rec(n))
    assert await log.flush() is True
    await _admin(store_target, _kick(name))  # every connection of the pool is gone
    for n in range(10, 30):
        log.record(rec(n))
    assert await log.flush() is True  # the pool connects again; the failed try is retried
    await log.close()
    await conn.close()
    assert await count_rows(store_target) == 30


async def test_a_server_that_takes_no_writes_keeps_the_rows_until_it_does(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store_target = pg_url
    name = store_target.rpartition("/")[2]
    conn = await open_database(store_target)
    log = make_log(conn, max_pending=10)
    log.retry_delays = (0.0,)
    await log.start()
    await _admin(store_target, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    await _admin(store_target, _kick(name))
    with caplog.at_level(logging.WARNING, logger="bot.store.querylog"):
        for n in range(15):
            log.record(rec(n))  # never raises, never waits
        assert await log.flush() is False
        assert "read-only" in caplog.text
    assert log.pending() == 10 and log.stats.dropped == 5
    await _admin(store_target, f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    await _admin(store_target, _kick(name))
    log.retry_delays = (0.0, 0.01, 0.05)
    assert await log.flush() is True
    await log.close()
    await conn.close()
    assert await count_rows(store_target) == 10

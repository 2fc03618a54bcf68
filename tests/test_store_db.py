"""bot.store.db: opening, migrations, transactions, timestamps."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from bot.store.db import (
    Migration,
    MigrationError,
    apply_migrations,
    atomic,
    format_ts,
    hash_user,
    load_migrations,
    load_salt,
    open_database,
    parse_ts,
    split_statements,
)


async def _migration_ids(conn: aiosqlite.Connection) -> list[int]:
    rows = await conn.execute_fetchall("SELECT id FROM migrations ORDER BY id")
    return [row[0] for row in rows]


def test_shipped_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert [m.id for m in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) >= 2
    assert all(split_statements(m.sql) for m in migrations)


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "log.sqlite3"
    conn = await open_database(path)
    try:
        assert path.exists()
        assert await _migration_ids(conn) == [m.id for m in load_migrations()]
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        tables = {row[0] for row in await conn.execute_fetchall(sql)}
        assert {"queries", "meta", "channel_settings", "admin_audit", "migrations"} <= tables
        row = await (await conn.execute("PRAGMA journal_mode")).fetchone()
        assert row is not None
        assert row[0] == "wal"
        row = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
        assert row is not None
        assert row[0] == 1
        assert conn.row_factory is aiosqlite.Row
    finally:
        await conn.close()


async def test_reopening_applies_nothing_and_keeps_the_salt(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    conn = await open_database(path)
    salt = await load_salt(conn)
    await conn.close()
    conn = await open_database(path)
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


async def test_future_migration_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    conn = await open_database(path)
    await conn.execute(
        "INSERT INTO migrations (id, name, applied_at) VALUES (9999, 'from_the_future', 'x')"
    )
    await conn.close()
    with pytest.raises(MigrationError, match=r"9999_from_the_future.*newer version"):
        await open_database(path)


async def test_failing_migration_rolls_back_entirely() -> None:
    conn = await aiosqlite.connect(":memory:", isolation_level=None)
    try:
        good = Migration(1, "good", "CREATE TABLE a (x INTEGER);")
        bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
        with pytest.raises(MigrationError, match="0002_bad"):
            await apply_migrations(conn, [good, bad])
        assert await _migration_ids(conn) == [1]
        names = {r[0] for r in await conn.execute_fetchall("SELECT name FROM sqlite_master")}
        assert "a" in names
        assert "b" not in names
        assert not conn.in_transaction
    finally:
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


async def test_atomic_commits_and_rolls_back() -> None:
    conn = await open_database(":memory:")
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
        with pytest.raises(sqlite3.IntegrityError):
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

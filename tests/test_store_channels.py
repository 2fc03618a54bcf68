"""bot.store.channels: per-channel settings with a cache, and the admin audit trail."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.errors import QueryError
from bot.store.backend import BackendError, Database
from bot.store.channels import (
    ChannelSettings,
    ChannelStore,
    admin_attempts,
    log_admin_attempt,
)
from bot.store.db import open_database

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
DEFAULTS = ChannelSettings(enabled=True, answer_mentions=False, ephemeral=False, threads=True)


@pytest.fixture
async def conn(store_target: Path | str) -> AsyncIterator[Database]:
    connection = await open_database(store_target)
    yield connection
    await connection.close()


async def test_defaults_when_unset(conn: Database) -> None:
    store = ChannelStore(conn)
    assert await store.get(1, 2, DEFAULTS) == DEFAULTS
    assert await store.list(1, DEFAULTS) == []


async def test_overrides_merge_over_defaults(conn: Database) -> None:
    store = ChannelStore(conn)
    await store.set(1, 2, updated_by="admin", enabled=False)
    await store.set("1", "2", updated_by="admin", ephemeral=True)
    expected = ChannelSettings(enabled=False, answer_mentions=False, ephemeral=True, threads=True)
    assert await store.get(1, 2, DEFAULTS) == expected
    # Unset columns follow the defaults passed in, whatever they are.
    other = ChannelSettings(enabled=True, answer_mentions=True, ephemeral=False, threads=False)
    assert await store.get(1, 2, other) == ChannelSettings(False, True, True, False)
    assert await store.get(1, 3, DEFAULTS) == DEFAULTS
    assert await store.get(9, 2, DEFAULTS) == DEFAULTS
    await store.set(1, 2, updated_by="admin", enabled=None)
    assert (await store.get(1, 2, DEFAULTS)).enabled is True
    row = await (await conn.execute("SELECT updated_by FROM channel_settings")).fetchone()
    assert row is not None
    assert row[0] == "admin"


async def test_cache_is_invalidated_on_set(conn: Database) -> None:
    store = ChannelStore(conn)
    assert (await store.get(1, 2, DEFAULTS)).enabled is True  # cached: no row
    await store.set(1, 2, updated_by=7, enabled=False)
    assert (await store.get(1, 2, DEFAULTS)).enabled is False
    # A change behind the store's back is not seen until the cache is cleared...
    await conn.execute("UPDATE channel_settings SET enabled = 1")
    assert (await store.get(1, 2, DEFAULTS)).enabled is False
    store.clear_cache()
    assert (await store.get(1, 2, DEFAULTS)).enabled is True
    # ...but the store's own writes always are.
    assert await store.reset(1, 2) is True
    assert await store.reset(1, 2) is False
    assert await store.get(1, 2, DEFAULTS) == DEFAULTS


async def test_list_guild_channels(conn: Database) -> None:
    store = ChannelStore(conn)
    await store.set(1, 20, updated_by=None, enabled=False)
    await store.set(1, 10, updated_by=None, threads=False)
    await store.set(2, 30, updated_by=None, enabled=True)
    assert await store.list(1, DEFAULTS) == [
        ("10", ChannelSettings(True, False, False, False)),
        ("20", ChannelSettings(False, False, False, True)),
    ]


async def test_bad_settings_are_refused(conn: Database) -> None:
    store = ChannelStore(conn)
    with pytest.raises(ValueError, match="unknown"):
        await store.set(1, 2, updated_by=None, colour=True)
    with pytest.raises(ValueError, match="true, false or None"):
        await store.set(1, 2, updated_by=None, enabled=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no channel setting"):
        await store.set(1, 2, updated_by=None)
    assert await store.get(1, 2, DEFAULTS) == DEFAULTS


async def test_admin_attempts_are_logged_refused_ones_too(conn: Database) -> None:
    await log_admin_attempt(
        conn, guild_id=1, channel_id=2, user_key="k1", action="admin:reindex", allowed=True,
        ts=NOW - timedelta(hours=1),
    )
    refused = await log_admin_attempt(
        conn, guild_id=1, channel_id=2, user_key="k2", action="admin:channel", allowed=False,
        detail="missing admin role", ts=NOW,
    )
    await log_admin_attempt(
        conn, guild_id=None, channel_id=None, user_key="k3", action="admin:logs", allowed=True,
        ts=NOW - timedelta(days=10),
    )
    attempts = await admin_attempts(conn, days=7, now=NOW)
    assert [(a.user_key, a.allowed) for a in attempts] == [("k2", False), ("k1", True)]
    assert attempts[0].id == refused
    assert attempts[0].detail == "missing admin role"
    assert attempts[0].ts == NOW
    assert (attempts[0].guild_id, attempts[0].channel_id) == ("1", "2")
    only_refused = await admin_attempts(conn, days=None, allowed=False, now=NOW)
    assert [a.action for a in only_refused] == ["admin:channel"]
    assert len(await admin_attempts(conn, days=None, now=NOW)) == 3
    with pytest.raises(QueryError):
        await admin_attempts(conn, limit=0)


# -- everything in memory once loaded ---------------------------------------------------------


async def _stored(conn: Database, guild: str, channel: str, enabled: int) -> None:
    await conn.execute(
        "INSERT INTO channel_settings (guild_id, channel_id, enabled, updated_at) "
        "VALUES (?, ?, ?, '2024-01-01T00:00:00.000Z')", (guild, channel, enabled))


async def test_once_loaded_nothing_is_read_from_the_database(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    await _stored(conn, "1", "2", 0)
    await _stored(conn, "1", "3", 1)
    store = ChannelStore(conn)
    assert store.cached(1, 2, DEFAULTS) is None and not store.loaded()  # not known yet
    await store.load()
    await conn.close()  # from here on, any read would fail
    assert store.loaded()
    assert store.cached(1, 2, DEFAULTS) == ChannelSettings(False, False, False, True)
    assert store.cached(1, 99, DEFAULTS) == DEFAULTS  # a new channel: no override stored
    assert await store.get(1, 2, DEFAULTS) == ChannelSettings(False, False, False, True)
    assert await store.get(5, 6, DEFAULTS) == DEFAULTS
    assert [c for c, _ in await store.list(1, DEFAULTS)] == ["2", "3"]
    assert await store.list(7, DEFAULTS) == []


async def test_writes_update_the_loaded_cache_once_committed(
    conn: Database, store_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChannelStore(conn)
    await store.load()
    await store.set(1, 2, updated_by="a", enabled=False)
    assert store.cached(1, 2, DEFAULTS) == dataclasses.replace(DEFAULTS, enabled=False)
    await store.set(1, 2, updated_by="a", ephemeral=True)  # the other field is kept
    assert store.cached(1, 2, DEFAULTS) == dataclasses.replace(DEFAULTS, enabled=False,
                                                               ephemeral=True)
    assert await store.list(1, DEFAULTS) == [("2", store.cached(1, 2, DEFAULTS))]
    assert await store.reset(1, 2) is True
    assert store.cached(1, 2, DEFAULTS) == DEFAULTS
    assert await store.list(1, DEFAULTS) == []

    # A write that fails (the file is locked; the server is gone) changes nothing, in memory
    # either.
    await store.set(1, 4, updated_by="a", enabled=False)
    store.write_patience = 0.0  # SQLite's own error at once (an admin's write would wait)
    if isinstance(store_target, Path):
        other = await aiosqlite.connect(store_target, isolation_level=None)
        await conn.execute("PRAGMA busy_timeout = 0")
        await other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await store.set(1, 4, updated_by="a", enabled=True)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await store.reset(1, 4)
        finally:
            await other.execute("ROLLBACK")
            await other.close()
    else:
        async def gone(*args: Any) -> Any:
            raise BackendError("PostgreSQL: ConnectionDoesNotExistError: connection was closed")

        monkeypatch.setattr(conn, "execute", gone)
        with pytest.raises(sqlite3.OperationalError, match="closed"):
            await store.set(1, 4, updated_by="a", enabled=True)
        with pytest.raises(sqlite3.OperationalError, match="closed"):
            await store.reset(1, 4)
    assert store.cached(1, 4, DEFAULTS) == dataclasses.replace(DEFAULTS, enabled=False)


async def test_a_new_load_sees_changes_made_elsewhere(
    conn: Database,
) -> None:
    store = ChannelStore(conn)
    await _stored(conn, "1", "2", 0)
    await store.load()
    await conn.execute("DELETE FROM channel_settings")  # behind the store's back
    await _stored(conn, "1", "3", 0)
    assert store.cached(1, 2, DEFAULTS) is not None
    assert (store.cached(1, 2, DEFAULTS) or DEFAULTS).enabled is False
    store.clear_cache()
    assert not store.loaded() and store.cached(1, 2, DEFAULTS) is None
    await store.load()
    assert store.cached(1, 2, DEFAULTS) == DEFAULTS
    assert (store.cached(1, 3, DEFAULTS) or DEFAULTS).enabled is False


async def test_a_write_during_a_load_is_not_undone_by_it(
    conn: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChannelStore(conn)
    await _stored(conn, "1", "2", 1)
    real = conn.fetchall
    read, proceed = asyncio.Event(), asyncio.Event()

    async def slow(sql: str, *args: Any) -> Any:
        rows = await real(sql, *args)  # the old row, read before the write below
        read.set()
        await proceed.wait()
        return rows

    monkeypatch.setattr(conn, "fetchall", slow)
    loading = asyncio.create_task(store.load())
    await read.wait()
    await store.set(1, 2, updated_by="a", enabled=False)
    proceed.set()
    await loading
    assert (store.cached(1, 2, DEFAULTS) or DEFAULTS).enabled is False

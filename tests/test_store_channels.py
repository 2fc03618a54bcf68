"""bot.store.channels: per-channel settings with a cache, and the admin audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.core.errors import QueryError
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
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "channels.sqlite3")
    yield connection
    await connection.close()


async def test_defaults_when_unset(conn: aiosqlite.Connection) -> None:
    store = ChannelStore(conn)
    assert await store.get(1, 2, DEFAULTS) == DEFAULTS
    assert await store.list(1, DEFAULTS) == []


async def test_overrides_merge_over_defaults(conn: aiosqlite.Connection) -> None:
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


async def test_cache_is_invalidated_on_set(conn: aiosqlite.Connection) -> None:
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


async def test_list_guild_channels(conn: aiosqlite.Connection) -> None:
    store = ChannelStore(conn)
    await store.set(1, 20, updated_by=None, enabled=False)
    await store.set(1, 10, updated_by=None, threads=False)
    await store.set(2, 30, updated_by=None, enabled=True)
    assert await store.list(1, DEFAULTS) == [
        ("10", ChannelSettings(True, False, False, False)),
        ("20", ChannelSettings(False, False, False, True)),
    ]


async def test_bad_settings_are_refused(conn: aiosqlite.Connection) -> None:
    store = ChannelStore(conn)
    with pytest.raises(ValueError, match="unknown"):
        await store.set(1, 2, updated_by=None, colour=True)
    with pytest.raises(ValueError, match="true, false or None"):
        await store.set(1, 2, updated_by=None, enabled=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no channel setting"):
        await store.set(1, 2, updated_by=None)
    assert await store.get(1, 2, DEFAULTS) == DEFAULTS


async def test_admin_attempts_are_logged_refused_ones_too(conn: aiosqlite.Connection) -> None:
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

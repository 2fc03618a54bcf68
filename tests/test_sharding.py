"""The bot in shards: the shard settings, the identify buckets (this process's own, shared
through a store with Redis's SET NX PX semantics, and a real ``redis-server`` when one can be
started), and :class:`ShardedArchiveBot`'s start-up (command sync on shard 0 only, the
buckets from ``/gateway/bot``'s max_concurrency)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from unittest import mock

import pytest

from bot.app.client import ArchiveBot
from bot.app.identify import (
    LocalBuckets,
    RedisStore,
    SharedBuckets,
    StoreUnavailable,
    identify_buckets,
)
from bot.app.sharding import ShardedArchiveBot, create_bot
from bot.config import Settings, load_settings, with_section
from bot.core.search import Archive
from bot.errors import ConfigError
from tests.fakes import make_services, seeds_settings
from tests.redis_server import redis_server

# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("yaml_text", "error"), [
    ("discord:\n  shard_ids: [0]\n", "discord.shard_ids: needs discord.shard_count"),
    ("discord:\n  shard_count: 2\n  shard_ids: [0, 2]\n",
     "discord.shard_ids: each must be below discord.shard_count"),
    ("discord:\n  shard_count: 3\n  shard_ids: [1, 1]\n",
     "discord.shard_ids: must be distinct shard numbers"),
    ("discord:\n  shard_count: 3\n  shard_ids: []\n", "discord.shard_ids: must be distinct"),
    ("discord:\n  shard_count: 0\n", "discord.shard_count: must be at least 1"),
    ("redis:\n  url: 5\n", r"redis.url: expected a redis://, rediss:// or unix:// URL"),
    ("redis:\n  url: mysql://user:secret@db/0\n",
     r"redis.url: expected .* \(value not shown\)"),
])
def test_bad_shard_settings_are_one_clear_line(tmp_path: Path, yaml_text: str,
                                               error: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=error) as raised:
        load_settings(path, environ={})
    assert "secret" not in str(raised.value)


def test_shard_settings_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("discord:\n  shard_count: 4\n  shard_ids: [3, 2]\n"
                    "redis:\n  url: redis://cache:6379/0\n")
    settings = load_settings(path, environ={"ARCHIVE_BOT_DISCORD__SHARD_IDS": "[0, 1]"})
    assert (settings.discord.shard_count, settings.discord.shard_ids) == (4, [0, 1])
    assert settings.redis.url == "redis://cache:6379/0"
    assert Settings().discord.shard_count is None and Settings().redis.url is None


# --- identify buckets -------------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when something sleeps (and records the sleeps)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FakeStore:
    """Redis's SET NX PX and PTTL on a dict, on :class:`FakeTime`; ``down`` raises."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.keys: dict[str, tuple[str, float]] = {}  # key -> (owner, expires at)
        self.down = False
        self.claims: list[tuple[str, str, int]] = []

    def _alive(self, key: str) -> tuple[str, float] | None:
        entry = self.keys.get(key)
        return entry if entry is not None and entry[1] > self.time.now else None

    async def claim(self, key: str, owner: str, ms: int) -> bool:
        if self.down:
            raise StoreUnavailable("connection refused")
        self.claims.append((key, owner, ms))
        if self._alive(key) is not None:
            return False
        self.keys[key] = (owner, self.time.now + ms / 1000)
        return True

    async def left_ms(self, key: str) -> int:
        if self.down:
            raise StoreUnavailable("connection refused")
        entry = self._alive(key)
        return -2 if entry is None else round((entry[1] - self.time.now) * 1000)

    async def close(self) -> None:
        self.closed = True


async def test_local_buckets_wait_only_within_a_bucket() -> None:
    time = FakeTime()
    gate = LocalBuckets(2, 5.0, clock=time.clock, sleep=time.sleep)
    for shard in (0, 1, 2, 3):  # buckets 0, 1, 0, 1
        await gate.wait(shard)
    # shards 0 and 1 identify together; 2 waits for bucket 0, and 3 then finds bucket 1 free
    # (discord.py's default hook: 5 s before each of 1, 2 and 3, 15 s in all)
    assert time.sleeps == [5.0] and time.now == 5.0
    one = LocalBuckets(1, 5.0, clock=time.clock, sleep=time.sleep)
    for shard in (0, 1, 2):
        await one.wait(shard)
    assert time.sleeps == [5.0, 5.0, 5.0]


async def test_shared_buckets_coordinate_processes() -> None:
    time = FakeTime()
    store = FakeStore(time)
    first, second = (SharedBuckets(store, 77, 2, 5.0, clock=time.clock, sleep=time.sleep)
                     for _ in range(2))
    second.owner = "other-host:2"
    await first.wait(0)
    await second.wait(1)  # bucket 1: free at once
    assert time.sleeps == []
    await second.wait(2)  # bucket 0, taken by the first process 0 s ago
    assert time.sleeps == [5.0]
    assert [(k, o.split(":")[-1], ms) for k, o, ms in store.claims] == [
        ("archive-bot:identify:77:0", "0", 5000), ("archive-bot:identify:77:1", "1", 5000),
        ("archive-bot:identify:77:0", "2", 5000), ("archive-bot:identify:77:0", "2", 5000)]
    assert store.keys["archive-bot:identify:77:0"] == ("other-host:2:2", 10.0)
    store.keys["archive-bot:identify:77:1"] = ("not-an-identify", time.now + 12.0)
    await first.wait(3)  # a key longer than the interval: looked at again every interval
    assert time.sleeps == [5.0, 5.0, 5.0, 2.0]
    await first.close()
    assert store.closed


async def test_shared_buckets_fall_back_to_the_process_when_redis_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = FakeTime()
    store = FakeStore(time)
    gate = SharedBuckets(store, 1, 1, 5.0, clock=time.clock, sleep=time.sleep)
    await gate.wait(0)
    store.down = True
    with caplog.at_level(logging.WARNING, logger="bot.app.identify"):
        await gate.wait(1)  # the same bucket: this process remembers its own identify
    assert time.sleeps == [5.0]
    assert "Redis unavailable (connection refused)" in caplog.text
    zero = SharedBuckets(store, 1, 1, 0.0, clock=time.clock, sleep=time.sleep)
    await zero.wait(0)  # no interval: nothing to claim, even with Redis down
    assert time.sleeps == [5.0]


async def test_a_closed_gate_lets_no_identify_through() -> None:
    time = FakeTime()
    store = FakeStore(time)
    local = LocalBuckets(1, 5.0, clock=time.clock, sleep=time.sleep)
    shared = SharedBuckets(store, 1, 1, 5.0, clock=time.clock, sleep=time.sleep)
    await shared.wait(0)
    await local.close()
    await shared.close()
    store.down = True  # closing the bot closed the Redis client under a waiting shard
    for gate in (local, shared):
        with pytest.raises(asyncio.CancelledError):
            await gate.wait(1)
    assert time.sleeps == [] and len(store.claims) == 1  # no fallback, no claim


def test_identify_buckets_choose_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    assert type(identify_buckets(None, 1, 2, 5.0)) is LocalBuckets
    shared = identify_buckets("redis://127.0.0.1:1/0", 1, 2, 5.0)
    assert isinstance(shared, SharedBuckets) and shared.prefix == "archive-bot:identify:1"
    with pytest.raises(ConfigError, match=r"redis\.url: "):
        identify_buckets("mysql://nowhere", 1, 1, 5.0)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)  # the extra not installed
    with pytest.raises(ConfigError, match=r"pip install 'archive-bot\[redis\]'"):
        identify_buckets("redis://127.0.0.1:1/0", 1, 1, 5.0)


async def test_a_missing_redis_extra_fails_before_connecting(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = with_section(seeds_settings(tmp_path, seed_settings, shard_count=2), "redis",
                            url="redis://127.0.0.1:1/0")
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    async with make_services(settings, seed_archive) as services:
        with pytest.raises(ConfigError, match="the redis package is not installed"):
            create_bot(services)


async def test_an_unreachable_redis_is_store_unavailable(tmp_path: Path) -> None:
    store = RedisStore(f"unix://{tmp_path / 'no-such.sock'}")
    with pytest.raises(StoreUnavailable):
        await store.claim("k", "me", 100)
    with pytest.raises(StoreUnavailable):
        await store.left_ms("k")
    await store.close()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


async def test_real_redis_set_nx_px(redis_url: str) -> None:
    one, two = RedisStore(redis_url), RedisStore(redis_url)
    try:
        assert await one.claim("archive-bot:identify:5:0", "a", 60_000) is True
        assert await two.claim("archive-bot:identify:5:0", "b", 60_000) is False
        assert 0 < await two.left_ms("archive-bot:identify:5:0") <= 60_000
        assert await two.left_ms("archive-bot:identify:5:1") == -2
        assert await two.claim("archive-bot:identify:5:1", "b", 60_000) is True
        # two processes, one bucket, a 50 ms interval: the second waits out the first's key
        first, second = SharedBuckets(one, 6, 1, 0.05), SharedBuckets(two, 6, 1, 0.05)
        second.owner = "second"
        await first.wait(0)
        await second.wait(1)
        assert await one.client.get("archive-bot:identify:6:0") == b"second:1"
    finally:
        await one.close()
        await two.close()


# --- the sharded bot --------------------------------------------------------------------------


@pytest.fixture
async def sharded(tmp_path: Path, seed_settings: Settings,
                  seed_archive: Archive) -> AsyncIterator[ShardedArchiveBot]:
    settings = seeds_settings(tmp_path, seed_settings, shard_count=4, shard_ids=[3, 1],
                              identify_interval_seconds=2.0)
    async with make_services(settings, seed_archive) as services:
        bot = create_bot(services)
        assert isinstance(bot, ShardedArchiveBot)
        try:
            yield bot
        finally:
            await bot.close()


async def test_create_bot_is_unsharded_without_a_shard_count(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive
) -> None:
    async with make_services(seeds_settings(tmp_path, seed_settings), seed_archive) as services:
        bot = create_bot(services)
        try:
            assert type(bot) is ArchiveBot and bot.shard_count is None
        finally:
            await bot.close()


async def test_the_sharded_bot_runs_its_own_shards(sharded: ShardedArchiveBot,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    assert (sharded.shard_count, sharded.shard_ids, sharded.own_shards) == (4, [1, 3], [1, 3])
    with mock.patch.object(sharded, "sync_commands") as sync, \
            caplog.at_level(logging.INFO, logger="bot.app.sharding"):
        await sharded.sync_on_start()
    sync.assert_not_called()
    assert "not syncing slash commands: the process running shard 0 does" in caplog.text
    sharded.own_shards = [0, 2]
    with mock.patch.object(sharded, "sync_commands") as sync:
        await sharded.sync_on_start()
    sync.assert_awaited_once_with()


async def test_identify_buckets_follow_gateway_bot(sharded: ShardedArchiveBot,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    limits = {"total": 1000, "remaining": 1, "reset_after": 0, "max_concurrency": 16}
    with mock.patch.object(sharded.http, "get_bot_gateway",
                           return_value=(8, "wss://gateway", limits)), \
            caplog.at_level(logging.INFO, logger="bot.app.sharding"):
        gate = await sharded.open_identify_gate()
    assert type(gate) is LocalBuckets and (gate.max_concurrency, gate.interval) == (16, 2.0)
    assert "discord.shard_count is 4; Discord recommends 8 shards" in caplog.text
    assert "Discord allows 1 more session starts today; this process starts 2" in caplog.text
    assert "max_concurrency 16, buckets this process's own" in caplog.text
    sharded.identify_gate = gate
    with mock.patch.object(gate, "wait") as wait:
        await sharded.before_identify_hook(3, initial=True)
    wait.assert_awaited_once_with(3)


async def test_without_gateway_bot_shards_identify_one_at_a_time(
    sharded: ShardedArchiveBot,
) -> None:
    import discord

    with mock.patch.object(sharded.http, "get_bot_gateway",
                           side_effect=discord.GatewayNotFound()):
        gate = await sharded.open_identify_gate()
    assert gate.max_concurrency == 1

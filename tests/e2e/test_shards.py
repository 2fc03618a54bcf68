"""The bot in shards (real ``archive-bot run`` processes, the local Discord with 2 or 4
shards): each process answers the guilds of its own shards and nothing else, only the process
of shard 0 syncs the commands, a process killed and restarted leaves the other answering, two
processes log into one PostgreSQL database once per query, and every IDENTIFY respects
``max_concurrency`` (the fake's per-bucket check), across processes through Redis.

The identify interval is Discord's 5 s scaled down for speed on both sides: the bots wait
BOT_INTERVAL per bucket, the fake flags two IDENTIFYs of one bucket less than FAKE_INTERVAL
apart. What is tested is which IDENTIFYs must wait for which (the buckets), not the length;
the fake's bound is a little under the bots' for the milliseconds between a bot taking a
bucket and its IDENTIFY arriving.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.testing.fakediscord import FakeDiscord, factories
from bot.testing.fakediscord.shards import place_on_shard
from tests.e2e.botproc import BotProcess, answer_of, citations, query_rows
from tests.e2e.conftest import StartBot
from tests.redis_server import redis_server

BOT_INTERVAL = 0.5
FAKE_INTERVAL = 0.4
QUERY = "air strikes Idlib"


@pytest.fixture
async def fake(token: str, request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """2 shards (or the test's ``indirect`` count), one guild on each: the world's guild on
    shard 0, ``other_guilds[i - 1]`` on shard i."""
    count = getattr(request, "param", 2)
    world = place_on_shard(factories.World.default(), 0, count)
    for shard in range(1, count):
        place_on_shard(world.add_guild(f"Guild on shard {shard}"), shard, count)
    async with FakeDiscord(world=world, token=token, shards=count, max_concurrency=2,
                           identify_interval=FAKE_INTERVAL) as server:
        yield server


def sharding(fake: FakeDiscord, shard_ids: list[int]) -> dict[str, Any]:
    guilds = [int(g.guild_id) for g in fake.world.guilds()]
    return {"shard_count": fake.shards, "shard_ids": shard_ids, "guild_ids": guilds,
            "identify_interval_seconds": BOT_INTERVAL}


async def start(start_bot: StartBot, fake: FakeDiscord, name: str, shard_ids: list[int],
                **extra: Any) -> BotProcess:
    since = fake.mark()
    bot = await start_bot(name=name, discord=sharding(fake, shard_ids), wait=False, **extra)
    await bot.wait_ready(since=since, shards=shard_ids)
    return bot


async def search(fake: FakeDiscord, guild: factories.World) -> None:
    handle = await fake.send_slash_command("search", {"query": QUERY}, guild=guild)
    message = await answer_of(handle)
    assert citations(message), message
    callbacks = fake.requests_matching("POST", rf"^/interactions/{handle.id}/")
    assert len(callbacks) == 1  # answered once: by the process of the guild's shard


async def until_logged(bot: BotProcess, text: str, timeout: float = 30.0) -> None:
    """Until the bot's log says ``text`` (another process's log: nothing to wait on but
    the file); fails at once if the bot exits."""
    deadline = time.monotonic() + timeout
    while text not in bot.stderr():
        assert bot.returncode is None, bot.stderr()
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{bot.stderr()}"
        await asyncio.sleep(0.05)  # polling a file


def guilds_logged(db: Path) -> list[str]:
    return [row["guild_id"] for row in query_rows(db, "command = 'search'")]


def command_syncs(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests_matching("PUT", r"/commands$")]


async def test_two_processes_answer_their_own_shards(fake: FakeDiscord,
                                                     start_bot: StartBot) -> None:
    main, second = fake.world, fake.world.other_guilds[0]
    one = await start(start_bot, fake, "shard1", [1])
    assert command_syncs(fake) == []  # not the process of shard 0
    assert "not syncing slash commands: the process running shard 0 does" in one.stderr()
    zero = await start(start_bot, fake, "shard0", [0])
    app = fake.application_id
    assert sorted(command_syncs(fake)) == sorted(
        f"/applications/{app}/guilds/{g.guild_id}/commands" for g in (main, second))
    for guild in (main, second, second, main, main):
        await search(fake, guild)

    await one.kill()  # shard 1 goes away; shard 0 keeps answering
    await search(fake, main)
    restarted = await start(start_bot, fake, "shard1", [1])
    await search(fake, second)
    assert await zero.terminate() == 0 and await restarted.terminate() == 0
    assert guilds_logged(zero.db) == [main.guild_id] * 4
    assert guilds_logged(restarted.db)[-1:] == [second.guild_id]
    assert set(guilds_logged(restarted.db)) == {second.guild_id}
    # buckets 1, 0, 1 (max_concurrency 2): no two identifies of one bucket too close
    assert [(r.shard.as_list(), r.bucket) for r in fake.identifies] == [
        ([1, 2], 1), ([0, 2], 0), ([1, 2], 1)]
    fake.assert_no_violations()


async def test_one_process_runs_both_shards(fake: FakeDiscord, start_bot: StartBot) -> None:
    fake.max_concurrency = 1  # both shards in bucket 0: the second waits BOT_INTERVAL
    bot = await start(start_bot, fake, "both", [0, 1])
    for guild in (fake.world.other_guilds[0], fake.world):
        await search(fake, guild)
    first, second = fake.identifies
    assert (first.shard.id, second.shard.id, first.bucket, second.bucket) == (0, 1, 0, 0)
    assert second.at - first.at >= FAKE_INTERVAL  # (the fake's check says the same)
    assert len(command_syncs(fake)) == 2
    assert await bot.terminate() == 0
    assert sorted(guilds_logged(bot.db)) == sorted(g.guild_id for g in fake.world.guilds())
    assert re.search(r"shard 1 waits 0\.\d s to identify \(bucket 0 of 1\)", bot.stderr())
    fake.assert_no_violations()


async def test_processes_share_identify_buckets_through_redis(
    fake: FakeDiscord, start_bot: StartBot, tmp_path: Path
) -> None:
    import redis

    fake.max_concurrency = 1  # shards 0 and 1, in two processes, share bucket 0
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        key = f"archive-bot:identify:{fake.application_id}:0"
        # a third process identified in bucket 0 just now: nobody may until the key goes
        assert client.set(key, "elsewhere", nx=True, px=60_000)
        since = fake.mark()
        bots = [await start_bot(name=f"shard{i}", discord=sharding(fake, [i]), wait=False,
                                settings={"redis": {"url": url}}) for i in (0, 1)]
        await fake.wait_for_gateway_attempts(2, timeout=30)
        for conn in list(fake.gateway.connections):  # both got HELLO: now at their IDENTIFY
            await fake.wait_for_frame(direction="in", op=1, since=since, timeout=20,
                                      predicate=lambda f, c=conn.id: f.connection_id == c)
        assert fake.identifies == []
        released = time.monotonic()
        client.delete(key)
        await asyncio.gather(*(b.wait_ready(since=since, shards=[i])
                               for i, b in enumerate(bots)))
        client.close()
        assert len(fake.identifies) == 2
        assert all(r.at > released and r.bucket == 0 for r in fake.identifies)
        fake.assert_no_violations()  # the second came FAKE_INTERVAL after the first, at least
        for bot in bots:
            assert "identify: max_concurrency 1, buckets shared through Redis" in bot.stderr()
        for guild in fake.world.guilds():
            await search(fake, guild)
        for bot in bots:
            assert await bot.terminate() == 0


@pytest.mark.parametrize("fake", [4], indirect=True)
async def test_four_shards_in_two_processes_log_once_in_one_postgresql_database(
    fake: FakeDiscord, start_bot: StartBot, pg_url: str
) -> None:
    import asyncpg

    log = {"url": pg_url}
    first = await start(start_bot, fake, "shards01", [0, 1], querylog=log)
    second = await start(start_bot, fake, "shards23", [2, 3], querylog=log)
    assert "not syncing slash commands" in second.stderr()
    guilds = fake.world.guilds()  # one on each shard 0..3
    for guild in (*guilds, *reversed(guilds)):
        await search(fake, guild)
    assert await second.terminate() == 0  # shards 2 and 3 stop; 0 and 1 keep answering
    for guild in guilds[:2]:
        await search(fake, guild)
    second = await start(start_bot, fake, "shards23", [2, 3], querylog=log)
    for guild in guilds[2:]:
        await search(fake, guild)
    assert await first.terminate() == 0 and await second.terminate() == 0
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch("SELECT guild_id, request_id FROM queries "
                                "WHERE command = 'search'")
    finally:
        await conn.close()
    assert sorted(r["guild_id"] for r in rows) == sorted(3 * [g.guild_id for g in guilds])
    assert len({r["request_id"] for r in rows}) == 12  # logged once each
    assert [(r.shard.as_list(), r.bucket) for r in fake.identifies] == [
        ([0, 4], 0), ([1, 4], 1), ([2, 4], 0), ([3, 4], 1), ([2, 4], 0), ([3, 4], 1)]
    fake.assert_no_violations()


async def test_a_shard_told_to_identify_again_waits_for_its_bucket_only(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = await start(start_bot, fake, "both", [0, 1])
    since = fake.mark()
    await fake.send_invalid_session(resumable=False, shard=1)  # shard 1 must IDENTIFY again
    await fake.wait_for_shard_ready(1, since=since)
    for guild in (fake.world.other_guilds[0], fake.world):
        await search(fake, guild)  # both shards answer again
    assert [r.shard.id for r in fake.identifies] == [0, 1, 1]
    first, again = fake.identifies[1], fake.identifies[2]
    assert again.at - first.at < 5.0  # the bucket's wait, not discord.py's flat 5 s...
    fake.assert_no_violations()  # ...and still not too early for the bucket
    assert await bot.terminate() == 0


async def test_a_shard_whose_token_is_refused_stops_the_process_in_one_line(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    fake.gateway.refuse_identify = 4004  # the gateway rejects the token at IDENTIFY
    bot = await start_bot(name="refused", discord=sharding(fake, [0, 1]), wait=False)
    assert bot.proc is not None
    code = await asyncio.wait_for(bot.proc.wait(), 60)
    last = bot.stderr().strip().splitlines()[-1]
    assert code == 2, bot.stderr()
    assert last.startswith("archive-bot: ") and "4004" in last and "DISCORD_TOKEN" in last
    assert "Traceback" not in bot.stderr()


async def test_sigterm_while_a_shard_waits_for_its_bucket_stops_in_time(
    fake: FakeDiscord, start_bot: StartBot, tmp_path: Path
) -> None:
    import redis

    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        assert client.set(f"archive-bot:identify:{fake.application_id}:0", "elsewhere",
                          nx=True, px=120_000)  # bucket 0 stays taken: shard 0 waits
        bot = await start_bot(name="waiting", discord=sharding(fake, [0]), wait=False,
                              settings={"redis": {"url": url}})
        await until_logged(bot, "shard 0 waits for identify bucket 0 of 2")
        stopping = time.monotonic()
        assert await bot.terminate(timeout=15) == 0
        took = time.monotonic() - stopping
        client.close()
    assert fake.identifies == [] and took < 10  # within Docker's 10 s grace period
    assert "Traceback" not in bot.stderr() and "Redis unavailable" not in bot.stderr()

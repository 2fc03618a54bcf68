"""The fake Discord's shards (bot/testing/fakediscord/shards.py): ``/gateway/bot``'s shard
count and max_concurrency, IDENTIFY with ``shard``, each guild's events only on its shard's
session, DMs on shard 0, and the identify rate per bucket as a violation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from bot.testing.fakediscord import FakeDiscord, factories, run_client
from bot.testing.fakediscord.shards import (
    UNSHARDED,
    Shard,
    place_on_shard,
    requested_shard,
    shard_of_guild,
)

NONE = discord.AllowedMentions.none()


def two_shard_world() -> tuple[factories.World, factories.World]:
    """The main guild on shard 0 of 2, a second guild on shard 1."""
    world = place_on_shard(factories.World.default(), 0, 2)
    other = place_on_shard(world.add_guild("Second Guild"), 1, 2)
    return world, other


class ShardedMini(commands.AutoShardedBot):
    """Not the project bot: an AutoShardedBot with one command that says its shard."""

    def __init__(self, **options: Any) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.none(),
                         **options)
        self.answered: list[tuple[int, int | None]] = []  # (guild id, shard id)

    async def setup_hook(self) -> None:
        @self.tree.command(name="where", description="Which shard answers")
        async def where(inter: discord.Interaction) -> None:
            guild = inter.guild
            self.answered.append((inter.guild_id or 0, guild.shard_id if guild else None))
            await inter.response.send_message("here", allowed_mentions=NONE)

        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No wait: the tests choose buckets that may identify together."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    world, _ = two_shard_world()
    async with FakeDiscord(world=world, shards=2, max_concurrency=2,
                           identify_interval=5.0) as server:
        with server.redirect_discord_py():
            yield server


def test_the_shard_formula_and_identify_shards() -> None:
    assert shard_of_guild(41771983423143937, 1) == 0
    assert shard_of_guild((7 << 22) | 12345, 4) == 3  # (guild_id >> 22) % num_shards
    assert shard_of_guild(None, 4) == 0  # DMs
    assert requested_shard({}) == UNSHARDED == Shard(0, 1)  # no shard: [0, 1]
    assert [requested_shard({"shard": s}) for s in ([2, 2], [0, 0], [-1, 2], "0,1",
                                                   [True, 2], [0, 1, 2])] == [None] * 6
    shard = requested_shard({"shard": [1, 3]})
    assert shard is not None and (shard.id, shard.count) == (1, 3)
    world = factories.World.default()
    for count in (2, 3, 5):
        for shard_id in range(count):
            assert shard_of_guild(place_on_shard(world, shard_id, count).guild_id,
                                  count) == shard_id
    assert world.roles["@everyone"]["id"] == world.guild_id


async def test_gateway_bot_gives_shards_and_max_concurrency(fake: FakeDiscord) -> None:
    url, auth = fake.api_base_url + "/gateway/bot", {"Authorization": "Bot x"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=auth) as response:
        body = await response.json()
    assert body["shards"] == 2 and body["session_start_limit"]["max_concurrency"] == 2
    assert body["url"] == fake.gateway_url


async def test_each_guild_is_served_on_its_shard(fake: FakeDiscord) -> None:
    main, other = fake.world, fake.world.other_guilds[0]
    bot = ShardedMini(shard_count=2)
    since = fake.mark()
    async with run_client(fake, bot):
        readies = {}
        for shard_id in (0, 1):
            readies[shard_id] = await fake.wait_for_shard_ready(shard_id, since=since)
        assert [g["id"] for g in readies[0].d["guilds"]] == [main.guild_id]
        assert [g["id"] for g in readies[1].d["guilds"]] == [other.guild_id]
        creates = [f for f in fake.frames if f.t == "GUILD_CREATE"]
        assert {(f.connection_id, f.d["id"]) for f in creates} == {
            (readies[0].connection_id, main.guild_id), (readies[1].connection_id, other.guild_id)}
        assert [(r.shard.as_list(), r.bucket) for r in fake.identifies] == [([0, 2], 0),
                                                                          ([1, 2], 1)]
        for guild in (main, other, other, main):
            await (await fake.send_slash_command("where", guild=guild)).wait_response()
        sent = [f for f in fake.frames if f.t == "INTERACTION_CREATE"]
        expected = {main.guild_id: readies[0].connection_id,
                    other.guild_id: readies[1].connection_id}
        assert all(f.connection_id == expected[f.d["guild_id"]] for f in sent) and len(sent) == 4
        assert bot.answered == [(int(main.guild_id), 0), (int(other.guild_id), 1),
                                (int(other.guild_id), 1), (int(main.guild_id), 0)]
        dm_seq = await fake.dispatch("TYPING_START", {"channel_id": "1", "user_id": "2",
                                                      "timestamp": 0})
        typing = next(f for f in fake.frames if f.t == "TYPING_START")
        assert typing.s == dm_seq and typing.connection_id == readies[0].connection_id
    fake.assert_no_violations()


async def _identify(http: aiohttp.ClientSession, fake: FakeDiscord,
                    shard: Any) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(fake.gateway_url + "?v=10&encoding=json")
    assert (await ws.receive_json())["op"] == 10
    await ws.send_json({"op": 2, "d": {"token": "t", "intents": 0, "properties": {},
                                       "shard": shard}})
    return ws


@pytest.mark.parametrize(("concurrency", "violations"), [(1, 1), (2, 0)])
async def test_two_identifies_of_one_bucket_too_close_are_a_violation(
    concurrency: int, violations: int
) -> None:
    world, _ = two_shard_world()
    async with FakeDiscord(world=world, shards=2, max_concurrency=concurrency,
                           identify_interval=5.0) as fake, aiohttp.ClientSession() as http:
        first = await _identify(http, fake, [0, 2])
        await fake.wait_for_shard_ready(0)
        second = await _identify(http, fake, [1, 2])
        await fake.wait_for_shard_ready(1)
        found = fake.take_violations("same bucket")
        assert len(found) == violations
        if found:
            assert "IDENTIFY of shard 1" in str(found[0]) and "bucket 0" in str(found[0])
        assert [r.bucket for r in fake.identifies] == [0, 0 if concurrency == 1 else 1]
        fake.assert_no_violations()
        await asyncio.gather(first.close(), second.close())


async def test_an_invalid_or_mismatched_shard_is_refused_or_flagged() -> None:
    async with FakeDiscord(shards=2) as fake, aiohttp.ClientSession() as http:
        bad = await _identify(http, fake, [2, 2])
        closed = await bad.receive()
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4010
        assert fake.take_violations(r"invalid shard \[2, 2\]")
        first = await _identify(http, fake, [0, 2])
        await fake.wait_for_shard_ready(0)
        second = await _identify(http, fake, [1, 3])
        await fake.wait_for_shard_ready(1)
        assert fake.take_violations("shard counts differ")
        fake.assert_no_violations()
        await asyncio.gather(first.close(), second.close())

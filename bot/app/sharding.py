"""The bot in shards: :class:`ShardedArchiveBot`, an ``AutoShardedBot`` over this process's
shard ids (``discord.shard_count`` / ``discord.shard_ids``), and :func:`create_bot`, which
picks it when sharding is configured and the single-connection :class:`ArchiveBot` otherwise.

A guild lives on shard ``(guild_id >> 22) % shard_count``; Discord sends its events, and so
its interactions, only on that shard's connection, so the process running that shard answers
them all and nothing is answered twice. What differs from the one-connection bot:

* only the process that runs shard 0 syncs the slash commands (one application, one command
  list); the others log that they leave it to shard 0;
* IDENTIFY waits for its bucket (:mod:`bot.app.identify`): ``max_concurrency`` comes from
  ``GET /gateway/bot`` at start-up, the buckets are shared through Redis when ``redis.url`` is
  set and are this process's own otherwise.

Without ``discord.shard_count`` the bot stays a plain ``commands.Bot`` rather than an
``AutoShardedBot`` with Discord's recommended count: below 2,500 servers that count is 1, so
it would be the same one connection through other code (discord.py's ``launch_shard`` retries
a failed connection every 5 s for ever, where ``Client.connect`` backs off), and the
unsharded path is the one the rest of the end-to-end suite (outages, resumes, shutdown)
exercises.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.app.client import ArchiveBot
from bot.app.identify import LocalBuckets, identify_buckets, require_redis
from bot.app.services import Services

log = logging.getLogger(__name__)


class ShardedArchiveBot(ArchiveBot, commands.AutoShardedBot):
    """:class:`ArchiveBot` on discord.py's ``AutoShardedBot``: one gateway connection per
    shard id of this process, all sharing one cache, command tree and set of services."""

    def __init__(self, services: Services, *, extensions: Sequence[str] | None = None,
                 **options: Any) -> None:
        d = services.settings.discord
        if services.settings.redis.url:
            require_redis()  # before connecting, not after the login
        count = d.shard_count or 1
        ids = list(range(count)) if d.shard_ids is None else sorted(d.shard_ids)
        super().__init__(services, extensions=extensions, shard_count=count, shard_ids=ids,
                         **options)
        self.own_shards: list[int] = ids
        self.identify_gate: LocalBuckets = LocalBuckets(1, d.identify_interval_seconds)
        self.logged_in = False

    async def setup_hook(self) -> None:
        await super().setup_hook()
        self.identify_gate = await self.open_identify_gate()

    async def sync_on_start(self) -> None:
        if 0 in self.own_shards:
            await self.sync_commands()
        else:
            log.info("not syncing slash commands: the process running shard 0 does "
                     "(this one runs shards %s of %d)", self.shard_list(), self.shard_count)

    def shard_list(self) -> str:
        return ", ".join(map(str, self.own_shards))

    async def open_identify_gate(self) -> LocalBuckets:
        """The identify buckets, from ``GET /gateway/bot``'s ``max_concurrency``."""
        settings = self.services.settings
        count = self.shard_count or 1
        limits: Mapping[str, Any]
        try:
            recommended, _, limits = await self.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("GET /gateway/bot failed: identifying one shard at a time")
            recommended, limits = count, {}
        concurrency = max(1, int(limits.get("max_concurrency", 1)))
        if count < recommended:
            log.warning("discord.shard_count is %d; Discord recommends %d shards", count,
                        recommended)
        remaining = limits.get("remaining")
        if isinstance(remaining, int) and remaining < len(self.own_shards):
            log.warning("Discord allows %d more session starts today; this process starts %d",
                        remaining, len(self.own_shards))
        shared = "shared through Redis" if settings.redis.url else "this process's own"
        log.info("shards %s of %d; identify: max_concurrency %d, buckets %s", self.shard_list(),
                 count, concurrency, shared)
        return identify_buckets(settings.redis.url, self.application_id, concurrency,
                                settings.discord.identify_interval_seconds)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's identify bucket (not discord.py's flat 5 s per IDENTIFY)."""
        await self.identify_gate.wait(shard_id or 0)

    async def on_shard_ready(self, shard_id: int) -> None:
        servers = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %d of %d ready: %d servers", shard_id, self.shard_count, servers)

    async def login(self, token: str) -> None:
        self.logged_in = True
        await super().login(token)

    async def close(self) -> None:
        self.identify_gate.closed = True  # a shard still waiting to IDENTIFY gives up
        try:
            if self.logged_in:
                await super().close()
            else:  # AutoShardedClient.close() needs login()'s set-up; nothing is open
                self.heartbeat.cancel()
                await self.http.close()
        finally:
            await self.identify_gate.close()


def create_bot(services: Services) -> ArchiveBot:
    """The sharded bot when ``discord.shard_count`` is set, else the one-connection bot."""
    if services.settings.discord.shard_count is None:
        if services.settings.redis.url:
            log.info("redis.url is only used by a sharded bot (discord.shard_count): ignored")
        return ArchiveBot(services)
    return ShardedArchiveBot(services)

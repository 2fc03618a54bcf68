"""Shards in the fake gateway: which shard an IDENTIFY asks for, which guilds (and so which
events) belong to it, and Discord's identify rate limit checked per bucket.

Discord's rules (docs: topics/gateway, "Sharding" and "Session start limit"): IDENTIFY may
carry ``shard: [shard_id, num_shards]`` (without it: ``[0, 1]``); a guild's events go to
shard ``(guild_id >> 22) % num_shards``, DMs to shard 0; ``GET /gateway/bot`` gives
``session_start_limit.max_concurrency``, and a bot may start one session per bucket
(``shard_id % max_concurrency``) per 5 seconds. The fake records every accepted IDENTIFY
(:class:`IdentifyRecord`) and, when ``FakeDiscord(identify_interval=...)`` is set, makes an
IDENTIFY of a bucket that identified less than that long before a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .factories import World
    from .gateway import GatewaySession
    from .server import FakeDiscord


@dataclass(frozen=True)
class Shard:
    id: int
    count: int

    def holds(self, guild_id: str | int | None) -> bool:
        """Whether this shard receives the guild's events (DMs: shard 0)."""
        return shard_of_guild(guild_id, self.count) == self.id

    def as_list(self) -> list[int]:
        return [self.id, self.count]


UNSHARDED = Shard(0, 1)


def shard_of_guild(guild_id: str | int | None, count: int) -> int:
    """Discord's formula: ``(guild_id >> 22) % num_shards``; no guild (a DM): shard 0."""
    if guild_id is None:
        return 0
    return (int(guild_id) >> 22) % count


def requested_shard(identify: dict[str, Any]) -> Shard | None:
    """The shard an IDENTIFY asks for; None if ``shard`` is not a valid ``[id, count]``."""
    value = identify.get("shard")
    if value is None:
        return UNSHARDED
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None
    shard_id, count = value
    if count < 1 or not 0 <= shard_id < count:
        return None
    return Shard(shard_id, count)


@dataclass(frozen=True)
class IdentifyRecord:
    """An IDENTIFY the fake accepted: the shard, its bucket, when it arrived (monotonic)."""

    shard: Shard
    bucket: int
    at: float
    connection_id: int


class Shards:
    """The live session per shard id and every IDENTIFY so far."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[int, GatewaySession] = {}
        self.identifies: list[IdentifyRecord] = []

    def bucket(self, shard: Shard) -> int:
        return shard.id % max(1, self.fake.max_concurrency)

    def identified(self, shard: Shard, at: float, connection_id: int) -> list[str]:
        """Record an IDENTIFY; the rules it broke (as violation texts)."""
        problems = []
        bucket, interval = self.bucket(shard), self.fake.identify_interval
        if interval is not None:
            for earlier in reversed(self.identifies):
                if earlier.bucket == bucket and at - earlier.at < interval:
                    problems.append(
                        f"IDENTIFY of shard {shard.id} {at - earlier.at:.3f} s after shard "
                        f"{earlier.shard.id}'s in the same bucket {bucket} (max_concurrency "
                        f"{self.fake.max_concurrency}: one per {interval:g} s per bucket)")
                    break
        for other in self.live():
            if other.shard.count != shard.count:
                problems.append(f"IDENTIFY as shard {shard.as_list()} while shard "
                                f"{other.shard.as_list()} is connected (shard counts differ)")
                break
        self.identifies.append(IdentifyRecord(shard, bucket, at, connection_id))
        return problems

    def live(self) -> list[GatewaySession]:
        return [s for _, s in sorted(self.sessions.items())
                if not s.invalid and s.connection is not None]

    def guilds(self, world: World, shard: Shard) -> list[World]:
        return [g for g in world.guilds() if shard.holds(g.guild_id)]

    def session_for(self, data: Any, count: int) -> GatewaySession:
        """The session that receives an event about ``data``'s guild (shard 0 without)."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        shard_id = shard_of_guild(guild_id, count)
        session = self.sessions.get(shard_id)
        if session is None or session.invalid:
            raise RuntimeError(f"no identified gateway session for shard {shard_id} of "
                               f"{count} (wait_for_shard_ready({shard_id}) first)")
        return session


def place_on_shard(world: World, shard_id: int, count: int) -> World:
    """Give ``world``'s guild an id on shard ``shard_id`` of ``count`` (the next such id at
    or after its own: a later timestamp part), before anything used the old id; returns it."""
    if not 0 <= shard_id < count:
        raise ValueError(f"shard {shard_id} is not one of {count}")
    old = int(world.guild_id)
    new = old + (((shard_id - (old >> 22)) % count) << 22)
    world.guild_id = str(new)
    everyone = world.roles["@everyone"]
    if everyone["id"] == str(old):  # the @everyone role's id is the guild's
        everyone["id"] = str(new)
    return world

"""Discord's identify rate limit: at most one IDENTIFY per *bucket* per interval (5 s).

A bot's shards fall into ``max_concurrency`` buckets (``shard_id % max_concurrency``, the
number ``GET /gateway/bot`` gives under ``session_start_limit``): shards of different buckets
may identify at the same moment, two of one bucket must be the interval apart. discord.py's
default ``before_identify_hook`` sleeps 5 s before every IDENTIFY but the process's first,
whatever the bucket; :class:`LocalBuckets` waits only as long as the rule requires, within one
process. Several processes of one bot share the buckets through Redis (:class:`SharedBuckets`):
an IDENTIFY first takes the bucket's key with ``SET key owner NX PX interval``; the key is
never deleted, so it expires exactly when the bucket may identify again. If Redis cannot be
reached, a process falls back to its own buckets (logged): at worst Discord invalidates one
session and discord.py identifies again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.errors import ConfigError

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
KEY_PREFIX = "archive-bot:identify"


class StoreUnavailable(Exception):
    """The shared bucket store (Redis) did not answer."""


class BucketStore(Protocol):
    """What :class:`SharedBuckets` needs from Redis (a fake in the tests)."""

    async def claim(self, key: str, owner: str, ms: int) -> bool:
        """``SET key owner NX PX ms``: whether the key was free (and is now ours)."""

    async def left_ms(self, key: str) -> int:
        """``PTTL key``: milliseconds until it expires (-2: no key, -1: no expiry)."""

    async def close(self) -> None: ...


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class LocalBuckets:
    """The identify buckets of this process alone."""

    def __init__(self, max_concurrency: int, interval: float, *, clock: Clock = _loop_time,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.interval = interval
        self.clock, self.sleep = clock, sleep
        self.last: dict[int, float] = {}  # bucket -> when it last identified
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.closed = False

    def bucket(self, shard_id: int) -> int:
        return shard_id % self.max_concurrency

    def mark(self, bucket: int) -> None:
        self.last[bucket] = self.clock()

    def check_open(self) -> None:
        """A closed gate (the bot is shutting down) lets no IDENTIFY through: the pending
        connection attempt is cancelled instead of sending one on a closing socket."""
        if self.closed:
            raise asyncio.CancelledError("the bot is closing: no IDENTIFY")

    async def wait(self, shard_id: int) -> None:
        """Return when ``shard_id`` may IDENTIFY (and count it as identifying now)."""
        self.check_open()
        bucket = self.bucket(shard_id)
        async with self._locks[bucket]:
            last = self.last.get(bucket)
            if last is not None:
                left = last + self.interval - self.clock()
                if left > 0:
                    log.info("shard %d waits %.1f s to identify (bucket %d of %d)", shard_id,
                             left, bucket, self.max_concurrency)
                    await self.sleep(left)
                    self.check_open()
            self.mark(bucket)

    async def close(self) -> None:
        self.closed = True


class SharedBuckets(LocalBuckets):
    """The identify buckets of every process of one bot, kept in Redis."""

    def __init__(self, store: BucketStore, application_id: int | None, max_concurrency: int,
                 interval: float, *, clock: Clock = _loop_time,
                 sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_concurrency, interval, clock=clock, sleep=sleep)
        self.store = store
        self.prefix = f"{KEY_PREFIX}:{application_id or 0}"
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def key(self, bucket: int) -> str:
        return f"{self.prefix}:{bucket}"

    async def wait(self, shard_id: int) -> None:
        self.check_open()
        if self.interval <= 0:
            return
        bucket = self.bucket(shard_id)
        ms = max(1, round(self.interval * 1000))
        async with self._locks[bucket]:  # one claimant per bucket per process
            try:
                await self._claim(shard_id, bucket, ms)
            except StoreUnavailable as exc:
                self.check_open()  # not Redis failing: our own close() of its client
                log.warning("Redis unavailable (%s): shard %d keeps this process's own "
                            "identify buckets", exc, shard_id)
            else:
                self.mark(bucket)
                return
        await super().wait(shard_id)

    async def _claim(self, shard_id: int, bucket: int, ms: int) -> None:
        key, waited = self.key(bucket), False
        while not await self.store.claim(key, f"{self.owner}:{shard_id}", ms):
            left = await self.store.left_ms(key)
            if not waited:
                log.info("shard %d waits for identify bucket %d of %d (another process "
                         "identified)", shard_id, bucket, self.max_concurrency)
                waited = True
            # -2: expired between the two calls: claim again now. A key that outlives one
            # interval (or never expires) is no identify of ours: look again every interval.
            await self.sleep(0 if left == -2 else (ms if left == -1 else min(left, ms)) / 1000)
            self.check_open()

    async def close(self) -> None:
        await super().close()
        await self.store.close()


def require_redis() -> None:
    """Raise :class:`ConfigError` unless redis-py (the ``redis`` extra) is installed."""
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise ConfigError("redis.url is set but the redis package is not installed: "
                          "pip install 'archive-bot[redis]'") from None


class RedisStore:
    """:class:`BucketStore` over redis-py's asyncio client (the ``redis`` extra)."""

    def __init__(self, url: str) -> None:
        require_redis()
        import redis.asyncio
        from redis.exceptions import RedisError

        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
        try:
            self.client: Any = redis.asyncio.from_url(
                url, socket_timeout=2.0, socket_connect_timeout=2.0)
        except ValueError as exc:
            raise ConfigError(f"redis.url: {exc}") from None

    async def claim(self, key: str, owner: str, ms: int) -> bool:
        try:
            return bool(await self.client.set(key, owner, nx=True, px=ms))
        except self._errors as exc:
            raise StoreUnavailable(str(exc) or type(exc).__name__) from None

    async def left_ms(self, key: str) -> int:
        try:
            return int(await self.client.pttl(key))
        except self._errors as exc:
            raise StoreUnavailable(str(exc) or type(exc).__name__) from None

    async def close(self) -> None:
        try:
            await self.client.aclose()
        except self._errors as exc:
            log.debug("closing the Redis client: %s", exc)


def identify_buckets(redis_url: str | None, application_id: int | None, max_concurrency: int,
                     interval: float) -> LocalBuckets:
    """Shared buckets when ``redis.url`` is set, this process's own otherwise."""
    if redis_url is None:
        return LocalBuckets(max_concurrency, interval)
    return SharedBuckets(RedisStore(redis_url), application_id, max_concurrency, interval)

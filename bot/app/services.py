"""What the bot's commands share: settings, the live archive, the stores, the CPU pool.

:class:`Services` is built once by the runner (or a test) and handed to the bot. CPU-bound
core calls (scoring, summarising, quote lookup) go through :meth:`Services.run_cpu`, a bounded
thread pool, so the event loop keeps heartbeating and serving other users meanwhile; a
:class:`~bot.app.scheduler.FairScheduler` shares the pool fairly between users (at most
``discord.max_concurrent_per_user`` slots each, round robin, stale work dropped).
:class:`Request` times one command and writes its query-log row exactly once; while its
handler runs it is the *current* request (:func:`current_request`), whose user owns the CPU
work the handler starts.

Nothing on the way to a reply waits on the database: the query log is written in the
background, and channel settings are read into memory once (:meth:`Services.load_channels_soon`,
at start-up); until that read has succeeded a command waits at most
:data:`CHANNEL_READ_SECONDS` for it, then goes on with the configured defaults.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import logging
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from discord.app_commands import Cooldown

from bot.app.scheduler import TOKEN_LIFETIME_SECONDS, FairScheduler
from bot.config import Settings
from bot.core.answers.summary import suggest_documents
from bot.core.budget import Budget
from bot.core.snapshot import Snapshot
from bot.runtime.service import ArchiveService
from bot.runtime.workers import trim_heap
from bot.store.backend import Database
from bot.store.channels import ChannelSettings, ChannelStore
from bot.store.querylog import QueryLog, QueryRecord, new_request_id

log = logging.getLogger(__name__)

T = TypeVar("T")

TOP_HITS = 5  # (doc_id, paragraph) pairs kept per query-log row
CHANNEL_READ_SECONDS = 0.5  # the most a reply waits for the channel settings to be read


def new_error_id() -> str:
    """A short random id tying what a user sees to a traceback in the log."""
    return secrets.token_hex(4)


def warm_archive(snapshot: Snapshot, *, freeze: bool = True) -> None:
    """Build what autocomplete reads (the quote book and its speakers, the folded titles)
    ahead of use, so autocomplete never does that work on the event loop. CPU work: run it
    in the pool. ``freeze``: a new snapshot's first warm-up (see :meth:`Services.warm_soon`).
    """
    snapshot.quotes.speakers()
    suggest_documents(snapshot, "warm", 1)
    # Indexing the speakers leaves its working memory freed but resident (glibc keeps the
    # holes): given back here, 274 -> 198 MB anonymous at 1M paragraphs, measured.
    trim_heap()
    if freeze:
        # A snapshot is long-lived: move it out of the collector's reach, so a full
        # collection no longer walks millions of objects (100-200 ms pauses of the event
        # loop at 100k paragraphs, measured in bench/bot.py). Once per snapshot, not on
        # every warm-up of the same one; reference counting still frees a swapped-out one.
        gc.freeze()


def is_warm(snapshot: Snapshot) -> bool:
    return snapshot.is_warm


def make_executor(workers: int | None = None) -> ThreadPoolExecutor:
    """The bounded pool for CPU work (numpy/scipy release the GIL for the heavy parts).

    At least four threads, even on two cores: a user may hold only some of them (see
    :class:`~bot.app.scheduler.FairScheduler`), so a cheap search runs beside someone's
    expensive summaries (sharing the GIL) instead of waiting for them to finish."""
    count = workers or max(4, min(8, os.cpu_count() or 2))
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="archive-cpu")


def pool_size(executor: ThreadPoolExecutor) -> int:
    return int(getattr(executor, "_max_workers", 0)) or 1


class UserCooldowns:
    """``rate`` commands per ``per`` seconds per user, from the settings (not decorators).

    ``app_commands.checks.cooldown`` fixes its numbers at import time; this mapping reads them
    from the configuration. A rate or period of 0 turns cooldowns off.
    """

    _PRUNE_AT = 10_000

    def __init__(
        self, rate: int, per: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._buckets: dict[int, Cooldown] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.per > 0

    def hit(self, user_id: int) -> tuple[Cooldown, float] | None:
        """Spend one token for ``user_id``; ``(cooldown, retry_after)`` when over the rate."""
        if not self.enabled:
            return None
        now = self._clock()
        if len(self._buckets) >= self._PRUNE_AT:
            self._buckets = {
                uid: cd for uid, cd in self._buckets.items() if cd.get_tokens(now) < cd.rate
            }
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = Cooldown(self.rate, self.per)
        retry_after = bucket.update_rate_limit(now)
        return None if retry_after is None else (bucket, retry_after)


@dataclass
class Services:
    """Everything a command needs, created once at start-up (never a module global)."""

    settings: Settings
    archive: ArchiveService
    querylog: QueryLog
    channels: ChannelStore
    executor: ThreadPoolExecutor
    db: Database | None = None  # the query log's database (SQLite or PostgreSQL)
    cooldowns: UserCooldowns = field(init=False)
    scheduler: FairScheduler = field(init=False)
    # Set when the bot shuts down: work in progress stops at its budget's next check.
    stopping: threading.Event = field(default_factory=threading.Event, init=False)
    channel_read_seconds: float = field(default=CHANNEL_READ_SECONDS, init=False)
    _warming: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    # The last snapshot warmed (weakly: a swapped-out snapshot must be free to go).
    _warmed: weakref.ref[Snapshot] | None = field(default=None, init=False, repr=False)
    _channel_load: asyncio.Task[bool] | None = field(default=None, init=False, repr=False)
    _channels_unread: bool = field(default=False, init=False, repr=False)  # said so in the log

    def __post_init__(self) -> None:
        d = self.settings.discord
        self.cooldowns = UserCooldowns(d.cooldown_rate, d.cooldown_seconds)
        self.scheduler = FairScheduler(self.executor, slots=pool_size(self.executor),
                                       per_user=d.max_concurrent_per_user)

    def warm_soon(self) -> None:
        """Warm the serving snapshot in the pool (once at a time; ``gc.freeze()`` only for a
        snapshot not warmed before); see :func:`warm_archive`."""
        if self._warming is not None and not self._warming.done():
            return
        snapshot = self.archive.current
        fresh = self._warmed is None or self._warmed() is not snapshot
        self._warmed = weakref.ref(snapshot)
        task = asyncio.get_running_loop().create_task(
            self.run_cpu(warm_archive, snapshot, freeze=fresh), name="warm-archive"
        )
        task.add_done_callback(_log_failure)
        self._warming = task

    async def run_cpu(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``func(*args, **kwargs)`` in the CPU pool and await its result, scheduled
        fairly: the :func:`current_request`'s user owns it (no request: the bot's own work),
        and it is dropped unrun (:class:`~bot.app.scheduler.RequestExpiredError`) if it is
        still queued when that request can no longer be answered."""
        call = functools.partial(func, *args, **kwargs)
        request = current_request()
        if request is None:
            return await self.scheduler.run(None, call)
        return await self.scheduler.run(request.user_id, call, expires_at=request.expires_at,
                                        answerable=request.answerable)

    def budget(self) -> Budget:
        """A fresh work budget for one request (``answers.max_work_*``), cancelled when
        the bot shuts down."""
        return Budget.of(self.settings.answers, cancel=self.stopping)

    def stop_work(self) -> None:
        """Shutting down: drop queued CPU work and stop work in progress at its next
        budget check."""
        self.stopping.set()
        self.scheduler.close()

    def channel_defaults(self) -> ChannelSettings:
        d = self.settings.discord
        return ChannelSettings(
            enabled=True,
            answer_mentions=d.answer_mentions,
            ephemeral=d.ephemeral,
            threads=d.reply_in_threads,
        )

    def load_channels_soon(self) -> asyncio.Task[bool]:
        """Read every channel's settings into memory in the background (one read at a time;
        a failed read is started again by the next call). The task says whether it worked."""
        task = self._channel_load
        if task is None or (task.done() and (task.cancelled() or not task.result())):
            task = asyncio.get_running_loop().create_task(
                self._load_channels(), name="channel-settings-load")
            self._channel_load = task
        return task

    async def _load_channels(self) -> bool:
        try:
            await self.channels.load()
        except (sqlite3.Error, ValueError) as exc:  # ValueError: the connection is closed
            if not self._channels_unread:
                log.warning("channel settings cannot be read (%s): the configured defaults "
                            "apply until they can", exc)
                self._channels_unread = True
            return False
        if self._channels_unread:
            log.info("channel settings read: stored overrides apply again")
            self._channels_unread = False
        return True

    async def channel_settings(
        self, guild_id: int | None, channel_id: int | None
    ) -> ChannelSettings:
        """The channel's stored overrides over the configured defaults (DMs: defaults).

        From memory; before the settings were read, waits at most ``channel_read_seconds``
        for that read, then answers with the configured defaults (never waits on a locked or
        failing database)."""
        defaults = self.channel_defaults()
        if guild_id is None or channel_id is None:
            return defaults
        known = self.channels.cached(guild_id, channel_id, defaults)
        if known is None and await self.channels_ready():
            known = self.channels.cached(guild_id, channel_id, defaults)
        return defaults if known is None else known

    async def channels_ready(self) -> bool:
        """Whether every channel's settings are in memory, waiting at most
        ``channel_read_seconds`` for them to be read (said once in the log when not)."""
        if self.channels.loaded():
            return True
        await asyncio.wait({self.load_channels_soon()}, timeout=self.channel_read_seconds)
        if self.channels.loaded():
            return True
        if not self._channels_unread:
            log.warning("channel settings not read within %.1f s: the configured defaults "
                        "apply until they are", self.channel_read_seconds)
            self._channels_unread = True
        return False

    def begin(
        self,
        command: str,
        query: str,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        filters: Mapping[str, Any] | None = None,
    ) -> Request:
        return Request(self.querylog, command, query, guild_id, channel_id, user_id,
                       {k: v for k, v in (filters or {}).items() if v is not None})


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("warming the archive failed", exc_info=task.exception())


# The request whose handler is running in this task (a ContextVar: per asyncio task, so
# concurrent handlers never see each other's). Set by :meth:`Request.current`.
_CURRENT_REQUEST: contextvars.ContextVar[Request | None] = contextvars.ContextVar(
    "archive_bot_request", default=None)


def current_request() -> Request | None:
    """The request being handled in this task, if any (see :meth:`Request.current`)."""
    return _CURRENT_REQUEST.get()


class Request:
    """One command or mention being answered: its request id, timing and log row.

    Set :attr:`result_count`, :attr:`found` and :attr:`top_hits` as the answer takes shape;
    :meth:`finish` records the row once (later calls are ignored), with the latency so far.
    :attr:`expires_at` (monotonic; a token lifetime after it began, or when its interaction
    expires) and :attr:`answerable` say until when CPU work for it is still worth starting.
    """

    def __init__(
        self,
        querylog: QueryLog,
        command: str,
        query: str,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        filters: dict[str, Any],
    ) -> None:
        self._querylog = querylog
        self.command = command
        self.query = query
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.user_id = user_id
        self.filters = filters
        self.request_id = new_request_id()
        self.result_count = 0
        self.found = False
        self.top_hits: list[tuple[str, int]] = []
        self.started = time.perf_counter()
        self.recorded = False
        self.expires_at = time.monotonic() + TOKEN_LIFETIME_SECONDS
        self.answerable: Callable[[], bool] | None = None

    @contextmanager
    def current(self) -> Iterator[Request]:
        """Make this the :func:`current_request` of the running task for the block."""
        token = _CURRENT_REQUEST.set(self)
        try:
            yield self
        finally:
            _CURRENT_REQUEST.reset(token)

    def set_hits(self, hits: Sequence[tuple[str, int]], *, count: int, found: bool) -> None:
        self.top_hits = [(str(d), int(p)) for d, p in hits[:TOP_HITS]]
        self.result_count = count
        self.found = found

    def finish(self, error_id: str | None = None, *, refused: bool = False) -> None:
        if self.recorded:
            return
        self.recorded = True
        latency = (time.perf_counter() - self.started) * 1000
        self._querylog.record(
            QueryRecord(
                command=self.command,
                query=self.query,
                guild_id=self.guild_id,
                channel_id=self.channel_id,
                user_id=self.user_id,
                filters=self.filters,
                result_count=self.result_count,
                found=self.found,
                top_hits=self.top_hits,
                latency_ms=round(latency, 3),
                error_id=error_id,
                refused=refused,
                request_id=self.request_id,
            )
        )

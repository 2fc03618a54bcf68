"""Running the bot: open everything, connect, and shut down without losing a log row.

:func:`run_bot` opens the archive (in the CPU pool, off the event loop), the database and
the query log, builds the bot, installs SIGTERM/SIGINT handlers that close it, starts the
daily prune (and the scheduled reindex, when configured), then connects. However the bot
stops, the query log is closed — which writes every recorded row — before the database.
The token is passed to discord.py and never logged.

A stop (:class:`Shutdown`) fits in Docker's 10-second stop grace period whatever the bot is
doing: answers in progress get :data:`DRAIN_SECONDS` to finish; then queued CPU work is
dropped, running work and a running reindex are stopped, the connection is closed, and a
connection attempt still pending (discord.py sleeping in its reconnect backoff during an
outage, or waiting on a gateway that never says HELLO) is abandoned; all of it by
:data:`STOP_SECONDS` after the signal, leaving time to write the query log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any

import aiohttp
import discord
import yarl

from bot.app.client import ArchiveBot
from bot.app.services import Services, make_executor
from bot.app.sharding import create_bot
from bot.config import Settings
from bot.errors import ArchiveBotError, ConfigError
from bot.runtime.service import ArchiveService
from bot.store.channels import ChannelStore
from bot.store.db import open_querylog
from bot.store.querylog import QueryLog

log = logging.getLogger(__name__)

# discord.py's names for the tasks that run our handlers (commands, buttons, mentions).
HANDLER_TASKS = ("CommandTree-invoker", "discord-ui-", "discord.py: on_message")
DRAIN_SECONDS = 4.0  # answers in progress at SIGTERM may finish for this long
STOPPED_SECONDS = 0.5  # then handlers whose work was stopped record their rows and say so
CONNECT_SECONDS = 0.5  # what a connection attempt gets to end by itself once the bot is closed
STOP_SECONDS = 7.0  # everything above, from the signal; the query log is written after it


async def open_services(settings: Settings) -> Services:
    """Archive, database, query log (started) and the CPU pool; raises before connecting."""
    loop = asyncio.get_running_loop()
    executor = make_executor()
    try:
        # isolate: reindexes build in a child process, so they never hold this process's GIL
        # or its garbage collector while it answers Discord.
        service, report = await loop.run_in_executor(
            executor, functools.partial(ArchiveService.open, settings, isolate=True)
        )
        log.info("%s", report.summary())
        for skip in report.skipped:  # once per run; the build itself only logs at INFO
            log.warning("skipped %s", skip)
        db = await open_querylog(settings.querylog.path, url=settings.querylog.url)  # never fails
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    q = settings.querylog
    querylog = QueryLog(db, hash_users=q.hash_users, batch_size=q.batch_size,
                        flush_interval=q.flush_interval_seconds, retention_days=q.retention_days)
    await querylog.start()
    return Services(settings, service, querylog, ChannelStore(db), executor, db)


async def close_services(services: Services) -> None:
    try:
        await services.querylog.close()
    finally:
        if services.db is not None:
            await services.db.close()
        services.executor.shutdown(wait=False, cancel_futures=True)


def start_verification(services: Services) -> threading.Thread:
    """Check the index files' SHA-256 in the background (the start was fast: mapped, not
    read); a corrupt index is rebuilt while the old one serves."""
    thread = threading.Thread(target=services.archive.verify, name="archive-verify",
                              daemon=True)
    thread.start()
    return thread


def start_reindex_watch(services: Services) -> threading.Event | None:
    """Reindex when the archive changes, every ``index.reindex_interval_minutes``."""
    minutes = services.settings.index.reindex_interval_minutes
    if minutes <= 0:
        return None
    stop = threading.Event()
    thread = threading.Thread(target=services.archive.watch, args=(minutes * 60, stop),
                              name="archive-reindex", daemon=True)
    thread.start()
    return stop


async def drain_handlers(timeout: float = DRAIN_SECONDS) -> None:
    """Let answers being computed finish (and record their rows) before disconnecting."""
    me = asyncio.current_task()
    busy = [t for t in asyncio.all_tasks()
            if t is not me and not t.done() and t.get_name().startswith(HANDLER_TASKS)]
    if busy:
        log.info("waiting up to %.0f s for %d handlers to finish", timeout, len(busy))
        await asyncio.wait(busy, timeout=timeout)


class Shutdown:
    """Stopping the bot within :data:`STOP_SECONDS` of SIGTERM/SIGINT, whatever state the
    connection is in (see the module docstring). :meth:`connect` runs ``bot.start`` so that
    a stop can abandon it; :meth:`close` closes the bot without waiting past the deadline."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.requested = False
        self.deadline: float | None = None  # loop time by which the stop is done
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncio.Future[None] | None = None

    def request(self, sig: signal.Signals) -> None:
        if self.requested:
            log.info("%s received: already shutting down", sig.name)
            return
        log.info("%s received: shutting down", sig.name)
        self.requested = True
        loop = asyncio.get_running_loop()
        self.deadline = loop.time() + STOP_SECONDS
        self._task = loop.create_task(self._stop(), name="shutdown")

    def _left(self, most: float) -> float:
        if self.deadline is None:
            return most
        return max(0.05, min(most, self.deadline - asyncio.get_running_loop().time()))

    async def _stop(self) -> None:
        await drain_handlers(self._left(DRAIN_SECONDS))
        services = self.bot.services
        services.stop_work()
        services.archive.stop_reindexing()
        await drain_handlers(self._left(STOPPED_SECONDS))
        await self.close()
        connection = self._connection
        if connection is not None and not connection.done():
            await asyncio.wait({connection}, timeout=self._left(CONNECT_SECONDS))
            if not connection.done():
                log.info("still trying to reach Discord: giving up on it")
                connection.cancel()

    async def connect(self, start: Coroutine[Any, Any, None]) -> None:
        """Await ``start`` (``bot.start(token)``) until it returns, or until a stop gives
        up on it (then return normally)."""
        if self.requested:
            start.close()
            return
        self._connection = task = asyncio.ensure_future(start)
        try:
            await task
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if self._task is not None and task.cancelled() and (me is None or not me.cancelling()):
                return  # our own stop abandoned the connection attempt
            raise

    async def close(self) -> None:
        """``bot.close()``, waited for until the deadline at most (a half-open websocket
        can take 30 s to close)."""
        closing = asyncio.ensure_future(self.bot.close())
        done, _ = await asyncio.wait({closing}, timeout=self._left(STOP_SECONDS))
        if not done:
            log.warning("closing the Discord connection is taking too long; exiting anyway")


def install_signal_handlers(
    bot: ArchiveBot, shutdown: Shutdown | None = None
) -> list[signal.Signals]:
    loop = asyncio.get_running_loop()
    stopper = shutdown or Shutdown(bot)

    def stop(sig: signal.Signals) -> None:
        stopper.request(sig)

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on a main thread
            log.debug("cannot handle %s here", sig.name)
    return installed


class DiscordUnreachable(ArchiveBotError):
    """Discord (or the configured proxy) could not be reached or refused the connection."""


# Gateway close codes that mean "this configuration can never connect" (Discord's docs).
FATAL_CLOSE_CODES = {
    4004: "Discord rejected DISCORD_TOKEN (gateway close 4004: authentication failed)",
    4010: "the gateway refused the shard settings (close 4010: invalid shard)",
    4011: "the bot is in too many servers for one connection (close 4011: sharding required)",
    4012: "the gateway refused the API version (close 4012)",
    4013: "the gateway refused the intents (close 4013: invalid intents)",
    4014: "the gateway refused the intents (close 4014: the bot is not allowed a privileged "
          "intent; enable it in the developer portal or turn it off)",
}


def connection_error(exc: BaseException, base_url: str) -> ArchiveBotError:
    """One line for a failure to connect: what failed and where, never a token or a trace."""
    host = yarl.URL(base_url).host or base_url
    if isinstance(exc, discord.LoginFailure):
        return ConfigError("Discord rejected DISCORD_TOKEN (login failed: 401 Unauthorized)")
    if isinstance(exc, discord.ConnectionClosed):
        text = FATAL_CLOSE_CODES.get(exc.code or 0)
        if text is not None and exc.code == 4004:
            return ConfigError(text)
        return DiscordUnreachable(text or f"the Discord gateway closed the connection "
                                          f"(code {exc.code})")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return DiscordUnreachable(f"cannot reach Discord: the name {host} does not resolve "
                                  "(no network or DNS?)")
    if isinstance(exc, aiohttp.ClientConnectorError):
        errno = exc.os_error.errno
        reason = os.strerror(errno) if errno else type(exc.os_error).__name__
        return DiscordUnreachable(f"cannot connect to Discord at {exc.host}:{exc.port}: "
                                  f"{reason.lower()}")
    if isinstance(exc, discord.GatewayNotFound):
        return DiscordUnreachable(f"{host} did not hand out a gateway address")
    if isinstance(exc, discord.HTTPException):
        return DiscordUnreachable(f"Discord answered HTTP {exc.status} at login; try again later")
    if isinstance(exc, TimeoutError):
        return DiscordUnreachable(f"connecting to Discord at {host} timed out")
    return DiscordUnreachable(f"cannot connect to Discord at {host}: "
                              f"{getattr(exc, 'strerror', None) or type(exc).__name__}")


async def serve(services: Services, token: str) -> int:
    # The bot has no voice: discord.py's "PyNaCl/davey is not installed" warnings are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    bot = create_bot(services)  # sharded when discord.shard_count is set
    shutdown = Shutdown(bot)
    installed = install_signal_handlers(bot, shutdown)
    prune = asyncio.create_task(services.querylog.run_daily_prune(), name="querylog-prune")
    watch = start_reindex_watch(services)
    start_verification(services)
    try:
        await shutdown.connect(bot.start(token))
    except (discord.LoginFailure, discord.ConnectionClosed, discord.GatewayNotFound,
            discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise connection_error(exc, services.settings.discord.api_base_url) from None
    finally:
        if watch is not None:
            watch.set()
        prune.cancel()
        # Let a prune that was writing roll back before the database closes behind it.
        await asyncio.wait({prune})
        await shutdown.close()
        loop = asyncio.get_running_loop()
        for sig in installed:
            loop.remove_signal_handler(sig)
    log.info("disconnected")
    return 0


async def _main(settings: Settings, token: str) -> int:
    services = await open_services(settings)
    try:
        return await serve(services, token)
    finally:
        await close_services(services)


def run_bot(settings: Settings, token: str) -> int:
    """Run until the connection closes or SIGTERM/SIGINT; the process exit status."""
    # Hand the GIL back to the event loop after 1 ms rather than 5 ms when a worker thread
    # (scoring, warming) is busy: measured in bench/bot.py, it cuts loop lag p99 4x.
    sys.setswitchinterval(0.001)
    return asyncio.run(_main(settings, token))

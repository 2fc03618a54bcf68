"""Reindex progress from the worker thread to a Discord message, throttled.

:class:`ProgressRelay` is the ``progress(stage, done, total)`` callback a reindex calls in its
worker thread: it snapshots the status (files read, paragraphs indexed, percent, elapsed) and
hands it to the event loop with ``call_soon_threadsafe`` (on a stage change, at a stage's
end, else at most every ``POST_EVERY`` seconds). On the loop, one task shows the
newest snapshot (coalescing any that arrived meanwhile), at most once per ``interval``
seconds. :meth:`ProgressRelay.stop` ends it before the final report is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

import discord

from bot.app.admin_render import ReindexProgress
from bot.runtime.service import ReindexStatus

log = logging.getLogger(__name__)

POST_EVERY = 0.1  # seconds: finer progress within a stage is not worth a loop callback


class ProgressRelay:
    """The reindex's progress callback (called in the worker thread) and the task that shows
    the newest status on the loop, at most once per ``interval`` seconds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, status: Callable[[], ReindexStatus], *,
                 full: bool, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._loop = loop
        self._status = status
        self._full = full
        self._interval = interval
        self._clock = clock
        self._files = (0, 0)
        self._paragraphs = (0, 0)
        self._latest: ReindexProgress | None = None
        self._new = asyncio.Event()
        self._last_shown = -math.inf
        self._task: asyncio.Task[None] | None = None
        self._posted: tuple[str, float] = ("", -math.inf)  # stage, when (worker thread only)
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        """In the reindex thread: snapshot the status and hand it to the loop."""
        if stage == "parse":
            self._files = (done, total)
        elif stage == "index":
            self._paragraphs = (done, total)
        now = self._clock()
        last_stage, last_at = self._posted
        if stage == last_stage and done < total and now - last_at < POST_EVERY:
            return
        self._posted = (stage, now)
        status = self._status()
        snapshot = ReindexProgress(stage, *self._files, *self._paragraphs, status.percent,
                                   status.elapsed, self._full)
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody to show it to
            self._loop.call_soon_threadsafe(self._post, snapshot)

    def _post(self, snapshot: ReindexProgress) -> None:
        self._latest = snapshot
        self._new.set()

    def start(self, show: Callable[[ReindexProgress], Awaitable[None]]) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(show),
                                                            name="reindex-progress")

    async def _run(self, show: Callable[[ReindexProgress], Awaitable[None]]) -> None:
        while True:
            await self._new.wait()
            wait = self._last_shown + self._interval - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)  # throttle: the newest status wins meanwhile
            self._new.clear()
            latest = self._latest
            if latest is None:
                continue
            self._last_shown = self._clock()
            try:
                await show(latest)
                self.shown += 1
            except discord.HTTPException as exc:
                log.warning("could not show reindex progress: %s", exc)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
            if not task.cancelled() and task.exception() is not None:
                log.error("the reindex progress task failed", exc_info=task.exception())

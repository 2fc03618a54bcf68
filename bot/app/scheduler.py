"""Fair scheduling of CPU work over the pool's threads.

Every CPU-bound call of a command goes through :meth:`FairScheduler.run` with its owner (the
user who asked). The scheduler hands the pool at most ``slots`` calls at a time, so the pool
never queues anything itself; what waits, waits here, one queue per owner:

* **a cap per owner**: one owner runs at most ``per_user`` calls at once (and never every
  slot, when there is more than one), so a user firing expensive requests holds part of the
  pool, never all of it;
* **round robin**: a freed slot goes to the next owner in turn with work waiting, not to the
  oldest call, so a user with one cheap search waits for one turn, not for another user's
  backlog;
* **nothing stale is run**: a call still queued when its interaction token has expired
  (Discord's 15 minutes), or whose ``answerable()`` says it can no longer be answered, or
  whose caller stopped waiting, is dropped (:class:`RequestExpiredError`) instead of run.

All bookkeeping happens on the event loop thread (the pool's completions come back through
``run_in_executor`` futures), so no lock is needed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.core.budget import CANCELLED_MESSAGE, WorkCancelledError
from bot.errors import ArchiveBotError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Discord's interaction tokens (and so the chance to answer) last 15 minutes.
TOKEN_LIFETIME_SECONDS = 15 * 60.0


class RequestExpiredError(ArchiveBotError):
    """Queued work dropped without being run: its answer could no longer be delivered."""


@dataclass(eq=False)
class _Job:
    owner: Hashable
    call: Callable[[], Any]
    future: asyncio.Future[Any]
    expires_at: float
    answerable: Callable[[], bool] | None = None
    queued_at: float = field(default=0.0)


class FairScheduler:
    """Runs calls in ``executor``, at most ``slots`` at a time, fairly between owners (see
    the module docstring). ``clock`` is monotonic seconds (a test passes its own)."""

    def __init__(
        self,
        executor: Executor,
        *,
        slots: int,
        per_user: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._executor = executor
        self.slots = max(1, slots)
        # One owner never holds every slot (when there is more than one).
        self.per_user = max(1, min(per_user, self.slots - 1 if self.slots > 1 else 1))
        self._clock = clock
        self._queues: dict[Hashable, deque[_Job]] = {}
        self._turns: deque[Hashable] = deque()  # owners with queued work, next turn first
        self._running: Counter[Hashable] = Counter()
        self._busy = 0
        self._closed = False
        self.dropped = 0  # calls dropped unrun (expired, unanswerable)

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def queued(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def running(self, owner: Hashable) -> int:
        return self._running[owner]

    async def run(
        self,
        owner: Hashable,
        call: Callable[[], T],
        *,
        expires_at: float | None = None,
        answerable: Callable[[], bool] | None = None,
    ) -> T:
        """Queue ``call`` for ``owner`` and return its result once it ran. ``expires_at``
        (on ``clock``; default: a token lifetime from now) and ``answerable`` decide whether
        it is still worth running when its turn comes."""
        if self._closed:
            raise WorkCancelledError(CANCELLED_MESSAGE)
        loop = asyncio.get_running_loop()
        now = self._clock()
        job = _Job(owner, call, loop.create_future(),
                   now + TOKEN_LIFETIME_SECONDS if expires_at is None else expires_at,
                   answerable, now)
        queue = self._queues.get(owner)
        if queue is None:
            queue = self._queues[owner] = deque()
            self._turns.append(owner)
        queue.append(job)
        self._pump()
        result: T = await job.future  # cancelling the caller cancels the future: not run
        return result

    def close(self) -> None:
        """Refuse new calls and drop every queued one (shutting down); running calls end
        on their own (their budgets carry the shutdown's cancel event)."""
        self._closed = True
        for queue in self._queues.values():
            for job in queue:
                if not job.future.done():
                    job.future.set_exception(WorkCancelledError(CANCELLED_MESSAGE))
        self._queues.clear()
        self._turns.clear()

    # -- internals -------------------------------------------------------------------------

    def _next(self) -> _Job | None:
        """The next queued call in turn whose owner is under the cap (and rotate turns)."""
        for _ in range(len(self._turns)):
            owner = self._turns[0]
            self._turns.rotate(-1)
            if self._running[owner] >= self.per_user:
                continue
            queue = self._queues[owner]
            job = queue.popleft()
            if not queue:
                del self._queues[owner]
                self._turns.remove(owner)
            return job
        return None

    def _stale(self, job: _Job) -> str | None:
        now = self._clock()
        if now >= job.expires_at:
            return f"queued {now - job.queued_at:.0f} s, past its interaction's lifetime"
        if job.answerable is not None:
            try:
                if not job.answerable():
                    return "its interaction can no longer be answered"
            except Exception:  # a broken check must not stop the scheduler
                log.exception("answerable() failed; running the call anyway")
        return None

    def _pump(self) -> None:
        while self._busy < self.slots:
            job = self._next()
            if job is None:
                return
            if job.future.done():  # the caller stopped waiting (cancelled)
                continue
            reason = self._stale(job)
            if reason is not None:
                self.dropped += 1
                log.info("dropped queued work of %s unrun: %s", job.owner, reason)
                job.future.set_exception(RequestExpiredError(
                    "That request waited too long to be answered; please ask again."))
                continue
            self._start(job)

    def _start(self, job: _Job) -> None:
        loop = asyncio.get_running_loop()
        try:
            work = loop.run_in_executor(self._executor, job.call)
        except RuntimeError:  # the pool is shut down
            job.future.set_exception(WorkCancelledError(CANCELLED_MESSAGE))
            return
        self._busy += 1
        self._running[job.owner] += 1
        work.add_done_callback(functools.partial(self._finished, job))

    def _finished(self, job: _Job, work: asyncio.Future[Any]) -> None:
        self._busy -= 1
        self._running[job.owner] -= 1
        if self._running[job.owner] <= 0:
            del self._running[job.owner]
        if work.cancelled():
            if not job.future.done():
                job.future.cancel()
        else:
            error = work.exception()  # retrieved either way: no "never retrieved" warning
            if not job.future.done():
                if error is not None:
                    job.future.set_exception(error)
                else:
                    job.future.set_result(work.result())
        if not self._closed:
            self._pump()

"""FairScheduler: a cap per user, round robin between users, stale work dropped unrun."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.app.scheduler import TOKEN_LIFETIME_SECONDS, FairScheduler, RequestExpiredError
from bot.core.budget import WorkCancelledError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Gate:
    """Jobs that block until released, recording the order in which they started."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._release: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def job(self, name: str) -> Callable[[], str]:
        event = self._release[name] = threading.Event()

        def run() -> str:
            with self._lock:
                self.started.append(name)
            self._loop.call_soon_threadsafe(self.changed.set)
            event.wait(10)
            return name

        return run

    def release(self, name: str) -> None:
        self._release[name].set()

    async def wait_started(self, count: int) -> None:
        async def until() -> None:
            while len(self.started) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(until(), 5)


@pytest.fixture
async def pool() -> AsyncIterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(max_workers=4)
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


async def test_one_user_holds_at_most_its_share(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    scheduler = FairScheduler(pool, slots=4, per_user=2)
    heavy = [asyncio.ensure_future(scheduler.run("heavy", gate.job(f"h{i}"))) for i in range(6)]
    await gate.wait_started(2)
    await asyncio.sleep(0)  # let the scheduler try to start more (it must not)
    assert gate.started == ["h0", "h1"] and scheduler.running("heavy") == 2
    assert scheduler.queued == 4 and scheduler.busy == 2
    light = asyncio.ensure_future(scheduler.run("light", gate.job("l0")))
    await gate.wait_started(3)  # a free slot: the other user starts at once
    assert gate.started[-1] == "l0"
    gate.release("l0")
    assert await light == "l0"
    for i in range(6):
        gate.release(f"h{i}")
    assert await asyncio.gather(*heavy) == [f"h{i}" for i in range(6)]
    assert scheduler.busy == 0 and scheduler.queued == 0


async def test_freed_slots_go_round_robin(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    scheduler = FairScheduler(pool, slots=2, per_user=1)
    a = [asyncio.ensure_future(scheduler.run("a", gate.job(f"a{i}"))) for i in range(3)]
    await gate.wait_started(1)
    b = [asyncio.ensure_future(scheduler.run("b", gate.job(f"b{i}"))) for i in range(2)]
    await gate.wait_started(2)
    assert gate.started == ["a0", "b0"]
    gate.release("a0")
    gate.release("b0")
    await gate.wait_started(4)
    assert set(gate.started[2:]) == {"a1", "b1"}  # each user's next, not a's backlog first
    for name in ("a1", "b1", "a2"):
        gate.release(name)
    await asyncio.gather(*a, *b)


def test_a_user_never_holds_every_slot() -> None:
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        assert FairScheduler(executor, slots=4, per_user=10).per_user == 3
        assert FairScheduler(executor, slots=1, per_user=2).per_user == 1
    finally:
        executor.shutdown()


async def test_expired_work_is_dropped_unrun(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    clock = Clock()
    scheduler = FairScheduler(pool, slots=2, per_user=1, clock=clock)
    first = asyncio.ensure_future(scheduler.run("u", gate.job("first")))
    await gate.wait_started(1)
    queued = asyncio.ensure_future(scheduler.run("u", gate.job("late")))
    fresh = asyncio.ensure_future(scheduler.run(
        "u", gate.job("fresh"), expires_at=clock.now + 2 * TOKEN_LIFETIME_SECONDS))
    await asyncio.sleep(0)
    clock.now += TOKEN_LIFETIME_SECONDS + 1  # 15 minutes in the queue
    gate.release("first")
    assert await first == "first"
    with pytest.raises(RequestExpiredError, match="waited too long"):
        await queued
    gate.release("fresh")
    assert await fresh == "fresh"
    assert "late" not in gate.started and scheduler.dropped == 1


async def test_unanswerable_or_abandoned_work_is_not_run(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    scheduler = FairScheduler(pool, slots=2, per_user=1)
    first = asyncio.ensure_future(scheduler.run("u", gate.job("first")))
    await gate.wait_started(1)
    gone = asyncio.ensure_future(scheduler.run("u", gate.job("gone"), answerable=lambda: False))
    abandoned = asyncio.ensure_future(scheduler.run("u", gate.job("abandoned")))
    after = asyncio.ensure_future(scheduler.run("u", gate.job("after")))
    await asyncio.sleep(0)
    abandoned.cancel()  # its handler stopped waiting
    gate.release("first")
    await first
    with pytest.raises(RequestExpiredError):
        await gone
    await gate.wait_started(2)
    gate.release("after")
    assert await after == "after"
    assert gate.started == ["first", "after"]


async def test_close_drops_the_queue_and_refuses_more(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    scheduler = FairScheduler(pool, slots=2, per_user=1)
    running = asyncio.ensure_future(scheduler.run("u", gate.job("running")))
    await gate.wait_started(1)
    queued = asyncio.ensure_future(scheduler.run("u", gate.job("queued")))
    await asyncio.sleep(0)
    scheduler.close()
    with pytest.raises(WorkCancelledError):
        await queued
    with pytest.raises(WorkCancelledError):
        await scheduler.run("v", lambda: "never")
    gate.release("running")
    assert await running == "running"  # what ran, ends on its own


async def test_errors_reach_the_caller(pool: ThreadPoolExecutor) -> None:
    scheduler = FairScheduler(pool, slots=2, per_user=1)

    def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await scheduler.run("u", boom)
    assert await scheduler.run("u", lambda: 42) == 42  # the slot was given back

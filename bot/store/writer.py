"""The query log's writer: rows queued in memory, written in batches by one background task.

:class:`BatchWriter` drains its queue in batches (up to ``batch_size`` rows, or whatever
arrived within ``flush_interval``) and writes each batch in one transaction. A failed write
is retried with a short backoff; if it still fails the rows stay queued for the next flush and
the failure is logged. :meth:`BatchWriter.close` writes everything still pending. While the
database takes no writes (a locked or full file, a server that is down), rows wait in memory
up to ``max_pending``; beyond that new rows are dropped, counted in ``stats.dropped``, with
one log line when dropping starts and one when writes succeed again. Rows are inserted with
``insert_ignore`` on the unique ``request_id``, so writing a batch twice (a commit whose
outcome was unknown) cannot duplicate rows. :class:`~bot.store.querylog.QueryLog` is the
writer with the query log's own calls (record, feedback, retention, forget).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.store.backend import Database, atomic
from bot.store.records import QueryLogStats, _Pending

logger = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 50_000  # rows kept in memory while the database takes no writes
T = TypeVar("T")

COLUMNS = ("ts", "guild_id", "channel_id", "user_key", "command", "query", "filters",
           "result_count", "found", "top_hits", "latency_ms", "error_id", "refused", "feedback",
           "feedback_at", "request_id")


class BatchWriter:
    """Batched, never-blocking writer for the ``queries`` table (see the module)."""

    retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
    max_cooldown: float = 60.0

    def __init__(self, conn: Database, *, batch_size: int, flush_interval: float,
                 max_pending: int = DEFAULT_MAX_PENDING) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._max_pending = max_pending
        self._dropping = 0  # rows dropped since writes last succeeded
        self._tasks: set[asyncio.Task[bool]] = set()  # feedback updates in the background
        self._conn = conn
        self._batch_size = batch_size
        self._flush_interval = max(0.0, flush_interval)
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._buffer: list[_Pending] = []  # taken off the queue, not yet committed
        self._unwritten: dict[str, _Pending] = {}  # request_id -> row (queue or buffer)
        self._late_feedback: dict[str, tuple[int, str]] = {}  # DB update still to retry
        self._write_lock = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = QueryLogStats()

    async def _ensure_salt(self) -> None:
        """Before the first write: what the rows' stored form needs (nothing here)."""

    def _params(self, row: _Pending) -> tuple[Any, ...]:
        """The values of ``COLUMNS`` for ``row``."""
        raise NotImplementedError

    def pending(self) -> int:
        """Rows recorded but not yet committed."""
        return len(self._unwritten)

    def _drop(self) -> None:
        self.stats.dropped += 1
        self._dropping += 1
        if self._dropping == 1:
            logger.error(
                "query log: %d rows are waiting for the database, the most kept in memory: "
                "dropping new rows until writes succeed again (%d dropped so far)",
                len(self._unwritten), self.stats.dropped,
            )

    async def flush(self) -> bool:
        """Write everything pending now; False if some rows are still failing (kept)."""
        await self._ensure_salt()
        async with self._write_lock:
            self._drain_queue()
            return await self._write_buffer()

    async def close(self) -> None:
        """Stop the writer and write every recorded row. Idempotent."""
        self._closed = True
        writer, self._writer = self._writer, None
        if writer is not None:
            # Holding the lock, the writer is never mid-transaction when it is cancelled.
            async with self._write_lock:
                writer.cancel()
            await asyncio.wait([writer])  # the writer's CancelledError is not ours to raise
        if self._tasks:  # feedback updates: their values wait in _late_feedback for the flush
            tasks = list(self._tasks)
            async with self._write_lock:
                for task in tasks:
                    task.cancel()
            await asyncio.wait(tasks)
        if not await self.flush():
            logger.error(
                "query log closed with %d rows that could not be written", self.pending()
            )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        cooldown = self._flush_interval
        while True:
            if not self._buffer:
                self._buffer.append(await self._queue.get())
            deadline = loop.time() + self._flush_interval
            while len(self._buffer) < self._batch_size:
                if self._drain_queue(limit=self._batch_size - len(self._buffer)):
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    async with asyncio.timeout(remaining):
                        row = await self._queue.get()
                except TimeoutError:
                    break
                self._buffer.append(row)
            try:
                async with self._write_lock:
                    ok = await self._write_buffer()
            except Exception:
                logger.exception("query log writer: unexpected error; rows kept")
                ok = False
            if ok:
                cooldown = self._flush_interval
            else:
                cooldown = min(max(cooldown * 2, 1.0), self.max_cooldown)
                await asyncio.sleep(cooldown)

    def _drain_queue(self, limit: int | None = None) -> int:
        taken = 0
        while limit is None or taken < limit:
            try:
                self._buffer.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                break
            taken += 1
        return taken

    async def _write_buffer(self) -> bool:
        """Write the buffer batch by batch (lock held); stop at the first failed batch."""
        while self._buffer:
            batch = self._buffer[: self._batch_size]
            if not await self._write_batch(batch):
                return False
            del self._buffer[: len(batch)]
        if self._late_feedback:
            await self._apply_late_feedback()
        return True

    async def _write_batch(self, batch: list[_Pending]) -> bool:
        for row in batch:
            row.in_flight = True
        try:
            inserted = await self._retrying(
                f"{len(batch)} rows", lambda: self._insert_batch([self._params(r) for r in batch])
            )
        except sqlite3.Error:
            self.stats.failures += 1
            return False
        finally:
            for row in batch:
                row.in_flight = False
        if inserted < len(batch):
            logger.warning("query log: %d duplicate request ids ignored", len(batch) - inserted)
        for row in batch:
            self._unwritten.pop(row.request_id, None)
        self.stats.batches += 1
        self.stats.written += inserted
        if self._dropping:
            logger.warning("query log: writing again; %d rows were dropped while it could not"
                           " (%d in all)", self._dropping, self.stats.dropped)
            self._dropping = 0
        return True

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Await ``attempt()``, retrying sqlite3 errors with backoff; re-raise the last."""
        delays = self.retry_delays
        for n in range(len(delays) + 1):
            try:
                return await attempt()
            except sqlite3.Error as exc:
                if n == len(delays):
                    logger.error(
                        "query log: writing %s failed after %d attempts: %s (kept for the next"
                        " flush)", what, n + 1, exc,
                    )
                    raise
                self.stats.retries += 1
                logger.warning("query log: writing %s failed (%s); retrying", what, exc)
                await asyncio.sleep(delays[n])
        raise AssertionError("unreachable")  # pragma: no cover

    async def _insert_batch(self, params: list[tuple[Any, ...]]) -> int:
        async with atomic(self._conn):
            return await self._conn.insert_ignore("queries", COLUMNS, params, ("request_id",))

    async def _update_feedback(self, request_id: str, value: int, at: str) -> bool:
        async with atomic(self._conn):
            result = await self._conn.execute(
                "UPDATE queries SET feedback = ?, feedback_at = ? WHERE request_id = ?",
                (value, at, request_id),
            )
            return result.rowcount > 0

    async def _apply_late_feedback(self) -> None:
        for request_id, (value, at) in list(self._late_feedback.items()):
            try:
                await self._update_feedback(request_id, value, at)
            except sqlite3.Error as exc:
                logger.error("query log: feedback for %s still not written: %s", request_id, exc)
                return
            if self._late_feedback.get(request_id) == (value, at):  # not replaced meanwhile
                del self._late_feedback[request_id]

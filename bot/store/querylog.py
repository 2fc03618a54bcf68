"""The query log: one row per query, written in batches by a single background task.

:meth:`QueryLog.record` never blocks and never raises: it converts the record to plain
values and puts it on an unbounded :class:`asyncio.Queue`. One writer task drains the queue
in batches (up to ``batch_size`` rows, or whatever arrived within ``flush_interval``) and
writes each batch with one ``executemany`` in one transaction. A failed write is retried with
a short backoff; if it still fails the rows stay queued for the next flush and the failure is
logged. :meth:`QueryLog.close` writes everything still pending.

While the database takes no writes (locked, full disk), rows wait in memory up to
``max_pending``; beyond that new rows are dropped, counted in ``stats.dropped``, with one log
line when dropping starts and one when writes succeed again. Feedback clicks never wait on the
database either (see :meth:`QueryLog.record_feedback`).

Inserts skip a row whose unique ``request_id`` is already stored (``insert_ignore``), so
writing a batch twice (a commit whose outcome was unknown) cannot duplicate rows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.store.backend import Database, atomic, format_ts, hash_user, load_salt, utcnow
from bot.store.records import QueryLogStats, QueryRecord, _opt_str, _Pending, new_request_id

__all__ = ["COLUMNS", "QueryLog", "QueryLogStats", "QueryRecord", "new_request_id"]

logger = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60.0
DEFAULT_MAX_PENDING = 50_000  # rows kept in memory while the database takes no writes
FEEDBACK_WAIT_SECONDS = 1.0  # a click waits this long for its update (then it runs on)
FORGET_PATIENCE_SECONDS = 120.0  # a forget (its reply deferred) waits out a locked database
T = TypeVar("T")

COLUMNS = ("ts", "guild_id", "channel_id", "user_key", "command", "query", "filters",
           "result_count", "found", "top_hits", "latency_ms", "error_id", "refused", "feedback",
           "feedback_at", "request_id")


class QueryLog:
    """Batched, never-blocking writer for the ``queries`` table."""

    retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
    max_cooldown: float = 60.0

    def __init__(
        self,
        conn: Database,
        *,
        hash_users: bool,
        batch_size: int,
        flush_interval: float,
        retention_days: int,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._max_pending = max_pending
        self._dropping = 0  # rows dropped since writes last succeeded
        self._tasks: set[asyncio.Task[bool]] = set()  # feedback updates in the background
        self.feedback_wait = FEEDBACK_WAIT_SECONDS
        self._conn = conn
        self._hash_users = hash_users
        self._batch_size = batch_size
        self._flush_interval = max(0.0, flush_interval)
        self._retention_days = retention_days
        self._salt: str | None = None
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._buffer: list[_Pending] = []  # taken off the queue, not yet committed
        self._unwritten: dict[str, _Pending] = {}  # request_id -> row (queue or buffer)
        self._late_feedback: dict[str, tuple[int, str]] = {}  # DB update still to retry
        self._write_lock = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = QueryLogStats()

    # -- public API ----------------------------------------------------------------------

    async def start(self) -> None:
        """Load the salt and start the writer task (once)."""
        await self._ensure_salt()
        if self._writer is None and not self._closed:
            self._writer = asyncio.create_task(self._run(), name="querylog-writer")

    def record(self, rec: QueryRecord) -> None:
        """Queue ``rec`` for writing. Never blocks, never raises."""
        try:
            if self._closed:
                logger.warning("query log is closed; %s queued for a final flush", rec.request_id)
            if len(self._unwritten) >= self._max_pending and rec.request_id not in self._unwritten:
                self._drop()
                return
            values = (
                format_ts(rec.ts),
                _opt_str(rec.guild_id),
                _opt_str(rec.channel_id),
                rec.command,
                rec.query,
                json.dumps(dict(rec.filters), default=str, sort_keys=True),
                int(rec.result_count),
                1 if rec.found else 0,
                json.dumps([[str(d), int(p)] for d, p in rec.top_hits]),
                None if rec.latency_ms is None else float(rec.latency_ms),
                rec.error_id,
                1 if rec.refused else 0,
            )
            row = _Pending(rec.request_id, rec.user_id, values)
            self._unwritten[rec.request_id] = row
            self._queue.put_nowait(row)
            self.stats.recorded += 1
        except Exception:
            logger.exception("query log: could not record %r", rec)

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

    def user_key(self, user_id: int | str) -> str:
        """The stored form of ``user_id``: a salted hash, or the raw id if hashing is off."""
        if not self._hash_users:
            return str(user_id)
        if self._salt is None:
            raise RuntimeError("QueryLog.start() must be awaited before hashing user ids")
        return hash_user(self._salt, user_id)

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

    async def record_feedback(self, request_id: str, value: int) -> bool:
        """Attach +1/-1 feedback to a query; False if no such query is known.

        It answers a button click, so it never waits long on the database: a row not yet
        written takes the feedback in memory (or, being written right now, right after its
        write); for a written row the update runs in the background and this waits at most
        ``feedback_wait`` seconds for it, then says True (the update is kept and retried, and
        the next flush writes it)."""
        if isinstance(value, bool) or value not in (1, -1):
            raise ValueError("feedback must be +1 or -1")
        at = format_ts(utcnow())
        row = self._unwritten.get(request_id)
        if row is not None:
            if row.in_flight:
                self._late_feedback[request_id] = (value, at)  # applied after the write
            else:
                row.feedback, row.feedback_at = value, at
                self._late_feedback.pop(request_id, None)
            return True
        self._late_feedback[request_id] = (value, at)  # kept until written
        task = asyncio.get_running_loop().create_task(
            self._feedback_update(request_id, value, at), name="querylog-feedback")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _ = await asyncio.wait({task}, timeout=self.feedback_wait)
        return task.result() if done else True

    async def _feedback_update(self, request_id: str, value: int, at: str) -> bool:
        async with self._write_lock:
            if self._late_feedback.get(request_id) != (value, at):
                return True  # written by a flush meanwhile, or replaced by a newer click
            try:
                known = await self._retrying(
                    "feedback", lambda: self._update_feedback(request_id, value, at))
            except sqlite3.Error:
                return True  # kept in _late_feedback for the next flush
            if self._late_feedback.get(request_id) == (value, at):
                del self._late_feedback[request_id]
            return known

    async def prune(self, now: datetime | None = None) -> int:
        """Delete rows older than ``retention_days`` (<= 0 keeps all); return how many."""
        if self._retention_days <= 0:
            return 0
        cutoff = format_ts((now or utcnow()) - timedelta(days=self._retention_days))
        async with atomic(self._conn):
            q = await self._conn.execute("DELETE FROM queries WHERE ts < ?", (cutoff,))
            a = await self._conn.execute("DELETE FROM admin_audit WHERE ts < ?", (cutoff,))
            deleted = max(q.rowcount, 0) + max(a.rowcount, 0)
        if deleted:
            logger.info("pruned %d log rows older than %d days", deleted, self._retention_days)
        return deleted

    async def forget_user(self, user_key: str, guild_id: int | str | None = None) -> int:
        """Delete every row (queries and admin audit) of ``user_key``; return how many.

        With ``guild_id``, only that server's rows (what a server's admin may erase from
        Discord); None erases the user everywhere (the operator's command line)."""
        await self._ensure_salt()
        guild = _opt_str(guild_id)

        def doomed(row: _Pending) -> bool:  # values[1] is the row's guild id
            return self._key(row) == user_key and (guild is None or row.values[1] == guild)

        scope, params = ("", (user_key,)) if guild is None else (
            " AND guild_id = ?", (user_key, guild))
        async with self._write_lock:
            self._drain_queue()
            keep = [r for r in self._buffer if not doomed(r)]
            dropped = len(self._buffer) - len(keep)
            for row in self._buffer:
                if doomed(row):
                    self._unwritten.pop(row.request_id, None)
            self._buffer[:] = keep
            async with atomic(self._conn, patience=FORGET_PATIENCE_SECONDS):
                q = await self._conn.execute(
                    f"DELETE FROM queries WHERE user_key = ?{scope}", params)
                a = await self._conn.execute(
                    f"DELETE FROM admin_audit WHERE user_key = ?{scope}", params)
                deleted = max(q.rowcount, 0) + max(a.rowcount, 0)
        logger.info("forgot a user%s: %d rows deleted",
                    "" if guild is None else f" in guild {guild}", deleted + dropped)
        return deleted + dropped

    async def run_daily_prune(self, interval: float = DAY_SECONDS) -> None:
        """Prune now and then every ``interval`` seconds, until cancelled."""
        while True:
            try:
                await self.prune()
            except (sqlite3.Error, ValueError) as exc:
                logger.error("query log prune failed: %s", exc)
            await asyncio.sleep(interval)

    # -- writer --------------------------------------------------------------------------

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

    # -- helpers -------------------------------------------------------------------------

    async def _ensure_salt(self) -> None:
        if self._salt is None and self._hash_users:
            self._salt = await load_salt(self._conn)

    def _key(self, row: _Pending) -> str | None:
        return None if row.user_id is None else self.user_key(row.user_id)

    def _params(self, row: _Pending) -> tuple[Any, ...]:
        v = row.values
        return (*v[:3], self._key(row), *v[3:], row.feedback, row.feedback_at, row.request_id)

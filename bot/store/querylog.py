"""The query log: one row per query, written in batches by a single background task.

:meth:`QueryLog.record` never blocks and never raises: it converts the record to plain
values and puts it on an unbounded :class:`asyncio.Queue`, which the writer
(:class:`~bot.store.writer.BatchWriter`: batches, retries, a bounded memory while the database
takes no writes, everything written on :meth:`~bot.store.writer.BatchWriter.close`) drains.
Feedback clicks never wait on the database either (see :meth:`QueryLog.record_feedback`);
:meth:`QueryLog.prune` applies retention and :meth:`QueryLog.forget_user` erases a user, rows
still in memory included.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.store.backend import Database, atomic, format_ts, hash_user, load_salt, utcnow
from bot.store.records import QueryLogStats, QueryRecord, _opt_str, _Pending, new_request_id
from bot.store.writer import COLUMNS, DEFAULT_MAX_PENDING, BatchWriter

__all__ = ["COLUMNS", "QueryLog", "QueryLogStats", "QueryRecord", "new_request_id"]

logger = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60.0
FEEDBACK_WAIT_SECONDS = 1.0  # a click waits this long for its update (then it runs on)
FORGET_PATIENCE_SECONDS = 120.0  # a forget (its reply deferred) waits out a locked database


class QueryLog(BatchWriter):
    """The query log: :meth:`record` queues a row for the writer (:class:`BatchWriter`);
    feedback, retention and forget on the same rows."""

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
        super().__init__(conn, batch_size=batch_size, flush_interval=flush_interval,
                         max_pending=max_pending)
        self.feedback_wait = FEEDBACK_WAIT_SECONDS
        self._hash_users = hash_users
        self._retention_days = retention_days
        self._salt: str | None = None

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

    def user_key(self, user_id: int | str) -> str:
        """The stored form of ``user_id``: a salted hash, or the raw id if hashing is off."""
        if not self._hash_users:
            return str(user_id)
        if self._salt is None:
            raise RuntimeError("QueryLog.start() must be awaited before hashing user ids")
        return hash_user(self._salt, user_id)

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

    # -- helpers -------------------------------------------------------------------------

    async def _ensure_salt(self) -> None:
        if self._salt is None and self._hash_users:
            self._salt = await load_salt(self._conn)

    def _key(self, row: _Pending) -> str | None:
        return None if row.user_id is None else self.user_key(row.user_id)

    def _params(self, row: _Pending) -> tuple[Any, ...]:
        v = row.values
        return (*v[:3], self._key(row), *v[3:], row.feedback, row.feedback_at, row.request_id)

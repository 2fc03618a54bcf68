"""``python -m bench querylog``: the query log on SQLite and on PostgreSQL, side by side.

For each backend: ``--rows`` queries recorded through the batched writer (``QueryLog``, the
bot's settings: batches of 200, a flush every second) as a burst that yields to the event
loop every 50 records (as the bot's handlers do), then closed (every row written). Printed:
``record()`` per call (p50/p99/max: it must stay non-blocking), rows written per second from
the first record to the close, and the latency of the log views ``archive-bot logs`` shows
(median of 5, over the full log). PostgreSQL is ``--url`` or a server of its own started
from Debian's programs as the tests do (tests/pg.py); results go to
bench/results-querylog.md with ``--write``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.store import views
from bot.store.backend import Database
from bot.store.db import open_database, utcnow
from bot.store.querylog import QueryLog, QueryRecord

RESULTS = Path(__file__).resolve().parent / "results-querylog.md"
VIEWS: dict[str, Callable[[Database], Awaitable[Any]]] = {
    "recent": lambda db: views.recent(db, limit=20),
    "top": lambda db: views.top(db, limit=20),
    "unanswered": lambda db: views.unanswered(db, limit=20),
    "slow (7 days)": lambda db: views.slow(db, days=7, limit=20),
    "stats (7 days)": lambda db: views.stats(db, days=7),
    "recent, one guild": lambda db: views.recent(db, limit=20, guild_id=3),
}


@dataclass
class Measured:
    backend: str
    rows: int
    seconds: float
    record_us: list[float] = field(default_factory=list)
    views_ms: dict[str, float] = field(default_factory=dict)
    written: int = 0

    def pct(self, q: float) -> float:
        data = sorted(self.record_us)
        return data[min(len(data) - 1, int(q * len(data)))]


def _records(n: int) -> list[QueryRecord]:
    now = utcnow()
    return [QueryRecord("search" if i % 3 else "ask", f"query number {i % 500} about things",
                        ts=now - timedelta(seconds=i * 7), guild_id=1 + i % 5, channel_id=9,
                        user_id=10**17 + i % 300, filters={"source": "x"} if i % 4 else {},
                        result_count=i % 6, found=i % 6 > 0, top_hits=[("doc_1", 2)],
                        latency_ms=float(i % 90), request_id=f"bench-{i}")
            for i in range(n)]


async def _measure(backend: str, target: Path | str, rows: int) -> Measured:
    db = await open_database(target)
    log = QueryLog(db, hash_users=True, batch_size=200, flush_interval=1.0, retention_days=0)
    await log.start()
    records = _records(rows)
    result = Measured(backend, rows, 0.0)
    clock = time.perf_counter_ns
    start = time.perf_counter()
    for i, rec in enumerate(records):
        t0 = clock()
        log.record(rec)
        result.record_us.append((clock() - t0) / 1000)
        if i % 50 == 49:
            await asyncio.sleep(0)  # the bot's handlers yield between interactions
    await log.close()
    result.seconds = time.perf_counter() - start
    result.written = log.stats.written
    for name, view in VIEWS.items():
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            await view(db)
            times.append((time.perf_counter() - t0) * 1000)
        result.views_ms[name] = statistics.median(times)
    await db.close()
    return result


def report(results: list[Measured]) -> str:
    names = [r.backend for r in results]
    lines = [f"| | {' | '.join(names)} |", "| --- |" + " --- |" * len(results)]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | {' | '.join(cells)} |")

    row("rows written", [f"{r.written:,} of {r.rows:,}" for r in results])
    row("rows/s (first record to close)", [f"{r.rows / r.seconds:,.0f}" for r in results])
    row("record() p50 µs", [f"{r.pct(0.5):.1f}" for r in results])
    row("record() p99 µs", [f"{r.pct(0.99):.1f}" for r in results])
    row("record() max µs", [f"{max(r.record_us):.0f}" for r in results])
    for name in VIEWS:
        row(f"logs view {name}, ms", [f"{r.views_ms[name]:.1f}" for r in results])
    return "\n".join(lines)


async def _run(rows: int, url: str | None) -> list[Measured]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await _measure("SQLite (file, WAL)", Path(tmp) / "bench.sqlite3", rows))
    server = None
    if url is None:
        from tests import pg  # the tests' own server: Debian's programs, a temporary folder

        started = pg.start(durable=True)
        if isinstance(started, str):
            print(f"PostgreSQL left out: {started}")
            return results
        server = started
        url = await pg.fresh_database(server)
    try:
        results.append(await _measure("PostgreSQL (asyncpg)", url, rows))
    finally:
        if server is not None:
            server.stop()
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench querylog", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--url", default=None,
                        help="a PostgreSQL database to write into (default: start a server)")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args(argv)
    results = asyncio.run(_run(args.rows, args.url))
    table = report(results)
    print(table)
    if args.write:
        RESULTS.write_text(
            "# The query log: SQLite and PostgreSQL side by side\n\n"
            f"`python -m bench querylog --rows {args.rows} --write`: {args.rows:,} queries "
            "recorded through the batched writer (batches of 200, a flush every second, a "
            "yield to the event loop every 50 records), closed, then the log views over the "
            "full log (median of 5). One machine (2 cores, shared); PostgreSQL 15 on the "
            "same machine over 127.0.0.1 with its default durability (fsync on), SQLite in "
            "WAL mode with Python's defaults.\n\n"
            f"{table}\n", encoding="utf-8")
    return 0

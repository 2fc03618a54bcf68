"""What a timeline and a CSV export cost, beside the /search they build on.

    python -m bench newsroom --paragraphs 100k [--queries 20] [--write]

On the bench archive (``python -m bench generate``; the index is built on first use), for
deterministic queries of every tier (common, middling and rare words: ``make_queries``), in
one process, each call timed ``--repeat`` times (median): ``/search`` (the page of 5),
``build_timeline`` (counting every matching paragraph per period), the chart
(``timeline_png``), and the export of ``exports.max_rows`` rows (``search_csv``: ranking,
the hits' text and the CSV). These are CPU seconds in the bot's pool, never on its event
loop. ``--write`` writes ``bench/results-newsroom.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.engine import bench_settings, machine, make_queries
from bench.generate import Params, archive_dir, generate, parse_size

HERE = Path(__file__).resolve().parent


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm: caches, first use of a code path
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(paragraphs: int, n_queries: int, repeat: int) -> dict[str, Any]:
    from bot.app.charts import timeline_png
    from bot.core.build import open_archive
    from bot.core.export import search_csv
    from bot.core.requests import SearchRequest
    from bot.core.snapshot import Snapshot
    from bot.core.timeline import TimelineRequest, build_timeline

    if not archive_dir(paragraphs).exists():
        generate(Params(paragraphs), archive_dir(paragraphs))
    settings = bench_settings(paragraphs)
    archive, _ = open_archive(settings)
    snap = Snapshot(archive)
    rows = []
    for query in make_queries(snap.index, snap.tokenizer, n=n_queries):
        search = SearchRequest.parse(settings, query)
        wanted = TimelineRequest.parse(settings, query)
        timeline = build_timeline(snap, wanted)
        built = search_csv(snap, search, settings.exports)
        rows.append({
            "query": query,
            "matches": snap.search(search).total,
            "unit": timeline.unit, "periods": len(timeline.periods),
            "search_ms": median_ms(lambda s=search: snap.search(s), repeat),
            "timeline_ms": median_ms(lambda w=wanted: build_timeline(snap, w), repeat),
            "chart_ms": (median_ms(lambda t=timeline: timeline_png(t), max(1, repeat // 3))
                         if not timeline.empty else None),
            "export_rows": built.rows,
            "export_mb": sum(len(p.data) for p in built.parts) / 2**20,
            "export_ms": median_ms(lambda s=search: search_csv(snap, s, settings.exports),
                                   max(1, repeat // 3)),
        })
    return {"paragraphs": paragraphs, "documents": len(snap.index.docs),
            "max_rows": settings.exports.max_rows, "repeat": repeat, "machine": machine(),
            "rows": rows}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(result: dict[str, Any]) -> str:
    load = result["machine"].get("loadavg_at_start")
    lines = [f"{result['paragraphs']:,} paragraphs, {result['documents']:,} articles; medians "
             f"of {result['repeat']} (chart and export: of {max(1, result['repeat'] // 3)}); "
             f"commit {result['machine'].get('commit')}, load average at start {load}",
             "",
             "| query | matches | /search ms | timeline ms | period | chart ms | export rows "
             "| export MB | export ms |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['query']} | {r['matches']} | {_ms(r['search_ms'])} | "
                     f"{_ms(r['timeline_ms'])} | {r['periods']} {r['unit']}s | "
                     f"{_ms(r['chart_ms'])} | {r['export_rows']} | {r['export_mb']:.2f} | "
                     f"{_ms(r['export_ms'])} |")
    rows = result["rows"]
    for key in ("search_ms", "timeline_ms", "chart_ms", "export_ms"):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            lines.append(f"\nmedian {key.removesuffix('_ms')}: {statistics.median(values):.1f} ms"
                         f" (max {max(values):.1f})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench newsroom", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=parse_size, default=100_000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--write", action="store_true",
                    help="write bench/results-newsroom.md and .json")
    args = ap.parse_args(argv)
    result = measure(args.paragraphs, args.queries, args.repeat)
    text = table(result)
    print(text)
    if args.write:
        (HERE / "results-newsroom.json").write_text(json.dumps(result, indent=2) + "\n",
                                                    encoding="utf-8")
        (HERE / "results-newsroom.md").write_text("# Timeline and CSV export\n\n" + text,
                                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``archive-bot timeline`` (a topic's matching articles per period) and ``archive-bot
export`` (a search's matching paragraphs as CSV)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import add_filter_options, load_archive
from bot.config import with_section
from bot.core.export import ENCODING, records_csv, search_csv
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot
from bot.core.timeline import Timeline, TimelineRequest, build_timeline, timeline_rows
from bot.errors import QueryError

FORMATS = ("text", "png", "csv", "json")
BAR_WIDTH = 40


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("timeline", parents=[parent], help="a topic's matching articles per period",
                       description="Count the articles (and paragraphs) matching a topic per "
                                   "week, month or year, as /timeline does.")
    p.add_argument("topic", help="words to count (matched as search matches them)")
    add_filter_options(p)
    p.add_argument("--format", dest="timeline_format", choices=FORMATS, default="text",
                   help="text (default), png (the chart; needs --out), csv or json")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write to FILE instead of standard output")
    p.set_defaults(handler=cmd_timeline)

    p = sub.add_parser("export", parents=[parent], help="a search's matching paragraphs as CSV",
                       description="Every paragraph matching a query (ranked as search ranks "
                                   "them, at most exports.max_rows) as CSV.")
    p.add_argument("query", help="words to search for")
    add_filter_options(p)
    p.add_argument("--max-rows", type=int, default=None, metavar="N",
                   help="at most N rows (default exports.max_rows)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write to FILE (UTF-8 with a byte-order mark) instead of standard output")
    p.set_defaults(handler=cmd_export)


def _write(out: Path | None, data: bytes | str) -> None:
    if out is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode(ENCODING))
        return
    try:
        out.write_bytes(data.encode() if isinstance(data, str) else data)
    except OSError as exc:
        raise QueryError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}", file=sys.stderr)


def _snapshot(args: argparse.Namespace) -> Snapshot:
    archive, _ = load_archive(args)
    return Snapshot(archive)


def cmd_timeline(args: argparse.Namespace) -> int:
    if args.timeline_format == "png" and args.out is None:
        raise QueryError("--format png needs --out FILE")
    snapshot = _snapshot(args)
    request = TimelineRequest.parse(snapshot.settings, args.topic, args.date_from,
                                    args.date_to, args.source)
    timeline = build_timeline(snapshot, request)
    fmt = args.timeline_format
    if fmt == "json":
        _write(args.out, json.dumps(timeline_json(timeline), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        rows = timeline_rows(timeline)
        built = records_csv(rows, with_section(snapshot.settings, "exports", max_parts=1,
                                               max_file_bytes=1 << 40).exports)
        _write(args.out, built.parts[0].data if rows else b"")
    elif fmt == "png":
        if timeline.empty:
            raise QueryError(f"No dated article matches {timeline.topic!r}: no chart written"
                             + (f" ({timeline.undated_note()})" if timeline.undated_note()
                                else ""))
        from bot.app.charts import timeline_png  # matplotlib only for a chart

        _write(args.out, timeline_png(timeline))
    else:
        _write(args.out, timeline_text(timeline, searched=len(snapshot.index.docs)))
    return 0


def timeline_json(t: Timeline) -> dict[str, Any]:
    return {
        "topic": t.topic, "unit": t.unit, "title": t.title(),
        "articles": t.dated_articles, "paragraphs": t.dated_paragraphs,
        "undated_articles": t.undated_articles, "undated_paragraphs": t.undated_paragraphs,
        "periods": [r for r in timeline_rows(t) if r["period"] != "undated"],
        "busiest": t.busiest.label if t.busiest else None,
        "top": [{"doc_id": h.doc_id, "title": h.title, "source": h.source, "date": h.date,
                 "paragraph": h.paragraph, "score": h.score, "citation": h.citation.label()}
                for h in t.top],
    }


def timeline_text(t: Timeline, *, searched: int) -> str:
    if t.empty:
        text = f'No dated article matches "{t.topic}" (searched {searched} articles).'
        note = t.undated_note()
        return text + (f" {t.undated_articles} undated match.\n" if note else "\n")
    lines = [t.title(), ""]
    peak = max(p.articles for p in t.periods) or 1
    width = max(len(p.label) for p in t.periods)
    for p in t.periods:
        bar = "#" * round(BAR_WIDTH * p.articles / peak)
        lines.append(f"  {p.label:<{width}}  {bar:<{BAR_WIDTH}} {p.articles} "
                     f"({p.paragraphs} paragraphs)")
    lines += ["", f"{t.dated_articles} articles, {t.dated_paragraphs} paragraphs"]
    if t.undated_note():
        lines.append(f"{t.undated_note()}")
    if t.busiest is not None:
        lines += ["", f"Busiest {t.unit}: {t.busiest.label}"]
        lines += [f"  [{n}] {h.citation.label()}" for n, h in enumerate(t.top, start=1)]
    return "\n".join(lines) + "\n"


def cmd_export(args: argparse.Namespace) -> int:
    snapshot = _snapshot(args)
    settings = snapshot.settings
    if args.max_rows is not None and args.max_rows < 1:
        raise QueryError("--max-rows must be at least 1")
    request = SearchRequest.parse(settings, args.query, None, args.date_from, args.date_to,
                                  args.source)
    exports = with_section(settings, "exports", max_parts=1, max_file_bytes=1 << 40,
                           max_rows=args.max_rows or settings.exports.max_rows).exports
    built = search_csv(snapshot, request, exports)
    _write(args.out, built.parts[0].data)
    print(f"{built.describe('matching paragraphs')}", file=sys.stderr)
    return 0

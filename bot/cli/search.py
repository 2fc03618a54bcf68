"""``archive-bot index`` and ``archive-bot search``."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from bot.cli.common import (
    add_filter_options,
    add_json_option,
    highlight,
    load_archive,
    print_json,
)
from bot.cli.output import wrap
from bot.config import Settings, with_section
from bot.core.build import BuildReport
from bot.core.index import ArchiveIndex
from bot.core.models import SearchHit, SearchResult, Skipped
from bot.core.requests import SearchRequest
from bot.core.shard_storage import open_generation, shards_root
from bot.runtime.service import ArchiveService, serve
from bot.runtime.workers import save_index


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("index", parents=[parent], help="build or update the index",
                       description="Build the paragraph index (incremental unless --full).")
    p.add_argument("--full", action="store_true", help="re-parse every file")
    p.add_argument("--verify", action="store_true",
                   help="check every saved file's SHA-256 instead of rebuilding; a corrupt "
                        "index is reported and rebuilt")
    p.add_argument("--watch", type=float, nargs="?", const=10.0, default=None, metavar="SECONDS",
                   help="keep running and reindex when the archive changes (check every "
                        "SECONDS, default 10)")
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("search", parents=[parent], help="ranked paragraphs for a query",
                       description="Search the archive's paragraphs (BM25).")
    p.add_argument("query", help="words to search for (at most 300 characters)")
    p.add_argument("--limit", type=int, default=None, help="number of results (default 5)")
    add_filter_options(p)
    add_json_option(p)
    p.set_defaults(handler=cmd_search)


def cmd_index(args: argparse.Namespace) -> int:
    if args.verify:
        return _verify(args)
    archive, report = load_archive(args, rebuild=True, full=args.full)
    reporter = ReportPrinter()
    reporter(report)
    write_shards(archive.settings, archive.index)
    if archive.postings_scorer is not None and archive.postings_scorer.kernel is None:
        print("scoring: numpy (the compiled kernel was not built: reinstall with a C compiler "
              "for faster queries)")
    if args.watch is not None:
        # the shards are written after each reindex; no shard actors are started here
        settings = with_section(archive.settings, "index", engine="postings")
        service = ArchiveService(settings, archive)
        print(f"watching {archive.settings.archive.path} every {args.watch:g} s (Ctrl-C stops)",
              flush=True)

        def report_and_shard(report: BuildReport) -> None:
            reporter(report)
            write_shards(archive.settings, service.current.index)

        service.watch(args.watch, threading.Event(), on_report=report_and_shard)
    return 0


def write_shards(settings: Settings, index: ArchiveIndex) -> None:
    """The index's shards (``index.shards``; the ray engine serves them), unless the current
    ones are of this index."""
    if settings.index.engine == "ray" or settings.index.shards > 1:
        gen = open_generation(index, settings.index.shards, shards_root(settings.index.path),
                              save=save_index)
        print(f"shards: {settings.index.shards} ({gen.name})")


def _verify(args: argparse.Namespace) -> int:
    """``index --verify``: a verifying load; a corrupt or stale index is rebuilt."""
    archive, report = load_archive(args, verify=True)
    saved = archive.index.saved
    if report.action == "loaded" and saved is not None:
        print(f"verified: {len(saved.checks)} files of {saved.folder.name} match the "
              "manifest's SHA-256")
        return 0
    print(f"rebuilt: {report.reason}")
    ReportPrinter()(report)
    return 0


class ReportPrinter:
    """Prints build reports; a skipped file is listed once, and again only when it changed
    (``--watch`` prints a report per reindex)."""

    def __init__(self) -> None:
        self._listed: set[Skipped] = set()
        self._noted: set[str] = set()

    def __call__(self, report: BuildReport) -> None:
        print(f"documents: {report.documents}")
        print(f"paragraphs: {report.paragraphs}")
        parts = [f"{report.reused} unchanged"] if report.reused or not report.reparsed else []
        if report.reparsed:
            parts.append(f"{report.reparsed} re-parsed in full")
        parts += [f"{len(report.added)} added", f"{len(report.changed)} changed",
                  f"{len(report.removed)} removed"]
        print(f"files: {report.files} ({', '.join(parts)})")
        touched = {*report.added, *report.changed}
        new = [s for s in report.skipped if s not in self._listed or s.path in touched]
        known = len(report.skipped) - len(new)
        print(f"skipped: {len(report.skipped)}"
              + (f" ({known} listed before, unchanged)" if known else ""))
        for skip in new:
            print(f"  {skip}")
        self._listed.update(report.skipped)
        fresh = [n for n in report.notes if n not in self._noted]
        if fresh:
            print(f"encodings: {len(fresh)} files not in UTF-8")
            for note in fresh:
                print(f"  {note}")
        self._noted.update(report.notes)
        if report.split:
            print(f"split: {report.split} over-long paragraphs split (archive.max_paragraph_chars)")
        print(f"time: {report.seconds:.2f} s", flush=True)


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "doc_id": hit.doc_id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "paragraph": hit.paragraph,
        "score": hit.score,
        "text": hit.text,
        "citation": hit.citation.label(),
    }


def search_json(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "total": result.total,
        "took_ms": round(result.took_ms, 3),
        "results": [hit_json(h) for h in result.hits],
        **({"shards": {"answered": result.shards.answered, "total": result.shards.total}}
           if result.shards is not None else {}),
    }


def cmd_search(args: argparse.Namespace) -> int:
    archive, _ = load_archive(args)
    wanted = SearchRequest.parse(archive.settings, args.query, args.limit, args.date_from,
                                 args.date_to, args.source)
    if archive.settings.index.engine == "ray":  # the shards' actors answer
        result = serve(archive.index, archive.settings, archive.tokenizer).search(wanted)
    else:
        result = archive.search(wanted)
    if args.json:
        print_json(search_json(result))
        return 0
    if not result.hits:
        print(f'No paragraph matches "{result.query}" '
              f"(searched {len(archive.index.docs)} articles).")
        return 0
    partial = f", {result.shards.describe()}" if result.shards and result.shards.partial else ""
    print(f'{len(result.hits)} of {result.total} matching paragraphs for "{result.query}" '
          f"({result.took_ms:.1f} ms{partial})\n")
    for n, hit in enumerate(result.hits, start=1):
        print(f"[{n}] {hit.citation.label()}  (score {hit.score:.2f})")
        print(wrap(highlight(hit.text, archive.tokenizer, result.terms)))
        print()
    return 0

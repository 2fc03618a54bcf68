"""Executing a plan: each file's :class:`ParsedFile`, in archive order, parsed or reused.

Files to parse go through the host's map (serial ``map`` in the core, worker processes at
run time), a large jsonl file as several jobs whose parts are passed on one by one, each as
soon as it is ready; an unchanged file is rebuilt from the previous index (its paragraphs,
its terms from the postings, its quotations from the quotation table), without reading it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from bot.core import ingest
from bot.core.build.analyse import Analysis, FileProgress, ParsedPart, ParseJob
from bot.core.build.host import SERIAL, FileMapper
from bot.core.build.plan import BuildPlan, FileTask
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, Progress, paragraph_terms
from bot.core.ingest.parts import WHITESPACE
from bot.core.models import Article, Skipped
from bot.core.quotations import Quotation
from bot.errors import ArchiveBotError

# on_done(files, part): ``files`` of the files to parse are done, and ``part`` (0..1) of the
# next one (moves only in-process, where one large file is read).
OnDone = Callable[[int, float], None]


class BuildError(ArchiveBotError):
    """A build broke one of its own invariants (a bug, never bad input)."""


def _reused_quotations(previous: ArchiveIndex, plan: BuildPlan) -> dict[int, list[Quotation]]:
    """The previous index's quotations of every reused file's articles, by article."""
    documents = [previous.doc_lookup[d] for t in plan.tasks if not t.parse and t.previous
                 for d in t.previous.docs]
    out: dict[int, list[Quotation]] = {}
    for q in previous.quotations.of_documents(documents):
        out.setdefault(q.document, []).append(q)
    return out


def reuse(previous: ArchiveIndex, task: FileTask,
          quotations: dict[int, list[Quotation]]) -> ParsedFile:
    """An unchanged file's ParsedFile from the previous index."""
    old = task.previous
    if old is None:
        raise BuildError(f"{task.entry.path}: planned for reuse but not in the previous index")
    articles: list[Article] = []
    terms: list[list[str]] = []
    mine: list[Quotation] = []
    for position, doc_id in enumerate(old.docs):
        index = previous.doc_lookup[doc_id]
        doc = previous.docs[index]
        articles.append(Article(doc.doc_id, doc.title, tuple(previous.paragraphs_of(doc)),
                                doc.path, doc.date, doc.source, doc.author, doc.url))
        terms.extend(paragraph_terms(previous, doc.first + i) for i in range(doc.count))
        mine.extend(q.rebased(position) for q in quotations.get(index, ()))
    entry = task.entry
    split = previous.extras.get("split", {}).get(entry.path, 0)
    return ParsedFile(
        FileEntry(entry.path, entry.sha256, entry.size, entry.mtime_ns, old.docs, old.skipped,
                  old.notes),
        tuple(articles), tuple(terms), tuple(mine), split, reused=True,
    )


def _parts(root: Path, entry: FileEntry) -> int:
    """How many parts to read a file in: a large jsonl file of plain UTF-8 in several
    (:mod:`bot.core.ingest.parts`), any other in one."""
    parts = ingest.part_count(entry.path, entry.size)
    return parts if parts > 1 and ingest.plain_utf8(root / entry.path) else 1


def _jobs(tasks: Sequence[FileTask], parts: Sequence[int],
          on_done: OnDone | None) -> list[ParseJob]:
    """One job per file, or per part of a file read in parts."""
    jobs: list[ParseJob] = []
    for n, (task, count) in enumerate(zip(tasks, parts, strict=True)):
        jobs.extend(
            ParseJob(task.entry,
                     FileProgress(on_done, n, k, count) if on_done is not None else None,
                     k, count)
            for k in range(count))
    return jobs


def _file_results(results: Iterator[ParsedFile | ParsedPart], entry: FileEntry,
                  parts: int) -> Iterator[ParsedFile]:
    """The next file's ParsedFile from the map's results, or each of its ``parts`` in order
    (each as soon as it is ready: the parts of a large file are never all held at once)."""
    first = next(results, None)
    if first is None:
        return
    if not isinstance(first, ParsedPart):
        yield first
        return
    found = False
    more: ParsedFile | ParsedPart | None = first
    for k in range(parts):
        if k:
            more = next(results, None)
        if not isinstance(more, ParsedPart) or more.parsed.entry.path != entry.path:
            raise BuildError(f"the file map returned no part {k + 1} of {entry.path}")
        pf = more.parsed
        found = found or bool(pf.articles or pf.entry.skipped)
        if k == parts - 1 and not found and more.blank:
            pf = dataclasses.replace(pf, entry=dataclasses.replace(
                pf.entry, skipped=(Skipped(entry.path, WHITESPACE),)))
        yield dataclasses.replace(pf, part=k, lines=more.lines)


def execute(
    plan: BuildPlan,
    analysis: Analysis,
    previous: ArchiveIndex | None = None,
    *,
    parse_map: FileMapper = SERIAL.parse_map,
    on_done: OnDone | None = None,
) -> Iterator[ParsedFile]:
    """Every planned file's ParsedFile, in plan order: each parsed one as soon as the map
    returns it (so a caller can index it and drop it), each reused one from ``previous``."""
    to_parse = plan.to_parse
    quotations = _reused_quotations(previous, plan) if previous is not None else {}
    parts = [_parts(analysis.root, task.entry) for task in to_parse]
    results = iter(parse_map(analysis, _jobs(to_parse, parts, on_done)))
    done = 0
    try:
        for task in plan.tasks:
            if not task.parse:
                if previous is None:
                    raise BuildError(f"{task.entry.path}: reuse planned without an index")
                yield reuse(previous, task, quotations)
                continue
            where = f"for {task.entry.path} (file {done + 1} of {len(to_parse)})"
            returned = False
            for parsed in _file_results(results, task.entry, parts[done]):
                if parsed.entry.path != task.entry.path:
                    raise BuildError(f"the file map returned {parsed.entry.path} {where}")
                returned = True
                yield parsed
            if not returned:
                raise BuildError(f"the file map returned nothing {where}")
            done += 1
            if on_done is not None:
                on_done(done, 0.0)
        if next(results, None) is not None:
            raise BuildError(f"the file map returned more than the {len(to_parse)} files")
    finally:
        # Run the map past its end (or stop it) now, so a worker pool shuts down here, not
        # when it is garbage collected.
        close = getattr(results, "close", None)
        if close is not None:
            close()


def byte_progress(plan: BuildPlan, progress: Progress | None) -> OnDone | None:
    """``on_done`` for :func:`execute` reporting ``progress("parse", bytes, total)``: the
    bytes of the files done (reused files count as done from the start), so one large file
    moves the bar too."""
    if progress is None:
        return None
    sizes = [t.entry.size for t in plan.to_parse]
    total = sum(t.entry.size for t in plan.tasks)
    finished = [0, total - sum(sizes)]  # files finished, their bytes (plus the reused files')
    progress("parse", finished[1], total)

    def on_done(files: int, part: float) -> None:
        while finished[0] < files:
            finished[1] += sizes[finished[0]]
            finished[0] += 1
        current = sizes[files] * part if files < len(sizes) else 0
        progress("parse", finished[1] + int(current), total)

    return on_done

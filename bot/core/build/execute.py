"""Executing a plan: each file's :class:`ParsedFile`, in archive order, parsed or reused.

Files to parse go through the host's map (serial ``map`` in the core, worker processes at
run time); an unchanged file is rebuilt from the previous index (its paragraphs, its terms
from the tf matrix, its quotations from the quotation table), without reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from bot.core.build.analyse import Analysis, FileProgress, ParseJob
from bot.core.build.host import SERIAL, FileMapper
from bot.core.build.plan import BuildPlan, FileTask
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, Progress, paragraph_terms
from bot.core.models import Article
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


def _jobs(tasks: Sequence[FileTask], on_done: OnDone | None) -> list[ParseJob]:
    return [ParseJob(t.entry, FileProgress(on_done, n) if on_done is not None else None)
            for n, t in enumerate(tasks)]


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
    results = iter(parse_map(analysis, _jobs(to_parse, on_done)))
    done = 0
    try:
        for task in plan.tasks:
            if not task.parse:
                if previous is None:
                    raise BuildError(f"{task.entry.path}: reuse planned without an index")
                yield reuse(previous, task, quotations)
                continue
            parsed = next(results, None)
            if parsed is None or parsed.entry.path != task.entry.path:
                got = "nothing" if parsed is None else parsed.entry.path
                raise BuildError(f"the file map returned {got} for {task.entry.path} "
                                 f"(file {done + 1} of {len(to_parse)})")
            done += 1
            if on_done is not None:
                on_done(done, 0.0)
            yield parsed
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

"""Assembling the index: each file's articles accepted (the one duplicate-id rule, then
the metadata file), indexed as they arrive, and the BM25 matrix and quotation table built.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from bot.config import BM25Settings
from bot.core import ingest
from bot.core.build.scan import Scan
from bot.core.fileterms import FileTerms
from bot.core.index import ArchiveIndex, IndexBuilder, ParsedFile, Progress
from bot.core.ingest import DocIds, Metadata
from bot.core.ingest.ids import DUPLICATE
from bot.core.models import Article, Skipped
from bot.core.quotations import Quotation
from bot.core.tokenize import Tokenizer

log = logging.getLogger(__name__)


def accept(pf: ParsedFile, ids: DocIds, metadata: Metadata) -> ParsedFile:
    """``pf`` with its articles whose id another file owns skipped (reported in its entry),
    the metadata file applied to the others (a reused file has it already), and its entry's
    ``docs`` set to the articles kept."""
    skips = list(pf.entry.skipped)
    kept: dict[int, Article] = {}  # position in the file -> article kept
    for position, article in enumerate(pf.articles):
        duplicate = _claim(ids, article.doc_id, pf.entry.path,
                           pf.lines[position] if pf.lines else None)
        if duplicate is not None:
            skips.append(duplicate)
            continue
        if metadata and not pf.reused:
            article = ingest.apply_metadata(article, metadata.fields_for(article.doc_id))
        kept[position] = article
    for skip in skips[0 if not pf.reused else len(pf.entry.skipped):]:
        log.info("skipped %s", skip)  # reported once, by the caller, from the report
    entry = dataclasses.replace(pf.entry, docs=tuple(a.doc_id for a in kept.values()),
                                skipped=tuple(skips))
    if len(kept) == len(pf.articles):
        return dataclasses.replace(pf, entry=entry, articles=tuple(kept.values()))
    return dataclasses.replace(
        pf, entry=entry, articles=tuple(kept.values()),
        terms=kept_terms(pf, kept) if pf.terms is not None else None,
        quotations=kept_quotations(pf.quotations, kept))


def _claim(ids: DocIds, doc_id: str, path: str, line: int | None) -> Skipped | None:
    """``ids.claim``; a part's article gives its line when the id is its own file's (one pass
    over the file reports that line), not when another file owns the id."""
    duplicate = ids.claim(doc_id, path, line)
    if duplicate is not None and duplicate.reason != DUPLICATE:
        return dataclasses.replace(duplicate, line=None)
    return duplicate


def kept_terms(pf: ParsedFile, kept: dict[int, Article]) -> FileTerms | tuple[Any, ...]:
    terms = pf.terms or ()
    spans: list[range] = []
    first = 0
    for position, article in enumerate(pf.articles):
        n = len(article.paragraphs)
        if position in kept:
            spans.append(range(first, first + n))
        first += n
    if isinstance(terms, FileTerms):
        return terms.select(spans)
    return tuple(t for span in spans for t in terms[span.start:span.stop])


def kept_quotations(quotations: Iterable[Quotation],
                     kept: dict[int, Article]) -> tuple[Quotation, ...]:
    """The quotations of the articles kept, renumbered as they are (a table's rows decoded:
    only a file with a duplicate id comes here)."""
    renumbered = {old: new for new, old in enumerate(kept)}
    return tuple(q.rebased(renumbered[q.document]) for q in quotations
                 if q.document in renumbered)


def assemble(
    parsed: Iterable[ParsedFile],
    scanned: Scan,
    metadata: Metadata,
    tokenizer: Tokenizer,
    bm25: BM25Settings,
    *,
    ingest_params: dict[str, Any],
    progress: Progress | None = None,
    release_memory: Callable[[], None] | None = None,
) -> ArchiveIndex:
    """The index of ``parsed`` (in archive order: the first file to claim an id keeps it).
    Each file is indexed as soon as it arrives and dropped, instead of holding every file's
    articles and terms at once; ``release_memory`` runs before the matrices are computed."""
    builder = IndexBuilder(tokenizer, bm25)
    ids = DocIds()
    split: dict[str, int] = {}
    for pf in parsed:
        accepted = accept(pf, ids, metadata)
        if accepted.split:
            path = accepted.entry.path
            split[path] = split.get(path, 0) + accepted.split
        builder.add(accepted)
        del pf, accepted
    if progress is not None:
        progress("index", 0, 1)
    if release_memory is not None:
        release_memory()
    index = builder.finish(scanned.metadata_sha256)
    if progress is not None:
        progress("index", 1, 1)
    index.extras["metadata_sha256"] = scanned.metadata_sha256
    index.extras["ingest"] = ingest_params
    index.extras["split"] = split
    # What was left out besides files' own problems: folders, links, special files, the
    # metadata file and its entries. Kept with the index so a loaded index reports it too.
    problems = [*scanned.skipped, *metadata.problems, *metadata.unmatched(ids.owned)]
    index.extras["skipped"] = [dataclasses.asdict(p) for p in problems]
    for problem in problems:
        log.info("skipped %s", problem)  # reported once, by the caller, from the report
    return index


"""From an archive folder to a ready :class:`Archive`: scan, parse, build, save, load.

``open_archive`` is what start-up calls: it loads the saved index when its parameters and
the archive's content fingerprint still match, and otherwise (no index, a corrupt or foreign
one, a changed archive) builds a new one and saves it. ``build`` is incremental: a file whose
content hash is unchanged reuses its parsed paragraphs and tokens from the previous index.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import ingest
from bot.core.analyse import FileAnalysis, analyse_file, analyse_files
from bot.core.index import (
    ArchiveIndex,
    FileEntry,
    IndexBuilder,
    ParsedFile,
    Progress,
    fingerprint,
    index_params,
    paragraph_terms,
)
from bot.core.models import Article, Skipped
from bot.core.search import Archive
from bot.core.storage import file_sha256, load_index, save_index
from bot.core.tokenize import Tokenizer
from bot.errors import IndexFormatError, IngestError

log = logging.getLogger(__name__)

METADATA_NAMES = ("metadata.yaml", "metadata.yml", "metadata.json")


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What opening or rebuilding the index did, for the CLI and the admin reply."""

    action: str  # "loaded", "built" or "rebuilt"
    reason: str | None
    documents: int
    paragraphs: int
    files: int
    skipped: tuple[Skipped, ...]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reused: int = 0
    seconds: float = 0.0
    reparsed: int = 0  # unchanged files parsed again (a full rebuild, or changed settings)
    split: int = 0  # over-long paragraphs split at archive.max_paragraph_chars

    def summary(self) -> str:
        text = (
            f"{self.action} index: {self.documents} documents, {self.paragraphs} paragraphs "
            f"from {self.files} files, {len(self.skipped)} skipped, {self.seconds:.2f} s"
        )
        if self.split:
            text += f", {self.split} over-long paragraphs split"
        if self.action != "loaded":
            text += (
                f" (added {len(self.added)}, changed {len(self.changed)}, "
                f"removed {len(self.removed)}, reused {self.reused}, re-parsed {self.reparsed})"
            )
        return text


@dataclass(slots=True)
class _Scan:
    files: list[tuple[Path, FileEntry]] = field(default_factory=list)
    metadata: Path | None = None
    metadata_sha256: str | None = None
    # Folders, links and special files left out, and a metadata file that cannot be read.
    skipped: list[Skipped] = field(default_factory=list)


# Bumped when ingestion changes what it makes of the same files (v2: control characters
# and bidi overrides stripped, paragraphs capped), so an index built before is re-parsed.
INGEST_VERSION = 2


def ingest_params(settings: Settings) -> dict[str, Any]:
    """The ingestion settings an index was built with; a change re-parses every file."""
    return {"version": INGEST_VERSION,
            "max_paragraph_chars": settings.archive.max_paragraph_chars}


def _metadata_name(meta: Path, root: Path) -> str:
    """How reports name the metadata file: relative to the archive when inside it."""
    try:
        return meta.relative_to(root).as_posix()
    except ValueError:
        return str(meta)


def metadata_path(settings: Settings) -> Path | None:
    if settings.archive.metadata is not None:
        return settings.archive.metadata
    for name in METADATA_NAMES:
        candidate = settings.archive.path / name
        if candidate.is_file():
            return candidate
    return None


def scan(settings: Settings, previous: ArchiveIndex | None = None) -> _Scan:
    """Stat every archive file; hash only those whose size or mtime changed since
    ``previous`` (the git approach), so checking a large unchanged archive is cheap."""
    root = settings.archive.path
    if not root.is_dir():
        raise IngestError(f"archive folder {root} does not exist or is not a folder")
    known = {f.path: f for f in previous.files} if previous else {}
    meta = metadata_path(settings)
    result = _Scan(metadata=meta)
    if meta is not None:
        problem = None
        if not meta.exists():
            problem = "metadata file not found"
        elif not meta.is_file():
            problem = "metadata file is not a regular file"
        else:
            try:
                result.metadata_sha256 = file_sha256(meta)
            except OSError as exc:
                problem = f"cannot read metadata file ({exc.strerror or exc})"
        if problem is not None:
            result.skipped.append(Skipped(_metadata_name(meta, root),
                                          f"{problem}; no metadata applied"))
            result.metadata = None
    listing = ingest.list_archive(root, meta,
                                  follow_symlinks=settings.archive.follow_symlinks)
    result.skipped.extend(listing.skipped)
    for path in listing.files:
        rel = path.relative_to(root).as_posix()
        try:
            st = path.stat()
            old = known.get(rel)
            if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
                sha = old.sha256
            else:
                sha = file_sha256(path)
        except OSError as exc:
            sha = f"unreadable:{exc.errno}"
            st = os.stat_result((0,) * 10)
        result.files.append((path, FileEntry(rel, sha, st.st_size, st.st_mtime_ns)))
    return result


def fingerprint_now(settings: Settings, previous: ArchiveIndex | None = None) -> str:
    """The archive's content fingerprint as it is on disk now."""
    scanned = scan(settings, previous)
    return fingerprint([e for _, e in scanned.files], scanned.metadata_sha256)


def _old_quotes(previous: ArchiveIndex) -> dict[str, list[list[Any]]]:
    """The previous index's quotation rows per doc_id, paragraphs relative to the article."""
    out: dict[str, list[list[Any]]] = {}
    for row in previous.extras.get("quotes", []):
        doc = previous.docs[row[2]]
        out.setdefault(doc.doc_id, []).append([*row[:2], 0, row[3] - doc.first, *row[4:]])
    return out


def _reuse(previous: ArchiveIndex, entry: FileEntry, old: FileEntry,
           old_quotes: dict[str, list[list[Any]]]) -> ParsedFile:
    """Rebuild a ParsedFile for an unchanged file from the previous index."""
    articles: list[Article] = []
    terms: list[list[str]] = []
    for doc_id in old.docs:
        doc = previous.docs[previous.doc_lookup[doc_id]]
        articles.append(
            Article(doc.doc_id, doc.title, tuple(previous.paragraphs_of(doc)), doc.path,
                    doc.date, doc.source, doc.author, doc.url)
        )
        terms.extend(paragraph_terms(previous, doc.first + i) for i in range(doc.count))
    reused_entry = FileEntry(entry.path, entry.sha256, entry.size, entry.mtime_ns,
                             old.docs, old.skipped)
    quotes = tuple(tuple(old_quotes.get(d, ())) for d in old.docs)
    return ParsedFile(reused_entry, tuple(articles), tuple(terms), quotes)


def _parsed(entry: FileEntry, result: FileAnalysis,
            metadata: ingest.Metadata, seen: set[str]) -> ParsedFile:
    """A worker's analysis of one file, checked for duplicate ids, metadata applied.

    Each paragraph's terms stay the worker's one space-joined string (split while indexing):
    splitting them all here made ~37M separate str objects at 1M paragraphs (~2.5 GB)."""
    kept: list[Article] = []
    terms: list[str] = []
    quotes: list[tuple[list[Any], ...]] = []
    skips = list(result.skipped)
    first = 0
    for article, rows in zip(result.articles, result.quotes, strict=True):
        span = result.terms[first:first + len(article.paragraphs)]
        first += len(article.paragraphs)
        if article.doc_id in seen:
            skips.append(Skipped(entry.path, f"duplicate document id {article.doc_id!r}"))
            continue
        seen.add(article.doc_id)
        if metadata:
            article = ingest.apply_metadata(article, metadata.fields_for(article.doc_id))
        kept.append(article)
        terms.extend(span)
        quotes.append(rows)
    for skip in skips:
        log.info("skipped %s", skip)  # reported once, by the caller, from the report
    return ParsedFile(
        FileEntry(entry.path, entry.sha256, entry.size, entry.mtime_ns,
                  tuple(a.doc_id for a in kept), tuple(skips)),
        tuple(kept), tuple(terms), tuple(quotes),
    )


def _trim_heap() -> None:
    """Give freed heap pages back to the OS (glibc ``malloc_trim``): the holes every file's
    dropped articles left would otherwise stay resident while the matrices are computed."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def build(
    settings: Settings,
    tokenizer: Tokenizer,
    previous: ArchiveIndex | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    reason: str | None = None,
) -> tuple[ArchiveIndex, BuildReport]:
    """Build an index of the archive; incremental against ``previous`` unless ``full``."""
    started = time.perf_counter()
    scanned = scan(settings, previous)
    # Files of the previous index, to report added/changed/removed even on a full rebuild.
    old_files = {f.path: f for f in previous.files} if previous else {}
    if previous is not None and (
        full
        or previous.params != index_params(tokenizer, settings.bm25)
        or previous.extras.get("metadata_sha256") != scanned.metadata_sha256
        or previous.extras.get("ingest") != ingest_params(settings)
    ):
        previous = None  # parameters or per-document metadata changed: parse everything
    root = settings.archive.path
    cap = settings.archive.max_paragraph_chars
    metadata = (ingest.load_metadata(scanned.metadata, _metadata_name(scanned.metadata, root))
                if scanned.metadata else ingest.Metadata())
    old_split: dict[str, int] = previous.extras.get("split", {}) if previous is not None else {}
    split: dict[str, int] = {}
    old_quotes = _old_quotes(previous) if previous is not None else {}
    total = len(scanned.files)
    reuse: dict[str, FileEntry] = {}
    if previous is not None:
        for _, entry in scanned.files:
            old = old_files.get(entry.path)
            if old is not None and old.sha256 == entry.sha256:
                reuse[entry.path] = old
    to_parse = [(path, entry) for path, entry in scanned.files if entry.path not in reuse]
    # "parse" progress counts bytes, so one large file moves the bar too.
    sizes = [e.size for _, e in to_parse]
    total_bytes = sum(e.size for _, e in scanned.files)
    reused_bytes = total_bytes - sum(sizes)
    finished = [0, reused_bytes]  # files finished, their bytes (plus the reused files')
    if progress is not None:
        progress("parse", reused_bytes, total_bytes)

    def parsed_one(files: int, part: float) -> None:
        while finished[0] < files:
            finished[1] += sizes[finished[0]]
            finished[0] += 1
        if progress is not None:
            current = sizes[files] * part if files < len(sizes) else 0
            progress("parse", finished[1] + int(current), total_bytes)

    # Each file's analysis is indexed as soon as it arrives (in archive order) and dropped,
    # instead of holding every file's articles and terms at once.
    results = iter(zip(
        [e.path for _, e in to_parse],
        analyse_files([p for p, _ in to_parse], [e.size for _, e in to_parse],
                      settings.archive.path, settings.tokenizer, parsed_one,
                      max_paragraph_chars=cap),
        strict=True,
    ))
    builder = IndexBuilder(tokenizer, settings.bm25)
    seen: set[str] = set()
    added: list[str] = []
    changed: list[str] = []
    reused = reparsed = 0
    for _, entry in scanned.files:
        old = reuse.get(entry.path)
        if previous is not None and old is not None and not (seen & set(old.docs)):
            pf = _reuse(previous, entry, old, old_quotes)
            seen.update(pf.entry.docs)
            reused += 1
            if old_split.get(entry.path):
                split[entry.path] = old_split[entry.path]
        else:
            if old is not None:  # unchanged, but its ids now clash: parse it after all
                result = analyse_file(root / entry.path, root, settings.tokenizer,
                                      max_paragraph_chars=cap)
            else:
                path, result = next(results)
                assert path == entry.path
            pf = _parsed(entry, result, metadata, seen)
            if result.split:
                split[entry.path] = result.split
            del result
            old = old_files.get(entry.path)
            if old is None:
                added.append(entry.path)
            elif old.sha256 != entry.sha256:
                changed.append(entry.path)
            else:
                reparsed += 1
        builder.add(pf)
        del pf
    # Run the analysis generator past its last result so its worker pool shuts down now
    # (zip(strict=True) also checks the lengths), not when it is garbage collected.
    assert next(results, None) is None
    del results
    removed = sorted(set(old_files) - {e.path for _, e in scanned.files})
    if progress is not None:
        progress("index", 0, 1)
    _trim_heap()
    index = builder.finish(scanned.metadata_sha256)
    if progress is not None:
        progress("index", 1, 1)
    index.extras["quotes"] = builder.quotes
    index.extras["metadata_sha256"] = scanned.metadata_sha256
    index.extras["ingest"] = ingest_params(settings)
    index.extras["split"] = split
    # What was left out besides files' own problems: folders, links, special files, the
    # metadata file and its entries. Kept with the index so a loaded index reports it too.
    problems = [*scanned.skipped, *metadata.problems, *metadata.unmatched(seen)]
    index.extras["skipped"] = [dataclasses.asdict(p) for p in problems]
    for problem in problems:
        log.info("skipped %s", problem)  # reported once, by the caller, from the report
    seconds = time.perf_counter() - started
    report = BuildReport(
        action="rebuilt" if reason else "built",
        reason=reason,
        documents=len(index.docs),
        paragraphs=index.n_paragraphs,
        files=total,
        skipped=all_skipped(index),
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        reused=reused,
        reparsed=reparsed,
        seconds=seconds,
        split=sum(split.values()),
    )
    return index, report


def all_skipped(index: ArchiveIndex) -> tuple[Skipped, ...]:
    """Everything the index left out, each once: files and jsonl lines, then folders, links,
    special files and metadata entries (kept in ``extras``)."""
    out: dict[Skipped, None] = dict.fromkeys(index.skipped)
    for row in index.extras.get("skipped", ()):
        try:
            out.setdefault(Skipped(str(row["path"]), str(row["reason"]), row.get("line")))
        except (KeyError, TypeError, AttributeError):
            continue
    return tuple(out)


def open_archive(
    settings: Settings,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    full: bool = False,
) -> tuple[Archive, BuildReport]:
    """Load the saved index if it still matches the archive, else build and save one."""
    tokenizer = Tokenizer(settings.tokenizer)
    started = time.perf_counter()
    folder = settings.index.path
    previous: ArchiveIndex | None = None
    reason: str | None = None
    try:
        previous = load_index(folder)
    except IndexFormatError as exc:
        log.warning("index unusable, rebuilding: %s", exc)
        reason = str(exc)
    if previous is not None and not rebuild:
        if previous.params != index_params(tokenizer, settings.bm25):
            reason = "index parameters changed"
        elif previous.extras.get("ingest") != ingest_params(settings):
            reason = "ingestion settings changed"
        else:
            if fingerprint_now(settings, previous) == previous.fingerprint:
                split = previous.extras.get("split")
                report = BuildReport(
                    "loaded", None, len(previous.docs), previous.n_paragraphs,
                    len(previous.files), all_skipped(previous),
                    seconds=time.perf_counter() - started,
                    split=sum(split.values()) if isinstance(split, dict) else 0,
                )
                return Archive(previous, settings, tokenizer), report
            reason = "archive changed"
    index, report = build(settings, tokenizer, previous, full=full, progress=progress,
                          reason=reason or ("requested" if rebuild else None))
    if progress is not None:
        progress("save", 0, 1)
    save_index(index, folder)
    if progress is not None:
        progress("save", 1, 1)
    return Archive(index, settings, tokenizer), report

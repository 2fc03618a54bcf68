"""Per-file work of a build: parse, cap paragraphs, tokenize, extract quotations.

Each file is analysed on its own (quotations never span articles), so a large archive can be
analysed by worker processes (the runtime's map) while a small one stays in-process; a large
jsonl file is analysed in parts (:mod:`bot.core.ingest.parts`), a job each. A job and its
result are plain records: terms as ids local to the file or part
(:class:`~bot.core.fileterms.FileTerms`, cheap to pickle) and quotations whose ``document``
is the article's position in its file or part.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import TokenizerSettings
from bot.core import ingest
from bot.core.answers.quotes import extract_article
from bot.core.fileterms import TermCollector
from bot.core.index import FileEntry, ParsedFile
from bot.core.models import Article, Skipped
from bot.core.quotations import Quotation, QuotationTable
from bot.core.tokenize import Tokenizer
from bot.errors import IngestError

log = logging.getLogger(__name__)


class FileProgress:
    """``on_done(file, part)`` while the ``file``-th file to parse is read, ``part`` (0..1)
    of its articles done (of part ``share`` of ``shares`` when the file is read in parts).
    In-process only: pickled (sent to a worker process) it is silent, so the same job runs
    anywhere."""

    __slots__ = ("_file", "_on_done", "_share", "_shares")

    def __init__(self, on_done: Callable[[int, float], None] | None, file: int,
                 share: int = 0, shares: int = 1) -> None:
        self._on_done, self._file, self._share, self._shares = on_done, file, share, shares

    def __call__(self, done: int, total: int) -> None:
        if self._on_done is not None and done < total:
            self._on_done(self._file, (self._share + done / total) / self._shares)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileProgress, (None, self._file, self._share, self._shares))


@dataclass(frozen=True, slots=True)
class ParseJob:
    entry: FileEntry  # as scanned
    progress: FileProgress | None = None
    part: int = 0  # of ``parts`` (a large jsonl file is read in parts: ingest.parts)
    parts: int = 1

    @property
    def size(self) -> int:
        """Bytes to read (the runtime's map decides on worker processes by it)."""
        return self.entry.size // self.parts


@dataclass(frozen=True, slots=True)
class ParsedPart:
    """One part of a file read in parts: its articles analysed (``parsed``; quotations
    numbered from the part's first article), each article's line, and whether the part
    holds only whitespace (:class:`~bot.core.ingest.parts.JsonlPart`)."""

    parsed: ParsedFile
    lines: tuple[int, ...]
    blank: bool


class Analysis:
    """``analysis(job)``: the :class:`ParsedFile` of one archive file. Picklable: a worker
    process gets the settings and builds a tokenizer of its own."""

    def __init__(self, root: Path, tokenizer: Tokenizer,
                 max_paragraph_chars: int | None = None, *, day_first: bool = True) -> None:
        self.root, self.tokenizer, self.max_paragraph_chars = root, tokenizer, max_paragraph_chars
        self.day_first = day_first

    def __reduce__(self) -> tuple[Any, ...]:
        return (_analysis, (self.root, self.tokenizer.settings, self.max_paragraph_chars,
                            self.day_first))

    def __call__(self, job: ParseJob) -> ParsedFile | ParsedPart:
        return self.part(job) if job.parts > 1 else self.file(job.entry, job.progress)

    def file(self, entry: FileEntry, progress: FileProgress | None = None) -> ParsedFile:
        """The whole file ``entry``, analysed (:func:`analyse_file`)."""
        return analyse_file(entry, self.root, self.tokenizer, progress,
                            max_paragraph_chars=self.max_paragraph_chars,
                            day_first=self.day_first)

    def part(self, job: ParseJob) -> ParsedPart:
        """Part ``job.part`` of a large jsonl file, analysed as :func:`analyse_file` does."""
        entry = job.entry
        try:
            read = ingest.read_part(self.root / entry.path, entry.path, job.part, job.parts,
                                    size=entry.size, day_first=self.day_first)
        except OSError as exc:
            read = ingest.JsonlPart(skipped=(
                Skipped(entry.path, f"cannot read: {exc.strerror or exc}"),))
        parsed = _analysed(entry, list(read.articles), list(read.skipped), [], self.tokenizer,
                           job.progress, self.max_paragraph_chars)
        return ParsedPart(parsed, read.lines, read.blank)


def _analysis(root: Path, settings: TokenizerSettings, cap: int | None,
              day_first: bool = True) -> Analysis:
    return Analysis(root, _tokenizer(settings), cap, day_first=day_first)


@functools.lru_cache(maxsize=2)
def _tokenizer(settings: TokenizerSettings) -> Tokenizer:
    """One tokenizer per worker process and settings: each job arrives with its own copy
    of the analysis, and a shared tokenizer keeps its stem cache warm from job to job (a
    file read in parts is several jobs)."""
    return Tokenizer(settings)


def _parse(path: Path, root: Path, rel: str, day_first: bool = True,
           notes: list[str] | None = None) -> tuple[list[Article], list[Skipped]]:
    """The file's articles and skipped lines; a file that cannot be parsed for any reason,
    even a bug of the parser on strange input, is one skip: one malformed file never stops a
    build (the per-file fault boundary)."""
    try:
        return ingest.parse_file(path, root, day_first=day_first, notes=notes)
    except IngestError as exc:
        return [], [Skipped(rel, exc.reason, exc.line)]
    except OSError as exc:
        return [], [Skipped(rel, f"cannot read: {exc.strerror or exc}")]
    except RecursionError:
        return [], [Skipped(rel, "nested too deeply to parse")]
    except Exception as exc:  # the per-file fault boundary (see the docstring)
        log.exception("parsing %s failed", rel)
        return [], [Skipped(rel, f"could not be parsed ({type(exc).__name__})")]


def analyse_file(
    entry: FileEntry,
    root: Path,
    tokenizer: Tokenizer,
    on_article: Callable[[int, int], None] | None = None,
    *,
    max_paragraph_chars: int | None = None,
    day_first: bool = True,
) -> ParsedFile:
    """Parse one file, cap its paragraphs at ``max_paragraph_chars`` (split at sentence
    boundaries), tokenize them and extract its quotations; ``on_article(done, total)`` after
    each article (progress inside a large file). Ids are not checked against other files and
    metadata is not applied here (see :mod:`bot.core.build.assemble`)."""
    rel = entry.path
    notes: list[str] = []
    parsed, skipped = _parse(root / rel, root, rel, day_first, notes)
    return _analysed(entry, parsed, skipped, notes, tokenizer, on_article, max_paragraph_chars)


def _analysed(
    entry: FileEntry,
    parsed: list[Article],
    skipped: list[Skipped],
    notes: list[str],
    tokenizer: Tokenizer,
    on_article: Callable[[int, int], None] | None,
    max_paragraph_chars: int | None,
) -> ParsedFile:
    """Parsed articles capped, tokenized and their quotations extracted."""
    rel = entry.path
    articles: list[Article] = []
    split = 0
    for article in parsed:
        article, n = ingest.cap_paragraphs(article, max_paragraph_chars)
        articles.append(article)
        split += n
    if split:
        log.info("%s: split %d paragraphs over %d characters", rel, split, max_paragraph_chars)
    terms = TermCollector()
    # All the tokens first, then all the quotations: each pass keeps its own tables in the
    # CPU's cache (interleaved per article, tokenizing cost 12 us a paragraph, 7 alone).
    for article in articles:
        for text in article.paragraphs:
            terms.add_text(text, tokenizer)
    quotations: list[Quotation] = []
    for position, article in enumerate(articles):
        quotations.extend(q.rebased(position) for q in extract_article(article.paragraphs))
        if on_article is not None:
            on_article(position + 1, len(articles))
    return ParsedFile(
        FileEntry(entry.path, entry.sha256, entry.size, entry.mtime_ns, (), tuple(skipped),
                  tuple(notes)),
        tuple(articles), terms.finish(),
        QuotationTable.from_records(quotations) if quotations else (), split,
    )

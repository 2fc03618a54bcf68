"""Per-file work of an index build: parse, tokenize, extract quotations.

Each file is analysed on its own (quotations never span articles), so a large archive is
analysed by worker processes, one per core, while a small one stays in-process. Results come
back in file order as plain data: terms as space-joined strings (cheap to pickle) and
quotation rows with paragraph numbers relative to their article.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import TokenizerSettings
from bot.core import ingest
from bot.core.answers.quotes import extract_quotes, quotes_to_json
from bot.core.index import DocMeta
from bot.core.models import Article, Skipped
from bot.core.tokenize import Tokenizer
from bot.errors import IngestError
from bot.runtime.lifeline import die_with_parent

log = logging.getLogger(__name__)

# Below this many bytes to parse, worker start-up costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20

QuoteRows = tuple[list[Any], ...]


@dataclass(frozen=True, slots=True)
class FileAnalysis:
    articles: tuple[Article, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    terms: tuple[str, ...] = ()  # one space-joined string of terms per paragraph
    quotes: tuple[QuoteRows, ...] = ()  # per article; "para" relative to the article
    split: int = 0  # over-long paragraphs split at the cap


@dataclass(slots=True)
class _ArticleView:
    """The part of an index quotation extraction reads, for one article on its own."""

    paragraphs: Sequence[str]
    docs: list[DocMeta] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def text(self, para: int) -> str:
        return self.paragraphs[para]


_tokenizers: dict[TokenizerSettings, Tokenizer] = {}


def article_quotes(article: Article) -> QuoteRows:
    """Quotation rows of one article, paragraph numbers relative to the article."""
    view = _ArticleView(article.paragraphs)
    view.docs.append(DocMeta(article.doc_id, article.title, article.date, article.source,
                             article.author, article.url, article.path, 0,
                             len(article.paragraphs)))
    return tuple(quotes_to_json(extract_quotes(view)))  # type: ignore[arg-type]


def analyse_file(
    path: Path,
    root: Path,
    settings: TokenizerSettings,
    on_article: Callable[[int, int], None] | None = None,
    *,
    max_paragraph_chars: int | None = None,
) -> FileAnalysis:
    """Parse one file, cap its paragraphs at ``max_paragraph_chars`` (split at sentence
    boundaries), tokenize them and extract its quotations; ``on_article(done, total)`` after
    each article (progress inside a large file).

    A file that cannot be parsed for any reason, even a bug of the parser on strange input,
    is skipped with its reason: one malformed file never stops a build."""
    rel = path.relative_to(root).as_posix()
    try:
        parsed, skipped = ingest.parse_file(path, root)
    except IngestError as exc:
        return FileAnalysis(skipped=(Skipped(rel, exc.reason, exc.line),))
    except OSError as exc:
        return FileAnalysis(skipped=(Skipped(rel, f"cannot read: {exc.strerror or exc}"),))
    except RecursionError:
        return FileAnalysis(skipped=(Skipped(rel, "nested too deeply to parse"),))
    except Exception as exc:  # the per-file fault boundary (see the docstring)
        log.exception("parsing %s failed", rel)
        return FileAnalysis(skipped=(Skipped(rel, f"could not be parsed ({type(exc).__name__})"),))
    articles: list[Article] = []
    split = 0
    for article in parsed:
        article, n = ingest.cap_paragraphs(article, max_paragraph_chars)
        articles.append(article)
        split += n
    if split:
        log.info("%s: split %d paragraphs over %d characters", rel, split, max_paragraph_chars)
    tokenizer = _tokenizers.get(settings)
    if tokenizer is None:
        tokenizer = _tokenizers[settings] = Tokenizer(settings)
    terms: list[str] = []
    quotes: list[QuoteRows] = []
    for n, article in enumerate(articles, start=1):
        terms.extend(" ".join(tokenizer(text)) for text in article.paragraphs)
        quotes.append(article_quotes(article))
        if on_article is not None:
            on_article(n, len(articles))
    return FileAnalysis(tuple(articles), tuple(skipped), tuple(terms), tuple(quotes), split)


def _analyse_args(args: tuple[Path, Path, TokenizerSettings, int | None]) -> FileAnalysis:
    path, root, settings, cap = args
    return analyse_file(path, root, settings, max_paragraph_chars=cap)


def workers_for(paths: Sequence[Path], sizes: Sequence[int]) -> int:
    if len(paths) < 2 or sum(sizes) < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(len(paths), os.cpu_count() or 1, 8))


def analyse_files(
    paths: Sequence[Path],
    sizes: Sequence[int],
    root: Path,
    settings: TokenizerSettings,
    on_done: Callable[[int, float], None] | None = None,
    *,
    max_paragraph_chars: int | None = None,
) -> Iterator[FileAnalysis]:
    """Analyse ``paths`` in order; in worker processes when the archive is large.
    ``on_done(files, part)``: ``files`` finished, and ``part`` (0..1) of the next one (moves
    only in-process, where one large file is read)."""
    jobs = [(p, root, settings, max_paragraph_chars) for p in paths]
    workers = workers_for(paths, sizes)
    if workers == 1:
        for n, path in enumerate(paths):
            def partial(done: int, total: int, n: int = n) -> None:
                if on_done is not None and done < total:
                    on_done(n, done / total)

            yield analyse_file(path, root, settings, partial,
                               max_paragraph_chars=max_paragraph_chars)
            if on_done is not None:
                on_done(n + 1, 0.0)
        return
    log.info("analysing %d files in %d worker processes", len(jobs), workers)
    # spawn, not fork: the bot reindexes from a thread of a process running an event loop.
    context = multiprocessing.get_context("spawn")
    # Workers die with this process even when it is killed (see bot/runtime/lifeline.py).
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        for n, result in enumerate(pool.map(_analyse_args, jobs, chunksize=chunk), start=1):
            yield result
            if on_done is not None:
                on_done(n, 0.0)

"""Plain data types shared by the core, the CLI and the Discord layer.

Nothing here imports discord or touches the disk: these are the typed tuples that flow
between ingestion, the index, the answer builders and the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Article:
    """One article as the ingester understood it.

    ``doc_id`` is stable: the file path relative to the archive root without its extension
    (``"001_1a747fc895aa23e5"``), plus ``"#2"``, ``"#3"``... for further articles found in
    the same file; the ``id`` field for jsonl.
    ``paragraphs`` are the cleaned body paragraphs, boilerplate removed; paragraph numbers
    in citations are 1-based positions in this tuple.
    ``date`` is ISO ``YYYY-MM-DD`` or None when the article has none.
    ``path`` is the source file relative to the archive root (POSIX separators).
    """

    doc_id: str
    title: str
    paragraphs: tuple[str, ...]
    path: str
    date: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file (or one line of a jsonl file, an entry of the metadata file, a folder or a
    link) the ingester could not use, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


class Citation(NamedTuple):
    """Where a piece of text comes from: an article and a 1-based paragraph number."""

    doc_id: str
    title: str
    source: str | None
    date: str | None
    paragraph: int
    url: str | None = None

    def label(self) -> str:
        """Human citation line: ``Title — Source, 2018-05-16, ¶3``."""
        parts = [p for p in (self.source, self.date or "undated") if p]
        where = ", ".join([*parts, f"¶{self.paragraph}"])
        return f"{self.title} — {where}"


class SearchHit(NamedTuple):
    """One ranked paragraph. ``score`` is the raw BM25 score."""

    doc_id: str
    title: str
    source: str | None
    date: str | None
    paragraph: int
    score: float
    text: str
    url: str | None = None

    @property
    def citation(self) -> Citation:
        return Citation(
            self.doc_id, self.title, self.source, self.date, self.paragraph, self.url
        )


class SearchResult(NamedTuple):
    """A ranked page of hits; ``total`` counts every paragraph matching any query term
    (after filters), before the limit."""

    query: str
    terms: tuple[str, ...]
    total: int
    took_ms: float
    hits: tuple[SearchHit, ...]
    shards: ShardCount | None = None  # a sharded engine's: how many shards answered


@dataclass(frozen=True, slots=True)
class ShardCount:
    """How many of a sharded index's shards answered a query (the others' paragraphs are
    missing from it)."""

    answered: int
    total: int

    @property
    def partial(self) -> bool:
        return self.answered < self.total

    def describe(self) -> str:
        return f"{self.answered} of {self.total} shards answered"


@dataclass(frozen=True, slots=True)
class Filters:
    """Date range (inclusive, ISO dates) and source filter shared by every command."""

    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None

    def is_empty(self) -> bool:
        return self.date_from is None and self.date_to is None and self.source is None

"""Paragraph search over a loaded index: validation, filters, ranking, typed results."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.config import Settings
from bot.core.bm25 import IntArray, MatrixScorer, RankBM25Scorer, Scorer, top_k
from bot.core.index import ArchiveIndex
from bot.core.models import Filters, SearchHit, SearchResult
from bot.core.tokenize import Tokenizer
from bot.errors import QueryError

if TYPE_CHECKING:
    from bot.core.answers.quotebook import QuoteBook


class FiltersExcludeAllError(QueryError):
    """Date/source filters that leave no article to search."""


def parse_date(text: str | None, name: str) -> str | None:
    """Validate an ISO ``YYYY-MM-DD`` filter date (None passes through)."""
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise QueryError(f"{name} date {text!r} is not a date like 2018-05-16") from None


def make_filters(
    date_from: str | None = None, date_to: str | None = None, source: str | None = None
) -> Filters:
    """Validated :class:`Filters` from user input (dates ISO, source trimmed)."""
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise QueryError(f"from date {start} is after to date {end}")
    src = source.strip() if source else None
    return Filters(start, end, src or None)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Matched paragraphs after filters: ``order`` indexes the best ``k`` by score."""

    terms: tuple[str, ...]
    paragraphs: IntArray
    scores: npt.NDArray[np.float64]
    total: int


class Archive:
    """A loaded index plus its scorer: everything a query needs, read-only and thread-safe."""

    def __init__(self, index: ArchiveIndex, settings: Settings, tokenizer: Tokenizer) -> None:
        self.index = index
        self.settings = settings
        self.tokenizer = tokenizer
        self.scorer: Scorer
        if settings.index.engine == "rank_bm25":
            self.scorer = RankBM25Scorer(index.tf, index.doc_len, index.vocab, settings.bm25)
        else:
            self.scorer = MatrixScorer(index.scores)
        ordinals = np.array(
            [date.fromisoformat(d.date).toordinal() if d.date else -1 for d in index.docs],
            dtype=np.int64,
        )
        self._doc_dates = ordinals
        self._mask = lru_cache(maxsize=64)(self._compute_mask)

    @cached_property
    def quotes(self) -> QuoteBook:
        """The quotations extracted at index time, ready for lookup (built on first use)."""
        from bot.core.answers.quotebook import QuoteBook

        return QuoteBook.from_json(self.index.extras.get("quotes", []), self.index)

    # ------------------------------------------------------------------ validation
    def check_query(self, query: str, *, what: str = "query") -> str:
        text = " ".join(query.split())
        if not text:
            raise QueryError(f"The {what} is empty.")
        limit = self.settings.limits.query_max_chars
        if len(text) > limit:
            raise QueryError(f"The {what} is {len(text)} characters long; the limit is {limit}.")
        return text

    def check_limit(self, limit: int | None) -> int:
        limits = self.settings.limits
        if limit is None:
            return limits.default_results
        if not 1 <= limit <= limits.max_results:
            raise QueryError(f"limit must be between 1 and {limits.max_results}")
        return limit

    # ------------------------------------------------------------------ filters
    def _compute_mask(self, filters: Filters) -> npt.NDArray[np.bool_] | None:
        if filters.is_empty():
            return None
        keep = np.ones(len(self.index.docs), dtype=bool)
        if filters.date_from:
            keep &= self._doc_dates >= date.fromisoformat(filters.date_from).toordinal()
        if filters.date_to:
            keep &= (self._doc_dates >= 0) & (
                self._doc_dates <= date.fromisoformat(filters.date_to).toordinal()
            )
        if filters.source:
            wanted = filters.source.casefold()
            keep &= np.array(
                [bool(d.source) and wanted in (d.source or "").casefold() for d in self.index.docs],
                dtype=bool,
            )
        if not keep.any():
            raise FiltersExcludeAllError(self._excluded_message(filters))
        para_keep: npt.NDArray[np.bool_] = keep[self.index.para_doc]
        return para_keep

    def _excluded_message(self, filters: Filters) -> str:
        parts = []
        if filters.date_from or filters.date_to:
            parts.append(f"dates {filters.date_from or '…'} to {filters.date_to or '…'}")
        if filters.source:
            parts.append(f"source {filters.source!r}")
        first, last = self.index.date_range()
        sources = sorted({d.source for d in self.index.docs if d.source})
        known = f"the archive spans {first or '?'} to {last or '?'}"
        if sources:
            known += "; sources: " + ", ".join(sources[:10])
        return f"No article matches the filters ({', '.join(parts)}): {known}."

    def doc_mask(self, filters: Filters) -> npt.NDArray[np.bool_]:
        """Which articles pass ``filters`` (raises when none does)."""
        mask = self._mask(filters)
        if mask is None:
            return np.ones(len(self.index.docs), dtype=bool)
        docs = np.zeros(len(self.index.docs), dtype=bool)
        docs[self.index.para_doc[mask]] = True
        return docs

    # ------------------------------------------------------------------ ranking
    def rank(self, text: str, filters: Filters = Filters()) -> Ranked:
        """Every paragraph matching any term of ``text`` that passes ``filters``."""
        terms = tuple(self.tokenizer(text))
        mask = self._mask(filters)
        paragraphs, scores = self.scorer.score(self.index.term_ids(terms))
        if mask is not None and len(paragraphs):
            keep = mask[paragraphs]
            paragraphs, scores = paragraphs[keep], scores[keep]
        return Ranked(terms, paragraphs, scores, len(paragraphs))

    def best(self, ranked: Ranked, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (paragraph, score) pairs, ties to the earlier paragraph."""
        pos = top_k(ranked.paragraphs, ranked.scores, k)
        return [(int(ranked.paragraphs[p]), float(ranked.scores[p])) for p in pos]

    def hit(self, para: int, score: float) -> SearchHit:
        doc = self.index.doc_of(para)
        return SearchHit(
            doc.doc_id, doc.title, doc.source, doc.date, int(self.index.para_num[para]),
            score, self.index.text(para), doc.url,
        )

    def search(
        self, query: str, limit: int | None = None, filters: Filters = Filters()
    ) -> SearchResult:
        started = time.perf_counter()
        text = self.check_query(query)
        k = self.check_limit(limit)
        ranked = self.rank(text, filters)
        hits = tuple(self.hit(p, s) for p, s in self.best(ranked, k))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(text, ranked.terms, ranked.total, took, hits)

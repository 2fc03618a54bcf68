"""Paragraph retrieval over a loaded index: filters, BM25 ranking, typed results.

Retrieval only: requests arrive validated (:mod:`bot.core.requests`), and the answer layer's
objects (the quote book, answer caches) live on the serving snapshot
(:mod:`bot.core.snapshot`), not here."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from bot.config import Settings
from bot.core.bm25 import IntArray, RankBM25Scorer, Scorer, top_k
from bot.core.index import ArchiveIndex
from bot.core.models import Filters, SearchHit, SearchResult
from bot.core.postings import PostingsScorer
from bot.core.requests import SearchRequest
from bot.core.tokenize import Tokenizer
from bot.errors import QueryError


class FiltersExcludeAllError(QueryError):
    """Date/source filters that leave no article to search."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """Matched paragraphs after filters: ``order`` indexes the best ``k`` by score."""

    terms: tuple[str, ...]
    paragraphs: IntArray
    scores: npt.NDArray[np.float64]
    total: int


@dataclass(frozen=True, slots=True)
class Best:
    """A query's ``k`` best (paragraph, score) pairs, best first, and how many paragraphs
    match it (after filters)."""

    terms: tuple[str, ...]
    pairs: list[tuple[int, float]]
    total: int


class Archive:
    """A loaded index plus its scorer: everything a query needs, read-only and thread-safe."""

    def __init__(self, index: ArchiveIndex, settings: Settings, tokenizer: Tokenizer) -> None:
        self.index = index
        self.settings = settings
        self.tokenizer = tokenizer
        self.scorer: Scorer
        self.postings_scorer: PostingsScorer | None = None
        if settings.index.engine == "rank_bm25":
            self.scorer = RankBM25Scorer(index.tf, index.doc_len, index.vocab, settings.bm25)
        else:
            own = settings.bm25 == index.bm25_settings()
            self.scorer = self.postings_scorer = PostingsScorer(
                index.postings, index.doc_len, settings.bm25,
                peaks=index.peaks() if own else None)
        self._doc_dates = index.docs.dates  # day numbers, -1 when undated
        self._mask = lru_cache(maxsize=64)(self._compute_mask)

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
                [bool(src) and wanted in (src or "").casefold() for src in self.index.docs.sources],
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
        sources = sorted({src for src in self.index.docs.sources if src})
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

    def top(self, text: str, k: int, filters: Filters = Filters(), *,
            count: bool = True) -> Best:
        """The ``k`` best (paragraph, score) pairs for ``text`` and how many paragraphs
        match: :meth:`rank` then :meth:`best` in one pass when the engine can (``count``
        false: the total is not needed, -1 when the engine skipped counting)."""
        if self.postings_scorer is None:
            ranked = self.rank(text, filters)
            return Best(ranked.terms, self.best(ranked, k), ranked.total)
        terms = tuple(self.tokenizer(text))
        found = self.postings_scorer.top(self.index.term_ids(terms), k, self._mask(filters),
                                         count=count)
        pairs = [(int(p), float(s)) for p, s in
                 zip(found.paragraphs.tolist(), found.scores.tolist(), strict=True)]
        return Best(terms, pairs, found.total)

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

    def search(self, request: SearchRequest | str, limit: int | None = None,
               filters: Filters = Filters()) -> SearchResult:
        """The best paragraphs for a validated request (or for a query given as text, with
        ``limit`` and ``filters``: validated here by :meth:`SearchRequest.parse`)."""
        if isinstance(request, str):
            request = replace(SearchRequest.parse(self.settings, request, limit),
                              filters=filters)
        started = time.perf_counter()
        best = self.top(request.query, request.limit, request.filters)
        hits = tuple(self.hit(p, s) for p, s in best.pairs)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(request.query, best.terms, best.total, took, hits)

"""The serving snapshot: one read-only object holding everything an answer reads.

A :class:`Snapshot` is the index, its settings and tokenizer, the retrieval object
(:class:`~bot.core.search.Archive`: scorer and filter masks), the quote book, and the caches
derived from them (idf per term, what a set of filters leaves searched, the folded titles
autocomplete matches). Caches are filled on first use and live exactly as long as their
snapshot: nothing is keyed on an index in a module global. The runtime swaps one snapshot
for the next in a single assignment after a reindex (see
:class:`~bot.runtime.service.ArchiveService`), so a request sees one snapshot throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.config import Settings
from bot.core.index import ArchiveIndex
from bot.core.models import Filters, SearchHit, SearchResult
from bot.core.requests import SearchRequest
from bot.core.search import Archive, Best, Ranked
from bot.core.tokenize import Tokenizer

if TYPE_CHECKING:  # the quote book (rapidfuzz) is imported on first /quote
    from bot.core.answers.quotebook import QuoteBook

SEARCHED_CACHE_MAX = 256  # filter sets remembered by :meth:`Snapshot.searched`

Searched = tuple[int, tuple[str | None, str | None]]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Read-only after creation but for its caches, each filled on first use (two threads
    may both compute one: they compute the same value, and either result is kept)."""

    retrieval: Archive
    _searched: dict[Filters, Searched] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def of(cls, index: ArchiveIndex, settings: Settings, tokenizer: Tokenizer) -> Snapshot:
        return cls(Archive(index, settings, tokenizer))

    # -- what every answer reads ----------------------------------------------------------
    @property
    def index(self) -> ArchiveIndex:
        return self.retrieval.index

    @property
    def settings(self) -> Settings:
        return self.retrieval.settings

    @property
    def tokenizer(self) -> Tokenizer:
        return self.retrieval.tokenizer

    def doc_mask(self, filters: Filters) -> npt.NDArray[np.bool_]:
        return self.retrieval.doc_mask(filters)

    def rank(self, text: str, filters: Filters = Filters()) -> Ranked:
        return self.retrieval.rank(text, filters)

    def best(self, ranked: Ranked, k: int) -> list[tuple[int, float]]:
        return self.retrieval.best(ranked, k)

    def top(self, text: str, k: int, filters: Filters = Filters(), *,
            count: bool = True) -> Best:
        """The ``k`` best (paragraph, score) pairs and the match count, in one pass
        (``count`` false: the count is not needed, and may be skipped: -1)."""
        return self.retrieval.top(text, k, filters, count=count)

    def hit(self, para: int, score: float) -> SearchHit:
        return self.retrieval.hit(para, score)

    def search(self, request: SearchRequest | str, limit: int | None = None,
               filters: Filters = Filters()) -> SearchResult:
        return self.retrieval.search(request, limit, filters)

    # -- derived, cached on the snapshot --------------------------------------------------
    @cached_property
    def quotes(self) -> QuoteBook:
        """The quotations extracted at index time, ready for lookup."""
        from bot.core.answers.quotebook import QuoteBook

        return QuoteBook(self.index.quotations, self.index)

    @cached_property
    def idf(self) -> npt.NDArray[np.float64]:
        """Smoothed idf per vocabulary term: ``ln(1 + (N - df + .5) / (df + .5))``."""
        index = self.index
        n = index.n_paragraphs
        df = index.postings.df().astype(np.float64)
        idf: npt.NDArray[np.float64] = np.log1p((n - df + 0.5) / (df + 0.5))
        return idf

    @cached_property
    def folded_titles(self) -> list[str]:
        """``doc_id title`` of every article, case-folded, for autocomplete."""
        return [f"{d.doc_id} {d.title}".casefold() for d in self.index.docs]

    def searched(self, filters: Filters) -> Searched:
        """How many articles ``filters`` leaves, and their date range (raises
        :class:`~bot.core.search.FiltersExcludeAllError` when it leaves none)."""
        mask = self.doc_mask(filters)
        found = self._searched.get(filters)
        if found is None:
            days = self.index.docs.dates[mask]  # day numbers: no article decoded
            days = days[days >= 0]
            span = ((date.fromordinal(int(days.min())).isoformat(),
                     date.fromordinal(int(days.max())).isoformat()) if len(days)
                    else (None, None))
            found = int(mask.sum()), span
            if len(self._searched) >= SEARCHED_CACHE_MAX:
                self._searched.clear()
            self._searched[filters] = found
        return found

    @property
    def is_warm(self) -> bool:
        """Whether the quote book and its speakers are ready (autocomplete never builds
        them itself)."""
        return "quotes" in vars(self) and self.quotes.speakers_ready

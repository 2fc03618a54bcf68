"""Saved searches ("watches"): the match rule, and which matching paragraphs are new.

A paragraph *matches* a watch when both hold:

1. it ranks in the watch query's ``top_k`` (BM25) over the whole archive, with the watch's
   date/source filters; and
2. it contains at least ``min_coverage`` of the query's distinct terms, counted both ways:
   by number, and by idf weight (each term weighs its smoothed idf
   ``ln(1 + (N - df + .5) / (df + .5))``; a term the archive never uses weighs the most a
   term can, so a watch for a word not yet in the archive fires only once it arrives).

With the default 0.75 a watch of up to three words ("chlorine attack Idlib") needs every
word (two of three is 0.67); a paragraph that only mentions "Idlib" never fires it, however
well it ranks, and neither does a chlorine attack elsewhere. A longer query may miss a word
(three of four), as long as the words it has carry three quarters of the weight.

A paragraph's identity (:class:`ParagraphKey`) is its article's ``doc_id`` and a digest of
its text: a changed paragraph is a new one, a paragraph that only moved within its article
(an edit above it) is not. Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.config.models import WatchSettings
from bot.core.models import Filters, SearchHit
from bot.core.requests import check_text, make_filters
from bot.core.search import FiltersExcludeAllError
from bot.core.snapshot import Snapshot
from bot.errors import QueryError

DIGEST_CHARS = 16
COVERAGE_SLACK = 1e-9  # a paragraph with every term covers 1.0 whatever the rounding
BASELINE_K = 1000  # a new watch marks this many of its query's best matches seen


@dataclass(frozen=True, slots=True, order=True)
class ParagraphKey:
    """A paragraph's stable identity across reindexes."""

    doc_id: str
    digest: str


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def key_of(hit: SearchHit) -> ParagraphKey:
    return ParagraphKey(hit.doc_id, text_digest(hit.text))


@dataclass(frozen=True, slots=True)
class MatchRule:
    top_k: int = 50
    min_coverage: float = 0.75

    @classmethod
    def of(cls, settings: WatchSettings) -> MatchRule:
        return cls(settings.top_k, settings.min_coverage)


@dataclass(frozen=True, slots=True)
class WatchRequest:
    """A watch's query and filters, validated like a search's (the same messages)."""

    query: str
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, query: str, date_from: str | None = None,
              date_to: str | None = None, source: str | None = None) -> WatchRequest:
        return cls(check_text(settings, query, "query"),
                   make_filters(date_from, date_to, source))


@dataclass(frozen=True, slots=True)
class Match:
    hit: SearchHit
    coverage: float
    key: ParagraphKey


@dataclass(frozen=True, slots=True)
class TermWeight:
    term: str
    weight: float


def query_weights(snapshot: Snapshot, query: str) -> list[TermWeight]:
    """Each distinct term of ``query`` (first-use order) with its idf weight."""
    terms = list(dict.fromkeys(snapshot.tokenizer(query)))
    if not terms:
        return []
    idf = snapshot.idf
    n = snapshot.index.n_paragraphs
    unseen = math.log1p((n + 0.5) / 0.5)  # df = 0
    ids = snapshot.index.term_ids(terms)
    return [TermWeight(t, float(idf[i]) if i >= 0 else unseen)
            for t, i in zip(terms, ids, strict=True)]


def coverage(weights: Sequence[TermWeight], present: Collection[str]) -> float:
    """How much of the query the terms in ``present`` cover: the smaller of their share of
    the query's distinct terms and their share of its idf weight."""
    total = sum(w.weight for w in weights)
    if not weights or total <= 0:
        return 0.0
    have = [w for w in weights if w.term in present]
    return min(len(have) / len(weights), sum(w.weight for w in have) / total)


def check_source(snapshot: Snapshot, source: str | None) -> None:
    """Refuse a source filter no article's source contains (a misspelt outlet would make a
    watch that can never fire)."""
    if not source:
        return
    wanted = source.casefold()
    known = sorted({s for s in snapshot.index.docs.sources if s})
    if not any(wanted in s.casefold() for s in known):
        listed = ", ".join(known[:10]) or "none"
        raise QueryError(f"Unknown source {source!r}; the archive's sources: {listed}.")


def matches(snapshot: Snapshot, request: WatchRequest, rule: MatchRule) -> list[Match]:
    """The paragraphs matching a watch now, best first (see the module for the rule).
    Filters that leave no article (a watch for dates still to come) match nothing."""
    try:
        best = snapshot.top(request.query, rule.top_k, request.filters)
    except FiltersExcludeAllError:
        return []
    weights = query_weights(snapshot, request.query)
    out: list[Match] = []
    for para, score in best.pairs:
        hit = snapshot.hit(para, score)
        share = coverage(weights, set(snapshot.tokenizer(hit.text)))
        if share + COVERAGE_SLACK >= rule.min_coverage:
            out.append(Match(hit, share, key_of(hit)))
    return out


def baseline(snapshot: Snapshot, request: WatchRequest, rule: MatchRule) -> list[Match]:
    """What a new watch already matches (marked seen: a watch reports what arrives after
    it), over more of the ranking than an alert looks at (:data:`BASELINE_K`)."""
    return matches(snapshot, request, MatchRule(max(rule.top_k, BASELINE_K), rule.min_coverage))


def new_matches(found: Sequence[Match], seen: Collection[ParagraphKey]) -> list[Match]:
    """The matches a watch has not reported (nor seen at its creation), best first, each
    paragraph once."""
    out: list[Match] = []
    taken: set[ParagraphKey] = set()
    for m in found:
        if m.key not in seen and m.key not in taken:
            taken.add(m.key)
            out.append(m)
    return out

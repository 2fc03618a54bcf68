"""The candidate sentences of an answer and the features the ranker weighs.

Each sentence of the retrieved paragraphs gets a feature vector (:data:`FEATURES`), every
value in 0–1:

* ``cov``: idf-weighted share of the question's terms in the sentence (terms the archive
  never uses count in the denominator: a question about something absent cannot be
  answered by its common words);
* ``ctx``: the share found only elsewhere in its paragraph or in the article title;
* ``prox``: how close together the matched terms sit; ``bigram``: share of the question's
  adjacent term pairs that are adjacent in the sentence too;
* ``typ``: the answer type (:mod:`bot.core.answers.answertype`) present and new to the
  question; ``untyped``: the question asks for a type and the sentence has none;
* ``names_s`` / ``names_c``: share of the question's names (with aliases,
  :mod:`bot.core.answers.aliases`) in the sentence / its paragraph, title or article;
* ``rank``: 1 / the paragraph's rank; ``para``: its BM25 score over the best one's;
* ``best_in_para``: the paragraph's best-covering sentence; ``cov_rel``: coverage over the
  best coverage of all candidates; ``novel``: share of its terms not in the question;
  ``length`` and ``first`` (first sentence of its paragraph); ``typ_<kind>``: ``typ`` for
  a question of that kind only (the model weighs a number for "how many" and a name for
  "who" differently); ``typ_near``: how close that phrase sits to a question term;
* ``prev_cov`` / ``next_cov``: the share the sentence before / after adds; ``para_cov``:
  the paragraph's (and title's) share; ``ordered``: share of the question's term pairs in
  the same order; ``rare``: the sentence holds the rarest question term its paragraph has;
  ``cov_other``, ``bigram_other``, ``prox_other``: those for a question of no answer type
  ("what ..."); ``no_names`` / ``no_qualifier``: the article lacks a name asked / the
  paragraph a qualifier asked ("first", "population"); ``short`` (under :data:`MIN_WORDS`
  words), ``last``, ``top_para``; ``para_cov_rel``: ``para_cov`` over the best
  paragraph's; ``prefix``: the share of the question's terms that the sentence lacks but
  writes with the same first :data:`PREFIX` letters ("government" for
  "governor", "composition" for "composed", "production" for "produce": forms the stemmer
  keeps apart; on SQuAD v2.0, a cross-fitted listwise model over the candidates picks the
  right sentence first 0.5 point more often with it; end to end, unchanged at 67.3%).

Hard checks drop a sentence (:func:`_vetoed`): another country than the one asked, no role
asked for ("who leads"), a role only of another country. Measured on SQuAD they cost 0.1
point as features instead (they rarely fire there); in news they are what makes "Who is the
president of Turkey?" "not found" in an archive about Syria.

Sums over terms run in the question's term order, never over a set, so the scores are the
same under every hash seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from bot.core.answers.aliases import (
    Alias,
    Names,
    competing_country,
    country_terms,
    definitions,
    have_terms,
)
from bot.core.answers.answertype import Phrase, type_match
from bot.core.answers.sentences import Span, split_sentences
from bot.core.answers.slots import Slots, role_elsewhere, slots_of
from bot.core.budget import Budget
from bot.core.models import SearchHit

if TYPE_CHECKING:
    from bot.core.answers.ask import Question
    from bot.core.snapshot import Snapshot

FEATURES = ("bias", "cov", "ctx", "prox", "bigram", "typ", "untyped", "names_s", "names_c",
            "rank", "para", "best_in_para", "cov_rel", "novel", "length", "first",
            "typ_number", "typ_date", "typ_person", "typ_place", "typ_reason", "typ_near",
            "prev_cov", "next_cov", "para_cov", "ordered", "rare", "cov_other",
            "bigram_other", "prox_other", "no_names", "no_qualifier", "short", "last",
            "top_para", "para_cov_rel", "prefix")
_TYPED = ("number", "date", "person", "place", "reason")
_PARA_COV_REL = FEATURES.index("para_cov_rel")
MIN_WORDS = 4
PREFIX = 5


class Candidate(NamedTuple):
    """One sentence of a retrieved paragraph, with its features and place."""

    span: Span
    hit: SearchHit
    rank: int  # the paragraph's rank, 0 first
    position: int  # the sentence's index in its paragraph
    features: tuple[float, ...]
    phrase: Phrase
    terms: frozenset[str]


class Paragraph(NamedTuple):
    hit: SearchHit
    spans: tuple[Span, ...]


def proximity(terms: list[str], wanted: frozenset[str]) -> float:
    """1.0 when the matched query terms are adjacent, falling as they spread out."""
    positions = [(i, t) for i, t in enumerate(terms) if t in wanted]
    distinct = len({t for _, t in positions})
    if distinct < 2:
        return 0.0
    best = len(terms)
    counts: dict[str, int] = {}
    left = 0
    for pos, term in positions:
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == distinct:
            best = min(best, pos - positions[left][0] + 1)
            lterm = positions[left][1]
            counts[lterm] -= 1
            if not counts[lterm]:
                del counts[lterm]
            left += 1
    return (distinct - 1) / max(best - 1, 1)


def _bigrams(q: Question, terms: list[str]) -> float:
    pairs = list(pairwise(q.terms))
    if not pairs:
        return 0.0
    have = set(pairwise(terms))
    return sum(p in have for p in pairs) / len(pairs)


def _near(fold: Callable[[str], list[str]], text: str, phrase: Phrase, terms: list[str],
          wanted: frozenset[str]) -> float:
    """1.0 when the answer phrase sits within three terms of a question term ("Khodr said,
    reporting from Lebanon's capital"), falling with the distance; 0 without a phrase."""
    if phrase.score <= 0.0:
        return 0.0
    at = len(fold(text[:phrase.start]))
    width = max(1, len(fold(text[phrase.start:phrase.end])))
    gaps = [min(abs(i - at), abs(i - (at + width - 1))) for i, t in enumerate(terms)
            if t in wanted and not at <= i < at + width]
    if not gaps:
        return 0.0
    return min(1.0, 3.0 / max(min(gaps), 1))


def _article_names(archive: Snapshot, q: Question, hit: SearchHit,
                   para_have: set[str]) -> set[str]:
    """The question's names (exactly) that the article of ``hit`` uses outside the
    paragraph: "Astana" named two paragraphs earlier still grounds the sentence."""
    missing = [n for n in q.names if n not in para_have]
    if not missing:
        return set()
    index = archive.index
    doc = index.docs[index.doc_lookup[hit.doc_id]]
    ids = index.term_ids(missing)
    return {n for n, tid in zip(missing, ids, strict=True)
            if tid >= 0 and index.uses_term(tid, doc.first, doc.count)}


class _Context(NamedTuple):
    """What every sentence of one question is scored against."""

    archive: Snapshot
    q: Question
    weights: dict[str, float]
    total: float
    wanted: frozenset[str]
    asked: frozenset[str]
    top: float
    table: tuple[Alias, ...]
    countries: frozenset[str]
    slots: Slots
    asked_countries: frozenset[str]


_Raw = tuple[Span, SearchHit, int, int, list[float], Phrase, frozenset[str]]


class _Para(NamedTuple):
    """What one paragraph's sentences are scored against."""

    rank: int
    hit: SearchHit
    toks: list[list[str]]
    sets: list[frozenset[str]]
    cov: list[float]
    names: Names
    defined: list[tuple[frozenset[str], frozenset[str]]]
    whole: float  # idf share of the question's terms in the paragraph (and title)
    rare: str  # the rarest question term the paragraph holds
    qualified: bool


def _para(cx: _Context, rank: int, hit: SearchHit, spans: tuple[Span, ...]) -> _Para | None:
    q, fold, weights = cx.q, cx.archive.tokenizer, cx.weights
    toks = [fold(s.text) for s in spans]
    sets = [frozenset(ts) for ts in toks]
    cov = [sum(weights[t] for t in q.terms if t in ts) for ts in sets]
    if max(cov, default=0.0) == 0.0:
        return None
    defined = definitions(hit.text, fold) if "(" in hit.text else []
    para_have = have_terms(set(fold(hit.title)).union(*sets), hit.text, fold, cx.table, defined)
    article = para_have | _article_names(cx.archive, q, hit, para_have)
    names = Names.of(q.names, article, q.surnames)
    if q.surnames:
        sets = [_named_in_full(q.surnames, ts, article) for ts in sets]
        cov = [sum(weights[t] for t in q.terms if t in ts) for ts in sets]
    held = [t for t in q.terms if t in para_have]
    rare = max(held, key=lambda t: weights[t], default="")
    return _Para(rank, hit, toks, sets, cov, names, defined,
                 sum(weights[t] for t in held) / cx.total, rare,
                 cx.slots.holds_qualifiers(para_have))


def _named_in_full(surnames: tuple[tuple[str, str], ...], terms: frozenset[str],
                   article: set[str]) -> frozenset[str]:
    """A sentence's terms with the given names of the people it names by surname alone
    ("Khodr said" names Zeina Khodr when her article does)."""
    given = [g for g, s in surnames if s in terms and g not in terms and g in article]
    return terms.union(given) if given else terms


def _others(cx: _Context, p: _Para, position: int) -> tuple[float, float]:
    """The idf share of the question's terms the previous / next sentence adds."""
    tset = p.sets[position]
    out = []
    for at in (position - 1, position + 1):
        if 0 <= at < len(p.sets):
            out.append(sum(cx.weights[t] for t in cx.q.terms
                           if t in p.sets[at] and t not in tset) / cx.total)
        else:
            out.append(0.0)
    return out[0], out[1]


def _ordered(q: Question, terms: list[str]) -> float:
    """The share of the question's term pairs (in order, not only adjacent) that the
    sentence holds in the same order."""
    first: dict[str, int] = {}
    for i, t in enumerate(terms):
        first.setdefault(t, i)
    held = [first[t] for t in q.terms if t in first]
    pairs = len(q.terms) * (len(q.terms) - 1) // 2
    if pairs == 0:
        return 0.0
    return sum(a < b for i, a in enumerate(held) for b in held[i + 1:]) / pairs


def _prefixed(q: Question, tset: frozenset[str]) -> float:
    """The share of the question's terms (of :data:`PREFIX` letters or more) that ``tset``
    lacks but holds another term starting with the same :data:`PREFIX` letters."""
    lacking = [t for t in q.terms if len(t) >= PREFIX and t not in tset]
    if not lacking:
        return 0.0
    heads = {t[:PREFIX] for t in tset if len(t) >= PREFIX}
    return sum(t[:PREFIX] in heads for t in lacking) / len(q.terms)


def _sentence(cx: _Context, p: _Para, position: int, span: Span) -> tuple[list[float], Phrase]:
    """The features (:data:`FEATURES`) of one sentence of paragraph ``p``, and its phrase of
    the kind asked."""
    q, fold = cx.q, cx.archive.tokenizer
    terms, tset = p.toks[position], p.sets[position]
    ctx = max(0.0, p.whole - p.cov[position] / cx.total)
    anchors = [s for s, _ in fold.spans(span.text, q.terms)] if q.kind == "number" else []
    phrase = type_match(q.kind, span.text, cx.asked, anchors, fold, q.measure)
    cov = p.cov[position] / cx.total
    bigram, prox = _bigrams(q, terms), proximity(terms, cx.wanted)
    near = _near(fold, span.text, phrase, terms, cx.wanted)
    other = float(q.kind == "other")
    prev_cov, next_cov = _others(cx, p, position)
    return [1.0, cov, ctx, prox, bigram, phrase.score,
            float(q.kind != "other" and phrase.score == 0.0),
            p.names.share(tset, span.text, fold, cx.table, p.defined), p.names.para,
            1.0 / (p.rank + 1), p.hit.score / cx.top,
            float(p.cov[position] == max(p.cov)), 0.0,
            sum(t not in cx.wanted for t in tset) / (len(tset) or 1),
            min(len(terms), 40) / 40, float(position == 0),
            *(phrase.score if q.kind == kind else 0.0 for kind in _TYPED), near,
            prev_cov, next_cov, p.whole, _ordered(q, terms), float(p.rare in tset),
            cov * other, bigram * other, prox * other,
            float(p.names.para < 1.0), float(not p.qualified),
            float(len(span.text.split()) < MIN_WORDS), float(position == len(p.sets) - 1),
            float(p.rank == 0), p.whole, _prefixed(q, tset)], phrase


def _vetoed(cx: _Context, p: _Para, position: int) -> bool:
    """The hard checks (measured on SQuAD to cost nothing: they rarely fire there): the
    sentence names another country than the one asked about, or the question asks for a
    role ("who leads") that neither it nor the sentence before names, or names it only for
    another country."""
    tset = p.sets[position]
    if competing_country(cx.q.names, cx.countries, tset):
        return True
    if not cx.slots.holds_role(tset) and not (
            position and cx.slots.holds_role(p.sets[position - 1])):
        return True
    return role_elsewhere(cx.slots, p.toks[position], cx.countries, cx.asked_countries)


def _paragraph(cx: _Context, rank: int, hit: SearchHit, spans: tuple[Span, ...]) -> list[_Raw]:
    """The candidates of one paragraph: its sentences holding a term of the question."""
    p = _para(cx, rank, hit, spans)
    if p is None:
        return []
    out: list[_Raw] = []
    for position, span in enumerate(spans):
        if not p.cov[position] or _vetoed(cx, p, position):
            continue
        feats, phrase = _sentence(cx, p, position, span)
        out.append((span, hit, rank, position, feats, phrase, p.sets[position]))
    return out


def candidates(archive: Snapshot, q: Question, hits: list[SearchHit],
               table: tuple[Alias, ...], weights: dict[str, float],
               budget: Budget | None = None) -> tuple[list[Candidate], list[Paragraph]]:
    """Every sentence of ``hits`` with its features (``weights``: idf per question term;
    ``budget`` checked per paragraph, each at most ``archive.max_paragraph_chars``)."""
    budget = budget or Budget.unlimited()
    fold = archive.tokenizer
    cx = _Context(archive, q, weights, sum(weights[t] for t in q.terms) or 1.0,
                  frozenset(q.terms), q.asked,
                  max((h.score for h in hits), default=1.0) or 1.0, table, country_terms(fold),
                  slots_of(q.terms, q.kind, fold),
                  frozenset(n for n in q.names if n in country_terms(fold)))
    raw: list[_Raw] = []
    paragraphs = []
    for rank, hit in enumerate(hits):
        budget.check()
        spans = tuple(split_sentences(hit.text))
        paragraphs.append(Paragraph(hit, spans))
        raw += _paragraph(cx, rank, hit, spans)
    best_cov = max((r[4][1] for r in raw), default=0.0) or 1.0
    best_para = max((r[4][24] for r in raw), default=0.0) or 1.0
    out = []
    for span, hit, rank, position, feats, phrase, tset in raw:
        feats[12] = feats[1] / best_cov
        feats[_PARA_COV_REL] = feats[24] / best_para
        out.append(Candidate(span, hit, rank, position, tuple(feats), phrase, tset))
    return out, paragraphs


def logit(weights: tuple[float, ...], features: tuple[float, ...]) -> float:
    return math.fsum(w * f for w, f in zip(weights, features, strict=True))

"""``ask``: an extractive answer, one to three sentences copied verbatim from the archive.

Retrieval is the paragraph search (BM25 over the best ``settings.answers.passages``
paragraphs); the answer is chosen sentence by sentence. A sentence scores by

* **coverage**: the idf-weighted share of the question's distinct terms it contains (a term
  the archive never uses still counts in the denominator, so a question about something the
  archive does not hold cannot be answered by its common words alone);
* **proximity**: how close together the matched terms sit;
* **answer type**: a "how many" question prefers a sentence with a number near a matched
  term, "when" one with a date or year, "who" one with a person's name not already in the
  question;
* a little of its paragraph's BM25 score, to break ties between equally good sentences.

When no paragraph matches, the best paragraph scores under ``answers.min_score``, or the best
sentence covers less than :data:`MIN_COVERAGE` of the question, the answer is "not found"
rather than a weak guess.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, NamedTuple

from bot.core.answers.sentences import CitedSentence, Span, names_in, split_sentences
from bot.core.budget import Budget
from bot.core.models import SearchHit
from bot.core.requests import AskRequest

if TYPE_CHECKING:
    from bot.core.snapshot import Snapshot

log = logging.getLogger(__name__)

# The best sentence must hold at least this idf-weighted share of the question's terms.
MIN_COVERAGE = 0.4
# Terms of the sentence just before (same paragraph) count this much: "The regime dropped
# barrel bombs on Sarmin. Six people, including three children, were killed."
CONTEXT_WEIGHT = 0.5
# Further sentences join the answer only when they score this close to the best one.
FOLLOW_RATIO = 0.9
MIN_WORDS = 4

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(
        r"\bhow\s+(?:many|much|large|big|long|far|old)\b|\b(?:the\s+)?number\s+of\b"
        r"|\bwhat\s+(?:percentage|percent|proportion|share|toll)\b", re.I)),
    ("date", re.compile(
        r"^\W*when\b|\bwhen\s+(?:did|was|were|is|does|do|will|had|has)\b"
        r"|\b(?:what|which|in\s+what)\s+(?:year|date|day|month)\b|\bsince\s+when\b", re.I)),
    ("person", re.compile(r"\bwho(?:m|se)?\b|\bwhich\s+(?:person|official|minister|envoy)\b",
                          re.I)),
)
# Phrases that only say what kind of answer is wanted: removed before searching.
_ASKING = re.compile(
    r"\bhow\s+(?:many|much|large|big|long|far|old)\b|\b(?:the\s+)?number\s+of\b"
    r"|\b(?:what|which|in\s+what)\s+(?:year|date|day|month|percentage|percent)\b"
    r"|\bsince\s+when\b", re.I)
QUESTION_WORDS = frozenset(
    """who whom whose what which when where why how many much did does do is are was were
    tell me please say says said happen happened happens kind sort anyone someone something
    according archive article articles may might must shall""".split()
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty"
    r"|fifty|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_QWORD = re.compile(r"[\w'’.,-]+")
_VAGUE = frozenset({"dozen", "dozens", "hundreds", "thousands", "millions", "billions"})
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_DATE = re.compile(
    r"\b(?:1[89]|20)\d\d\b|\b(?:january|february|march|april|may|june|july|august|september"
    r"|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|yesterday|today|tonight)\b|\blast\s+(?:week|month|year)\b|\b\w+\s+ago\b", re.I)


class Question(NamedTuple):
    """A question reduced to what it asks for and what to search."""

    text: str
    kind: str  # "number", "date", "person" or "other"
    search: str  # the words worth searching for
    terms: tuple[str, ...]  # distinct index terms of ``search``
    proper: tuple[str, ...]  # terms of its capitalised words (names)
    dotted: tuple[str, ...]  # acronyms among them spelt with dots ("U.S.")


class Answer(NamedTuple):
    question: str
    found: bool
    sentences: tuple[CitedSentence, ...]
    passages: tuple[SearchHit, ...]
    searched_articles: int
    date_range: tuple[str | None, str | None]
    message: str


class Scored(NamedTuple):
    score: float
    coverage: float
    kind: float  # answer-type match, 0-1
    span: Span
    hit: SearchHit
    terms: frozenset[str]


def parse_question(archive: Snapshot, text: str) -> Question:
    """Classify ``text`` and strip its question words."""
    kind = next((name for name, rx in _KINDS if rx.search(text)), "other")
    stripped = _ASKING.sub(" ", text)
    kept = [(i, w) for i, w in enumerate(_QWORD.findall(stripped))
            if w.strip(".,'’").casefold() not in QUESTION_WORDS]
    search = " ".join(w for _, w in kept)
    terms = tuple(dict.fromkeys(archive.tokenizer(search)))
    # Capitalised words after the first are names; a sentence must name them to answer.
    capitals = [w for i, w in kept if i > 0 and w[0].isupper()]
    proper = tuple(dict.fromkeys(archive.tokenizer(" ".join(capitals))))
    dotted = tuple(".".join(w) + "." for w in capitals if w.isupper() and 2 <= len(w) <= 3)
    return Question(text, kind, search, terms, proper, dotted)


def idf_of(archive: Snapshot, terms: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Smoothed idf (``ln(1 + (N - df + .5) / (df + .5))``, never negative) per term; a term
    the archive never uses gets the idf of a term used once."""
    index, idf = archive.index, archive.idf
    n = index.n_paragraphs
    unseen = math.log1p((n - 0.5) / 1.5)
    out = {}
    for term, tid in zip(terms, index.term_ids(list(terms)), strict=True):
        out[term] = float(idf[tid]) if tid >= 0 else unseen
    return out


def _proximity(terms: list[str], wanted: set[str]) -> float:
    """1.0 when the matched query terms are adjacent, falling as they spread out."""
    positions = [(i, t) for i, t in enumerate(terms) if t in wanted]
    distinct = {t for _, t in positions}
    if len(distinct) < 2:
        return 0.0
    best = len(terms)
    counts: dict[str, int] = {}
    left = 0
    for pos, term in positions:
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == len(distinct):
            best = min(best, pos - positions[left][0] + 1)
            lterm = positions[left][1]
            counts[lterm] -= 1
            if not counts[lterm]:
                del counts[lterm]
            left += 1
    return (len(distinct) - 1) / max(best - 1, 1)


def _type_match(archive: Snapshot, q: Question, text: str) -> float:
    if q.kind == "number":
        anchors = [s for s, _ in archive.tokenizer.spans(text, q.terms)]
        best = 0.0
        for m in _NUMBER.finditer(text):
            word = m.group().casefold()
            value = 0.3 if _YEAR.fullmatch(word) else 0.6 if word in _VAGUE else 1.0
            near = any(abs(m.start() - a) <= 40 for a in anchors)
            best = max(best, value if near else value / 2)
        return best
    if q.kind == "date":
        return 1.0 if _DATE.search(text) else 0.0
    if q.kind == "person":
        asked = set(archive.tokenizer(q.text))
        for name in names_in(text):
            if name.person and not set(archive.tokenizer(name.text)) <= asked:
                return 1.0
        return 0.0
    return 0.0


def score_sentences(
    archive: Snapshot, q: Question, hits: list[SearchHit], budget: Budget | None = None
) -> list[Scored]:
    """Every sentence of ``hits`` scored against ``q``, best first (``budget``: checked per
    sentence; the caller has charged the hits' text)."""
    budget = budget or Budget.unlimited()
    weights = idf_of(archive, q.terms)
    total = sum(weights.values()) or 1.0
    wanted = set(q.terms)
    top = max((h.score for h in hits), default=1.0) or 1.0
    out: list[Scored] = []
    for hit in hits:
        before: set[str] = set()
        previous = ""
        title = set(archive.tokenizer(hit.title))
        for span in split_sentences(hit.text):
            budget.check()
            terms = archive.tokenizer(span.text)
            present = wanted.intersection(terms)
            context, before = before - present, wanted.intersection(terms)
            text, previous = previous + " " + span.text, span.text
            if not present or len(span.text.split()) < MIN_WORDS:
                continue
            if not _grounded(q, title.union(terms, archive.tokenizer(text)), text):
                continue
            coverage = (
                sum(weights[t] for t in present)
                + CONTEXT_WEIGHT * sum(weights[t] for t in context)
            ) / total
            prox = _proximity(terms, wanted)
            kind = _type_match(archive, q, span.text)
            score = coverage * (0.7 + 0.15 * prox + 0.35 * kind) + 0.1 * hit.score / top
            out.append(Scored(score, coverage, kind, span, hit, frozenset(terms)))
    out.sort(key=lambda s: -s.score)
    return out


def _names_match(wanted: str, have: set[str]) -> bool:
    if wanted in have:
        return True
    # "Syria" / "Syrian", "Russia" / "Russian": the adjective names the place too.
    return len(wanted) >= 4 and any(
        len(t) >= 4 and abs(len(t) - len(wanted)) <= 2
        and (t.startswith(wanted) or wanted.startswith(t))
        for t in have
    )


def _grounded(q: Question, have: set[str], text: str) -> bool:
    """Whether a sentence (with the one before it and the article title) names every name
    the question uses; "US" also matches "U.S."."""
    dotted = [d for d in q.dotted if d in text]
    missing = [p for p in q.proper if not _names_match(p, have)]
    return len(missing) <= len(dotted) and all(
        any(p == d.replace(".", "").casefold() for d in dotted) for p in missing
    )


def _pick(scored: list[Scored], limit: int) -> list[Scored]:
    """The best sentence, and up to ``limit - 1`` more that score nearly as well, hold at
    least as much of the question and as good an answer type, and repeat none chosen."""
    best = scored[0]
    chosen = [best]
    for cand in scored[1:]:
        if len(chosen) >= limit or cand.score < FOLLOW_RATIO * best.score:
            break
        if cand.coverage < best.coverage or cand.kind < best.kind:
            continue
        if all(_jaccard(cand.terms, c.terms) < 0.6 for c in chosen):
            chosen.append(cand)
    return chosen


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / (len(a | b) or 1)


def not_found_message(count: int, dates: tuple[str | None, str | None]) -> str:
    first, last = dates
    span = f"dates {first} to {last}" if first and last else "no dated articles"
    noun = "article" if count == 1 else "articles"
    return f"Not found in the archive (searched {count} {noun}, {span})."


def ask(archive: Snapshot, request: AskRequest, budget: Budget | None = None) -> Answer:
    """Answer ``request.question`` from the archive, or say plainly that it holds no
    answer. ``budget`` bounds the work (default: ``answers.max_work_*``); over it,
    :class:`~bot.core.budget.WorkTooLargeError`."""
    text, filters = request.question, request.filters
    settings = archive.settings.answers
    if budget is None:
        budget = Budget.of(settings)
    count, dates = archive.searched(filters)
    q = parse_question(archive, text)
    ranked = archive.rank(q.search, filters)
    best = archive.best(ranked, settings.passages)
    budget.spend_paragraphs(archive.index, (p for p, _ in best))  # before reading them
    hits = [archive.hit(p, s) for p, s in best]
    scored = score_sentences(archive, q, hits, budget) if hits else []
    best_para = hits[0].score if hits else 0.0
    if (
        not scored
        or best_para < settings.min_score
        or scored[0].coverage < MIN_COVERAGE
    ):
        log.info(
            "not found: %r (kind %s, terms %s, best paragraph %.2f, best coverage %.2f)",
            text, q.kind, q.terms, best_para, scored[0].coverage if scored else 0.0,
        )
        return Answer(text, False, (), tuple(hits), count, dates,
                      not_found_message(count, dates))
    chosen = _pick(scored, settings.max_sentences)
    sentences = tuple(CitedSentence(s.span.text, s.hit.citation) for s in chosen)
    log.info("answered %r (kind %s) from %s", text, q.kind,
             ", ".join(f"{s.hit.doc_id}¶{s.hit.paragraph}" for s in chosen))
    return Answer(text, True, sentences, tuple(hits), count, dates,
                  " ".join(s.text for s in sentences))

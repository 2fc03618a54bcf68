"""``ask``: an extractive answer, one to three sentences copied verbatim from the archive.

Retrieval is the paragraph search (BM25 over the best ``settings.answers.passages``
paragraphs). Every sentence of those paragraphs is a candidate with features
(:mod:`bot.core.answers.candidates`: coverage of the question's terms, in the sentence, its
neighbours and its paragraph; proximity and order; the answer type the question asks for;
the question's names, with aliases; the paragraph's rank and score), weighed by a small
listwise-trained logistic model shipped as data (:mod:`bot.core.answers.ranker`). The best
sentence answers; a neighbour joins it when it carries the missing part (the number, the
name behind "he"), or another sentence when it scores nearly as well. A "how many" (or "how
old", "how far": a number of that measure) answer must hold a number: when the best does
not, itself or with its neighbour, the next candidate that does takes its place if it
scores at least half as well. A person the question names in full is named by a sentence
that gives the surname alone, when the article names the person in full.

The answer is "not found" when no paragraph matches, the best scores under
``answers.min_score``, :data:`MAX_UNSEEN` of the question's weight is in terms the archive
never uses, or the abstention model's confidence
(:mod:`bot.core.answers.abstain`: the ranker's best probability and margin, what the
sentence, paragraph and article lack of the question, the slot asked for) is under its
threshold; the message then says what the archive does mention ("It mentions Astana in 3
articles, but not ...").
"""

from __future__ import annotations

import logging
import math
import re
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from bot.core.answers.abstain import ABSTAIN, abstain_features
from bot.core.answers.aliases import alias_table
from bot.core.answers.answertype import question_kind, question_measure, type_match
from bot.core.answers.candidates import Candidate, Paragraph, candidates, logit
from bot.core.answers.ranker import Weights, shipped_weights, sigmoid
from bot.core.answers.sentences import CitedSentence, Span
from bot.core.budget import Budget
from bot.core.models import SearchHit
from bot.core.requests import AskRequest

if TYPE_CHECKING:
    from bot.core.snapshot import Snapshot

log = logging.getLogger(__name__)

# A question whose terms the archive never uses carry this much of its weight is about
# something the archive does not hold ("Who won the 2022 world cup?"): "not found" whatever
# the model says (SQuAD's questions are written about the archive, so it cannot learn this).
MAX_UNSEEN = 0.34
# "How many" questions whose answer holds no number get the abstention feature ``no_slot``
# (a date for "when" is left to the ranker: SQuAD's "when" answers are often "after the war").
STRICT_KINDS = frozenset({"number"})
UNSEEN = ABSTAIN.index("unseen")
# A "how many" answer without a number gives way to the best of the next SLOT_CANDIDATES
# candidates that holds one, if it scores at least SLOT_RATIO of the best.
SLOT_CANDIDATES = 8
SLOT_RATIO = 0.5

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
_QWORD = re.compile(r"[\w'’.,-]+")
_PRONOUN = re.compile(r"^(?:he|she|they|it|his|her|their|its|this|these|those|the\s+group)\b",
                      re.I)
_CONTINUES = re.compile(r"^(?:also|in\s+addition|(?:it|they|this|he|she)\s+(?:would|will|could"
                        r"|should|may|might)?\s*also)\b", re.I)


class Question(NamedTuple):
    """A question reduced to what it asks for and what to search."""

    text: str
    kind: str  # one of bot.core.answers.answertype.KINDS
    search: str  # the words worth searching for
    terms: tuple[str, ...]  # distinct index terms of ``search``
    proper: tuple[str, ...]  # terms of its capitalised words (names)
    dotted: tuple[str, ...]  # acronyms among them spelt with dots ("U.S.")
    words: tuple[str, ...] = ()  # the words of ``search`` as written
    measure: str = ""  # what a number answering it measures (answertype.question_measure)
    # Each name term's full name, when it is the given name of a person the question names
    # in two or more words ("zeina" → "khodr"): a sentence naming the surname names it.
    surnames: tuple[tuple[str, str], ...] = ()
    asked: frozenset[str] = frozenset()  # every term of the question as written

    @property
    def names(self) -> tuple[str, ...]:
        return self.proper


class Answer(NamedTuple):
    question: str
    found: bool
    sentences: tuple[CitedSentence, ...]
    passages: tuple[SearchHit, ...]
    searched_articles: int
    date_range: tuple[str | None, str | None]
    message: str
    confidence: float = 0.0  # the abstention model's, 0-1 (0 when nothing matched)
    # Per sentence, the phrase answering the question's kind (offsets in the sentence).
    bold: tuple[Span | None, ...] = ()


def parse_question(archive: Snapshot, text: str) -> Question:
    """Classify ``text`` and strip its question words."""
    kind = question_kind(text)
    stripped = _ASKING.sub(" ", text)
    kept = [(i, w) for i, w in enumerate(_QWORD.findall(stripped))
            if w.strip(".,'’").casefold() not in QUESTION_WORDS]
    search = " ".join(w for _, w in kept)
    terms = tuple(dict.fromkeys(archive.tokenizer(search)))
    capitals = [w for i, w in kept if i > 0 and w[0].isupper()]
    proper = tuple(dict.fromkeys(archive.tokenizer(" ".join(capitals))))
    dotted = tuple(".".join(w) + "." for w in capitals if w.isupper() and 2 <= len(w) <= 3)
    return Question(text, kind, search, terms, proper, dotted,
                    tuple(w.strip(".,'’?") for _, w in kept), question_measure(text),
                    _surnames(archive, kept), frozenset(archive.tokenizer(text)))


def _surnames(archive: Snapshot, kept: list[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    """(given name term, surname term) for each run of two or three adjacent capitalised
    words of the question ("Zeina Khodr"): news names a person in full once, then by the
    surname alone."""
    runs: list[list[tuple[int, str]]] = []
    for i, word in kept:
        word = word.strip(".,'’")
        if i == 0 or not (word[:1].isupper() and word.isalpha()):
            continue
        if runs and runs[-1][-1][0] == i - 1:
            runs[-1].append((i, word))
        else:
            runs.append([(i, word)])
    out: list[tuple[str, str]] = []
    for run in runs:
        terms = [archive.tokenizer(w) for _, w in run]
        if 2 <= len(run) <= 3 and all(len(t) == 1 for t in terms):
            last = terms[-1][0]
            out += [(t[0], last) for t in terms[:-1] if t[0] != last]
    return tuple(out)


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


class Ranked(NamedTuple):
    """A candidate with the ranker's probability."""

    p: float
    cand: Candidate


class Choice(NamedTuple):
    """What :func:`choose` decided: the ranked candidates, the neighbour that completes the
    best one (if any), the abstention features and confidence, and the paragraphs."""

    q: Question
    hits: list[SearchHit]
    ranked: list[Ranked]
    paragraphs: list[Paragraph]
    abstain: tuple[float, ...]
    confidence: float
    extra: Span | None = None


class Prepared(NamedTuple):
    """The candidates of one question's passages with their features (no weights yet)."""

    cands: list[Candidate]
    paragraphs: list[Paragraph]
    idf: dict[str, float]


def prepare(archive: Snapshot, q: Question, hits: list[SearchHit],
            budget: Budget | None = None) -> Prepared:
    """Every candidate sentence of ``hits`` with its features (what the weights weigh)."""
    idf = idf_of(archive, q.terms)
    cands, paragraphs = candidates(archive, q, hits, alias_table(archive.tokenizer), idf,
                                   budget)
    return Prepared(cands, paragraphs, idf)


def score_sentences(archive: Snapshot, q: Question, hits: list[SearchHit],
                    budget: Budget | None = None,
                    weights: Weights | None = None) -> list[Candidate]:
    """Every candidate sentence of ``hits``, best first (for diagnostics: bench/squad.py)."""
    prepared = prepare(archive, q, hits, budget)
    return [r.cand for r in _rank(prepared, weights or shipped_weights())]


def _rank(prepared: Prepared, weights: Weights) -> list[Ranked]:
    ranked = [Ranked(sigmoid(logit(weights.sentence, c.features)), c) for c in prepared.cands]
    ranked.sort(key=lambda r: (-r.p, r.cand.rank, r.cand.position))
    return ranked


def choose(archive: Snapshot, q: Question, hits: list[SearchHit],
           budget: Budget | None = None, weights: Weights | None = None,
           prepared: Prepared | None = None) -> Choice:
    """Rank the candidates of ``hits`` and work out the confidence that the best answers
    (``prepared``: the candidates when already computed, as training does)."""
    weights = weights or shipped_weights()
    if prepared is None:
        prepared = prepare(archive, q, hits, budget)
    ranked, paragraphs, idf = _rank(prepared, weights), prepared.paragraphs, prepared.idf
    if not ranked:
        return Choice(q, hits, [], paragraphs, (), 0.0)
    extra = _neighbour(archive, q, paragraphs, ranked[0].cand)
    if not _holds_slot(archive, q, ranked[0].cand, extra):
        ranked, extra = _slotted_first(archive, q, paragraphs, ranked, extra)
    feats = abstain_features(archive, q, ranked, extra, idf,
                             _holds_slot(archive, q, ranked[0].cand, extra))
    confidence = weights.confidence(feats)
    return Choice(q, hits, ranked, paragraphs, feats, confidence, extra)


def not_found_message(count: int, dates: tuple[str | None, str | None]) -> str:
    first, last = dates
    span = f"dates {first} to {last}" if first and last else "no dated articles"
    noun = "article" if count == 1 else "articles"
    return f"Not found in the archive (searched {count} {noun}, {span})."


def nearby(archive: Snapshot, choice: Choice) -> str:
    """What the archive does have near a question it does not answer: "It mentions the
    Astana talks in 3 articles, but not the first round." ("" when nothing useful)."""
    q, hits = choice.q, choice.hits
    if not hits or not q.words:
        return ""
    fold = archive.tokenizer
    have = set(fold(hits[0].title + " " + hits[0].text))
    found = [w for w in q.words if fold(w) and set(fold(w)) <= have]
    missing = [w for w in q.words if fold(w) and not set(fold(w)) <= have]
    if not missing or not (len(found) >= 2 or any(w[:1].isupper() for w in found)):
        return ""  # nothing, or one common word: no help
    terms = {t for w in found for t in fold(w)}
    docs = sorted({h.doc_id for h in hits if terms <= set(fold(h.title + " " + h.text))})
    noun = "article" if len(docs) == 1 else "articles"
    return (f" It mentions {' '.join(found)} in {len(docs)} {noun} of the closest "
            f"passages, but not {' '.join(missing)}.")


def _neighbour(archive: Snapshot, q: Question, paragraphs: list[Paragraph],
               best: Candidate) -> Span | None:
    """The sentence next to ``best`` that carries what it lacks, if any: the name behind
    its leading "he", a name of the question it lacks, the number or date it has not (the
    next sentence first), or the rest of a list it opens."""
    spans = paragraphs[best.rank].spans
    before = spans[best.position - 1] if best.position > 0 else None
    after = spans[best.position + 1] if best.position + 1 < len(spans) else None
    if before is not None and q.kind == "person" and _PRONOUN.match(best.span.text):
        return before
    if before is not None and best.features[7] < 1.0 and q.names:
        given = dict(q.surnames)
        lacking = [n for n in q.names if n not in best.terms
                   and given.get(n, "") not in best.terms]
        if any(n in archive.tokenizer(before.text) for n in lacking):
            return before
    if best.phrase.score < 1.0 and q.kind != "other":
        for span in (after, before):
            if span is not None and _typed(archive, q, span.text) > best.phrase.score:
                return span
    if after is not None and (best.span.text.rstrip().endswith(":")
                              or (_CONTINUES.match(after.text)
                              and not best.terms.isdisjoint(archive.tokenizer(after.text)))):
        return after  # a list or an argument continues ("It would also require ...")
    if after is not None and _shares_pair(q, best.terms, archive.tokenizer(after.text)):
        return after  # the next sentence goes on about the same thing ("Our core interests")
    if after is not None and q.kind == "number" and best.phrase.score > 0.0:
        counted = best.span.text[best.phrase.start:best.phrase.end].split()[-1]
        other = type_match(q.kind, after.text, frozenset(), [], archive.tokenizer, q.measure)
        if other.score > 0.0 and after.text[other.start:other.end].endswith(counted):
            return after  # another estimate of the same count
    return None


def _slotted_first(archive: Snapshot, q: Question, paragraphs: list[Paragraph],
                   ranked: list[Ranked], extra: Span | None) -> tuple[list[Ranked], Span | None]:
    """``ranked`` with the best candidate that holds the number a "how many" question asks
    for (itself or with its neighbour) moved first, when the best does not and that one
    scores at least :data:`SLOT_RATIO` of it ("How old is Alloush?": not his quotation but
    "Alloush has also proved a divisive character. A stocky man in his 40s ...")."""
    floor = SLOT_RATIO * ranked[0].p
    for at in range(1, min(len(ranked), SLOT_CANDIDATES)):
        r = ranked[at]
        if r.p < floor:
            break
        joined = _neighbour(archive, q, paragraphs, r.cand)
        if _holds_slot(archive, q, r.cand, joined):
            return [r, *ranked[:at], *ranked[at + 1:]], joined
    return ranked, extra


def _holds_slot(archive: Snapshot, q: Question, best: Candidate, extra: Span | None) -> bool:
    """Whether the answer holds what a "how many" question asks for (a number), in the
    best sentence or the neighbour ``extra`` joining it."""
    if q.kind not in STRICT_KINDS or best.phrase.score > 0.0:
        return True
    return extra is not None and _typed(archive, q, extra.text) > 0.0


def _shares_pair(q: Question, first: frozenset[str], second: list[str]) -> bool:
    """Whether two sentences both hold a pair of the question's adjacent terms."""
    pairs = set(pairwise(second))
    return any(a in first and b in first and (a, b) in pairs for a, b in pairwise(q.terms))


def _typed(archive: Snapshot, q: Question, text: str) -> float:
    """How well ``text`` holds the answer type (0 under 0.6: too weak to join)."""
    fold = archive.tokenizer
    score = type_match(q.kind, text, q.asked, [], fold, q.measure).score
    return score if score >= 0.6 else 0.0


def pick(choice: Choice, limit: int, follow: float) -> list[tuple[Span, SearchHit]]:
    """The sentences of the answer, in reading order when they share a paragraph."""
    best = choice.ranked[0].cand
    chosen = [(best.span, best.hit, best.position)]
    if choice.extra is not None:
        spans = choice.paragraphs[best.rank].spans
        chosen.append((choice.extra, best.hit, spans.index(choice.extra)))
    elif len(choice.ranked) > 1 and limit > 1:
        second = choice.ranked[1]
        c = second.cand
        if second.p >= follow * choice.ranked[0].p and all(
                c.span.text != s.text for s, _, _ in chosen):
            chosen.append((c.span, c.hit, c.position))
    chosen = chosen[:limit]
    if all(h is best.hit for _, h, _ in chosen):
        chosen.sort(key=lambda x: x[2])
    return [(s, h) for s, h, _ in chosen]


def ask(archive: Snapshot, request: AskRequest, budget: Budget | None = None,
        weights: Weights | None = None) -> Answer:
    """Answer ``request.question`` from the archive, or say plainly that it holds no
    answer. ``budget`` bounds the work (default: ``answers.max_work_*``); over it,
    :class:`~bot.core.budget.WorkTooLargeError`. ``weights``: the ranker's (default: the
    shipped ones)."""
    text, filters = request.question, request.filters
    settings = archive.settings.answers
    weights = weights or shipped_weights()
    if budget is None:
        budget = Budget.of(settings)
    q = parse_question(archive, text)
    # one kernel pass, uncounted (an answer needs only the best few passages)
    best = archive.top(q.search, settings.passages, filters, count=False).pairs
    budget.spend_paragraphs(archive.index, (p for p, _ in best))  # before reading them
    hits = [archive.hit(p, s) for p, s in best]
    return respond(archive, request, choose(archive, q, hits, budget, weights), weights)


def respond(archive: Snapshot, request: AskRequest, choice: Choice,
            weights: Weights) -> Answer:
    """The answer of ``choice`` (found when it clears the threshold), as :func:`ask`
    gives it."""
    text, q, hits = request.question, choice.q, choice.hits
    settings = archive.settings.answers
    count, dates = archive.searched(request.filters)
    best_para = hits[0].score if hits else 0.0
    top = choice.ranked[0].cand if choice.ranked else None
    if top is None or best_para < settings.min_score or choice.confidence < weights.threshold \
            or choice.abstain[UNSEEN] >= MAX_UNSEEN:
        log.info("not found: %r (kind %s, terms %s, best paragraph %.2f, confidence %.2f)",
                 text, q.kind, q.terms, best_para, choice.confidence)
        message = not_found_message(count, dates) + (nearby(archive, choice) if top else "")
        return Answer(text, False, (), tuple(hits), count, dates, message, choice.confidence)
    chosen = pick(choice, settings.max_sentences, weights.follow)
    sentences = tuple(CitedSentence(s.text, h.citation) for s, h in chosen)
    bold = tuple(_bold(archive, q, s.text) for s, _ in chosen)
    log.info("answered %r (kind %s, confidence %.2f) from %s", text, q.kind,
             choice.confidence, ", ".join(f"{h.doc_id}¶{h.paragraph}" for _, h in chosen))
    return Answer(text, True, sentences, tuple(hits), count, dates,
                  " ".join(s.text for s in sentences), choice.confidence, bold)


def _bold(archive: Snapshot, q: Question, text: str) -> Span | None:
    fold = archive.tokenizer
    anchors = [s for s, _ in fold.spans(text, q.terms)] if q.kind == "number" else []
    phrase = type_match(q.kind, text, q.asked, anchors, fold, q.measure)
    if phrase.score <= 0.0:
        return None
    return Span(text[phrase.start:phrase.end], phrase.start, phrase.end)

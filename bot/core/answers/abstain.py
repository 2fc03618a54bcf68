"""Whether the best candidate answers at all: the abstention model's features.

One row per question (:data:`ABSTAIN`, values in 0–1 or small): the ranker's best
probability and its margin over the second and its share of all candidates' probability;
the best sentence's coverage of the question (with the neighbour joining it); its names,
answer type and the checks that were once hard vetoes (a name the article lacks, another
country, no role, the slot a "how many" question asks for absent); the share of the
question's weight that the archive never uses, the paragraph lacks or the article lacks
(the rarest term missing: "a high-idf question term absent from the passage's article");
the paragraph's BM25 score and the question's kind; a negation or a number of the question
that the answer does not carry, or the opposite of one of its words (:func:`unmet`). The
shipped weights are trained by ``python -m bench squad --train``; under their ``threshold``
the answer is "not found".
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from bot.core.answers.antonyms import opposed
from bot.core.answers.sentences import Span

if TYPE_CHECKING:
    from bot.core.answers.ask import Question, Ranked
    from bot.core.models import SearchHit
    from bot.core.snapshot import Snapshot

ABSTAIN = ("bias", "best", "margin", "cov", "ctx", "names_s", "names_c", "typ", "untyped",
           "missing", "unseen", "para_score", "single", "mass", "low_cov", "no_slot",
           "para_lacks", "article_lacks", "rare_lacks", "no_names", "no_qualifier",
           "kind_number", "kind_date", "kind_person", "kind_place", "kind_reason", "terms",
           "top_para", "second", "para_rare_lacks", "lacks_one", "lacks_more", "negated",
           "negation_unmet", "number_unmet", "opposite")
# The best sentence must hold at least this idf-weighted share of the question's terms
# (in itself or, at half weight, elsewhere in its paragraph): under it, ``low_cov``.
MIN_COVERAGE = 0.15
CONTEXT_WEIGHT = 0.5
_KINDS = ("number", "date", "person", "place", "reason")
_NEGATION = re.compile(r"\b(?:not|never|no|none|nor|cannot)\b|n't\b", re.I)
_WORD = re.compile(r"[\w'%-]+")
_DIGIT = re.compile(r"\d")


def unmet(question: str, answer: str) -> tuple[float, float, float]:
    """Whether the question asks something the answer's wording does not carry:
    (``negation_unmet``) the question is negated ("What is a hormone that does *not*
    affect ...") and the answer says no "not", "never", "no"; (``number_unmet``) the
    question writes a number ("the richest 10%", "in 1974") that the answer does not write;
    (``opposite``) the answer writes the opposite of a word of the question instead of it
    (:func:`bot.core.answers.antonyms.opposed`). Measured on SQuAD v2.0 dev, a logistic
    abstention model cross-fitted by article over the previous model's best answers, at 5%
    false "not found": "not found" to 13.4% of the unanswerable questions without these
    checks, 17.4% with the negation, 14.4% with the number, 18.7% with both, 20.5% with all
    three (end to end, retrained: 12.5% to 19.6%, bench/results-squad.md)."""
    negation = float(bool(_NEGATION.search(question)) and not _NEGATION.search(answer))
    have = {w.casefold() for w in _WORD.findall(answer)}
    number = float(any(_DIGIT.search(w) and w.casefold() not in have
                       for w in _WORD.findall(question)))
    return negation, number, float(opposed(question, answer))


def article_terms(archive: Snapshot, hit: SearchHit, terms: tuple[str, ...],
                  ids: list[int] | None = None) -> set[str]:
    """The ``terms`` that the article of ``hit`` uses anywhere (its paragraphs' terms;
    ``ids``: their term ids when already looked up)."""
    index = archive.index
    doc = index.docs[index.doc_lookup[hit.doc_id]]
    if ids is None:
        ids = index.term_ids(list(terms))
    return {t for t, tid in zip(terms, ids, strict=True)
            if tid >= 0 and index.uses_term(tid, doc.first, doc.count)}


def abstain_features(archive: Snapshot, q: Question, ranked: list[Ranked],
                     extra: Span | None, idf: dict[str, float],
                     holds_slot: bool) -> tuple[float, ...]:
    """The abstention features (:data:`ABSTAIN`) of the best of ``ranked`` (non-empty),
    ``extra`` the neighbour sentence joining it, ``holds_slot`` whether the answer holds
    the number a "how many" question asks for."""
    best = ranked[0]
    f = best.cand.features
    second = ranked[1].p if len(ranked) > 1 else 0.0
    total = sum(idf[t] for t in q.terms) or 1.0
    tids = list(archive.index.term_ids(list(q.terms)))
    unseen = sum(idf[t] for t, tid in zip(q.terms, tids, strict=True) if tid < 0) / total
    cov, ctx, names_s = f[1], f[2], f[7]
    if extra is not None:  # the answer is the pair: what the two hold together
        both = best.cand.terms.union(archive.tokenizer(extra.text))
        gained = sum(idf[t] for t in q.terms if t in both) / total - cov
        cov, ctx = cov + gained, max(0.0, ctx - gained)
        if q.names:
            names_s = max(names_s, sum(n in both for n in q.names) / len(q.names))
    mass = math.fsum(r.p for r in ranked) or 1.0
    in_article = article_terms(archive, best.cand.hit, q.terms, tids)
    lacking = [t for t in q.terms if t not in in_article]
    top_idf = max((idf[t] for t in q.terms), default=1.0) or 1.0
    hit = best.cand.hit
    in_para = set(archive.tokenizer(hit.title + " " + hit.text))
    absent = [t for t in q.terms if t not in in_para]
    feats = (1.0, best.p, best.p - second, cov, ctx, names_s, f[8], f[5], f[6],
             max(0.0, 1.0 - cov - ctx), unseen, math.tanh(best.cand.hit.score / 20),
             float(len(q.terms) <= 1), best.p / mass,
             float(f[1] + CONTEXT_WEIGHT * f[2] < MIN_COVERAGE), float(not holds_slot),
             max(0.0, 1.0 - f[24]), sum(idf[t] for t in lacking) / total,
             max((idf[t] for t in lacking), default=0.0) / top_idf,
             f[30], f[31], *(float(q.kind == k) for k in _KINDS),
             min(len(q.terms), 10) / 10, float(best.cand.rank == 0), second,
             max((idf[t] for t in absent), default=0.0) / top_idf, float(len(absent) == 1),
             float(len(absent) >= 2), float(bool(_NEGATION.search(q.text))),
             *unmet(q.text, best.cand.span.text + (" " + extra.text if extra else "")))
    return feats

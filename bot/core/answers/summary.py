"""``summarize``: extractive summaries whose every sentence is copied from the paragraph it cites.

Three modes:

* **topic**: the best paragraphs for the topic (BM25), their sentences scored by relevance
  (idf-weighted coverage of the topic's terms, the paragraph's score) and centrality (cosine
  to the centroid of all candidate sentences' tf-idf vectors); picked by maximal marginal
  relevance so near-duplicates across articles are dropped; shown by article date, then
  position.
* **one article** (``doc_id``): centrality in the article (cosine to its centroid, plus the
  mean similarity to its other sentences: TextRank-lite) with a lead bias, MMR, shown in
  article order. An unknown id raises :class:`UnknownDocumentError` naming close matches.
* **neither**: an overview of the archive (or of what the filters leave): the most recent
  articles, one central sentence each (a second and third per article only when there are
  fewer articles than sentences asked for), oldest first. Its cost is bounded by the number
  of sentences asked for, whatever the archive's size.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import fuzz, process

from bot.core.answers.ask import idf_of, not_found_message, parse_question
from bot.core.answers.sentences import CitedSentence, split_sentences
from bot.core.budget import Budget
from bot.core.index import ArchiveIndex, DocMeta
from bot.core.models import Citation, Filters
from bot.core.requests import SummaryRequest
from bot.core.search import Ranked
from bot.errors import QueryError, UnknownDocumentError

if TYPE_CHECKING:
    from bot.core.snapshot import Snapshot

log = logging.getLogger(__name__)

MIN_WORDS = 6  # shorter "sentences" are captions, datelines and headings
MMR_LAMBDA = 0.7
SAME_ARTICLE = 0.04  # topic summaries: prefer spreading over articles

Vector = dict[str, float]


class Summary(NamedTuple):
    topic: str | None
    doc_id: str | None
    sentences: tuple[CitedSentence, ...]
    message: str = ""  # why the summary is empty, when it is


class _Cand(NamedTuple):
    text: str
    citation: Citation
    order: tuple[str, int, int, int]  # (date or "~", doc index, paragraph, offset)
    terms: list[str]
    rank: int  # position in its article (0 = lead)


def _vector(terms: list[str], idf: dict[str, float]) -> Vector:
    counts = Counter(terms)
    vec = {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _candidates(archive: Snapshot, doc_index: int, paras: list[int],
                budget: Budget) -> list[_Cand]:
    index = archive.index
    doc = index.docs[doc_index]
    budget.spend_paragraphs(index, paras)  # before reading any: too large is refused at once
    out: list[_Cand] = []
    for para in paras:
        number = int(index.para_num[para])
        citation = Citation(doc.doc_id, doc.title, doc.source, doc.date, number, doc.url)
        for span in split_sentences(index.text(para)):
            budget.check()
            if len(span.text.split()) < MIN_WORDS:
                continue
            terms = archive.tokenizer(span.text)
            if terms:
                order = (doc.date or "~", doc_index, number, span.start)
                out.append(_Cand(span.text, citation, order, terms, 0))
    out.sort(key=lambda c: c.order)
    return [c._replace(rank=i) for i, c in enumerate(out)]


def _mmr(cands: list[_Cand], vectors: list[Vector], scores: list[float], n: int,
         budget: Budget) -> list[int]:
    """Indices of up to ``n`` candidates by maximal marginal relevance; a sentence from an
    article already quoted pays :data:`SAME_ARTICLE` per sentence taken from it, and a
    near-duplicate (cosine over 0.8) of a chosen sentence is never taken."""
    chosen: list[int] = []
    overlap = [0.0] * len(cands)  # max cosine to the chosen sentences
    same: Counter[int] = Counter()  # sentences chosen per article
    left = set(range(len(cands)))
    while left and len(chosen) < n:
        budget.check()
        best = max(sorted(left), key=lambda i: MMR_LAMBDA * scores[i]
                   - (1 - MMR_LAMBDA) * overlap[i] - SAME_ARTICLE * same[cands[i].order[1]])
        left.discard(best)
        if overlap[best] > 0.8:
            continue
        chosen.append(best)
        same[cands[best].order[1]] += 1
        for i in left:
            overlap[i] = max(overlap[i], _cosine(vectors[i], vectors[best]))
    return chosen


def _central(vectors: list[Vector]) -> list[float]:
    """Centrality: cosine to the centroid blended with the mean cosine to every other
    sentence (TextRank-lite); with unit vectors both are linear in ``v · sum``, so this costs
    one pass, not one per pair."""
    total: dict[str, float] = {}
    for vec in vectors:
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
    others = max(len(vectors) - 1, 1)
    out = []
    for vec in vectors:
        dot = _cosine(vec, total)
        self_sim = 1.0 if vec else 0.0
        out.append(0.6 * dot / norm + 0.4 * (dot - self_sim) / others)
    return out


def _doc_sentences(archive: Snapshot, doc_index: int, n: int, budget: Budget) -> list[_Cand]:
    """The ``n`` most central sentences of one article, best first."""
    doc = archive.index.docs[doc_index]
    cands = _candidates(archive, doc_index, list(range(doc.first, doc.first + doc.count)),
                        budget)
    if not cands:
        return []
    idf = idf_of(archive, sorted({t for c in cands for t in c.terms}))
    vectors = [_vector(c.terms, idf) for c in cands]
    central = _central(vectors)
    top = max(central) or 1.0
    scores = [0.75 * s / top + 0.25 / (1 + 0.3 * c.rank) for s, c in zip(central, cands,
                                                                           strict=True)]
    return [cands[i] for i in _mmr(cands, vectors, scores, n, budget)]


def _topic_sentences(
    archive: Snapshot, topic: str, n: int, filters: Filters, budget: Budget,
    doc_index: int | None = None,
) -> list[_Cand]:
    q = parse_question(archive, topic)
    ranked = archive.rank(q.search, filters)
    if doc_index is not None:  # a topic within one article
        doc = archive.index.docs[doc_index]
        keep = (ranked.paragraphs >= doc.first) & (ranked.paragraphs < doc.first + doc.count)
        ranked = Ranked(ranked.terms, ranked.paragraphs[keep], ranked.scores[keep],
                        int(keep.sum()))
    best = archive.best(ranked, max(archive.settings.answers.passages, 2 * n))
    if not best:
        return []
    para_score = dict(best)
    by_doc: dict[int, list[int]] = {}
    for para, _ in best:
        by_doc.setdefault(int(archive.index.para_doc[para]), []).append(para)
    cands = [c for d, paras in by_doc.items() for c in _candidates(archive, d, paras, budget)]
    if not cands:
        return []
    idf = idf_of(archive, sorted({t for c in cands for t in c.terms} | set(q.terms)))
    weight = sum(idf[t] for t in q.terms) or 1.0
    vectors = [_vector(c.terms, idf) for c in cands]
    central = _central(vectors)
    top_central = max(central) or 1.0
    top_para = best[0][1] or 1.0
    lookup = archive.index.doc_lookup
    scores = []
    for cand, cen in zip(cands, central, strict=True):
        coverage = sum(idf[t] for t in set(q.terms).intersection(cand.terms)) / weight
        doc = archive.index.docs[lookup[cand.citation.doc_id]]
        bm25 = para_score[doc.first + cand.citation.paragraph - 1]
        scores.append(0.5 * coverage + 0.2 * bm25 / top_para + 0.3 * cen / top_central)
    return [cands[i] for i in _mmr(cands, vectors, scores, n, budget)]


def _doc_bytes(index: ArchiveIndex, doc_index: int) -> int:
    doc = index.docs[doc_index]
    offsets = index.text_offsets
    return int(offsets[doc.first + doc.count]) - int(offsets[doc.first])


def _overview(archive: Snapshot, n: int, filters: Filters, budget: Budget) -> list[_Cand]:
    mask = archive.doc_mask(filters).tolist()
    docs = [i for i, keep in enumerate(mask) if keep]
    docs.sort(key=lambda i: (archive.index.docs[i].date or "", -i), reverse=True)
    # "Most recent" means dated: undated articles are left out unless nothing is dated.
    dated = [i for i in docs if archive.index.docs[i].date]
    docs = dated or docs
    # The n most recent articles whose text fits the budget together: one huge article
    # is passed over (the next one taken) rather than refusing the whole overview.
    chosen: list[int] = []
    planned = 0
    for d in docs:
        if len(chosen) == n:
            break
        size = _doc_bytes(archive.index, d)
        if budget.fits(planned + size):
            chosen.append(d)
            planned += size
        else:
            log.info("overview: %s is too large to summarise within the budget; skipped",
                     archive.index.docs[d].doc_id)
    per_doc = [_doc_sentences(archive, d, math.ceil(n / max(len(chosen), 1)), budget)
               for d in chosen]
    out: list[_Cand] = []
    for depth in range(max((len(p) for p in per_doc), default=0)):
        for sents in per_doc:
            if depth < len(sents) and len(out) < n:
                out.append(sents[depth])
    return out


def find_document(archive: Snapshot, doc_id: str) -> int:
    """The index of article ``doc_id``, or an error that suggests close matches."""
    wanted = doc_id.strip()
    found = archive.index.doc_lookup.get(wanted)
    if found is not None:
        return found
    close = [f"{d} ({t})" for d, t in suggest_documents(archive, wanted, limit=3)]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownDocumentError(f"No article with id {wanted!r} in the archive.{hint}")


def summarize(
    archive: Snapshot, request: SummaryRequest, budget: Budget | None = None
) -> Summary:
    """A cited extractive summary of a topic, one article, or the (filtered) archive.
    ``budget`` bounds the work (default: ``answers.max_work_*``); over it,
    :class:`~bot.core.budget.WorkTooLargeError`."""
    n, text, doc_id, filters = request.sentences, request.topic, request.doc_id, request.filters
    if budget is None:
        budget = Budget.of(archive.settings.answers)
    if doc_id is not None:
        doc_index = find_document(archive, doc_id)
        if not archive.doc_mask(filters)[doc_index]:
            raise QueryError(f"Article {doc_id!r} is outside the date/source filters.")
        picked = (_topic_sentences(archive, text, n, filters, budget, doc_index) if text
                  else _doc_sentences(archive, doc_index, n, budget))
        doc_id = archive.index.docs[doc_index].doc_id
    elif text is not None:
        picked = _topic_sentences(archive, text, n, filters, budget)
    else:
        picked = _overview(archive, n, filters, budget)
    picked.sort(key=lambda c: c.order)
    message = ""
    if not picked:
        count, dates = archive.searched(filters)
        message = not_found_message(count, dates)
    log.info("summary topic=%r doc=%r: %d sentences", text, doc_id, len(picked))
    return Summary(text, doc_id, tuple(CitedSentence(c.text, c.citation) for c in picked),
                   message)


# ---------------------------------------------------------------------- autocomplete
FUZZY_CUTOFF = 70.0


def suggest_documents(archive: Snapshot, text: str, limit: int = 25) -> list[tuple[str, str]]:
    """(doc_id, title) pairs for autocomplete: substring matches on id or title first, then
    fuzzy ones (the best-aligned stretch of ``doc_id title``, rapidfuzz ``partial_ratio``);
    the most recent articles when ``text`` is empty."""
    docs: Sequence[DocMeta] = archive.index.docs
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        recent = sorted(range(len(docs)), key=lambda i: (docs[i].date or "", -i), reverse=True)
        return [(docs[i].doc_id, docs[i].title) for i in recent[:limit]]
    titles = archive.folded_titles
    picked = [i for i, t in enumerate(titles) if wanted in t][:limit]
    if len(picked) < limit:
        seen = set(picked)
        for _, _, i in process.extract(
            wanted, titles, scorer=fuzz.partial_ratio, limit=limit + len(picked),
            score_cutoff=FUZZY_CUTOFF,
        ):
            if i not in seen:
                picked.append(i)
                seen.add(i)
    return [(docs[i].doc_id, docs[i].title) for i in picked[:limit]]

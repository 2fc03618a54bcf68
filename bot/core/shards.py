"""A sharded index: articles split over N shards, each scored with the whole corpus's
statistics, and the merge of their answers.

Every shard is a normal v6 index folder (:mod:`bot.core.storage`) over the **global**
vocabulary: its postings use the whole index's term ids (a term no paragraph of the shard
uses has an empty range), so the coordinator tokenizes and looks terms up once and every
shard reads the same ids. One small corpus file beside the shards holds what BM25 needs of
the whole corpus (paragraphs, total length, document frequency per term: the idf and
rank-bm25's epsilon floor over the mean idf follow from them), so each shard's scores are
the whole corpus's, bit for bit. Each shard also keeps its paragraphs' numbers in the whole
index (ascending), the tie-break of the merge: ties go to the earlier paragraph of the whole
archive, exactly as the single index orders them.

On disk (:mod:`bot.core.shard_storage`): a generation of
``corpus.json`` + ``df.npy`` + ``shard-<i>/`` (a v6 index folder) + ``shard-<i>.global.npy``.
Pure: no Ray, threads or processes (:mod:`bot.runtime.ray_engine` serves the shards).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.config import Settings
from bot.core.bm25 import FloatArray, IntArray, idf_vector
from bot.core.doctable import DocTable
from bot.core.index import ArchiveIndex
from bot.core.models import Filters, SearchHit
from bot.core.postings import CorpusStats, PostingsScorer
from bot.core.quotations import QuotationTable
from bot.core.search import Archive, FiltersExcludeAllError
from bot.core.storage import load_index
from bot.core.texts import BlockTexts
from bot.core.tokenize import Tokenizer
from bot.errors import IndexFormatError

log = logging.getLogger(__name__)

CORPUS = "corpus.json"
DF = "df.npy"


def shard_of(doc_id: str, n_shards: int) -> int:
    """The shard of an article: a stable hash of its id (the same on every machine and run,
    unlike Python's ``hash``)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n_shards


@dataclass(frozen=True, slots=True)
class Corpus:
    """The whole corpus's statistics and what the shards are (``corpus.json`` + ``df.npy``)."""

    n_shards: int
    n_paragraphs: int
    n_documents: int
    total_length: int
    df: npt.NDArray[np.int64]
    shard_paragraphs: tuple[int, ...]
    fingerprint: str  # the whole index's: a generation is current while it matches
    built_at: str
    params: dict[str, Any]

    @property
    def stats(self) -> CorpusStats:
        return CorpusStats(self.n_paragraphs, self.total_length, self.df)

    @property
    def mean_idf(self) -> float:
        """The mean idf over the vocabulary, whose ``epsilon`` share floors negative idfs."""
        idf = idf_vector(self.df, self.n_paragraphs, 0.0)
        return float(idf.mean()) if len(idf) else 0.0


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard's index (local paragraph numbers) and each paragraph's number in the
    whole index (ascending)."""

    index: ArchiveIndex
    paragraphs: IntArray


def split_index(index: ArchiveIndex, n_shards: int) -> list[Shard]:
    """The shards of a built index: its articles by :func:`shard_of`, in index order."""
    doc_shard = np.array([shard_of(d, n_shards) for d in index.docs.ids], dtype=np.int64)
    para_shard = doc_shard[index.para_doc] if len(doc_shard) else np.zeros(0, np.int64)
    return [_shard(index, np.flatnonzero(doc_shard == s), np.flatnonzero(para_shard == s))
            for s in range(n_shards)]


def _shard(index: ArchiveIndex, docs: IntArray, paras: IntArray) -> Shard:
    records, first = [], 0
    for d in docs.tolist():
        meta = index.docs[d]
        records.append(dataclasses.replace(meta, first=first))
        first += meta.count
    new_doc = np.full(len(index.docs), -1, dtype=np.int32)
    new_doc[docs] = np.arange(len(docs), dtype=np.int32)
    blob, bounds = index.text_blob, index.text_offsets
    raw = [blob.raw(p) if isinstance(blob, BlockTexts)
           else bytes(blob[int(bounds[p]):int(bounds[p + 1])]) for p in paras.tolist()]
    offsets = np.zeros(len(raw) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in raw], out=offsets[1:])
    quotations = QuotationTable.from_records(
        q.rebased(int(new_doc[q.document])) for q in index.quotations.of_documents(docs.tolist()))
    shard = ArchiveIndex(
        docs=DocTable(records),
        para_doc=new_doc[index.para_doc[paras]],
        para_num=np.asarray(index.para_num[paras], dtype=np.int32),
        text_blob=b"".join(raw),
        text_offsets=offsets,
        vocab=index.vocab,  # the global vocabulary: every shard's term ids mean the same
        postings=index.postings.restrict(paras),
        doc_len=np.asarray(index.doc_len[paras], dtype=np.int64),
        files=[],
        params=index.params,
        fingerprint=index.fingerprint,
        built_at=index.built_at,
        build_seconds=0.0,
        quotations=quotations,
    )
    return Shard(shard, paras.astype(np.int64))


def corpus_of(index: ArchiveIndex, shards: Sequence[Shard]) -> Corpus:
    return Corpus(len(shards), index.n_paragraphs, len(index.docs), int(index.doc_len.sum()),
                  index.postings.df().astype(np.int64),
                  tuple(len(s.paragraphs) for s in shards),
                  index.fingerprint, index.built_at, index.params)


# ---------------------------------------------------------------------- on disk
def read_corpus(gen: Path) -> Corpus:
    try:
        meta = json.loads((gen / CORPUS).read_text(encoding="utf-8"))
        df = np.load(gen / DF, allow_pickle=False, mmap_mode="r")
        corpus = Corpus(df=np.asarray(df, dtype=np.int64), **{
            **meta, "shard_paragraphs": tuple(meta["shard_paragraphs"])})
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexFormatError(f"{gen}: unreadable corpus statistics ({exc})") from exc
    if sum(corpus.shard_paragraphs) != corpus.n_paragraphs or \
            len(corpus.shard_paragraphs) != corpus.n_shards:
        raise IndexFormatError(f"{gen}: the shards' paragraphs disagree with the corpus")
    return corpus


# ---------------------------------------------------------------------- serving
@dataclass(frozen=True, slots=True)
class ShardHit:
    """One shard's ranked paragraph: its number in the whole index, score and hit."""

    paragraph: int
    score: float
    hit: SearchHit


@dataclass(frozen=True, slots=True)
class ShardAnswer:
    """One shard's top ``k`` (best first) and how many of its paragraphs match.
    ``excluded``: the filters leave none of its articles."""

    shard: int
    hits: tuple[ShardHit, ...]
    total: int
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Merged:
    """The merged top ``k`` of the shards that answered."""

    hits: tuple[ShardHit, ...]
    total: int
    answered: int
    shards: int
    excluded: bool  # every shard that answered had no article passing the filters


def merge(answers: Sequence[ShardAnswer | None], k: int) -> Merged:
    """The best ``k`` over the shards' answers (None: a shard that did not answer), best
    score first, ties to the earlier paragraph of the whole index: the single index's
    order, since each shard's top ``k`` holds every paragraph of it that could be there."""
    got = [a for a in answers if a is not None]
    pool = [h for a in got for h in a.hits]
    pool.sort(key=lambda h: (-h.score, h.paragraph))
    return Merged(tuple(pool[:max(k, 0)]), sum(a.total for a in got), len(got), len(answers),
                  bool(got) and all(a.excluded for a in got))


@dataclass(frozen=True, slots=True)
class ShardMatches:
    """Every paragraph of one shard matching a query (after the filters), in the whole
    index's numbers (ascending), and its score: what a summary ranks."""

    shard: int
    paragraphs: IntArray
    scores: FloatArray
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class MergedMatches:
    paragraphs: IntArray  # ascending, as the single index's :meth:`Archive.rank`
    scores: FloatArray
    answered: int
    shards: int
    excluded: bool


def merge_matches(found: Sequence[ShardMatches | None]) -> MergedMatches:
    """The shards' matches as one list in the whole index's order (None: a shard that did
    not answer)."""
    got = [f for f in found if f is not None]
    if not got:
        return MergedMatches(np.zeros(0, np.int64), np.zeros(0, np.float64), 0, len(found),
                             False)
    paragraphs = np.concatenate([f.paragraphs for f in got]).astype(np.int64, copy=False)
    scores = np.concatenate([f.scores for f in got]).astype(np.float64, copy=False)
    order = np.argsort(paragraphs, kind="stable")
    return MergedMatches(paragraphs[order], scores[order], len(got), len(found),
                         all(f.excluded for f in got))


class ShardArchive(Archive):
    """A shard's :class:`Archive`, scoring with the whole corpus's statistics and answering
    in the whole index's paragraph numbers."""

    def __init__(self, shard: int, index: ArchiveIndex, paragraphs: IntArray, corpus: Corpus,
                 settings: Settings, tokenizer: Tokenizer) -> None:
        super().__init__(index, settings.model_copy(update={"index": settings.index.model_copy(
            update={"engine": "postings"})}), tokenizer)
        if len(paragraphs) != index.n_paragraphs or len(corpus.df) != len(index.vocab):
            raise IndexFormatError(f"shard {shard} disagrees with the corpus statistics")
        self.shard = shard
        self.paragraphs = paragraphs
        self.scorer = self.postings_scorer = PostingsScorer(
            index.postings, index.doc_len, settings.bm25, stats=corpus.stats)

    @classmethod
    def load(cls, gen: Path, shard: int, settings: Settings, *,
             verify: bool = False) -> ShardArchive:
        corpus = read_corpus(gen)
        index = load_index(gen / f"shard-{shard}", verify=verify)
        if index is None:
            raise IndexFormatError(f"{gen}: shard {shard} is missing")
        paragraphs = np.load(gen / f"shard-{shard}.global.npy", mmap_mode="r")
        return cls(shard, index, paragraphs, corpus, settings, Tokenizer(settings.tokenizer))

    def answer(self, term_ids: Sequence[int], k: int, filters: Filters = Filters()) -> ShardAnswer:
        """This shard's best ``k`` for the query's (global) term ids, with their hits."""
        try:
            mask = self._mask(filters)
        except FiltersExcludeAllError:
            return ShardAnswer(self.shard, (), 0, excluded=True)
        scorer = self.postings_scorer
        if scorer is None:  # pragma: no cover - set in __init__
            raise IndexFormatError("a shard without a scorer")
        found = scorer.top(term_ids, k, mask)
        hits = tuple(ShardHit(int(self.paragraphs[p]), s, self.hit(p, s)) for p, s in
                     zip(found.paragraphs.tolist(), found.scores.tolist(), strict=True))
        return ShardAnswer(self.shard, hits, found.total)

    def matches(self, term_ids: Sequence[int], filters: Filters = Filters()) -> ShardMatches:
        """Every paragraph of this shard matching the query's (global) term ids."""
        try:
            mask = self._mask(filters)
        except FiltersExcludeAllError:
            return ShardMatches(self.shard, np.zeros(0, np.int64), np.zeros(0, np.float64),
                                excluded=True)
        paragraphs, scores = self.scorer.score(term_ids)
        if mask is not None and len(paragraphs):
            keep = mask[paragraphs]
            paragraphs, scores = paragraphs[keep], scores[keep]
        return ShardMatches(self.shard, np.asarray(self.paragraphs[paragraphs], dtype=np.int64),
                            scores)

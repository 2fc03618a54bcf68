"""Term-major postings with exact integer term frequencies, scored at query time.

The index stores, for every term, the paragraphs that use it (ascending) and how often
(``uint8``, or ``uint16`` when a count exceeds 255), plus every paragraph's token count.
A query's BM25 scores are computed from those exact integers with the very operations
rank-bm25's formula uses (``idf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * len / avgdl))``,
summed in query-term order), so no float matrix is stored and the scores are bit-identical
to the precomputed matrix earlier versions kept (:func:`bot.core.bm25.bm25_matrix`).

Two implementations of the same algorithm: the compiled kernel ``bot.core._postings`` (one
pass over the postings into a reusable accumulator, then a k-heap; built by pip from
``_postings.c`` when a C compiler is present) and numpy (always there, and the reference the
kernel is tested against). ``kernel=None`` picks the compiled one when it is importable.
The compiled search also prunes (MaxScore, from each term's largest contribution, found on the
term's first query): the terms that cannot lift a paragraph into the top k alone are only
counted, and a paragraph is scored in full only when it can still reach the k-th score, so
the top k, its scores and the count are exactly the unpruned ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.config import BM25Settings
from bot.core.bm25 import FloatArray, IntArray, idf_vector, query_weights, top_k
from bot.core.compiled import extension

if TYPE_CHECKING:  # scipy (0.2 s to import) is imported where a matrix is built
    from scipy import sparse

TF_MAX = np.iinfo(np.uint16).max
Counts = npt.NDArray[np.uint8] | npt.NDArray[np.uint16]
Lengths = npt.NDArray[np.uint16] | npt.NDArray[np.uint32]


def compiled_kernel() -> ModuleType | None:
    """The compiled kernel, or None when the package was installed without a C compiler."""
    return extension("_postings")


@dataclass(frozen=True, slots=True)
class Postings:
    """Every term's paragraphs (ascending, int32) and counts, term-major CSR. The counts are
    uint8 when no term occurs more than 255 times in a paragraph (every archive we have
    seen), else uint16."""

    indptr: npt.NDArray[np.int64]
    docs: npt.NDArray[np.int32]
    tf: Counts
    n_docs: int

    @property
    def n_terms(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.docs)

    def df(self) -> npt.NDArray[np.int64]:
        """Paragraphs per term."""
        return np.diff(self.indptr)

    @classmethod
    def from_ids(cls, ids: npt.NDArray[np.int32], lengths: npt.NDArray[np.int64],
                 remap: npt.NDArray[np.int32], n_terms: int, *,
                 kernel: bool | None = None) -> Postings:
        """From every paragraph's term ids back to back (``ids``; ``lengths``: each
        paragraph's token count), each id mapped to the index's through ``remap`` (-1: a
        term left out): the arrays :meth:`from_tf` gives for their count matrix. The
        compiled kernel inverts them in two passes without building that matrix (at a
        million paragraphs it would hold every posting twice more); ``kernel=False`` is the
        matrix path, always there."""
        compiled = compiled_kernel() if kernel is not False else None
        if compiled is None:
            from bot.core.bm25 import tf_matrix

            mapped = remap[ids]
            mapped[mapped < 0] = n_terms  # one column past the terms, cut off below
            tf = tf_matrix(mapped, lengths, n_terms + 1)[:, :n_terms]
            return cls.from_tf(tf.tocsr())
        ids = np.ascontiguousarray(ids, dtype=np.int32)
        lengths = np.ascontiguousarray(lengths, dtype=np.int64)
        remap = np.ascontiguousarray(remap, dtype=np.int32)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        none32, none16 = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.uint16)
        nnz = compiled.invert(ids, lengths, remap, n_terms, indptr, none32, none16)
        docs, counts = np.empty(nnz, dtype=np.int32), np.empty(nnz, dtype=np.uint16)
        if nnz:
            compiled.invert(ids, lengths, remap, n_terms, indptr, docs, counts)
        return cls(indptr, docs, _narrowest(counts), len(lengths))

    @classmethod
    def from_tf(cls, tf: sparse.csr_matrix) -> Postings:
        """From a paragraph-by-term count matrix."""
        if tf.nnz and int(tf.data.max()) > TF_MAX:
            raise ValueError(f"a term occurs more than {TF_MAX} times in one paragraph")
        counts: sparse.csr_matrix = tf.T.tocsr()
        counts.sort_indices()
        return cls(
            np.asarray(counts.indptr, dtype=np.int64),
            np.asarray(counts.indices, dtype=np.int32),
            _narrowest(counts.data),
            int(tf.shape[0]),
        )

    def paragraph_major(self) -> sparse.csr_matrix:
        """The paragraph-by-term count matrix (int32), indices sorted."""
        from scipy import sparse

        term_major = sparse.csr_matrix(
            (self.tf.astype(np.int32), self.docs, self.indptr), shape=(self.n_terms, self.n_docs)
        )
        out: sparse.csr_matrix = term_major.T.tocsr()
        out.sort_indices()
        return out

    def uses(self, term: int, first: int, count: int) -> bool:
        """Whether any paragraph in ``[first, first + count)`` uses ``term``."""
        if term < 0 or term >= self.n_terms or count <= 0 or first >= self.n_docs:
            return False
        docs = self.docs[int(self.indptr[term]) : int(self.indptr[term + 1])]
        # the needle in the postings' own dtype: any other (a Python int too) makes
        # searchsorted convert the whole list first (9 ms for 5 million postings)
        at = int(np.searchsorted(docs, docs.dtype.type(max(first, 0))))
        return at < len(docs) and int(docs[at]) < first + count

    def restrict(self, paragraphs: npt.NDArray[np.int64]) -> Postings:
        """The postings of ``paragraphs`` only (ascending), renumbered 0..len-1 in that
        order: a shard's postings cut from the whole archive's this way."""
        new_id = np.full(self.n_docs, -1, dtype=np.int32)
        new_id[paragraphs] = np.arange(len(paragraphs), dtype=np.int32)
        mapped = new_id[self.docs]  # one gather over the postings
        at = np.flatnonzero(mapped >= 0)  # positions of the kept postings, ascending
        # a term's kept postings are those of its range: find its bounds among ``at``
        indptr = np.searchsorted(at, self.indptr, side="left").astype(np.int64)
        return Postings(indptr, mapped[at], self.tf[at], len(paragraphs))


def _narrowest(counts: npt.NDArray[np.int32] | npt.NDArray[np.uint16]) -> Counts:
    if int(counts.max(initial=0)) <= np.iinfo(np.uint8).max:
        return counts.astype(np.uint8)
    return counts.astype(np.uint16, copy=False)


def _lengths(doc_len: npt.NDArray[np.int64], longest: int) -> Lengths:
    if longest <= TF_MAX:
        return doc_len.astype(np.uint16)
    return doc_len.astype(np.uint32)


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What BM25 scores with besides a paragraph's own counts: how many paragraphs, their
    total length (for the average) and each term's document frequency. A shard of a larger
    corpus scores with the whole corpus's statistics, so its scores are the whole corpus's."""

    n_docs: int
    total_length: int
    df: npt.NDArray[np.int64]

    @classmethod
    def of(cls, postings: Postings, doc_len: npt.NDArray[np.int64]) -> CorpusStats:
        return cls(postings.n_docs, int(doc_len.sum()), postings.df())

    @property
    def avgdl(self) -> float:
        return float(self.total_length) / self.n_docs if self.n_docs else 0.0


def length_norm_table(longest: int, avgdl: float, params: BM25Settings) -> FloatArray:
    """``k1 * (1 - b + b * len / avgdl)`` for every length 0..longest (``avgdl``: the
    corpus's, :attr:`CorpusStats.avgdl`): ``table[len]`` is bit-identical to the normaliser
    :func:`bm25_matrix` computes per paragraph (the same expression on the same value)."""
    k1, b = params.k1, params.b
    if not avgdl:
        return np.full(longest + 1, k1 * (1 - b))
    lengths = np.arange(longest + 1, dtype=np.int64)
    table: FloatArray = k1 * (1 - b + b * lengths.astype(np.float64) / avgdl)
    return table


FACTOR_TFS = 16  # the kernel's table covers counts 0..15 (all but a few postings)
FACTOR_LENGTHS = 4096  # and lengths up to this (longer archives compute every factor)


def factor_table(normtab: FloatArray, k1p1: float) -> FloatArray:
    """``(tf * (k1 + 1)) / (tf + normtab[len])`` for tf 0..15 and every length, row by tf:
    the very expression the kernel evaluates per posting, computed once (the same bits), so
    a posting costs a table read instead of a division. Empty when the table would be big."""
    if len(normtab) > FACTOR_LENGTHS:
        return np.zeros(0, dtype=np.float64)
    q = np.arange(FACTOR_TFS, dtype=np.float64)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):  # tf 0 (never read) over k1 = 0
        table: FloatArray = ((q * k1p1) / (q + normtab[None, :])).ravel()
    return table


@dataclass(frozen=True, slots=True)
class Top:
    """The best paragraphs of one query: best first, ties to the earlier paragraph."""

    paragraphs: IntArray
    scores: FloatArray
    total: int  # paragraphs matching any query term (and the mask); -1: not counted


class _Scratch:
    """One caller's accumulators, kept at zero between queries: the kernel's search one
    block of paragraphs at a time (``block``, the kernel's ``BLOCK_DOCS``), and for
    :meth:`PostingsScorer.scores` a score per paragraph with the list of paragraphs the
    current query reached (made at its first use: a search needs neither)."""

    __slots__ = ("_acc", "_touched", "block", "n_docs")

    def __init__(self, n_docs: int, block: int) -> None:
        self.n_docs = n_docs
        self.block = np.zeros(block, dtype=np.float64)
        self._acc: FloatArray | None = None
        self._touched: npt.NDArray[np.int32] | None = None

    @property
    def acc(self) -> FloatArray:
        if self._acc is None:
            self._acc = np.zeros(self.n_docs, dtype=np.float64)
        return self._acc

    @property
    def touched(self) -> npt.NDArray[np.int32]:
        if self._touched is None:
            self._touched = np.empty(self.n_docs, dtype=np.int32)
        return self._touched


class PostingsScorer:
    """BM25Okapi from exact postings; :class:`bot.core.bm25.Scorer` plus :meth:`top`."""

    name = "postings"
    _peak: FloatArray

    def __init__(self, postings: Postings, doc_len: npt.NDArray[np.int64],
                 params: BM25Settings, *, kernel: ModuleType | bool | None = None,
                 stats: CorpusStats | None = None, prune: bool = True,
                 peaks: FloatArray | None = None) -> None:
        """``stats``: score with these corpus statistics instead of the postings' own (a
        shard scoring as part of the whole corpus; ``stats.df`` indexed by term id).
        ``prune=False``: the compiled search scores every posting (the bench's reference;
        the results are the same). ``peaks``: :meth:`peaks` as saved with the index, for
        the postings' own statistics and these ``params`` (ignored with ``stats``)."""
        self.prune = prune
        longest = int(doc_len.max(initial=0))
        own = stats is None
        if stats is None:
            stats = CorpusStats.of(postings, doc_len)
        # The kernel's search reads a paragraph's normaliser as normtab[length], from 2-byte
        # lengths (4 past 65535 tokens): a quarter of the random memory traffic of
        # norm[paragraph], the same numbers.
        self._assign(
            postings, idf_vector(stats.df, stats.n_docs, params.epsilon),
            _lengths(doc_len, longest),
            length_norm_table(longest, stats.avgdl, params), params.k1 + 1,
            compiled_kernel() if kernel is None or kernel is True else kernel or None,
        )
        if own and peaks is not None and len(peaks) == postings.n_terms:
            self._peak = peaks

    def _assign(self, postings: Postings, idf: FloatArray,
                lens: Lengths, normtab: FloatArray,
                k1p1: float, kernel: ModuleType | None) -> None:
        self.postings, self.idf, self.lens, self.normtab = postings, idf, lens, normtab
        self.norm: FloatArray = normtab[lens]  # per paragraph, for accumulate() and numpy
        self.factors = factor_table(normtab, k1p1)
        self.k1p1 = k1p1
        self.kernel = kernel
        # Per term, the largest ``(tf * (k1 + 1)) / (tf + norm)`` of its postings (NaN until a
        # query first uses the term): what the kernel's pruning bounds a term's contribution by.
        self._peak = np.full(postings.n_terms, np.nan)
        # Accumulators free for the next query; a thread takes one (list.pop and append
        # are atomic), so concurrent queries never share one.
        self._free: list[_Scratch] = []

    # ------------------------------------------------------------------ compiled
    def _scratch(self) -> _Scratch:
        """A free scratch, or a new one (the compiled kernel is there: the callers' check)."""
        if self._free:
            return self._free.pop()
        block = int(self.kernel.BLOCK_DOCS)  # type: ignore[union-attr]
        return _Scratch(self.postings.n_docs, block)

    def _run(self, term_ids: Sequence[int]) -> tuple[_Scratch, int]:
        ids, weights = query_weights(term_ids)
        scratch = self._scratch()
        p = self.postings
        n = self.kernel.accumulate(  # type: ignore[union-attr]
            p.indptr, p.docs, p.tf, self.idf, self.norm, self.k1p1, ids, weights,
            scratch.acc, scratch.touched,
        )
        return scratch, int(n)

    def top(self, term_ids: Sequence[int], k: int,
            mask: npt.NDArray[np.bool_] | None = None, *, count: bool = True) -> Top:
        """The ``k`` best paragraphs passing ``mask`` and how many pass in all (``count``
        false: not counted, ``total`` -1; the compiled kernel then skips what cannot reach
        the top ``k``)."""
        if self.kernel is None:
            found = self._top_numpy(term_ids, k, mask)
            return found if count else Top(found.paragraphs, found.scores, -1)
        ids, weights = query_weights(term_ids)
        scratch = self._scratch()
        out_docs = np.empty(max(k, 0), dtype=np.int32)
        out_scores = np.empty(max(k, 0), dtype=np.float64)
        p = self.postings
        bounds = self.bounds(ids, weights) if self.prune and len(ids) > 1 and k > 0 else None
        try:
            filled, total = self.kernel.search(
                p.indptr, p.docs, p.tf, self.idf, self.lens, self.normtab, self.k1p1, ids,
                weights,
                scratch.block, None if mask is None else mask.view(np.uint8),
                out_docs, out_scores, bounds, self.factors, count,
            )
        finally:
            self._free.append(scratch)
        return Top(out_docs[:filled].astype(np.int64), out_scores[:filled], int(total))

    def bounds(self, ids: IntArray, weights: FloatArray) -> FloatArray:
        """Each query term's largest possible contribution to a paragraph's score, computed
        as the kernel computes a contribution (``idf * peak``, times the term's count in the
        query), so no contribution exceeds it: the kernel's pruning skips what cannot reach
        the top k with these. A term's peak is found on its first query and kept."""
        peak = self._peak
        for t in ids[np.isnan(peak[ids])].tolist():
            peak[t] = self._peak_of(int(t))
        out: FloatArray = (self.idf[ids] * peak[ids]) * weights
        return out

    def peaks(self, chunk: int = 1 << 22) -> FloatArray:
        """Every term's peak (what :meth:`bounds` finds on a term's first query), computed
        at once by the same expression over ``chunk`` postings at a time: saved with the
        index, so no query pays for a term's first use. The compiled kernel, when there,
        evaluates the expression in one pass (the same bits)."""
        p = self.postings
        out: FloatArray = np.zeros(p.n_terms, dtype=np.float64)
        if self.kernel is not None:
            self.kernel.peaks(p.indptr, p.docs, p.tf, self.lens, self.normtab, self.k1p1, out)
            return out
        indptr = np.asarray(p.indptr, dtype=np.int64)
        start = 0
        while start < p.n_terms:
            stop = max(int(np.searchsorted(indptr, indptr[start] + chunk, "right")) - 1,
                       start + 1)
            stop = min(stop, p.n_terms)
            lo, hi = int(indptr[start]), int(indptr[stop])
            if hi > lo:
                q = p.tf[lo:hi].astype(np.float64)
                f = (q * self.k1p1) / (q + self.normtab[self.lens[p.docs[lo:hi]]])
                bounds = indptr[start:stop + 1] - lo
                full = np.flatnonzero(bounds[1:] > bounds[:-1])
                out[start + full] = np.maximum.reduceat(f, bounds[full])
            start = stop
        return out

    def _peak_of(self, term: int) -> float:
        p = self.postings
        lo, hi = int(p.indptr[term]), int(p.indptr[term + 1])
        if lo >= hi:
            return 0.0
        q = p.tf[lo:hi].astype(np.float64)
        return float(((q * self.k1p1) / (q + self.normtab[self.lens[p.docs[lo:hi]]])).max())

    def score(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        """Every matched paragraph (ascending) and its score."""
        if self.kernel is None:
            return self._score_numpy(term_ids)
        scratch, n = self._run(term_ids)
        try:
            paras = np.sort(scratch.touched[:n]).astype(np.int64)
            scores = scratch.acc[paras] + 0.0  # -0.0 marks a reached paragraph summing to 0
            scratch.acc[paras] = 0.0
        finally:
            self._free.append(scratch)
        return paras, scores

    def score_of(self, term_ids: Sequence[int], paragraphs: IntArray) -> FloatArray:
        """The score of each of ``paragraphs`` for ``term_ids`` (0 where none is used), found
        by binary search in each term's postings: what a term with millions of postings adds
        to a few thousand chosen paragraphs, without reading its postings through. Equal to
        :meth:`score` to rounding (the same terms, in another order)."""
        paras = np.asarray(paragraphs, dtype=np.int64)
        out: FloatArray = np.zeros(len(paras), dtype=np.float64)
        if not len(paras):
            return out
        if paras.min() < 0 or paras.max() >= self.postings.n_docs:
            raise IndexError("paragraph number out of range")
        needles = paras.astype(self.postings.docs.dtype)  # (see Postings.uses)
        ids, weights = query_weights(term_ids)
        p = self.postings
        norm = self.normtab[self.lens[paras]]
        for t, w in zip(ids.tolist(), weights.tolist(), strict=True):
            lo, hi = int(p.indptr[t]), int(p.indptr[t + 1])
            if lo >= hi:
                continue
            docs = p.docs[lo:hi]
            at = np.minimum(np.searchsorted(docs, needles), hi - lo - 1)
            hit = np.flatnonzero(docs[at] == paras)
            q = p.tf[lo + at[hit]].astype(np.float64)
            out[hit] += (self.idf[t] * ((q * self.k1p1) / (q + norm[hit]))) * w
        return out

    # ------------------------------------------------------------------ numpy
    def _contributions(self, term: int) -> tuple[npt.NDArray[np.int32], FloatArray]:
        p = self.postings
        lo, hi = int(p.indptr[term]), int(p.indptr[term + 1])
        docs = p.docs[lo:hi]
        q = p.tf[lo:hi].astype(np.float64)
        denom = q + self.norm[docs]
        q *= self.k1p1
        q /= denom
        return docs, self.idf[term] * q

    def _score_numpy(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        ids, weights = query_weights(term_ids)
        parts = [self._contributions(int(t)) for t in ids]
        pairs = [(d, v * w) for (d, v), w in zip(parts, weights, strict=True) if len(d)]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        idx = np.concatenate([d for d, _ in pairs])
        vals = np.concatenate([v for _, v in pairs])
        uniq, inverse = np.unique(idx, return_inverse=True)
        summed: FloatArray = np.bincount(inverse, weights=vals).astype(np.float64, copy=False)
        return uniq.astype(np.int64), summed

    def _top_numpy(self, term_ids: Sequence[int], k: int,
                   mask: npt.NDArray[np.bool_] | None) -> Top:
        paras, scores = self._score_numpy(term_ids)
        if mask is not None and len(paras):
            keep = mask[paras]
            paras, scores = paras[keep], scores[keep]
        pos = top_k(paras, scores, k)
        return Top(paras[pos], scores[pos], len(paras))

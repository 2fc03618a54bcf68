"""BM25Okapi scoring, exactly as rank-bm25 computes it: the shared pieces (idf with its
floor, query weights, tie-aware top k) and two reference engines.

The index scores with :class:`bot.core.postings.PostingsScorer` (exact counts, at query
time). Kept here:

* :class:`MatrixScorer` over the precomputed (term, paragraph) contribution matrix that
  index formats up to v3 stored (the bm25s approach): the bit-for-bit reference the
  postings engine is tested against (tests/test_postings.py, ``python -m bench kernel``).
* :class:`RankBM25Scorer` hands the same tokens to ``rank_bm25.BM25Okapi`` itself: the
  reference both are tested against, selectable with ``index.engine: rank_bm25``.

rank-bm25's definition, reproduced here: ``idf = ln(N - df + 0.5) - ln(df + 0.5)``; terms
whose idf is negative get ``epsilon * mean(idf over the whole vocabulary)``; a paragraph's
score adds ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen))`` once for every
occurrence of the term in the query (a repeated query word counts twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from bot.config import BM25Settings

if TYPE_CHECKING:  # scipy (0.2 s to import) is imported where a matrix is built
    from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def tf_matrix(
    cols: npt.NDArray[np.int32], lengths: npt.NDArray[np.int64], vocab_size: int
) -> sparse.csr_matrix:
    """Paragraph-by-term count matrix from every paragraph's term ids back to back in one
    flat array (``cols``) and each paragraph's token count (``lengths``)."""
    from scipy import sparse

    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    data = np.ones(len(cols), dtype=np.int32)
    matrix = sparse.csr_matrix((data, cols, indptr), shape=(len(lengths), vocab_size))
    matrix.sum_duplicates()  # also sorts indices
    return matrix


def idf_vector(df: npt.NDArray[np.int64], n_docs: int, epsilon: float) -> FloatArray:
    """rank-bm25's idf with its epsilon floor for negative values."""
    dff = df.astype(np.float64)
    idf = np.log(n_docs - dff + 0.5) - np.log(dff + 0.5)
    if len(idf) == 0:
        return idf
    eps = epsilon * float(idf.mean())
    idf[idf < 0] = eps
    return idf


# Entries per chunk in bm25_matrix: bounds its float64 temporaries to ~32 MB each.
_CHUNK = 1 << 22


def bm25_matrix(
    tf: sparse.csr_matrix, doc_len: npt.NDArray[np.int64], params: BM25Settings
) -> sparse.csr_matrix:
    """Term-by-paragraph matrix of BM25 contributions (float64), from a paragraph-major tf.

    The int32 counts are transposed to term-major first (cheaper than transposing float64
    scores), and the scores are computed in bounded chunks straight into the output array,
    so peak memory is one output array plus small temporaries. The arithmetic per entry is
    the same as the paragraph-major formula, so the values are bit-identical.
    """
    from scipy import sparse

    n_docs, vocab = tf.shape
    df = np.bincount(tf.indices, minlength=vocab).astype(np.int64)
    idf = idf_vector(df, n_docs, params.epsilon)
    avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
    k1, b = params.k1, params.b
    # Per-paragraph length normaliser, looked up for each stored entry.
    norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl) if avgdl else np.full(
        n_docs, k1 * (1 - b)
    )
    counts: sparse.csr_matrix = tf.T.tocsr()  # term-major int32 counts, paragraph columns
    counts.sort_indices()
    nnz, indptr = int(counts.nnz), counts.indptr
    values = np.empty(nnz, dtype=np.float64)
    for lo in range(0, nnz, _CHUNK):
        hi = min(nnz, lo + _CHUNK)
        # The idf of each entry in [lo, hi): repeat the idf of every term whose row overlaps.
        t0 = int(np.searchsorted(indptr, lo, side="right")) - 1
        t1 = int(np.searchsorted(indptr, hi, side="left"))
        bounds = np.clip(indptr[t0 : t1 + 1], lo, hi)
        idf_chunk = np.repeat(idf[t0:t1], np.diff(bounds))
        q = counts.data[lo:hi].astype(np.float64)
        denom = q + norm[counts.indices[lo:hi]]
        q *= k1 + 1
        q /= denom
        np.multiply(idf_chunk, q, out=values[lo:hi])
    term_major = sparse.csr_matrix((values, counts.indices, counts.indptr), shape=(vocab, n_docs))
    term_major.has_sorted_indices = True
    return term_major


def query_weights(term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
    """Distinct known term ids with how often each occurs in the query."""
    counts = Counter(t for t in term_ids if t >= 0)
    ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    return ids, weights


class Scorer(Protocol):
    """Scores the paragraphs that contain at least one query term."""

    name: str

    def score(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        """Return (paragraph indices ascending, their scores) for matched paragraphs."""
        ...


class MatrixScorer:
    """Sums precomputed postings rows; cost is proportional to the postings touched."""

    name = "matrix"

    def __init__(self, matrix: sparse.csr_matrix) -> None:
        self.indptr: IntArray = np.asarray(matrix.indptr, dtype=np.int64)
        self.indices = matrix.indices
        self.data: FloatArray = matrix.data
        self.n_docs = int(matrix.shape[1])

    def score(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        ids, weights = query_weights(term_ids)
        spans = [(int(self.indptr[t]), int(self.indptr[t + 1])) for t in ids]
        spans_w = [(s, e, w) for (s, e), w in zip(spans, weights, strict=True) if e > s]
        if not spans_w:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(spans_w) == 1:
            s, e, w = spans_w[0]
            return self.indices[s:e].astype(np.int64), self.data[s:e] * w
        idx = np.concatenate([self.indices[s:e] for s, e, _ in spans_w])
        vals = np.concatenate([self.data[s:e] * w for s, e, w in spans_w])
        if len(idx) * 16 < self.n_docs:
            uniq, inverse = np.unique(idx, return_inverse=True)
            summed: FloatArray = np.bincount(inverse, weights=vals).astype(np.float64, copy=False)
            return uniq.astype(np.int64), summed
        dense: FloatArray = np.bincount(idx, weights=vals, minlength=self.n_docs).astype(
            np.float64, copy=False
        )
        mask = np.zeros(self.n_docs, dtype=bool)
        mask[idx] = True
        matched = np.flatnonzero(mask)
        return matched.astype(np.int64), dense[matched]


class RankBM25Scorer:
    """rank-bm25's BM25Okapi over the same tokens (slow: a Python pass per query term)."""

    name = "rank_bm25"

    def __init__(
        self,
        tf: sparse.csr_matrix,
        doc_len: npt.NDArray[np.int64],
        vocab: Sequence[str],
        params: BM25Settings,
    ) -> None:
        from rank_bm25 import BM25Okapi

        self._vocab = list(vocab)  # decoded once (a Vocabulary decodes on every access)
        vocab = self._vocab
        self._tf_terms = tf.T.tocsr()  # term-major counts: which paragraphs hold a term
        corpus = _corpus_from_tf(tf, doc_len, vocab)
        self.model = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)

    def score(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        known = [t for t in term_ids if t >= 0]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        words = [self._vocab[t] for t in known]
        scores = np.asarray(self.model.get_scores(words), dtype=np.float64)
        rows = self._tf_terms[np.unique(np.asarray(known, dtype=np.int64))]
        matched = np.unique(rows.indices).astype(np.int64)
        return matched, scores[matched]


def _corpus_from_tf(
    tf: sparse.csr_matrix, doc_len: npt.NDArray[np.int64], vocab: Sequence[str]
) -> list[list[str]]:
    """Rebuild each paragraph's token list (order is irrelevant to BM25) from the tf matrix.

    A paragraph of ``n`` tokens becomes ``n`` words, so rank-bm25 sees the same lengths,
    frequencies and vocabulary as the matrix engine.
    """
    corpus: list[list[str]] = []
    indptr, indices, data = tf.indptr, tf.indices, tf.data
    for row in range(tf.shape[0]):
        words: list[str] = []
        for j in range(indptr[row], indptr[row + 1]):
            words.extend([vocab[indices[j]]] * int(data[j]))
        if len(words) != doc_len[row]:  # pragma: no cover - invariant of the index
            raise ValueError(f"paragraph {row}: tf sums to {len(words)}, length {doc_len[row]}")
        corpus.append(words)
    return corpus


def top_k(indices: IntArray, scores: FloatArray, k: int) -> IntArray:
    """Positions (into ``indices``) of the ``k`` best scores; ties go to the earlier paragraph."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if n > k:
        part = np.argpartition(-scores, k - 1)[:k]
        # Include every entry tied with the k-th best so the tie-break below is stable.
        kth = scores[part].min()
        part = np.flatnonzero(scores >= kth)
    else:
        part = np.arange(n)
    order = np.lexsort((indices[part], -scores[part]))
    return part[order][:k].astype(np.int64)

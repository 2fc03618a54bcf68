"""The postings engine: compiled kernel and numpy give the same bits as the score matrix.

The score matrix (:func:`bot.core.bm25.bm25_matrix`, what earlier versions stored) is the
reference here; its own parity with rank-bm25 is tests/test_bm25_parity.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
from scipy import sparse

from bot.config import BM25Settings
from bot.core.bm25 import MatrixScorer, bm25_matrix, top_k
from bot.core.postings import Postings, PostingsScorer, compiled_kernel

KERNELS = [
    pytest.param(False, id="numpy"),
    pytest.param(
        True, id="compiled",
        marks=pytest.mark.skipif(compiled_kernel() is None,
                                 reason="the C kernel is not built (no compiler at install)"),
    ),
]


def random_tf(seed: int, n_docs: int = 400, vocab: int = 60) -> sparse.csr_matrix:
    """Zipf-ish counts: some terms in most paragraphs (negative idf), some in one."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for d in range(n_docs):
        n = int(rng.integers(0, 12))  # some paragraphs are empty
        terms = np.minimum(rng.zipf(1.3, n) - 1, vocab - 1)
        rows += [d] * n
        cols += terms.tolist()
    data = np.ones(len(rows), dtype=np.int32)
    tf = sparse.csr_matrix((data, (rows, cols)), shape=(n_docs, vocab))
    tf.sum_duplicates()
    tf.sort_indices()
    return tf


def doc_len_of(tf: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(tf.sum(axis=1)).ravel().astype(np.int64)


def queries(seed: int, vocab: int, n: int = 60) -> list[list[int]]:
    rng = np.random.default_rng(seed + 1)
    out = [[0], [vocab - 1], [0, 0, 3], [-1], [], [-1, 2, 2, 5]]
    out += [rng.integers(-1, vocab, int(rng.integers(1, 9))).tolist() for _ in range(n)]
    return out


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_are_bit_identical_to_the_score_matrix(kernel: bool, seed: int) -> None:
    tf = random_tf(seed)
    params = BM25Settings()
    lengths = doc_len_of(tf)
    reference = MatrixScorer(bm25_matrix(tf, lengths, params))
    scorer = PostingsScorer(Postings.from_tf(tf), lengths, params, kernel=kernel)
    for q in queries(seed, tf.shape[1]):
        want_p, want_s = reference.score(q)
        got_p, got_s = scorer.score(q)
        np.testing.assert_array_equal(got_p, want_p)
        np.testing.assert_array_equal(got_s, want_s)  # exact, not approximately
        top = scorer.top(q, 10)
        pos = top_k(want_p, want_s, 10)
        np.testing.assert_array_equal(top.paragraphs, want_p[pos])
        np.testing.assert_array_equal(top.scores, want_s[pos])
        assert top.total == len(want_p)


@pytest.mark.parametrize("kernel", KERNELS)
def test_top_honours_the_mask_and_breaks_ties_to_the_earlier_paragraph(kernel: bool) -> None:
    # Eight identical paragraphs: every score ties, so the order is by paragraph number.
    tf = sparse.csr_matrix(np.tile([[2, 1, 0]], (8, 1)).astype(np.int32))
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), BM25Settings(), kernel=kernel)
    assert scorer.top([0, 1], 3).paragraphs.tolist() == [0, 1, 2]
    mask = np.array([False, True, False, True, True, False, False, True])
    found = scorer.top([0, 1], 3, mask)
    assert found.paragraphs.tolist() == [1, 3, 4] and found.total == 4
    assert scorer.top([0], 0).total == 8  # k = 0 still counts
    assert scorer.top([2], 5).total == 0  # a term no paragraph uses


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_paragraph_whose_terms_sum_to_zero_still_matches(kernel: bool) -> None:
    """epsilon = 0 floors negative idf at exactly 0: such a paragraph is matched with score
    0 (as rank-bm25 has it), and the accumulator is clean for the next query."""
    tf = sparse.csr_matrix(np.array([[1, 0], [1, 0], [1, 1]], dtype=np.int32))
    params = BM25Settings(epsilon=0.0)
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), params, kernel=kernel)
    paras, scores = scorer.score([0])
    assert paras.tolist() == [0, 1, 2] and scores.tolist() == [0.0, 0.0, 0.0]
    assert not np.signbit(scores).any()  # no -0.0 leaks out
    assert scorer.top([0], 2).total == 3
    paras, scores = scorer.score([1])  # nothing left over from the last query
    assert paras.tolist() == [2] and scores[0] > 0


def test_compiled_kernel_rejects_bad_arrays() -> None:
    kernel = compiled_kernel()
    if kernel is None:
        pytest.skip("the C kernel is not built (no compiler at install)")
    tf = random_tf(4)
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), BM25Settings(), kernel=True)
    with pytest.raises(ValueError, match="out of range"):
        scorer.top([tf.shape[1] + 5], 3)  # a term id past the vocabulary
    p = scorer.postings
    acc = np.zeros(p.n_docs)
    touched = np.empty(p.n_docs, dtype=np.int32)
    with pytest.raises(ValueError, match="lengths disagree"):
        kernel.accumulate(p.indptr, p.docs, p.tf, scorer.idf, scorer.norm[:-1], 2.5,
                          np.array([0]), np.array([1.0]), acc, touched)
    with pytest.raises(TypeError, match="expected items"):
        kernel.accumulate(p.indptr, p.docs.astype(np.int64), p.tf, scorer.idf, scorer.norm,
                          2.5, np.array([0]), np.array([1.0]), acc, touched)


@pytest.mark.skipif(compiled_kernel() is None, reason="the C kernel is not built")
@pytest.mark.parametrize("prune", [False, True])
def test_a_bad_posting_is_refused_and_the_block_accumulator_left_zero(prune: bool) -> None:
    """Postings that do not ascend (a paragraph before the block being summed), or point
    past the archive, raise instead of writing outside the search's block accumulator,
    which stays zero for the next query; the kernel wants exactly one block of it."""
    kernel = compiled_kernel()
    tf = big_tf(3, n_docs=70_000, vocab=12)
    good = Postings.from_tf(tf)
    scorer = PostingsScorer(good, doc_len_of(tf), BM25Settings(), kernel=True)
    scorer.prune = prune
    want = scorer.top([0, 1, 2], 10)
    for broken in (good.docs[::-1].copy(), good.docs + tf.shape[0]):
        scorer.postings = Postings(good.indptr, broken, good.tf, good.n_docs)
        with pytest.raises(ValueError, match="out of range"):
            scorer.top([0, 1, 2], 10)
    scorer.postings = good
    (scratch,) = scorer._free
    assert not scratch.block.any()
    got = scorer.top([0, 1, 2], 10)
    assert got.paragraphs.tolist() == want.paragraphs.tolist() and got.total == want.total
    p, small = scorer.postings, np.zeros(kernel.BLOCK_DOCS - 1)
    with pytest.raises(ValueError, match="lengths disagree"):
        kernel.search(p.indptr, p.docs, p.tf, scorer.idf, scorer.lens, scorer.normtab,
                      scorer.k1p1, np.array([0, 1]), np.array([1.0, 1.0]), small, None,
                      np.empty(3, dtype=np.int32), np.empty(3))


def test_round_trip_restrict_and_uses() -> None:
    tf = random_tf(5)
    p = Postings.from_tf(tf)
    assert (p.paragraph_major() != tf).nnz == 0
    keep = np.array([3, 10, 11, 200, 399])
    sub = p.restrict(keep)
    assert (sub.paragraph_major() != tf[keep]).nnz == 0
    for term in range(tf.shape[1]):
        column = tf[:, term].toarray().ravel()
        for first, count in ((0, 400), (10, 5), (390, 10), (50, 0), (400, 5), (2**40, 1)):
            assert p.uses(term, first, count) == bool(column[first:first + count].any())
        assert p.uses(term, -3, 8) == bool(column[:5].any())
    assert not p.uses(-1, 0, 400) and not p.uses(tf.shape[1], 0, 400)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("prune", [True, False])
def test_the_top_under_a_mask_is_the_top_of_the_scores_it_passes(kernel: bool,
                                                                prune: bool) -> None:
    """What the quote book asks of its quoted paragraphs (count=False, unpruned): the same
    paragraphs and scores as the whole archive's, filtered, then cut to the top k."""
    tf = random_tf(6)
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), BM25Settings(),
                            kernel=kernel, prune=prune)
    mask = np.zeros(tf.shape[0], dtype=np.bool_)
    mask[np.arange(0, tf.shape[0], 7)] = True
    for q in queries(6, tf.shape[1], 20):
        paras, scores = scorer.score(q)
        inside = mask[paras]
        pos = top_k(paras[inside], scores[inside], 5)
        top = scorer.top(q, 5, mask, count=False)
        np.testing.assert_array_equal(top.paragraphs, paras[inside][pos])
        np.testing.assert_array_equal(top.scores, scores[inside][pos])


@pytest.mark.parametrize("kernel", KERNELS)
def test_scores_of_chosen_paragraphs_are_their_scores_in_a_full_scoring(kernel: bool) -> None:
    """score_of (binary search in each term's postings) gives what score() gives those
    paragraphs, in any order and with repeats, and 0 to a paragraph no term is in."""
    tf = random_tf(8)
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), BM25Settings(),
                            kernel=kernel)
    rng = np.random.default_rng(8)
    chosen = rng.integers(0, tf.shape[0], 150)
    for q in queries(8, tf.shape[1], 30):
        paras, scores = scorer.score(q)
        want = np.zeros(tf.shape[0])
        want[paras] = scores
        np.testing.assert_allclose(scorer.score_of(q, chosen), want[chosen],
                                   rtol=1e-12, atol=1e-12)
    assert scorer.score_of([0, 1], np.zeros(0, dtype=np.int64)).shape == (0,)
    for outside in (-1, tf.shape[0]):
        with pytest.raises(IndexError):
            scorer.score_of([0], np.array([outside]))


def test_counts_over_the_uint16_range_are_refused() -> None:
    tf = sparse.csr_matrix(np.array([[70_000]], dtype=np.int32))
    with pytest.raises(ValueError, match="more than 65535"):
        Postings.from_tf(tf)


def flat_ids(tf: sparse.csr_matrix, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every paragraph's tokens back to back, shuffled within the paragraph (a tokenizer's
    order), and each paragraph's token count."""
    rng = np.random.default_rng(seed)
    ids: list[int] = []
    for d in range(tf.shape[0]):
        row = tf[d]
        tokens = np.repeat(row.indices, row.data)
        ids += rng.permutation(tokens).tolist()
    return np.array(ids, dtype=np.int32), doc_len_of(tf)


@pytest.mark.parametrize("kernel", KERNELS)
def test_postings_inverted_from_the_ids_are_those_of_the_count_matrix(kernel: bool) -> None:
    tf = random_tf(7)
    tf[5, 3] = 300  # one count past uint8
    tf.eliminate_zeros()
    ids, lengths = flat_ids(tf, 7)
    n = tf.shape[1]
    order = np.random.default_rng(8).permutation(n).astype(np.int32)  # ids renumbered
    inverse = np.argsort(order).astype(np.int32)
    expected = Postings.from_tf(tf[:, inverse].tocsr())
    got = Postings.from_ids(ids, lengths, order, n, kernel=kernel)
    for name in ("indptr", "docs", "tf"):
        want, have = getattr(expected, name), getattr(got, name)
        assert have.dtype == want.dtype, name
        np.testing.assert_array_equal(have, want, err_msg=name)
    assert got.n_docs == tf.shape[0]


@pytest.mark.parametrize("kernel", KERNELS)
def test_terms_mapped_to_minus_one_are_left_out(kernel: bool) -> None:
    ids = np.array([0, 1, 1, 2, 2, 0], dtype=np.int32)
    got = Postings.from_ids(ids, np.array([3, 0, 3]), np.array([-1, 0, 1], dtype=np.int32),
                            2, kernel=kernel)
    assert got.indptr.tolist() == [0, 1, 2]  # old id 0 dropped, 1 and 2 renumbered 0 and 1
    assert got.docs.tolist() == [0, 2] and got.tf.tolist() == [2, 2]


@pytest.mark.parametrize("kernel", KERNELS)
def test_inverting_a_count_over_the_uint16_range_is_refused(kernel: bool) -> None:
    ids = np.zeros(70_000, dtype=np.int32)
    with pytest.raises(ValueError, match="more than 65535"):
        Postings.from_ids(ids, np.array([70_000]), np.array([0], dtype=np.int32), 1,
                          kernel=kernel)


def test_compiled_inversion_rejects_ids_that_disagree_with_the_lengths() -> None:
    kernel = compiled_kernel()
    if kernel is None:
        pytest.skip("the C kernel is not built (no compiler at install)")
    indptr = np.zeros(3, dtype=np.int64)
    none32, none16 = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.uint16)
    remap = np.arange(2, dtype=np.int32)
    with pytest.raises(ValueError, match="disagree"):  # lengths sum past the ids
        kernel.invert(np.array([0, 1], dtype=np.int32), np.array([3]), remap, 2, indptr,
                      none32, none16)
    with pytest.raises(ValueError, match="disagree"):  # an id past the remap table
        kernel.invert(np.array([0, 5], dtype=np.int32), np.array([2]), remap, 2, indptr,
                      none32, none16)


def test_compiled_search_with_4_byte_lengths_gives_the_same_top() -> None:
    """A paragraph over 65535 tokens makes the lengths 4 bytes wide: the same results."""
    if compiled_kernel() is None:
        pytest.skip("the C kernel is not built (no compiler at install)")
    tf = random_tf(8)
    params = BM25Settings()
    lengths = doc_len_of(tf)
    fast = PostingsScorer(Postings.from_tf(tf), lengths, params, kernel=True)
    plain = PostingsScorer(Postings.from_tf(tf), lengths, params, kernel=True)
    plain.lens = plain.lens.astype(np.uint32)
    for q in queries(8, tf.shape[1], 30):
        a, b = fast.top(q, 7), plain.top(q, 7)
        np.testing.assert_array_equal(a.paragraphs, b.paragraphs)
        np.testing.assert_array_equal(a.scores, b.scores)
        assert a.total == b.total


def big_tf(seed: int, n_docs: int = 140_000, vocab: int = 40) -> sparse.csr_matrix:
    """Several of the kernel's 32k-paragraph blocks, so its pruning (from the second block
    on, once k paragraphs are held) has frequent low-idf terms to leave unscored."""
    rng = np.random.default_rng(seed)
    per_doc = rng.integers(1, 8, n_docs)
    rows = np.repeat(np.arange(n_docs), per_doc)
    cols = np.minimum(rng.zipf(1.25, len(rows)) - 1, vocab - 1)
    tf = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)),
                           shape=(n_docs, vocab))
    tf.sum_duplicates()
    tf.sort_indices()
    return tf


def pruning_case(seed: int) -> tuple[PostingsScorer, PostingsScorer, np.random.Generator,
                                      npt.NDArray[np.bool_]]:
    """The kernel and numpy over :func:`big_tf`, a random source for queries and a mask."""
    tf = big_tf(seed)
    lengths = doc_len_of(tf) + np.random.default_rng(seed).integers(0, 30, tf.shape[0])
    params = BM25Settings()
    kernel = PostingsScorer(Postings.from_tf(tf), lengths, params, kernel=True)
    plain = PostingsScorer(Postings.from_tf(tf), lengths, params, kernel=False)
    rng = np.random.default_rng(seed + 10)
    return kernel, plain, rng, rng.random(tf.shape[0]) < 0.6


def pruning_queries(rng: np.random.Generator) -> Iterator[list[int]]:
    """A rare term or two beside frequent ones, sometimes repeated, 3 to 9 terms."""
    for n_terms in (2, 3, 5, 8):
        for _ in range(12):
            yield [*rng.integers(0, 40, n_terms).tolist(), int(rng.integers(30, 40))]


@pytest.mark.skipif(compiled_kernel() is None, reason="the C kernel is not built")
@pytest.mark.parametrize("seed", [5, 6])
def test_pruned_search_finds_exactly_the_unpruned_top_k_and_count(seed: int) -> None:
    pruned, plain, rng, mask = pruning_case(seed)
    for query in pruning_queries(rng):
        for k, m in ((1, None), (10, None), (10, mask), (200, None)):
            got, want = pruned.top(query, k, m), plain.top(query, k, m)
            assert got.total == want.total
            assert got.paragraphs.tolist() == want.paragraphs.tolist(), query
            assert got.scores.tolist() == want.scores.tolist(), query


@pytest.mark.skipif(compiled_kernel() is None, reason="the C kernel is not built")
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_uncounted_search_finds_exactly_the_counted_top_k(seed: int) -> None:
    """Without a count the kernel leaves the lazy terms' postings unwalked (a candidate is
    looked up in them, blocks only they reach are skipped): the same top k, the same bits."""
    fast, plain, rng, mask = pruning_case(seed)
    for query in pruning_queries(rng):
        for k, m in ((1, None), (8, None), (8, mask), (200, None)):
            got, want = fast.top(query, k, m, count=False), plain.top(query, k, m)
            assert got.total == -1
            assert got.paragraphs.tolist() == want.paragraphs.tolist(), query
            assert got.scores.tolist() == want.scores.tolist(), query
    # the numpy path says "not counted" the same way
    assert plain.top([1, 2], 3, count=False).total == -1


@pytest.mark.skipif(compiled_kernel() is None, reason="the C kernel is not built")
def test_bounds_are_never_below_a_contribution() -> None:
    tf = big_tf(7, n_docs=5_000)
    lengths = doc_len_of(tf)
    scorer = PostingsScorer(Postings.from_tf(tf), lengths, BM25Settings(), kernel=True)
    ids, weights = np.arange(40, dtype=np.int64), np.full(40, 2.0)
    bounds = scorer.bounds(ids, weights)
    for term in range(40):
        _, scores = scorer.score([term, term])
        assert (scores <= bounds[term]).all()
        if len(scores):
            assert scores.max() == bounds[term]  # the bound is a contribution, not a guess


def test_the_factor_table_holds_the_kernels_own_expression() -> None:
    from bot.core.postings import FACTOR_TFS, factor_table, length_norm_table

    lengths = np.array([3, 7, 1, 12], dtype=np.int64)
    params = BM25Settings()
    normtab = length_norm_table(12, float(lengths.sum()) / len(lengths), params)
    table = factor_table(normtab, params.k1 + 1).reshape(FACTOR_TFS, len(normtab))
    for tf in range(1, FACTOR_TFS):
        for length in range(len(normtab)):
            q = float(tf)
            assert table[tf, length] == (q * (params.k1 + 1)) / (q + normtab[length])
    assert len(factor_table(np.ones(5000), 2.5)) == 0  # long paragraphs: computed instead


@pytest.mark.skipif(compiled_kernel() is None, reason="the C kernel is not built")
def test_a_factor_table_of_the_wrong_size_is_refused() -> None:
    tf = random_tf(3)
    scorer = PostingsScorer(Postings.from_tf(tf), doc_len_of(tf), BM25Settings(), kernel=True)
    scorer.factors = np.zeros(7)
    with pytest.raises(ValueError, match="factors of the wrong size"):
        scorer.top([1, 2], 5)


def test_peaks_at_once_are_each_terms_first_use_peak() -> None:
    """The peaks saved with an index (computed in chunks, some terms without postings and
    one term longer than a chunk) are what the scorer finds on a term's first query."""
    tf = big_tf(11, n_docs=3_000)
    tf[:, 5] = 0  # a term no paragraph uses
    lengths = doc_len_of(tf) + np.random.default_rng(11).integers(0, 50, tf.shape[0])
    scorer = PostingsScorer(Postings.from_tf(tf), lengths, BM25Settings(), kernel=False)
    want = [scorer._peak_of(t) for t in range(tf.shape[1])]
    for chunk in (1, 37, 1 << 22):
        assert scorer.peaks(chunk).tolist() == want
    if compiled_kernel() is not None:  # the kernel's one pass: the same bits
        fast = PostingsScorer(Postings.from_tf(tf), lengths, BM25Settings(), kernel=True)
        assert fast.peaks().tolist() == want
    seeded = PostingsScorer(Postings.from_tf(tf), lengths, BM25Settings(), kernel=False,
                            peaks=scorer.peaks())
    ids, weights = np.arange(tf.shape[1], dtype=np.int64), np.ones(tf.shape[1])
    assert seeded.bounds(ids, weights).tolist() == scorer.bounds(ids, weights).tolist()


def test_saved_peaks_are_ignored_for_another_corpus_statistics() -> None:
    from bot.core.postings import CorpusStats

    tf = big_tf(12, n_docs=500)
    lengths = doc_len_of(tf)
    postings = Postings.from_tf(tf)
    stats = CorpusStats(n_docs=1_000, total_length=int(lengths.sum()) * 3,
                        df=CorpusStats.of(postings, lengths).df)
    wrong = np.zeros(postings.n_terms)
    shard = PostingsScorer(postings, lengths, BM25Settings(), stats=stats, peaks=wrong)
    alone = PostingsScorer(postings, lengths, BM25Settings(), stats=stats)
    ids, weights = np.arange(postings.n_terms, dtype=np.int64), np.ones(postings.n_terms)
    assert shard.bounds(ids, weights).tolist() == alone.bounds(ids, weights).tolist()
    assert shard.bounds(ids, weights).max() > 0

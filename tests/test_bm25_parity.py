"""The serving engine (postings, compiled and numpy) and the score-matrix reference give
exactly rank-bm25's BM25Okapi scores and rankings."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.config import BM25Settings, TokenizerSettings
from bot.core.bm25 import MatrixScorer, RankBM25Scorer, top_k
from bot.core.index import FileEntry, ParsedFile, build_index
from bot.core.models import Article
from bot.core.postings import PostingsScorer, compiled_kernel
from bot.core.tokenize import Tokenizer


def random_corpus(n_docs: int, seed: int) -> list[list[str]]:
    """Zipf-ish vocabulary so some words sit in most paragraphs (negative idf) and
    most are rare; a few empty paragraphs too."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    weights = [1 / (i + 1) for i in range(len(words))]
    corpus = []
    for _ in range(n_docs):
        n = rng.choice([0, 1, 3]) if rng.random() < 0.01 else rng.randint(5, 60)
        corpus.append(rng.choices(words, weights, k=n))
    return corpus


def index_of(corpus: list[list[str]], params: BM25Settings):
    """An index whose paragraphs are the given token lists (tokenizer is identity-like)."""
    tok = Tokenizer(TokenizerSettings(stopwords=False, stemming=False))
    articles = tuple(
        Article(f"d{i}", f"t{i}", (" ".join(doc),), f"d{i}.txt") for i, doc in enumerate(corpus)
    )
    pf = ParsedFile(FileEntry("x", "h", 0, 0, tuple(a.doc_id for a in articles)), articles)
    return build_index([pf], tok, params)


def engines(index, params: BM25Settings) -> dict[str, object]:
    """Every engine that must agree with rank-bm25: the postings scorer the index serves
    with (compiled when built, and its numpy twin) and the score matrix of old formats."""
    out: dict[str, object] = {
        "postings numpy": PostingsScorer(index.postings, index.doc_len, params, kernel=False),
        "score matrix": MatrixScorer(index.scores),
    }
    if compiled_kernel() is not None:
        out["postings compiled"] = PostingsScorer(index.postings, index.doc_len, params,
                                                  kernel=True)
    return out


def best10(engine, ids: list[int]) -> np.ndarray:
    if isinstance(engine, PostingsScorer):
        return engine.top(ids, 10).paragraphs
    idx, sc = engine.score(ids)
    return idx[top_k(idx, sc, 10)]


def dense(scorer, n: int, ids: list[int]) -> np.ndarray:
    out = np.zeros(n)
    idx, sc = scorer.score(ids)
    out[idx] = sc
    return out


@pytest.mark.parametrize(
    "params",
    [BM25Settings(), BM25Settings(k1=1.2, b=0.5, epsilon=0.5), BM25Settings(k1=2.0, b=1.0)],
)
def test_matrix_scores_equal_rank_bm25(params: BM25Settings) -> None:
    corpus = random_corpus(3000, seed=7)
    index = index_of(corpus, params)
    reference = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    scorers = engines(index, params)
    wrapped = RankBM25Scorer(index.tf, index.doc_len, index.vocab, params)
    rng = random.Random(1)
    queries = [["w0"], ["w1", "w2"], ["w0", "w0", "w5"], ["w2999", "nonexistent"],
               ["w7", "w40", "w300", "w1000"]]
    vocab = [f"w{i}" for i in range(3000)]
    queries += [rng.choices(vocab, k=rng.randint(1, 5)) for _ in range(40)]
    negative_idf_seen = False
    for query in queries:
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = np.asarray(reference.get_scores(query))
        ids = index.term_ids(query)
        # rank-bm25 divides 0 by 0 for an empty paragraph when b == 1; such a paragraph
        # matches nothing, and we score it 0.
        nan = np.isnan(expected)
        assert all(len(corpus[i]) == 0 for i in np.flatnonzero(nan))
        expected[nan] = 0.0
        for engine in scorers.values():
            got = dense(engine, len(corpus), ids)
            assert not got[nan].any()
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
        with np.errstate(invalid="ignore", divide="ignore"):
            via_package = dense(wrapped, len(corpus), ids)
        np.testing.assert_allclose(via_package, expected, rtol=0, atol=1e-9)
        negative_idf_seen |= any(reference.idf.get(q, 1) == reference.average_idf * params.epsilon
                                 for q in query)
        # Same top-10: positions may swap only among equal scores.
        ref_top = np.argsort(expected)[::-1][:10]
        for engine in scorers.values():
            ours = best10(engine, ids)
            if len(ours) == 10:
                np.testing.assert_allclose(np.sort(expected[ours]),
                                           np.sort(expected[ref_top]), atol=1e-9)
                # Same paragraphs, except that scores equal within 1e-9 may trade places.
                boundary = expected[ref_top].min() - 1e-9
                assert all(expected[i] >= boundary for i in ours)
                assert set(ours) == set(ref_top) or np.sum(expected >= boundary) > 10
    assert negative_idf_seen, "the corpus should exercise rank-bm25's epsilon floor"


def test_matched_set_is_paragraphs_containing_a_term() -> None:
    corpus = [["a", "b"], ["b", "c"], ["c"], [], ["a", "a", "d"]]
    index = index_of(corpus, BM25Settings())
    for engine in engines(index, BM25Settings()).values():
        idx, _ = engine.score(index.term_ids(["a", "zzz"]))
        assert idx.tolist() == [0, 4]
        idx, _ = engine.score(index.term_ids(["b", "c"]))
        assert idx.tolist() == [0, 1, 2]
        idx, sc = engine.score(index.term_ids(["zzz"]))
        assert len(idx) == 0 and len(sc) == 0


def test_top_k_breaks_ties_by_paragraph_order() -> None:
    idx = np.array([5, 1, 9, 3], dtype=np.int64)
    sc = np.array([1.0, 2.0, 2.0, 0.5])
    assert idx[top_k(idx, sc, 2)].tolist() == [1, 9]
    assert idx[top_k(idx, sc, 10)].tolist() == [1, 9, 5, 3]
    assert top_k(idx, sc, 0).tolist() == []

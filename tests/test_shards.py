"""The sharded index without Ray (bot/core/shards.py): the stable assignment, the split, the
corpus-wide statistics, the merge; merged shard answers equal the single index's top k and
rank-bm25's BM25Okapi over the whole corpus."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.config import Settings, TokenizerSettings, with_section
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, build_index
from bot.core.models import Article, Filters, SearchHit
from bot.core.search import Archive, FiltersExcludeAllError
from bot.core.shard_storage import current_generation, open_generation, write_generation
from bot.core.shards import (
    ShardAnswer,
    ShardArchive,
    ShardHit,
    ShardMatches,
    corpus_of,
    merge,
    merge_matches,
    read_corpus,
    shard_of,
    split_index,
)
from bot.core.storage import load_index
from bot.core.tokenize import Tokenizer

PLAIN = TokenizerSettings(stopwords=False, stemming=False)
SOURCES = ("Wire", "Herald", "Gazette")


def synthetic_articles(n_articles: int, seed: int) -> list[Article]:
    """Articles of 1-4 paragraphs over a Zipf-ish vocabulary: ``w0`` is in most paragraphs
    (negative idf: the epsilon floor), most words are rare; every 7th article repeats the
    previous one's paragraphs word for word (tied scores in different articles, so often in
    different shards); dates and sources vary, for the filters."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(800)]
    weights = [1 / (i + 1) for i in range(len(words))]
    articles: list[Article] = []
    for i in range(n_articles):
        if i % 7 == 6:
            paragraphs = articles[-1].paragraphs
        else:
            paragraphs = tuple(" ".join(["w0", *rng.choices(words, weights, k=rng.randint(3, 30))])
                               for _ in range(rng.randint(1, 4)))
        articles.append(Article(f"doc-{i}", f"Title {i}", paragraphs, f"a{i}.txt",
                                date=f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}",
                                source=SOURCES[i % 3]))
    return articles


def synthetic_index(settings: Settings, n_articles: int = 240, seed: int = 5) -> ArchiveIndex:
    articles = tuple(synthetic_articles(n_articles, seed))
    pf = ParsedFile(FileEntry("x", "h", 0, 0, tuple(a.doc_id for a in articles)), articles)
    return build_index([pf], Tokenizer(PLAIN), settings.bm25)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = Settings()
    base = with_section(base, "index", path=tmp_path_factory.mktemp("shards") / "index")
    return with_section(base, "tokenizer", stopwords=False, stemming=False)


@pytest.fixture(scope="module")
def whole(settings: Settings) -> Archive:
    return Archive(synthetic_index(settings), settings, Tokenizer(PLAIN))


QUERIES = ("w0", "w0 w1", "w3 w17 w250", "w5 w5 w40", "w799 w2", "w12 w0 w0 w100", "nothing")


def sharded_top(whole: Archive, settings: Settings, n: int, query: str, k: int,
                filters: Filters = Filters()) -> list[ShardHit]:
    shards = split_index(whole.index, n)
    corpus = corpus_of(whole.index, shards)
    ids = whole.index.term_ids(query.split())
    answers = [ShardArchive(i, s.index, s.paragraphs, corpus, settings, Tokenizer(PLAIN))
               .answer(ids, k, filters) for i, s in enumerate(shards)]
    return list(merge(answers, k).hits)


def test_shard_of_is_stable_and_spreads() -> None:
    # blake2b, not hash(): the same shard under any PYTHONHASHSEED and on every machine
    assert [shard_of(f"doc-{i}", 4) for i in range(8)] == [
        shard_of(f"doc-{i}", 4) for i in range(8)]
    assert shard_of("doc-0", 1) == 0
    counts = np.bincount([shard_of(f"doc-{i}", 3) for i in range(3000)], minlength=3)
    assert counts.min() > 900


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_split_keeps_every_paragraph_once_with_global_term_ids(whole: Archive, n: int) -> None:
    shards = split_index(whole.index, n)
    numbers = np.concatenate([s.paragraphs for s in shards])
    assert sorted(numbers.tolist()) == list(range(whole.index.n_paragraphs))
    for s in shards:
        assert np.all(np.diff(s.paragraphs) > 0)  # ascending: local order is global order
        assert s.index.postings.n_terms == len(whole.index.vocab)
        for local, para in enumerate(s.paragraphs[:20].tolist()):
            assert s.index.text(local) == whole.index.text(para)
            assert s.index.doc_of(local).doc_id == whole.index.doc_of(para).doc_id
            assert int(s.index.para_num[local]) == int(whole.index.para_num[para])
    df = sum(s.index.postings.df() for s in shards)
    assert np.array_equal(df, whole.index.postings.df())
    assert sum(len(s.index.docs) for s in shards) == len(whole.index.docs)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("query", QUERIES)
def test_merged_shards_equal_the_single_index(whole: Archive, settings: Settings, n: int,
                                              query: str) -> None:
    single = whole.top(query, 10)
    merged = sharded_top(whole, settings, n, query, 10)
    assert [(h.paragraph, h.score) for h in merged] == single.pairs  # same bits, same order
    for h in merged:
        assert h.hit == whole.hit(h.paragraph, h.score)


@pytest.mark.parametrize("n", [2, 5])
def test_merged_shards_equal_rank_bm25(whole: Archive, settings: Settings, n: int) -> None:
    index = whole.index
    corpus = [whole.tokenizer(index.text(p)) for p in range(index.n_paragraphs)]
    ref = BM25Okapi(corpus, k1=settings.bm25.k1, b=settings.bm25.b,
                    epsilon=settings.bm25.epsilon)
    assert any(v < 0 for v in [np.log(len(corpus) - d + .5) - np.log(d + .5)
                               for d in index.postings.df().tolist()])  # the floor applies
    for query in QUERIES[:-1]:
        expected = ref.get_scores(query.split())
        merged = sharded_top(whole, settings, n, query, 10)
        for h in merged:
            assert h.score == pytest.approx(expected[h.paragraph], abs=1e-9)
        # tie-aware: the 10th best score bounds everything left out
        cut = merged[-1].score
        assert int((expected > cut + 1e-9).sum()) <= len(merged)
        assert sorted(expected, reverse=True)[:len(merged)] == pytest.approx(
            [h.score for h in merged], abs=1e-9)


def test_ties_across_shards_go_to_the_earlier_paragraph(whole: Archive, settings: Settings
                                                        ) -> None:
    # articles 5 and 6 are copies: their paragraphs tie, and land in different shards
    first, copy = whole.index.docs.lookup["doc-5"], whole.index.docs.lookup["doc-6"]
    assert shard_of("doc-5", 2) != shard_of("doc-6", 2)
    text = whole.index.text(whole.index.docs[first].first)
    merged = sharded_top(whole, settings, 2, text, 3)
    assert merged[0].score == merged[1].score
    assert merged[0].paragraph == whole.index.docs[first].first
    assert merged[1].paragraph == whole.index.docs[copy].first


def test_filters_apply_per_shard(whole: Archive, settings: Settings) -> None:
    filters = Filters(date_from="2015-01-01", source="herald")
    single = whole.top("w0 w3", 10, filters)
    merged = sharded_top(whole, settings, 3, "w0 w3", 10, filters)
    assert [(h.paragraph, h.score) for h in merged] == single.pairs
    assert all(h.hit.source == "Herald" for h in merged)


def _hit(para: int, score: float) -> ShardHit:
    return ShardHit(para, score, SearchHit("d", "t", None, None, 1, score, "x"))


def test_merge_orders_by_score_then_global_paragraph_and_counts_answers() -> None:
    a = ShardAnswer(0, (_hit(7, 3.0), _hit(2, 1.0)), total=5)
    b = ShardAnswer(1, (_hit(4, 3.0), _hit(9, 2.0)), total=4)
    merged = merge([a, None, b], 3)
    assert [(h.paragraph, h.score) for h in merged.hits] == [(4, 3.0), (7, 3.0), (9, 2.0)]
    assert (merged.total, merged.answered, merged.shards, merged.excluded) == (9, 2, 3, False)
    assert merge([a, b], 0).hits == ()
    none = merge([ShardAnswer(0, (), 0, excluded=True), ShardAnswer(1, (), 0, excluded=True)], 5)
    assert none.excluded and none.total == 0
    assert not merge([ShardAnswer(0, (), 0, excluded=True), b], 5).excluded
    assert not merge([None, None], 5).excluded and merge([None, None], 5).answered == 0


def test_generation_on_disk_loads_and_answers(whole: Archive, settings: Settings,
                                              tmp_path: Path) -> None:
    root = tmp_path / "shards"
    gen = write_generation(whole.index, 3, root)
    assert current_generation(root) == gen
    corpus = read_corpus(gen)
    assert (corpus.n_shards, corpus.n_paragraphs) == (3, whole.index.n_paragraphs)
    assert corpus.total_length == int(whole.index.doc_len.sum())
    assert np.array_equal(corpus.df, whole.index.postings.df())
    plain = load_index(gen / "shard-1")  # a normal v6 index folder, today's loader
    assert plain is not None and plain.n_paragraphs == corpus.shard_paragraphs[1]
    shards = [ShardArchive.load(gen, i, settings) for i in range(3)]
    ids = whole.index.term_ids(["w0", "w9"])
    merged = merge([s.answer(ids, 10) for s in shards], 10)
    assert [(h.paragraph, h.score) for h in merged.hits] == whole.top("w0 w9", 10).pairs
    # the same index and shard count: the generation is reused, not split again
    assert open_generation(whole.index, 3, root) == gen
    other = dataclasses.replace(whole.index, params={**whole.index.params, "tokenizer": "x"})
    assert open_generation(other, 3, root) != gen  # another tokenizer: split again
    gen = open_generation(whole.index, 3, root)
    second = open_generation(whole.index, 2, root)
    third = open_generation(whole.index, 4, root)
    assert second != gen and current_generation(root) == third
    assert not gen.exists() and second.exists()  # the last two generations are kept


def test_a_shard_without_articles_passing_the_filters_is_excluded(
        whole: Archive, settings: Settings) -> None:
    shards = split_index(whole.index, 2)
    corpus = corpus_of(whole.index, shards)
    wanted = shards[0].index.docs[0]
    arch = [ShardArchive(i, s.index, s.paragraphs, corpus, settings, Tokenizer(PLAIN))
            for i, s in enumerate(shards)]
    only = Filters(date_from=wanted.date, date_to=wanted.date, source=wanted.source)
    answers = [a.answer(whole.index.term_ids(["w0"]), 5, only) for a in arch]
    if all(d.date != wanted.date or d.source != wanted.source for d in shards[1].index.docs):
        assert answers[1].excluded and not answers[0].excluded
    with pytest.raises(FiltersExcludeAllError):
        whole.doc_mask(Filters(date_from="2099-01-01"))
    nothing = [a.answer([0], 5, Filters(date_from="2099-01-01")) for a in arch]
    assert merge(nothing, 5).excluded


def test_a_partial_answer_says_so_in_the_search_footer(whole: Archive) -> None:
    from bot.app import render
    from bot.core.models import SearchResult, ShardCount

    hits = tuple(whole.search("w0 w3", 3).hits)
    for shards, note in ((ShardCount(2, 3), "2 of 3 shards answered"), (ShardCount(3, 3), None),
                         (None, None)):
        pages = render.search_pages(SearchResult("w0 w3", ("w0", "w3"), 9, 1.0, hits, shards))
        footer = pages[0].footer.text or ""
        assert "3 of 9 matching paragraphs" in footer
        assert (note in footer) if note else "shards" not in footer


@pytest.mark.parametrize("n", [2, 3, 5])
def test_every_match_merged_equals_the_single_index_rank(whole: Archive, settings: Settings,
                                                         n: int) -> None:
    shards = split_index(whole.index, n)
    corpus = corpus_of(whole.index, shards)
    arch = [ShardArchive(i, s.index, s.paragraphs, corpus, settings, Tokenizer(PLAIN))
            for i, s in enumerate(shards)]
    for query, filters in (("w0 w5", Filters()), ("w3 w3 w60", Filters(source="wire")),
                           ("nothing", Filters())):
        want = whole.rank(query, filters)
        got = merge_matches([a.matches(whole.index.term_ids(query.split()), filters)
                             for a in arch])
        assert np.array_equal(got.paragraphs, want.paragraphs)
        assert np.array_equal(got.scores, want.scores)  # the same bits
        assert whole.best(want, 10) == [(int(p), float(s)) for p, s in zip(
            got.paragraphs[np.lexsort((got.paragraphs, -got.scores))][:10],
            np.sort(got.scores)[::-1][:10], strict=True)]


def test_merge_matches_orders_by_paragraph_and_counts_answers() -> None:
    a = ShardMatches(0, np.array([1, 5]), np.array([0.5, 2.0]))
    b = ShardMatches(1, np.array([2, 3]), np.array([1.0, 1.5]))
    got = merge_matches([b, None, a])
    assert got.paragraphs.tolist() == [1, 2, 3, 5]
    assert got.scores.tolist() == [0.5, 1.0, 1.5, 2.0]
    assert (got.answered, got.shards, got.excluded) == (2, 3, False)
    empty = ShardMatches(0, np.zeros(0, np.int64), np.zeros(0), excluded=True)
    assert merge_matches([empty, empty]).excluded
    assert merge_matches([None]).answered == 0 and not merge_matches([None]).excluded


def test_the_100m_plan_follows_from_the_measured_runs() -> None:
    from bench.shards import plan

    def run(n: int, overhead: float, cpu: float) -> dict[str, object]:
        ms = {"p50": 4.0, "p95": 6.0, "p99": 8.0}
        return {"shards": n, "paragraphs_per_shard": [1_000_000 // n] * n,
                "shard_disk_mb": [500.0 / n] * n, "single_ms": ms,
                "ray_overhead_ms": {"p50": overhead, "p99": 2 * overhead},
                "coordinator_cpu_ms": {"p50": cpu, "p99": 2 * cpu},
                "actor_rss_mb": [{"RssAnon": 80.0, "RssFile": 400.0 / n}] * n}

    out = plan([run(1, 5.0, 3.0), run(2, 8.0, 4.0)], 1_000_000)
    assert out["disk_mb_per_million"] == 500.0 and out["actor_anon_mb"] == 80.0
    five = next(o for o in out["options"] if o["shard_paragraphs_m"] == 5
                and o["shards_per_node"] == 4)
    assert (five["shards"], five["nodes"]) == (20, 5)
    # 5 x 4 ms of scoring, one round trip (5 ms), 1 ms of coordinator CPU per further shard
    assert five["expected_p50_ms"] == pytest.approx(20 + 5 + 19 * 1.0)
    assert five["expected_p99_ms"] == pytest.approx(40 + 10 + 19 * 2.0)
    assert five["memory_per_node_gb"] == round(4 * (80 + 5 * 500) / 1024 * 1.3 + 2, 1)

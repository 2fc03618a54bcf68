"""The quote book picks candidate paragraphs by the rarest words of a long query, from a
score matrix cut to the paragraphs that hold quotations: on the seeds it must find exactly
what scoring every query term over every paragraph finds."""

from __future__ import annotations

import pytest

from bot.core.answers.quotebook import QuoteBook
from bot.core.snapshot import Snapshot


@pytest.fixture(scope="module")
def books(seed_snapshot: Snapshot) -> tuple[QuoteBook, QuoteBook]:
    index = seed_snapshot.index
    rare, every_term = QuoteBook(index.quotations, index), QuoteBook(index.quotations, index)
    for book in (rare, every_term):  # candidates from paragraphs alone, as in a large book
        book.FULL_SCAN = 0  # (instance attributes: the class keeps its values)
    every_term.CANDIDATE_TERMS = 10**9
    return rare, every_term


def test_long_queries_find_what_every_term_finds(books: tuple[QuoteBook, QuoteBook]) -> None:
    rare, every_term = books
    queries = [" ".join(rare.text(i).split()[:18]) for i in range(len(rare))]
    long_ones = [q for q in queries if len(set(q.split())) > QuoteBook.CANDIDATE_TERMS]
    assert len(long_ones) >= 20  # the seeds hold enough long quotations to test this
    for query in long_ones:
        assert rare.lookup(query, 5, 60.0) == every_term.lookup(query, 5, 60.0), query


def test_the_quotation_itself_comes_first(books: tuple[QuoteBook, QuoteBook]) -> None:
    rare, _ = books
    for i in range(len(rare)):
        words = rare.text(i)
        if len(words.split()) < 12:
            continue
        best = rare.lookup(words, 5, 60.0)
        assert best and best[0].match == 100.0
        assert words in {m.quote for m in best if m.match == 100.0}


def test_common_words_added_to_the_rare_ones_find_what_one_pass_finds(
        seed_snapshot: Snapshot) -> None:
    """With "common" set low enough that most quotations hold a common word, taking the
    candidates by the rare words and adding the common ones' scores finds what scoring
    them all in one pass finds, less the quotations whose paragraph shares only common
    words with the query (the point: no walk through a common word's postings for them);
    the quotation itself still comes first."""
    index = seed_snapshot.index
    two_step, one_pass = QuoteBook(index.quotations, index), QuoteBook(index.quotations, index)
    for book in (two_step, one_pass):
        book.FULL_SCAN = 0
    two_step.COMMON_SHARE, one_pass.COMMON_SHARE = 0.03, 1.0
    df, limit = index.postings.df(), 0.03 * index.n_paragraphs
    used = 0
    for i in range(len(two_step)):
        query = two_step.text(i)
        ids = {t for t in index.term_ids(two_step.tokenizer(query)) if t >= 0}
        rare = [t for t in ids if df[t] <= limit]
        if not rare or all(df[t] <= limit for t in ids):
            continue
        used += 1
        with_rare = {q for q in one_pass._from_paragraphs(query)
                     if any(index.postings.uses(t, int(two_step._paras[q]), 1) for t in rare)}
        assert two_step._from_paragraphs(query) == with_rare, query
        best = two_step.lookup(query, 5, 60.0)
        assert best[0].match == 100.0 and best[0] == one_pass.lookup(query, 5, 60.0)[0]
    assert used >= 20  # the two-step path was taken, not only the one pass

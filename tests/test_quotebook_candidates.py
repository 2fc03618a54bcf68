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

"""The follow-up rule (bot.core.followup) on a table of cases."""

from __future__ import annotations

import pytest

from bot.core.followup import (
    FirstQuestion,
    Reading,
    context_footer,
    describe_filters,
    interpret,
    parse_context,
)
from bot.core.models import Filters

IDLIB = "How many civilians were killed in air strikes in Idlib?"
STRIKES = FirstQuestion("civilians killed in air strikes")
IN_IDLIB = FirstQuestion(IDLIB)
FILTERED = FirstQuestion("civilians killed in air strikes",
                         Filters("2018-01-01", "2018-12-31", "Middle East Monitor"))
YEAR_2016 = Filters("2016-01-01", "2016-12-31")

# follow-up, first question, the follow-up's own options -> question, filters, read as
CASES: list[tuple[str, FirstQuestion, Filters, str, Filters, str | None]] = [
    # a year replaces the date range; the terms are the first question's
    ("and in 2016?", STRIKES, Filters(), "civilians killed in air strikes", YEAR_2016,
     "civilians killed in air strikes · 2016"),
    ("and in 2016?", FILTERED, Filters(), "civilians killed in air strikes",
     Filters("2016-01-01", "2016-12-31", "Middle East Monitor"),
     "civilians killed in air strikes · 2016 · source: Middle East Monitor"),
    # a month directly before a year: that month
    ("what about May 2016?", STRIKES, Filters(), "civilians killed in air strikes",
     Filters("2016-05-01", "2016-05-31"), "civilians killed in air strikes · May 2016"),
    ("February 2016", STRIKES, Filters(), "civilians killed in air strikes",
     Filters("2016-02-01", "2016-02-29"), "civilians killed in air strikes · February 2016"),
    # two years: from the first to the last
    ("2016 or 2018?", STRIKES, Filters(), "civilians killed in air strikes",
     Filters("2016-01-01", "2018-12-31"), "civilians killed in air strikes · 2016 to 2018"),
    # no new words at all: the first question again, its filters kept
    ("who else said that?", FILTERED, Filters(), "civilians killed in air strikes",
     FILTERED.filters,
     "civilians killed in air strikes · 2018 · source: Middle East Monitor"),
    ("and?", IN_IDLIB, Filters(), IDLIB, Filters(), IDLIB),
    # a name replaces the first question's last name ...
    ("what about Aleppo?", IN_IDLIB, Filters(),
     "How many civilians were killed in air strikes in Aleppo?", Filters(),
     "How many civilians were killed in air strikes in Aleppo?"),
    ("and Eastern Ghouta?", IN_IDLIB, Filters(),
     "How many civilians were killed in air strikes in Eastern Ghouta?", Filters(),
     "How many civilians were killed in air strikes in Eastern Ghouta?"),
    ("what about Aleppo in 2016?", IN_IDLIB, Filters(),
     "How many civilians were killed in air strikes in Aleppo?", YEAR_2016,
     "How many civilians were killed in air strikes in Aleppo? · 2016"),
    # ... or is added when the first question names none
    ("what about Aleppo?", STRIKES, Filters(), "civilians killed in air strikes Aleppo",
     Filters(), "civilians killed in air strikes Aleppo"),
    # other new words are added before the final punctuation; known words are not repeated
    ("and the children?", IN_IDLIB, Filters(),
     "How many civilians were killed in air strikes in Idlib children?", Filters(),
     "How many civilians were killed in air strikes in Idlib children?"),
    ("the civilians again?", IN_IDLIB, Filters(), IDLIB, Filters(), IDLIB),
    # the follow-up's own options win: its dates (as a pair) over a year in the text
    ("and in 2016?", FILTERED, Filters("2017-03-01", None, "Reuters"),
     "civilians killed in air strikes", Filters("2017-03-01", None, "Reuters"),
     "civilians killed in air strikes · from 2017-03-01 · source: Reuters"),
    ("and in 2016?", FILTERED, Filters(None, None, "Reuters"),
     "civilians killed in air strikes", Filters("2016-01-01", "2016-12-31", "Reuters"),
     "civilians killed in air strikes · 2016 · source: Reuters"),
    # enough content words of its own: stands on its own (own options only, no Read as)
    ("How many people fled Aleppo after the siege?", IN_IDLIB, Filters(),
     "How many people fled Aleppo after the siege?", Filters(), None),
    ("Russian bombing hospitals Aleppo 2016", FILTERED, Filters(None, None, "AP"),
     "Russian bombing hospitals Aleppo 2016", Filters(None, None, "AP"), None),
]


@pytest.mark.parametrize(("text", "first", "own", "question", "filters", "read_as"), CASES)
def test_rule_table(text: str, first: FirstQuestion, own: Filters, question: str,
                    filters: Filters, read_as: str | None) -> None:
    reading = interpret(text, first, own)
    assert reading == Reading(question, filters, read_as)
    assert reading.is_follow_up is (read_as is not None)


def test_no_thread_context_is_the_question_as_asked() -> None:
    assert interpret("and in 2016?", None, YEAR_2016) == Reading("and in 2016?", YEAR_2016)


def test_max_words_sets_the_threshold() -> None:
    text = "what about hospitals in Aleppo?"  # two content words: hospitals, Aleppo
    assert interpret(text, IN_IDLIB).is_follow_up
    assert not interpret(text, IN_IDLIB, max_words=1).is_follow_up
    assert interpret("and in 2016?", STRIKES, max_words=0).is_follow_up  # no content word
    assert interpret("Aleppo?", STRIKES, max_words=0).read_as is None


def test_may_without_a_year_is_not_a_date() -> None:
    reading = interpret("may they have fled?", STRIKES)
    assert reading.filters == Filters()
    assert reading.question == "civilians killed in air strikes fled"


@pytest.mark.parametrize(("filters", "text"), [
    (Filters(), ""),
    (Filters("2016-03-01", "2016-04-15"), "2016-03-01 to 2016-04-15"),
    (Filters(None, "2016-04-15"), "to 2016-04-15"),
    (Filters("2015-01-01", "2016-12-31", "AP"), "2015 to 2016 · source: AP"),
    (Filters("2016-02-01", "2016-02-28"), "2016-02-01 to 2016-02-28"),  # not the whole month
])
def test_describe_filters(filters: Filters, text: str) -> None:
    assert describe_filters(filters) == text


@pytest.mark.parametrize("first", [
    FirstQuestion(IDLIB),
    FirstQuestion("q", Filters("2016-01-01", None, "Middle East Monitor · Syria")),
    FirstQuestion("q", Filters(None, "2016-01-01")),
    FirstQuestion("q", Filters("2016-01-01", "2017-06-30", "AP")),
])
def test_context_footer_reads_back(first: FirstQuestion) -> None:
    footer = context_footer(first) + "\nSearched 4 articles · index of 2026-12-01 · page 1/2"
    assert parse_context(footer) == first


@pytest.mark.parametrize("footer", [
    "Searched 4 articles",  # an answer that opened no thread
    "Thread question: q",  # cut: nothing after it
    "Thread question: q\nThread filters: source: A",  # cut after the filters
    "Thread question:  \nSearched 4 articles",  # no question
    "Thread question: q\nThread filters: from 2017-01-01 · to 2016-01-01\nSearched",
    "Thread question: q\nThread filters: from 2016-02-30\nSearched",  # not a date
    "Thread question: q\nThread filters: since 2016\nSearched",
])
def test_context_footer_refuses_what_it_did_not_write(footer: str) -> None:
    assert parse_context(footer) is None

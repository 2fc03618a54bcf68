"""``archive-bot ask --follow-up-of``: the bot's follow-up rule from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable

Run = Callable[..., tuple[int, str, str]]
CIVILIANS = "How many civilians were killed in ten days of air strikes?"


def test_follow_up_inherits_the_terms_and_takes_the_year(run: Run) -> None:
    code, out, _ = run("ask", "and in 2016?", "--follow-up-of", CIVILIANS, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["read_as"] == f"{CIVILIANS} · 2016"
    assert data["question"] == CIVILIANS
    dates = [hit["date"] for hit in data["passages"]]
    assert dates and all(d.startswith("2016-") for d in dates)

    code, out, _ = run("ask", "and in 2016?", "--follow-up-of", CIVILIANS)
    assert code == 0 and out.startswith(f"Read as: {CIVILIANS} · 2016\n")


def test_without_the_option_the_question_is_read_as_asked(run: Run) -> None:
    code, out, _ = run("ask", "and in 2016?", "--json")
    data = json.loads(out)
    assert code == 0 and "read_as" not in data and data["question"] == "and in 2016?"


def test_a_question_of_its_own_is_not_rewritten(run: Run) -> None:
    code, out, _ = run("ask", "Who chaired the opposition delegation?", "--follow-up-of",
                       CIVILIANS, "--json")
    data = json.loads(out)
    assert code == 0 and data["read_as"] is None
    assert data["question"] == "Who chaired the opposition delegation?"
    assert "Ahmed Tuma" in data["answer"]


def test_the_follow_ups_own_options_win(run: Run) -> None:
    code, out, _ = run("ask", "and in 2016?", "--follow-up-of", CIVILIANS, "--from",
                       "2018-01-01", "--json")
    data = json.loads(out)
    assert code == 0 and data["read_as"] == f"{CIVILIANS} · from 2018-01-01"
    assert all(hit["date"] >= "2018-01-01" for hit in data["passages"])


def test_an_empty_first_question_is_refused(run: Run) -> None:
    code, _, err = run("ask", "and in 2016?", "--follow-up-of", "  ")
    assert code == 2 and "first question is empty" in err

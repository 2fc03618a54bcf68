"""The one normalisation all archive text passes: whitespace, control characters, bidi."""

from __future__ import annotations

import random

import pytest

from bot.core import cleaning
from bot.core.cleaning import normalize_space, parse_capture, strip_controls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a\x00b", "ab", id="NUL"),
        pytest.param("\x1b[2Jclear\x1b]0;title\x07", "[2Jclear]0;title", id="ANSI-and-OSC"),
        pytest.param("C1\x85\x9b\x9f here", "C1 here", id="C1"),
        pytest.param("del\x7fete", "delete", id="DEL"),
        pytest.param("abc\u202edcba\u202c", "abcdcba", id="RLO-PDF"),
        pytest.param("\u202a\u202b\u202dx", "x", id="embeddings-and-LRO"),
        pytest.param("\u2066a\u2067b\u2068c\u2069", "abc", id="isolates"),
        pytest.param("tab\there  and\u00a0nbsp", "tab here and nbsp", id="whitespace"),
        pytest.param("vt\x0bff\x0ccr\r", "vt ff cr", id="whitespace-controls-are-spaces"),
        pytest.param("a \x00 b", "a b", id="no-double-space-left"),
    ],
)
def test_normalize_space_strips_controls_and_overrides(text: str, expected: str) -> None:
    assert normalize_space(text) == expected


def test_ascii_fast_path_agrees_with_the_patterns() -> None:
    """Printable text skips the patterns; any text must come out as the patterns make it:
    random strings over spaces, every whitespace and control kind, letters, curly quotes,
    joiners and marks."""
    alphabet = [" ", "  ", "a", "B", ".", "\t", "\r", "\n", "\x0b", "\x0c", "\x00", "\x1b",
                "\x7f", "\x85", "\u00a0", "\u2003", "\u202e", "\u3000", "\u1680", "é", "“",
                "”", "\u200c", "\u200f", "\u2066"]
    rng = random.Random(20261202)
    for _ in range(4000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        slow = cleaning._HSPACE_CHANGE.sub(" ", strip_controls(text)).strip()
        assert normalize_space(text) == slow, repr(text)


def test_script_marks_and_joiners_are_kept() -> None:
    """Zero-width (non-)joiners spell Persian and Indic words and emoji sequences; the
    directional marks only orient neighbouring punctuation. Neither can reorder text."""
    persian = "می\u200cخواهم"  # ZWNJ inside a Persian word
    hindi = "क्\u200dष"  # ZWJ in Devanagari
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    marks = "\u05e9\u05dc\u05d5\u05dd\u200f (1) \u200e\u061c"
    for text in (persian, hindi, family, marks):
        assert normalize_space(text) == text


def test_strip_controls_keeps_newlines_and_tabs() -> None:
    assert strip_controls("a\n\tb\x00\u202e") == "a\n\tb"
    same = "plain text"
    assert strip_controls(same) is same  # no copy when there is nothing to strip


def test_captures_come_out_clean() -> None:
    (draft,) = parse_capture(
        "Title \u202eevil\n\nThe body\x1b[31m sentence of \u2066the\u2069 capture.\n")
    assert draft.title == "Title evil"
    assert draft.paragraphs == ["The body[31m sentence of the capture."]


# Plain-text news exports (one article per file: headline, blank line, paragraphs), with the
# failures seen on a real archive of them, each rebuilt here from text of our own.

def test_a_lead_sentence_without_a_full_stop_is_kept() -> None:
    (draft,) = parse_capture(
        "Trade gap widens\n\n"
        "The trade deficit widened sharply in November as imports of fuel rose\n\n"
        "Exports fell by 2% over the month, the statistics office said on Friday.\n\n"
        "Analysts had expected a smaller gap after a strong October for manufacturers.\n")
    assert draft.title == "Trade gap widens"
    assert draft.paragraphs[0] == (
        "The trade deficit widened sharply in November as imports of fuel rose")
    assert len(draft.paragraphs) == 3


def test_a_short_dek_is_still_dropped() -> None:
    (draft,) = parse_capture(
        "Trade gap widens\n\nFuel imports rise\n\n"
        "Exports fell by 2% over the month, the statistics office said on Friday.\n")
    assert draft.paragraphs == [
        "Exports fell by 2% over the month, the statistics office said on Friday."]


def test_bulleted_lists_are_kept_as_paragraphs() -> None:
    (draft,) = parse_capture(
        "Budget at a glance\n\nThe chancellor set out these measures in parliament today.\n\n"
        "* Income tax allowance up by 2%\n* Fuel duty frozen\n"
        "- Child benefit paid in full to more households\n\n"
        "The opposition said the budget did nothing for the low paid.\n")
    assert draft.paragraphs == [
        "The chancellor set out these measures in parliament today.",
        "Income tax allowance up by 2%", "Fuel duty frozen",
        "Child benefit paid in full to more households",
        "The opposition said the budget did nothing for the low paid."]


@pytest.mark.parametrize("headline", ["Why are egg prices rising?", "Ministers defend plan…",
                                      "Rates held again!"])
def test_headlines_ending_in_a_question_mark_or_ellipsis(headline: str) -> None:
    (draft,) = parse_capture(
        f"{headline}\n\nEgg prices have risen by almost a third in a year, figures show.\n\n"
        "Farmers blame the cost of feed and an outbreak of bird flu this winter.\n")
    assert draft.title == headline
    assert len(draft.paragraphs) == 2


def test_a_question_paragraph_later_in_the_text_is_not_a_title() -> None:
    (draft,) = parse_capture(
        "Egg prices rise\n\nEgg prices have risen by almost a third in a year, figures show.\n\n"
        "So what happens next?\n\nFarmers expect prices to fall once flocks recover.\n")
    assert draft.title == "Egg prices rise"
    assert "So what happens next?" in draft.paragraphs


@pytest.mark.parametrize("trailer", ["K Clark", "School Of Rock", "Middle East Eye"])
def test_a_trailing_line_is_never_the_source(trailer: str) -> None:
    (draft,) = parse_capture(
        "Cup final report\n\nThe home side won the cup final with a goal in extra time.\n\n"
        f"The crowd of 40,000 was the largest of the season at the ground.\n\n{trailer}\n")
    assert draft.source is None
    assert trailer not in draft.paragraphs


def test_an_explicit_source_line_is_the_source() -> None:
    (draft,) = parse_capture(
        "Cup final report\n\nSource: Sports Desk\n\n"
        "The home side won the cup final with a goal in extra time.\n")
    assert draft.source == "Sports Desk"

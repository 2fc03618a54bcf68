"""The one normalisation all archive text passes: whitespace, control characters, bidi."""

from __future__ import annotations

import pytest

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

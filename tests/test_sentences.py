"""Sentence splitting with offsets, and the capitalised-name spotter behind speakers."""

from __future__ import annotations

import pytest

from bot.core.answers.sentences import (
    Sentences,
    first_name,
    names_between,
    names_in,
    split_sentences,
)
from bot.core.search import Archive


def texts(paragraph: str) -> list[str]:
    return [s.text for s in split_sentences(paragraph)]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Mr. Obama said so. Then he left.", ["Mr. Obama said so.", "Then he left."]),
        ("Secretary of State John F. Kerry reacted strongly. Nobody else did.",
         ["Secretary of State John F. Kerry reacted strongly.", "Nobody else did."]),
        ("It hit the U.S. military hard. It was bad.",
         ["It hit the U.S. military hard.", "It was bad."]),
        ("He lives in the U.S. The talks failed.", ["He lives in the U.S.", "The talks failed."]),
        ("As many as 2.5 million Syrians could flee. Turkey is worried.",
         ["As many as 2.5 million Syrians could flee.", "Turkey is worried."]),
        ("“We will go,” he said. “Now.” Then silence.",
         ["“We will go,” he said.", "“Now.”", "Then silence."]),
        ("It ended in Astana.” Tuma concluded.", ["It ended in Astana.”", "Tuma concluded."]),
        ("The envoy spoke. al-Muallem said the forces will advance.",
         ["The envoy spoke.", "al-Muallem said the forces will advance."]),
        ("living in peace . . . that children are safe.",
         ["living in peace . . . that children are safe."]),
        ("Gen. Smith arrived on Jan. 5 with troops. They stayed.",
         ["Gen. Smith arrived on Jan. 5 with troops.", "They stayed."]),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
        ("no final stop", ["no final stop"]),
    ],
)
def test_split(paragraph: str, expected: list[str]) -> None:
    assert texts(paragraph) == expected


def test_offsets_point_into_the_text() -> None:
    paragraph = "  First one.   Second, with “quotes.” Third?\nFourth line "
    spans = split_sentences(paragraph)
    assert [s.text for s in spans] == ["First one.", "Second, with “quotes.”", "Third?",
                                       "Fourth line"]
    for s in spans:
        assert paragraph[s.start:s.end] == s.text


def test_em_dash_attribution_line_stays_with_its_quote() -> None:
    paragraph = "Whoever wants that is delusional.\n—Mohammed Alloush, HNC chief negotiator"
    assert texts(paragraph) == [paragraph]
    inline = "Russia is using the process. —Salem al-Muslet, HNC spokesperson"
    assert texts(inline) == [inline]


def test_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


def test_every_seed_sentence_is_verbatim(seed_archive: Archive) -> None:
    index = seed_archive.index
    for para in range(index.n_paragraphs):
        text = index.text(para)
        spans = split_sentences(text)
        assert spans, text
        for s in spans:
            assert text[s.start:s.end] == s.text and s.text == s.text.strip()


def test_names_people_and_organisations() -> None:
    text = ("Speaking in Moscow with his Syrian counterpart Walid al-Muallem, Russian Foreign "
            "Minister Sergey Lavrov said that Al Jazeera’s Rory Challands, UN envoy Staffan de "
            "Mistura, Mr. Obama and the US State Department met in Eastern Ghouta.")
    found = {n.text: n.person for n in names_in(text)}
    for person in ("Walid al-Muallem", "Sergey Lavrov", "Rory Challands", "Staffan de Mistura",
                   "Obama"):
        assert found.get(person) is True, person
    assert found.get("US State Department") is False
    assert found.get("Eastern Ghouta") is False
    assert found.get("Al Jazeera") is False


def test_sentences_found_around_an_offset_only() -> None:
    paragraph = "He lives in the U.S. The talks failed. “We go,” said Mr. Smith. Then silence."
    lazy = Sentences(paragraph)
    assert lazy.containing(paragraph.index("talks")).text == "The talks failed."
    quote = lazy.containing(paragraph.index("“"))
    assert quote.text == "“We go,” said Mr. Smith."
    assert paragraph[quote.start:quote.end] == quote.text
    assert lazy.end_after(paragraph.index("”") + 1) == quote.end
    assert lazy.end_after(len(paragraph)) == len(paragraph)
    lines = Sentences("First line here.\n—Jane Doe, envoy\nSecond line.")
    assert lines.containing(3).text == "First line here.\n—Jane Doe, envoy"


def test_names_of_sentences_and_first_name() -> None:
    paragraph = "He lives in the U.S. The talks failed. Walid al-Muallem met Mr. Smith."
    expected = [n for s in split_sentences(paragraph) for n in names_in(paragraph, s.start, s.end)]
    assert names_between(paragraph, paragraph, 0, len(paragraph)) == expected
    assert [n.text for n in expected] == ["U.S.", "Walid al-Muallem", "Smith"]
    at = paragraph.index("Walid")
    assert first_name(paragraph, at) == names_in(paragraph, at)[0]
    assert first_name("said Gen. Smith.", 5) == names_in("said Gen. Smith.", 5)[0]
    assert first_name("nobody here") is None

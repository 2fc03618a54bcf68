"""Quotation speakers, second follow-up of issue #14: failure kinds seen on held-out text,
each on sentences written for this test (fictional people and organisations): a name joined
by ``of``/``and`` kept whole, a capitalised common noun opening a sentence, lower-case words
before a name, ``he``/``she`` of a known gender first, descriptions resolved to a person
only, and no speaker rather than a guess when two readings are as likely."""

from __future__ import annotations

import pytest

from bot.core.answers.quotes import extract_article


def _speakers(paragraphs: list[str], para: int) -> list[str | None]:
    return [q.speaker for q in extract_article(paragraphs) if q.paragraph == para]


@pytest.mark.parametrize(("sentence", "name"), [
    ("The Federation of Coastal Pilots and Deckhands warned on Tuesday that the new rota "
     "would leave ferries short of crew.", "Federation of Coastal Pilots and Deckhands"),
    ("The Union of Hospital Cleaners and Porters said its members would strike on Friday.",
     "Union of Hospital Cleaners and Porters"),
    ("The Society for the Protection of Upland Meadows said the survey had been delayed.",
     "Society for the Protection of Upland Meadows"),
])
def test_an_organisation_joined_by_of_and_for_is_kept_whole(sentence: str, name: str) -> None:
    assert _speakers([sentence], 0) == [name]


@pytest.mark.parametrize(("opening", "name"), [
    ("Downstream, village councillor Jane Roe said", "Jane Roe"),
    ("Downstream village councillor Jane Roe said", "Jane Roe"),
    ("Upriver, ferry skipper Ansel Dorn told reporters", "Ansel Dorn"),
])
def test_a_capitalised_word_before_a_role_is_no_part_of_the_name(opening: str,
                                                                 name: str) -> None:
    assert _speakers([f"{opening} the levee had held overnight."], 0) == [name]


@pytest.mark.parametrize(("attribution", "name"), [
    ("river warden Tomas Brill said", "Tomas Brill"),
    ("parish councillor Greta Holm said", "Greta Holm"),
    ("hostel owner Ines Faro said on Monday", "Ines Faro")])
def test_lower_case_words_before_the_name_after_a_quotation(attribution: str,
                                                             name: str) -> None:
    paras = ["The river broke its banks at Holmford on Sunday night.",
             "Lakeside residents were not reassured. \"They said the same thing last spring,"
             f"\" {attribution}."]
    assert _speakers(paras, 1) == [name]


def test_a_sentence_opening_with_a_common_noun_gives_no_speaker() -> None:
    paras = ["The river broke its banks at Holmford on Sunday night.",
             "Downstream residents were not reassured. \"They said the same thing last "
             "spring.\""]
    assert _speakers(paras, 1) == [None]

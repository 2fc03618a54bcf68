"""The answer features behind the last seed questions of issue #13: a number of the measure
asked, a person named by the surname alone, and a "how many" answer that holds a number."""

from __future__ import annotations

import pytest

from bot.config import TokenizerSettings
from bot.core.answers.abstain import unmet
from bot.core.answers.aliases import Names
from bot.core.answers.answertype import UNMEASURED, question_measure, type_match
from bot.core.answers.antonyms import opposed, opposites
from bot.core.answers.ask import Question, choose, parse_question
from bot.core.answers.candidates import _named_in_full, _prefixed
from bot.core.models import Filters
from bot.core.snapshot import Snapshot
from bot.core.tokenize import Tokenizer

FOLD = Tokenizer(TokenizerSettings())


def phrase_text(text: str, measure: str, question: str = "") -> tuple[str, float]:
    got = type_match("number", text, frozenset(FOLD(question)), [], FOLD, measure)
    return text[got.start:got.end], got.score


@pytest.mark.parametrize(("question", "measure"), [
    ("How far is Moadamiyeh from Damascus?", "distance"),
    ("How tall is the tower?", "distance"),
    ("What is the distance between the towns?", "distance"),
    ("How old is Alloush?", "age"),
    ("At what age did he join?", "age"),
    ("How many trucks reached Homs?", ""),
    ("How long did the siege last?", ""),  # a time or a length: any number
])
def test_question_measure(question: str, measure: str) -> None:
    assert question_measure(question) == measure


def test_a_distance_beats_a_count_for_how_far() -> None:
    text = "12 trucks arrived in the town, which is located about 10 kilometres from Damascus."
    assert phrase_text(text, "distance") == ("10 kilometres", 1.0)
    assert phrase_text(text, "") == ("12 trucks", 1.0)


@pytest.mark.parametrize(("text", "age"), [
    ("A stocky man in his 40s, he also said so.", "in his 40s"),
    ("She is in her late thirties.", "in her late thirties"),
    ("The victim, aged 17, died.", "aged 17"),
    ("A 45-year-old teacher was arrested.", "45-year-old"),
    ("He was 82 years old.", "82 years old"),
    ("He joined at the age of 19 in 2011.", "at the age of 19"),
])
def test_ages(text: str, age: str) -> None:
    assert phrase_text(text, "age") == (age, 1.0)


def test_a_number_of_another_measure_scores_half() -> None:
    assert phrase_text("12 trucks arrived.", "distance") == ("12 trucks", UNMEASURED)
    assert phrase_text("12 trucks arrived.", "age") == ("12 trucks", UNMEASURED)


def test_a_measure_the_question_names_is_not_the_answer() -> None:
    text = "The road is 10 kilometres long; the wall is 3 metres high."
    assert phrase_text(text, "distance", "Is the road 10 kilometres long?") == ("3 metres", 1.0)


def test_surnames_of_the_question(seed_snapshot: Snapshot) -> None:
    q = parse_question(seed_snapshot, "Where was Zeina Khodr reporting from?")
    assert q.surnames == (("zeina", "khodr"),)
    assert parse_question(seed_snapshot, "Who is Syria's foreign minister?").surnames == ()
    # one capitalised word is no full name; four are a title, not a person
    assert parse_question(seed_snapshot, "How old is Alloush?").surnames == ()
    q = parse_question(seed_snapshot, "Did the International Syria Support Group meet?")
    assert q.surnames == ()


def test_a_surname_names_the_person_when_the_article_does() -> None:
    names = ("zeina", "khodr")
    article = {"zeina", "khodr", "said"}
    held = Names.of(names, article, (("zeina", "khodr"),))
    assert held.share(frozenset({"khodr", "said"}), "Khodr said", FOLD, (), []) == 1.0
    assert held.share(frozenset({"said"}), "She said", FOLD, (), []) == 0.0
    # without the full name in the question, or in the article, the surname is half of it
    plain = Names.of(names, article)
    assert plain.share(frozenset({"khodr", "said"}), "Khodr said", FOLD, (), []) == 0.5
    elsewhere = Names.of(names, {"khodr", "said"}, (("zeina", "khodr"),))
    assert elsewhere.share(frozenset({"khodr", "said"}), "Khodr said", FOLD, (), []) == 0.5


def test_coverage_counts_the_given_name_behind_a_surname() -> None:
    surnames = (("zeina", "khodr"),)
    got = _named_in_full(surnames, frozenset({"khodr", "report"}), {"zeina", "khodr"})
    assert got == {"zeina", "khodr", "report"}
    assert _named_in_full(surnames, frozenset({"khodr"}), {"khodr"}) == {"khodr"}
    assert _named_in_full(surnames, frozenset({"report"}), {"zeina"}) == {"report"}


def test_a_how_many_answer_holds_a_number(seed_snapshot: Snapshot) -> None:
    q = parse_question(seed_snapshot, "How old is Alloush?")
    best = seed_snapshot.top(q.search, 8, Filters()).pairs
    hits = [seed_snapshot.hit(p, s) for p, s in best]
    choice = choose(seed_snapshot, q, hits)
    top = choice.ranked[0]
    # not the best-scored sentence (his quotation), but the one whose neighbour has his age
    assert top.p < max(r.p for r in choice.ranked)
    assert top.cand.span.text == "Alloush has also proved a divisive character."
    assert choice.extra is not None and "in his 40s" in choice.extra.text


@pytest.mark.parametrize(("question", "answer", "expected"), [
    # SQuAD v2.0's unanswerable kind "negation": the question adds a "not"
    ("What is a hormone that does not affect the immune system?",
     "Other hormones regulate the immune system, notably prolactin.", (1.0, 0.0)),
    ("What is a hormone that does not affect the immune system?",
     "Prolactin does not affect the immune system.", (0.0, 0.0)),
    ("Which hormones never reach the brain?", "No hormone reaches it.", (0.0, 0.0)),
    # a number of the question that the answer does not write
    ("What share of global assets do the richest 10% own?",
     "The richest 1% of adults alone owned 40% of global assets.", (0.0, 1.0)),
    ("What share of global assets do the richest 10% own?",
     "The richest 10% own 85% of global assets.", (0.0, 0.0)),
    ("What did Wilson commit to in 1974?", "In 1974 Wilson committed to devolution.",
     (0.0, 0.0)),
    ("What did Wilson commit to in 1974?", "In 1975 Wilson committed to devolution.",
     (0.0, 1.0)),
    ("Who leads the delegation?", "Ahmed Tuma, 52, leads it.", (0.0, 0.0)),
])
def test_what_the_answer_does_not_carry(question: str, answer: str,
                                        expected: tuple[float, float]) -> None:
    assert unmet(question, answer)[:2] == expected


@pytest.mark.parametrize(("question", "answer", "opposite"), [
    ("What is one of the least common causes of death?",
     "Infectious disease remains one of the most common causes of death.", 1.0),
    ("What is one of the most common causes of death?",
     "Infectious disease remains one of the most common causes of death.", 0.0),
    ("Up until 1990, Saudi Arabia played an unimportant role in restraining what groups?",
     "Prior to 1990 Saudi Arabia played an important role in restraining Islamist groups.",
     1.0),
    ("What desert lies to the north?", "To the north and the south lie deserts.", 0.0),
    ("What desert lies to the north?", "To the south lies the Colorado Desert.", 1.0),
    ("Who governs the university?", "The board governs the university.", 0.0),
])
def test_an_answer_that_says_the_opposite(question: str, answer: str,
                                          opposite: float) -> None:
    assert unmet(question, answer)[2] == opposite
    assert opposed(question, answer) is bool(opposite)


def test_opposites_go_both_ways() -> None:
    table = opposites()
    assert all(w in table[o] for w, others in table.items() for o in others)
    assert "most" in table["least"] and "least" in table["most"]


def _question(text: str) -> Question:
    terms = tuple(dict.fromkeys(FOLD(text)))
    return Question(text, "other", text, terms, (), ())


def test_a_term_written_in_another_form_counts_by_its_prefix() -> None:
    q = _question("governor composed city")  # terms governor, compos, citi
    assert q.terms == ("governor", "compos", "citi")
    # "government" and "composition" lack the question's terms but share their first
    # five letters; "citi" is too short to count.
    tset = frozenset(FOLD("the government and its composition of the town"))
    assert _prefixed(q, tset) == pytest.approx(2 / 3)
    assert _prefixed(q, frozenset(FOLD("the governor composed it"))) == 0.0  # held: no gap
    assert _prefixed(q, frozenset(FOLD("nothing alike here"))) == 0.0
    assert _prefixed(_question("who"), frozenset(FOLD("governor"))) == 0.0  # no terms

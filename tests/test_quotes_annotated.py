"""Quotations on the annotated set (tests/data/quotes/, articles written for it): the issue's
targets on the whole set, and each failure kind of issue #14 on sentences of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quotes import DataError, evaluate, load, overlap, splits
from bot.core.answers.quotes import extract_article


def test_targets_on_the_whole_annotated_set() -> None:
    articles = load()
    assert len(articles) >= 30
    assert {a.split for a in articles} >= {"tune", "test"}
    kinds = {g.kind for a in articles for g in a.gold}
    assert kinds == {"quoted", "reported", "fragment"}
    f = evaluate(articles)["all"].figures()
    assert f["precision"] >= 0.90
    assert f["recall_quoted"] >= 0.95
    assert f["recall_all"] >= 0.75
    assert f["speaker_right"] >= 0.90
    assert f["speaker_none"] <= 0.10
    assert f["speaker_wrong"] <= 0.05
    assert f["reported_shown_verbatim"] == 0


def test_a_malformed_article_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "split: tune\nquotes:\n  1: [quoted, A B]\nparagraphs:\n- '“[[1 never closed,” A said.'\n",
        encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.yaml: quotation 1 never closed"):
        load(tmp_path)
    (tmp_path / "x.yaml").write_text(
        "split: tune\nquotes:\n  2: [quoted, A B]\nparagraphs:\n- 'no marks here'\n",
        encoding="utf-8")
    with pytest.raises(DataError, match=r"not marked"):
        load(tmp_path)


def test_overlap_rule() -> None:
    assert overlap("We will win this", "we will win this.") == 1.0
    assert overlap("the talks", "the talks failed again today") == 1.0  # contained
    assert overlap("a b c d e", "x y z w v") == 0.0


def found(*paragraphs: str) -> list[tuple[str, str | None, str]]:
    return [(q.text, q.speaker, q.kind) for q in extract_article(paragraphs)]


@pytest.mark.parametrize(("paragraphs", "expected"), [
    # 1. a job title before the name after the quotation
    (("“We are reviewing every contract this week,” spokesperson Ana Dias said in an email.",),
     [("We are reviewing every contract this week", "Ana Dias", "quoted")]),
    # 2. no comma before the attribution
    (('"The offer is still not good enough for our members" Local 40 president Ben Ruiz said.',),
     [("The offer is still not good enough for our members", "Ben Ruiz", "quoted")]),
    # 3. a description, and "they" for a they/them person only
    (("Noor Vance, a nurse who uses they/them pronouns, spoke first.",
      "“We are running on empty in this ward,” they said.",
      "Tom Ekwe, the veteran goalkeeper, returned on Sunday.",
      "“I felt ready for the game again,” said the goalkeeper."),
     [("We are running on empty in this ward", "Noor Vance", "quoted"),
      ("I felt ready for the game again", "Tom Ekwe", "quoted")]),
    (("Residents of the street gathered on Monday with Mayor Jo Park.",
      "“We pay our taxes like everyone else here,” they said."),
     [("We pay our taxes like everyone else here", None, "quoted")]),
    # 4. a quotation alone in its paragraph, its speaker in the paragraph before
    (("Lena Fox, who has run the café for ten years, is not reassured.",
      "“Nobody comes downtown any more after six.”"),
     [("Nobody comes downtown any more after six.", "Lena Fox", "quoted")]),
    # 5. a colon introduction without a speech verb
    (("Dr. Ravi Sen, the surgeon who led the team, is blunt: “We ran out of beds in March.”",),
     [("We ran out of beds in March.", "Ravi Sen", "quoted")]),
    # 6. "he" never resolves to an outlet or an organisation
    (("Omar Price spoke to Global News Canada on Friday.",
      "“I waited six years for an answer,” he said."),
     [("I waited six years for an answer", "Omar Price", "quoted")]),
    # 7. the person over the organisation and the title before them
    (("“We had to think about next season,” said Rockets general manager Ian Moss.",),
     [("We had to think about next season", "Ian Moss", "quoted")]),
    # 8. a date word is never a speaker
    (("The Harbour Trust issued a statement on Tuesday, saying the pier would close.",),
     [("the pier would close", "Harbour Trust", "reported")]),
    # 9. titles, names and definitions are not quotations
    (("The film “The Boy Who Sailed Home” opens on Friday.",
      "The dictionary defines it as “of no value or importance.”"),
     []),
    # 10. one person, however titled
    (("Chancellor Ruth Hale spoke first.", "“Taxes will fall next year,” Ms Hale said."),
     [("Taxes will fall next year", "Ruth Hale", "quoted")]),
    # reported speech and a fragment inside it
    (("Mia Stone said the company was “deeply concerned” about the delays.",),
     [("the company was “deeply concerned” about the delays", "Mia Stone", "reported"),
      ("deeply concerned", "Mia Stone", "fragment")]),
])
def test_failure_kinds_of_the_issue(paragraphs: tuple[str, ...],
                                    expected: list[tuple[str, str | None, str]]) -> None:
    assert found(*paragraphs) == expected


def test_splits_are_read_from_the_files_in_a_stable_order(tmp_path: Path) -> None:
    for name, split in (("x1", "zeta"), ("x2", "test"), ("x3", "alpha"), ("x4", "tune")):
        (tmp_path / f"{name}.yaml").write_text(
            f"split: {split}\nquotes:\n  1: [quoted, Ana Dias]\nparagraphs:\n"
            "- '“[[1 We are reviewing every contract this week]],” Ana Dias said.'\n",
            encoding="utf-8")
    articles = load(tmp_path)
    assert splits(articles) == ["tune", "test", "alpha", "zeta", "all"]
    tallies = evaluate(articles)
    assert sorted(tallies) == sorted(splits(articles))
    assert tallies["alpha"].figures()["speaker_right"] == 1.0


def test_show_an_unknown_split_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.quotes import main
    assert main(["--show", "no-such-split"]) == 2
    assert "no split 'no-such-split'" in capsys.readouterr().err

"""The `ask`, `summary` and `quote` commands: JSON contracts, human output, exit codes."""

from __future__ import annotations

import json

import pytest

HIT_KEYS = {"doc_id", "title", "source", "date", "paragraph", "score", "text", "citation"}
CITATION_KEYS = {"doc_id", "title", "source", "date", "paragraph"}


def test_ask_json_contract(run) -> None:
    code, out, _ = run("ask", "How many trucks were expected to arrive at Moadamiyeh?", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"question", "found", "answer", "citations", "passages"}
    assert data["question"] == "How many trucks were expected to arrive at Moadamiyeh?"
    assert data["found"] is True
    assert "12 trucks carrying food" in data["answer"]
    assert data["citations"][0]["doc_id"] == "001_1a747fc895aa23e5"
    for c in data["citations"]:
        assert set(c) == CITATION_KEYS and c["paragraph"] >= 1
    assert 1 <= len(data["passages"]) <= 8
    for hit in data["passages"]:
        assert set(hit) == HIT_KEYS
    assert "12 trucks" in data["passages"][0]["text"]


def test_ask_not_found(run) -> None:
    code, out, _ = run("ask", "Who won the 2022 world cup?", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["found"] is False and data["citations"] == []
    assert data["answer"].startswith(
        "Not found in the archive (searched 6 articles, dates 2016-02-03 to 2019-05-03).")
    code, out, _ = run("ask", "Who won the 2022 world cup?")
    assert code == 0 and out.startswith("Not found in the archive (searched 6 articles")


def test_ask_human_output_cites(run) -> None:
    code, out, _ = run("ask", "Who chaired the opposition delegation?")
    assert code == 0
    assert "Ahmed Tuma" in out and "[1]" in out
    assert ("[1] Russia threatens to eliminate Syria opposition who refuse to flee to Idlib — "
            "Middle East Monitor, 2018-05-16, ¶") in out


def test_ask_with_filters(run) -> None:
    code, out, _ = run("ask", "How many trucks were expected to arrive at Moadamiyeh?",
                       "--from", "2019-01-01", "--json")
    assert code == 0
    assert json.loads(out)["answer"].startswith(
        "Not found in the archive (searched 1 article, dates 2019-05-03 to 2019-05-03).")
    code, out, _ = run("ask", "How many people live in Idlib?", "--source", "middle east eye",
                       "--json")
    assert json.loads(out)["citations"][0]["doc_id"] == "003_03cdae4a38ed77fc"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("ask", ""), "The question is empty."),
        (("ask", "x" * 301), "301 characters long; the limit is 300"),
        (("ask", "trucks", "--from", "2019-13-45"), "is not a date like 2018-05-16"),
        (("ask", "trucks", "--to", "1990-01-01"), "No article matches the filters"),
        (("summary", "--sentences", "16"), "sentences must be between 1 and 15"),
        (("summary", "Idlib", "--sentences", "0"), "sentences must be between 1 and 15"),
        (("summary", "--doc", "001_1a747fc895"),
         "Did you mean: 001_1a747fc895aa23e5 (Russia will continue to bomb Syria"),
        (("summary", "x" * 301), "topic is 301 characters long"),
        (("quote",), "Give the words of a quotation, a speaker, or both."),
        (("quote", "peace", "--limit", "0"), "limit must be between 1 and 25"),
        (("quote", "peace", "--source", "Nowhere Times"), "No article matches the filters"),
    ],
)
def test_errors_exit_2(run, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("archive-bot: ") and message in err


def test_summary_json_contract(run) -> None:
    code, out, _ = run("summary", "Idlib offensive", "--sentences", "4", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"topic", "doc_id", "sentences"}
    assert data["topic"] == "Idlib offensive" and data["doc_id"] is None
    assert len(data["sentences"]) == 4
    for s in data["sentences"]:
        assert set(s) == {"text", "doc_id", "title", "date", "paragraph"}


def test_summary_of_one_document(run, seed_archive) -> None:
    code, out, _ = run("summary", "--doc", "004_303e15b8da19fadf", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["doc_id"] == "004_303e15b8da19fadf" and data["topic"] is None
    index = seed_archive.index
    doc = index.docs[index.doc_lookup["004_303e15b8da19fadf"]]
    for s in data["sentences"]:
        assert s["text"] in index.paragraphs_of(doc)[s["paragraph"] - 1]


def test_summary_human_output(run) -> None:
    code, out, _ = run("summary", "--doc", "003_03cdae4a38ed77fc", "--sentences", "2")
    assert code == 0
    assert out.startswith("Summary of “US calls for end to Russian-backed air strikes in "
                          "Syria’s Idlib” (003_03cdae4a38ed77fc): 2 sentences")
    assert "[1]" in out and "[2]" in out
    assert "Middle East Eye, 2019-05-03, ¶" in out
    code, out, _ = run("summary")
    assert code == 0 and out.startswith("Overview of the archive's most recent articles: 5")
    code, out, _ = run("summary", "xylophone quasar")
    assert code == 0 and out.startswith("Not found in the archive")


def test_quote_json_contract(run) -> None:
    code, out, _ = run("quote", "nobody doubts the usefulness of the astana platform", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"query", "results"}
    assert data["query"] == "nobody doubts the usefulness of the astana platform"
    best = data["results"][0]
    assert set(best) == {"quote", "kind", "speaker", "speaker_as_written", "doc_id", "title",
                         "source", "date", "paragraph", "match"}
    assert best["kind"] in ("quoted", "reported", "fragment")
    assert best["doc_id"] == "000_92e0ac5bf622c90d"
    assert best["speaker"] == "Alexander Lavrentyev"
    assert best["quote"].startswith("No one doubts the usefulness of Astana platform")
    assert 70 <= best["match"] <= 100
    matches = [r["match"] for r in data["results"]]
    assert matches == sorted(matches, reverse=True)


def test_quote_by_speaker(run) -> None:
    code, out, _ = run("quote", "--speaker", "lavrov", "--limit", "20", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "lavrov"
    # one person across the archive, under the spelling each article uses
    assert {r["speaker"] for r in data["results"]} == {"Sergey Lavrov"}
    assert {r["speaker_as_written"] for r in data["results"]} == {"Sergey Lavrov",
                                                                  "Sergei Lavrov"}
    code, out, _ = run("quote", "ready to send military experts", "--speaker", "lavrov",
                       "--from", "2016-06-01", "--json")
    (only,) = json.loads(out)["results"]
    assert only["speaker_as_written"] == "Sergei Lavrov"
    assert only["doc_id"] == "004_303e15b8da19fadf"


def test_quote_human_output(run) -> None:
    code, out, _ = run("quote", "we will not surrender")
    assert code == 0
    assert ("[1] “I asked the factions, they said ‘we will not surrender’” — "
            "Zakaria Malahifji") in out
    assert ("Syria: Russia wants opposition to withdraw from Aleppo — Middle East Monitor, "
            "2016-12-03, ¶") in out
    assert "(match 100%)" in out
    code, out, _ = run("quote", "the quick brown fox jumps over the lazy dog")
    assert code == 0 and out.startswith("No quotation “the quick brown fox")

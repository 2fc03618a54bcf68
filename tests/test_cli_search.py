"""The `index` and `search` commands: human output, the JSON contract, exit codes."""

from __future__ import annotations

import json

import pytest


def test_index_reports_counts(run) -> None:
    code, out, _ = run("index")
    assert code == 0
    assert "documents: 6" in out
    assert "skipped: 0" in out
    assert "paragraphs: " in out and "time: " in out


def test_search_json_contract(run) -> None:
    code, out, _ = run("search", "Lavrov Idlib terrorists", "--json", "--limit", "3")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"query", "total", "took_ms", "results"}
    assert data["query"] == "Lavrov Idlib terrorists"
    assert len(data["results"]) == 3
    assert data["total"] >= 3
    for hit in data["results"]:
        assert set(hit) == {"doc_id", "title", "source", "date", "paragraph", "score", "text",
                            "citation"}
        assert isinstance(hit["paragraph"], int) and hit["paragraph"] >= 1
        assert hit["title"] in hit["citation"] and f"¶{hit['paragraph']}" in hit["citation"]
    scores = [h["score"] for h in data["results"]]
    assert scores == sorted(scores, reverse=True)
    assert data["results"][0]["doc_id"].startswith("002_817d4b4767b2b63e")


def test_search_paragraph_number_points_at_the_text(run, seed_archive) -> None:
    _, out, _ = run("search", "Moadamiyeh trucks", "--json", "--limit", "1")
    hit = json.loads(out)["results"][0]
    doc = seed_archive.index.docs[seed_archive.index.doc_lookup[hit["doc_id"]]]
    assert seed_archive.index.paragraphs_of(doc)[hit["paragraph"] - 1] == hit["text"]
    assert "12 trucks" in hit["text"]


def test_human_output_cites_and_highlights(run) -> None:
    code, out, _ = run("search", "Moadamiyeh", "--limit", "1")
    assert code == 0
    assert "1 of 1 matching paragraphs" in out
    assert "Russia will continue to bomb Syria despite peace talks — 2016-02-03, ¶" in out
    assert "**Moadamiyeh**" in out


def test_no_matching_terms_says_so(run) -> None:
    code, out, _ = run("search", "xylophone quasar", "--json")
    assert code == 0
    assert json.loads(out)["results"] == [] and json.loads(out)["total"] == 0
    code, out, _ = run("search", "xylophone quasar")
    assert code == 0 and "No paragraph matches" in out


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "empty"), ("   ", "empty"), ("x" * 301, "301 characters long; the limit is 300")],
)
def test_bad_queries_exit_2(run, query: str, message: str) -> None:
    code, out, err = run("search", query)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


def test_filters(run) -> None:
    _, out, _ = run("search", "Aleppo", "--json", "--from", "2016-12-01", "--to", "2016-12-31")
    docs = {h["doc_id"] for h in json.loads(out)["results"]}
    assert docs == {"004_303e15b8da19fadf"}
    _, out, _ = run("search", "Idlib", "--json", "--source", "middle east eye")
    assert {h["source"] for h in json.loads(out)["results"]} == {"Middle East Eye"}


def test_filters_excluding_everything_say_so(run) -> None:
    code, _, err = run("search", "Idlib", "--from", "2030-01-01")
    assert code == 2
    assert "No article matches the filters" in err and "2016-02-03" in err


def test_malformed_date_is_refused(run) -> None:
    code, _, err = run("search", "Idlib", "--from", "May 2018")
    assert code == 2 and "is not a date like 2018-05-16" in err


def test_limit_out_of_range(run) -> None:
    code, _, err = run("search", "Idlib", "--limit", "500")
    assert code == 2 and "limit must be between 1 and 25" in err

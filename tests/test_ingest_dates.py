"""Date discipline in ingestion: numeric dates read day first unless the archive says
otherwise (``archive.date_day_first``), impossible dates leave an article undated, and no
date is invented for a page or capture that has none."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import Settings, with_section
from bot.core.build import Source, build
from bot.core.build.analyse import Analysis
from bot.core.ingest import parse_file
from bot.core.tokenize import Tokenizer
from tests.conftest import settings_for

CAPTURE = ("Bridge vote\n\n03/04/2018\n\n"
           "The council voted for the new bridge on Thursday evening after a long debate.\n")


def test_a_numeric_date_line_reads_day_first_by_default(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(CAPTURE, encoding="utf-8")
    (article,), _ = parse_file(tmp_path / "a.txt", tmp_path)
    assert article.date == "2018-04-03"
    (article,), _ = parse_file(tmp_path / "a.txt", tmp_path, day_first=False)
    assert article.date == "2018-03-04"


def test_jsonl_dates_in_the_usual_forms(tmp_path: Path) -> None:
    lines = [{"id": f"d{n}", "date": date, "text": "A paragraph of text."}
             for n, date in enumerate(["2018-05-16", "May 16, 2018", "16/05/2018",
                                       "2019-02-30", "yesterday"])]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines), "utf-8")
    articles, _ = parse_file(tmp_path / "a.jsonl", tmp_path)
    assert [a.date for a in articles] == ["2018-05-16", "2018-05-16", "2018-05-16", None, None]


def test_an_html_page_without_a_date_stays_undated(tmp_path: Path) -> None:
    page = ("<html><body><article><h1>Bridge vote</h1><p>The council voted for the new "
            "bridge on Thursday evening after a long debate.</p></article><footer>"
            "&copy; 2023 Harbour Gazette</footer></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    (article,), _ = parse_file(tmp_path / "p.html", tmp_path)
    assert article.date is None


def test_the_setting_reaches_the_parser(tmp_path: Path) -> None:
    settings = with_section(Settings(), "archive", path=tmp_path, date_day_first=False)
    source = Source.of(settings.archive)
    assert source.date_day_first is False
    analysis = Analysis(tmp_path, Tokenizer(settings.tokenizer), day_first=False)
    func, args = analysis.__reduce__()
    assert func(*args).day_first is False  # a worker process gets the same setting


def test_a_citation_of_an_undated_article_says_undated() -> None:
    from bot.app.render import citation_line
    from bot.core.models import Citation

    assert citation_line(1, Citation("a", "Vote", "Gazette", None, 2)) == (
        "**[1]** Vote — Gazette, undated, ¶2")
    assert citation_line(1, Citation("a", "Vote", None, "2021-03-12", 2)) == (
        "**[1]** Vote — 2021-03-12, ¶2")


def test_metadata_dates_in_the_usual_forms(tmp_path: Path) -> None:
    from bot.core.ingest import load_metadata

    path = tmp_path / "metadata.yaml"
    path.write_text('a:\n  date: "May 16, 2018"\nb:\n  date: "03/04/2018"\n'
                    'c:\n  date: "2019-02-30"\n', encoding="utf-8")
    meta = load_metadata(path, "metadata.yaml")
    assert meta.entries["a"]["date"] == "2018-05-16"
    assert meta.entries["b"]["date"] == "2018-04-03"
    assert "c" in meta.entries and "date" not in meta.entries["c"]
    assert [p.line for p in meta.problems] == [6]
    us = load_metadata(path, "metadata.yaml", day_first=False)
    assert us.entries["b"]["date"] == "2018-03-04"


def test_a_build_reads_numeric_dates_as_the_settings_say(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text(CAPTURE, encoding="utf-8")
    (archive / "b.txt").write_text(CAPTURE.replace("03/04/2018\n\n", ""), encoding="utf-8")
    (archive / "metadata.yaml").write_text('b:\n  date: "05/06/2019"\n', encoding="utf-8")
    dates = {}
    for day_first in (True, False):
        settings = with_section(settings_for(tmp_path / str(day_first), archive),
                                "archive", date_day_first=day_first)
        index, _ = build(settings, Tokenizer(settings.tokenizer))
        dates[day_first] = [d.date for d in index.docs]
        assert index.extras["ingest"]["date_day_first"] is day_first
    assert dates == {True: ["2018-04-03", "2019-06-05"], False: ["2018-03-04", "2019-05-06"]}

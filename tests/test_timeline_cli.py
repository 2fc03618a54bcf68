"""``archive-bot timeline`` and ``archive-bot export`` over a small dated archive."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.export import SEARCH_COLUMNS
from tests.test_timeline import PNG_MAGIC, png_size, write_timeline_archive


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("timeline-cli")
    return write_timeline_archive(root / "archive"), root / "index"


@pytest.fixture
def cli(folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]):
    archive, index = folders

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([argv[0], "--archive", str(archive), "--index", str(index), *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_timeline_text_names_the_periods_and_the_busiest(cli) -> None:
    code, out, _ = cli("timeline", "chlorine")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Articles matching 'chlorine' per month, 2016"
    assert any(line.split()[:1] == ["2016-02"] and " 0 (0 paragraphs)" in line for line in lines)
    assert "1 undated article not shown" in out
    assert "Busiest month: 2016-01" in out and "[1] Report tl-" in out


def test_timeline_json_and_csv_agree(cli) -> None:
    _, out, _ = cli("timeline", "chlorine", "--format", "json", "--to", "2016-06-30")
    data = json.loads(out)
    assert data["unit"] == "month" and data["undated_articles"] == 0  # a to date: dated only
    assert [(p["period"], p["articles"]) for p in data["periods"]] == [
        ("2016-01", 2), ("2016-02", 0), ("2016-03", 1), ("2016-04", 0), ("2016-05", 0),
        ("2016-06", 0)]
    assert data["busiest"] == "2016-01" and len(data["top"]) == 2
    _, out, _ = cli("timeline", "chlorine", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0] == {"period": "2016-01", "start": "2016-01-01", "end": "2016-01-31",
                       "articles": "2", "paragraphs": "3"}
    assert rows[-1]["period"] == "undated" and rows[-1]["articles"] == "1"


def test_timeline_png_needs_out_and_is_a_png(cli, tmp_path: Path) -> None:
    code, _, err = cli("timeline", "chlorine", "--format", "png")
    assert code == 2 and "--format png needs --out FILE" in err
    target = tmp_path / "chart.png"
    code, _, _ = cli("timeline", "chlorine", "--format", "png", "--out", str(target))
    data = target.read_bytes()
    assert code == 0 and data.startswith(PNG_MAGIC) and png_size(data) == (900, 360)
    code, _, err = cli("timeline", "zeppelin", "--format", "png", "--out", str(target))
    assert code == 2 and "No dated article matches 'zeppelin'" in err


def test_timeline_of_nothing_says_so(cli) -> None:
    code, out, _ = cli("timeline", "zeppelin")
    assert code == 0 and out.startswith('No dated article matches "zeppelin"')


def test_export_writes_every_match_as_csv(cli, tmp_path: Path) -> None:
    code, out, err = cli("export", "chlorine")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == list(SEARCH_COLUMNS)
    assert len(rows) == 1 + 6 and "6 matching paragraphs" in err
    assert {r[0] for r in rows[1:]} == {"tl-a", "tl-b", "tl-c", "tl-d", "tl-e"}
    target = tmp_path / "out.csv"
    code, _, err = cli("export", "chlorine", "--max-rows", "2", "--source", "harbour",
                       "--out", str(target))
    data = target.read_bytes()
    assert code == 0 and data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3 and all(r[2] == "Harbour Gazette" for r in rows[1:])
    assert "the first 2 of 3 matching paragraphs (exports.max_rows)" in err
    code, _, err = cli("export", "chlorine", "--max-rows", "0")
    assert code == 2 and "--max-rows must be at least 1" in err

"""A large jsonl file parsed in parts (bot.core.ingest.parts, bot.core.build.parts) gives
the very index one pass over the whole file gives: articles, ids, skipped lines, terms,
quotations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import bot.core.ingest.parts as parts
from bot.config import Settings, with_section
from bot.core.build.pipeline import run
from bot.core.build.scan import Source
from bot.core.index import ArchiveIndex
from bot.core.tokenize import Tokenizer


def record(n: int, **fields: object) -> str:
    body = (f"“We will not leave Idlib,” said commander Abu {n}, speaking in Aleppo. "
            f"Air strikes hit {n} villages near the border on Monday.\n\n"
            f"The talks in Astana resumed, the ministry said. Round {n} ended without a deal.")
    return json.dumps({"id": f"a{n}", "title": f"Story {n}", "date": "2019-05-03",
                       "source": "Gazette", "text": body, **fields}, ensure_ascii=False)


def lines() -> list[str]:
    out = [record(n) for n in range(60)]
    out[7] = "{not json"
    out[12] = "   "
    out[20] = record(3)  # a duplicate of an earlier part's id
    out[33] = json.dumps({"text": "No id here, so the line number names it."})
    out[41] = json.dumps({"id": "a40", "title": "no text"})
    return out


def build(folder: Path, monkeypatch: pytest.MonkeyPatch, part_bytes: int) -> ArchiveIndex:
    monkeypatch.setattr(parts, "PART_BYTES", part_bytes)
    settings = with_section(Settings(), "archive", path=folder, metadata=None)
    index, _ = run(Source.of(settings.archive), Tokenizer(settings.tokenizer), settings.bm25)
    return index


def same_index(a: ArchiveIndex, b: ArchiveIndex) -> None:
    assert [d.doc_id for d in a.docs] == [d.doc_id for d in b.docs]
    assert a.files == b.files  # entries: docs, skipped lines in order, notes
    assert a.vocab.terms == b.vocab.terms
    for name in ("indptr", "docs", "tf"):
        np.testing.assert_array_equal(getattr(a.postings, name), getattr(b.postings, name))
    np.testing.assert_array_equal(a.doc_len, b.doc_len)
    assert [a.text(i) for i in range(a.n_paragraphs)] == [
        b.text(i) for i in range(b.n_paragraphs)]
    assert list(a.quotations) == list(b.quotations) and len(a.quotations) > 0


def joined(newlines: list[str]) -> str:
    """The lines, each ended by the next of ``newlines`` in turn."""
    return "".join(line + newlines[n % len(newlines)] for n, line in enumerate(lines()))


@pytest.mark.parametrize("newlines", [["\n"], ["\r\n"], ["\r"], ["\n", "\r", "\r\n", "\r"]])
def test_parts_give_the_index_of_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          newlines: list[str]) -> None:
    data = joined(newlines)
    (tmp_path / "export.jsonl").write_bytes(data.encode("utf-8"))
    whole = build(tmp_path, monkeypatch, 1 << 30)
    assert parts.part_count("export.jsonl", len(data.encode())) == 1
    split = build(tmp_path, monkeypatch, 700)  # about 25 parts, cut inside lines
    assert parts.part_count("export.jsonl", len(data.encode())) > 20
    same_index(whole, split)
    skipped = [(s.line, s.reason) for s in split.files[0].skipped]
    assert [line for line, _ in skipped] == [8, 21, 42]
    assert skipped[1][1] == "duplicate id"
    assert "export#34" in [d.doc_id for d in split.docs]


def test_a_byte_order_mark_is_read_as_one_pass_reads_it(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "export.jsonl").write_bytes(b"\xef\xbb\xbf" + "\n".join(lines()).encode())
    same_index(build(tmp_path, monkeypatch, 1 << 30), build(tmp_path, monkeypatch, 900))


def test_a_file_that_is_not_utf8_is_analysed_whole(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(lines()).replace("“", '\\"').replace("”", '\\"')
    data = text.encode("ascii") + b'\n{"id": "cafe", "text": "Caf\xe9 talks \x93resumed\x94."}\n'
    (tmp_path / "export.jsonl").write_bytes(data)
    whole, split = build(tmp_path, monkeypatch, 1 << 30), build(tmp_path, monkeypatch, 900)
    same_index(whole, split)
    assert split.files[0].notes and "cp1252" in split.files[0].notes[0]
    assert "Café talks “resumed”." in [split.text(i) for i in range(split.n_paragraphs)]


def test_a_large_file_of_whitespace_is_reported_as_one_pass_reports_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blank.jsonl").write_bytes(b" \n\n \t\n" * 500)
    (tmp_path / "ok.jsonl").write_text(record(1) + "\n", encoding="utf-8")
    whole, split = build(tmp_path, monkeypatch, 1 << 30), build(tmp_path, monkeypatch, 300)
    assert whole.files == split.files
    assert [s.reason for s in split.files[0].skipped] == ["file holds only whitespace"]


def test_only_plain_jsonl_files_are_cut() -> None:
    big = parts.PART_BYTES * 3
    assert parts.part_count("a/export.jsonl", big) == 3
    assert parts.part_count("a/export.JSONL", big + 1) == 4
    assert parts.part_count("a/export.jsonl.gz", big) == 1  # compressed: read whole
    assert parts.part_count("a/page.html", big) == 1
    assert parts.part_count("a/export.jsonl", parts.PART_BYTES) == 1


def test_only_plain_utf8_is_cut(tmp_path: Path) -> None:
    cases = {"plain": "“Idlib” talks\n".encode(), "bom": b"\xef\xbb\xbfplain\n",
             "utf16": "talks\n".encode("utf-16"), "nul": b"talks\x00\n",
             "cp1252": b"caf\xe9\n", "cut": "talks “".encode()[:-1]}
    verdicts = {}
    for name, data in cases.items():
        (tmp_path / f"{name}.jsonl").write_bytes(data)
        verdicts[name] = parts.plain_utf8(tmp_path / f"{name}.jsonl")
    assert verdicts == {"plain": True, "bom": True, "utf16": False, "nul": False,
                        "cp1252": False, "cut": False}
    assert not parts.plain_utf8(tmp_path / "missing.jsonl")


def test_a_part_of_a_file_changed_since_the_scan_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines()), encoding="utf-8")
    size = path.stat().st_size
    read = parts.read_part(path, "export.jsonl", 0, 4, size=size + 1)
    assert not read.articles and [s.reason for s in read.skipped] == [parts.CHANGED]
    whole = [parts.read_part(path, "export.jsonl", k, 4, size=size) for k in range(4)]
    assert sum(len(p.articles) for p in whole) == 57  # 60 lines: bad, blank, no text
    assert [n for p in whole for n in p.lines] == sorted(n for p in whole for n in p.lines)

"""`archive-bot index` and `search` over hostile archives: a bad metadata file, a corrupt
manifest, symlinks, special files, a 10 MB paragraph and control characters. Each of these
crashed or misbehaved before (a traceback and exit 1, an indexed /etc file, a 10 MB search
result, bidi overrides in the output); now each is skipped or cleaned, and reported once."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.storage import current_generation
from tests.conftest import SEEDS

Run = Callable[..., tuple[int, str, str]]
DOC = "001_1a747fc895aa23e5"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    shutil.copytree(SEEDS, root)
    return root


@pytest.fixture
def cli(tmp_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``cli("index", "--full")`` -> (exit code, stdout, stderr) over ``archive``."""

    def run(*argv: str, config: Path | None = None) -> tuple[int, str, str]:
        extra = ["--config", str(config)] if config is not None else []
        code = main([argv[0], "--archive", str(archive), "--index", str(tmp_path / "ix"),
                     *extra, *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _skipped_lines(out: str) -> list[str]:
    """The indented lines under each report's ``skipped:`` header."""
    lines, inside = [], False
    for line in out.splitlines():
        if not line.startswith("  "):
            inside = line.startswith("skipped:")
        elif inside:
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param(f"{DOC}:\n  date: 2019-02-30\n",
                     f"metadata.yaml:2: {DOC}.date: unrecognised date '2019-02-30' "
                     "(use YYYY-MM-DD) (field not applied)", id="unquoted-impossible-date"),
        pytest.param(f"{DOC}:\n  source: " + "[" * 10_000 + "]" * 10_000 + "\n",
                     f"metadata.yaml:2: {DOC}.source: expected text, got a list "
                     "(field not applied)", id="10k-deep-nesting"),
        pytest.param(f"{DOC}: just a string\n",
                     f"metadata.yaml:1: {DOC}: entry is a single value, not a mapping of fields "
                     "(entry not applied)", id="non-mapping-entry"),
        pytest.param(f"{DOC}:\n  headline: X\n",
                     f"metadata.yaml:2: {DOC}: unknown field 'headline' (allowed: title, date, "
                     "source, author, url; field not applied)", id="unknown-key"),
        pytest.param("no_such_doc:\n  source: X\n",
                     "metadata.yaml:1: no_such_doc: no document has this id "
                     "(entry not applied)", id="key-matching-no-document"),
        pytest.param(f"{DOC}: [unclosed\n",
                     "metadata.yaml:2: invalid YAML (expected ',' or ']', but got "
                     "'<stream end>'); no metadata applied", id="unparseable"),
    ],
)
def test_bad_metadata_is_reported_and_indexing_goes_on(cli: Run, archive: Path, metadata: str,
                                                       expected: str) -> None:
    (archive / "metadata.yaml").write_text(metadata, "utf-8")
    code, out, err = cli("index")
    assert code == 0, err  # before: exit 1 with a ValueError/RecursionError traceback, or 2
    assert "Traceback" not in err
    assert "documents: 6" in out and "skipped: 1" in out
    assert _skipped_lines(out) == [expected]
    assert (out + err).count(expected) == 1  # reported once
    code, out, _ = cli("search", "Moadamiyeh", "--json")
    assert code == 0 and json.loads(out)["results"]


def test_star_default_applies_to_every_document(cli: Run, archive: Path) -> None:
    (archive / "metadata.yaml").write_text(
        f'"*": {{source: BBC}}\n{DOC}:\n  source: The New Arab\n', "utf-8")
    code, out, _ = cli("index")
    assert code == 0 and "skipped: 0" in out
    _, out, _ = cli("search", "Syria", "--json", "--limit", "25")
    sources = {hit["doc_id"]: hit["source"] for hit in json.loads(out)["results"]}
    assert sources[DOC] == "The New Arab"  # before: "*" was an unknown doc id, ignored
    assert {s for d, s in sources.items() if d != DOC} == {"BBC"}
    assert len(sources) >= 4


def test_deeply_nested_manifest_then_full_index_succeeds(
        cli: Run, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert cli("index")[0] == 0
    gen = current_generation(tmp_path / "ix")
    assert gen is not None
    (gen / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    code, out, err = cli("index", "--full")
    assert code == 0, err  # before: exit 1, RecursionError
    assert "documents: 6" in out and "Traceback" not in err
    assert "index unusable, rebuilding" in caplog.text and "nested too deeply" in caplog.text
    assert cli("search", "Idlib")[0] == 0


def _config(tmp_path: Path, **archive: object) -> Path:
    path = tmp_path / "config.yaml"
    lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in archive.items())
    path.write_text(f"archive:\n{lines}", "utf-8")
    return path


def test_symlink_out_of_the_archive_is_skipped_unless_followed(
        cli: Run, archive: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside article\n\nThe walrus paragraph lives outside the archive.\n")
    (archive / "host.txt").symlink_to(outside)
    code, out, _ = cli("index")
    assert code == 0 and "documents: 6" in out
    assert _skipped_lines(out) == [
        "host.txt: symbolic link leads outside the archive folder "
        "(set archive.follow_symlinks: true to follow it)"]
    _, out, _ = cli("search", "walrus", "--json")
    assert json.loads(out)["results"] == []  # before: the outside file was indexed
    follow = _config(tmp_path, follow_symlinks=True)
    code, out, _ = cli("index", config=follow)
    assert code == 0 and "documents: 7" in out and "skipped: 0" in out
    _, out, _ = cli("search", "walrus", "--json", config=follow)
    assert [h["doc_id"] for h in json.loads(out)["results"]] == ["host"]


def test_symlink_loop_and_fifo_are_skipped_with_reasons(cli: Run, archive: Path) -> None:
    (archive / "loop.txt").symlink_to("loop.txt")
    (archive / "sub").mkdir()
    (archive / "sub" / "again").symlink_to("..")
    (archive / "gone.txt").symlink_to("missing.txt")
    os.mkfifo(archive / "pipe.txt")
    code, out, err = cli("index")
    assert code == 0, err
    assert "documents: 6" in out and "skipped: 4" in out
    assert _skipped_lines(out) == [
        "gone.txt: dangling symbolic link (its target does not exist)",
        "loop.txt: symbolic link loop",
        "pipe.txt: a named pipe (FIFO), not a file",
        "sub/again: symbolic link loop (leads back to the archive folder)",
    ]  # before: all four silently left out


def test_10mb_paragraph_is_split_and_reported(cli: Run, archive: Path, tmp_path: Path) -> None:
    sentence = "The convoy reached the besieged town of Madaya after weeks of negotiations. "
    (archive / "big.txt").write_text(
        "A very long article\n\n" + sentence * (10_000_000 // len(sentence)) + "\n")
    code, out, err = cli("index")
    assert code == 0, err
    assert "split: 1 over-long paragraphs split" in out
    paragraphs = int(out.split("paragraphs: ")[1].split()[0])
    assert paragraphs > 2500  # the seeds' ~100 plus the 10 MB cut into <= 4,000-char parts
    code, out, _ = cli("search", "convoy Madaya", "--json", "--limit", "3")
    hits = json.loads(out)["results"]
    assert code == 0 and {h["doc_id"] for h in hits} == {"big"}
    assert all(len(h["text"]) <= 4000 for h in hits)  # before: one 10 MB result
    assert all(h["text"].startswith("The convoy") and h["text"].endswith(".") for h in hits)
    # Citations are consistent: each paragraph number names the text it shows.
    cited = {h["paragraph"]: h["text"] for h in hits}
    code, out, _ = cli("search", "Madaya", "--json", "--limit", "25")
    for hit in json.loads(out)["results"]:
        if hit["paragraph"] in cited:
            assert cited[hit["paragraph"]] == hit["text"]


def test_bidi_overrides_and_nul_never_reach_the_output(cli: Run, archive: Path) -> None:
    (archive / "evil.txt").write_text(
        "Evil \u202eeltit\u202c headline\n\n"
        "The zebra convoy \u2066arrived\u2069 in the \u202ecity\u202c today.\n\n"
        "Source: Bad\u202eNews\n", "utf-8")
    (archive / "evil.jsonl").write_text(json.dumps({
        "id": "j1", "title": "Zebra\u0000 \u202eeltit", "source": "S\u202erc",
        "author": "A\u202dB", "text": "The zebra\u0000 parade \u2067went\u2069 on."}) + "\n")
    assert cli("index")[0] == 0
    code, out, _ = cli("search", "zebra", "--json")
    hits = json.loads(out)["results"]
    assert code == 0 and len(hits) == 2
    bad = {"\x00", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
    for hit in hits:
        for key in ("title", "source", "text", "citation"):
            assert not bad & set(hit[key] or ""), (key, hit[key])
    by_id = {h["doc_id"]: h for h in hits}
    assert by_id["evil"]["title"] == "Evil eltit headline"
    assert by_id["evil"]["text"] == "The zebra convoy arrived in the city today."
    assert by_id["j1"]["text"] == "The zebra parade went on."
    code, out, _ = cli("search", "zebra")
    assert code == 0 and not bad & set(out)


def test_index_an_archive_with_a_warc_html_and_compressed_files(
    cli: Run, archive: Path
) -> None:
    """Every format in one archive: the WARC's skipped records are one report line per
    reason, each printed once, and a second index run reuses every file."""
    import gzip

    from tests.test_ingest_warc import crawl, page

    (archive / "crawl.warc.gz").write_bytes(gzip.compress(crawl()))
    (archive / "story.html.gz").write_bytes(gzip.compress(page("Bridge vote")))
    (archive / "broken.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    code, out, _ = cli("index", "--full")
    assert code == 0
    lines = _skipped_lines(out)
    assert "broken.jsonl.gz: not gzip data" in " ".join(lines)
    warc = [line for line in lines if line.startswith("crawl.warc.gz:")]
    assert len(warc) == 6 and len(set(warc)) == 6
    code, out, _ = cli("search", "harbour bridge rebuilt", "--json")
    hits = json.loads(out)["results"]
    assert {h["doc_id"] for h in hits} >= {"crawl#3", "story"}
    assert next(h for h in hits if h["doc_id"] == "crawl#3")["date"] == "2020-01-02"
    code, out, _ = cli("index")
    assert code == 0 and "(8 unchanged, 0 added, 0 changed, 0 removed)" in out


def test_the_report_says_which_encoding_was_assumed(cli: Run, archive: Path) -> None:
    """A Latin-1 capture is indexed, not skipped, and the report names the encoding assumed
    once; the saved index keeps the note, so a run that loads it reports it too."""
    text = ("Café owners protest\n\nMay 16, 2018\n\nThe owners of the café on the "
            "harbour front said the new rules would force them to close before the summer.\n")
    (archive / "cafe.txt").write_bytes(text.encode("latin-1"))
    code, out, _ = cli("index", "--full")
    assert code == 0
    notes = [line.strip() for line in out.splitlines() if "not UTF-8" in line]
    assert notes == ["cafe.txt: not UTF-8: cp1252 assumed (detected; byte 0xe9 at offset 3)"]
    assert "encodings: 1 files not in UTF-8" in out
    code, out, _ = cli("search", "café owners harbour", "--json")
    assert json.loads(out)["results"][0]["doc_id"] == "cafe"
    code, out, _ = cli("index")
    assert code == 0 and "cafe.txt: not UTF-8: cp1252 assumed" in out

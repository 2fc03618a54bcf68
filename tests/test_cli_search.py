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


def test_index_says_when_the_compiled_kernel_is_missing(run, monkeypatch) -> None:
    from bot.core import postings

    code, out, _ = run("index")
    assert code == 0 and "scoring: numpy" not in out
    monkeypatch.setattr(postings, "compiled_kernel", lambda: None)
    code, out, _ = run("index")
    assert code == 0 and "scoring: numpy (the compiled kernel was not built" in out
    code, out, _ = run("search", "Lavrov Idlib", "--json")  # the numpy engine answers too
    assert code == 0 and json.loads(out)["total"] > 0


def test_index_verify_checks_and_rebuilds_a_corrupt_index(run, tmp_path) -> None:
    from bot.core.storage import current_generation
    from tests.conftest import flip_byte

    run("index")
    code, out, _ = run("index", "--verify")
    assert code == 0 and "verified: " in out and "match the manifest's SHA-256" in out
    gen = current_generation(tmp_path / "ix")
    assert gen is not None
    flip_byte(gen / "post_docs.npy", -1, 0x01)
    code, out, _ = run("index", "--verify")
    assert code == 0 and "rebuilt: " in out and "post_docs.npy: corrupt" in out
    assert current_generation(tmp_path / "ix") != gen


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
    assert "Moadamiyeh" in out and "**" not in out  # piped: no markup


def test_index_full_says_what_it_rebuilt(run) -> None:
    assert run("index")[0] == 0
    code, out, _ = run("index", "--full")
    assert code == 0
    assert "files: 5 (5 re-parsed in full, 0 added, 0 changed, 0 removed)" in out


def test_skipped_files_are_listed_once(tmp_path, capsys) -> None:
    import shutil

    from bot.cli import main
    from tests.conftest import SEEDS

    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    (archive / "broken.txt").write_bytes(b"\x00\x01binary\x00")
    code = main(["index", "--archive", str(archive), "--index", str(tmp_path / "ix")])
    out, err = capsys.readouterr()
    assert code == 0
    assert (out + err).count("broken.txt") == 1, out + err


def test_watch_lists_a_skipped_file_again_only_when_it_changed() -> None:
    from bot.cli.search import ReportPrinter
    from bot.core.build import BuildReport
    from bot.core.models import Skipped

    broken = Skipped("broken.txt", "binary file")
    printed: list[str] = []
    printer = ReportPrinter()

    def report(**changes: object) -> BuildReport:
        base: dict[str, object] = dict(action="built", reason=None, documents=1,
                                       paragraphs=1, files=2, skipped=(broken,))
        return BuildReport(**{**base, **changes})  # type: ignore[arg-type]

    import contextlib
    import io

    for rep in (report(), report(added=("new.txt",)), report(changed=("broken.txt",))):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            printer(rep)
        printed.append(buf.getvalue())
    assert [text.count("broken.txt") for text in printed] == [1, 0, 1]
    assert "1 listed before, unchanged" in printed[1]


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


def test_index_progress_moves_inside_one_large_jsonl(tmp_path) -> None:
    """On a terminal, a single large .jsonl moves the bar while it is read, and the matrix
    and the save have bars of their own."""
    import os
    import pty
    import re
    import subprocess
    import sys

    from tests.conftest import REPO

    archive = tmp_path / "archive"
    archive.mkdir()
    body = "\n\n".join(f"Paragraph {n} of the article about talks in Astana and Geneva." * 3
                       for n in range(4))
    with (archive / "one.jsonl").open("w") as fh:
        for i in range(2000):
            fh.write(json.dumps({"id": f"d{i}", "title": f"T{i}", "text": body}) + "\n")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "index", "--archive", str(archive), "--index",
         str(tmp_path / "ix")],
        stdin=follower, stdout=follower, stderr=follower, close_fds=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))
    percents = {int(p) for p in re.findall(r"parsing files\D*?(\d+)%", screen)}
    assert any(0 < p < 100 for p in percents), percents
    assert "building the postings" in screen and "saving the index" in screen
    assert "documents: 2000" in screen

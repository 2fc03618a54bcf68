"""Opening an archive: reuse a matching saved index, rebuild when anything differs (the
build pipeline, :mod:`bot.core.build`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings, with_section
from bot.core.build import open_archive
from bot.core.models import SearchResult
from bot.core.requests import SearchRequest
from bot.core.search import Archive
from bot.core.storage import current_generation
from tests.conftest import SEEDS, settings_for


def search(archive: Archive, query: str, limit: int | None = None) -> SearchResult:
    return archive.search(SearchRequest.parse(archive.settings, query, limit))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    return settings_for(tmp_path, archive)


def test_first_open_builds_then_loads(settings: Settings) -> None:
    first, report = open_archive(settings)
    assert report.action == "built" and report.documents == 6
    again, report = open_archive(settings)
    assert report.action == "loaded"
    assert again.index.fingerprint == first.index.fingerprint
    assert search(again, "Idlib").hits == search(first, "Idlib").hits


def test_changed_file_triggers_rebuild(settings: Settings) -> None:
    open_archive(settings)
    path = settings.archive.path / "003_03cdae4a38ed77fc.txt"
    path.write_text(path.read_text() + "\n\nA brand new closing paragraph about zeppelins.\n")
    archive, report = open_archive(settings)
    assert report.action == "rebuilt" and report.reason == "archive changed"
    assert report.changed == ("003_03cdae4a38ed77fc.txt",) and report.reused == 4
    assert search(archive, "zeppelins").total == 1


def test_touched_but_identical_file_is_not_a_change(settings: Settings) -> None:
    open_archive(settings)
    path = settings.archive.path / "003_03cdae4a38ed77fc.txt"
    path.write_bytes(path.read_bytes())  # new mtime, same content
    _, report = open_archive(settings)
    assert report.action == "loaded"


def test_a_loaded_index_filters_and_dates_without_decoding_every_article(
    settings: Settings,
) -> None:
    """Source and date filters, the date range and a search read the columns; only the
    cited articles' records are decoded."""
    from bot.core.models import Filters
    from bot.core.snapshot import Snapshot

    built, _ = open_archive(settings)
    loaded, report = open_archive(settings, verify=False)
    assert report.action == "loaded"
    docs = loaded.index.docs
    snapshot = Snapshot(loaded)
    filters = Filters(source="middle east", date_from="2019-01-01")
    result = loaded.search("Idlib air strikes", 3, filters)
    unfiltered = loaded.search("Idlib air strikes", 3)
    assert 0 < result.total < unfiltered.total
    assert all(h.source == "Middle East Eye" for h in result.hits)
    assert snapshot.searched(filters) == Snapshot(built).searched(filters)
    assert loaded.index.date_range() == built.index.date_range()
    assert "all" not in vars(docs)  # no article decoded wholesale
    assert docs.sources == [d.source for d in built.index.docs]


def test_corrupt_index_is_reported_and_rebuilt(settings: Settings, caplog) -> None:
    open_archive(settings)
    gen = current_generation(settings.index.path)
    assert gen is not None
    (gen / "post_docs.npy").write_bytes(b"garbage")
    archive, report = open_archive(settings)
    assert report.action == "rebuilt" and "corrupt" in (report.reason or "")
    assert "index unusable, rebuilding" in caplog.text
    assert search(archive, "Idlib").total > 0


def test_changed_bm25_parameters_rebuild(settings: Settings) -> None:
    first, _ = open_archive(settings)
    changed = with_section(settings, "bm25", k1=1.2)
    second, report = open_archive(changed)
    assert report.action == "rebuilt" and report.reason == "index parameters changed"
    assert search(second, "Idlib").hits[0].score != search(first, "Idlib").hits[0].score


def test_rank_bm25_engine_gives_the_same_answers(settings: Settings) -> None:
    matrix, _ = open_archive(settings)
    reference, _ = open_archive(
        with_section(settings, "index", engine="rank_bm25")
    )
    assert reference.scorer.name == "rank_bm25"
    for query in ("Idlib", "Russia Syria talks", "Lavrov said terrorists", "refugees Turkey"):
        ours, theirs = search(matrix, query, 10), search(reference, query, 10)
        assert [h.score for h in ours.hits] == pytest.approx([h.score for h in theirs.hits],
                                                             abs=1e-9)
        assert ours.total == theirs.total


def test_metadata_file_overrides_fields(settings: Settings) -> None:
    (settings.archive.path / "metadata.yaml").write_text(
        "001_1a747fc895aa23e5:\n  source: The New Arab\n  url: https://example.org/001\n"
    )
    archive, _ = open_archive(settings)
    hit = search(archive, "Moadamiyeh").hits[0]
    assert hit.source == "The New Arab" and hit.url == "https://example.org/001"
    assert archive.index.files and all(f.path != "metadata.yaml" for f in archive.index.files)


def test_index_terms_are_the_tokenizer_terms(settings: Settings) -> None:
    from bot.core.index import paragraph_terms

    archive, _ = open_archive(settings)
    index = archive.index
    for para in range(index.n_paragraphs):
        expected = sorted(archive.tokenizer(index.text(para)))
        assert sorted(paragraph_terms(index, para)) == expected
        assert index.doc_len[para] == len(expected)


def test_worker_processes_build_the_same_index(settings: Settings, monkeypatch, caplog) -> None:
    import logging

    from bot.runtime import workers

    caplog.set_level(logging.INFO, logger="bot.runtime.workers")

    serial, _ = open_archive(settings)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    assert workers.workers_for([1, 1]) >= 1
    parallel, report = workers.open_archive(
        with_section(settings, "index", path=settings.index.path / "p"))
    assert report.action == "built"
    assert "worker processes" in caplog.text or (os.cpu_count() or 1) == 1
    assert parallel.index.docs == serial.index.docs
    assert list(parallel.index.quotations) == list(serial.index.quotations)
    assert (parallel.index.scores != serial.index.scores).nnz == 0
    assert parallel.index.vocab == serial.index.vocab


def test_incremental_reindex_equals_full_build(settings: Settings) -> None:
    """Reused files (terms from the previous, memory-mapped index) and re-parsed ones (the
    workers' joined terms) go through the same builder: a reindex equals a fresh build, and
    the old loaded index still reads after its generation folder was removed."""
    open_archive(settings)
    old, report = open_archive(settings)
    assert report.action == "loaded"
    old_texts = [old.index.text(i) for i in range(old.index.n_paragraphs)]
    path = settings.archive.path / "003_03cdae4a38ed77fc.txt"
    path.write_text(path.read_text() + "\n\nA brand new closing paragraph about zeppelins.\n")
    incremental, report = open_archive(settings)
    assert report.reused == 4 and report.changed == ("003_03cdae4a38ed77fc.txt",)
    fresh, _ = open_archive(with_section(settings, "index", path=settings.index.path / "f"))
    a, b = incremental.index, fresh.index
    assert a.docs == b.docs and a.vocab == b.vocab
    assert list(a.quotations) == list(b.quotations)
    assert [a.text(i) for i in range(a.n_paragraphs)] == [b.text(i) for i in range(b.n_paragraphs)]
    for x, y in ((a.para_doc, b.para_doc), (a.para_num, b.para_num), (a.doc_len, b.doc_len),
                 (a.text_offsets, b.text_offsets)):
        assert np.array_equal(x, y)
    assert (a.scores != b.scores).nnz == 0 and (a.tf != b.tf).nnz == 0
    # The old index's generation is gone, but its mapped files still read.
    assert [old.index.text(i) for i in range(old.index.n_paragraphs)] == old_texts
    assert search(old, "Idlib").total > 0


def _archive_settings(settings: Settings, **changes: object) -> Settings:
    return with_section(settings, "archive", **changes)


def test_bad_metadata_is_reported_and_the_archive_opens(settings: Settings) -> None:
    (settings.archive.path / "metadata.yaml").write_text(
        '"*": {source: BBC}\n'
        "001_1a747fc895aa23e5:\n  source: The New Arab\n  date: 2019-02-30\n  colour: red\n"
        "002_817d4b4767b2b63e: just a string\n"
        "no_such_doc: {title: Nothing}\n"
    )
    archive, report = open_archive(settings)
    assert report.action == "built" and report.documents == 6
    sources = {d.doc_id: d.source for d in archive.index.docs}
    assert sources["001_1a747fc895aa23e5"] == "The New Arab"  # its own entry beats "*"
    assert sources["003_03cdae4a38ed77fc"] == "BBC"
    assert sources["002_817d4b4767b2b63e"] == "BBC"  # its bad entry skipped, "*" still applies
    assert archive.index.docs[1].date == "2016-02-03"  # the bad date was not applied
    expected = [
        "metadata.yaml:4: 001_1a747fc895aa23e5.date: unrecognised date '2019-02-30' "
        "(use YYYY-MM-DD) (field not applied)",
        "metadata.yaml:5: 001_1a747fc895aa23e5: unknown field 'colour' (allowed: title, date, "
        "source, author, url; field not applied)",
        "metadata.yaml:6: 002_817d4b4767b2b63e: entry is a single value, not a mapping of "
        "fields (entry not applied)",
        "metadata.yaml:7: no_such_doc: no document has this id (entry not applied)",
    ]
    assert [str(s) for s in report.skipped] == expected
    _, again = open_archive(settings)
    assert again.action == "loaded" and [str(s) for s in again.skipped] == expected


def test_unusable_metadata_file_is_one_problem(settings: Settings) -> None:
    (settings.archive.path / "metadata.yaml").write_text("001: [unclosed\n")
    _, report = open_archive(settings)
    assert report.documents == 6
    assert [str(s) for s in report.skipped] == [
        "metadata.yaml:2: invalid YAML (expected ',' or ']', but got '<stream end>'); "
        "no metadata applied"]
    missing = _archive_settings(settings, metadata=settings.archive.path / "gone.yaml")
    _, report = open_archive(missing)
    assert [str(s) for s in report.skipped] == [
        "gone.yaml: metadata file not found; no metadata applied"]


def test_symlinks_and_special_files_in_the_scan(settings: Settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside article\n\nThe walrus paragraph lives outside the archive.\n")
    root = settings.archive.path
    (root / "host.txt").symlink_to(outside)
    (root / "loop.txt").symlink_to("loop.txt")
    os.mkfifo(root / "pipe.txt")
    archive, report = open_archive(settings)
    assert report.documents == 6 and search(archive, "walrus").total == 0
    assert [str(s) for s in report.skipped] == [
        "host.txt: symbolic link leads outside the archive folder "
        "(set archive.follow_symlinks: true to follow it)",
        "loop.txt: symbolic link loop",
        "pipe.txt: a named pipe (FIFO), not a file",
    ]
    followed, report = open_archive(_archive_settings(settings, follow_symlinks=True))
    assert report.action == "rebuilt" and report.reason == "archive changed"
    assert report.documents == 7 and search(followed, "walrus").total == 1
    assert len(report.skipped) == 2


SENTENCE = "The convoy reached the besieged town of Madaya after weeks of talks. "


def test_over_long_paragraphs_are_split_and_reported(settings: Settings) -> None:
    root = settings.archive.path
    (root / "big.txt").write_text("A very long article\n\n" + SENTENCE * 2000 + "\n")
    archive, report = open_archive(settings)
    assert report.split == 1 and "1 over-long paragraphs split" in report.summary()
    doc = archive.index.docs[archive.index.doc_lookup["big"]]
    texts = archive.index.paragraphs_of(doc)
    assert len(texts) == -(-2000 // ((4000 + 1) // len(SENTENCE)))
    assert max(map(len, texts)) <= 4000 and " ".join(texts) == (SENTENCE * 2000).strip()
    hit = search(archive, "Madaya convoy", 1).hits[0]
    assert hit.doc_id == "big" and texts[hit.paragraph - 1] == hit.text
    # An incremental reindex reuses the split file and still counts it; so does a load.
    path = root / "003_03cdae4a38ed77fc.txt"
    path.write_text(path.read_text() + "\n\nA closing paragraph about zeppelins.\n")
    _, report = open_archive(settings)
    assert report.reused == 5 and report.split == 1
    _, report = open_archive(settings)
    assert report.action == "loaded" and report.split == 1
    # A different cap re-parses everything.
    smaller, report = open_archive(_archive_settings(settings, max_paragraph_chars=1000))
    assert report.action == "rebuilt" and report.reason == "ingestion settings changed"
    assert report.reused == 0 and report.split >= 1
    assert max(len(smaller.index.text(i)) for i in range(smaller.index.n_paragraphs)) <= 1000


def test_index_of_an_older_ingestion_is_rebuilt(settings: Settings, monkeypatch) -> None:
    from bot.core.build import pipeline

    open_archive(settings)
    monkeypatch.setattr(pipeline, "INGEST_VERSION", pipeline.INGEST_VERSION + 1)
    _, report = open_archive(settings)
    assert report.action == "rebuilt" and report.reason == "ingestion settings changed"
    assert report.reused == 0


def test_deeply_nested_manifest_is_rebuilt_even_by_a_full_index(settings: Settings) -> None:
    open_archive(settings)
    gen = current_generation(settings.index.path)
    assert gen is not None
    (gen / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    archive, report = open_archive(settings, rebuild=True, full=True)
    assert report.action == "rebuilt" and "nested too deeply" in (report.reason or "")
    assert search(archive, "Idlib").total > 0
    assert current_generation(settings.index.path) != gen and not gen.exists()


def _jsonl_line(doc_id: str, text: str) -> str:
    return json.dumps({"id": doc_id, "title": doc_id, "text": text}) + "\n"


def test_an_id_another_file_gives_up_comes_back_on_reindex(settings: Settings) -> None:
    """The first file (in archive order) owns an id; when it stops using it, the unchanged
    later file's article with that id is indexed again. Before, the later file was reused
    from the index as it was (without that article), and the article stayed lost until a
    full rebuild."""
    root = settings.archive.path
    (root / "a.jsonl").write_text(_jsonl_line("x", "The albatross version."))
    (root / "b.jsonl").write_text(_jsonl_line("x", "The barracuda version."))
    archive, report = open_archive(settings)
    assert search(archive, "barracuda").total == 0
    assert "b.jsonl: duplicate id 'x' (already in a.jsonl)" in [str(s) for s in report.skipped]
    (root / "a.jsonl").write_text(_jsonl_line("y", "The albatross version."))
    archive, report = open_archive(settings)
    assert report.changed == ("a.jsonl",) and report.reparsed == 1
    assert search(archive, "barracuda").total == 1 and search(archive, "albatross").total == 1
    assert not [s for s in report.skipped if "duplicate" in s.reason]


def test_an_unchanged_file_whose_id_is_taken_loses_only_that_article(
        settings: Settings) -> None:
    """A new file earlier in archive order takes an id an unchanged file had: the unchanged
    file is still reused, its other articles and quotations kept."""
    root = settings.archive.path
    (root / "z.jsonl").write_text(_jsonl_line("x", "The zebra said: “We will never leave "
                                              "this valley again.”")
                                  + _jsonl_line("w", "The walrus stays."))
    open_archive(settings)
    (root / "a.jsonl").write_text(_jsonl_line("x", "The albatross version."))
    archive, report = open_archive(settings)
    assert report.added == ("a.jsonl",) and report.reused == 6
    assert search(archive, "zebra").total == 0 and search(archive, "walrus").total == 1
    assert "z.jsonl: duplicate id 'x' (already in a.jsonl)" in [str(s) for s in report.skipped]
    fresh, _ = open_archive(with_section(settings, "index", path=settings.index.path / "f"))
    assert archive.index.docs == fresh.index.docs
    assert list(archive.index.quotations) == list(fresh.index.quotations)


def test_the_scan_hashes_only_changed_files_through_the_hosts_map(settings: Settings) -> None:
    """A full scan hashes every file through ``map_files`` (threads at run time); a scan
    against the previous index only the files whose size or mtime changed, and a file that
    vanished between listing and hashing is an unreadable entry, not an error."""
    from bot.core.build.scan import Source, scan

    asked: list[list[str]] = []

    def recording(fn, items):  # type: ignore[no-untyped-def]
        items = list(items)
        asked.append([Path(i).name for i in items])
        return [fn(i) for i in items]

    source = Source.of(settings.archive)
    first = scan(source, map_files=recording)
    archive, _ = open_archive(settings)
    assert sorted(asked[0]) == sorted(Path(f.path).name for f in first.files)
    assert [f.sha256 for f in first.files] == [f.sha256 for f in archive.index.files]
    changed = settings.archive.path / first.files[0].path
    changed.write_text(changed.read_text() + "\nOne more paragraph.\n")
    again = scan(source, archive.index, map_files=recording)
    assert asked[1] == [changed.name]
    assert again.files[0].sha256 != first.files[0].sha256
    assert [f.sha256 for f in again.files[1:]] == [f.sha256 for f in first.files[1:]]

    def vanishing(fn, items):  # type: ignore[no-untyped-def]
        items = list(items)
        for i in items:
            Path(i).unlink()
        return [fn(i) for i in items]

    gone = scan(source, archive.index, map_files=vanishing)
    assert gone.files[0].sha256.startswith("unreadable:") and gone.files[0].size == 0

"""Opening an archive: reuse a matching saved index, rebuild when anything differs."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import BM25Settings, Settings
from bot.core.library import open_archive
from bot.core.storage import current_generation
from tests.conftest import SEEDS, settings_for


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
    assert again.search("Idlib").hits == first.search("Idlib").hits


def test_changed_file_triggers_rebuild(settings: Settings) -> None:
    open_archive(settings)
    path = settings.archive.path / "003_03cdae4a38ed77fc.txt"
    path.write_text(path.read_text() + "\n\nA brand new closing paragraph about zeppelins.\n")
    archive, report = open_archive(settings)
    assert report.action == "rebuilt" and report.reason == "archive changed"
    assert report.changed == ("003_03cdae4a38ed77fc.txt",) and report.reused == 4
    assert archive.search("zeppelins").total == 1


def test_touched_but_identical_file_is_not_a_change(settings: Settings) -> None:
    open_archive(settings)
    path = settings.archive.path / "003_03cdae4a38ed77fc.txt"
    path.write_bytes(path.read_bytes())  # new mtime, same content
    _, report = open_archive(settings)
    assert report.action == "loaded"


def test_corrupt_index_is_reported_and_rebuilt(settings: Settings, caplog) -> None:
    open_archive(settings)
    gen = current_generation(settings.index.path)
    assert gen is not None
    (gen / "sc_data.npy").write_bytes(b"garbage")
    archive, report = open_archive(settings)
    assert report.action == "rebuilt" and "corrupt" in (report.reason or "")
    assert "index unusable, rebuilding" in caplog.text
    assert archive.search("Idlib").total > 0


def test_changed_bm25_parameters_rebuild(settings: Settings) -> None:
    first, _ = open_archive(settings)
    changed = dataclasses.replace(settings, bm25=BM25Settings(k1=1.2))
    second, report = open_archive(changed)
    assert report.action == "rebuilt" and report.reason == "index parameters changed"
    assert second.search("Idlib").hits[0].score != first.search("Idlib").hits[0].score


def test_rank_bm25_engine_gives_the_same_answers(settings: Settings) -> None:
    matrix, _ = open_archive(settings)
    reference, _ = open_archive(
        dataclasses.replace(settings, index=dataclasses.replace(settings.index, engine="rank_bm25"))
    )
    assert reference.scorer.name == "rank_bm25"
    for query in ("Idlib", "Russia Syria talks", "Lavrov said terrorists", "refugees Turkey"):
        ours, theirs = matrix.search(query, 10), reference.search(query, 10)
        assert [h.score for h in ours.hits] == pytest.approx([h.score for h in theirs.hits],
                                                             abs=1e-9)
        assert ours.total == theirs.total


def test_metadata_file_overrides_fields(settings: Settings) -> None:
    (settings.archive.path / "metadata.yaml").write_text(
        "001_1a747fc895aa23e5:\n  source: The New Arab\n  url: https://example.org/001\n"
    )
    archive, _ = open_archive(settings)
    hit = archive.search("Moadamiyeh").hits[0]
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

    from bot.core import analyse

    caplog.set_level(logging.INFO, logger="bot.core.analyse")

    serial, _ = open_archive(settings)
    monkeypatch.setattr(analyse, "PARALLEL_MIN_BYTES", 0)
    assert analyse.workers_for([Path("a"), Path("b")], [1, 1]) >= 1
    parallel, report = open_archive(dataclasses.replace(
        settings, index=dataclasses.replace(settings.index, path=settings.index.path / "p")))
    assert report.action == "built"
    assert "worker processes" in caplog.text or (os.cpu_count() or 1) == 1
    assert parallel.index.docs == serial.index.docs
    assert parallel.index.extras["quotes"] == serial.index.extras["quotes"]
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
    fresh, _ = open_archive(dataclasses.replace(
        settings, index=dataclasses.replace(settings.index, path=settings.index.path / "f")))
    a, b = incremental.index, fresh.index
    assert a.docs == b.docs and a.vocab == b.vocab
    assert a.extras["quotes"] == b.extras["quotes"]
    assert [a.text(i) for i in range(a.n_paragraphs)] == [b.text(i) for i in range(b.n_paragraphs)]
    for x, y in ((a.para_doc, b.para_doc), (a.para_num, b.para_num), (a.doc_len, b.doc_len),
                 (a.text_offsets, b.text_offsets)):
        assert np.array_equal(x, y)
    assert (a.scores != b.scores).nnz == 0 and (a.tf != b.tf).nnz == 0
    # The old index's generation is gone, but its mapped files still read.
    assert [old.index.text(i) for i in range(old.index.n_paragraphs)] == old_texts
    assert old.search("Idlib").total > 0

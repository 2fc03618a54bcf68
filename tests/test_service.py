"""Reindexing the live archive: incremental paths, failures, concurrent requests."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.models import SearchResult
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot
from bot.core.storage import current_generation, load_index
from bot.errors import ReindexInProgressError
from bot.runtime import service as service_module
from bot.runtime.service import ArchiveService
from tests.conftest import SEEDS, flip_byte, modify_archive, settings_for


def search(snapshot: Snapshot, query: str, limit: int | None = None) -> SearchResult:
    return snapshot.search(SearchRequest.parse(snapshot.settings, query, limit))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    return settings_for(tmp_path, archive)


@pytest.fixture
def svc(settings: Settings) -> ArchiveService:
    service, _ = ArchiveService.open(settings)
    return service


def test_incremental_add_change_delete_and_broken_file(svc: ArchiveService) -> None:
    root = svc.settings.archive.path
    before = svc.current
    modify_archive(root)

    report = svc.reindex()

    assert report.added == ("broken.txt", "new.jsonl")
    assert report.changed == ("003_03cdae4a38ed77fc.txt",)
    assert report.removed == ("004_303e15b8da19fadf.txt",)
    assert report.reused == 3
    assert [s.path for s in report.skipped] == ["broken.txt"]
    now = svc.current
    assert now is not before
    assert search(now, "zeppelins").hits[0].doc_id == "n1"
    assert search(now, "quokka").total == 1
    assert "004_303e15b8da19fadf" not in now.index.doc_lookup
    assert search(before, "quokka").total == 0  # the old object is untouched
    # What was swapped in is what was saved.
    saved = load_index(svc.settings.index.path)
    assert saved is not None and saved.fingerprint == now.index.fingerprint


def test_incremental_equals_full_rebuild(svc: ArchiveService) -> None:
    root = svc.settings.archive.path
    (root / "extra.md").write_text("# Extra\n\nAirstrikes resumed over Idlib on Monday.\n")
    incremental = svc.reindex()
    inc_scores = [h.score for h in search(svc.current, "Idlib airstrikes", 10).hits]
    full = svc.reindex(full=True)
    assert full.reused == 0 and incremental.reused == 5
    assert full.added == () and full.changed == () and full.removed == ()
    assert [h.score for h in search(svc.current, "Idlib airstrikes", 10).hits] == pytest.approx(
        inc_scores, abs=1e-12
    )


def test_failed_reindex_keeps_old_index(svc: ArchiveService, monkeypatch) -> None:
    before = svc.current
    (svc.settings.archive.path / "more.md").write_text(
        "# More\n\nQuokkas were seen everywhere in the capital today.\n"
    )

    def disk_full(index, folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service_module, "save_index", disk_full)
    with pytest.raises(OSError, match="No space left"):
        svc.reindex()
    assert svc.current is before
    assert search(svc.current, "quokkas").total == 0
    assert not svc.status().running
    monkeypatch.undo()
    svc.reindex()  # the lock was released: the next one works
    assert search(svc.current, "quokkas").total == 1


def test_archive_gone_fails_cleanly(svc: ArchiveService) -> None:
    before = svc.current
    shutil.rmtree(svc.settings.archive.path)
    with pytest.raises(Exception, match="does not exist"):
        svc.reindex()
    assert svc.current is before and search(svc.current, "Idlib").total > 0


def test_second_request_while_running_is_refused(svc: ArchiveService) -> None:
    in_parse = threading.Event()
    release = threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "parse" and not in_parse.is_set():
            in_parse.set()
            release.wait(10)

    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(svc.reindex(progress=progress)))
    worker.start()
    assert in_parse.wait(10)
    running = r"already running: reading the archive, [\d.]+ of [\d.]+ MB \(\d+% done"
    with pytest.raises(ReindexInProgressError, match=running):
        svc.reindex()
    assert svc.status().running and 0 < svc.status().percent < 100
    assert search(svc.current, "Idlib").total > 0  # the old index keeps answering meanwhile
    release.set()
    worker.join(10)
    assert result and not svc.status().running


def test_watch_reindexes_on_change(svc: ArchiveService) -> None:
    stop = threading.Event()
    reports = []

    def on_report(report) -> None:
        reports.append(report)
        stop.set()

    assert not svc.is_stale()
    (svc.settings.archive.path / "w.md").write_text("# W\n\nWombats crossed the border.\n")
    assert svc.is_stale()
    svc.watch(0.01, stop, on_report)
    assert reports[0].added == ("w.md",)
    assert search(svc.current, "wombats").total == 1


def test_incremental_reindex_reuses_quotes_exactly(svc: ArchiveService) -> None:
    from bot.core.answers.quotes import extract_quotes

    root = svc.settings.archive.path
    (root / "000_92e0ac5bf622c90d.txt").unlink()  # shifts every later paragraph number
    (root / "new.md").write_text(
        '# New\n\n"We will rebuild every school in the province," Jane Doe said on Monday.\n'
    )
    report = svc.reindex()
    assert report.reused == 4
    index = svc.current.index
    assert list(svc.current.quotes.table) == extract_quotes(index)
    assert [q.speaker for q in svc.current.quotes.by_speaker("Doe", 5)] == ["Jane Doe"]


def test_isolated_reindex_builds_in_a_child_process(settings: Settings) -> None:
    service, _ = ArchiveService.open(settings, isolate=True)
    before = service.current
    (settings.archive.path / "003_03cdae4a38ed77fc.txt").unlink()
    (settings.archive.path / "n.md").write_text(
        '# N\n\n"Every school will reopen by spring," Jane Doe said on Monday.\n'
    )
    stages: list[str] = []
    report = service.reindex(progress=lambda stage, done, total: stages.append(stage))
    assert report.added == ("n.md",) and report.removed == ("003_03cdae4a38ed77fc.txt",)
    assert report.reused == 4
    assert {"parse", "index", "save"} <= set(stages)
    now = service.current
    assert now is not before and search(now, "school reopen").hits[0].doc_id == "n"
    assert [q.speaker for q in now.quotes.by_speaker("Doe", 5)] == ["Jane Doe"]
    assert search(before, "school reopen").total == 0


def test_isolated_reindex_failure_is_raised_here_and_old_index_serves(
    settings: Settings,
) -> None:
    from bot.errors import IngestError

    service, _ = ArchiveService.open(settings, isolate=True)
    before = service.current
    shutil.rmtree(settings.archive.path)
    with pytest.raises(IngestError, match="does not exist"):
        service.reindex()
    assert service.current is before and search(service.current, "Idlib").total > 0
    assert not service.status().running


def test_stop_reindexing_kills_the_child_and_refuses_more(settings: Settings) -> None:
    service, _ = ArchiveService.open(settings, isolate=True)
    before = service.current
    (settings.archive.path / "n.md").write_text("# N\n\nA new article about the harvest.\n")
    in_child = threading.Event()
    calls: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        calls.append(stage)
        if len(calls) > 1:  # the first is the parent's own "scan"; then the child's
            in_child.set()

    outcome: list[BaseException] = []

    def run() -> None:
        try:
            service.reindex(progress=progress)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert in_child.wait(60)
    service.stop_reindexing()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], service_module.ReindexCancelledError)
    assert service.current is before and not service.status().running
    with pytest.raises(service_module.ReindexCancelledError, match="shutting down"):
        service.reindex()


def test_fast_start_then_background_check_rebuilds_a_corrupt_index(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up maps the saved files unread; :meth:`verify` finds the flipped byte, says so
    and rebuilds in full, the old index serving until the swap."""
    ArchiveService.open(settings)  # builds and saves
    gen = current_generation(settings.index.path)
    assert gen is not None
    flip_byte(gen / "texts.zst", 10, 0x20)

    service, report = ArchiveService.open(settings)
    assert report.action == "loaded"  # the corruption is not seen by the fast start
    first = service.current
    assert service.verify() is False
    assert "index corrupt, rebuilding it in full" in caplog.text
    assert "texts.zst: corrupt" in caplog.text
    assert service.current is not first
    assert current_generation(settings.index.path) != gen
    assert service.verify() is True  # the rebuilt one is sound (built in memory)
    reloaded = load_index(settings.index.path)  # and what was saved verifies in full
    assert reloaded is not None and reloaded.saved is not None and reloaded.saved.verified


def test_verify_passes_a_sound_index(svc: ArchiveService) -> None:
    before = svc.current
    assert svc.verify() is True
    assert svc.current is before

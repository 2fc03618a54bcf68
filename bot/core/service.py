"""The live archive and its reindexing, shared by the bot and the CLI.

``ArchiveService.current`` is the index that answers queries. ``reindex`` builds a new one
(incrementally unless ``full``) while the current one keeps answering, saves it, and only
then swaps the reference: readers see either the old index or the new one, never a mix.
A failed reindex leaves the old index serving; a second request while one runs is refused
with how far the running one has got.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.core.errors import ArchiveBotError, ReindexInProgressError
from bot.core.index import Progress
from bot.core.library import BuildReport, build, fingerprint_now, open_archive
from bot.core.search import Archive
from bot.core.storage import save_index

log = logging.getLogger(__name__)

# Share of a reindex's work each stage stands for, to turn stage progress into a percentage.
_STAGES = {"scan": (0.0, 0.05), "parse": (0.05, 0.45), "index": (0.45, 0.95), "save": (0.95, 1.0)}


@dataclass(frozen=True, slots=True)
class ReindexStatus:
    running: bool
    stage: str
    done: int
    total: int
    percent: float
    elapsed: float
    full: bool

    def describe(self) -> str:
        return (f"{self.stage}: {self.done}/{self.total} ({self.percent:.0f}% done, "
                f"{self.elapsed:.1f} s)")


class ArchiveService:
    """Holds the serving :class:`Archive`; thread-safe reads, one reindex at a time."""

    def __init__(self, settings: Settings, archive: Archive) -> None:
        self.settings = settings
        self._archive = archive
        self._lock = threading.Lock()
        self._status = ReindexStatus(False, "idle", 0, 0, 0.0, 0.0, False)
        self._started = 0.0

    @classmethod
    def open(
        cls, settings: Settings, progress: Progress | None = None
    ) -> tuple[ArchiveService, BuildReport]:
        archive, report = open_archive(settings, progress=progress)
        return cls(settings, archive), report

    @property
    def current(self) -> Archive:
        return self._archive

    def status(self) -> ReindexStatus:
        return self._status

    def _progress(self, full: bool, forward: Progress | None) -> Progress:
        def update(stage: str, done: int, total: int) -> None:
            lo, hi = _STAGES.get(stage, (0.0, 1.0))
            share = done / total if total else 1.0
            self._status = ReindexStatus(
                True, stage, done, total, 100 * (lo + (hi - lo) * share),
                time.monotonic() - self._started, full,
            )
            if forward is not None:
                forward(stage, done, total)

        return update

    def reindex(self, *, full: bool = False, progress: Progress | None = None) -> BuildReport:
        """Build, save and swap in a new index. Blocking: run it in a worker thread."""
        if not self._lock.acquire(blocking=False):
            raise ReindexInProgressError(
                f"A reindex is already running: {self._status.describe()}."
            )
        try:
            self._started = time.monotonic()
            update = self._progress(full, progress)
            update("scan", 0, 1)
            old = self._archive
            index, report = build(self.settings, old.tokenizer, old.index, full=full,
                                  progress=update, reason="requested")
            update("save", 0, 1)
            save_index(index, self.settings.index.path)
            update("save", 1, 1)
            self._archive = Archive(index, self.settings, old.tokenizer)
            log.info("reindex done: %s", report.summary())
            return report
        except ArchiveBotError as exc:
            log.warning("reindex failed (%s); the previous index keeps serving", exc)
            raise
        except Exception:
            log.exception("reindex failed; the previous index keeps serving")
            raise
        finally:
            self._status = ReindexStatus(False, "idle", 0, 0, 0.0, 0.0, False)
            self._lock.release()

    def is_stale(self) -> bool:
        """Whether the archive on disk differs from what the serving index was built from."""
        index = self._archive.index
        return fingerprint_now(self.settings, index) != index.fingerprint

    def watch(
        self,
        interval: float,
        stop: threading.Event,
        on_report: Callable[[BuildReport], None] | None = None,
    ) -> None:
        """Reindex whenever the archive changes, checking every ``interval`` seconds,
        until ``stop`` is set. Errors are logged and the watch goes on."""
        while not stop.wait(interval):
            try:
                if self.is_stale():
                    report = self.reindex()
                    if on_report is not None:
                        on_report(report)
            except ReindexInProgressError:
                continue
            except Exception:  # a watch must survive a bad archive state
                log.exception("watch: reindex failed")

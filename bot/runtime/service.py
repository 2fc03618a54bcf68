"""The live archive and its reindexing, shared by the bot and the CLI.

``ArchiveService.current`` is the serving :class:`~bot.core.snapshot.Snapshot` (index,
retrieval, quote book, answer caches). ``reindex`` builds a new index (incrementally unless
``full``) while the current snapshot keeps answering, saves it, and only then swaps in a new
snapshot in one assignment: readers see either the old one or the new one, never a mix, and
no cache outlives the snapshot it was computed for.
A failed reindex leaves the old index serving; a second request while one runs is refused
with how far the running one has got. :meth:`ArchiveService.stop_reindexing` (the bot shutting
down) stops a running reindex within a fraction of a second and refuses new ones.

The child process of an isolated build, and its analysis workers, die with their parent
(:func:`~bot.runtime.lifeline.die_with_parent`): killing the bot or the child leaves no orphan.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty
from typing import Any

from bot.config import Settings
from bot.core.build import BuildReport, build, fingerprint_now
from bot.core.index import ArchiveIndex, Progress
from bot.core.search import Archive
from bot.core.shard_storage import open_generation, shards_root, write_generation
from bot.core.snapshot import Snapshot
from bot.core.storage import verify_index
from bot.core.tokenize import Tokenizer
from bot.errors import ArchiveBotError, IndexFormatError, ReindexInProgressError
from bot.runtime.lifeline import die_with_parent
from bot.runtime.ray_engine import ShardedSnapshot
from bot.runtime.workers import HOST, load_index, open_archive, save_index, thread_map

log = logging.getLogger(__name__)

# Share of a reindex's work each stage stands for, to turn stage progress into a percentage.
_STAGES = {"scan": (0.0, 0.05), "parse": (0.05, 0.45), "index": (0.45, 0.95), "save": (0.95, 1.0)}
POLL_SECONDS = 0.2  # how often a waiting build looks at its child (and at a cancel)


class ReindexCancelledError(ArchiveBotError):
    """A reindex stopped because the bot is shutting down."""


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
        if self.stage == "parse":  # counted in bytes, so one large file moves too
            where = f"reading the archive, {self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB"
        else:
            where = f"{self.stage}: {self.done}/{self.total}"
        return f"{where} ({self.percent:.0f}% done, {self.elapsed:.1f} s)"


class ArchiveService:
    """Holds the serving :class:`Snapshot`; thread-safe reads, one reindex at a time."""

    def __init__(self, settings: Settings, archive: Archive | Snapshot, *,
                 isolate: bool = False) -> None:
        """``archive``: the loaded index's retrieval object (wrapped in a new snapshot) or a
        snapshot. ``isolate``: build in a child process (the bot does this, so a reindex
        never holds the GIL or the garbage collector of the process answering queries); the
        new index is then loaded from disk and swapped in."""
        self.settings = settings
        self.isolate = isolate
        self._snapshot = archive if isinstance(archive, Snapshot) else Snapshot(archive)
        self._lock = threading.Lock()
        self._status = ReindexStatus(False, "idle", 0, 0, 0.0, 0.0, False)
        self._started = 0.0
        self._stopping = threading.Event()

    def stop_reindexing(self) -> None:
        """Stop a running isolated reindex (its child is killed; the old index keeps
        serving) and refuse new ones: the bot is shutting down."""
        self._stopping.set()

    @classmethod
    def open(
        cls, settings: Settings, progress: Progress | None = None, *, isolate: bool = False
    ) -> tuple[ArchiveService, BuildReport]:
        """Load (or build) the index with a fast start: its files' checksums are left to
        :meth:`verify`, which the bot runs in the background once it serves."""
        archive, report = open_archive(settings, progress=progress, verify=False)
        if settings.index.engine != "ray":
            return cls(settings, archive, isolate=isolate), report
        return cls(settings, serve(archive.index, settings, archive.tokenizer),
                   isolate=isolate), report

    def verify(self) -> bool:
        """Check the SHA-256 of the serving index's files (blocking: run it in a thread).
        A corrupt file is logged and the index rebuilt in full, the old one serving
        meanwhile. True when the index was sound (or had nothing to check)."""
        try:
            verify_index(self._snapshot.index, map_files=thread_map)
            return True
        except IndexFormatError as exc:
            log.error("index corrupt, rebuilding it in full: %s", exc)
        try:
            self.reindex(full=True)
        except ReindexInProgressError:
            log.info("a reindex is already running; it replaces the corrupt index")
        return False

    @property
    def current(self) -> Snapshot:
        return self._snapshot

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
        if self._stopping.is_set():
            raise ReindexCancelledError("The bot is shutting down; no reindex now.")
        if not self._lock.acquire(blocking=False):
            raise ReindexInProgressError(
                f"A reindex is already running: {self._status.describe()}."
            )
        try:
            self._started = time.monotonic()
            update = self._progress(full, progress)
            update("scan", 0, 1)
            old = self._snapshot
            if self.isolate:
                report = build_in_child(self.settings, full, update, cancel=self._stopping)
                index = load_index(self.settings.index.path)
                if index is None:  # pragma: no cover - the child just saved it
                    raise IndexFormatError("the rebuilt index was not found on disk")
            else:
                index, report = build(self.settings, old.tokenizer, old.index, full=full,
                                      progress=update, reason="requested", host=HOST)
                update("save", 0, 1)
                save_index(index, self.settings.index.path)
                update("save", 1, 1)
            self._snapshot = serve(index, self.settings, old.tokenizer)
            if isinstance(old, ShardedSnapshot):  # its queries finish on its own actors
                old.shards.retire()
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
        index = self._snapshot.index
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


def serve(index: ArchiveIndex, settings: Settings, tokenizer: Tokenizer) -> Snapshot:
    """The serving snapshot of ``index`` for the configured engine: the ray engine splits it
    into ``index.shards`` shards (unless the current split is of this index) and starts their
    actors."""
    if settings.index.engine != "ray":
        return Snapshot.of(index, settings, tokenizer)
    root = shards_root(settings.index.path)
    gen = open_generation(index, settings.index.shards, root, save=save_index)
    try:
        return ShardedSnapshot.serve(index, settings, tokenizer, gen)
    except IndexFormatError as exc:  # a damaged shard: split the index again, once
        log.error("%s; splitting the index into shards again", exc)
        gen = write_generation(index, settings.index.shards, root, save=save_index)
        return ShardedSnapshot.serve(index, settings, tokenizer, gen)


def _child_build(settings: Settings, full: bool, queue: Any, parent: int) -> None:
    """Child process: incremental (or full) build against the saved index, then save."""
    die_with_parent(parent)
    try:
        tokenizer = Tokenizer(settings.tokenizer)
        try:
            previous = load_index(settings.index.path)
        except IndexFormatError:
            previous = None

        def progress(stage: str, done: int, total: int) -> None:
            queue.put(("progress", stage, done, total))

        index, report = build(settings, tokenizer, previous, full=full, progress=progress,
                              reason="requested", host=HOST)
        progress("save", 0, 1)
        save_index(index, settings.index.path)
        if settings.index.engine == "ray":  # split here too, not in the answering process
            open_generation(index, settings.index.shards, shards_root(settings.index.path),
                            save=save_index)
        progress("save", 1, 1)
        queue.put(("done", report))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        try:
            pickle.dumps(exc)
            queue.put(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            queue.put(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def build_in_child(
    settings: Settings, full: bool, progress: Progress, *, cancel: threading.Event | None = None
) -> BuildReport:
    """Run :func:`_child_build` in a spawned process, relaying its progress; re-raise its
    exception here. The saved index on disk is the result. Setting ``cancel`` kills the
    child (within :data:`POLL_SECONDS`) and raises :class:`ReindexCancelledError`."""
    import multiprocessing  # here: a one-shot command never reindexes in a child

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child_build, args=(settings, full, queue, os.getpid()),
                            name="archive-bot-reindex")
    child.start()
    try:
        while True:
            if cancel is not None and cancel.is_set():
                child.kill()
                raise ReindexCancelledError("The reindex was stopped: the bot is shutting "
                                            "down; the previous index keeps serving.")
            try:
                message = queue.get(timeout=POLL_SECONDS)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the reindex process died (exit code {child.exitcode})"
                    ) from None
                continue
            if message[0] == "progress":
                progress(*message[1:])
            elif message[0] == "done":
                report: BuildReport = message[1]
                return report
            else:
                raise message[1]
    finally:
        child.join(timeout=30)
        if child.is_alive():  # pragma: no cover - only on a hung child
            child.kill()
            child.join()

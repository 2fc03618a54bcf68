"""What the runtime lends a build (:class:`~bot.core.build.host.Host`): worker processes to
parse files in, threads to verify a loaded index with, the index folder's lock, and heap
trimming. The core is serial; the CLI and the bot pass :data:`HOST` to it.

Worker processes die with the process that started them, even when it is killed
(:func:`~bot.runtime.lifeline.die_with_parent` as the pool initializer).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar

from bot.config import Settings
from bot.core import build, storage
from bot.core.build import BuildReport
from bot.core.build.host import Host
from bot.core.index import ArchiveIndex, Progress
from bot.core.search import Archive
from bot.runtime.lifeline import die_with_parent

log = logging.getLogger(__name__)

# Below this many bytes to parse, worker start-up costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
MAX_WORKERS = 8
VERIFY_THREADS = 2


class Sized(Protocol):
    @property
    def size(self) -> int: ...


J = TypeVar("J", bound=Sized)
R = TypeVar("R")
T = TypeVar("T")


def workers_for(sizes: Sequence[int]) -> int:
    """How many worker processes to parse files of these sizes in (1: in this process)."""
    if len(sizes) < 2 or sum(sizes) < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(len(sizes), os.cpu_count() or 1, MAX_WORKERS))


def process_map(fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[R]:
    """``map(fn, jobs)``, in worker processes when the jobs are large enough (results in job
    order, each as soon as it is ready). The pool shuts down when the iterator is exhausted
    or closed."""
    workers = workers_for([job.size for job in jobs])
    if workers == 1:
        yield from map(fn, jobs)
        return
    log.info("analysing %d files in %d worker processes", len(jobs), workers)
    # Imported here: multiprocessing costs a one-shot command that parses nothing ~50 ms.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the bot reindexes from a thread of a process running an event loop.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        yield from pool.map(fn, jobs, chunksize=chunk)


def thread_map(fn: Callable[[str], T], items: Iterable[str]) -> list[T]:
    """``map(fn, items)`` in :data:`VERIFY_THREADS` threads (checksums release the GIL)."""
    with ThreadPoolExecutor(max_workers=VERIFY_THREADS) as pool:
        return list(pool.map(fn, items))


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder/.lock``: one process saves into an index folder at
    a time."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def trim_heap() -> None:
    """Give freed heap pages back to the OS (glibc ``malloc_trim``): the holes every file's
    dropped articles left would otherwise stay resident while the matrices are computed."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


HOST = Host(parse_map=process_map, verify_map=thread_map, lock=folder_lock,
            release_memory=trim_heap)


def open_archive(
    settings: Settings,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    full: bool = False,
    verify: bool = True,
) -> tuple[Archive, BuildReport]:
    """:func:`bot.core.build.open_archive` with the runtime's workers (:data:`HOST`)."""
    return build.open_archive(settings, progress=progress, rebuild=rebuild, full=full,
                              host=HOST, verify=verify)


def load_index(folder: Path) -> ArchiveIndex | None:
    """:func:`bot.core.storage.load_index`, its files verified in threads."""
    return storage.load_index(folder, map_files=thread_map)


def save_index(index: ArchiveIndex, folder: Path) -> Path:
    """:func:`bot.core.storage.save_index` holding the folder's ``flock``."""
    return storage.save_index(index, folder, lock=folder_lock, map_files=thread_map)

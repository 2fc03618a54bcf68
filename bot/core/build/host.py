"""What the process running a build lends it: maps over files, a folder lock, heap trimming.

The core stays serial and single-threaded: its default, :data:`SERIAL`, parses with the
built-in ``map``, verifies and saves an index file by file, without a lock, and trims
nothing. The runtime layer (:data:`bot.runtime.workers.HOST`) lends worker processes for
parsing, threads for verifying and writing files, an exclusive ``flock`` on the index
folder and glibc's ``malloc_trim``; the CLI and the bot pass it to
:func:`~bot.core.build.open_archive`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.core.index import ParsedFile
from bot.core.storage import FileMap, FolderLock, no_lock

if TYPE_CHECKING:  # the parsers are imported where files are parsed
    from bot.core.build.analyse import ParsedPart, ParseJob


class FileMapper(Protocol):
    """``mapper(analysis, jobs)``: each job's :class:`ParsedFile` (or part of one), in job
    order (the built-in ``map`` is one; the runtime's runs the jobs in worker processes)."""

    def __call__(self, fn: Callable[[ParseJob], ParsedFile | ParsedPart],
                 jobs: Sequence[ParseJob], /) -> Iterable[ParsedFile | ParsedPart]: ...


def _keep_heap() -> None:
    """The core's memory release: none."""


@dataclass(frozen=True, slots=True)
class Host:
    parse_map: FileMapper = map
    verify_map: FileMap = map  # verifies a loaded index's files and writes a built one's
    lock: FolderLock = no_lock
    release_memory: Callable[[], None] = _keep_heap


SERIAL = Host()

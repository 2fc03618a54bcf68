"""Planning a build: which files are reused from the previous index, which are parsed (and
why), which were removed; and why every file is parsed again, when it is.

:func:`plan` is pure: it reads the scan and the previous index and decides, nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.build.scan import Scan
from bot.core.index import ArchiveIndex, FileEntry
from bot.core.ingest.ids import clashed

# reuse: unchanged, taken from the previous index; add: new; change: its content changed;
# reparse: unchanged but parsed again (a full build, changed settings, or an article of it
# lost its id to another file last time: that may have changed).
Action = Literal["reuse", "add", "change", "reparse"]


@dataclass(frozen=True, slots=True)
class FileTask:
    entry: FileEntry  # as scanned now
    action: Action
    previous: FileEntry | None = None  # as last indexed

    @property
    def parse(self) -> bool:
        return self.action != "reuse"


@dataclass(frozen=True, slots=True)
class BuildPlan:
    tasks: tuple[FileTask, ...]  # every file of the scan, in archive order
    removed: tuple[str, ...] = ()  # files of the previous index that are gone
    full_reason: str | None = None  # why nothing is reused (None: an incremental build)

    def paths(self, action: Action) -> tuple[str, ...]:
        return tuple(t.entry.path for t in self.tasks if t.action == action)

    def count(self, action: Action) -> int:
        return sum(1 for t in self.tasks if t.action == action)

    @property
    def to_parse(self) -> tuple[FileTask, ...]:
        return tuple(t for t in self.tasks if t.parse)


def full_reason(scanned: Scan, previous: ArchiveIndex | None, *, params: Mapping[str, Any],
                ingest: Mapping[str, Any], full: bool = False) -> str | None:
    """Why no file of ``previous`` can be reused, or None when unchanged files can be."""
    if previous is None:
        return "no previous index"
    if full:
        return "full rebuild requested"
    if previous.params != params:
        return "index parameters changed"
    if previous.extras.get("ingest") != ingest:
        return "ingestion settings changed"
    if previous.extras.get("metadata_sha256") != scanned.metadata_sha256:
        return "metadata changed"
    return None


def _action(entry: FileEntry, old: FileEntry | None, incremental: bool) -> Action:
    if old is None:
        return "add"
    if old.sha256 != entry.sha256:
        return "change"
    if not incremental or clashed(old.skipped):
        return "reparse"
    return "reuse"


def plan(scanned: Scan, previous: ArchiveIndex | None, *, params: Mapping[str, Any],
         ingest: Mapping[str, Any], full: bool = False) -> BuildPlan:
    """What to do with each scanned file. ``params`` and ``ingest`` are the index and
    ingestion parameters of this build: a previous index built with others is not reused
    (nor after a change of the metadata file, nor with ``full``). Files are classified
    against the previous index even then, so a full build still reports what changed."""
    reason = full_reason(scanned, previous, params=params, ingest=ingest, full=full)
    old_files = {f.path: f for f in previous.files} if previous is not None else {}
    tasks = tuple(
        FileTask(entry, _action(entry, old_files.get(entry.path), reason is None),
                 old_files.get(entry.path))
        for entry in scanned.files
    )
    removed = tuple(sorted(set(old_files) - {e.path for e in scanned.files}))
    return BuildPlan(tasks, removed, reason)

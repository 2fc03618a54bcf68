"""Scanning the archive: every article file with its content hash, and the metadata file.

Only files whose size or modification time changed since the previous index are hashed
again (the git approach), so checking a large unchanged archive is cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import ArchiveSettings
from bot.core import ingest
from bot.core.index import ArchiveIndex, FileEntry, fingerprint
from bot.core.models import Skipped
from bot.core.storage import FileMap
from bot.core.storage_files import file_sha256
from bot.errors import IngestError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Source:
    """What a build reads: the archive folder and how (the archive settings)."""

    root: Path
    metadata: Path | None = None  # the metadata file named in the settings, if any
    follow_symlinks: bool = False
    max_paragraph_chars: int | None = ingest.DEFAULT_MAX_PARAGRAPH_CHARS
    date_day_first: bool = True  # how a numeric date (03/04/2018) reads

    @classmethod
    def of(cls, archive: ArchiveSettings) -> Source:
        return cls(archive.path, archive.metadata, archive.follow_symlinks,
                   archive.max_paragraph_chars, archive.date_day_first)


@dataclass(frozen=True, slots=True)
class Scan:
    """The archive as it is on disk now."""

    root: Path
    files: tuple[FileEntry, ...]  # sorted by path; no docs or skips yet
    metadata: Path | None  # the metadata file, when there is one that can be read
    metadata_sha256: str | None
    skipped: tuple[Skipped, ...]  # folders, links, special files, an unreadable metadata file

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.files, self.metadata_sha256)

    def metadata_name(self) -> str | None:
        """How reports name the metadata file."""
        return ingest.metadata_name(self.metadata, self.root) if self.metadata else None


def _metadata(meta: Path | None, root: Path) -> tuple[Path | None, str | None, Skipped | None]:
    """The metadata file, its hash, and the problem when it is named but cannot be read."""
    if meta is None:
        return None, None, None
    problem = None
    if not meta.exists():
        problem = "metadata file not found"
    elif not meta.is_file():
        problem = "metadata file is not a regular file"
    else:
        try:
            return meta, file_sha256(meta), None
        except OSError as exc:
            problem = f"cannot read metadata file ({exc.strerror or exc})"
    name = ingest.metadata_name(meta, root)
    return None, None, Skipped(name, f"{problem}; no metadata applied")


def _hashed(path: str) -> bytes:
    """The file's SHA-256 (hex, as bytes: what a :data:`FileMap` carries), or
    ``unreadable:<errno>`` when it cannot be read."""
    try:
        return file_sha256(Path(path)).encode()
    except OSError as exc:
        return f"unreadable:{exc.errno}".encode()


def _entries(root: Path, paths: list[Path], known: dict[str, FileEntry],
             map_files: FileMap) -> list[FileEntry]:
    """Each file as scanned: one whose size and mtime are those of ``known`` keeps its
    hash; the others are hashed through ``map_files`` (threads at run time: SHA-256
    releases the GIL). One that cannot be read has size and mtime 0, so the next scan
    hashes it again."""
    entries: list[FileEntry | None] = []
    todo: list[tuple[int, str, int, int]] = []  # position, rel, size, mtime
    for path in paths:
        rel = path.relative_to(root).as_posix()
        try:
            st = path.stat()
        except OSError as exc:
            entries.append(FileEntry(rel, f"unreadable:{exc.errno}", 0, 0))
            continue
        old = known.get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            entries.append(FileEntry(rel, old.sha256, st.st_size, st.st_mtime_ns))
            continue
        todo.append((len(entries), rel, st.st_size, st.st_mtime_ns))
        entries.append(None)
    hashes = map_files(_hashed, [str(root / rel) for _, rel, _, _ in todo])
    for (at, rel, size, mtime), digest in zip(todo, hashes, strict=True):
        sha = bytes(digest).decode()
        entries[at] = (FileEntry(rel, sha, 0, 0) if sha.startswith("unreadable:")
                       else FileEntry(rel, sha, size, mtime))
    return [e for e in entries if e is not None]


def scan(source: Source, previous: ArchiveIndex | None = None, *,
         map_files: FileMap = map) -> Scan:
    """Stat every archive file; hash those whose size or mtime changed since ``previous``
    (through ``map_files``). Raises :class:`IngestError` when the archive folder is missing
    or not a folder."""
    root = source.root
    if not root.is_dir():  # the CLI's check says the same, naming the config file
        raise IngestError(f"archive folder {root} does not exist or is not a folder")
    known = {f.path: f for f in previous.files} if previous else {}
    named = ingest.find_metadata(root, source.metadata)
    meta, sha, problem = _metadata(named, root)
    listing = ingest.list_archive(root, named, follow_symlinks=source.follow_symlinks)
    files = _entries(root, list(listing.files), known, map_files)
    skipped = ([problem] if problem else []) + listing.skipped
    return Scan(root, tuple(files), meta, sha, tuple(skipped))

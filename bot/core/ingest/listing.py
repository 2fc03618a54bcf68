"""Listing the archive: which files are articles, and what was left out and why.

:func:`list_archive` never follows a symbolic link out of the archive folder unless asked
to, and reports links that loop or dangle, special files (FIFOs, sockets, devices) and
folders it cannot read. Nothing here opens a file.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bot.core.models import Skipped

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".warc"})
# Formats also read gzip-compressed: ``page.html.gz``, ``crawl.warc.gz``...
COMPRESSED = frozenset({f"{s}.gz" for s in SUFFIXES})
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(slots=True)
class ArchiveListing:
    """The archive's article files (sorted by relative path) and what was left out, why."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def archive_suffix(name: str) -> str | None:
    """The format suffix of an article file's name, lowercase (``".html"``, ``".warc.gz"``),
    or None when the name is not an article format's."""
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes[-2:]]
    if len(suffixes) == 2 and "".join(suffixes) in COMPRESSED:
        return "".join(suffixes)
    return suffixes[-1] if suffixes and suffixes[-1] in SUFFIXES else None


def _is_candidate(name: str) -> bool:
    return not name.casefold().startswith("readme.") and archive_suffix(name) is not None


def _special_kind(mode: int) -> str:
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def list_archive(
    root: Path, metadata_file: Path | None = None, *, follow_symlinks: bool = False
) -> ArchiveListing:
    """Every article file under ``root``, and every entry that had to be left out.

    Regular files whose name is not an article's (other suffixes, ``README.*``), hidden files
    and folders, and the metadata file are ignored silently. Reported as skipped, each once:
    FIFOs, sockets and devices; folders that cannot be read; and symbolic links that dangle,
    loop, lead to a file or folder already in the archive, or lead outside the archive folder
    (followed only when ``follow_symlinks``). The real tree is walked first, then the links,
    so a link never hides the file it points at. Nothing here opens a file.
    """
    listing = ArchiveListing()
    real_root = os.path.realpath(root)
    skip_meta = os.path.realpath(metadata_file) if metadata_file is not None else None
    meta_name = metadata_file.name if metadata_file is not None else None
    found: dict[str, Path] = {}
    seen_dirs: dict[tuple[int, int], str] = {}
    seen_files: dict[tuple[int, int], str] = {}
    links: list[tuple[str, Path]] = []

    def skip(rel: str, reason: str) -> None:
        listing.skipped.append(Skipped(rel, reason))

    def walk(top: Path, top_rel: str, via_link: bool = False) -> None:
        stack = [(top, top_rel)]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name, reverse=True)
                folder_dev = os.stat(folder).st_dev
            except OSError as exc:
                skip(prefix or ".", f"cannot read folder ({exc.strerror or exc})")
                continue
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                rel = f"{prefix}/{name}" if prefix else name
                path = Path(folder, name)
                try:
                    if entry.is_symlink():
                        links.append((rel, path))
                    elif entry.is_dir(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        first = seen_dirs.setdefault((st.st_dev, st.st_ino), rel)
                        if first != rel:  # a bind mount of a folder already walked
                            skip(rel, f"folder already in the archive ({first}/)")
                        else:
                            stack.append((path, rel))
                    elif entry.is_file(follow_symlinks=False):
                        if _is_candidate(name):
                            if name == meta_name and os.path.realpath(path) == skip_meta:
                                continue
                            first = seen_files.setdefault((folder_dev, entry.inode()), rel)
                            if via_link and first != rel:  # a folder followed from a link
                                skip(rel, f"already in the archive ({first})")
                                continue
                            found[rel] = path
                    else:
                        mode = entry.stat(follow_symlinks=False).st_mode
                        skip(rel, f"{_special_kind(mode)}, not a file")
                except OSError as exc:
                    skip(rel, f"cannot read ({exc.strerror or exc})")

    def follow(rel: str, path: Path) -> None:
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                skip(rel, "symbolic link loop")
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                skip(rel, "dangling symbolic link (its target does not exist)")
            else:
                skip(rel, f"cannot follow symbolic link ({exc.strerror or exc})")
            return
        target = os.path.realpath(path)
        inside = target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)
        if not inside and not follow_symlinks:
            skip(rel, "symbolic link leads outside the archive folder "
                      "(set archive.follow_symlinks: true to follow it)")
            return
        key = (st.st_dev, st.st_ino)
        if stat.S_ISDIR(st.st_mode):
            first = seen_dirs.get(key)
            if first is not None:
                ancestor = first == "" or rel.startswith(first + "/")
                skip(rel, "symbolic link loop (leads back to "
                          f"{'the archive folder' if first == '' else first + '/'})"
                     if ancestor else f"symbolic link to a folder already in the archive "
                                      f"({first}/)")
                return
            seen_dirs[key] = rel
            walk(path, rel, via_link=True)
        elif stat.S_ISREG(st.st_mode):
            if not _is_candidate(PurePosixPath(rel).name) or target == skip_meta:
                return
            first = seen_files.get(key)
            if first is not None:
                skip(rel, f"symbolic link to a file already in the archive ({first})")
                return
            seen_files[key] = rel
            found[rel] = path
        else:
            skip(rel, f"symbolic link to {_special_kind(st.st_mode)}, not a file")

    try:
        root_st = os.stat(root)
        seen_dirs[(root_st.st_dev, root_st.st_ino)] = ""
    except OSError as exc:
        skip(".", f"cannot read folder ({exc.strerror or exc})")
        return listing
    walk(root, "")
    done = 0
    while done < len(links):  # following a link to a folder may find further links
        batch = sorted(links[done:])
        done = len(links)
        for rel, path in batch:
            follow(rel, path)
    listing.files = [found[rel] for rel in sorted(found)]
    listing.skipped.sort(key=lambda s: s.path)
    return listing


def iter_archive_files(
    root: Path, metadata_file: Path | None = None, *, follow_symlinks: bool = False
) -> list[Path]:
    """Candidate article files under ``root``, sorted by relative POSIX path (what
    :func:`list_archive` lists, without the report of what it left out)."""
    return list_archive(root, metadata_file, follow_symlinks=follow_symlinks).files


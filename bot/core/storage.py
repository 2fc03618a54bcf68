"""Saving and loading an :class:`ArchiveIndex` without pickle.

An index folder holds generations and a pointer::

    data/index/CURRENT            -> "gen-20261123T134501-3f2a"
    data/index/gen-.../manifest.json, *.npy, quotations.*.npy, texts.zst, texts.dict,
                      docs.jsonl, *.json

How each file is written (and the postings and arrays read back) is
:mod:`bot.core.storage_files`; this module saves, loads and verifies whole generations.

A save writes a complete new generation in a temporary folder, fsyncs it, renames it into
place and only then replaces ``CURRENT`` (``os.replace`` is atomic), so a crash at any point
leaves the previous index intact. The manifest records the format version, parameters, the
archive fingerprint, counts, build time and each file's size and SHA-256. A load checks every
file's size and the arrays' shapes at once (a truncated or foreign file is an
:class:`IndexFormatError`); the SHA-256 of every byte is checked by a verifying load
(``verify=True``, the default: reindexing reuses what it reads) or, after a fast start that
maps the files without reading them, by :func:`verify_index` (the bot runs it in the
background; ``archive-bot index --verify``). Reads through the postings are bounds-checked,
so a corrupt file gives an error, never a crash, before the check has run.

The quotation table is saved as one ``.npy`` per column (:meth:`QuotationTable.arrays`) and
loaded memory-mapped, like the other arrays: no JSON rows to decode at start-up.

Pure core: no threads and no file locks here. A caller that can lends them: ``load_index``
takes a ``map_files`` to verify the files with (the runtime's thread map checks them in parallel),
``save_index`` one to write them with and a ``lock`` for the index folder (the runtime's
``flock``); see :mod:`bot.runtime.workers`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import mmap
import os
import secrets
import shutil
import stat
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.core.doctable import DocTable
from bot.core.index import ArchiveIndex, FileEntry, SavedFiles, TextBlob
from bot.core.models import Skipped
from bot.core.quotations import COLUMNS as QUOTATION_COLUMNS
from bot.core.quotations import QuotationTable, QuotationTableError
from bot.core.storage_files import (
    array_members,
    json_members,
    npy_view,
    postings_of,
    write_hashed,
    write_synced,
    write_texts,
)
from bot.core.texts import BlockTexts
from bot.core.vocab import Vocabulary
from bot.errors import IndexFormatError

log = logging.getLogger(__name__)

FORMAT = "archive-bot-index"
# v2: quotations as a table of columns; v3: kinds quoted|reported|fragment (no dash);
# v4: term-major postings with exact uint8/uint16 counts, no tf or float score matrix;
# v5: the document table as JSON lines with offsets, ids and day numbers; texts in zstd
# blocks with a trained dictionary; the vocabulary sorted, memory-mapped;
# v6: the articles' sources as a column (doc_sources.json);
# v7: each term's peak BM25 factor (post_peak), the kernel's pruning bound;
# v8: texts in blocks of 4 paragraphs (16 before: a hit's text decompressed 4x the bytes).
VERSION = 8
POINTER = "CURRENT"
ARRAYS = (
    "vocab", "para_doc", "para_num", "text_offsets", "text_blocks", "doc_len", "doc_offsets",
    "doc_dates",
    "post_indptr", "post_docs", "post_tf", "post_peak",
    *(f"quotations.{c}" for c in QUOTATION_COLUMNS),
)
_T = TypeVar("_T")
# Opens the index folder's lock, held while a generation is saved: the runtime's is an
# exclusive flock, so two processes never save into one folder at once.
FolderLock = Callable[[Path], AbstractContextManager[object]]
# A map over the files of a generation, to verify or write them (in parallel threads, at run
# time).
class FileMap(Protocol):
    def __call__(self, fn: Callable[[str], _T], items: Iterable[str], /) -> Iterable[_T]: ...


@contextlib.contextmanager
def no_lock(folder: Path) -> Iterator[None]:
    """The core's folder lock: none (one process saving; the runtime lends a real one)."""
    yield


def save_index(index: ArchiveIndex, folder: Path, *, lock: FolderLock = no_lock,
               map_files: FileMap = map) -> Path:
    """Write ``index`` as a new generation in ``folder`` and make it current, atomically,
    holding ``lock(folder)`` meanwhile. ``map_files`` writes the files (serial by default;
    the runtime's thread map writes them in parallel: hashing and fsync release the GIL)."""
    folder.mkdir(parents=True, exist_ok=True)
    with lock(folder):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"gen-{stamp}-{secrets.token_hex(3)}"
        tmp = folder / f".tmp-{name}"
        tmp.mkdir()
        try:
            checks = _write_members(index, tmp, map_files)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "params": index.params,
                "fingerprint": index.fingerprint,
                "built_at": index.built_at,
                "build_seconds": round(index.build_seconds, 3),
                "counts": {
                    "documents": len(index.docs),
                    "paragraphs": index.n_paragraphs,
                    "terms": len(index.vocab),
                    "files": len(index.files),
                    "skipped": len(index.skipped),
                },
                "files": checks,
            }
            write_synced(tmp / "manifest.json", json.dumps(manifest, indent=2).encode())
            os.replace(tmp, folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        pointer_tmp = folder / f".{POINTER}.{name}"
        write_synced(pointer_tmp, name.encode())
        os.replace(pointer_tmp, folder / POINTER)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        _remove_stale(folder, keep=name)
        log.info("saved index generation %s", name)
        return folder / name


_WRITTEN_FIRST = ("texts.zst", "post_docs.npy", "post_tf.npy")  # the largest files


def _write_members(index: ArchiveIndex, tmp: Path,
                   map_files: FileMap) -> dict[str, dict[str, Any]]:
    """Every file of a generation written into ``tmp``; each file's size and SHA-256, by
    name. Each file is hashed as it is written: no in-memory copy of the whole payload and
    no second pass over the bytes. A built index's texts are blocks already, written beside
    the other files; others' are compressed first (their block offsets are an array)."""
    doc_lines = index.docs.lines()
    checks: dict[str, dict[str, Any]] = {}
    texts = index.text_blob
    writers: dict[str, Callable[[], dict[str, Any]]] = {}
    if isinstance(texts, BlockTexts):
        blocks = texts.blocks
        writers["texts.zst"] = lambda: write_hashed(tmp / "texts.zst", chunks=texts.chunks())
        writers["texts.dict"] = lambda: write_hashed(tmp / "texts.dict",
                                                     data=texts.dictionary)
    else:
        text_checks, blocks = write_texts(index, tmp)
        checks.update(text_checks)
    writers["docs.jsonl"] = lambda: write_hashed(tmp / "docs.jsonl", data=doc_lines)
    for key, array in array_members(index, doc_lines, blocks).items():
        writers[f"{key}.npy"] = functools.partial(write_hashed, tmp / f"{key}.npy", array)
    for filename, data in json_members(index).items():
        writers[filename] = functools.partial(write_hashed, tmp / filename, data=data)
    # the texts and the postings first, so that parallel writers finish together
    names = sorted(writers, key=lambda n: _WRITTEN_FIRST.index(n) if n in _WRITTEN_FIRST
                   else len(_WRITTEN_FIRST))
    checks.update(zip(names, map_files(lambda n: writers[n](), names), strict=True))
    return checks


def _remove_stale(folder: Path, keep: str) -> None:
    for child in folder.iterdir():
        if child.name != keep and (child.name.startswith(("gen-", ".tmp-gen-"))):
            shutil.rmtree(child, ignore_errors=True)


POINTER_MAX_BYTES = 4096
MANIFEST_MAX_BYTES = 16 << 20  # a real manifest is a few kilobytes


def _regular_file(path: Path, what: str, max_bytes: int | None = None) -> None:
    """Raise IndexFormatError unless ``path`` is a regular file (not a FIFO, device or
    folder, which could block or never end a read) of at most ``max_bytes``."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise IndexFormatError(f"{path}: {what} missing") from exc
    except OSError as exc:
        raise IndexFormatError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise IndexFormatError(f"{path}: {what} is not a regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise IndexFormatError(f"{path}: {what} too large ({st.st_size} bytes)")


def current_generation(folder: Path) -> Path | None:
    """The folder ``CURRENT`` points at, or None when no index was ever saved here."""
    pointer = folder / POINTER
    if not os.path.lexists(pointer):
        return None
    _regular_file(pointer, "index pointer", POINTER_MAX_BYTES)
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{pointer}: unreadable index pointer ({exc})") from exc
    if not name.startswith("gen-") or "/" in name or "\0" in name:
        raise IndexFormatError(f"{pointer}: not an archive-bot index pointer")
    gen = folder / name
    if not gen.is_dir():
        raise IndexFormatError(f"{pointer}: names {name}, which is not an index folder")
    return gen


# The manifest's fields and their types, checked before anything is used.
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "params": dict, "fingerprint": str, "built_at": str, "build_seconds": (int, float),
    "counts": dict, "files": dict,
}
_COUNTS = ("documents", "paragraphs", "terms")


def read_manifest(gen: Path) -> dict[str, Any]:
    """The generation's manifest, checked: a foreign, corrupt or hostile one (not JSON,
    10k-deep nesting, wrong types, a FIFO) is an :class:`IndexFormatError`, never a crash."""
    path = gen / "manifest.json"
    _regular_file(path, "index manifest", MANIFEST_MAX_BYTES)
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"{path}: unreadable manifest ({exc})") from exc
    except RecursionError as exc:
        raise IndexFormatError(f"{path}: unreadable manifest (nested too deeply)") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexFormatError(f"{path}: not an archive-bot index")
    if manifest.get("version") != VERSION:
        version = manifest.get("version")
        shown = repr(version) if isinstance(version, (int, str)) else type(version).__name__
        raise IndexFormatError(f"{path}: index format version {shown[:40]}, expected {VERSION}")
    for key, kind in _MANIFEST_FIELDS.items():
        if not isinstance(manifest.get(key), kind) or isinstance(manifest.get(key), bool):
            raise IndexFormatError(f"{path}: corrupt manifest (field {key!r})")
    for key in _COUNTS:
        value = manifest["counts"].get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise IndexFormatError(f"{path}: corrupt manifest (counts.{key})")
    for name, check in manifest["files"].items():
        if not (isinstance(check, dict) and isinstance(check.get("size"), int)
                and isinstance(check.get("sha256"), str)):
            raise IndexFormatError(f"{path}: corrupt manifest (files.{str(name)[:40]})")
    return manifest


def _map(path: Path, expected: dict[str, Any], verify: bool,
         by_position: bool = False) -> Blob:
    """Memory-map a file and check its size (and with ``verify`` its SHA-256) against the
    manifest; with ``by_position`` return it as :class:`FileBytes` once checked.

    Mapping instead of reading means no private copy of the index: the arrays and texts are
    served from the page cache, and only the pages a query touches are read. A later save
    deletes this generation's folder, but an unlinked file stays readable through an
    existing mapping or descriptor (POSIX), so an index still serving keeps working.
    hashlib releases the GIL, so files can be checked in parallel.
    """
    data: TextBlob = b""
    _regular_file(path, "index file")
    try:
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size:  # mmap cannot map an empty file
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            reader = FileBytes(fh.fileno()) if by_position else None
    except OSError as exc:
        raise IndexFormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) != expected.get("size"):
        raise IndexFormatError(f"{path}: corrupt (size differs from the manifest)")
    if verify:
        _check_sha256(path, data, expected)
    if reader is None:
        return data
    if isinstance(data, mmap.mmap):
        data.close()
    return reader


class FileBytes:
    """A file read by position (``os.pread``), sliced like bytes: how a loaded index reads
    its compressed texts. A mapping would do, but the kernel maps a whole large folio of
    the page cache on each fault (up to hundreds of kB on ext4), so a few thousand paragraph
    reads would put most of the texts in the process's resident set; read by position they
    stay in the page cache only. The descriptor keeps an unlinked file readable, as a
    mapping does, and is closed with the object."""

    def __init__(self, fileno: int) -> None:
        fd = os.dup(fileno)  # (close-on-exec, as Python makes every descriptor)
        self._fd, self._size = fd, os.fstat(fd).st_size
        weakref.finalize(self, os.close, fd)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, part: slice) -> bytes:
        start, stop, step = part.indices(self._size)
        if step != 1:
            raise ValueError("FileBytes reads contiguous ranges only")
        out = os.pread(self._fd, max(stop - start, 0), start)
        if len(out) != max(stop - start, 0):
            raise ValueError(f"file shrank under the index ({len(out)} of {stop - start} "
                             "bytes read)")
        return out


Blob = TextBlob | FileBytes  # a file of a loaded index: mapped, or read by position


def _check_sha256(path: Path, data: TextBlob, expected: dict[str, Any]) -> None:
    if isinstance(data, mmap.mmap):
        data.madvise(mmap.MADV_SEQUENTIAL)  # hashing reads it front to back once
    if hashlib.sha256(data).hexdigest() != expected.get("sha256"):
        raise IndexFormatError(f"{path}: corrupt (checksum differs from the manifest)")
    if isinstance(data, mmap.mmap):
        data.madvise(mmap.MADV_NORMAL)  # from now on random access: paragraphs, postings
        # The hash touched every page: let them go from this mapping (they stay in the
        # page cache), so the process holds only the pages its queries touch, as after a
        # fast start, instead of the whole index.
        data.madvise(mmap.MADV_DONTNEED)


def verify_index(index: ArchiveIndex, *, map_files: FileMap = map) -> bool:
    """Check the SHA-256 of every file of a fast-loaded index; raise
    :class:`IndexFormatError` naming the first corrupt one. False when there is nothing to
    check (built in memory, already verified, or its generation replaced meanwhile)."""
    saved = index.saved
    if saved is None or saved.verified or not saved.folder.is_dir():
        return False

    def check(name: str) -> Blob:
        return _map(saved.folder / name, saved.checks[name], verify=True)

    for _ in map_files(check, sorted(saved.checks)):
        pass
    index.saved = dataclasses.replace(saved, verified=True)
    return True


_TEXTS = "texts.zst"  # read by position, not mapped (see FileBytes)
_FILES = (*(f"{a}.npy" for a in ARRAYS), _TEXTS, "texts.dict", "vocab_long.json",
          "docs.jsonl",
          "doc_ids.json", "doc_sources.json", "files.json", "extras.json")


def load_index(folder: Path, *, map_files: FileMap = map,
               verify: bool = True) -> ArchiveIndex | None:
    """Load the current generation; None when there is none.

    Files are memory-mapped; their sizes and the arrays' shapes are always checked, and with
    ``verify`` their checksums, computed by ``map_files`` (serial by default; hashlib
    releases the GIL, so the runtime's thread map checks them in parallel). Without it the
    load reads only what the manifest, vocabulary and document table need, and
    :func:`verify_index` checks the rest later. The arrays and the text blob of the returned
    index are views of those mappings (read-only).
    """
    gen = current_generation(folder)
    if gen is None:
        return None
    manifest = read_manifest(gen)
    checks = manifest.get("files")
    if not isinstance(checks, dict):
        raise IndexFormatError(f"{gen}: manifest lists no files")
    for name in _FILES:
        if name not in checks:
            raise IndexFormatError(f"{gen}: manifest does not list {name}")
    mapped = map_files(lambda name: _map(gen / name, checks[name], verify,
                                         by_position=name == _TEXTS), _FILES)
    blobs = dict(zip(_FILES, mapped, strict=True))
    texts = blobs.pop(_TEXTS)
    try:
        index = _decode(manifest, {n: b for n, b in blobs.items()
                                   if not isinstance(b, FileBytes)}, texts)
        index.saved = SavedFiles(gen, {n: checks[n] for n in _FILES}, verified=verify)
        return index
    except QuotationTableError as exc:
        raise IndexFormatError(f"{gen}: inconsistent quotations ({exc})") from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise IndexFormatError(f"{gen}: inconsistent index ({exc})") from exc
    except RecursionError as exc:
        raise IndexFormatError(f"{gen}: inconsistent index (nested too deeply)") from exc


def _decode(manifest: dict[str, Any], blobs: dict[str, TextBlob], texts: Blob) -> ArchiveIndex:
    arrays = {name: npy_view(blobs[f"{name}.npy"]) for name in ARRAYS}
    long_terms = json.loads(bytes(blobs["vocab_long.json"]))
    if not isinstance(long_terms, list) or not all(isinstance(t, str) for t in long_terms):
        raise ValueError("vocab_long.json is not a list of terms")
    vocab = Vocabulary(arrays["vocab"], long_terms)
    ids = json.loads(bytes(blobs["doc_ids.json"]))
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError("doc_ids.json is not a list of ids")
    sources = json.loads(bytes(blobs["doc_sources.json"]))
    if not isinstance(sources, list) or not all(s is None or isinstance(s, str)
                                                for s in sources):
        raise ValueError("doc_sources.json is not a list of sources")
    docs = DocTable(blob=blobs["docs.jsonl"], offsets=arrays["doc_offsets"], ids=ids,
                    dates=arrays["doc_dates"], sources=sources)
    files = [
        FileEntry(
            path=f["path"], sha256=f["sha256"], size=f["size"], mtime_ns=f["mtime_ns"],
            docs=tuple(f["docs"]), skipped=tuple(Skipped(**s) for s in f["skipped"]),
            notes=tuple(str(n) for n in f.get("notes", ())),
        )
        for f in json.loads(bytes(blobs["files.json"]))
    ]
    n_par, n_terms = len(arrays["para_doc"]), len(vocab)
    postings = postings_of(arrays, n_par, n_terms)
    documents = arrays["quotations.document"]
    if len(documents) and (int(documents.min()) < 0 or int(documents.max()) >= len(docs)):
        raise ValueError("a quotation names an article the index does not hold")
    counts = manifest["counts"]
    if (counts["paragraphs"], counts["documents"], counts["terms"]) != (
        n_par, len(docs), n_terms
    ) or len(arrays["text_offsets"]) != n_par + 1 or len(arrays["post_peak"]) != n_terms \
            or str(arrays["post_peak"].dtype) != "float64":
        raise ValueError("array sizes disagree with the manifest counts")
    return ArchiveIndex(
        docs=docs,
        para_doc=arrays["para_doc"],
        para_num=arrays["para_num"],
        text_blob=BlockTexts(texts, arrays["text_blocks"], arrays["text_offsets"],
                             bytes(blobs["texts.dict"])),
        text_offsets=arrays["text_offsets"],
        vocab=vocab,
        postings=postings,
        doc_len=arrays["doc_len"],
        files=files,
        params=manifest["params"],
        fingerprint=manifest["fingerprint"],
        built_at=manifest["built_at"],
        build_seconds=float(manifest["build_seconds"]),
        extras=json.loads(bytes(blobs["extras.json"])),
        term_peaks=arrays["post_peak"],
        quotations=QuotationTable.from_arrays(
            {c: arrays[f"quotations.{c}"] for c in QUOTATION_COLUMNS}),
    )

"""Writing a generation's files: arrays as .npy, texts as zstd blocks, JSON members, each
hashed as it is written (see :mod:`bot.core.storage`, which saves and loads generations)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.index import ArchiveIndex, TextBlob
from bot.core.postings import Postings
from bot.core.texts import BlockTexts, Compressed, train


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


class HashingWriter:
    """Writes to a file while hashing and counting the bytes. ``np.lib.format.write_array``
    writes to such a non-file object in 16 MB chunks, so no array is copied whole."""

    def __init__(self, fh: io.BufferedWriter) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sha.update(view)
        self.size += len(view)
        return self.fh.write(view)


def write_hashed(path: Path, array: np.ndarray[Any, Any] | None = None,
                  data: TextBlob = b"", chunks: Iterable[bytes] = ()) -> dict[str, Any]:
    """Write ``array`` as .npy (else the raw ``data``, then ``chunks``) and fsync; return
    size and SHA-256."""
    with path.open("wb") as fh:
        out = HashingWriter(fh)
        if array is not None:
            # The same bytes np.save writes, without building them in memory first.
            np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)
        else:
            out.write(data)
            for chunk in chunks:
                out.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return {"size": out.size, "sha256": out.sha.hexdigest()}


def write_texts(index: ArchiveIndex, tmp: Path) -> tuple[dict[str, dict[str, Any]],
                                                         np.ndarray[Any, Any]]:
    """texts.zst and texts.dict (see :mod:`bot.core.texts`), and the block offsets: a
    loaded index's blocks are copied as they are, a built one's compressed."""
    checks: dict[str, dict[str, Any]] = {}
    texts = index.text_blob
    if isinstance(texts, BlockTexts):
        checks["texts.zst"] = write_hashed(tmp / "texts.zst", chunks=texts.chunks())
        dictionary, blocks = texts.dictionary, texts.blocks
    else:
        dictionary = train(texts, index.text_offsets)
        compressed = Compressed(texts, index.text_offsets, dictionary)
        checks["texts.zst"] = write_hashed(tmp / "texts.zst", chunks=compressed.blocks())
        blocks = compressed.block_offsets()
    checks["texts.dict"] = write_hashed(tmp / "texts.dict", data=dictionary)
    return checks, blocks


def array_members(index: ArchiveIndex, doc_lines: bytes,
            text_blocks: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
    return {
        "text_blocks": text_blocks,
        "vocab": index.vocab.short,
        "doc_offsets": index.docs.line_offsets(doc_lines),
        "doc_dates": index.docs.dates,
        "para_doc": index.para_doc,
        "para_num": index.para_num,
        "text_offsets": index.text_offsets,
        "doc_len": index.doc_len,
        "post_indptr": index.postings.indptr,
        "post_docs": index.postings.docs,
        "post_tf": index.postings.tf,
        "post_peak": index.peaks(),
        **{f"quotations.{c}": a for c, a in index.quotations.arrays().items()},
    }


def json_members(index: ArchiveIndex) -> dict[str, bytes]:
    """The JSON members of a generation (small next to the arrays)."""
    files: dict[str, bytes] = {}
    files["vocab_long.json"] = index.vocab.long_json()
    files["doc_ids.json"] = json.dumps(index.docs.ids, ensure_ascii=False).encode()
    files["doc_sources.json"] = json.dumps(index.docs.sources, ensure_ascii=False).encode()
    files["files.json"] = json.dumps(
        [
            {**dataclasses.asdict(f), "docs": list(f.docs),
             "skipped": [dataclasses.asdict(s) for s in f.skipped], "notes": list(f.notes)}
            for f in index.files
        ],
        ensure_ascii=False,
    ).encode()
    files["extras.json"] = json.dumps(index.extras, ensure_ascii=False).encode()
    return files


def npy_view(data: TextBlob) -> np.ndarray[Any, Any]:
    """A read-only array over a verified .npy buffer, without copying the data."""
    header = io.BytesIO(data[: 65536 + 16])  # the largest possible v1 header, plus magic
    version = np.lib.format.read_magic(header)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
    if fortran or dtype.hasobject:
        raise ValueError("unexpected array layout")
    count = math.prod(shape)
    return np.frombuffer(data, dtype=dtype, count=count, offset=header.tell()).reshape(shape)


def postings_of(arrays: dict[str, np.ndarray[Any, Any]], n_par: int, n_terms: int) -> Postings:
    """The postings arrays, their types and shapes checked (O(terms), not O(postings))."""
    indptr, docs, tf = arrays["post_indptr"], arrays["post_docs"], arrays["post_tf"]
    if (indptr.dtype != np.int64 or docs.dtype != np.int32
            or tf.dtype not in (np.uint8, np.uint16)
            or indptr.ndim != 1 or docs.ndim != 1 or tf.ndim != 1):
        raise ValueError("postings arrays of the wrong type")
    if len(indptr) != n_terms + 1 or len(docs) != len(tf) or (
        n_terms and (int(indptr[0]) != 0 or int(indptr[-1]) != len(docs))
    ) or bool((np.diff(indptr) < 0).any()):
        raise ValueError("postings offsets disagree with the arrays")
    if len(arrays["doc_len"]) != n_par:
        raise ValueError("paragraph lengths disagree with the paragraphs")
    return Postings(indptr, docs, tf, n_par)

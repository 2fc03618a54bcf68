"""Proposed engine changes, as drop-in replacements applied by monkeypatching (EXPERIMENT ONLY).

Nothing here is used by the bot. ``python -m bench engine --paragraphs 1M --variant proposed``
runs the same measurements with these patches applied in the child processes (index folder
``bench/out/index-<N>-proposed``), and ``python -m bench engine --paragraphs 100k --check``
builds both variants and verifies that every saved index file is byte-identical (same
SHA-256 in both manifests), i.e. the changes are pure speed/memory fixes.

Each function below is written so it can be pasted over its counterpart in ``bot/``:

* ``normalize``              -> bot/core/tokenize.py (ASCII fast path, no dict-based translate)
* ``Tokenizer.__call__``     -> bot/core/tokenize.py (map over the stem cache, no Python loop)
* ``normalize_space``        -> bot/core/cleaning.py (only match whitespace that must change)
* ``build_index`` / ``assemble_index`` / ``tf_matrix_flat``
                             -> bot/core/index.py, bot/core/bm25.py (flat int32 token ids and
                                one growing text buffer instead of 1M small arrays/bytes)
* ``bm25_matrix``            -> bot/core/bm25.py (transpose the int32 tf first, compute the
                                float64 values term-major in bounded chunks)
* ``save_index``             -> bot/core/storage.py (stream each array to disk while hashing;
                                no full in-memory copy of the payload)
* ``load_index``             -> bot/core/storage.py (mmap + SHA-256 in two threads + zero-copy
                                ``np.frombuffer``)
* ``build`` / ``_parsed`` / ``IndexBuilder``
                             -> bot/core/library.py, bot/core/index.py (index each file's
                                analysis as it arrives and drop it; keep workers' terms as
                                joined strings instead of 37M separate str objects)
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import mmap
import os
import re
import secrets
import shutil
import time
import unicodedata
from array import array
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.config import BM25Settings
from bot.core import bm25 as bm25_mod
from bot.core import cleaning, ingest, library, storage
from bot.core import index as index_mod
from bot.core import tokenize as tokenize_mod
from bot.core.errors import IndexFormatError
from bot.core.index import ArchiveIndex, DocMeta, FileEntry, ParsedFile, Progress
from bot.core.models import Skipped
from bot.core.tokenize import _CACHE_LIMIT, _WORD, Tokenizer

# ------------------------------------------------------------------------- tokenize.py
# str.translate with a dict table runs a dict lookup per character for any non-ASCII string
# (~17 us per 400-character paragraph); two regex substitutions do the same mapping in ~2 us.
_SINGLE = re.compile("[\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4]")
_DOUBLE = re.compile("[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]")


def normalize(text: str) -> str:
    """NFKC, typographic quotes to ASCII, case-folded (same output as before)."""
    if text.isascii():  # NFKC is the identity and casefold is lower() on ASCII
        return (text.replace("`", "'") if "`" in text else text).lower()
    text = unicodedata.normalize("NFKC", text)
    return _DOUBLE.sub('"', _SINGLE.sub("'", text)).casefold()


def tokenizer_call(self: Tokenizer, text: str) -> list[str]:
    """Tokenizer.__call__: the cache maps word -> term (None for a stop word)."""
    words = _WORD.findall(normalize(text))
    cache = self._cache
    try:
        terms = list(map(cache.__getitem__, words))
    except KeyError:  # some word seen for the first time
        term_of = getattr(self, "term", None) or self._term  # renamed upstream
        for word in words:
            if word not in cache:
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                cache[word] = term_of(word)
        terms = [cache[w] if w in cache else term_of(w) for w in words]
    return list(filter(None, terms))  # terms are never empty strings


# ------------------------------------------------------------------------- cleaning.py
# Only whitespace that must change: runs of two or more, or a single non-space character.
_HSPACE_CHANGE = re.compile(
    r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}"
    r"|[\t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)


def normalize_space(text: str) -> str:
    """Strip and collapse runs of horizontal whitespace to one space (same output)."""
    return _HSPACE_CHANGE.sub(" ", text).strip()


# ------------------------------------------------------------------------- bm25.py
def tf_matrix_flat(
    cols: npt.NDArray[np.int32], lengths: npt.NDArray[np.int64], vocab_size: int
) -> sparse.csr_matrix:
    """Paragraph-by-term counts from all term ids in one flat array plus per-paragraph
    lengths (no per-paragraph arrays, no concatenate copy)."""
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    data = np.ones(len(cols), dtype=np.int32)
    matrix = sparse.csr_matrix((data, cols, indptr), shape=(len(lengths), vocab_size))
    matrix.sum_duplicates()
    return matrix


CHUNK = 1 << 22  # 4M entries: 32 MB float64 temporaries


def bm25_matrix(
    tf: sparse.csr_matrix, doc_len: npt.NDArray[np.int64], params: BM25Settings
) -> sparse.csr_matrix:
    """Term-by-paragraph BM25 contributions; bit-identical values to the current version,
    but the int32 counts are transposed (not the float64 scores) and the arithmetic runs in
    bounded chunks written straight into the output."""
    n_docs, vocab = tf.shape
    df = np.bincount(tf.indices, minlength=vocab).astype(np.int64)
    idf = bm25_mod.idf_vector(df, n_docs, params.epsilon)
    avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
    k1, b = params.k1, params.b
    norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl) if avgdl else np.full(
        n_docs, k1 * (1 - b)
    )
    counts: sparse.csr_matrix = tf.T.tocsr()  # term-major int32 counts, paragraph columns
    counts.sort_indices()
    nnz, indptr = counts.nnz, counts.indptr
    values = np.empty(nnz, dtype=np.float64)
    for lo in range(0, nnz, CHUNK):
        hi = min(nnz, lo + CHUNK)
        # idf of each entry in [lo, hi): repeat the idf of the terms whose rows overlap it.
        t0 = int(np.searchsorted(indptr, lo, side="right")) - 1
        t1 = int(np.searchsorted(indptr, hi, side="left"))
        bounds = np.clip(indptr[t0 : t1 + 1], lo, hi)
        idf_chunk = np.repeat(idf[t0:t1], np.diff(bounds))
        q = counts.data[lo:hi].astype(np.float64)
        denom = q + norm[counts.indices[lo:hi]]
        q *= k1 + 1
        q /= denom
        np.multiply(idf_chunk, q, out=values[lo:hi])
    out = sparse.csr_matrix((values, counts.indices, counts.indptr), shape=(vocab, n_docs))
    out.has_sorted_indices = True
    return out


# ------------------------------------------------------------------------- index.py
def build_index(
    parsed: Sequence[ParsedFile],
    tokenizer: Tokenizer,
    params: BM25Settings,
    *,
    metadata_sha256: str | None = None,
    progress: Progress | None = None,
) -> ArchiveIndex:
    """Same result as before; token ids go into one flat int32 array, texts into one buffer."""
    started = time.perf_counter()
    docs: list[DocMeta] = []
    blob = bytearray()
    offsets = array("q", [0])
    flat = array("i")
    lengths = array("q")
    para_doc = array("i")
    para_num = array("i")
    vocab: dict[str, int] = {}
    lookup = vocab.__getitem__
    total = sum(len(a.paragraphs) for p in parsed for a in p.articles)
    done = 0
    for pf in parsed:
        reused = iter(pf.terms) if pf.terms is not None else None
        for article in pf.articles:
            doc_index = len(docs)
            n = len(article.paragraphs)
            docs.append(
                DocMeta(
                    article.doc_id, article.title, article.date, article.source,
                    article.author, article.url, article.path, len(lengths), n,
                )
            )
            for text in article.paragraphs:
                blob += text.encode("utf-8")
                offsets.append(len(blob))
                tokens = next(reused) if reused is not None else tokenizer(text)
                before = len(flat)
                try:
                    flat.extend(map(lookup, tokens))
                except KeyError:  # a new term: drop the partial extend, assign ids in order
                    del flat[before:]
                    flat.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
                lengths.append(len(tokens))
            para_doc.extend([doc_index] * n)
            para_num.extend(range(1, n + 1))
            done += n
            if progress is not None:
                progress("index", done, total)
    return assemble_index(
        docs=docs, blob=blob, offsets=offsets, flat=flat, lengths=lengths,
        para_doc=para_doc, para_num=para_num, vocab=list(vocab),
        files=[pf.entry for pf in parsed], tokenizer=tokenizer, params=params,
        metadata_sha256=metadata_sha256, started=started,
    )


def assemble_index(
    *,
    docs: list[DocMeta],
    blob: bytearray,
    offsets: array[int],
    flat: array[int],
    lengths: array[int],
    para_doc: array[int],
    para_num: array[int],
    vocab: list[str],
    files: list[FileEntry],
    tokenizer: Tokenizer,
    params: BM25Settings,
    metadata_sha256: str | None,
    started: float,
) -> ArchiveIndex:
    doc_len = np.frombuffer(lengths, dtype=np.int64).copy()
    tf = tf_matrix_flat(np.frombuffer(flat, dtype=np.int32), doc_len, len(vocab))
    del flat
    tf, vocab = index_mod._drop_unused_terms(tf, vocab)
    scores = bm25_matrix(tf, doc_len, params)
    index = ArchiveIndex(
        docs=docs,
        para_doc=np.frombuffer(para_doc, dtype=np.int32).copy(),
        para_num=np.frombuffer(para_num, dtype=np.int32).copy(),
        text_blob=blob,  # a bytearray: slicing and .decode() work the same
        text_offsets=np.frombuffer(offsets, dtype=np.int64).copy(),
        vocab=vocab,
        tf=tf,
        doc_len=doc_len,
        scores=scores,
        files=files,
        params=index_mod.index_params(tokenizer, params),
        fingerprint=index_mod.fingerprint(files, metadata_sha256),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=time.perf_counter() - started,
    )
    return index


# ------------------------------------------------------------------------- storage.py
class _HashingFile:
    """File wrapper that hashes and counts what is written (np.lib.format writes in 16 MB
    chunks to non-file objects, so no array is ever copied whole)."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sha.update(view)
        self.size += len(view)
        return int(self.fh.write(view))


def _write_stream(path: Path, arr: np.ndarray[Any, Any] | None, data: Any = None,
                  ) -> dict[str, Any]:
    with path.open("wb") as fh:
        out = _HashingFile(fh)
        if arr is not None:
            np.lib.format.write_array(out, np.ascontiguousarray(arr), allow_pickle=False)
        else:
            out.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return {"size": out.size, "sha256": out.sha.hexdigest()}


def save_index(index: ArchiveIndex, folder: Path) -> Path:
    """storage.save_index, writing one file at a time without building the payload dict."""
    with storage._locked(folder):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"gen-{stamp}-{secrets.token_hex(3)}"
        tmp = folder / f".tmp-{name}"
        tmp.mkdir()
        try:
            arrays = {
                "para_doc": index.para_doc, "para_num": index.para_num,
                "text_offsets": index.text_offsets, "doc_len": index.doc_len,
                "tf_indptr": index.tf.indptr, "tf_indices": index.tf.indices,
                "tf_data": index.tf.data, "sc_indptr": index.scores.indptr,
                "sc_indices": index.scores.indices, "sc_data": index.scores.data,
            }
            checks: dict[str, dict[str, Any]] = {}
            for key, arr in arrays.items():
                checks[f"{key}.npy"] = _write_stream(tmp / f"{key}.npy", arr)
            checks["texts.bin"] = _write_stream(tmp / "texts.bin", None, index.text_blob)
            # The JSON files are small next to the arrays: reuse the current encoder.
            for filename, data in _json_payload(index).items():
                checks[filename] = _write_stream(tmp / filename, None, data)
            manifest = {
                "format": storage.FORMAT, "version": storage.VERSION, "params": index.params,
                "fingerprint": index.fingerprint, "built_at": index.built_at,
                "build_seconds": round(index.build_seconds, 3),
                "counts": {
                    "documents": len(index.docs), "paragraphs": index.n_paragraphs,
                    "terms": len(index.vocab), "files": len(index.files),
                    "skipped": len(index.skipped),
                },
                "files": checks,
            }
            storage._write(tmp / "manifest.json", json.dumps(manifest, indent=2).encode())
            os.replace(tmp, folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        pointer_tmp = folder / f".{storage.POINTER}.{name}"
        storage._write(pointer_tmp, name.encode())
        os.replace(pointer_tmp, folder / storage.POINTER)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        storage._remove_stale(folder, keep=name)
        return folder / name


def _json_payload(index: ArchiveIndex) -> dict[str, bytes]:
    """The JSON members of storage._payload (unchanged encoding)."""
    return {
        "vocab.json": json.dumps(index.vocab, ensure_ascii=False).encode(),
        "docs.json": json.dumps(
            [dataclasses.asdict(d) for d in index.docs], ensure_ascii=False
        ).encode(),
        "files.json": json.dumps(
            [
                {**dataclasses.asdict(f), "docs": list(f.docs),
                 "skipped": [dataclasses.asdict(x) for x in f.skipped]}
                for f in index.files
            ],
            ensure_ascii=False,
        ).encode(),
        "extras.json": json.dumps(index.extras, ensure_ascii=False).encode(),
    }


def _map_verified(path: Path, expected: dict[str, Any]) -> mmap.mmap | bytes:
    """Memory-map a file and check its size and SHA-256 (hashlib releases the GIL, so two
    threads hash two files at once). Slicing an mmap gives bytes, like the old bytes blob."""
    try:
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                data: mmap.mmap | bytes = b""
            else:
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                data.madvise(mmap.MADV_SEQUENTIAL)
    except OSError as exc:
        raise IndexFormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) != expected.get("size") or hashlib.sha256(data).hexdigest() != expected.get(
        "sha256"
    ):
        raise IndexFormatError(f"{path}: corrupt (size or checksum differs from the manifest)")
    return data


def _npy_view(data: mmap.mmap | bytes) -> np.ndarray[Any, Any]:
    """Zero-copy array over a verified .npy buffer (read-only)."""
    buf = io.BytesIO(data[:4096])
    version = np.lib.format.read_magic(buf)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf)
    if fortran or dtype.hasobject:
        raise ValueError("unexpected array layout")
    count = int(np.prod(shape)) if shape else 1
    return np.frombuffer(data, dtype=dtype, count=count, offset=buf.tell()).reshape(shape)


def load_index(folder: Path) -> ArchiveIndex | None:
    """storage.load_index with mmap'd files hashed in two threads and zero-copy arrays."""
    gen = storage.current_generation(folder)
    if gen is None:
        return None
    manifest = storage.read_manifest(gen)
    checks = manifest.get("files")
    if not isinstance(checks, dict):
        raise IndexFormatError(f"{gen}: manifest lists no files")
    names = [*(f"{a}.npy" for a in storage.ARRAYS), "texts.bin", "vocab.json", "docs.json",
             "files.json", "extras.json"]
    for name in names:
        if name not in checks:
            raise IndexFormatError(f"{gen}: manifest does not list {name}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        views = dict(zip(names, pool.map(
            lambda n: _map_verified(gen / n, checks[n]), names), strict=True))
    try:
        return _decode(manifest, views)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexFormatError(f"{gen}: inconsistent index ({exc})") from exc


def _decode(manifest: dict[str, Any], blobs: dict[str, Any]) -> ArchiveIndex:
    """storage._decode with ``_npy_view`` instead of ``np.load(io.BytesIO(...))``."""
    arrays = {name: _npy_view(blobs[f"{name}.npy"]) for name in storage.ARRAYS}
    vocab = json.loads(bytes(blobs["vocab.json"]))
    docs = [DocMeta(**d) for d in json.loads(bytes(blobs["docs.json"]))]
    files = [
        FileEntry(
            path=f["path"], sha256=f["sha256"], size=f["size"], mtime_ns=f["mtime_ns"],
            docs=tuple(f["docs"]), skipped=tuple(Skipped(**x) for x in f["skipped"]),
        )
        for f in json.loads(bytes(blobs["files.json"]))
    ]
    n_par, n_terms = len(arrays["para_doc"]), len(vocab)
    tf = sparse.csr_matrix(
        (arrays["tf_data"], arrays["tf_indices"], arrays["tf_indptr"]), shape=(n_par, n_terms)
    )
    scores = sparse.csr_matrix(
        (arrays["sc_data"], arrays["sc_indices"], arrays["sc_indptr"]), shape=(n_terms, n_par)
    )
    tf.check_format(full_check=False)
    scores.check_format(full_check=False)
    counts = manifest["counts"]
    if (counts["paragraphs"], counts["documents"], counts["terms"]) != (
        n_par, len(docs), n_terms
    ) or len(arrays["text_offsets"]) != n_par + 1:
        raise ValueError("array sizes disagree with the manifest counts")
    return ArchiveIndex(
        docs=docs, para_doc=arrays["para_doc"], para_num=arrays["para_num"],
        text_blob=blobs["texts.bin"], text_offsets=arrays["text_offsets"], vocab=vocab,
        tf=tf, doc_len=arrays["doc_len"], scores=scores, files=files,
        params=manifest["params"], fingerprint=manifest["fingerprint"],
        built_at=manifest["built_at"], build_seconds=float(manifest["build_seconds"]),
        extras=json.loads(bytes(blobs["extras.json"])),
    )


# ------------------------------------------------------------------------- library.py
class IndexBuilder:
    """Incremental build_index: files are added one at a time, in archive order, and nothing
    of a file is kept once added except its text bytes, term ids and citation fields."""

    def __init__(self, tokenizer: Tokenizer, params: BM25Settings) -> None:
        self.tokenizer, self.params = tokenizer, params
        self.started = time.perf_counter()
        self.docs: list[DocMeta] = []
        self.files: list[FileEntry] = []
        self.quotes: list[list[Any]] = []
        self.blob = bytearray()
        self.offsets = array("q", [0])
        self.flat = array("i")
        self.lengths = array("q")
        self.para_doc = array("i")
        self.para_num = array("i")
        self.vocab: dict[str, int] = {}

    def add(self, pf: ParsedFile) -> None:
        vocab, flat, lengths, blob, offsets = (
            self.vocab, self.flat, self.lengths, self.blob, self.offsets)
        lookup = vocab.__getitem__
        self.files.append(pf.entry)
        reused = iter(pf.terms) if pf.terms is not None else None
        rows_of = pf.quotes if pf.quotes else ((),) * len(pf.articles)
        for article, rows in zip(pf.articles, rows_of, strict=True):
            doc_index, first, n = len(self.docs), len(lengths), len(article.paragraphs)
            self.docs.append(DocMeta(article.doc_id, article.title, article.date,
                                     article.source, article.author, article.url,
                                     article.path, first, n))
            for text in article.paragraphs:
                blob += text.encode("utf-8")
                offsets.append(len(blob))
                tokens = next(reused) if reused is not None else self.tokenizer(text)
                if isinstance(tokens, str):  # a worker's space-joined terms
                    tokens = tokens.split()
                before = len(flat)
                try:
                    flat.extend(map(lookup, tokens))
                except KeyError:
                    del flat[before:]
                    flat.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
                lengths.append(len(tokens))
            self.para_doc.extend([doc_index] * n)
            self.para_num.extend(range(1, n + 1))
            self.quotes.extend([*row[:2], doc_index, first + row[3], *row[4:]] for row in rows)

    def finish(self, metadata_sha256: str | None) -> ArchiveIndex:
        _trim_heap()
        return assemble_index(
            docs=self.docs, blob=self.blob, offsets=self.offsets, flat=self.flat,
            lengths=self.lengths, para_doc=self.para_doc, para_num=self.para_num,
            vocab=list(self.vocab), files=self.files, tokenizer=self.tokenizer,
            params=self.params, metadata_sha256=metadata_sha256, started=self.started,
        )


def _trim_heap() -> None:
    """Give freed heap pages back to the OS (glibc ``malloc_trim``): after every file's
    articles were dropped, the holes they left would otherwise stay resident."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _parsed(entry: FileEntry, result: Any, overrides: dict[str, dict[str, str | None]],
            seen: set[str]) -> ParsedFile:
    """library._parsed, keeping each paragraph's terms as the worker's one joined string
    (``t.split()`` here made ~37M separate str objects at 1M paragraphs: ~2.5 GB)."""
    kept: list[Any] = []
    terms: list[str] = []
    quotes: list[Any] = []
    skips = list(result.skipped)
    first = 0
    for article, rows in zip(result.articles, result.quotes, strict=True):
        span = result.terms[first:first + len(article.paragraphs)]
        first += len(article.paragraphs)
        if article.doc_id in seen:
            skips.append(Skipped(entry.path, f"duplicate document id {article.doc_id!r}"))
            continue
        seen.add(article.doc_id)
        if article.doc_id in overrides:
            article = ingest.apply_metadata(article, overrides[article.doc_id])
        kept.append(article)
        terms.extend(span)
        quotes.append(rows)
    for skip in skips:
        library.log.warning("skipped %s", skip)
    return ParsedFile(
        FileEntry(entry.path, entry.sha256, entry.size, entry.mtime_ns,
                  tuple(a.doc_id for a in kept), tuple(skips)),
        tuple(kept), tuple(terms), tuple(quotes),
    )


def build(
    settings: Any,
    tokenizer: Tokenizer,
    previous: ArchiveIndex | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    reason: str | None = None,
) -> tuple[ArchiveIndex, Any]:
    """library.build, streaming: each file's analysis is indexed as soon as it arrives (in
    order) and then dropped, instead of holding every file's articles and terms at once."""
    started = time.perf_counter()
    scanned = library.scan(settings, previous)
    if previous is not None and (
        full
        or previous.params != index_mod.index_params(tokenizer, settings.bm25)
        or previous.extras.get("metadata_sha256") != scanned.metadata_sha256
    ):
        previous = None
    overrides = ingest.load_metadata(scanned.metadata) if scanned.metadata else {}
    old_files = {f.path: f for f in previous.files} if previous else {}
    old_quotes = library._old_quotes(previous) if previous is not None else {}
    total = len(scanned.files)
    reuse: dict[str, FileEntry] = {}
    if previous is not None:
        for _, entry in scanned.files:
            old = old_files.get(entry.path)
            if old is not None and old.sha256 == entry.sha256:
                reuse[entry.path] = old
    to_parse = [(path, entry) for path, entry in scanned.files if entry.path not in reuse]
    if progress is not None:
        progress("parse", 0, total)
    done = len(reuse)

    def parsed_one(n: int) -> None:
        if progress is not None:
            progress("parse", done + n, total)

    results = iter(zip(
        [e.path for _, e in to_parse],
        library.analyse_files([p for p, _ in to_parse], [e.size for _, e in to_parse],
                              settings.archive.path, settings.tokenizer, parsed_one),
        strict=True,
    ))
    builder = IndexBuilder(tokenizer, settings.bm25)
    seen: set[str] = set()
    added: list[str] = []
    changed: list[str] = []
    reused = 0
    for _, entry in scanned.files:
        old = reuse.get(entry.path)
        if previous is not None and old is not None and not (seen & set(old.docs)):
            pf = library._reuse(previous, entry, old, old_quotes)
            seen.update(pf.entry.docs)
            reused += 1
        else:
            if entry.path in reuse:  # unchanged, but its ids now clash: parse it after all
                result = library.analyse_file(settings.archive.path / entry.path,
                                              settings.archive.path, settings.tokenizer)
            else:
                path, result = next(results)
                assert path == entry.path
            pf = _parsed(entry, result, overrides, seen)
            del result
            (changed if entry.path in old_files else added).append(entry.path)
        builder.add(pf)
        del pf
    # Resume the analysis generator past its last result so its worker pool shuts down now
    # (zip(strict=True) checks the lengths), not when ``results`` is garbage collected.
    assert next(results, None) is None
    del results
    removed = sorted(set(old_files) - {e.path for _, e in scanned.files})
    index = builder.finish(scanned.metadata_sha256)
    index.extras["quotes"] = builder.quotes
    index.extras["metadata_sha256"] = scanned.metadata_sha256
    report = library.BuildReport(
        action="rebuilt" if reason else "built", reason=reason,
        documents=len(index.docs), paragraphs=index.n_paragraphs, files=total,
        skipped=tuple(index.skipped), added=tuple(added), changed=tuple(changed),
        removed=tuple(removed), reused=reused, seconds=time.perf_counter() - started,
    )
    return index, report


# ------------------------------------------------------------------------- wiring
def apply() -> None:
    """Monkeypatch the proposals into the running process (experiments only)."""
    tokenize_mod.normalize = normalize
    Tokenizer.__call__ = tokenizer_call  # type: ignore[method-assign]
    cleaning.normalize_space = normalize_space
    ingest.normalize_space = normalize_space
    bm25_mod.bm25_matrix = bm25_matrix
    index_mod.bm25_matrix = bm25_matrix
    index_mod.build_index = build_index
    index_mod.assemble_index = assemble_index
    library.build_index = build_index
    storage.save_index = save_index
    library.save_index = save_index
    storage.load_index = load_index
    library.load_index = load_index
    if hasattr(library, "analyse_files"):  # the per-file worker pipeline: stream it
        library.build = build
        from bot.core import analyse

        analyse.ProcessPoolExecutor = _PatchedPool  # type: ignore[misc]


class _PatchedPool(ProcessPoolExecutor):
    """Worker pool whose (spawned) workers apply the same patches at start-up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initializer", apply)
        super().__init__(*args, **kwargs)

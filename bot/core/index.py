"""The paragraph index: one BM25 document per body paragraph, plus what citations need.

An :class:`ArchiveIndex` is immutable once built: arrays for paragraphs (owning article,
1-based number, text offsets, token counts), the vocabulary and the term-major postings with
exact term frequencies (:class:`~bot.core.postings.Postings`), which queries score from.
Readers on any thread can share it; a reindex builds a new one and swaps the reference.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import mmap
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.config import BM25Settings
from bot.core.bm25 import bm25_matrix
from bot.core.doctable import DocMeta, DocTable
from bot.core.fileterms import FileTerms

__all__ = ["ArchiveIndex", "DocMeta", "FileEntry", "IndexBuilder", "ParsedFile", "SavedFiles",
           "build_index", "fingerprint", "index_params", "paragraph_terms"]
from bot.core.models import Article, Skipped
from bot.core.postings import Postings, PostingsScorer
from bot.core.quotations import EMPTY as EMPTY_QUOTATIONS
from bot.core.quotations import Quotation, QuotationTable
from bot.core.texts import BlockTexts, BlockWriter
from bot.core.tokenize import Tokenizer
from bot.core.vocab import Vocabulary

if TYPE_CHECKING:  # scipy (0.2 s to import) is imported where a matrix is built
    from scipy import sparse

log = logging.getLogger(__name__)

# progress(stage, done, total): stage is "scan", "parse", "index" or "save".
Progress = Callable[[str, int, int], None]
# All paragraph texts, UTF-8, back to back: bytes when built, a read-only memory map when
# loaded from disk (slicing either gives bytes).
TextBlob = bytes | bytearray | mmap.mmap


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One archive file as last indexed: its content hash decides reuse on reindex."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    docs: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()  # what reading it assumed ("not UTF-8: cp1252 assumed …")


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One file's articles, ready to index. ``terms``, when given, holds each paragraph's
    tokens, so they are not tokenized again: a worker's term ids local to the file
    (:class:`~bot.core.fileterms.FileTerms`, cheap to pickle and to merge), or a previous
    index's bag of terms per paragraph for an unchanged file. ``quotations``: the file's
    quotations, each ``document`` the article's position in this file (a worker sends them
    as a table: a few arrays unpickle in microseconds, a record per quotation did not)."""

    entry: FileEntry
    articles: tuple[Article, ...]
    terms: FileTerms | tuple[Sequence[str], ...] | None = None
    quotations: QuotationTable | tuple[Quotation, ...] = ()
    split: int = 0  # over-long paragraphs split at the cap
    reused: bool = False  # taken from the previous index, not parsed
    # A large jsonl file is read in parts (bot.core.ingest.parts), each its own ParsedFile in
    # file order: ``part`` > 0 continues the file of the part before (one entry for the
    # file); ``lines`` gives each article's line (the duplicate-id rule reports it).
    part: int = 0
    lines: tuple[int, ...] = ()


def fingerprint(files: Iterable[FileEntry], metadata_sha256: str | None) -> str:
    """Content fingerprint of an archive: every file's path and hash, and the metadata file."""
    h = hashlib.sha256()
    for entry in sorted(files, key=lambda f: f.path):
        h.update(f"{entry.path}\0{entry.sha256}\n".encode())
    h.update(f"metadata\0{metadata_sha256 or '-'}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class SavedFiles:
    """Where a loaded index's files are and the size and SHA-256 the manifest gives each:
    what :func:`bot.core.storage.verify_index` checks after a fast start."""

    folder: Path
    checks: dict[str, dict[str, Any]]
    verified: bool


@dataclass(eq=False)
class ArchiveIndex:
    docs: DocTable
    para_doc: npt.NDArray[np.int32]
    para_num: npt.NDArray[np.int32]
    text_blob: TextBlob | BlockTexts  # a buffer when built, zstd blocks when loaded
    text_offsets: npt.NDArray[np.int64]
    vocab: Vocabulary
    postings: Postings
    doc_len: npt.NDArray[np.int64]
    files: list[FileEntry]
    params: dict[str, Any]
    fingerprint: str
    built_at: str
    build_seconds: float
    extras: dict[str, Any] = field(default_factory=dict)
    # Every article's quotations, ``document`` the article's position in ``docs``.
    quotations: QuotationTable = EMPTY_QUOTATIONS
    saved: SavedFiles | None = None  # set when loaded from disk
    # Per term, its largest BM25 factor with this index's own statistics and parameters
    # (:meth:`PostingsScorer.peaks`): saved with the index; computed on first use if not.
    term_peaks: npt.NDArray[np.float64] | None = None

    @property
    def term_lookup(self) -> dict[str, int]:
        """term -> id as a dictionary (built on first use; :meth:`term_ids` does not)."""
        return self.vocab.lookup

    @property
    def doc_lookup(self) -> dict[str, int]:
        """doc_id -> position in :attr:`docs` (built on first use)."""
        return self.docs.lookup

    @property
    def n_paragraphs(self) -> int:
        return len(self.para_doc)

    @cached_property
    def tf(self) -> sparse.csr_matrix:
        """The paragraph-by-term count matrix, built from the postings on first use (the
        reference engine and incremental reindexing need it; queries do not)."""
        return self.postings.paragraph_major()

    @cached_property
    def scores(self) -> sparse.csr_matrix:
        """The term-by-paragraph BM25 contribution matrix (float64), computed on first use
        from the exact counts, bit-identical to what queries sum."""
        return bm25_matrix(self.tf, self.doc_len, self.bm25_settings())

    def bm25_settings(self) -> BM25Settings:
        """The BM25 parameters the index was built (and is scored) with."""
        return BM25Settings(**self.params["bm25"])

    def peaks(self) -> npt.NDArray[np.float64]:
        """:attr:`term_peaks`, computed (and kept) when the index was not loaded from disk."""
        if self.term_peaks is None:
            self.term_peaks = PostingsScorer(self.postings, self.doc_len,
                                             self.bm25_settings()).peaks()
        return self.term_peaks

    def uses_term(self, term: int, first: int, count: int) -> bool:
        """Whether any of the paragraphs ``first .. first + count - 1`` uses ``term``."""
        return self.postings.uses(term, first, count)

    @property
    def skipped(self) -> list[Skipped]:
        return [s for f in self.files for s in f.skipped]

    def text(self, para: int) -> str:
        if isinstance(self.text_blob, BlockTexts):
            return self.text_blob.text(para)
        start, end = int(self.text_offsets[para]), int(self.text_offsets[para + 1])
        return self.text_blob[start:end].decode("utf-8")

    def doc_of(self, para: int) -> DocMeta:
        return self.docs[int(self.para_doc[para])]

    def paragraphs_of(self, doc: DocMeta) -> list[str]:
        return [self.text(doc.first + i) for i in range(doc.count)]

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """Term ids for query terms (-1 for a term the archive never uses)."""
        return self.vocab.ids(terms)

    def date_range(self) -> tuple[str | None, str | None]:
        days = self.docs.dates[self.docs.dates >= 0]
        if not len(days):
            return None, None
        first, last = int(days.min()), int(days.max())
        return date.fromordinal(first).isoformat(), date.fromordinal(last).isoformat()


class IndexBuilder:
    """Builds an :class:`ArchiveIndex` from parsed files added one at a time, in order.

    Nothing of an added file is kept except its texts (compressed a block at a time,
    :class:`~bot.core.texts.BlockWriter`), term ids, quotations (as a table) and citation
    fields, so a caller can index each file as soon as it is parsed and drop it. Term ids go
    into one flat int32 array: at a million paragraphs, a small numpy array and a bytes
    object per paragraph cost far more memory and time.
    """

    def __init__(self, tokenizer: Tokenizer, params: BM25Settings) -> None:
        self.tokenizer = tokenizer
        self.params = params
        self.started = time.perf_counter()
        self.docs: list[DocMeta] = []
        self.files: list[FileEntry] = []
        # Every added file's quotations as a table, ``document`` as the index numbers
        # articles (columns, not a Python object per quotation).
        self.quotations: list[QuotationTable] = []
        self.texts = BlockWriter()  # compressed a block at a time, as files are added
        self.offsets = array("q", [0])  # int64: each paragraph's offset in the whole text
        self.flat = array("i")  # int32: every paragraph's term ids, back to back
        self.lengths = array("q")  # int64: tokens per paragraph
        self.para_doc = array("i")
        self.para_num = array("i")
        self.vocab: dict[str, int] = {}

    @property
    def n_paragraphs(self) -> int:
        return len(self.lengths)

    def add(self, pf: ParsedFile) -> None:
        vocab, flat, lengths, blob, offsets = (
            self.vocab, self.flat, self.lengths, self.texts.pending, self.offsets
        )
        total = offsets[-1]
        lookup = vocab.__getitem__
        if pf.part:
            self.files[-1] = _continued(self.files[-1], pf.entry)
        else:
            self.files.append(pf.entry)
        # a worker's term ids go in whole; a reused bag of terms or the tokenizer per paragraph
        tokenize = not isinstance(pf.terms, FileTerms)
        reused: Iterator[Sequence[str]] | None = None
        if isinstance(pf.terms, FileTerms):
            self._add_file_terms(pf.terms, sum(len(a.paragraphs) for a in pf.articles))
        elif pf.terms is not None:
            reused = iter(pf.terms)
        base = len(self.docs)
        if pf.quotations:
            self.quotations.append(
                pf.quotations.shifted(base) if isinstance(pf.quotations, QuotationTable)
                else QuotationTable.from_records(pf.quotations, base))
        for article in pf.articles:
            # paragraphs so far: the texts' count (a worker's lengths are all in already)
            doc_index, first, n = len(self.docs), len(offsets) - 1, len(article.paragraphs)
            self.docs.append(
                DocMeta(
                    article.doc_id, article.title, article.date, article.source,
                    article.author, article.url, article.path, first, n,
                )
            )
            for text in article.paragraphs:
                data = text.encode("utf-8")
                blob += data
                total += len(data)
                offsets.append(total)
                if not tokenize:  # the file's term ids are in already
                    continue
                tokens = next(reused) if reused is not None else self.tokenizer(text)
                before = len(flat)
                try:
                    flat.extend(map(lookup, tokens))  # all terms known: no Python loop
                except KeyError:  # a new term: drop the partial extend, assign ids in order
                    del flat[before:]
                    flat.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
                lengths.append(len(tokens))
            self.para_doc.extend([doc_index] * n)
            self.para_num.extend(range(1, n + 1))
        self.texts.compress(np.frombuffer(offsets, dtype=np.int64))

    def _add_file_terms(self, terms: FileTerms, paragraphs: int) -> None:
        """A worker's term ids: its vocabulary numbered here (new terms in the order the file
        first used them, as a token-by-token pass would), its tokens mapped in one gather."""
        if len(terms) != paragraphs:
            raise ValueError(f"term ids for {len(terms)} paragraphs, the file has {paragraphs}")
        ids = terms.global_ids(self.vocab)
        self.flat.frombytes(ids.tobytes())
        self.lengths.frombytes(np.frombuffer(terms.lengths, dtype=np.int32)
                               .astype(np.int64).tobytes())

    def _postings(self, doc_len: npt.NDArray[np.int64]) -> tuple[Vocabulary, Postings]:
        """The vocabulary of the terms some paragraph uses (BM25's average idf is over the
        corpus vocabulary), numbered in its sorted order, and the postings: inverted from the
        flat term ids, which are freed."""
        ids = np.frombuffer(self.flat, dtype=np.int32)
        used = np.bincount(ids, minlength=len(self.vocab)) > 0
        kept = np.flatnonzero(used)
        terms = list(self.vocab)
        vocab, new_id = Vocabulary.build([terms[i] for i in kept.tolist()])
        remap = np.full(len(terms), -1, dtype=np.int32)
        remap[kept] = new_id
        postings = Postings.from_ids(ids, doc_len, remap, len(kept))
        del ids
        self.flat = array("i")
        return vocab, postings

    def finish(self, metadata_sha256: str | None = None) -> ArchiveIndex:
        """The index of everything added (the builder must not be used afterwards)."""
        doc_len = np.frombuffer(self.lengths, dtype=np.int64).copy()
        vocab, postings = self._postings(doc_len)
        text_offsets = np.frombuffer(self.offsets, dtype=np.int64).copy()
        index = ArchiveIndex(
            docs=DocTable(self.docs),
            para_doc=np.frombuffer(self.para_doc, dtype=np.int32).copy(),
            para_num=np.frombuffer(self.para_num, dtype=np.int32).copy(),
            text_blob=self.texts.finish(text_offsets),
            text_offsets=text_offsets,
            vocab=vocab,
            postings=postings,
            doc_len=doc_len,
            files=self.files,
            params=index_params(self.tokenizer, self.params),
            fingerprint=fingerprint(self.files, metadata_sha256),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=time.perf_counter() - self.started,
            quotations=QuotationTable.concat(self.quotations),
        )
        self.quotations = []
        log.info(
            "indexed %d articles, %d paragraphs, %d terms in %.2f s",
            len(index.docs), index.n_paragraphs, len(vocab), index.build_seconds,
        )
        return index


def build_index(
    parsed: Sequence[ParsedFile],
    tokenizer: Tokenizer,
    params: BM25Settings,
    *,
    metadata_sha256: str | None = None,
    progress: Progress | None = None,
) -> ArchiveIndex:
    """Tokenize every paragraph of every article and compute the BM25 matrix."""
    builder = IndexBuilder(tokenizer, params)
    total = sum(len(a.paragraphs) for p in parsed for a in p.articles)
    for pf in parsed:
        builder.add(pf)
        if progress is not None:
            progress("index", builder.n_paragraphs, total)
    return builder.finish(metadata_sha256)


def _continued(entry: FileEntry, part: FileEntry) -> FileEntry:
    """A file's entry with one more of its parts: its articles, and its skipped lines in
    line order (then those without a line: ids another file owns), as one pass gives them."""
    if part.path != entry.path:
        raise ValueError(f"a part of {part.path} continues {entry.path}")
    skipped = sorted((*entry.skipped, *part.skipped),
                     key=lambda s: (s.line is None, s.line or 0))
    return dataclasses.replace(entry, docs=entry.docs + part.docs, skipped=tuple(skipped),
                               notes=entry.notes + part.notes)


def paragraph_terms(index: ArchiveIndex, para: int) -> list[str]:
    """A paragraph's tokens (as a bag: order is not kept) from the tf matrix."""
    tf, terms = index.tf, index.vocab.terms
    start, end = int(tf.indptr[para]), int(tf.indptr[para + 1])
    out: list[str] = []
    for term, count in zip(
        tf.indices[start:end].tolist(), tf.data[start:end].tolist(), strict=True
    ):
        out.extend([terms[term]] * count)
    return out


def index_params(tokenizer: Tokenizer, params: BM25Settings) -> dict[str, Any]:
    """Everything that must match for a saved index to be reused."""
    return {
        "bm25": {"k1": params.k1, "b": params.b, "epsilon": params.epsilon},
        "tokenizer": tokenizer.fingerprint(),
    }

"""The paragraph index: one BM25 document per body paragraph, plus what citations need.

An :class:`ArchiveIndex` is immutable once built: arrays for paragraphs (owning article,
1-based number, text offsets, token counts), the vocabulary, the tf matrix kept for
incremental reindexing and the reference engine, and the precomputed BM25 matrix. Readers on
any thread can share it; a reindex builds a new one and swaps the reference.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.config import BM25Settings
from bot.core.bm25 import bm25_matrix, tf_matrix
from bot.core.models import Article, Skipped
from bot.core.tokenize import Tokenizer

log = logging.getLogger(__name__)

# progress(stage, done, total): stage is "scan", "parse", "index" or "save".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class DocMeta:
    """An article's citation fields and where its paragraphs sit in the index."""

    doc_id: str
    title: str
    date: str | None
    source: str | None
    author: str | None
    url: str | None
    path: str
    first: int  # index of its first paragraph
    count: int  # number of body paragraphs


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One archive file as last indexed: its content hash decides reuse on reindex."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    docs: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """Ingestion output for one file. ``terms``, when given, holds each paragraph's tokens
    from a previous index (an unchanged file on reindex), so they are not tokenized again."""

    entry: FileEntry
    articles: tuple[Article, ...]
    terms: tuple[Sequence[str], ...] | None = None
    # Per article: quotation rows whose paragraph number is relative to the article.
    quotes: tuple[tuple[list[Any], ...], ...] = ()


def fingerprint(files: Iterable[FileEntry], metadata_sha256: str | None) -> str:
    """Content fingerprint of an archive: every file's path and hash, and the metadata file."""
    h = hashlib.sha256()
    for entry in sorted(files, key=lambda f: f.path):
        h.update(f"{entry.path}\0{entry.sha256}\n".encode())
    h.update(f"metadata\0{metadata_sha256 or '-'}\n".encode())
    return h.hexdigest()


@dataclass(eq=False)
class ArchiveIndex:
    docs: list[DocMeta]
    para_doc: npt.NDArray[np.int32]
    para_num: npt.NDArray[np.int32]
    text_blob: bytes
    text_offsets: npt.NDArray[np.int64]
    vocab: list[str]
    tf: sparse.csr_matrix
    doc_len: npt.NDArray[np.int64]
    scores: sparse.csr_matrix
    files: list[FileEntry]
    params: dict[str, Any]
    fingerprint: str
    built_at: str
    build_seconds: float
    extras: dict[str, Any] = field(default_factory=dict)
    doc_lookup: dict[str, int] = field(init=False)
    term_lookup: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.doc_lookup = {d.doc_id: i for i, d in enumerate(self.docs)}
        self.term_lookup = {t: i for i, t in enumerate(self.vocab)}

    @property
    def n_paragraphs(self) -> int:
        return len(self.para_doc)

    @property
    def skipped(self) -> list[Skipped]:
        return [s for f in self.files for s in f.skipped]

    def text(self, para: int) -> str:
        start, end = int(self.text_offsets[para]), int(self.text_offsets[para + 1])
        return self.text_blob[start:end].decode("utf-8")

    def doc_of(self, para: int) -> DocMeta:
        return self.docs[int(self.para_doc[para])]

    def paragraphs_of(self, doc: DocMeta) -> list[str]:
        return [self.text(doc.first + i) for i in range(doc.count)]

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """Term ids for query terms (-1 for a term the archive never uses)."""
        lookup = self.term_lookup
        return [lookup.get(t, -1) for t in terms]

    def date_range(self) -> tuple[str | None, str | None]:
        dates = sorted(d.date for d in self.docs if d.date)
        return (dates[0], dates[-1]) if dates else (None, None)


class _TermIds:
    """Paragraph text to term ids with one dict lookup per word: surface words map straight
    to term ids (-1 for a stop word), so each distinct word is stemmed only once."""

    def __init__(self, tokenizer: Tokenizer, vocab: dict[str, int]) -> None:
        self.tokenizer = tokenizer
        self.vocab = vocab
        self.table: dict[str, int] = {}

    def _miss(self, word: str) -> int:
        term = self.tokenizer.term(word)
        tid = -1 if term is None else self.vocab.setdefault(term, len(self.vocab))
        self.table[word] = tid
        return tid

    def text(self, text: str) -> npt.NDArray[np.int32]:
        words = self.tokenizer.words(text)
        table = self.table
        try:
            ids = [table[w] for w in words]
        except KeyError:
            ids = [table[w] if w in table else self._miss(w) for w in words]
        array = np.array(ids, dtype=np.int32)
        return array[array >= 0] if -1 in ids else array

    def terms(self, terms: Sequence[str]) -> npt.NDArray[np.int32]:
        vocab = self.vocab
        return np.array([vocab.setdefault(t, len(vocab)) for t in terms], dtype=np.int32)


def build_index(
    parsed: Sequence[ParsedFile],
    tokenizer: Tokenizer,
    params: BM25Settings,
    *,
    metadata_sha256: str | None = None,
    progress: Progress | None = None,
) -> ArchiveIndex:
    """Tokenize every paragraph of every article and compute the BM25 matrix."""
    started = time.perf_counter()
    docs: list[DocMeta] = []
    texts: list[bytes] = []
    token_ids: list[npt.NDArray[np.int32]] = []
    para_doc: list[int] = []
    para_num: list[int] = []
    vocab: dict[str, int] = {}
    ids_of = _TermIds(tokenizer, vocab)
    total = sum(len(a.paragraphs) for p in parsed for a in p.articles)
    done = 0
    for pf in parsed:
        reused = iter(pf.terms) if pf.terms is not None else None
        for article in pf.articles:
            doc_index = len(docs)
            docs.append(
                DocMeta(
                    article.doc_id, article.title, article.date, article.source,
                    article.author, article.url, article.path, len(texts),
                    len(article.paragraphs),
                )
            )
            for number, text in enumerate(article.paragraphs, start=1):
                texts.append(text.encode("utf-8"))
                if reused is not None:
                    token_ids.append(ids_of.terms(next(reused)))
                else:
                    token_ids.append(ids_of.text(text))
                para_doc.append(doc_index)
                para_num.append(number)
            done += len(article.paragraphs)
            if progress is not None:
                progress("index", done, total)
    return assemble_index(
        docs=docs,
        texts=texts,
        token_ids=token_ids,
        para_doc=para_doc,
        para_num=para_num,
        vocab=list(vocab),
        files=[pf.entry for pf in parsed],
        tokenizer=tokenizer,
        params=params,
        metadata_sha256=metadata_sha256,
        started=started,
    )


def assemble_index(
    *,
    docs: list[DocMeta],
    texts: list[bytes],
    token_ids: list[npt.NDArray[np.int32]],
    para_doc: Sequence[int],
    para_num: Sequence[int],
    vocab: list[str],
    files: list[FileEntry],
    tokenizer: Tokenizer,
    params: BM25Settings,
    metadata_sha256: str | None,
    started: float,
) -> ArchiveIndex:
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    tf = tf_matrix(token_ids, len(vocab))
    tf, vocab = _drop_unused_terms(tf, vocab)
    doc_len = np.fromiter((len(t) for t in token_ids), dtype=np.int64, count=len(token_ids))
    scores = bm25_matrix(tf, doc_len, params)
    index = ArchiveIndex(
        docs=docs,
        para_doc=np.asarray(para_doc, dtype=np.int32),
        para_num=np.asarray(para_num, dtype=np.int32),
        text_blob=b"".join(texts),
        text_offsets=offsets,
        vocab=vocab,
        tf=tf,
        doc_len=doc_len,
        scores=scores,
        files=files,
        params=index_params(tokenizer, params),
        fingerprint=fingerprint(files, metadata_sha256),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=time.perf_counter() - started,
    )
    log.info(
        "indexed %d articles, %d paragraphs, %d terms in %.2f s",
        len(docs), index.n_paragraphs, len(vocab), index.build_seconds,
    )
    return index


def _drop_unused_terms(
    tf: sparse.csr_matrix, vocab: list[str]
) -> tuple[sparse.csr_matrix, list[str]]:
    """Keep only terms some paragraph uses: BM25's average idf is over the corpus vocabulary."""
    df = np.bincount(tf.indices, minlength=len(vocab))
    used = df > 0
    if used.all():
        return tf, vocab
    new_ids = np.cumsum(used) - 1
    tf = sparse.csr_matrix(
        (tf.data, new_ids[tf.indices].astype(np.int32), tf.indptr),
        shape=(tf.shape[0], int(used.sum())),
    )
    return tf, [t for t, u in zip(vocab, used, strict=True) if u]


def paragraph_terms(index: ArchiveIndex, para: int) -> list[str]:
    """A paragraph's tokens (as a bag: order is not kept) from the tf matrix."""
    start, end = int(index.tf.indptr[para]), int(index.tf.indptr[para + 1])
    out: list[str] = []
    for term, count in zip(
        index.tf.indices[start:end].tolist(), index.tf.data[start:end].tolist(), strict=True
    ):
        out.extend([index.vocab[term]] * count)
    return out


def index_params(tokenizer: Tokenizer, params: BM25Settings) -> dict[str, Any]:
    """Everything that must match for a saved index to be reused."""
    return {
        "bm25": {"k1": params.k1, "b": params.b, "epsilon": params.epsilon},
        "tokenizer": tokenizer.fingerprint(),
    }

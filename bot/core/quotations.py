"""Quotations as records: :class:`Quotation`, and :class:`QuotationTable` to store many.

A quotation is who said what, where: its text, its speaker (None rather than a guess), its
kind, the article (``document``: the article's position in the index, or in its file while a
build is parsing it), the paragraph *relative to its article* (0-based) and two character
spans in that paragraph: the quoted words, and the sentence(s) around them (the context a
lookup also matches).

Kinds: ``quoted`` (the speaker's exact words, in quotation marks, or a line with an em-dash
attribution: verbatim too), ``reported`` (indirect speech, attributed: never shown between
quotation marks) and ``fragment`` (a short quoted phrase inside reported speech: verbatim,
shown in its marks inside the sentence around it).

:class:`QuotationTable` holds them as a struct of arrays (no positional rows, no JSON): the
texts in one UTF-8 blob with offsets, the speakers as codes into a list of names, the
numbers as integer columns. :meth:`QuotationTable.arrays` is what storage saves (one ``.npy``
per column, no pickle) and :meth:`QuotationTable.from_arrays` what it loads (memory-mapped
arrays welcome): nothing is decoded until a record is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

Kind = Literal["quoted", "reported", "fragment"]
KINDS: tuple[Kind, ...] = ("quoted", "reported", "fragment")
VERBATIM: frozenset[Kind] = frozenset({"quoted", "fragment"})  # shown between marks
NO_SPEAKER = -1
COLUMNS = ("document", "paragraph", "kind", "speaker", "start", "end", "context_start",
           "context_end", "text_offsets", "text_blob", "speaker_offsets", "speaker_blob")


class QuotationTableError(ValueError):
    """Arrays that do not make a quotation table (missing, mismatched or out of range)."""


@dataclass(frozen=True, slots=True)
class Quotation:
    text: str
    speaker: str | None
    kind: Kind
    document: int
    paragraph: int  # relative to its article, 0-based
    start: int  # span of the quoted words in the paragraph
    end: int
    context_start: int  # span of the sentence(s) around them
    context_end: int

    def rebased(self, document: int) -> Quotation:
        """The same quotation, its article at ``document``."""
        return Quotation(self.text, self.speaker, self.kind, document, self.paragraph,
                         self.start, self.end, self.context_start, self.context_end)


def _blob(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()


def _text(offsets: npt.NDArray[np.int64], blob: npt.NDArray[np.uint8], i: int) -> str:
    return bytes(blob[int(offsets[i]):int(offsets[i + 1])]).decode("utf-8")


class QuotationTable:
    """Quotations as columns; ``table[i]`` is a :class:`Quotation`."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        missing = [c for c in COLUMNS if c not in arrays]
        if missing:
            raise QuotationTableError(f"quotation table lacks {', '.join(missing)}")
        self.document: npt.NDArray[np.int32] = arrays["document"]
        self.paragraph: npt.NDArray[np.int32] = arrays["paragraph"]
        self.kind: npt.NDArray[np.int8] = arrays["kind"]
        self.speaker: npt.NDArray[np.int32] = arrays["speaker"]
        self.start: npt.NDArray[np.int32] = arrays["start"]
        self.end: npt.NDArray[np.int32] = arrays["end"]
        self.context_start: npt.NDArray[np.int32] = arrays["context_start"]
        self.context_end: npt.NDArray[np.int32] = arrays["context_end"]
        self._text_offsets: npt.NDArray[np.int64] = arrays["text_offsets"]
        self._text_blob: npt.NDArray[np.uint8] = arrays["text_blob"]
        self._speaker_offsets: npt.NDArray[np.int64] = arrays["speaker_offsets"]
        self._speaker_blob: npt.NDArray[np.uint8] = arrays["speaker_blob"]
        n = len(self.document)
        lengths = {len(getattr(self, c)) for c in
                   ("paragraph", "kind", "speaker", "start", "end", "context_start",
                    "context_end")}
        if lengths != {n} or len(self._text_offsets) != n + 1:
            raise QuotationTableError("quotation table columns differ in length")
        if n and (int(self.kind.max()) >= len(KINDS) or int(self.kind.min()) < 0):
            raise QuotationTableError("quotation table has an unknown kind")
        if n and int(self.speaker.max()) >= self.speaker_count:
            raise QuotationTableError("quotation table names a speaker it does not hold")

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable[Quotation], document_offset: int = 0
                     ) -> QuotationTable:
        """The table of ``records``, each ``document`` shifted by ``document_offset`` (a
        file's quotations numbered as the index numbers its articles, without rebasing each
        record)."""
        rows = list(records)
        speakers = sorted({q.speaker for q in rows if q.speaker is not None})
        code = {name: i for i, name in enumerate(speakers)}

        def column(values: Iterable[int], dtype: type[np.generic]) -> np.ndarray:
            return np.fromiter(values, dtype=dtype, count=len(rows))

        text_offsets, text_blob = _blob([q.text for q in rows])
        speaker_offsets, speaker_blob = _blob(speakers)
        return cls({
            "document": column((q.document + document_offset for q in rows), np.int32),
            "paragraph": column((q.paragraph for q in rows), np.int32),
            "kind": column((KINDS.index(q.kind) for q in rows), np.int8),
            "speaker": column((NO_SPEAKER if q.speaker is None else code[q.speaker]
                               for q in rows), np.int32),
            "start": column((q.start for q in rows), np.int32),
            "end": column((q.end for q in rows), np.int32),
            "context_start": column((q.context_start for q in rows), np.int32),
            "context_end": column((q.context_end for q in rows), np.int32),
            "text_offsets": text_offsets, "text_blob": text_blob,
            "speaker_offsets": speaker_offsets, "speaker_blob": speaker_blob,
        })

    @classmethod
    def concat(cls, tables: Sequence[QuotationTable]) -> QuotationTable:
        """The rows of ``tables`` one after another: the table :meth:`from_records` makes
        of all their records (speakers coded in sorted order), without making the records.
        A build keeps each file's quotations this way, a few arrays instead of a Python
        object per quotation."""
        if len(tables) <= 1:
            return tables[0] if tables else EMPTY
        names = [t.speakers() for t in tables]
        speakers = sorted({name for chunk in names for name in chunk})
        code = {name: i for i, name in enumerate(speakers)}
        out = {c: np.concatenate([getattr(t, c) for t in tables])
               for c in ("document", "paragraph", "kind", "start", "end", "context_start",
                         "context_end")}
        # each table's codes to the common ones; NO_SPEAKER (-1) picks the appended -1
        out["speaker"] = np.concatenate([
            np.array([*(code[n] for n in chunk), NO_SPEAKER], dtype=np.int32)[t.speaker]
            for t, chunk in zip(tables, names, strict=True)])
        shifts = np.cumsum([0, *(len(t._text_blob) for t in tables)])
        out["text_offsets"] = np.concatenate(
            [np.zeros(1, dtype=np.int64),
             *(t._text_offsets[1:] + shifts[i] for i, t in enumerate(tables))])
        out["text_blob"] = np.concatenate([t._text_blob for t in tables])
        out["speaker_offsets"], out["speaker_blob"] = _blob(speakers)
        return cls(out)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> QuotationTable:
        return cls(arrays)

    def shifted(self, document_offset: int) -> QuotationTable:
        """The same rows, each ``document`` shifted by ``document_offset`` (a build worker's
        table of one file, numbered as the index numbers its articles)."""
        if not document_offset:
            return self
        arrays = self.arrays()
        arrays["document"] = (self.document + document_offset).astype(np.int32)
        return QuotationTable(arrays)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns to save, by name (1-d arrays of plain numbers, no objects)."""
        return {
            "document": self.document, "paragraph": self.paragraph, "kind": self.kind,
            "speaker": self.speaker, "start": self.start, "end": self.end,
            "context_start": self.context_start, "context_end": self.context_end,
            "text_offsets": self._text_offsets, "text_blob": self._text_blob,
            "speaker_offsets": self._speaker_offsets, "speaker_blob": self._speaker_blob,
        }

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.document)

    def __getitem__(self, i: int) -> Quotation:
        code = int(self.speaker[i])
        return Quotation(
            text=_text(self._text_offsets, self._text_blob, i),
            speaker=None if code == NO_SPEAKER else self.speaker_name(code),
            kind=KINDS[int(self.kind[i])], document=int(self.document[i]),
            paragraph=int(self.paragraph[i]), start=int(self.start[i]), end=int(self.end[i]),
            context_start=int(self.context_start[i]), context_end=int(self.context_end[i]),
        )

    def text(self, i: int) -> str:
        """The words of quotation ``i`` (decoded alone, without building its record)."""
        return _text(self._text_offsets, self._text_blob, i)

    def __iter__(self) -> Iterator[Quotation]:
        return (self[i] for i in range(len(self)))

    @property
    def speaker_count(self) -> int:
        return len(self._speaker_offsets) - 1

    def speaker_name(self, code: int) -> str:
        return _text(self._speaker_offsets, self._speaker_blob, code)

    def speakers(self) -> list[str]:
        """Every speaker's name, by code (the names decoded in one pass)."""
        blob = bytes(self._speaker_blob)
        bounds = self._speaker_offsets.tolist()
        return [blob[a:b].decode("utf-8") for a, b in pairwise(bounds)]

    def of_documents(self, documents: Iterable[int]) -> list[Quotation]:
        """The records of these articles, in table order (an incremental build reuses an
        unchanged file's quotations this way, then rebases them)."""
        wanted = np.fromiter(documents, dtype=np.int64)
        rows = np.flatnonzero(np.isin(self.document, wanted))
        return [self[int(i)] for i in rows]


EMPTY = QuotationTable.from_records(())

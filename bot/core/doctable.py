"""The articles' citation fields, decoded one article at a time.

A saved index keeps them as one JSON object per line (``docs.jsonl``) with the byte offset
of every line, every article's id (``doc_ids.json``), source (``doc_sources.json``) and
date as a day number (``doc_dates.npy``, -1 when undated): a start-up decodes nothing, an
answer decodes the few articles it cites, and the filters and the archive's date range read
the columns.
What needs every article (a source filter, autocomplete) decodes them all once, on first use.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, overload

import numpy as np
import numpy.typing as npt

NO_DATE = -1
RECENT_RECORDS = 4096  # decoded records kept (a few MB at most)


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


_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DocMeta))


def day_number(iso: str | None) -> int:
    """``YYYY-MM-DD`` as a proleptic Gregorian day number (-1 for none or unreadable)."""
    if not iso:
        return NO_DATE
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return NO_DATE


class DocTable(Sequence[DocMeta]):
    """Every article's :class:`DocMeta`, in index order: records when built, lazily decoded
    lines when loaded. Read-only; safe to share between threads."""

    def __init__(self, records: Sequence[DocMeta] | None = None, *, blob: Any = None,
                 offsets: npt.NDArray[np.int64] | None = None,
                 ids: list[str] | None = None,
                 dates: npt.NDArray[np.int64] | None = None,
                 sources: list[str | None] | None = None) -> None:
        self._records = list(records) if records is not None else None
        self._blob = blob
        self._offsets = offsets
        self._ids = ids
        self._dates = dates
        self._sources = sources
        # The most recently read records: the articles of a topic are read again and again
        # (every hit, passage and citation of a query reads its article's record).
        self._recent = lru_cache(maxsize=RECENT_RECORDS)(self._decode)
        if self._records is None and (blob is None or offsets is None or ids is None
                                      or dates is None):
            raise ValueError("a document table needs records or all of its saved parts")
        if self._records is None and not (len(ids or ()) == len(dates if dates is not None
                                                                  else ()) ==
                                          len(offsets if offsets is not None else ()) - 1):
            raise ValueError("document table parts disagree in length")
        if self._records is None and sources is not None and len(sources) != len(ids or ()):
            raise ValueError("document table parts disagree in length")

    # ------------------------------------------------------------------ sequence
    def __len__(self) -> int:
        if self._records is not None:
            return len(self._records)
        return len(self._ids or ())

    @overload
    def __getitem__(self, i: int) -> DocMeta: ...
    @overload
    def __getitem__(self, i: slice) -> list[DocMeta]: ...

    def __getitem__(self, i: int | slice) -> DocMeta | list[DocMeta]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._records is not None:
            return self._records[i]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("document index out of range")
        return self._recent(i)

    def _decode(self, i: int) -> DocMeta:
        offsets = self._offsets
        if offsets is None:  # pragma: no cover - checked in __init__
            raise ValueError("no saved document table")
        line = bytes(self._blob[int(offsets[i]):int(offsets[i + 1])])
        return DocMeta(**json.loads(line))

    def __iter__(self) -> Iterator[DocMeta]:
        if self._records is not None:
            return iter(self._records)
        return iter(self.all)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocTable):
            return len(self) == len(other) and list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ columns
    @cached_property
    def all(self) -> list[DocMeta]:
        """Every record decoded (once)."""
        if self._records is not None:
            return self._records
        return [self._decode(i) for i in range(len(self))]

    @cached_property
    def ids(self) -> list[str]:
        if self._ids is not None:
            return self._ids
        return [d.doc_id for d in self.all]

    @cached_property
    def sources(self) -> list[str | None]:
        """Each article's source (a column of its own: a source filter decodes nothing)."""
        if self._sources is not None:
            return self._sources
        return [d.source for d in self.all]

    @cached_property
    def dates(self) -> npt.NDArray[np.int64]:
        """Each article's date as a day number (``NO_DATE`` when undated)."""
        if self._dates is not None:
            return self._dates
        return np.array([day_number(d.date) for d in self.all], dtype=np.int64)

    @cached_property
    def lookup(self) -> dict[str, int]:
        """doc_id -> position."""
        return {d: i for i, d in enumerate(self.ids)}

    # ------------------------------------------------------------------ saving
    def lines(self) -> bytes:
        """The saved form: one JSON object per line (the loaded bytes unchanged)."""
        if self._records is None:
            return bytes(self._blob)
        # Fields by hand, not dataclasses.asdict and its deep copy of each record: 0.58 ->
        # 0.18 s for a million-paragraph build's 57k articles. The same keys, in field order.
        names = _FIELDS
        encode = json.JSONEncoder(ensure_ascii=False).encode
        return b"".join(
            encode({n: getattr(d, n) for n in names}).encode() + b"\n" for d in self._records
        )

    def line_offsets(self, lines: bytes) -> npt.NDArray[np.int64]:
        """Byte offset of every line of :meth:`lines` (and of the end)."""
        if self._records is None and self._offsets is not None:
            return self._offsets
        ends = np.flatnonzero(np.frombuffer(lines, dtype=np.uint8) == 0x0A) + 1
        return np.concatenate([[0], ends]).astype(np.int64)

"""The vocabulary: term ids by binary search in a memory-mapped sorted array.

Terms of up to :data:`WIDTH` UTF-8 bytes (all but a handful in any archive) are stored
sorted in one fixed-width byte array (numpy ``S24``), so their id is their position and a
lookup is one ``np.searchsorted`` over the mapped file: a start-up builds no dictionary of
hundreds of thousands of terms. Longer terms (URLs, hashes) follow, sorted, with ids after
the short ones, in a small list decoded at load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt

WIDTH = 24
SHORT_DTYPE = np.dtype(f"S{WIDTH}")
KNOWN_TERMS = 200_000  # ids remembered by Vocabulary.ids (then forgotten at once)


def _short(key: bytes) -> bool:
    return len(key) <= WIDTH and b"\0" not in key  # numpy's S strips trailing NULs


class Vocabulary(Sequence[str]):
    """Term id <-> term. ``short``: the sorted short terms (ids 0..len-1); ``long``: the
    sorted longer ones (ids after them)."""

    def __init__(self, short: npt.NDArray[np.bytes_], long: Sequence[str]) -> None:
        if short.dtype != SHORT_DTYPE or short.ndim != 1:
            raise ValueError("vocabulary array of the wrong type")
        self.short = short
        self.long = list(long)
        self._long_ids = {t: len(short) + i for i, t in enumerate(self.long)}
        # Ids looked up before (bounded): the words of questions and of the sentences that
        # answer them recur, and a dictionary hit is ~50x cheaper than a binary search.
        self._known: dict[str, int] = {}

    @classmethod
    def build(cls, terms: Sequence[str]) -> tuple[Vocabulary, npt.NDArray[np.int64]]:
        """The vocabulary of ``terms`` (distinct) and, for each input position, its id."""
        keys = [t.encode() for t in terms]
        order = sorted(range(len(keys)), key=lambda i: (not _short(keys[i]), keys[i]))
        new_id = np.empty(len(keys), dtype=np.int64)
        new_id[np.asarray(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int64)
        short = [keys[i] for i in order if _short(keys[i])]
        long = [terms[i] for i in order if not _short(keys[i])]
        return cls(np.array(short, dtype=SHORT_DTYPE), long), new_id

    # ------------------------------------------------------------------ lookups
    def get(self, term: str, default: int = -1) -> int:
        key = term.encode()
        if not _short(key):
            return self._long_ids.get(term, default)
        at = int(np.searchsorted(self.short, key))
        if at < len(self.short) and self.short[at] == key:
            return at
        return default

    def ids(self, terms: Iterable[str]) -> list[int]:
        """Ids of ``terms`` (-1 for a term the archive never uses), in one search."""
        terms = list(terms)
        known = self._known
        try:
            return list(map(known.__getitem__, terms))  # every term looked up before
        except KeyError:
            pass
        out = self._search(terms)
        if len(known) + len(terms) > KNOWN_TERMS:
            known.clear()
        known.update(zip(terms, out, strict=True))
        return out

    def _search(self, terms: list[str]) -> list[int]:
        keys = [t.encode() for t in terms]
        out = [-1] * len(terms)
        short_at = [i for i, k in enumerate(keys) if _short(k)]
        if short_at and len(self.short):
            wanted = np.array([keys[i] for i in short_at], dtype=SHORT_DTYPE)
            pos = np.searchsorted(self.short, wanted)
            found = self.short[np.minimum(pos, len(self.short) - 1)] == wanted
            for i, p, ok in zip(short_at, pos.tolist(), found.tolist(), strict=True):
                if ok:
                    out[i] = p
        for i, k in enumerate(keys):
            if not _short(k):
                out[i] = self._long_ids.get(terms[i], -1)
        return out

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) >= 0

    # ------------------------------------------------------------------ sequence
    def __len__(self) -> int:
        return len(self.short) + len(self.long)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n_short = len(self.short)
        if i < 0:
            i += len(self)
        if 0 <= i < n_short:
            return bytes(self.short[i]).decode()
        if n_short <= i < len(self):
            return self.long[i - n_short]
        raise IndexError("term id out of range")

    def __iter__(self) -> Iterator[str]:
        for raw in self.short.tolist():
            yield raw.decode()
        yield from self.long

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Vocabulary | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @cached_property
    def terms(self) -> list[str]:
        """Every term decoded, by id (built on first use, for bulk readers)."""
        return list(self)

    @cached_property
    def lookup(self) -> dict[str, int]:
        """term -> id as a dictionary (built on first use; lookups need not build it)."""
        return {t: i for i, t in enumerate(self)}

    def long_json(self) -> bytes:
        return json.dumps(self.long, ensure_ascii=False).encode()

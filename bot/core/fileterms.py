"""One file's paragraphs as term ids local to the file: what an analysis worker sends back.

A worker tokenizes a file's paragraphs and numbers each distinct term in the order the file
first uses it; the main process then maps those few local numbers to the index's own ids
once per file (one dictionary lookup per *distinct* term, one array gather for all tokens)
instead of looking up every token again. Pickled, it is a tuple of distinct terms and two
int32 buffers: a fraction of the space-joined strings it replaces, and cheaper to merge.

Assigning global ids in the order of the local vocabulary gives the very ids a token-by-token
pass would: both number a term when the file first uses it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.tokenize import Tokenizer, numberer

__all__ = ["FileTerms", "TermCollector"]


@dataclass(frozen=True, slots=True)
class FileTerms:
    """``vocab``: the file's distinct terms, in the order first used; ``ids``: every
    paragraph's tokens as positions in ``vocab``, back to back (int32); ``lengths``: each
    paragraph's token count (int32), in the file's paragraph order."""

    vocab: tuple[str, ...]
    ids: array[int]
    lengths: array[int]

    def __len__(self) -> int:
        return len(self.lengths)

    def _starts(self) -> npt.NDArray[np.int64]:
        starts = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(np.frombuffer(self.lengths, dtype=np.int32), out=starts[1:])
        return starts

    def select(self, paragraphs: Iterable[range]) -> FileTerms:
        """The paragraphs in ``paragraphs`` (ranges of paragraph positions, ascending), with
        the same local vocabulary."""
        starts = self._starts()
        ids, lengths = array("i"), array("i")
        for span in paragraphs:
            if not len(span):
                continue
            ids.extend(self.ids[int(starts[span.start]):int(starts[span.stop])])
            lengths.extend(self.lengths[span.start:span.stop])
        return FileTerms(self.vocab, ids, lengths)

    def global_ids(self, numbering: dict[str, int], *,
                   compiled: bool | None = None) -> npt.NDArray[np.int32]:
        """Every token's id in the index's ``numbering`` (term -> id), a term it lacks given
        the next id, in the order the file first used it (so new terms are numbered as a
        token-by-token pass numbers them): the file's vocabulary numbered by the
        :data:`~bot.core.tokenize.Numberer` (a C loop; ``compiled=False`` its reference),
        then one gather for all its tokens."""
        numbered = bytearray()
        numberer(compiled=compiled)(list(self.vocab), numbering, numbered)
        mapping = np.frombuffer(numbered, dtype=np.int32)
        local = np.frombuffer(self.ids, dtype=np.int32)
        if len(local) and (int(local.min()) < 0 or int(local.max()) >= len(mapping)):
            raise ValueError("a paragraph's term id is outside its file's vocabulary")
        out: npt.NDArray[np.int32] = mapping[local]
        return out


class TermCollector:
    """Builds a :class:`FileTerms` one paragraph at a time (a worker's side): each term is
    numbered as it comes (its position in the order the file first uses it) and its id
    appended to one int32 buffer, by the tokenizer's C pass from the text
    (:meth:`add_text`) or a C loop over given tokens (:meth:`add`); ``compiled=False``: the
    Python reference of that loop."""

    __slots__ = ("_ids", "_lengths", "_number", "_numbering")

    def __init__(self, *, compiled: bool | None = None) -> None:
        self._numbering: dict[str, int] = {}
        self._ids = bytearray()
        self._lengths = array("i")
        self._number = numberer(compiled=compiled)

    def add(self, tokens: list[str]) -> None:
        self._lengths.append(self._number(tokens, self._numbering, self._ids))

    def add_text(self, text: str, tokenizer: Tokenizer) -> None:
        """``add(tokenizer(text))``, without the list of tokens where it can."""
        self._lengths.append(tokenizer.number_into(text, self._numbering, self._ids))

    def finish(self) -> FileTerms:
        ids = array("i")
        ids.frombytes(self._ids)
        terms = FileTerms(tuple(self._numbering), ids, self._lengths)
        self._numbering, self._ids = {}, bytearray()
        return terms

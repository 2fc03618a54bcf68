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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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

    def global_ids(self, assign: Callable[[str], int]) -> npt.NDArray[np.int32]:
        """Every token's id in the index, ``assign(term)`` called once per distinct term in
        the order the file first used it (so new terms are numbered as a token-by-token pass
        numbers them)."""
        mapping = np.fromiter(map(assign, self.vocab), dtype=np.int32, count=len(self.vocab))
        local = np.frombuffer(self.ids, dtype=np.int32)
        if len(local) and (int(local.min()) < 0 or int(local.max()) >= len(mapping)):
            raise ValueError("a paragraph's term id is outside its file's vocabulary")
        out: npt.NDArray[np.int32] = mapping[local]
        return out


class TermCollector:
    """Builds a :class:`FileTerms` one paragraph at a time (a worker's side): the tokens are
    kept as they come and numbered once at the end, each step a C-level pass (the distinct
    terms in first-use order by ``dict.fromkeys``, every token mapped by one ``map``), not a
    Python loop per token."""

    __slots__ = ("_lengths", "_tokens")

    def __init__(self) -> None:
        self._tokens: list[str] = []
        self._lengths = array("i")

    def add(self, tokens: Sequence[str]) -> None:
        self._tokens.extend(tokens)
        self._lengths.append(len(tokens))

    def finish(self) -> FileTerms:
        vocab = tuple(dict.fromkeys(self._tokens))
        number = {term: i for i, term in enumerate(vocab)}
        ids = array("i", map(number.__getitem__, self._tokens))
        self._tokens = []
        return FileTerms(vocab, ids, self._lengths)

"""Paragraph texts in zstd blocks: compressed while an index is built, saved as they are.

An index keeps its texts in blocks of :data:`BLOCK` paragraphs, each compressed with
zstd (level 3) against one dictionary trained on the archive's own paragraphs (small blocks
compress poorly alone; with the dictionary, the bench's synthetic text takes 2.1x less room
and real news more). Reading a paragraph decompresses its block (microseconds) and keeps the
most recently used blocks, so the paragraphs of one answer cost one decompression.
The uncompressed offsets of every paragraph stay as they were (``text_offsets``), so lengths
and budgets need no decompression at all. A build compresses the blocks as files are added
(:class:`BlockWriter`), so it never holds the whole text uncompressed; a sharded index's
texts, one buffer each, are compressed when saved (:class:`Compressed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import zstandard

# Paragraphs per compressed block. Measured on the bench's 1M archive (with the trained
# dictionary the ratio hardly depends on it: 2.07x at 4, 2.11x at 16), a block of 4
# decompresses in 3.3 us against 9.0 us for 16: a search's ten hits are ten blocks.
BLOCK = 4
LEVEL = 3
DICT_BYTES = 64 << 10
MIN_DICT_BYTES = 4 << 10  # below this (under ~80 kB of text) blocks go without a dictionary
SAMPLE_PARAGRAPHS = 20_000  # at most this many paragraphs train the dictionary
# A build trains the dictionary on its first this many bytes of text (all of a smaller
# archive's), then compresses blocks as they fill (BlockWriter).
TRAIN_BYTES = 32 << 20
CACHED_BLOCKS = 512

Offsets = npt.NDArray[np.int64]


def _block_bounds(offsets: Offsets, block: int) -> tuple[int, int]:
    n = len(offsets) - 1
    return int(offsets[block * BLOCK]), int(offsets[min((block + 1) * BLOCK, n)])


def train(blob: Any, offsets: Offsets) -> bytes:
    """A zstd dictionary from evenly spaced paragraphs (b"" when there is too little text
    to train on: the blocks are then compressed without one). Deterministic."""
    n = len(offsets) - 1
    if n == 0:
        return b""
    step = max(1, n // SAMPLE_PARAGRAPHS)
    samples: list[bytes | bytearray | memoryview] = [
        s for s in (bytes(blob[int(offsets[i]):int(offsets[i + 1])]) for i in range(0, n, step))
        if s]
    size = min(DICT_BYTES, sum(map(len, samples)) // 20)  # zstd wants ~100x in samples
    if size < MIN_DICT_BYTES:
        return b""
    try:
        return zstandard.train_dictionary(size, samples).as_bytes()
    except zstandard.ZstdError:
        return b""


class Compressed:
    """Blocks compressed from one text buffer, streamed out one at a time."""

    def __init__(self, blob: Any, offsets: Offsets, dictionary: bytes) -> None:
        self.blob, self.offsets, self.dictionary = blob, offsets, dictionary
        self.sizes: list[int] = []

    def blocks(self) -> Iterator[bytes]:
        params = zstandard.ZstdCompressionDict(self.dictionary) if self.dictionary else None
        compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=params,
                                              write_content_size=True, write_dict_id=False)
        n_blocks = -(-(len(self.offsets) - 1) // BLOCK)
        for b in range(n_blocks):
            start, end = _block_bounds(self.offsets, b)
            data = compressor.compress(bytes(self.blob[start:end]))
            self.sizes.append(len(data))
            yield data

    def block_offsets(self) -> Offsets:
        out = np.zeros(len(self.sizes) + 1, dtype=np.int64)
        np.cumsum(self.sizes, out=out[1:])
        return out


class BlockWriter:
    """Texts compressed into blocks while an index is built, so the build never holds every
    paragraph's text uncompressed. The builder appends each file's texts to
    :attr:`pending` and calls :meth:`compress` with every paragraph's offset so far; the full
    blocks are compressed and dropped from :attr:`pending`.

    The dictionary is trained once :data:`TRAIN_BYTES` of text are in (on that text, as
    :func:`train` samples it), or at :meth:`finish` for a smaller archive, on all of it: a
    small archive's blocks are those :class:`Compressed` makes of its whole text."""

    def __init__(self, train_bytes: int | None = None) -> None:
        self.pending = bytearray()  # text from paragraph ``done * BLOCK`` on
        self.train_bytes = TRAIN_BYTES if train_bytes is None else train_bytes
        self._data = bytearray()
        self._sizes = [0]  # each compressed block's end in ``_data``
        self._done = 0  # blocks compressed
        self._dictionary: bytes | None = None
        self._compressor: zstandard.ZstdCompressor | None = None

    def _start(self, offsets: Offsets) -> None:
        self._dictionary = train(self.pending, offsets)
        params = zstandard.ZstdCompressionDict(self._dictionary) if self._dictionary else None
        self._compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=params,
                                                    write_content_size=True,
                                                    write_dict_id=False)

    def compress(self, offsets: Offsets, *, last: bool = False) -> None:
        """Compress the full blocks of ``pending`` (``offsets``: every paragraph's so far),
        and with ``last`` the final partial one too."""
        if self._compressor is None:
            if len(self.pending) < self.train_bytes and not last:
                return
            self._start(offsets)
        compressor = self._compressor
        if compressor is None:
            raise RuntimeError("text compressor not started")
        n = len(offsets) - 1
        blocks = -(-n // BLOCK) if last else n // BLOCK
        base = int(offsets[self._done * BLOCK])
        for b in range(self._done, blocks):
            start, end = _block_bounds(offsets, b)
            self._data += compressor.compress(bytes(self.pending[start - base:end - base]))
            self._sizes.append(len(self._data))
        if blocks > self._done:
            del self.pending[:int(offsets[min(blocks * BLOCK, n)]) - base]
            self._done = blocks

    def finish(self, offsets: Offsets) -> BlockTexts:
        """Every block compressed: the texts as a saved index holds them."""
        self.compress(offsets, last=True)
        data, self._data = self._data, bytearray()
        return BlockTexts(data, np.array(self._sizes, dtype=np.int64), offsets,
                          self._dictionary or b"")


class BlockTexts:
    """A saved index's texts: ``data`` (the blocks back to back), ``blocks`` (each block's
    byte offset in it), ``offsets`` (each paragraph's offset in the uncompressed text)."""

    def __init__(self, data: Any, blocks: Offsets, offsets: Offsets, dictionary: bytes) -> None:
        n_blocks = -(-(len(offsets) - 1) // BLOCK)
        if len(blocks) != n_blocks + 1 or (n_blocks and int(blocks[-1]) != len(data)):
            raise ValueError("text blocks disagree with the paragraphs")
        self.data, self.blocks, self.offsets, self.dictionary = data, blocks, offsets, dictionary
        self._params = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        self._free: list[zstandard.ZstdDecompressor] = []  # one per concurrent reader
        self._block = lru_cache(maxsize=CACHED_BLOCKS)(self._decompress)

    def _decompress(self, block: int) -> bytes:
        reader = self._free.pop() if self._free else zstandard.ZstdDecompressor(
            dict_data=self._params)
        try:
            start, end = int(self.blocks[block]), int(self.blocks[block + 1])
            want = _block_bounds(self.offsets, block)
            try:
                out = reader.decompress(bytes(self.data[start:end]),
                                        max_output_size=want[1] - want[0])
            except zstandard.ZstdError as exc:
                raise ValueError(f"text block {block} is corrupt ({exc})") from exc
        finally:
            self._free.append(reader)
        if len(out) != want[1] - want[0]:
            raise ValueError(f"text block {block} has the wrong length")
        return out

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The blocks back to back, as saved, ``size`` bytes at a time."""
        for start in range(0, len(self.data), size):
            yield bytes(self.data[start:start + size])

    def text(self, para: int) -> str:
        block = para // BLOCK
        base = int(self.offsets[block * BLOCK])
        data = self._block(block)
        return data[int(self.offsets[para]) - base:int(self.offsets[para + 1]) - base].decode()

    def raw(self, para: int) -> bytes:
        block = para // BLOCK
        base = int(self.offsets[block * BLOCK])
        data: bytes = self._block(block)
        return data[int(self.offsets[para]) - base:int(self.offsets[para + 1]) - base]

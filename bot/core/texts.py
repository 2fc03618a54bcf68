"""Paragraph texts: one buffer while an index is built, zstd blocks once it is saved.

A saved index keeps its texts in blocks of :data:`BLOCK` paragraphs, each compressed with
zstd (level 3) against one dictionary trained on the archive's own paragraphs (small blocks
compress poorly alone; with the dictionary, the bench's synthetic text takes 2.1x less room
and real news more). Reading a paragraph decompresses its block (microseconds) and keeps the
most recently used blocks, so the paragraphs of one answer cost one decompression.
The uncompressed offsets of every paragraph stay as they were (``text_offsets``), so lengths
and budgets need no decompression at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import zstandard

BLOCK = 16  # paragraphs per compressed block
LEVEL = 3
DICT_BYTES = 64 << 10
MIN_DICT_BYTES = 4 << 10  # below this (under ~80 kB of text) blocks go without a dictionary
SAMPLE_PARAGRAPHS = 20_000  # at most this many paragraphs train the dictionary
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

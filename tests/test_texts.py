"""bot/core/texts.py: paragraph texts compressed in blocks while an index is built."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.texts import BLOCK, BlockWriter, Compressed, train


def paragraphs(n: int) -> list[bytes]:
    rng = np.random.default_rng(n)
    words = ["Idlib", "talks", "Astana", "“delusional”", "ceasefire", "Лавров", "said", "the"]
    return [" ".join(rng.choice(words, int(rng.integers(0, 40)))).encode() for _ in range(n)]


def written(texts: list[bytes], per_file: int, train_bytes: int) -> tuple[BlockWriter, list[int]]:
    """The texts added ``per_file`` at a time, compressed after each file, as the builder
    does."""
    writer, offsets = BlockWriter(train_bytes), [0]
    for at in range(0, len(texts), per_file):
        for text in texts[at:at + per_file]:
            writer.pending += text
            offsets.append(offsets[-1] + len(text))
        writer.compress(np.array(offsets, dtype=np.int64))
    return writer, offsets


@pytest.mark.parametrize(("n", "per_file", "train_bytes"),
                         [(0, 1, 1 << 20), (5, 2, 1 << 20), (1000, 37, 2000), (1000, 1000, 50),
                          (BLOCK * 40, BLOCK, 3000)])
def test_every_paragraph_reads_back(n: int, per_file: int, train_bytes: int) -> None:
    texts = paragraphs(n)
    writer, offsets = written(texts, per_file, train_bytes)
    blocks = writer.finish(np.array(offsets, dtype=np.int64))
    assert [blocks.raw(i) for i in range(n)] == texts
    if n > 100:
        assert len(writer.pending) == 0  # nothing left uncompressed
        assert len(blocks.data) < sum(map(len, texts)) / 2


def test_a_small_archive_is_compressed_as_its_whole_text_would_be() -> None:
    texts = paragraphs(3000)
    writer, offsets = written(texts, 100, 1 << 30)
    at = np.array(offsets, dtype=np.int64)
    blocks = writer.finish(at)
    whole = b"".join(texts)
    dictionary = train(whole, at)
    compressed = Compressed(whole, at, dictionary)
    assert dictionary and blocks.dictionary == dictionary
    assert bytes(blocks.data) == b"".join(compressed.blocks())
    np.testing.assert_array_equal(blocks.blocks, compressed.block_offsets())


def test_pending_text_shrinks_once_the_dictionary_is_trained() -> None:
    texts = paragraphs(2000)
    writer, _ = written(texts[:1000], 100, 5000)
    assert len(writer.pending) < sum(map(len, texts[:BLOCK]))  # at most one partial block

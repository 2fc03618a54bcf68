"""A sharded index on disk: generations of shards beside the whole index.

Under ``<index>/shards/``, ``CURRENT`` names the serving generation; a generation is
``corpus.json`` + ``df.npy`` (:class:`~bot.core.shards.Corpus`), ``shard-<i>/`` (a v6 index
folder) and ``shard-<i>.global.npy`` (its paragraphs' numbers in the whole index). A new
generation is written in a temporary folder, renamed, then made current by one rename of the
pointer; the last :data:`KEEP_GENERATIONS` are kept (a replaced generation's actors may still
be answering, or restart).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.core.index import ArchiveIndex
from bot.core.shards import CORPUS, DF, corpus_of, read_corpus, split_index
from bot.core.storage import save_index
from bot.errors import IndexFormatError

log = logging.getLogger(__name__)

SHARDS_DIR = "shards"
POINTER = "CURRENT"
KEEP_GENERATIONS = 2  # the serving one and the one before (its actors may still answer)

SaveIndex = Callable[[ArchiveIndex, Path], Path]


def shards_root(index_folder: Path) -> Path:
    return index_folder / SHARDS_DIR


def write_generation(index: ArchiveIndex, n_shards: int, root: Path, *,
                     save: SaveIndex = save_index) -> Path:
    """Split ``index`` into ``n_shards`` shards saved as a new generation under ``root``,
    then make it current (one rename of the pointer) and drop all but the last
    :data:`KEEP_GENERATIONS`. ``save`` writes one shard's index folder."""
    root.mkdir(parents=True, exist_ok=True)
    name = f"gen-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%f')}-{secrets.token_hex(3)}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        shards = split_index(index, n_shards)
        for i, shard in enumerate(shards):
            save(shard.index, tmp / f"shard-{i}")
            np.save(tmp / f"shard-{i}.global.npy", shard.paragraphs)
        corpus = corpus_of(index, shards)
        np.save(tmp / DF, corpus.df)
        meta = {f.name: getattr(corpus, f.name) for f in dataclasses.fields(corpus)
                if f.name != "df"}
        (tmp / CORPUS).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = root / f".{POINTER}.{name}"
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, root / POINTER)
    old = sorted(p for p in root.iterdir() if p.name.startswith("gen-") and p.name != name)
    for stale in old[:max(0, len(old) - (KEEP_GENERATIONS - 1))]:
        shutil.rmtree(stale, ignore_errors=True)
    log.info("saved %d shards as %s", n_shards, name)
    return root / name


def current_generation(root: Path) -> Path | None:
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = root / name
    if not name.startswith("gen-") or "/" in name or not gen.is_dir():
        raise IndexFormatError(f"{root / POINTER} names no shard generation")
    return gen


def open_generation(index: ArchiveIndex, n_shards: int, root: Path, *,
                    save: SaveIndex = save_index) -> Path:
    """The current generation when it was split from ``index`` into ``n_shards``, else a
    new one written now."""
    gen = current_generation(root)
    if gen is not None:
        try:
            corpus = read_corpus(gen)
            if (corpus.fingerprint, corpus.params, corpus.n_shards, corpus.n_paragraphs,
                    len(corpus.df)) == (index.fingerprint, index.params, n_shards,
                                        index.n_paragraphs, len(index.vocab)):
                return gen  # split from this very index (same content, tokenizer, vocabulary)
        except IndexFormatError as exc:
            log.warning("shards unreadable, splitting again: %s", exc)
    return write_generation(index, n_shards, root, save=save)

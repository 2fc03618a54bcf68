"""Saving and loading the index: round trip, atomic generations, corrupt and foreign files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, build_index
from bot.core.models import Article, Skipped
from bot.core.quotations import Quotation
from bot.core.storage import (
    POINTER,
    FileBytes,
    _map,
    current_generation,
    load_index,
    read_manifest,
    save_index,
    verify_index,
)
from bot.core.tokenize import Tokenizer
from bot.errors import IndexFormatError
from tests.conftest import flip_byte


def small_index() -> ArchiveIndex:
    articles = (
        Article("a", "Alpha", ("Russia’s airstrikes on Idlib.", "Peace talks in Astana."),
                "a.txt", "2018-05-16", "Outlet", None, "https://example.org/a"),
        Article("b", "Beta", ("Aleppo under siege — “we will not surrender”.",), "b.txt"),
    )
    said = articles[1].paragraphs[0].find("we will")
    quotation = Quotation("we will not surrender", None, "quoted", 1, 0, said, said + 21, 0,
                          len(articles[1].paragraphs[0]))
    pf = ParsedFile(FileEntry("a.txt", "h1", 10, 1, ("a", "b"), (Skipped("bad.bin", "binary"),)),
                    articles, quotations=(quotation,))
    return build_index([pf], Tokenizer(TokenizerSettings()), BM25Settings())


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    index = small_index()
    save_index(index, tmp_path)
    loaded = load_index(tmp_path)
    assert loaded is not None
    assert loaded.docs == index.docs
    assert loaded.vocab == index.vocab
    assert loaded.files == index.files
    assert loaded.params == index.params
    assert loaded.fingerprint == index.fingerprint
    assert [loaded.text(i) for i in range(3)] == [index.text(i) for i in range(3)]
    assert loaded.text(2) == "Aleppo under siege — “we will not surrender”."
    assert (loaded.scores != index.scores).nnz == 0
    assert (loaded.tf != index.tf).nnz == 0
    np.testing.assert_array_equal(loaded.para_num, [1, 2, 1])
    assert [str(s) for s in loaded.skipped] == ["bad.bin: binary"]


def test_quotations_are_columns_loaded_memory_mapped(tmp_path: Path) -> None:
    index = small_index()
    gen = save_index(index, tmp_path)
    loaded = load_index(tmp_path)
    assert loaded is not None
    assert list(loaded.quotations) == list(index.quotations)
    (quotation,) = loaded.quotations
    assert (quotation.text, quotation.document, quotation.paragraph) == (
        "we will not surrender", 1, 0)  # article b, the index's second
    text = loaded.text(loaded.docs[1].first)
    assert text[quotation.start:quotation.end] == quotation.text
    assert not loaded.quotations.document.flags.writeable  # a view of the mapped file
    files = read_manifest(gen)["files"]
    assert {"quotations.document.npy", "quotations.text_blob.npy"} <= set(files)
    assert "quotes" not in loaded.extras


def test_runtime_lock_and_verify_threads(tmp_path: Path) -> None:
    from bot.runtime.workers import folder_lock, thread_map

    index = small_index()
    save_index(index, tmp_path, lock=folder_lock)
    loaded = load_index(tmp_path, map_files=thread_map)
    assert loaded is not None and loaded.docs == index.docs


def test_files_written_by_threads_are_the_serial_save_byte_for_byte(tmp_path: Path) -> None:
    from bot.runtime.workers import thread_map

    index = small_index()
    serial = save_index(index, tmp_path / "serial")
    threaded = save_index(index, tmp_path / "threads", map_files=thread_map)
    files = read_manifest(serial)["files"]
    assert read_manifest(threaded)["files"] == files
    assert {"texts.zst", "post_docs.npy", "docs.jsonl", "files.json"} <= set(files)
    for name in files:
        assert (threaded / name).read_bytes() == (serial / name).read_bytes(), name
    loaded = load_index(tmp_path / "threads")
    assert loaded is not None and [loaded.text(i) for i in range(3)] == [
        index.text(i) for i in range(3)]


def test_no_pickle_on_disk(tmp_path: Path) -> None:
    gen = save_index(small_index(), tmp_path)
    for path in gen.iterdir():
        if path.suffix == ".npy":
            # allow_pickle=False refuses object arrays: every array is plain numbers (or
            # the vocabulary's fixed-width bytes).
            assert np.load(path, allow_pickle=False).dtype.kind in "iufS"


def test_missing_index_is_none(tmp_path: Path) -> None:
    assert load_index(tmp_path / "nothing") is None


def test_second_save_replaces_generation_and_cleans_up(tmp_path: Path) -> None:
    first = save_index(small_index(), tmp_path)
    second = save_index(small_index(), tmp_path)
    assert current_generation(tmp_path) == second
    assert not first.exists()
    assert load_index(tmp_path) is not None


def test_crash_before_pointer_keeps_old_index(tmp_path: Path, monkeypatch) -> None:
    first = save_index(small_index(), tmp_path)
    real_replace = os.replace

    def crash_on_pointer(src, dst):
        if Path(dst).name == POINTER:
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_pointer)
    with pytest.raises(OSError, match="disk full"):
        save_index(small_index(), tmp_path)
    monkeypatch.undo()
    assert current_generation(tmp_path) == first
    assert load_index(tmp_path) is not None


def test_truncated_array_is_detected(tmp_path: Path) -> None:
    gen = save_index(small_index(), tmp_path)
    target = gen / "post_tf.npy"
    target.write_bytes(target.read_bytes()[:-8])
    with pytest.raises(IndexFormatError, match=r"post_tf\.npy: corrupt"):
        load_index(tmp_path)
    with pytest.raises(IndexFormatError, match=r"post_tf\.npy: corrupt"):
        load_index(tmp_path, verify=False)  # the size is checked even on a fast start


def test_flipped_byte_is_detected(tmp_path: Path) -> None:
    gen = save_index(small_index(), tmp_path)
    flip_byte(gen / "texts.zst", 3)
    with pytest.raises(IndexFormatError, match="corrupt"):
        load_index(tmp_path)


def test_fast_load_defers_the_checksum_to_verify_index(tmp_path: Path) -> None:
    """A fast start maps the files unread; the flipped byte is found by the later check."""
    gen = save_index(small_index(), tmp_path)
    flip_byte(gen / "texts.zst", 3)
    index = load_index(tmp_path, verify=False)
    assert index is not None and index.saved is not None and not index.saved.verified
    with pytest.raises(IndexFormatError, match=r"texts\.zst: corrupt"):
        verify_index(index)


def _resident_kb(path: Path) -> int | None:
    """Resident kB of this process's mapping of ``path`` (/proc/self/smaps), None when
    it is not mapped."""
    resident, mapped = None, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and not parts[0].endswith(":"):  # a mapping's header: range, ..., path
            mapped = len(parts) >= 6 and parts[5] == str(path)
        elif mapped and parts[0] == "Rss:":
            resident = (resident or 0) + int(parts[1])
    return resident


needs_smaps = pytest.mark.skipif(not Path("/proc/self/smaps").exists(),
                                 reason="needs Linux's smaps")


@needs_smaps
def test_a_verified_file_keeps_no_page_its_checksum_read(tmp_path: Path) -> None:
    """Hashing reads every page of a file; afterwards the mapping holds none of them (they
    stay in the page cache), as after a fast start."""
    path = tmp_path / "post_docs.npy"
    data = np.random.default_rng(0).bytes(8 << 20)
    path.write_bytes(data)
    expected = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    mapped = _map(path, expected, verify=True)
    assert _resident_kb(path) == 0
    assert mapped[5 << 20] == data[5 << 20]  # still readable: from the page cache
    assert 0 < (_resident_kb(path) or 0) < 8 << 10


@needs_smaps
def test_a_loaded_index_reads_its_texts_by_position_not_mapped(tmp_path: Path) -> None:
    """A mapping would keep a large folio resident for every paragraph read; the texts
    are read with pread, so the process never maps them."""
    gen = save_index(small_index(), tmp_path)
    for verify in (True, False):
        index = load_index(tmp_path, verify=verify)
        assert index is not None
        assert index.text(2) == "Aleppo under siege — “we will not surrender”."
        assert _resident_kb(gen / "texts.zst") is None
        assert _resident_kb(gen / "post_docs.npy") is not None  # (the arrays are mapped)


def test_file_bytes_reads_ranges_and_refuses_what_it_cannot(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"0123456789")
    with path.open("rb") as fh:
        data = FileBytes(fh.fileno())
    assert len(data) == 10
    assert (data[2:5], data[8:], data[:0], data[-3:]) == (b"234", b"89", b"", b"789")
    with pytest.raises(ValueError, match="contiguous"):
        data[::2]
    path.write_bytes(b"01")  # truncated under the index
    with pytest.raises(ValueError, match="shrank"):
        data[0:5]


def test_verify_index_passes_a_sound_index_once(tmp_path: Path) -> None:
    save_index(small_index(), tmp_path)
    index = load_index(tmp_path, verify=False)
    assert index is not None
    assert verify_index(index) is True
    assert index.saved is not None and index.saved.verified
    assert verify_index(index) is False  # nothing left to check
    assert verify_index(small_index()) is False  # built in memory: no files


def test_corrupt_postings_give_an_error_not_a_crash(tmp_path: Path) -> None:
    """Before the background check has run, a paragraph id out of range in the postings
    (same size, so the fast load accepts it) raises ValueError in the kernel or numpy."""
    from bot.core.postings import PostingsScorer

    gen = save_index(small_index(), tmp_path)
    target = gen / "post_docs.npy"
    raw = bytearray(target.read_bytes())
    raw[-4:] = (10**6).to_bytes(4, "little")
    target.write_bytes(bytes(raw))
    index = load_index(tmp_path, verify=False)
    assert index is not None
    last_term = int(np.searchsorted(index.postings.indptr, index.postings.nnz - 1, "right")) - 1
    for kernel in (None, False):
        scorer = PostingsScorer(index.postings, index.doc_len, BM25Settings(), kernel=kernel)
        with pytest.raises((ValueError, IndexError)):
            scorer.top([last_term], 3)


def test_foreign_manifest_is_detected(tmp_path: Path) -> None:
    gen = save_index(small_index(), tmp_path)
    (gen / "manifest.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(IndexFormatError, match="not an archive-bot index"):
        load_index(tmp_path)


def test_other_version_is_detected(tmp_path: Path) -> None:
    gen = save_index(small_index(), tmp_path)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["version"] = 99
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="version 99"):
        load_index(tmp_path)


def test_garbage_pointer_is_detected(tmp_path: Path) -> None:
    (tmp_path / POINTER).write_text("../../etc")
    with pytest.raises(IndexFormatError, match="not an archive-bot index pointer"):
        load_index(tmp_path)


def _snapshot(index: ArchiveIndex) -> dict[str, object]:
    return {
        "texts": [index.text(i) for i in range(index.n_paragraphs)],
        "arrays": [np.array(a).tobytes() for a in (
            index.para_doc, index.para_num, index.text_offsets, index.doc_len,
            index.postings.indptr, index.postings.docs, index.postings.tf,
        )],
        "dense": index.scores.toarray().tobytes(),
    }


def test_loaded_index_survives_its_generation_being_removed(tmp_path: Path) -> None:
    """A loaded index memory-maps its files; a reindex saving generation B deletes A's folder
    while A may still be serving. Unlinked mapped files must stay fully readable."""
    save_index(small_index(), tmp_path)
    old = load_index(tmp_path)
    assert old is not None
    before = _snapshot(old)
    gen_a = current_generation(tmp_path)
    other = build_index(
        [ParsedFile(FileEntry("c.txt", "h3", 5, 1, ("c",)),
                    (Article("c", "Gamma", ("Something else entirely.",), "c.txt"),))],
        Tokenizer(TokenizerSettings()), BM25Settings(),
    )
    save_index(other, tmp_path)
    assert gen_a is not None and not gen_a.exists()
    assert _snapshot(old) == before
    assert old.text(2) == "Aleppo under siege — “we will not surrender”."
    new = load_index(tmp_path)
    assert new is not None and new.text(0) == "Something else entirely."


def test_loaded_index_can_be_saved_again(tmp_path: Path) -> None:
    """Re-saving a loaded (memory-mapped, read-only) index writes byte-identical files."""
    first = save_index(small_index(), tmp_path / "a")
    loaded = load_index(tmp_path / "a")
    assert loaded is not None
    second = save_index(loaded, tmp_path / "b")
    files_a = json.loads((first / "manifest.json").read_text())["files"]
    files_b = json.loads((second / "manifest.json").read_text())["files"]
    assert files_a == files_b
    for name, check in files_b.items():
        assert (second / name).stat().st_size == check["size"]


def test_save_writes_what_np_save_writes(tmp_path: Path) -> None:
    index = small_index()
    gen = save_index(index, tmp_path)
    buf = io.BytesIO()
    np.save(buf, index.postings.tf, allow_pickle=False)
    assert (gen / "post_tf.npy").read_bytes() == buf.getvalue()
    loaded = load_index(tmp_path)
    assert loaded is not None
    assert [loaded.text(i) for i in range(index.n_paragraphs)] == [
        index.text(i) for i in range(index.n_paragraphs)]


def test_texts_are_saved_in_zstd_blocks_and_read_back_exactly(tmp_path: Path) -> None:
    """Enough text to train a dictionary and fill several blocks (one partly), including
    multi-byte characters on both sides of a block boundary."""
    paragraphs = tuple(f"Paragraph {i}: the council met on {i % 28 + 1} March — “budget "
                       f"talks” resumed, {'é' * (i % 7)} item {i * 7919 % 1000}." for i in
                       range(1, 2000))
    article = Article("big", "Big", paragraphs, "big.txt")
    index = build_index([ParsedFile(FileEntry("big.txt", "h", 1, 1, ("big",)), (article,))],
                        Tokenizer(TokenizerSettings()), BM25Settings())
    gen = save_index(index, tmp_path)
    raw = sum(len(p.encode()) for p in paragraphs)
    assert (gen / "texts.zst").stat().st_size < raw / 3
    assert (gen / "texts.dict").stat().st_size > 0  # a dictionary was trained
    loaded = load_index(tmp_path)
    assert loaded is not None
    assert [loaded.text(i) for i in range(len(paragraphs))] == list(paragraphs)
    again = save_index(loaded, tmp_path / "again")  # blocks copied, byte for byte
    assert (again / "texts.zst").read_bytes() == (gen / "texts.zst").read_bytes()


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(DEEP_JSON, "nested too deeply", id="deep-list"),
        pytest.param('{"a":' * 50_000 + "1" + "}" * 50_000, "nested too deeply", id="deep-object"),
        pytest.param("\x00\xff garbage", "unreadable manifest", id="binary"),
        pytest.param("[1, 2]", "not an archive-bot index", id="a-list"),
        pytest.param(json.dumps({"format": "archive-bot-index", "version": [1]}),
                     "format version list", id="odd-version"),
    ],
)
def test_hostile_manifest_is_an_index_format_error(tmp_path: Path, manifest: str,
                                                   message: str) -> None:
    gen = save_index(small_index(), tmp_path)
    (gen / "manifest.json").write_bytes(manifest.encode("utf-8", "surrogateescape"))
    with pytest.raises(IndexFormatError, match=message):
        load_index(tmp_path)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"files": []}, "'files'", id="files-a-list"),
        pytest.param({"files": {"docs.json": "abc"}}, "files.docs.json", id="file-check-a-str"),
        pytest.param({"counts": {"documents": "6"}}, "counts.documents", id="count-a-str"),
        pytest.param({"params": None}, "'params'", id="params-null"),
        pytest.param({"build_seconds": True}, "'build_seconds'", id="seconds-a-bool"),
    ],
)
def test_manifest_of_wrong_types_is_corrupt(tmp_path: Path, change: dict[str, object],
                                            field: str) -> None:
    gen = save_index(small_index(), tmp_path)
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps({**manifest, **change}))
    with pytest.raises(IndexFormatError, match=re.escape(f"corrupt manifest (field {field})")
                       if field.startswith("'") else re.escape(f"corrupt manifest ({field})")):
        load_index(tmp_path)


def test_special_files_in_the_index_do_not_block(tmp_path: Path) -> None:
    """A FIFO (or a link to a device) where a file should be is reported, never opened."""
    gen = save_index(small_index(), tmp_path)
    (gen / "vocab_long.json").unlink()
    os.mkfifo(gen / "vocab_long.json")
    with pytest.raises(IndexFormatError,
                       match=r"vocab_long\.json: index file is not a regular file"):
        load_index(tmp_path)
    (gen / "manifest.json").unlink()
    (gen / "manifest.json").symlink_to("/dev/zero")
    with pytest.raises(IndexFormatError, match="index manifest is not a regular file"):
        load_index(tmp_path)
    (tmp_path / POINTER).unlink()
    os.mkfifo(tmp_path / POINTER)
    with pytest.raises(IndexFormatError, match="index pointer is not a regular file"):
        load_index(tmp_path)


def test_pointer_to_a_missing_or_non_folder_generation(tmp_path: Path) -> None:
    (tmp_path / POINTER).write_text("gen-nothing-here")
    with pytest.raises(IndexFormatError, match="not an index folder"):
        load_index(tmp_path)
    (tmp_path / "gen-file").write_text("x")
    (tmp_path / POINTER).write_text("gen-file")
    with pytest.raises(IndexFormatError, match="not an index folder"):
        load_index(tmp_path)


def test_oversized_manifest_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    gen = save_index(small_index(), tmp_path)
    monkeypatch.setattr("bot.core.storage.MANIFEST_MAX_BYTES", 100)
    with pytest.raises(IndexFormatError, match="index manifest too large"):
        read_manifest(gen)

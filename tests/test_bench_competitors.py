"""The competitor adapters of the engine bench (bench/competitors.py) on a tiny corpus.

They need the ``bench`` extra (tantivy, bm25s); without it these tests are skipped, and the
``dev`` extra must not pull it in."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bench.competitors import ENGINES, build_engine, load_engine, missing, overlap

REPO = Path(__file__).resolve().parent.parent

# Space-joined terms, one paragraph each, as the bench feeds them (our tokenizer's output).
DOCS = [
    "harbour ferri timet chang",
    "council vote budget road",
    "ferri ferri strike harbour worker",
    "zebra crossing school",
    "budget council council deficit",
    "rock'n'roll festiv park",
    "weather storm coast",
    "museum open exhibit",
    "",
    "train station delay",
    "river flood warn",
    "market price fish",
]

needs_extra = pytest.mark.skipif(
    bool(missing()), reason=f"bench extra not installed ({', '.join(missing())} missing: "
    "pip install -e '.[bench]')")


@needs_extra
@pytest.mark.parametrize("engine", ENGINES)
def test_each_competitor_finds_the_one_paragraph_that_answers(engine: str,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / engine
    assert build_engine(engine, iter(DOCS), folder, k1=1.5, b=0.75) == len(DOCS)
    loaded = load_engine(engine, folder)

    assert loaded.search(["zebra"], 10).ids == [3]
    # Two of the three terms only in paragraph 2 (and "ferri" twice there): it ranks first.
    hits = loaded.search(["ferri", "strike", "harbour"], 10)
    assert hits.ids[0] == 2
    assert sorted(hits.ids) == [0, 2]
    # Our tokens are indexed verbatim, not re-tokenized (the apostrophes stay).
    assert loaded.search(["rock'n'roll"], 10).ids == [5]
    assert loaded.search(["unknownterm"], 10).ids == []
    assert loaded.search([], 10).ids == []


@needs_extra
def test_tantivy_counts_every_matching_paragraph(tmp_path: Path) -> None:
    build_engine("tantivy", iter(DOCS), tmp_path / "t", k1=1.5, b=0.75)
    loaded = load_engine("tantivy", tmp_path / "t")
    hits = loaded.search(["council", "budget", "harbour"], 1)
    assert hits.ids == [4]  # "council" twice + "budget" in a short paragraph
    assert hits.total == 4  # paragraphs 0, 1, 2 and 4, beyond the limit of 1


def test_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown engine 'lucene'"):
        build_engine("lucene", iter(DOCS), tmp_path, k1=1.5, b=0.75)


def test_overlap_is_the_shared_share_of_two_top_lists() -> None:
    assert overlap([1, 2, 3, 4], [4, 3, 9, 8]) == 0.5
    assert overlap([1, 2], [1, 2, 3, 4]) == 0.5
    assert overlap([], []) == 1.0
    assert overlap([1], []) == 0.0


def test_the_bench_extra_pins_the_competitors_and_dev_does_not_need_them() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    assert sorted(d.split("=")[0] for d in extras["bench"]) == ["bm25s", "tantivy"]
    assert "tantivy==0.27.*" in extras["bench"]
    assert not [d for d in extras["dev"] if d.startswith(("tantivy", "bm25s"))]

"""The benchmark's synthetic archive generator is deterministic and shaped as documented."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench.generate import Params, generate, is_current, plan
from bot.core.ingest import parse_file
from bot.core.tokenize import STOPWORDS


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.jsonl")}


def test_generator_is_byte_identical_and_in_range(tmp_path: Path) -> None:
    params = Params(3_000, articles_per_file=60)
    one, two = tmp_path / "one", tmp_path / "two"
    generate(params, one, jobs=1)
    generate(params, two, jobs=2)  # worker count must not change the bytes
    assert digest(one) == digest(two)
    assert len(digest(one)) == -(-len(plan(params)) // 60) > 1
    assert is_current(one, params)
    assert not is_current(one, Params(3_000, articles_per_file=60, seed=1))

    paragraphs, words, stop, total, quotes = 0, [], 0, 0, 0
    ids: set[str] = set()
    for path in sorted(one.glob("*.jsonl")):
        articles, skipped = parse_file(path, one)
        assert skipped == []
        for article in articles:
            assert params.min_paras <= len(article.paragraphs) <= params.max_paras
            assert article.date is not None and "2005" <= article.date[:4] <= "2024"
            assert article.source and article.url and article.doc_id not in ids
            ids.add(article.doc_id)
            paragraphs += len(article.paragraphs)
            for para in article.paragraphs:
                tokens = para.split()
                words.append(len(tokens))
                stop += sum(t.strip(",.?“”").lower() in STOPWORDS for t in tokens)
                total += len(tokens)
                quotes += para.count("” said ")
    assert paragraphs == params.paragraphs
    assert min(words) >= params.min_words and max(words) <= params.max_words
    assert 0.3 < stop / total < 0.5  # stop words at a realistic share
    assert quotes > paragraphs // 10  # quoted statements for quote lookup


def test_other_seed_differs(tmp_path: Path) -> None:
    generate(Params(500, seed=1, vocab_size=20_000), tmp_path / "a")
    generate(Params(500, seed=2, vocab_size=20_000), tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "b")

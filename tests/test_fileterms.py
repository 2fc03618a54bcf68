"""A worker's term ids local to its file (bot.core.fileterms) and the builder merging them."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import random
from array import array
from typing import Any

import numpy as np
import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.fileterms import FileTerms, TermCollector
from bot.core.index import ArchiveIndex, FileEntry, IndexBuilder, ParsedFile
from bot.core.models import Article
from bot.core.tokenize import Tokenizer, compiled_terms

PARAGRAPHS = [
    ["air", "strike", "idlib"],
    [],
    ["idlib", "talks", "air", "air"],
    ["astana", "talks"],
]


def tokens_of(terms: FileTerms) -> list[list[str]]:
    """Every paragraph's tokens back from the ids and lengths."""
    out, at = [], 0
    for n in terms.lengths:
        out.append([terms.vocab[t] for t in terms.ids[at:at + n]])
        at += n
    assert at == len(terms.ids)
    return out


def collected(paragraphs: list[list[str]]) -> FileTerms:
    collector = TermCollector()
    for tokens in paragraphs:
        collector.add(tokens)
    return collector.finish()


def test_terms_are_numbered_in_the_order_the_file_first_uses_them() -> None:
    terms = collected(PARAGRAPHS)
    assert terms.vocab == ("air", "strike", "idlib", "talks", "astana")
    assert list(terms.lengths) == [3, 0, 4, 2]
    assert tokens_of(terms) == PARAGRAPHS


WORDS = ["air", "strike", "Idlib", "the", "talks", "Astana", "3,500", "don't", "O’Brien",
         "café", "“no”", "Straße", "ﬁnancial", "of", "running", "x_y", "2.5", "`quoted`"]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) + rng.choice(["", ",", ".", " "])
                     for _ in range(rng.randint(0, 14))) for _ in range(n)]


@pytest.mark.parametrize("compiled", [None, False])
def test_texts_collected_in_one_pass_equal_their_tokens_collected(
        compiled: bool | None) -> None:
    """add_text (the tokenizer's C pass where it applies: ASCII text, every word cached;
    else the expression and the numbering loop) gives exactly what add(tokenizer(text))
    gives, cold and warm, with ASCII and non-ASCII text; the Python reference too."""
    texts = _texts(5, 600)
    tokenizer = Tokenizer(TokenizerSettings(), compiled=compiled)
    reference = Tokenizer(TokenizerSettings(), compiled=False)
    for _ in range(2):  # cold, then with every word cached
        by_text, by_tokens = TermCollector(compiled=compiled), TermCollector(compiled=False)
        for text in texts:
            by_text.add_text(text, tokenizer)
            by_tokens.add(reference(text))
        assert by_text.finish() == by_tokens.finish()


def test_the_compiled_numbering_equals_the_reference() -> None:
    rng = random.Random(8)
    paragraphs = [[rng.choice(WORDS) for _ in range(rng.randint(0, 30))] for _ in range(500)]
    fast, slow = TermCollector(), TermCollector(compiled=False)
    for tokens in paragraphs:
        fast.add(tokens)
        slow.add(tokens)
    terms = fast.finish()
    assert terms == slow.finish()
    assert tokens_of(terms) == paragraphs


COMPILED = pytest.mark.skipif(
    compiled_terms() is None,
    reason="the tokenizer's C fast path is not built (no compiler at install)")


def _reference_ids(text: str, cache: dict[str, str | None], numbering: dict[str, int],
                   out: bytearray) -> int:
    """What Words.ids is defined as: number(terms(text, cache), ...), -1 where terms() is
    None."""
    _tokens = importlib.import_module("bot.core._tokens")  # built: compiled_terms() found it
    terms = _tokens.terms(text, cache)
    if terms is None:
        return -1
    return int(_tokens.number(terms, numbering, out))  # TypeError for a term not a str


def _ids(kind: str) -> Any:
    _tokens = importlib.import_module("bot.core._tokens")
    return _reference_ids if kind == "reference" else _tokens.Words().ids


@COMPILED
@pytest.mark.parametrize("kind", ["reference", "table"])
def test_the_one_pass_leaves_nothing_behind_where_it_cannot_apply(kind: str) -> None:
    _tokens = importlib.import_module("bot.core._tokens")
    ids = _ids(kind)
    cache: dict[str, str | None] = {"talks": "talk", "the": None, "air": "air"}
    numbering, out = {"air": 0}, bytearray(b"\x01\x00\x00\x00")
    assert ids("the talks resumed", cache, numbering, out) == -1  # "resumed" uncached
    assert ids("café talks", cache, numbering, out) == -1  # not ASCII
    assert numbering == {"air": 0} and out == b"\x01\x00\x00\x00"
    assert ids("the talks, air talks", cache, numbering, out) == 3
    assert numbering == {"air": 0, "talk": 1}
    assert array("i", bytes(out)).tolist() == [1, 1, 0, 1]
    with pytest.raises(TypeError):
        _tokens.number(["talk", 3], numbering, out)
    with pytest.raises(TypeError):
        ids("wind", {"wind": 5}, numbering, out)  # a cached term must be str or None


@COMPILED
def test_the_word_table_gives_what_the_dictionaries_give() -> None:
    """Words.ids against terms() + number(): 60,000 distinct words (the table grows past its first
    size), shared stems, stop words, three files (numbering dictionaries) in turn, and terms
    numbered between calls by the other path (_tokens.number, the fallback for a miss)."""
    _tokens = importlib.import_module("bot.core._tokens")
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 9)))
                    for _ in range(70_000)})
    cache: dict[str, str | None] = {w: (None if i % 13 == 0 else w[:max(1, len(w) - 2)])
                                    for i, w in enumerate(words)}
    table = _tokens.Words()
    for file in range(3):
        mine: dict[str, int] = {}
        theirs: dict[str, int] = {}
        out_mine, out_theirs = bytearray(), bytearray()
        for n in range(1_500):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
            if n % 7 == 3:  # the fallback numbers some terms straight into the dictionary
                extra = [rng.choice(words) + "q" for _ in range(3)]
                for numbering, out in ((mine, out_mine), (theirs, out_theirs)):
                    _tokens.number(extra, numbering, out)
            assert table.ids(text, cache, mine, out_mine) == _reference_ids(
                text, cache, theirs, out_theirs)
        assert mine == theirs and out_mine == out_theirs, file
    assert table.size() > 32_768


@COMPILED
def test_a_word_the_cache_lacks_is_given_to_term_of() -> None:
    """With term_of, Words.ids is terms() + number() as if the cache held term_of of every
    word; a term_of that fails or gives no str leaves nothing numbered or appended."""
    _tokens = importlib.import_module("bot.core._tokens")
    rng = random.Random(5)
    words = [f"w{n}" for n in range(3_000)] + ["the", "3,500"]
    asked: list[str] = []

    def term_of(word: str) -> str | None:
        asked.append(word)
        return None if word == "the" else word[:3]

    table, cache = _tokens.Words(), {"w1": "cached"}
    full = {w: term_of(w) for w in words} | cache
    asked.clear()
    mine: dict[str, int] = {}
    theirs: dict[str, int] = {}
    out_mine, out_theirs = bytearray(), bytearray()
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        assert table.ids(text, cache, mine, out_mine, term_of) == _reference_ids(
            text, full, theirs, out_theirs)
    assert mine == theirs and out_mine == out_theirs
    assert "w1" not in asked and len(asked) == len(set(asked))  # each asked once, if at all
    before = (dict(mine), bytes(out_mine))
    with pytest.raises(ZeroDivisionError):
        table.ids("w2 fresh", cache, mine, out_mine, lambda w: 1 / 0)
    with pytest.raises(TypeError):
        table.ids("w2 newer", cache, mine, out_mine, lambda w: 7)
    assert (mine, bytes(out_mine)) == before
    assert table.ids("café w2", cache, mine, out_mine, term_of) == -1  # not ASCII


def test_select_keeps_the_chosen_paragraphs_and_the_vocabulary() -> None:
    terms = collected(PARAGRAPHS)
    kept = terms.select([range(0, 1), range(2, 2), range(3, 4)])
    assert kept.vocab == terms.vocab
    assert tokens_of(kept) == [PARAGRAPHS[0], PARAGRAPHS[3]]


@pytest.mark.parametrize("compiled", [None, False])
def test_global_ids_number_new_terms_as_a_token_by_token_pass_would(
        compiled: bool | None) -> None:
    terms = collected(PARAGRAPHS)
    vocab = {"talks": 0, "zebra": 1}
    ids = terms.global_ids(vocab, compiled=compiled)
    by_token: dict[str, int] = {"talks": 0, "zebra": 1}
    expected = [by_token.setdefault(t, len(by_token)) for p in PARAGRAPHS for t in p]
    assert ids.tolist() == expected and vocab == by_token


def test_a_term_id_outside_the_file_vocabulary_is_refused() -> None:
    terms = collected(PARAGRAPHS)
    broken = dataclasses.replace(terms, vocab=terms.vocab[:2])
    with pytest.raises(ValueError, match="outside its file's vocabulary"):
        broken.global_ids({})


def test_file_terms_survive_pickling_as_workers_send_them() -> None:
    terms = collected(PARAGRAPHS)
    back = pickle.loads(pickle.dumps(terms))
    assert back == terms


def _articles() -> tuple[Article, ...]:
    return (
        Article("a", "A", ("Air strikes hit Idlib.", "Talks in Astana resumed."), "a.txt"),
        Article("b", "B", ("Idlib residents fled the air strikes.",), "a.txt"),
    )


def _index(terms: FileTerms | None, tokenizer: Tokenizer) -> ArchiveIndex:
    builder = IndexBuilder(tokenizer, BM25Settings())
    builder.add(ParsedFile(FileEntry("a.txt", "h", 1, 1, ("a", "b")), _articles(), terms))
    return builder.finish()


def test_an_index_from_worker_ids_equals_one_tokenized_in_place() -> None:
    tokenizer = Tokenizer(TokenizerSettings())
    terms = collected([tokenizer(p) for a in _articles() for p in a.paragraphs])
    merged, tokenized = _index(terms, tokenizer), _index(None, tokenizer)
    assert merged.vocab.terms == tokenized.vocab.terms
    assert np.array_equal(merged.doc_len, tokenized.doc_len)
    for name in ("indptr", "docs", "tf"):
        assert np.array_equal(getattr(merged.postings, name), getattr(tokenized.postings, name))
    assert [(d.first, d.count) for d in merged.docs] == [(0, 2), (2, 1)]


def test_worker_ids_for_the_wrong_number_of_paragraphs_are_an_error() -> None:
    tokenizer = Tokenizer(TokenizerSettings())
    with pytest.raises(ValueError, match="term ids for 1 paragraphs, the file has 3"):
        _index(collected([["air"]]), tokenizer)


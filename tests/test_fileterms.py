"""A worker's term ids local to its file (bot.core.fileterms) and the builder merging them."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.fileterms import FileTerms, TermCollector
from bot.core.index import ArchiveIndex, FileEntry, IndexBuilder, ParsedFile
from bot.core.models import Article
from bot.core.tokenize import Tokenizer

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


def test_select_keeps_the_chosen_paragraphs_and_the_vocabulary() -> None:
    terms = collected(PARAGRAPHS)
    kept = terms.select([range(0, 1), range(2, 2), range(3, 4)])
    assert kept.vocab == terms.vocab
    assert tokens_of(kept) == [PARAGRAPHS[0], PARAGRAPHS[3]]


def test_global_ids_number_new_terms_as_a_token_by_token_pass_would() -> None:
    terms = collected(PARAGRAPHS)
    vocab = {"talks": 0, "zebra": 1}
    ids = terms.global_ids(lambda t: vocab.setdefault(t, len(vocab)))
    by_token: dict[str, int] = {"talks": 0, "zebra": 1}
    expected = [by_token.setdefault(t, len(by_token)) for p in PARAGRAPHS for t in p]
    assert ids.tolist() == expected and vocab == by_token


def test_a_term_id_outside_the_file_vocabulary_is_refused() -> None:
    terms = collected(PARAGRAPHS)
    broken = dataclasses.replace(terms, vocab=terms.vocab[:2])
    with pytest.raises(ValueError, match="outside its file's vocabulary"):
        broken.global_ids(lambda t: 0)


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


"""The vocabulary: ids by binary search in a sorted fixed-width array, long terms apart."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.vocab import WIDTH, Vocabulary


def test_ids_round_trip_in_sorted_order_with_long_and_odd_terms() -> None:
    long = "x" * (WIDTH + 5)
    terms = ["zeta", "alpha", long, "ünïcode", "b", "a\0b", "https://example.org/" + "p" * 30]
    vocab, new_id = Vocabulary.build(terms)
    assert len(vocab) == len(terms)
    # every input term gets the id its position maps to, and back
    for i, term in enumerate(terms):
        assert vocab.get(term) == int(new_id[i])
        assert vocab[int(new_id[i])] == term
    assert vocab.ids([*terms, "missing", ""]) == [*new_id.tolist(), -1, -1]
    short = [t for t in terms if len(t.encode()) <= WIDTH and "\0" not in t]
    assert list(vocab)[: len(short)] == sorted(short, key=str.encode)  # short ones first
    assert long in vocab and "missing" not in vocab
    assert vocab.lookup == {t: vocab.get(t) for t in terms}


def test_a_prefix_is_not_a_match() -> None:
    vocab, _ = Vocabulary.build(["talks", "talk"])
    assert vocab.get("tal") == -1 and vocab.get("talkss") == -1
    assert vocab.ids(["talk", "talks", "ta"]) == [0, 1, -1]


def test_empty_vocabulary() -> None:
    vocab = Vocabulary(np.array([], dtype=f"S{WIDTH}"), [])
    assert len(vocab) == 0 and vocab.ids(["a"]) == [-1] and vocab.get("a") == -1


def test_ids_looked_up_again_are_the_same_known_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    vocab, _ = Vocabulary.build(["idlib", "astana", "x" * 40])
    first = vocab.ids(["astana", "nowhere", "x" * 40])
    assert first == [vocab.get("astana"), -1, vocab.get("x" * 40)]
    assert vocab.ids(["astana", "nowhere", "x" * 40]) == first  # from the remembered ids
    monkeypatch.setattr("bot.core.vocab.KNOWN_TERMS", 2)  # forgetting keeps answers right
    assert vocab.ids(["idlib", "astana", "nowhere"]) == [vocab.get("idlib"), first[0], -1]

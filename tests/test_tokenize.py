"""The tokenizer (bot/core/tokenize.py): one for paragraphs and queries, so the properties
that matter are that equal text gives equal terms, whatever its typography, and that the
highlighting spans are exactly the words whose terms were asked for."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bot.config import TokenizerSettings
from bot.core.tokenize import STOPWORDS, Tokenizer, compiled_terms, normalize

SENTENCE = "The Russians were running the talks"


def tokenizer(**kwargs: bool) -> Tokenizer:
    return Tokenizer(TokenizerSettings(**kwargs))


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, ["russian", "run", "talk"]),
        ({"stemming": False}, ["russians", "running", "talks"]),
        ({"stopwords": False}, ["the", "russian", "were", "run", "the", "talk"]),
        ({"stopwords": False, "stemming": False},
         ["the", "russians", "were", "running", "the", "talks"]),
    ],
)
def test_stemming_and_stop_words_follow_the_settings(
    settings: dict[str, bool], expected: list[str]
) -> None:
    assert tokenizer(**settings)(SENTENCE) == expected


def test_the_fingerprint_changes_with_every_setting() -> None:
    prints = [tokenizer(stopwords=a, stemming=b).fingerprint()
              for a in (True, False) for b in (True, False)]
    assert len({repr(sorted(p.items())) for p in prints}) == 4


def test_no_stop_word_survives_and_the_list_is_lowercase() -> None:
    t = tokenizer(stemming=False)
    assert all(w == w.lower() for w in STOPWORDS)
    assert t(" ".join(sorted(STOPWORDS))) == []
    assert t(" ".join(sorted(STOPWORDS)).upper()) == []


@pytest.mark.parametrize(
    ("typographic", "plain"),
    [
        ("Russia’s offensive", "Russia's offensive"),
        ("Russia‘s offensive", "Russia's offensive"),
        ("Russia`s offensive", "Russia's offensive"),
        ("O’Brien said “no”", "O'Brien said \"no\""),
        ("«Idlib»", '"Idlib"'),
        ("ﬁnancial aid", "financial aid"),  # ligature (NFKC)
        ("Ｆｕｌｌ ceasefire", "Full ceasefire"),  # full-width letters (NFKC)
        ("STRASSE", "Straße"),  # case folding, not just lower()
    ],
)
def test_typography_does_not_change_the_terms(typographic: str, plain: str) -> None:
    t = tokenizer()
    assert t(typographic) == t(plain) != []
    assert normalize(typographic) == normalize(plain)


def test_possessives_numbers_and_inner_apostrophes() -> None:
    t = tokenizer()
    assert t("Russia's") == t("Russia") == ["russia"]
    assert t("3,500 civilians and 2.5 km") == ["3500", "civilian", "2.5", "km"]
    assert t("O'Brien don't") == ["o'brien", "don't"]
    assert t("al-Assad") == ["al", "assad"]


def test_normalize_is_nfkc_quote_folded_and_case_folded() -> None:
    for text in ("Ａｌｅｐｐｏ ‘x’ «y» Straße", "ascii `tick` Text", "ΣΊΣΥΦΟΣ ①"):
        out = normalize(text)
        assert out == unicodedata.normalize("NFKC", out)
        assert out == out.casefold()
        assert not set(out) & set("‘’“”«»`")


def _random_text(rng: random.Random) -> str:
    words = ["Russia’s", "talks", "ﬁnancial", "IDLIB", "the", "3,500", "O’Brien", "«aid»",
             "Straße", "running", "Ｆｕｌｌ", "civilians", "of", "Aleppo,", "“no”", "2.5"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))


def test_spans_are_the_words_whose_terms_were_asked_for() -> None:
    t = tokenizer()
    rng = random.Random(11)
    for _ in range(200):
        text = _random_text(rng)
        terms = t(text)
        wanted = set(rng.sample(terms, k=min(len(terms), rng.randint(0, 3))))
        spans = t.spans(text, wanted)
        assert spans == sorted(spans)
        found: set[str] = set()
        for start, end in spans:
            assert 0 <= start < end <= len(text)
            word_terms = t(text[start:end])
            assert len(word_terms) == 1 and word_terms[0] in wanted
            found.update(word_terms)
        # Every asked-for term of the text is highlighted somewhere, and nothing else is.
        assert found == wanted
        covered = "".join(" " if any(a <= i < b for a, b in spans) else c
                          for i, c in enumerate(text))
        assert not set(t(covered)) & wanted


def test_spans_of_nothing_are_empty() -> None:
    assert tokenizer().spans("Russia's offensive", []) == []


def test_terms_are_deterministic_and_independent_of_the_cache() -> None:
    rng = random.Random(5)
    texts = [_random_text(rng) for _ in range(100)]
    warm = tokenizer()
    first = [warm(text) for text in texts]
    assert [warm(text) for text in texts] == first  # from the cache
    assert [tokenizer()(text) for text in texts] == first  # a fresh tokenizer each time
    assert [tokenizer()(text) for text in reversed(texts)] == first[::-1]


ASCII_PIECES = ["a", "Ab", "9", "0", "_", "'", "''", ".", ",", "-", " ", "\t", "\n", "`", "3,500",
                "2.5.", "1..2", "don't", "rock'n'roll", "US", "the", "said", "12'5", "x_y"]


@pytest.mark.skipif(compiled_terms() is None,
                    reason="the tokenizer's C fast path is not built (no compiler at install)")
@pytest.mark.parametrize("settings", [{}, {"stopwords": False, "stemming": False}])
def test_the_compiled_ascii_path_finds_the_terms_the_expression_finds(
        settings: dict[str, bool]) -> None:
    rng = random.Random(11)
    texts = ["".join(rng.choice(ASCII_PIECES) for _ in range(rng.randint(0, 25)))
             for _ in range(3000)]
    texts += [_random_text(rng) for _ in range(200)]
    fast = Tokenizer(TokenizerSettings(**settings))
    reference = Tokenizer(TokenizerSettings(**settings), compiled=False)
    assert [fast(t) for t in texts] == [reference(t) for t in texts]  # cold: the expression
    assert [fast(t) for t in texts] == [reference(t) for t in texts]  # warm: the C pass
    cached = {"talks": "talk", "the": None}
    terms = compiled_terms()
    assert terms is not None
    assert terms("the talks, the talks", cached) == ["talk", "talk"]
    assert terms("the talks resumed", cached) is None  # a word not cached yet
    assert terms("café talks", cached) is None  # not ASCII

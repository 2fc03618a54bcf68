"""Quotation extraction reads lazily (names only when a speaker must be resolved, sentences
only around quotations): it must still find exactly what reading every sentence in full did.

A deterministic generated archive of news-like paragraphs (names, titles, initials,
acronyms, possessives, ``al-`` names, pronouns, quotations of every kind, reported speech,
dash attributions, line breaks) is checked three ways: against a plain reading of its
quotation marks, for invariants (every quotation verbatim in its paragraph,
every speaker named in its article), and piece by piece (sentences found around an offset,
names of a range of sentences, the first name of a window) against the full computation.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bot.config import BM25Settings, TokenizerSettings
from bot.core.answers import cues
from bot.core.answers.marks import blank, word_count
from bot.core.answers.quotes import extract_quotes
from bot.core.answers.sentences import (
    Sentences,
    _boundary,
    _cut_at,
    _terminators,
    first_name,
    names_between,
    names_in,
    sentence_cuts,
    split_sentences,
)
from bot.core.index import ArchiveIndex, FileEntry, ParsedFile, build_index
from bot.core.models import Article
from bot.core.quotations import Quotation
from bot.core.search import Archive
from bot.core.tokenize import Tokenizer

NEWSPAGES = Path(__file__).parent / "data" / "newspages"
FIRST = ["Anna", "Omar", "Maria", "John", "Walid", "Sergey", "Zeina", "Rory", "Staffan", "Li"]
LAST = ["Berg", "Haddad", "Lopez", "Kerry", "Muallem", "Lavrov", "Khodr", "Challands",
        "Mistura", "Wei"]
ORGS = ["Al Jazeera", "the State Department", "the Interior Ministry", "the UN", "Reuters",
        "the Syrian Observatory for Human Rights"]
TITLES = ["Mr.", "Gen.", "President", "Dr.", "Foreign Minister", "Sen."]
PLACES = ["Aleppo", "Idlib", "Vienna", "Astana", "Geneva", "the U.S.", "Eastern Ghouta"]
WORDS = ("the talks will continue next week and nobody expects a quick result here while "
         "forces keep moving toward town with aid convoys waiting at border crossings for "
         "days as people flee").split()
VERBS = ["said", "added", "told reporters", "warned", "stressed", "insisted", "explained"]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _name(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return rng.choice([
        f"{first} {last}", f"{first} {last}", last, f"{rng.choice(TITLES)} {last}",
        f"{first} F. {last}", f"{first} al-{last}", f"{rng.choice(TITLES)} {first} {last}",
        f"{rng.choice(TITLES)} al-{last}", f"al-{last}",
    ])


def _sentence(rng: random.Random) -> str:
    name, words = _name(rng), _words(rng, rng.randint(3, 9))
    clause = f"{rng.choice(['the', 'a', 'their'])} {_words(rng, rng.randint(4, 8))}"
    return rng.choice([
        f"{words.capitalize()} in {rng.choice(PLACES)}.",
        f"{name} met {_name(rng)} in {rng.choice(PLACES)} on Monday.",
        f"“{words.capitalize()},” {rng.choice(VERBS)} {name}.",
        f"“{words.capitalize()},” {rng.choice(['he', 'she'])} {rng.choice(VERBS)}.",
        f"“{words.capitalize()},” {name} {rng.choice(VERBS)}. “{_words(rng, 5).capitalize()}.”",
        f'"{words.capitalize()}," said {name}.',
        f"{name} said: “{words.capitalize()}.”",
        f"{name} said that “{words}” and left.",
        f"“Never,” {name} said.",
        f"{name} called it a “disaster” in {rng.choice(PLACES)}.",
        f"A report titled “{words.title()}” was released.",
        f"{name} {rng.choice(VERBS)} on Tuesday that {clause}.",
        f"According to {name}, an aid worker, {clause}.",
        f"{clause.capitalize()}, {rng.choice(LAST)} said.",
        f"{clause.capitalize()}, {rng.choice(['he', 'she'])} said.",
        f"{rng.choice(ORGS).capitalize()} said it {_words(rng, 5)}.",
        f"“{words.capitalize()},” {rng.choice(ORGS)} said.",
        f"{rng.choice(ORGS).capitalize()}’s {rng.choice(FIRST)} {rng.choice(LAST)} said "
        f"“{words}.”",
        f"She said they {_words(rng, 6)}.",
        f"Russian-led forces reached {rng.choice(PLACES)}. The U.S. military {words}.",
    ])


def _paragraph(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))
    roll = rng.random()
    if roll < 0.06:
        text += f"\n—{rng.choice(FIRST)} {rng.choice(LAST)}, party leader"
    elif roll < 0.1:
        text += f" “{_words(rng, 8).capitalize()}"  # continued in the next paragraph
    elif roll < 0.14:
        text += "\n" + _sentence(rng)
    return text


def generated_archive(articles: int = 40, seed: int = 7) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    out = []
    for _ in range(articles):
        paragraphs = [_paragraph(rng) for _ in range(rng.randint(3, 12))]
        if rng.random() < 0.3:
            paragraphs.insert(rng.randint(1, len(paragraphs)),
                              f"—{rng.choice(FIRST)} {rng.choice(LAST)}, negotiator")
        out.append(tuple(paragraphs))
    return out


def _index(articles: list[tuple[str, ...]]) -> ArchiveIndex:
    parsed = [
        ParsedFile(FileEntry(f"{i}.txt", f"{i}", 1, 1),
                   (Article(f"doc{i}", f"Title {i}", paras, f"{i}.txt", "2020-01-01"),))
        for i, paras in enumerate(articles)
    ]
    return build_index(parsed, Tokenizer(TokenizerSettings()), BM25Settings())


@pytest.fixture(scope="module")
def archive() -> list[tuple[str, ...]]:
    return generated_archive()


@pytest.fixture(scope="module")
def quotes(archive: list[tuple[str, ...]]) -> tuple[ArchiveIndex, list[Quotation]]:
    index = _index(archive)
    return index, extract_quotes(index)


# The digest's rows as the eager implementation wrote them: [text, speaker, article, paragraph
# of the index, context, kind] with its kind names.
_ROW_KIND = {"quoted": "quote", "fragment": "fragment", "reported": "reported"}


def _row(index: ArchiveIndex, q: Quotation) -> list[object]:
    para = index.docs[q.document].first + q.paragraph
    context = index.text(para)[q.context_start:q.context_end]
    return [q.text, q.speaker, q.document, para, context, _ROW_KIND[q.kind]]


def test_every_long_quotation_is_found_and_every_quote_is_quoted(
    quotes: tuple[ArchiveIndex, list[Quotation]],
) -> None:
    """Against a plain reading of each paragraph: every “…” of four words or more (a
    quotation needing no direct attribution) that no naming word introduces (“titled”,
    “called”…) is found, as a quote of its paragraph or inside its em-dash-attributed line;
    and every quote found lies between quotation marks of its paragraph."""
    index, found = quotes
    naming = re.compile(r"\b(?:titled|entitled|called|named|dubbed|known\s+as|so-called)\s*$")
    bare = " ,.!?;:"
    of: dict[int, list[Quotation]] = {}
    for q in found:
        of.setdefault(index.docs[q.document].first + q.paragraph, []).append(q)
    expected = 0
    for para in range(index.n_paragraphs):
        text, mine = index.text(para), of.get(para, [])
        for m in re.finditer(r"“([^“”]*)”", text):
            inner = m.group(1)
            if len(re.findall(r"\w+", inner)) < 4 or naming.search(text[: m.start()]):
                continue
            expected += 1
            dash = "\n—" in text  # an em-dash line: the line is the quotation
            assert any(q.kind in ("quoted", "fragment") and (
                q.text.strip(bare) == inner.strip(bare) or (dash and inner in q.text))
                for q in mine), (inner, text)
        quoted = re.findall(r"[“\"]([^“”\"]*)(?:[”\"]|$)", text)
        dashed = para + 1 < index.n_paragraphs and index.text(para + 1).startswith("—")
        for q in mine:  # (a dash line of its own quotes the paragraph before it)
            assert q.kind == "reported" or "\n—" in text or dashed or any(
                q.text in region for region in quoted), q
    assert expected > 300 and len(found) > expected


def test_quotations_are_verbatim_and_speakers_named(
    quotes: tuple[ArchiveIndex, list[Quotation]],
) -> None:
    index, found = quotes
    kinds = {q.kind for q in found}
    assert kinds == {"quoted", "reported", "fragment"}
    assert sum(q.speaker is None for q in found) < len(found) // 4
    for q in found:
        doc = index.docs[q.document]
        assert 0 <= q.paragraph < doc.count
        paragraph = index.text(doc.first + q.paragraph)
        assert paragraph[q.start:q.end] == q.text
        assert q.text in paragraph[q.context_start:q.context_end]
        if q.speaker is not None:
            article = " ".join(index.paragraphs_of(doc))
            # a known speaker is named in the article (an organisation as "the ...")
            assert q.speaker in article or q.speaker.lower() in article.lower()


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # A titled surname alone whose bare form is known *is* that person: "al-muallem"
        # does not come to refer to it.
        (("Anna Muallem met the envoy in Geneva.", "Mr. Al-Muallem arrived later on Monday.",
          "“We will go there soon enough,” Al-Muallem said."),
         [("We will go there soon enough", "Anna Muallem")]),
        # A pronoun after a quotation means its sentence's speaker before the other
        # names of that sentence.
        (("Walid Haddad met the envoy in Geneva.",
          "“We will go there soon enough,” said Jane Haddad of the Red Cross to Omar Lopez.",
          "“It is over now for all of us,” he said."),
         [("We will go there soon enough", "Jane Haddad"),
          ("It is over now for all of us", "Jane Haddad")]),
        (("Jane Haddad met the envoy in Geneva.",
          "“We will go there soon enough,” said Jane Haddad of the Red Cross to Omar Lopez.",
          "“It is over now for all of us,” he said."),
         [("We will go there soon enough", "Jane Haddad"),
          ("It is over now for all of us", "Jane Haddad")]),
        # Nobody named yet: no speaker; a surname never introduced stands for itself.
        (("The talks opened in Vienna on Monday.", "Nobody was named here at all.",
          "“We cannot accept these terms at all,” she said.",
          "Lopez said that the talks would fail soon."),
         [("We cannot accept these terms at all", None),
          ("the talks would fail soon", "Lopez")]),
    ],
)
def test_lazy_resolution_edge_cases(paragraphs: tuple[str, ...],
                                    expected: list[tuple[str, str | None]]) -> None:
    assert [(q.text, q.speaker) for q in extract_quotes(_index([paragraphs]))] == expected


def _texts(archive: list[tuple[str, ...]]) -> list[str]:
    return [p for article in archive for p in article]


def test_sentences_found_around_an_offset(archive: list[tuple[str, ...]]) -> None:
    for text in _texts(archive):
        sentences = split_sentences(text)
        lazy = Sentences(text)
        for s in sentences:
            for pos in (s.start, (s.start + s.end) // 2, s.end - 1):
                if not text[pos].isspace():
                    assert lazy.containing(pos) == s
        for pos in range(1, len(text) + 1, 7):
            assert lazy.end_after(pos) == next(
                (s.end for s in sentences if s.end >= pos), len(text))


def test_names_of_a_range_of_sentences(archive: list[tuple[str, ...]]) -> None:
    blank = re.compile(r"“[^”]*”")
    for text in _texts(archive):
        masked = blank.sub(lambda m: "“" + re.sub(r"\w", "x", m.group()[1:-1]) + "”", text)
        sentences = split_sentences(text)
        for i in range(len(sentences)):
            for j in range(i, min(len(sentences), i + 3)):
                group = sentences[i:j + 1]
                expected = [n for s in group for n in names_in(masked, s.start, s.end)]
                assert names_between(masked, text, group[0].start, group[-1].end) == expected
        assert names_between(text, text, 0, len(text)) == [
            n for s in sentences for n in names_in(text, s.start, s.end)]


def test_first_name_of_a_window(archive: list[tuple[str, ...]]) -> None:
    for text in _texts(archive):
        for match in re.finditer(r"(?<=\s)\w", text):
            for end in (match.start() + 6, match.start() + 20, len(text)):
                names = names_in(text, match.start(), min(end, len(text)))
                assert first_name(text, match.start(), min(end, len(text))) == (
                    names[0] if names else None)


def test_speech_cues_found_by_the_c_scan_equal_the_split_reference() -> None:
    """find_cues looks the verbs up among the text's tokens with a C scan when it is built;
    on random texts over the verbs (bare, capitalised, with trailers, run into other words)
    and every kind of white space str.split() cuts at, it finds what the reference finds."""
    verbs = sorted(cues._TOKEN_SET)
    words = [*verbs[::7], "said", "Said", "saidx", "according", "to", "According", "x",
             "“said”", "sa", "ccording", "told.”", "al-said"]
    spaces = [" ", "\n", "\t", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", ",", ""]
    rng = random.Random(17)
    for _ in range(5000):
        text = "".join(rng.choice(words) + rng.choice(spaces)
                       for _ in range(rng.randint(0, 14)))
        assert cues.find_cues(text) == cues.find_cues(text, compiled=False), repr(text)


def test_the_naming_test_answers_as_the_pattern_does() -> None:
    """naming_before skips the NAMING search for windows that cannot match; on random
    windows over its words, other words, punctuation and white space it agrees with it."""
    words = ["titled", "Entitled", "so-called", "known as", "known to fans as", "the film",
             "The Book", "production of", "defines it as", "PHRASE", "words", "said", "as",
             "of", "Asa", "ofx", "word", "film's", "nicknamed", "names", "é", "ſeries", "K"]
    tails = ["", " ", ",", ":", " ,", ": ", "\n", ",\n", ";", ".", "  :  "]
    rng = random.Random(23)
    for _ in range(6000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        text += rng.choice(tails)
        start = rng.randint(0, len(text))
        expected = cues.NAMING.search(text, start, len(text)) is not None
        assert cues.naming_before(text, start, len(text)) == expected, (repr(text), start)


def test_words_counted_in_c_equal_the_pattern_count() -> None:
    """word_count (C when built) counts what len(re.findall(r"\\w+", text)) counts, in any
    script, with underscores, digits, marks and joiners."""
    pieces = ["a", "Zb", "_", "9", " ", "-", "’", "é", "ß", "Σ", "東京", "٣", "\u0301", "\u200c",
              "\U0001f600", "x_y", ",", "\n", "ﬁ", "Ⅻ", "²"]
    rng = random.Random(29)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        assert word_count(text) == word_count(text, compiled=False), repr(text)


def test_quotations_blanked_in_c_equal_the_translation() -> None:
    """blank (C when built) writes what the translation table writes: x for every letter
    or digit of any script, white space of any kind kept, a space for anything else."""
    pieces = ["a", "Z", "_", "9", " ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "-",
              "’", "é", "東京", "٣", "\u0301", "\u200c", "\U0001f600", "ﬁ", "Ⅻ", "²", "\u2028"]
    rng = random.Random(31)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        assert blank(text) == blank(text, compiled=False), repr(text)


def _lines(text: str) -> list[tuple[int, int]]:
    """The whole text and each of its lines (what sentence_cuts is asked about)."""
    out, at = [(0, len(text))], 0
    for line in text.split("\n"):
        out.append((at, at + len(line)))
        at += len(line) + 1
    return out


def _decided(text: str, start: int, end: int, compiled: bool) -> list[tuple[int, bool]]:
    """Each terminator of ``text[start:end]`` and whether it ends a sentence, undecided ones
    decided by the Python rule."""
    ends, cuts = sentence_cuts(text, start, end, compiled=compiled)
    return [(e, _cut_at(text, e) if cut is None else cut)
            for e, cut in zip(ends, cuts, strict=True)]


def _by_pattern(text: str, start: int, end: int) -> list[tuple[int, bool]]:
    """The same, from the regular expression's matches and their groups."""
    return [(m.end(), _boundary(text, m)) for m in _terminators(text, start, end)]


def test_sentence_cuts_of_the_c_scan_equal_the_pattern_and_its_rule(
        archive: list[tuple[str, ...]], seed_archive: Archive) -> None:
    """sentence_cuts (C when built) finds the terminators the regular expression finds and
    decides each as the rule does on the match's groups: on the generated archive, the
    seeds, the vendored news pages, and random lines over stops, closers, openers, initials,
    abbreviations, acronyms, particles, digits of other scripts and white space of any kind;
    over the whole text and each line, from random offsets."""
    index = seed_archive.index
    texts = [*_texts(archive), *(p for doc in index.docs for p in index.paragraphs_of(doc)),
             *(p for page in sorted(NEWSPAGES.glob("page_*.json"))
               for p in json.loads(page.read_text(encoding="utf-8"))["body"])]
    for text in texts:
        for start, end in _lines(text):
            expected = _by_pattern(text, start, end)
            assert _decided(text, start, end, compiled=True) == expected, repr(text)
            assert _decided(text, start, end, compiled=False) == expected, repr(text)
    pieces = [".", ".", "!", "?", "...", " ", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "\x1c",
              '"', "'", "”", "’", ")", "]", "“", "‘", "(", "[", "Mr", "mr", "F", "U.S", "u.s",
              "al-Assad", "al-", "alx", "the", "The", "3", "٣", "é", "É", "ǅ", "approx", "Sept",
              "x", "-", "Kerry", "ab", "A", "b", "ⅻ", "Ⅻ", "²"]
    rng = random.Random(37)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        start, end = rng.choice(_lines(text))
        start = rng.randint(start, end)
        expected = _by_pattern(text, start, end)
        assert _decided(text, start, end, compiled=True) == expected, (repr(text), start, end)

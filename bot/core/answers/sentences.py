"""Sentence splitting with character offsets, and capitalised-name spotting.

Every :class:`Span` satisfies ``text[span.start:span.end] == span.text``, so an answer built
from spans quotes the archive verbatim. The splitter is rule based and tuned for news prose:
abbreviations (``Mr.``, ``U.S.``, ``Gen.``), initials (``John F. Kerry``), decimals, ellipses
(``. . .``), closing quotes after the full stop (``.”``) and sentences starting with an Arabic
particle (``al-Muallem said...``). A line break always ends a sentence, except that an
em-dash attribution line (``—Name, role``) stays with the line it attributes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from bot.core.models import Citation


class Span(NamedTuple):
    """A piece of a text with its character offsets in that text."""

    text: str
    start: int
    end: int


class CitedSentence(NamedTuple):
    """A sentence copied verbatim from the paragraph its citation names."""

    text: str
    citation: Citation


ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sen rep gov gen lt col capt sgt maj cmdr adm jr sr rev hon pres
    inc ltd co corp bros vs etc al fig no nos vol pp approx dept univ est ave blvd mt ft
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur fri sat sun
    """.split()
)
# Words that commonly start a sentence: after "U.S." they mean the acronym ended one.
_STARTERS = frozenset(
    """the a an it he she they we i this that these those there but and in on at for
    however meanwhile his her their its our after before when while as if so yet""".split()
)
_TERMINATOR = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_ACRONYM = re.compile(r"(?:\b[A-Za-z]\.){2,}$")
_LAST_WORD = re.compile(r"([A-Za-z]+)\.$")
_NEXT = re.compile(r"\s+([\"'“‘(\[]*)(\S+)")
_PARTICLE_START = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|az|ibn|bin|de|van|von)-?\w", re.I)


_CLOSERS = "\"'”’)]"
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _is_boundary(text: str, end: int, dot: str) -> bool:
    """Whether the terminator ending at ``end`` (whose last stop char is ``dot``) ends a
    sentence, judging by the word before it and the word after it."""
    after = _NEXT.match(text, end)
    if after is None:
        return True
    opener, word = after.group(1, 2)
    first = word[0]
    if first.islower():
        # "al-Muallem said" may start a sentence; anything else lower-case continues one.
        return bool(_PARTICLE_START.match(word)) and "-" in word[:4] and not opener
    if not (first.isupper() or first.isdigit() or opener):
        return False
    if dot != ".":
        return True
    head = text[max(0, end - 30):end].rstrip(_CLOSERS)
    if head[-1:] != ".":
        return True  # neither an acronym nor a word with a full stop ends it
    if head[-3:-2] == "." and _ACRONYM.search(head):
        # "the U.S. military" vs "in the U.S. The talks": split only before a usual starter.
        return word.strip("\"'“”‘’,;:").casefold() in _STARTERS
    if head[-2:-1] in _ASCII_LETTERS:
        last = _LAST_WORD.search(head)
        if last is not None:
            token = last.group(1)
            if len(token) == 1 and token.isupper():
                return False  # an initial: "John F. Kerry"
            if token.casefold() in ABBREVIATIONS:
                return False
    return True


def _cuts(text: str, start: int, end: int) -> list[int]:
    """Where the sentences of the line ``text[start:end]`` end, but for the last one."""
    return [match.end() for match in _TERMINATOR.finditer(text, start, end)
            if match.end() < end and _is_boundary(
                text, match.end(), match.group().rstrip(_CLOSERS)[-1])]


def split_sentences(text: str) -> list[Span]:
    """The sentences of ``text`` (a paragraph), in order, with their offsets."""
    out: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[0] in "—―" and out:
            # An attribution line: it belongs to the sentence before it.
            prev = out.pop()
            end = line_start + len(line.rstrip())
            out.append(Span(text[prev.start:end], prev.start, end))
            continue
        cuts = _cuts(text, line_start, line_end)
        if not cuts:  # one sentence
            start = line_start + len(line) - len(line.lstrip())
            out.append(Span(stripped, start, start + len(stripped)))
            continue
        cuts.append(line_end)
        at = line_start
        for cut in cuts:
            piece = text[at:cut]
            sentence = piece.strip()
            if sentence:
                start = at + len(piece) - len(piece.lstrip())
                out.append(Span(sentence, start, start + len(sentence)))
            at = cut
    return out


# ---------------------------------------------------------------------- names
_UPPER = "".join(re.escape(c) for c in map(chr, range(0x2FF)) if c.isupper())
_PARTICLES = "al|el|ad|ar|as|ash|at|az"
# Only the words that can be part of a name: capitalised ones, particles, joiners.
_CANDIDATE = re.compile(
    rf"(?<![\w'’-])(?:[{_UPPER}][\w'’\-]*|(?:{_PARTICLES})-[^\W\d_][\w'’\-]*"
    r"|(?:de|da|di|del|van|von|bin|ibn|al|la|le)(?=\s))"
)
_JOINERS = frozenset({"de", "da", "di", "del", "van", "von", "bin", "ibn", "al", "la", "le"})
_PARTICLE = re.compile(r"(?:al|el|ad|ar|as|ash|at|az)-[^\W\d_]")
PERSON_TITLES = frozenset(
    "mr mrs ms miss dr prof president minister secretary envoy general gen sen senator "
    "ambassador chancellor king queen prince sheikh spokesman spokeswoman".split()
)
# "Russian-led", "Iran-backed": capitalised adjectives, not names.
_COMPOUND = re.compile(r"-[a-z]")
_DOTTED_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "st", "jr", "lt"})


class NameSpan(NamedTuple):
    """A run of capitalised words (``Russian Foreign Minister Sergey Lavrov``)."""

    words: tuple[str, ...]
    start: int
    end: int
    possessive: bool


def capitalised_runs(text: str, start: int = 0, end: int | None = None) -> list[NameSpan]:
    """Maximal runs of capitalised words in ``text[start:end]``. Initials (``F.``), titles
    (``Mr.``), Arabic particles (``al-Assad``) and joiners (``de``) stay inside a run; a
    possessive (``Al Jazeera’s``) ends its run; punctuation and lower-case words end one."""
    return list(_runs(text, start, len(text) if end is None else end))


def _runs(text: str, start: int, stop: int) -> Iterator[NameSpan]:
    """:func:`capitalised_runs`, one run at a time."""
    words: list[str] = []
    first = last = edge = 0
    for match in _CANDIDATE.finditer(text, start, stop):
        token, at = match.group(), match.start()
        if words and text[edge:at].strip():
            # A lower-case word, punctuation or a number between the words.
            while words and words[-1] in _JOINERS:
                words.pop()
            if words:
                yield NameSpan(tuple(words), first, last, False)
            words = []
        if token in _JOINERS:
            if words:
                words.append(token)
                edge = match.end()
            continue
        if "-" in token and _COMPOUND.search(token) and not _PARTICLE.match(token):
            while words and words[-1] in _JOINERS:  # "Russian-led": an adjective
                words.pop()
            if words:
                yield NameSpan(tuple(words), first, last, False)
            words = []
            edge = match.end()
            continue
        if token.endswith(("'s", "’s")):  # a possessive ends its run
            token = token[:-2]
            if not words:
                first = at
            words.append(token)
            last = at + len(token)
            yield NameSpan(tuple(words), first, last, True)
            words = []
            edge = last + 2
            continue
        if (len(token) == 1 or token.casefold() in _DOTTED_TITLES) and text.startswith(
            ".", match.end()
        ):
            token += "."
        if not words:
            first = at
        words.append(token)
        last = edge = at + len(token)
    while words and words[-1] in _JOINERS:
        words.pop()
    if words:
        yield NameSpan(tuple(words), first, last, False)


# Words that make a capitalised run an organisation or a place rather than a person.
ORG_WORDS = frozenset(
    """department ministry council committee army front nations observatory times press agency
    watch centre center group government forces league union convention office organisation
    organization institute news network helmets guard party brigade movement coalition bank
    fund commission court house assembly parliament congress senate republic kingdom emirates
    association society university foundation mission cross crescent eye policy board state
    states islam monitor post journal tribune herald daily weekly magazine television radio
    airways company corporation club academy school hospital airport street square bridge
    province city county district region valley mountains river sea ocean gulf""".split()
)
# Capitalised words that start a sentence or a role, not a name: stripped from a run's head.
ROLE_WORDS = frozenset(
    """russian syrian american british french turkish iranian iraqi israeli saudi chinese
    us u.s. uk un eu nato foreign defence defense interior prime deputy vice former acting
    minister president secretary envoy special presidential general spokesman spokeswoman
    spokesperson chief head leader senior official ambassador commander correspondent
    negotiator premier state mr. mrs. ms. dr. prof. sen. gen. lt. mr mrs ms dr king queen
    prince sheikh reporter editor expert analyst professor senator governor mayor""".split()
)
_NON_NAME_HEADS = frozenset(
    """however meanwhile instead earlier later speaking according despite after before while
    although since until in on at for with without from by as if so yet also then but and or
    nor the a an this that these those there here it its he she they we i you his her their
    our my your who what when where why how which both all some many most each every any no
    not only even just still once today yesterday tomorrow""".split()
)
# A person's name does not start with these ("Eastern Ghouta", "Al Jazeera", "Syria Call").
_NOT_PERSON_FIRST = frozenset(
    """eastern western northern southern central middle new human free red islamic draft
    united arab al el syria russia iran iraq turkey israel lebanon egypt jordan china europe
    america britain france germany""".split()
)
_TITLE_HEADS = frozenset({"mr.", "mrs.", "ms.", "dr.", "prof.", "president", "sen.", "gen."})


_PARTICLE_PREFIX = re.compile(r"^(?:a[lnrsdtz]|ash|el)-")
_ACRONYM_AFTER = re.compile(r"\s*\([A-Z]{2,}\)")  # "Hayat Tahrir al-Sham (HTS)": a group


class Name(NamedTuple):
    """A capitalised run cleaned of leading function and role words."""

    text: str
    start: int
    end: int
    person: bool
    titled: bool  # a title ("Mr.", "President") stood before it


def _shape(word: str) -> bool:
    return word[0].isupper() or bool(_PARTICLE.match(word)) or word in _JOINERS


def clean_run(text: str, run: NameSpan) -> Name | None:
    """``run`` without its leading function words and roles, classified person or not."""
    cleaned = _cleaned(run.words)
    if cleaned is None:
        return None
    words, titled, maybe_person = cleaned
    offset = text.index(words[0], run.start)
    end = run.end
    person = maybe_person and _ACRONYM_AFTER.match(text, end, end + 12) is None
    return Name(text[offset:end], offset, end, person, titled)


@lru_cache(maxsize=1 << 16)
def _cleaned(run: tuple[str, ...]) -> tuple[tuple[str, ...], bool, bool] | None:
    """What :func:`clean_run` decides from the words alone: the words left, whether a title
    stood before them, and whether they may name a person (no acronym follows them)."""
    words = list(run)
    titled = False
    while words and (
        words[0].casefold() in _NON_NAME_HEADS or words[0].casefold() in ROLE_WORDS
    ):
        if len(words) > 1 and words[-1].casefold() in ORG_WORDS:
            if words[0].casefold() in _NON_NAME_HEADS:
                words.pop(0)
                continue
            break  # "US State Department": the roles belong to the organisation
        titled = titled or words[0].casefold() in _TITLE_HEADS
        words.pop(0)
    while words and words[0] in _JOINERS:
        words.pop(0)
    if not words:
        return None
    folded = [_PARTICLE_PREFIX.sub("", w.casefold()) for w in words]
    org = any(w in ORG_WORDS for w in folded)
    acronym = any(len(w.rstrip(".")) > 1 and w.isupper() for w in words)
    full = (
        len(words) >= 2 and all(_shape(w) for w in words) and words[-1][-1] != "."
        and folded[0] not in _NOT_PERSON_FIRST
    )
    return tuple(words), titled, not org and not acronym and (full or (titled and len(words) == 1))


def names_in(text: str, start: int = 0, end: int | None = None) -> list[Name]:
    """Cleaned capitalised names in ``text[start:end]`` (people, organisations, places)."""
    return list(iter_names(text, start, end))


def iter_names(text: str, start: int = 0, end: int | None = None) -> Iterator[Name]:
    """:func:`names_in`, one name at a time."""
    for run in _runs(text, start, len(text) if end is None else end):
        name = clean_run(text, run)
        if name is not None:
            yield name


def sentence_names(text: str) -> list[Name]:
    """The names of every sentence of ``text`` (a paragraph), one sentence after the other:
    ``names_in`` of each of its :func:`split_sentences`."""
    if "\n" not in text:
        # On one line, a run of capitalised words crosses from a sentence into the next only
        # through a full stop taken as an initial's or a title's ("in the U.S. The talks").
        runs = list(_runs(text, 0, len(text)))
        if not any(word.endswith(".") for run in runs for word in run.words[:-1]):
            return [name for run in runs if (name := clean_run(text, run)) is not None]
    return [name for s in split_sentences(text) for name in names_in(text, s.start, s.end)]

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
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from bot.core.compiled import or_reference
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
_ACRONYM = re.compile(r"(?:\b[A-Za-z]\.){2,}$")
_LAST_WORD = re.compile(r"([A-Za-z]+)\.$")
_NEXT = re.compile(r"\s+([\"'“‘(\[]*)(\S+)")
_PARTICLE_START = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|az|ibn|bin|de|van|von)-?\w", re.I)


_LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS))
_CLOSERS = "\"'”’)]"
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _is_boundary(text: str, end: int, dot: str, opener: str = "", word: str = "") -> bool:
    """Whether the terminator ending at ``end`` (whose last stop char is ``dot``) ends a
    sentence, judging by the word before it and the word after it (``opener`` and ``word``,
    as _NEXT finds them, when already known)."""
    if not word:
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
        # The word before the full stop, cut to a letter more than the longest abbreviation:
        # enough to tell an initial or an abbreviation.
        last = _LAST_WORD.search(head, max(0, len(head) - _LONGEST_ABBREVIATION - 2))
        if last is not None:
            token = last.group(1)
            if len(token) == 1 and token.isupper():
                return False  # an initial: "John F. Kerry"
            if token.casefold() in ABBREVIATIONS:
                return False
    return True


# A terminator ([.!?]+, closing quotes or brackets, then white space), looking at the next
# word (as _NEXT does) when on the same line; written to start with a plain character
# (scanned for fast), with full stops only for text without ! or ?.
_AHEAD = r"[\"'”’)\]]*(?=\s+([\"'“‘(\[]*)(\S+)|\s)"
_TERMINATOR = re.compile(r"[.!?][.!?]*" + _AHEAD)
_STOP = re.compile(r"\.\.*" + _AHEAD)


def _terminators(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The terminators of the line ``text[start:end]``, but one ending it."""
    terminator = _TERMINATOR if "!" in text or "?" in text else _STOP
    return [m for m in terminator.finditer(text, start, end) if m.end() < end]


def _boundary(text: str, terminator: re.Match[str]) -> bool:
    """Whether ``terminator`` (from :func:`_terminators`) ends a sentence."""
    at, dot = terminator.end(), terminator.group().rstrip(_CLOSERS)[-1]
    opener, word = terminator.group(1, 2)
    return _is_boundary(text, at, dot, opener or "", word or "")


def _cut_at(text: str, end: int) -> bool:
    """Whether the terminator ending at ``end`` ends a sentence (:func:`_is_boundary`, the
    next word found again)."""
    stop = end - 1
    while text[stop] in _CLOSERS:
        stop -= 1
    return _is_boundary(text, end, text[stop])


def _sentence_cuts_reference(text: str, start: int, end: int, abbreviations: frozenset[str],
                             reach: int) -> tuple[list[int], list[bool | None]]:
    """The ends of the terminators of the line ``text[start:end]`` (but one ending it) and
    whether each ends a sentence: None for each here (:func:`_cut_at` decides when asked);
    the C scan decides most of them at once, with the same rule."""
    ends = [m.end() for m in _terminators(text, start, end)]
    return ends, [None] * len(ends)


_REACH = _LONGEST_ABBREVIATION + 2  # how far before a full stop an abbreviation can start
# The C scan when built (bot/core/_tokens.c), else the regular expression.
_SENTENCE_CUTS = or_reference("sentence_cuts", _sentence_cuts_reference)


def sentence_cuts(text: str, start: int, end: int,
                  compiled: bool = True) -> tuple[list[int], list[bool | None]]:
    """The terminators of ``text[start:end]`` as ``(ends, cuts)``: where each ends and whether
    it ends a sentence (None: not decided yet, ask :func:`_cut_at`). ``end`` is where a line
    ends (the text's end or a line break): the next word is never cut short."""
    scan = _SENTENCE_CUTS if compiled else _sentence_cuts_reference
    return scan(text, start, end, ABBREVIATIONS, _REACH)


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
        ends, decided = sentence_cuts(text, line_start, line_end)
        cuts = [e for e, cut in zip(ends, decided, strict=True)
                if (_cut_at(text, e) if cut is None else cut)]
        at = line_start
        for cut in [*cuts, line_end]:
            piece = text[at:cut]
            sentence = piece.strip()
            if sentence:
                start = at + len(piece) - len(piece.lstrip())
                out.append(Span(sentence, start, start + len(sentence)))
            at = cut
    return out


class Sentences:
    """The sentences of a paragraph as :func:`split_sentences` finds them, worked out only
    around the offsets asked about when the paragraph is a single line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._all: list[Span] | None = None
        self._found: dict[int, Span] = {}
        self._cuts: list[bool | None] = []  # whether each terminator ends a sentence
        if "\n" in text:
            self._all = split_sentences(text)
            self._ends = [s.end for s in self._all]
        else:
            self._ends, self._cuts = sentence_cuts(text, 0, len(text))

    def _cut(self, k: int) -> bool:
        cut = self._cuts[k]
        if cut is None:
            cut = self._cuts[k] = _cut_at(self.text, self._ends[k])
        return cut

    def containing(self, pos: int) -> Span:
        """The sentence holding ``text[pos]`` (not white space)."""
        ends = self._ends
        k = bisect_right(ends, pos)
        if self._all is not None:
            return self._all[k]
        found = self._found.get(k)
        if found is None:
            start, end, i = 0, len(self.text), k - 1
            while i >= 0:
                if self._cut(i):
                    start = ends[i]
                    break
                i -= 1
            i = k
            while i < len(ends):
                if self._cut(i):
                    end = ends[i]
                    break
                i += 1
            piece = self.text[start:end]
            sentence = piece.strip()
            start += len(piece) - len(piece.lstrip())
            found = self._found[k] = Span(sentence, start, start + len(sentence))
        return found

    def end_after(self, pos: int) -> int:
        """Where the first sentence ending at ``pos`` or later ends (else the text's end)."""
        text = self.text
        while pos <= len(text) and text[pos - 1:pos].isspace():
            pos += 1
        return self.containing(pos - 1).end if pos <= len(text) else len(text)


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
# "Russian-led", "Iran-backed": capitalised adjectives, not names.
_COMPOUND = re.compile(r"-[a-z]")
_DOTTED_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "st", "jr", "lt"})
_LONGEST_TITLE = max(map(len, _DOTTED_TITLES))


class NameSpan(NamedTuple):
    """A run of capitalised words (``Russian Foreign Minister Sergey Lavrov``)."""

    words: tuple[str, ...]
    start: int
    end: int
    possessive: bool


def _runs(text: str, start: int, stop: int) -> Iterator[NameSpan]:
    """Maximal runs of capitalised words in ``text[start:stop]``, one at a time. Initials
    (``F.``), titles (``Mr.``), Arabic particles (``al-Assad``) and joiners (``de``) stay
    inside a run; a possessive (``Al Jazeera’s``) ends its run; punctuation and lower-case
    words end one."""
    words: list[str] = []
    first = last = edge = 0
    for match in _CANDIDATE.finditer(text, start, stop):
        token = match.group()
        at, end = match.span()
        if words and text[edge:at].strip():
            # A lower-case word, punctuation or a number between the words.
            yield from _run(words, first, last)
            words = []
        if token in _JOINERS:
            if words:
                words.append(token)
                edge = end
            continue
        if "-" in token and _COMPOUND.search(token) and not _PARTICLE.match(token):
            yield from _run(words, first, last)  # "Russian-led": an adjective
            words, edge = [], end
            continue
        possessive = token.endswith(("'s", "’s"))
        if possessive:
            token = token[:-2]
        elif text.startswith(".", end) and (
            len(token) == 1 or (len(token) <= _LONGEST_TITLE and token.casefold() in _DOTTED_TITLES)
        ):
            token += "."
        if not words:
            first = at
        words.append(token)
        last = edge = at + len(token)
        if possessive:  # it ends its run
            yield NameSpan(tuple(words), first, last, True)
            words, edge = [], last + 2
    yield from _run(words, first, last)


def _run(words: list[str], first: int, last: int) -> tuple[NameSpan, ...]:
    """The run of ``words`` (if any) without the joiners ending it."""
    while words and words[-1] in _JOINERS:
        words.pop()
    return (NameSpan(tuple(words), first, last, False),) if words else ()


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


_HEADS = _NON_NAME_HEADS | ROLE_WORDS


@lru_cache(maxsize=1 << 16)
def _cleaned(run: tuple[str, ...]) -> tuple[tuple[str, ...], bool, bool] | None:
    """What :func:`clean_run` decides from the words alone: the words left, whether a title
    stood before them, and whether they may name a person (no acronym follows them)."""
    folded = [w.casefold() for w in run]
    first, n, titled = 0, len(run), False
    while first < n and folded[first] in _HEADS:
        if n - first > 1 and folded[-1] in ORG_WORDS:
            if folded[first] in _NON_NAME_HEADS:
                first += 1
                continue
            break  # "US State Department": the roles belong to the organisation
        titled = titled or folded[first] in _TITLE_HEADS
        first += 1
    while first < n and run[first] in _JOINERS:
        first += 1
    if first == n:
        return None
    words = run[first:]
    bare = [_PARTICLE_PREFIX.sub("", w) if "-" in w else w for w in folded[first:]]
    if any(w in ORG_WORDS for w in bare) or any(len(w.rstrip(".")) > 1 and w.isupper()
                                                for w in words):
        return words, titled, False  # an organisation, or an acronym
    if len(words) == 1:
        return words, titled, titled
    full = words[-1][-1] != "." and bare[0] not in _NOT_PERSON_FIRST and all(
        w[0].isupper() or w in _JOINERS or _PARTICLE.match(w) for w in words
    )
    return words, titled, full


def names_in(text: str, start: int = 0, end: int | None = None) -> list[Name]:
    """Cleaned capitalised names in ``text[start:end]`` (people, organisations, places)."""
    return list(iter_names(text, start, end))


def iter_names(text: str, start: int = 0, end: int | None = None) -> Iterator[Name]:
    """:func:`names_in`, one name at a time."""
    for run in _runs(text, start, len(text) if end is None else end):
        name = clean_run(text, run)
        if name is not None:
            yield name


# A run of plain capitalised words ending before punctuation (or the end): "Rory Challands."
_PLAIN_RUN = re.compile(r"(?<![\w'’-])[A-Z][a-z]+(?: [A-Z][a-z]+)*(?=[.,;:!?]|\Z)")


def first_name(text: str, start: int = 0, end: int | None = None) -> Name | None:
    """The first of :func:`names_in`, if any."""
    stop = len(text) if end is None else end
    plain = _PLAIN_RUN.match(text, start, stop)
    if plain is not None:  # the first run, unless it ends with a title's full stop
        words, end = tuple(plain.group().split(" ")), plain.end()
        cleaned = _cleaned(words)
        if cleaned is not None and not (
            text.startswith(".", end) and words[-1].casefold() in _DOTTED_TITLES
        ):  # as clean_run
            kept, titled, maybe_person = cleaned
            offset = text.index(kept[0], start)
            person = maybe_person and _ACRONYM_AFTER.match(text, end, end + 12) is None
            return Name(text[offset:end], offset, end, person, titled)
    return next(iter_names(text, start, stop), None)


def names_between(text: str, source: str, start: int, end: int) -> list[Name]:
    """``names_in`` of each sentence of the paragraph ``source`` inside ``[start, end)``
    (which no sentence straddles), one after the other, found in ``text``: ``source`` or a
    copy of it with its quotations blanked (letters and digits ``x``, other characters but
    white space spaces, so they hold no name)."""
    if source.find("\n", start, end) < 0:
        # On one line, a run of capitalised words crosses from a sentence into the next only
        # through a full stop taken as an initial's or a title's ("in the U.S. The talks").
        runs = list(_runs(text, start, end))
        if not any(word.endswith(".") for run in runs for word in run.words[:-1]):
            return [name for run in runs if (name := clean_run(text, run)) is not None]
    return [name for s in split_sentences(source) if start <= s.start and s.end <= end
            for name in names_in(text, s.start, s.end)]

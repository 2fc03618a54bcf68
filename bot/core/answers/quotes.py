"""Quotations: extracted at index time with their speakers, found again by fuzzy lookup.

What counts as a quotation (:func:`extract_quotes`):

* text in double quotes, straight or typographic (``“…”``, ``“…’’``, ``"…"``), nested single
  quotes kept inside; an opening ``“`` never closed runs to the end of its paragraph (the
  newspaper convention for a quotation continued in the next paragraph);
* a line followed by an em-dash attribution in the same paragraph (``…delusional.
  —Mohammed Alloush, HNC chief negotiator``);
* an unquoted statement clearly attributed to a named speaker: ``X told reporters that …``,
  ``X said (on Monday) that …``, ``X said it/he/they …``, ``According to <person>, …``,
  ``…, she said.`` (kind ``"reported"``), only in sentences holding no quotation.

Scare quotes are not quotations: a quote of one to three words counts only when it is a whole
utterance directly attributed (``“Never,” he said.``: punctuation inside the closing mark and
a speaker right after it); names introduced by *titled*, *called*, *dubbed*... never count.

Speakers (``None`` rather than a guess): ``“…,” X said`` / ``said X`` / ``X told`` /
``X added`` / ``X concluded`` / ``according to X`` after the quote; ``X said that … “…”`` or
``X called on … “…”`` before it; ``he``/``she`` resolve to the last person named in the
article (the speaker of a sentence counts before the other names in it); a surname alone
resolves to the full name introduced earlier (``Mr. Kerry`` -> ``John F. Kerry``); an
organisation that is the explicit subject of the verb is a speaker too (``the State
Department said`` -> ``US State Department`` when that was named before). A quote with no
attribution of its own takes the speaker of another quote in the same sentence, or continues
the quotation of the sentence (or paragraph) just before it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import NamedTuple

from bot.core.answers.people import (
    VERBS,
    People,
    cues,
    dash_line,
    post_speaker,
    pre_speaker,
    reported,
)
from bot.core.answers.sentences import Sentences, Span
from bot.core.index import ArchiveIndex
from bot.core.quotations import Kind, Quotation

log = logging.getLogger(__name__)

# A quotation (or a reported statement) has at least this many words (\w+), unless it is a
# whole utterance directly attributed ("“Never,” he said.").
MIN_QUOTE_WORDS = 4
# A sentence read for a reported statement has at least this many words.
MIN_REPORTED_SENTENCE_WORDS = 6
_NAMING = re.compile(r"\b(?:titled|entitled|called|named|dubbed|known\s+as|so-called)\s*$")
_NAMING_ENDS = ("titled", "called", "named", "dubbed", "as")  # how the words above end
_OPEN, _CLOSE = "“„«", "”»"


def _at_least(words: int) -> re.Pattern[str]:
    """Matches where a text has ``words`` words (``\\w+``) at least."""
    return re.compile(r"\w+" + r"\W+\w+" * (words - 2) + r"\W+\w")


_LONG_QUOTE = _at_least(MIN_QUOTE_WORDS)
_LONG_SENTENCE = _at_least(MIN_REPORTED_SENTENCE_WORDS)


class QuoteMatch(NamedTuple):
    quote: str
    speaker: str | None
    doc_id: str
    title: str
    source: str | None
    date: str | None
    paragraph: int  # 1-based
    match: float  # 0-100
    kind: Kind = "quoted"


class _Mark(NamedTuple):
    start: int  # offset of the opening mark
    end: int  # offset just after the closing mark (or the paragraph's end)
    inner: Span
    long: bool  # whether inner has MIN_QUOTE_WORDS words at least


_QUOTE_MARKS = ("’’", "''", '"', "“", "”", "„", "«", "»")


def _marks(text: str) -> list[_Mark]:
    """Double-quoted spans of a paragraph, paired left to right."""
    if not ('"' in text or "“" in text or "„" in text or "«" in text):
        return []  # nothing opens a quotation
    signs = []  # the quote marks, in order (none overlaps another)
    for sign in _QUOTE_MARKS:
        at = text.find(sign) if sign[0] in text else -1
        while at >= 0:
            signs.append((at, sign))
            at = text.find(sign, at + len(sign))
    signs.sort()
    found: list[tuple[int, int, int]] = []  # opening mark, closing mark, end
    open_at = -1
    for i, sign in signs:
        if open_at < 0:
            if sign in _OPEN or (sign == '"' and (
                i == 0 or text[i - 1].isspace() or text[i - 1] in "([—-"
            )):
                open_at = i
        elif sign not in _OPEN:  # a closing mark, or a straight quote with one open
            found.append((open_at, i, i + len(sign)))
            open_at = -1
    if open_at >= 0:  # never closed: continued in the next paragraph
        found.append((open_at, len(text), len(text)))
    marks = []
    for start, close, end in found:
        inner = _trim(text, start + 1, close)
        if inner.text:
            marks.append(_Mark(start, end, inner, _long(inner.text)))
    return marks


def _trim(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without white space around it, nor ``,;:`` at its end."""
    piece = text[start:end]
    inner = piece.lstrip()
    start += len(piece) - len(inner)
    inner = inner.rstrip()
    while inner and inner[-1] in ",;:":
        inner = inner[:-1].rstrip()
    return Span(inner, start, start + len(inner))


def _blank(char: str) -> str:
    """Letters and digits ``x`` (what the regular expression ``[^\\W_]`` matches), white
    space kept, anything else a space."""
    return "x" if char.isalnum() else char if char.isspace() else " "


class _BlankTable(dict[int, str]):
    """``str.translate`` table of :func:`_blank`: filled once for the common scripts (below
    U+3000), computed (and not stored) for the rest, so it never changes after import."""

    def __missing__(self, code: int) -> str:
        return _blank(chr(code))


_BLANKS = _BlankTable({code: _blank(chr(code)) for code in range(0x3000)})


def _mask(text: str, marks: Sequence[_Mark]) -> str:
    """``text`` with quoted words blanked (same length), so attribution ignores them."""
    pieces, pos = [], 0
    for m in marks:
        pieces += [text[pos:m.inner.start], m.inner.text.translate(_BLANKS)]
        pos = m.inner.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _long(text: str) -> bool:
    """Whether ``text`` has ``MIN_QUOTE_WORDS`` words at least."""
    return _LONG_QUOTE.search(text) is not None


class _Reader:
    """Reads one article paragraph by paragraph, keeping who was named and who spoke.

    A paragraph with no quotation and no cue of a reported statement (most of them) only
    names people, which :class:`People` reads when asked; in the others, the sentences with
    neither are likewise only mentioned.
    """

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self.people = People()
        self.out: list[Quotation] = []
        self.carry: str | None = None  # speaker of the last sentence's quotation
        self.para = 0
        self.text, self.masked = "", ""
        self.marks: list[_Mark] = []
        self.sentences = Sentences("")
        self.cues: list[int] = []

    def _add(self, text: str, who: str | None, kind: Kind, para: int, span: tuple[int, int],
             context: tuple[int, int]) -> None:
        self.out.append(Quotation(text, who, kind, 0, para, span[0], span[1], context[0],
                                  context[1]))

    def _dash(self, para: int, body: str, who: str) -> None:
        """``…quotation. —Name, role``; a dash line of its own quotes the paragraph before."""
        text = self.paragraphs[para]
        if not body and para > 0:
            para, text = para - 1, self.paragraphs[para - 1]  # the dash has its own line
            body = text
        if _long(body):
            start = text.find(body)
            span = (start, start + len(body))
            self._add(body, who, "dash", para, span, span)
        self.people.set_last(who)
        self.carry = None

    def paragraph(self, para: int) -> None:
        text = self.paragraphs[para]
        people = self.people
        line = dash_line(people, text) if "—" in text or "―" in text else None
        if line is not None:
            self._dash(para, *line)
            return
        marks, found = _marks(text), cues(text)
        if not marks and not found:  # only names: read when asked
            people.mentions(text, text, 0, len(text))
            self.carry = None
            return
        masked = _mask(text, marks) if marks else text
        self.para, self.text, self.masked, self.marks, self.cues = para, text, masked, marks, found
        self.sentences = sentences = Sentences(text)
        previous = self.carry if marks and marks[0].start == 0 else None
        done = 0  # where the sentences not mentioned yet start
        for at in sorted([m.start for m in marks] + found) if found else [m.start for m in marks]:
            if at < done:
                continue  # in the sentence just read
            s = sentences.containing(at)
            if text[done:s.start].strip():  # sentences with nothing to read but names
                people.mentions(masked, text, done, s.start)
                previous = None
            previous = self._sentence(s, previous)
            done = s.end
        if text[done:].strip():
            people.mentions(masked, text, done, len(text))
            previous = None
        self.carry = previous

    def _sentence(self, s: Span, previous: str | None) -> str | None:
        """Quotations starting in sentence ``s``, or its reported statement; returns the
        speaker of its last quotation (None when it has none)."""
        spoke, last = self._quotations(s, previous)
        said = self._reported(s)
        spoke = said or spoke
        self.people.mentions(self.masked, self.text, s.start, s.end, True)
        if spoke is not None:
            self.people.spoke(spoke)  # the speaker, not the last name in the sentence
        return last

    def _attributed(self, s: Span) -> list[tuple[_Mark, int, str | None]]:
        """The quotations starting in ``s``: each with the end of its context (the end of
        the sentence it ends in) and its own attribution, if any."""
        people, masked, marks = self.people, self.masked, self.marks
        out = []
        for i, m in enumerate(marks):
            if not s.start <= m.start < s.end:
                continue
            end = s.end if m.end <= s.end else self.sentences.end_after(m.end)
            stop = end  # the sentence's end, or the next quotation's start if sooner
            following = next((o for o in marks[i + 1:] if o.start >= m.end), None)
            if following is not None:
                stop = min(stop, following.start)
            out.append((m, end, post_speaker(people, masked, m.end, stop)
                        or pre_speaker(people, masked, s.start, m.start)))
        return out

    def _quotations(self, s: Span, previous: str | None) -> tuple[str | None, str | None]:
        """Record the quotations starting in ``s``: (the first speaker among those kept,
        the speaker of the last one, kept or not)."""
        here = self._attributed(s)
        if not here:
            return None, None
        known = next((w for _, _, w in here if w), None)
        if known is None and here[0][0].start == s.start:
            known = previous  # "“…,” Lavrov said. “We have warned…”"
        spoke: str | None = None
        who: str | None = None
        for m, end, own in here:
            who = own or known
            if self._naming(m) or not (m.long or (who and _direct(self.text, m))):
                continue
            self._add(m.inner.text, who, "quoted", self.para, (m.inner.start, m.inner.end),
                      (s.start, max(s.end, end)))
            spoke = spoke or who
        return spoke, who

    def _naming(self, m: _Mark) -> bool:
        """A title or a name (``a report titled “…”``), not a quotation."""
        masked = self.masked
        return masked[max(0, m.start - 20):m.start].rstrip().endswith(_NAMING_ENDS) and (
            _NAMING.search(masked, max(0, m.start - 20), m.start) is not None)

    def _reported(self, s: Span) -> str | None:
        """Record the reported statement of ``s`` (a cue in it, no long quotation over it);
        returns its speaker."""
        if not any(s.start <= at < s.end for at in self.cues) or any(
            m.start < s.end and m.end > s.start and m.long for m in self.marks
        ) or not _LONG_SENTENCE.search(s.text):
            return None
        found = reported(self.people, s.text)
        if found is None or not found[1] or not _long(found[0]):
            return None
        statement = found[0].strip().rstrip(".").strip()
        start = s.start + s.text.find(statement)
        self._add(statement, found[1], "reported", self.para, (start, start + len(statement)),
                  (s.start, s.end))
        return found[1]


_POST_DIRECT = re.compile(
    rf"[\s,]*(?:(?:he|she)\s+(?:{VERBS})\b|(?:{VERBS})\s+[A-Z]"
    rf"|(?:the\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*\s+(?:{VERBS})\b)"
)


def _direct(text: str, m: _Mark) -> bool:
    """A whole utterance directly attributed: ``“Never,” he said``."""
    inner = text[m.inner.start:m.end].rstrip("\"”’'»")
    return inner[-1:] in (",", ".", "!", "?") and _POST_DIRECT.match(text, m.end) is not None


def extract_article(paragraphs: Sequence[str]) -> list[Quotation]:
    """Every quotation of one article (its paragraphs, in order), in reading order: records
    with ``document`` 0 and paragraph numbers relative to the article."""
    reader = _Reader(paragraphs)
    for para in range(len(paragraphs)):
        reader.paragraph(para)
    return reader.out


def extract_quotes(index: ArchiveIndex) -> list[Quotation]:
    """Every quotation of an index, article by article, each record's ``document`` its
    article's position in the index. (A build extracts per article, in its workers, with
    :func:`extract_article`.)"""
    out: list[Quotation] = []
    for doc_index, doc in enumerate(index.docs):
        out.extend(q.rebased(doc_index) for q in extract_article(index.paragraphs_of(doc)))
    log.debug("extracted %d quotations from %d articles", len(out), len(index.docs))
    return out

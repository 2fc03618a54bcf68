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
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

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

log = logging.getLogger(__name__)

MIN_QUOTE_WORDS = 4
_NAMING = re.compile(r"\b(?:titled|entitled|called|named|dubbed|known\s+as|so-called)\s*$")
_NAMING_ENDS = ("titled", "called", "named", "dubbed", "as")  # how the words above end
_OPEN, _CLOSE = "“„«", "”»"
# At least that many words (\w+), as many as a quotation or a reported sentence needs.
_4_WORDS = re.compile(r"\w+\W+\w+\W+\w+\W+\w")
_6_WORDS = re.compile(r"\w+\W+\w+\W+\w+\W+\w+\W+\w+\W+\w")


class Quote(NamedTuple):
    text: str
    speaker: str | None
    doc_index: int
    para: int  # index into the index's paragraphs
    context: str  # the sentence(s) around it
    kind: str = "quote"  # "quote", "line" (em-dash attribution) or "reported"


class QuoteMatch(NamedTuple):
    quote: str
    speaker: str | None
    doc_id: str
    title: str
    source: str | None
    date: str | None
    paragraph: int  # 1-based
    match: float  # 0-100
    kind: str = "quote"  # as Quote.kind


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


class _Blanks(dict[int, str]):
    """``str.translate`` table blanking a quotation: letters and digits ``x`` (what the
    regular expression ``[^\\W_]`` matches), white space kept, anything else a space."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        blank = "x" if char.isalnum() else char if char.isspace() else " "
        self[code] = blank
        return blank


_BLANKS = _Blanks()


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
    return _4_WORDS.search(text) is not None


class _Reader:
    """Reads one article paragraph by paragraph, keeping who was named and who spoke.

    A paragraph with no quotation and no cue of a reported statement (most of them) only
    names people, which :class:`People` reads when asked; in the others, the sentences with
    neither are likewise only mentioned.
    """

    def __init__(self, index: ArchiveIndex, doc_index: int) -> None:
        self.index, self.doc_index = index, doc_index
        self.people = People()
        self.out: list[Quote] = []
        self.carry: str | None = None  # speaker of the last sentence's quotation
        self.text, self.masked = "", ""
        self.marks: list[_Mark] = []
        self.sentences = Sentences("")
        self.cues: list[int] = []

    def paragraph(self, para: int) -> None:
        text = self.index.text(para)
        people = self.people
        line = dash_line(people, text) if "—" in text or "―" in text else None
        if line is not None:
            body, who = line
            if not body and para > self.index.docs[self.doc_index].first:
                para, body = para - 1, self.index.text(para - 1)  # the dash has its own line
            if _long(body):
                self.out.append(Quote(body, who, self.doc_index, para, body, "line"))
            people.last, self.carry = who, None
            return
        marks, found = _marks(text), cues(text)
        if not marks and not found:  # only names: read when asked
            people.mentions(text, text, 0, len(text))
            self.carry = None
            return
        masked = _mask(text, marks) if marks else text
        self.text, self.masked, self.marks, self.cues = text, masked, marks, found
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
            previous = self._sentence(s, para, previous)
            done = s.end
        if text[done:].strip():
            people.mentions(masked, text, done, len(text))
            previous = None
        self.carry = previous

    def _sentence(self, s: Span, para: int, previous: str | None) -> str | None:
        """Quotations starting in sentence ``s``, or its reported statement; returns the
        speaker of its last quotation (None when it has none)."""
        people, text, masked, marks = self.people, self.text, self.masked, self.marks
        here, ends, whos = [], [], []
        for i, m in enumerate(marks):
            if s.start <= m.start < s.end:
                end = s.end if m.end <= s.end else self.sentences.end_after(m.end)
                stop = end  # the sentence's end, or the next quotation's start if sooner
                for o in marks[i + 1:]:
                    if o.start >= m.end:
                        stop = min(stop, o.start)
                        break
                here.append(m)
                ends.append(end)
                whos.append(post_speaker(people, masked, m.end, stop)
                            or pre_speaker(people, masked, s.start, m.start))
        spoke: str | None = None
        if here:
            known = next((w for w in whos if w), None)
            if known is None and here[0].start == s.start:
                known = previous  # "“…,” Lavrov said. “We have warned…”"
            for k, m in enumerate(here):
                who = whos[k] = whos[k] or known
                if masked[max(0, m.start - 20):m.start].rstrip().endswith(_NAMING_ENDS) and (
                    _NAMING.search(masked, max(0, m.start - 20), m.start)
                ):
                    continue
                if not m.long and not (who and _direct(text, m)):
                    continue
                context = text[s.start:max(s.end, ends[k])]
                self.out.append(Quote(m.inner.text, who, self.doc_index, para, context))
                spoke = spoke or who
        if self.cues and any(s.start <= at < s.end for at in self.cues) and not any(
            m.start < s.end and m.end > s.start and m.long for m in marks
        ) and _6_WORDS.search(s.text):
            found = reported(people, s.text)
            if found is not None and found[1] and _long(found[0]):
                statement = found[0].strip().rstrip(".").strip()
                self.out.append(Quote(statement, found[1], self.doc_index, para, s.text,
                                      "reported"))
                spoke = found[1]
        people.mentions(masked, text, s.start, s.end, True)
        if spoke is not None:
            people.spoke(spoke)  # the speaker, not the last name in the sentence
        return whos[-1] if here else None


_POST_DIRECT = re.compile(
    rf"[\s,]*(?:(?:he|she)\s+(?:{VERBS})\b|(?:{VERBS})\s+[A-Z]"
    rf"|(?:the\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*\s+(?:{VERBS})\b)"
)


def _direct(text: str, m: _Mark) -> bool:
    """A whole utterance directly attributed: ``“Never,” he said``."""
    inner = text[m.inner.start:m.end].rstrip("\"”’'»")
    return inner[-1:] in (",", ".", "!", "?") and _POST_DIRECT.match(text, m.end) is not None


def _article_quotes(index: ArchiveIndex, doc_index: int) -> list[Quote]:
    reader = _Reader(index, doc_index)
    doc = index.docs[doc_index]
    for para in range(doc.first, doc.first + doc.count):
        reader.paragraph(para)
    return reader.out


def extract_quotes(index: ArchiveIndex) -> list[Quote]:
    """Every quotation in the archive, article by article, in reading order. (An index
    build extracts per article, in its workers, and reuses unchanged files' rows: see
    ``bot.core.analyse`` and ``bot.core.library``.)"""
    out: list[Quote] = []
    for doc_index in range(len(index.docs)):
        out.extend(_article_quotes(index, doc_index))
    log.debug("extracted %d quotations from %d articles", len(out), len(index.docs))
    return out


def quotes_to_json(quotes: Iterable[Quote]) -> list[list[Any]]:
    """Plain rows ``[text, speaker, doc_index, para, context, kind]`` for the index extras."""
    return [[q.text, q.speaker, q.doc_index, q.para, q.context, q.kind] for q in quotes]


def quotes_from_json(rows: Iterable[Any]) -> list[Quote]:
    out = []
    for row in rows:
        text, speaker, doc_index, para, context, kind = row
        out.append(Quote(str(text), None if speaker is None else str(speaker), int(doc_index),
                         int(para), str(context), str(kind)))
    return out

"""Quotation marks of a paragraph: the spans between them, paired left to right.

Double marks, straight or typographic (``“…”``, ``"…"``, ``„…“``, ``«…»``, ``’’…’’``); in a
paragraph with none, British single marks (``‘…’``, else straight ``'…'``), an apostrophe
(``don’t``, ``players’ union``) not taken for a closing mark. An opening mark never closed
runs to the end of its paragraph (a quotation continued in the next one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answers.sentences import Span
from bot.core.compiled import or_reference

_OPEN, _CLOSE = "“„«", "”»"
_QUOTE_MARKS = ("’’", "''", '"', "“", "”", "„", "«", "»")
_WORD = re.compile(r"\w+")
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–-]))‘")
# A closing single mark: after a letter or punctuation, before punctuation, space or the end;
# "players’ union" (an s, a space, a lower-case word) is a plural possessive, not a close.
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?…])’(?=[\s,.;:!?)—–-]|$)")
_POSSESSIVE = re.compile(r"s’ [a-z]")
# The same with straight marks ('…,' she said): an opening one before a letter, a closing
# one never inside a word (don't) nor a plural possessive (players' union).
_STRAIGHT_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–-]))'(?=[A-Za-z])")
_STRAIGHT_CLOSE = re.compile(r"(?<=[\w.,!?…])'(?=[\s,.;:!?)—–-]|$)")
_STRAIGHT_POSSESSIVE = re.compile(r"s' [a-z]")


@dataclass(frozen=True, slots=True)
class Mark:
    start: int  # offset of the opening mark
    end: int  # offset just after the closing mark (or the paragraph's end)
    inner: Span  # the quoted words, trimmed
    words: int
    closed: bool


def _word_count_reference(text: str) -> int:
    return len(_WORD.findall(text))


_WORD_COUNT = or_reference("word_count", _word_count_reference)  # C when built


def word_count(text: str, *, compiled: bool = True) -> int:
    """How many ``\\w+`` words ``text`` holds."""
    return _WORD_COUNT(text) if compiled else _word_count_reference(text)


def _trim(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without white space around it, nor ``,;:`` at its end."""
    piece = text[start:end]
    inner = piece.lstrip()
    start += len(piece) - len(inner)
    inner = inner.rstrip()
    while inner and inner[-1] in ",;:":
        inner = inner[:-1].rstrip()
    return Span(inner, start, start + len(inner))


def _double(text: str) -> list[tuple[int, int, int]]:
    signs = []
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
            if sign in _OPEN or (sign in ('"', "''", "’’") and (
                i == 0 or text[i - 1].isspace() or text[i - 1] in "([—-"
            )):
                open_at = i
        elif sign not in _OPEN:  # a closing mark, or a straight quote with one open
            found.append((open_at, i, i + len(sign)))
            open_at = -1
    if open_at >= 0:  # never closed: continued in the next paragraph
        found.append((open_at, len(text), len(text)))
    return found


def _single(text: str, straight: bool = False) -> list[tuple[int, int, int]]:
    opener, closer, possessive = ((_STRAIGHT_OPEN, _STRAIGHT_CLOSE, _STRAIGHT_POSSESSIVE)
                                  if straight else (_SINGLE_OPEN, _SINGLE_CLOSE, _POSSESSIVE))
    found: list[tuple[int, int, int]] = []
    pos = 0
    while True:
        opening = opener.search(text, pos)
        if opening is None:
            return found
        start = opening.start()
        close = -1
        for m in closer.finditer(text, start + 1):
            if not possessive.match(text, m.start() - 1):
                close = m.start()
                break
        if close < 0:
            if not straight or start == 0:  # straight: only a paragraph's opening runs on
                found.append((start, len(text), len(text)))
            return found
        found.append((start, close, close + 1))
        pos = close + 1


def find_marks(text: str) -> list[Mark]:
    """The quoted spans of a paragraph, in order."""
    if '"' in text or "“" in text or "„" in text or "«" in text or "''" in text:
        found = _double(text)
    elif "‘" in text:
        found = _single(text)
    elif "'" in text:
        found = _single(text, straight=True)
    else:
        return []
    marks = []
    for start, close, end in found:
        inner = _trim(text, start + 1, close)
        if inner.text:
            marks.append(Mark(start, end, inner, word_count(inner.text), close < len(text)))
    return marks


def _blank(char: str) -> str:
    """Letters and digits ``x``, white space kept, anything else a space."""
    return "x" if char.isalnum() else char if char.isspace() else " "


class _BlankTable(dict[int, str]):
    """``str.translate`` table of :func:`_blank`, computed (not stored) past U+3000."""

    def __missing__(self, code: int) -> str:
        return _blank(chr(code))


_BLANKS = _BlankTable({code: _blank(chr(code)) for code in range(0x3000)})


def _blank_reference(text: str) -> str:
    return text.translate(_BLANKS)


_BLANK = or_reference("blank", _blank_reference)  # C when built


def blank(text: str, *, compiled: bool = True) -> str:
    """``text`` with letters and digits ``x``, white space kept, anything else a space."""
    return _BLANK(text) if compiled else _blank_reference(text)


def mask(text: str, marks: Sequence[Mark]) -> str:
    """``text`` with quoted words blanked (same length), so attribution ignores them."""
    pieces, pos = [], 0
    for m in marks:
        pieces += [text[pos:m.inner.start], _BLANK(m.inner.text)]
        pos = m.inner.end
    pieces.append(text[pos:])
    return "".join(pieces)

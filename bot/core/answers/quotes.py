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
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from bot.core.answers.people import People as _People
from bot.core.answers.sentences import Name, Span, names_in, split_sentences
from bot.core.index import ArchiveIndex

log = logging.getLogger(__name__)

MIN_QUOTE_WORDS = 4
_VERBS = (
    r"said|says|saying|told|telling|added|adding|concluded|stated|stating|explained|noted"
    r"|noting|warned|warning|insisted|insisting|argued|asked|replied|continued|declared"
    r"|announced|urged|urging|wrote|stressed|stressing|admitted|claimed|commented|remarked"
    r"|accused|called\s+on|called\s+for|vowed|suggested"
)
_VERB = re.compile(rf"\b(?:{_VERBS})\b")
_POST_PRONOUN = re.compile(rf"^[\s,.;:]*(?:he|she)\s+(?:also\s+)?(?:{_VERBS})\b", re.I)
_POST_VERB = re.compile(rf"^[\s,.;:]*(?:{_VERBS})\s+", re.I)
_POST_SUBJECT = re.compile(r"^[\s,.;:]*(?:the\s+)?", re.I)
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.I)
_NAMING = re.compile(r"\b(?:titled|entitled|called|named|dubbed|known\s+as|so-called)\s*$")
_PRONOUN_BEFORE = re.compile(r"\b(?:he|she)\s+(?:also\s+)?$", re.I)
_DASH_LINE = re.compile(r"(?:\n|\s)[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,[^\n]*)?\s*$")
_OPEN, _CLOSE = "“„«", "”»"
_PRONOUN_ONLY = re.compile(r"\s*(?:he|she)\s+(?:also\s+)?", re.I)
_APPOSITION_START = re.compile(r"\s*[,-]")
_APPOSITION = re.compile(r"(?:an?|the)\s[^,]+,\s*(.+)$")
_WORD = re.compile(r"\w+")
_REPORTED = re.compile(
    r"\b(?P<verb>said|stated|warned|added|insisted|announced|argued|claimed|told"
    r"(?:\s+(?:[A-Z][\w’'.-]*|the|reporters|journalists|Al|The))+)"
    r"(?:\s+(?:on|last)\s+\w+|\s+today|\s+yesterday)?"
    r"\s+(?:that\s+(?P<that>.+)|(?P<clause>(?:he|she|it|they|we|there)\s.+))$"
)
_TOLD_PLAIN = re.compile(r"\btold\s+(?:reporters|journalists)\s+(?P<clause>.+)$")
_SAID_AFTER = re.compile(r"^(?P<stmt>.+),\s+(?P<who>he|she|[A-Z][\w’'-]+)\s+said\.?$")
_ACCORDING_START = re.compile(r"^According to \S")
# Where one of the four patterns above may match: a verb followed by what they need after it.
_CUE_VERBS = ("said", "stated", "warned", "added", "insisted", "announced", "argued", "claimed")
_AFTER_CUE = re.compile(
    r"(?:\s+(?:on|last)\s+\w+|\s+today|\s+yesterday)?\s+(?:that|he|she|it|they|we|there)\s"
)
_AFTER_TOLD = re.compile(r"\s+(?:[A-Z]|the\s|reporters|journalists)")
_SAID_LAST = re.compile(r"\.?(?!\S)")
_BEFORE_SAID = re.compile(r",\s+(?:he|she|[A-Z][\w’'-]+)\s+")


def _cues(text: str) -> list[int]:
    """Offsets of the verbs (or ``According to``) of ``text`` at which :func:`_reported` may
    find a statement: a sentence without one holds none."""
    found = []
    for verb in _CUE_VERBS:
        at = text.find(verb)
        while at >= 0:
            end = at + len(verb)
            if _AFTER_CUE.match(text, end) or verb == "said" and _SAID_LAST.match(text, end) and (
                _BEFORE_SAID.fullmatch(text, text.rfind(",", 0, at), at)
            ):
                found.append(at)
            at = text.find(verb, end)
    at = text.find("told")
    while at >= 0:
        if _AFTER_TOLD.match(text, at + 4):
            found.append(at)
        at = text.find("told", at + 4)
    at = text.find("According to ")
    while at >= 0:
        if text[at + 13:at + 14].strip():
            found.append(at)
        at = text.find("According to ", at + 13)
    return found


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
    words: int  # in inner


_QUOTE_MARK = re.compile(r"’’|''|[\"“”„«»]")
_QUOTE_CHARS = re.compile(r"[\"“”„«»'’]")


def _marks(text: str) -> list[_Mark]:
    """Double-quoted spans of a paragraph, paired left to right."""
    found: list[tuple[int, int, Span]] = []
    open_at: int | None = None
    for match in _QUOTE_MARK.finditer(text):
        i, ch = match.start(), match.group()
        if ch == '"':
            opening = i == 0 or text[i - 1].isspace() or text[i - 1] in "([—-"
            kind = "open" if opening and open_at is None else "close"
        else:
            kind = "open" if ch in _OPEN else "close"
        if kind == "open" and open_at is None:
            open_at = i
        elif kind == "close" and open_at is not None:
            found.append((open_at, match.end(), _trim(text, open_at + 1, i)))
            open_at = None
    if open_at is not None:  # never closed: continued in the next paragraph
        found.append((open_at, len(text), _trim(text, open_at + 1, len(text))))
    return [_Mark(start, end, inner, _words(inner.text)) for start, end, inner in found
            if inner.text]


def _trim(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without white space around it, nor ``,;:`` at its end."""
    piece = text[start:end]
    inner = piece.lstrip()
    start += len(piece) - len(inner)
    inner = inner.rstrip()
    while inner and inner[-1] in ",;:":
        inner = inner[:-1].rstrip()
    return Span(inner, start, start + len(inner))


_ALNUM = re.compile(r"[^\W_]")
_PUNCT = re.compile(r"[^\w\s]|_")


def _mask(text: str, marks: Sequence[_Mark]) -> str:
    """``text`` with quoted words blanked (same length), so attribution ignores them."""
    pieces, pos = [], 0
    for m in marks:
        inner = _PUNCT.sub(" ", _ALNUM.sub("x", text[m.inner.start:m.inner.end]))
        pieces += [text[pos:m.inner.start], inner]
        pos = m.inner.end
    pieces.append(text[pos:])
    return "".join(pieces)


_LEAD = re.compile(r"(?:[A-Z][\w.’'-]*\s+)*")  # role words before a cleaned name


def _adjacent(masked: str, start: int, name: Name) -> bool:
    """Whether ``name`` starts at ``start`` (role words such as "Foreign Minister" aside)."""
    return _LEAD.fullmatch(masked, start, name.start) is not None


def _name_at(people: _People, masked: str, start: int, end: int) -> str | None:
    """The speaker named right at ``start`` (``Al Jazeera’s Rory Challands``: the person)."""
    names = names_in(masked, start, end)
    if not names or not _adjacent(masked, start, names[0]):
        return None
    name = names[0]
    if masked.startswith(("’s", "'s"), name.end) and len(names) > 1 and (
        names[1].start - name.end <= 20
    ):
        name = names[1]
    return people.speaker(name)


def _post_speaker(people: _People, masked: str, start: int, end: int) -> str | None:
    """Attribution right after a closing quote mark."""
    window = masked[start:end]
    if _POST_PRONOUN.match(window):
        return people.last
    verb = _POST_VERB.match(window)
    if verb is not None:
        return _name_at(people, masked, start + verb.end(), end)
    subject = _POST_SUBJECT.match(window)
    offset = start + (subject.end() if subject else 0)
    names = names_in(masked, offset, end)
    if names and _adjacent(masked, offset, names[0]) and _VERB.match(masked, names[0].end + 1):
        return people.speaker(names[0])
    according = _ACCORDING.match(window.lstrip(" ,"))
    if according is not None:
        return _name_at(people, masked, end - len(window.lstrip(" ,")) + according.end(), end)
    return None


def _pre_speaker(people: _People, masked: str, start: int, end: int) -> str | None:
    """``X said that … “…”``: the subject of the last speech verb before the quote."""
    for verb in reversed(list(_VERB.finditer(masked, start, end))):
        if _PRONOUN_BEFORE.search(masked, start, verb.start()):
            return people.last
        names = names_in(masked, start, verb.start())
        if names:
            gap = masked[names[-1].end:verb.start()]
            if len(gap.split()) <= 4 or (names[-1].start - start <= 4 and gap.startswith(",")):
                return people.speaker(names[-1])
    return None


def _subject(people: _People, sentence: str, verb_at: int) -> str | None:
    """The named subject of a reporting verb at ``verb_at``: a person opening the sentence
    with an apposition ("Salem al-Muslet, spokesperson for ..., told"), or the name just
    before the verb."""
    before = sentence[:verb_at]
    if _PRONOUN_ONLY.fullmatch(before):
        return people.last
    names = names_in(sentence, 0, verb_at)
    if not names:
        return None
    first = names[0]
    if (first.person or people.person(first)) and _adjacent(sentence, 0, first) and (
        _APPOSITION_START.match(sentence, first.end)
    ):
        return people.speaker(first)
    if verb_at - names[-1].end <= 1:
        return people.speaker(names[-1])
    return None


def _reported(people: _People, sentence: str) -> tuple[str, str | None] | None:
    """(statement, speaker) for an unquoted, attributed statement."""
    opening = _ACCORDING_START.match(sentence)
    if opening is not None:
        names = names_in(sentence, 0, len(sentence))
        person = next((n for n in names if n.person), None)
        if person is None or person.start > len("According to "):
            return None
        rest = sentence[person.end:].lstrip(", ")
        apposition = _APPOSITION.match(rest)
        return (apposition.group(1) if apposition else rest), people.person(person)
    after = _SAID_AFTER.match(sentence)
    if after is not None:
        who = after.group("who")
        if who in ("he", "she"):
            return after.group("stmt"), people.last
        names = names_in(sentence, after.start("who"), after.end("who"))
        return after.group("stmt"), people.speaker(names[0]) if names else None
    found = _REPORTED.search(sentence) or _TOLD_PLAIN.search(sentence)
    if found is None:
        return None
    statement = found.groupdict().get("that") or found.group("clause")
    return statement, _subject(people, sentence, found.start())


def _words(text: str) -> int:
    return len(_WORD.findall(text))


_DASH_ONLY = re.compile(r"^[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,.*)?$", re.S)


def _dash_line(people: _People, text: str) -> tuple[str, str] | None:
    """(quotation, speaker) for ``…quotation. —Name, role`` (a line, or text, then a dash);
    the quotation is empty when the dash line is a paragraph of its own."""
    text = text.strip()
    found = _DASH_LINE.search(text) or _DASH_ONLY.match(text)
    if found is None:
        return None
    names = names_in(text, found.start("who"), found.end("who"))
    if not names or names[0].start != found.start("who") or not names[0].person:
        return None
    who = people.speaker(names[0])
    if who is None:
        return None
    return text[:found.start()].strip().strip("\"“”").strip(), who


class _Reader:
    """Reads one article paragraph by paragraph, keeping who was named and who spoke."""

    def __init__(self, index: ArchiveIndex, doc_index: int) -> None:
        self.index, self.doc_index = index, doc_index
        self.people = _People()
        self.out: list[Quote] = []
        self.carry: str | None = None  # speaker of the last sentence's quotation
        self.text, self.masked = "", ""
        self.marks: list[_Mark] = []
        self.sentences: list[Span] = []
        self.cues: list[int] = []

    def paragraph(self, para: int) -> None:
        text = self.index.text(para)
        line = _dash_line(self.people, text) if "—" in text or "―" in text else None
        if line is not None:
            body, who = line
            if not body and para > self.index.docs[self.doc_index].first:
                para, body = para - 1, self.index.text(para - 1)  # the dash has its own line
            if _words(body) >= MIN_QUOTE_WORDS:
                self.out.append(Quote(body, who, self.doc_index, para, body, "line"))
            self.people.last, self.carry = who, None
            return
        marks = _marks(text) if _QUOTE_CHARS.search(text) else []
        self.cues = _cues(text)
        if not marks and not self.cues:
            # No quotation and no attributed statement: only the names in it matter.
            self.people.mentions_paragraph(text)
            self.carry = None
            return
        self.text, self.marks = text, marks
        self.masked = masked = _mask(text, marks) if marks else text
        self.sentences = split_sentences(text)
        previous = self.carry if marks and marks[0].start == 0 else None
        starts = [m.start for m in marks] + self.cues
        for s in self.sentences:
            if any(s.start <= at < s.end for at in starts):
                previous = self._sentence(s, para, previous)
            else:  # nothing to read here but names
                self.people.mentions(masked, s.start, s.end)
                previous = None
        self.carry = previous

    def _end_of_sentence(self, pos: int) -> int:
        return next((s.end for s in self.sentences if s.end >= pos), len(self.text))

    def _sentence(self, s: Span, para: int, previous: str | None) -> str | None:
        """Quotations starting in sentence ``s``, or its reported statement; returns the
        speaker of its last quotation (None when it has none)."""
        people, text, masked, marks = self.people, self.text, self.masked, self.marks
        here = [m for m in marks if s.start <= m.start < s.end]
        whos: list[str | None] = []
        for m in here:
            stop = min([o.start for o in marks if o.start >= m.end]
                       + [self._end_of_sentence(m.end)])
            whos.append(_post_speaker(people, masked, m.end, stop)
                        or _pre_speaker(people, masked, s.start, m.start))
        known = next((w for w in whos if w), None)
        if known is None and here and here[0].start == s.start:
            known = previous  # "“…,” Lavrov said. “We have warned…”"
        whos = [w or known for w in whos]
        spoke: str | None = None
        for m, who in zip(here, whos, strict=True):
            if _NAMING.search(masked, max(0, m.start - 20), m.start):
                continue
            if m.words < MIN_QUOTE_WORDS and not (who and _direct(text, m)):
                continue
            context = text[s.start:max(s.end, self._end_of_sentence(m.end))]
            self.out.append(Quote(m.inner.text, who, self.doc_index, para, context))
            spoke = spoke or who
        if any(s.start <= at < s.end for at in self.cues) and not any(
            m.start < s.end and m.end > s.start and m.words >= MIN_QUOTE_WORDS for m in marks
        ) and _words(s.text) >= 6:
            found = _reported(people, s.text)
            if found is not None and found[1] and _words(found[0]) >= MIN_QUOTE_WORDS:
                statement = found[0].strip().rstrip(".").strip()
                self.out.append(Quote(statement, found[1], self.doc_index, para, s.text,
                                      "reported"))
                spoke = found[1]
        people.mentions(masked, s.start, s.end)
        if spoke is not None and people.known(spoke):
            people.last = spoke  # the speaker, not the last name in the sentence
        return whos[-1] if here else None


_POST_DIRECT = re.compile(
    rf"[\s,]*(?:(?:he|she)\s+(?:{_VERBS})\b|(?:{_VERBS})\s+[A-Z]"
    rf"|(?:the\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*\s+(?:{_VERBS})\b)"
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


def extract_quotes(
    index: ArchiveIndex,
    previous: ArchiveIndex | None = None,
    reuse: Collection[str] = (),
) -> list[Quote]:
    """Every quotation in the archive, article by article, in reading order.

    Articles whose doc_id is in ``reuse`` (unchanged files on an incremental reindex) take
    their quotations from ``previous`` instead of being read again, renumbered to where
    their paragraphs sit in ``index``.
    """
    old: dict[str, list[Quote]] = {}
    if previous is not None and reuse and "quotes" in previous.extras:
        wanted = set(reuse)
        for q in quotes_from_json(previous.extras["quotes"]):
            doc_id = previous.docs[q.doc_index].doc_id
            if doc_id in wanted:
                old.setdefault(doc_id, []).append(q)
    else:
        previous = None
    out: list[Quote] = []
    read = 0
    for doc_index, doc in enumerate(index.docs):
        if previous is not None and doc.doc_id in reuse:
            shift = doc.first - previous.docs[previous.doc_lookup[doc.doc_id]].first
            out.extend(q._replace(doc_index=doc_index, para=q.para + shift)
                       for q in old.get(doc.doc_id, ()))
        else:
            out.extend(_article_quotes(index, doc_index))
            read += 1
    log.info("extracted %d quotations from %d articles (%d read, %d reused)",
             len(out), len(index.docs), read, len(index.docs) - read)
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

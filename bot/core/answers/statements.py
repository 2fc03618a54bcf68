"""Reported statements: unquoted speech attributed to a speaker, read from one sentence.

``X said (on Monday) (that) …``, ``X told reporters (that) …``, ``…, saying …``, ``…, X said.``,
``…, said X, a spokeswoman.``, ``According to X, …``, ``…, according to X.`` (a study, a
report or figures are no speaker). Without "that", the clause must start like one (a
determiner, a pronoun, a name) or show a verb soon (``said costs had risen``); a clause that
is all a quotation is the quotation's (``X said: “…”``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.core.answers import cues
from bot.core.answers.attribution import Reader, Who
from bot.core.answers.marks import Mark, word_count
from bot.core.answers.sentences import Span

MIN_QUOTE_WORDS = 4  # a quotation needing no direct attribution has this many words
MIN_STATEMENT_WORDS = 4
_ACCORDING_OPEN = re.compile(r"According\s+to\s+(?P<who>[^,]{2,80}),\s*(?P<rest>.+)$", re.S)
_ACCORDING_END = re.compile(r"^(?P<clause>.+),\s+according\s+to\s+(?P<who>[^,]{2,80}?)\.?$",
                            re.S)
_TRAILING = re.compile(
    rf"^(?P<clause>.+?),\s+(?P<who>(?:he|she|they|the\s+[\w\s]{{1,40}}?|[A-Z][^,]{{0,70}}?))"
    rf"\s+(?:also\s+|has\s+|have\s+|had\s+)?(?:{cues.REPORTING})"
    r"(?P<tail>(?:\s+[^,]{0,60})?)\.?$", re.S)
_TRAILING_VERB = re.compile(
    rf"^(?P<clause>.+?),\s+(?:{cues.REPORTING})\s+"
    r"(?P<who>(?:[a-z]+\s+){0,3}[A-Z][\w.’'-]*(?:\s+(?:[A-Z][\w.’'-]*|of|for|and))*)"
    r"(?:,.*)?\.?$", re.S)
_DOCUMENT = re.compile(
    r"\baccording\s+to\s+(?:an?\s+|the\s+|new\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}"
    r"(?:study|report|survey|figures|data|poll|documents?|analysis|statistics|estimates?"
    r"|records|research|paper|filing|census|forecast)", re.I)
_TOLD_OBJECT = re.compile(
    r"\s+(?:reporters|journalists|the\s+[\w’'-]+(?:\s+[A-Z][\w’'-]+)*|(?:[A-Z][\w’'.-]*\s*){1,4}"
    r"|him|her|them|us|me)(?=\s)")
_THAT = re.compile(r"\s*,?\s*that\s+")
_CLAUSE_START = frozenset(
    """the a an his her their its it he she they we i there this these those some more most
    nearly almost about all no none every each extra emergency any our my your one two three
    four five six seven eight nine ten many few several much other another such""".split())
# Verbs a clause may follow without "that" ("said the talks had failed").
_THATLESS = frozenset(
    """said says told tells added adds saying insisting insisted warned warns wrote writes
    claimed claims argued argues arguing warning noted notes stressed explained explains
    stated states acknowledged admitted admits conceded suggested suggests maintained
    maintains predicted confirmed confirms""".split())
# Words that show a clause has a verb ("said the puck would go"): auxiliaries and common
# irregular past forms (regular ones end in -ed).
_FINITE = frozenset(
    """is are was were be been being has have had will would can could shall should may
    might must do does did am isn't aren't wasn't weren't won't wouldn't can't couldn't
    shouldn't don't doesn't didn't hasn't haven't hadn't came went saw took gave made got
    knew thought felt left lost won ran began became held kept found put set cut
    brought bought built paid sent spent stood understood wrote meant led fell grew rose
    needs wants plans means seems looks remains goes comes takes makes gets knows thinks
    feels""".split())
_NOT_CLAUSE = frozenset("and but or so nothing goodbye yes no hello sorry".split())


class Statement(NamedTuple):
    """A reported statement: its span in the paragraph and its speaker."""

    start: int
    end: int
    who: Who | None


class StatementFinder:
    """Finds the reported statement of a sentence (one finder per article)."""

    def __init__(self) -> None:
        self._cues: list[cues.Cue] = []

    def find(self, reader: Reader, text: str, s: Span, here: list[Mark],
             found_cues: list[cues.Cue]) -> Statement | None:
        """The reported statement of sentence ``s`` of paragraph ``text`` (its quotations
        ``here``, its cues ``found_cues``), if it holds one."""
        self._cues = found_cues
        long_marks = [m for m in here if m.words >= MIN_QUOTE_WORDS]
        found = None
        for read in (self._according_opening, self._verb_clause, self._trailing,
                     self._according):
            found = read(reader, s, long_marks)
            if found is not None and found.who is not None:
                break
        if found is None or found.who is None:
            return None
        start, end = found.start, found.end
        while end > start and text[end - 1] in ".,;: \n":
            end -= 1
        if word_count(text[start:end]) < MIN_STATEMENT_WORDS:
            return None
        if any(m.start <= start and m.end >= end for m in here):
            return None  # the whole statement is a quotation
        return Statement(start, end, found.who)

    def _according_opening(self, reader: Reader, s: Span,
                           _: list[Mark]) -> Statement | None:
        if not reader.masked.startswith("According", s.start):
            return None
        return self._according(reader, s, _)

    def _according(self, reader: Reader, s: Span, _: list[Mark]) -> Statement | None:
        sentence = reader.masked[s.start:s.end]
        if "ccording to" not in sentence or _DOCUMENT.search(sentence):
            return None  # according to a study, to figures: a document is no speaker
        opening = _ACCORDING_OPEN.match(sentence)
        if opening is not None:
            who = reader.phrase(s.start + opening.start("who"), s.start + opening.end("who"))
            rest, at = opening.group("rest"), s.start + opening.start("rest")
            apposition = re.match(r"(?:an?|the)\s[^,]+,\s*(?=\S)", rest)
            if apposition is not None and rest.count(",") >= 1 and who is not None:
                at += apposition.end()
            return Statement(at, s.end, who)
        ending = _ACCORDING_END.match(sentence)
        if ending is not None:
            who = reader.phrase(s.start + ending.start("who"), s.start + ending.end("who"))
            return Statement(s.start, s.start + ending.end("clause"), who)
        return None

    def _trailing(self, reader: Reader, s: Span, long_marks: list[Mark]) -> Statement | None:
        sentence = reader.masked[s.start:s.end]
        comma = sentence.find(", ")
        if comma < 0 or not any(c.at - s.start > comma for c in self._cues):
            return None  # no ", … said" in it
        found = _TRAILING.match(sentence) or _TRAILING_VERB.match(sentence)
        if found is None:
            return None
        clause_end = s.start + found.end("clause")
        if any(m.end >= clause_end - 1 and m.start < clause_end for m in long_marks):
            return None  # “…,” X said: a quotation's attribution
        if sentence.lstrip()[:1] in "\"“‘'":
            return None
        who_start, who_end = s.start + found.start("who"), s.start + found.end("who")
        who = reader.pronoun_or_phrase(who_start, who_end, found.group("who"))
        return Statement(s.start, clause_end, who)

    @staticmethod
    def _clause_word(word: str, verb: str) -> bool:
        """Whether a clause (with no "that") may start with ``word`` after ``verb``."""
        if not word or verb not in _THATLESS:
            return False
        folded = word.casefold()
        if folded in cues.PREPOSITIONS or folded in _NOT_CLAUSE:
            return False
        return folded in _CLAUSE_START or word[0].islower() or not cues.never_speaker(word)

    def _verb_clause(self, reader: Reader, s: Span,
                     long_marks: list[Mark]) -> Statement | None:
        masked = reader.masked
        for verb in self._cues:
            if verb.word.endswith("ccording to"):
                continue  # read by _according
            start, said = verb.at, verb.word
            if any(m.end <= start and not masked[m.end:start].strip(
                    " ,\n\"”’'") for m in long_marks):
                continue
            if any(m.end <= start and masked[m.end:start].count(" ") <= 8
                   and "." not in masked[m.end:start] for m in long_marks):
                continue  # “…,” spokesperson X said …: the quotation's own attribution
            at = start + len(said)
            if said in ("told", "tells"):
                obj = _TOLD_OBJECT.match(masked, at, s.end)
                if obj is None:
                    continue
                at = obj.end()
            when = cues.WHEN.match(masked, at, s.end)
            at = when.end() if when else at
            that = _THAT.match(masked, at, s.end)
            if that is not None:
                at = that.end()
            else:
                if not masked.startswith(" ", at) or masked.startswith(("  ",), at):
                    continue
                at += 1
                head = masked[at:at + 60].split()
                word = head[0].strip("’'\"“‘") if head else ""
                if not self._clause_word(word, said) or (
                    word.casefold() not in _CLAUSE_START and not word[0].isupper()
                    and not any(w in _FINITE or w.endswith("ed") for w in head[1:9])
                ):
                    continue  # "said costs had risen": a bare noun needs a verb after it
            if any(m.start <= at + 1 and m.words >= MIN_QUOTE_WORDS for m in long_marks
                   if m.start >= at - 1):
                return None  # X said: “…”
            who = reader.subject(s.start, start)
            return Statement(at, s.end, who)
        return None

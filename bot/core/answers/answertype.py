"""What kind of answer a question asks for, and where a sentence holds one.

:func:`question_kind` reads the question word ("how many" → ``number``, "when" → ``date``,
"who" → ``person``, "where" → ``place``, "why" → ``reason``, else ``other``) and
:func:`question_measure` what a number must measure ("how far": a distance, "how old": an
age);
:func:`type_match` finds, in a candidate sentence, the phrase of that kind that the question
does not already name (a number, a date, a name, a reason clause) and scores it 0–1. The
phrase is what the Discord embed shows in bold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from bot.core.answers.sentences import iter_names

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(
        r"\bhow\s+(?:many|much|large|big|long|far|old|tall|high|often|deep|wide|heavy)\b"
        r"|\b(?:the\s+)?number\s+of\b|\bwhat\s+(?:percentage|percent|proportion|share|toll"
        r"|amount|fraction|size|population)\b|\bwhat\s+(?:is|was|are|were)\s+the\s+(?:population"
        r"|number|size|cost|price|distance|length|height|area|death\s+toll)\b", re.I)),
    ("date", re.compile(
        r"^\W*when\b|\bwhen\s+(?:did|was|were|is|does|do|will|had|has)\b"
        r"|\b(?:what|which|in\s+what)\s+(?:year|date|day|month|century|decade|era|period)\b"
        r"|\bsince\s+when\b|\bhow\s+long\s+ago\b", re.I)),
    ("person", re.compile(
        r"\bwho(?:m|se)?\b|\bwhich\s+(?:person|official|minister|envoy|man|woman|leader|king"
        r"|president|group|organi[sz]ation|company)\b", re.I)),
    ("place", re.compile(
        r"\bwhere\b|\b(?:what|which|in\s+what|in\s+which)\s+(?:country|city|town|region"
        r"|state|province|place|area|continent|county|location|river|island)\b", re.I)),
    ("reason", re.compile(r"\bwhy\b|\bfor\s+what\s+reason\b|\bwhat\s+(?:caused|led\s+to)\b",
                          re.I)),
)

KINDS = ("number", "date", "person", "place", "reason", "other")

# Numbers whose question names what they measure: "how far" wants a distance, "how old" an
# age. A number of that measure is the answer ("about 10 kilometres", "in his 40s"); another
# number ("12 trucks") only half one.
_MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("distance", re.compile(
        r"\bhow\s+(?:far|tall|high|deep|wide)\b|\bwhat\s+(?:is|was)\s+the\s+"
        r"(?:distance|height|depth|width)\b|\bat\s+what\s+(?:distance|height|depth)\b", re.I)),
    ("age", re.compile(r"\bhow\s+old\b|\b(?:at\s+)?what\s+age\b|\bwhat\s+is\s+the\s+age\b",
                       re.I)),
)
_MEASURED = {
    "distance": re.compile(
        r"\b\d[\d,.]*(?:\s*-\s*|\s+)?(?:kilomet(?:re|er)s?|km|miles?|met(?:re|er)s?|feet"
        r"|foot|ft|yards?|inches|cm|centimet(?:re|er)s?|nautical\s+miles)\b", re.I),
    "age": re.compile(
        r"\b(?:in\s+(?:his|her|their)\s+(?:early\s+|mid-?|late\s+)?(?:\d0s|teens|twenties"
        r"|thirties|forties|fifties|sixties|seventies|eighties|nineties)"
        r"|aged\s+\d{1,3}|\d{1,3}-years?-old|\d{1,3}\s+years?\s+old|at\s+the\s+age\s+of\s+\d{1,3}"
        r"|age\s+(?:of\s+)?\d{1,3})\b", re.I),
}
UNMEASURED = 0.5  # a number of another measure than the one asked, relative to one of it

_NUMBER = re.compile(
    r"\b\d[\d,.]*(?:\s*(?:per\s*cent|percent|%|million|billion|thousand|hundred))?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fifteen|twenty|thirty|forty|fifty|sixty|hundred|dozens?|hundreds|thousands"
    r"|millions?|billions?|half|a\s+third|a\s+quarter)\b(?:\s+(?:million|billion|thousand"
    r"|hundred|per\s*cent|percent))?", re.I)
_VAGUE = re.compile(r"dozens?|hundreds|thousands|millions|billions", re.I)
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november"
           r"|december")
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}})?(?:,?\s+\d{{3,4}})?\b"
    r"|\b(?:in\s+)?(?:1[0-9]|20)\d\d(?:s)?\b|\b\d{1,2}(?:st|nd|rd|th)\s+century\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)\b"
    r"|\blast\s+(?:week|month|year)\b|\b\w+\s+(?:years?|months?|days?)\s+ago\b", re.I)
_REASON = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result|in\s+order\s+to|so\s+that|so\s+as\s+to"
    r"|caused\s+by|thanks\s+to|on\s+account\s+of|resulted|led\s+to|since|for\s+fear|reason"
    r"|in\s+protest|to\s+avoid|to\s+prevent|to\s+allow|to\s+ensure)\b[^.;]*", re.I)
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|at|from|near|into|across|outside|inside)\s+"
                           r"(?:the\s+)?)$", re.I)


# The word a number counts ("24 people", "320 raids"): shown in bold with it.
_COUNTED = re.compile(r"\s+(?!(?:of|and|or|the|to|in|on|at|for|per|a|an|by|from|since|than"
                      r"|is|are|was|were|have|has|had)\b)([a-z][\w-]*)")


class Phrase(NamedTuple):
    """The part of a sentence that answers the question's kind, with its score (0–1)."""

    score: float
    start: int
    end: int


NONE = Phrase(0.0, 0, 0)


def question_kind(text: str) -> str:
    """The kind of answer ``text`` asks for (one of :data:`KINDS`)."""
    return next((name for name, rx in _KINDS if rx.search(text)), "other")


def question_measure(text: str) -> str:
    """What a number answering ``text`` measures ("distance", "age"), or "" (any number)."""
    return next((name for name, rx in _MEASURES if rx.search(text)), "")


def _new(words: str, asked: frozenset[str], fold: Callable[[str], list[str]]) -> bool:
    """Whether ``words`` say something the question does not (some term not in it)."""
    terms = fold(words)
    return bool(terms) and not set(terms) <= asked


def _numbers(text: str, asked: frozenset[str], anchors: list[int],
             fold: Callable[[str], list[str]], measure: str = "") -> Phrase:
    if measure:
        for m in _MEASURED[measure].finditer(text):
            if _new(m.group(), asked, fold):
                return Phrase(1.0, m.start(), m.end())
    scale = UNMEASURED if measure else 1.0
    best = NONE
    for m in _NUMBER.finditer(text):
        word = m.group()
        if not _new(word, asked, fold):
            continue
        value = 0.4 if _YEAR.fullmatch(word) else 0.6 if _VAGUE.fullmatch(word) else 1.0
        near = any(abs(m.start() - a) <= 60 for a in anchors) if anchors else True
        score = (value if near else value * 0.6) * scale
        if score > best.score:
            counted = _COUNTED.match(text, m.end())
            best = Phrase(score, m.start(), counted.end() if counted else m.end())
    return best


def _dates(text: str, asked: frozenset[str], fold: Callable[[str], list[str]]) -> Phrase:
    best = NONE
    for m in _DATE.finditer(text):
        if not _new(m.group(), asked, fold):
            continue
        score = 1.0 if _YEAR.search(m.group()) or "century" in m.group() else 0.7
        if score > best.score:
            best = Phrase(score, m.start(), m.end())
    return best


def _names(text: str, asked: frozenset[str], fold: Callable[[str], list[str]],
           kind: str) -> Phrase:
    best = NONE
    for name in iter_names(text):
        if not _new(name.text, asked, fold):
            continue
        if kind == "person":
            score = 1.0 if name.person else 0.7
        else:
            score = 1.0 if _PLACE_BEFORE.search(text, max(0, name.start - 12), name.start) \
                else 0.6
        if score > best.score:
            best = Phrase(score, name.start, name.end)
    return best


def type_match(kind: str, text: str, asked: frozenset[str], anchors: list[int],
               fold: Callable[[str], list[str]], measure: str = "") -> Phrase:
    """The best phrase of ``kind`` in ``text`` that the question (its terms ``asked``) does
    not already hold; ``anchors``: where question terms sit in ``text`` (a number near
    them scores higher); ``fold``: the archive's tokenizer; ``measure``: what a number must
    measure (:func:`question_measure`) to score in full."""
    if kind == "number":
        return _numbers(text, asked, anchors, fold, measure)
    if kind == "date":
        return _dates(text, asked, fold)
    if kind in ("person", "place"):
        return _names(text, asked, fold, kind)
    if kind == "reason":
        m = _REASON.search(text)
        return Phrase(1.0, m.start(), m.end()) if m else NONE
    return NONE

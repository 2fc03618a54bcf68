"""The gender an article gives a person, when it says (so ``she`` skips the men named).

Evidence, read from the article's own text only (no list of first names): a title right
before the name (``Ms. Roe``, ``Mr Roe``, ``Dame``, ``Sir``), a gendered role before it or in
apposition (``spokeswoman Jane Roe``, ``Jane Roe, a mother of three``), and the first
personal pronoun after the name in its sentence or the next when no other name (a place
after ``at``/``behind``… aside) comes between (``Jane Roe has lived in her flat``).
Conflicting or no evidence: unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Gender = Literal["f", "m"]
_TITLES: dict[str, Gender] = {
    "ms": "f", "ms.": "f", "mrs": "f", "mrs.": "f", "miss": "f", "dame": "f", "lady": "f",
    "mr": "m", "mr.": "m", "sir": "m", "lord": "m"}
_FEMALE_NOUNS = ("woman spokeswoman chairwoman businesswoman councilwoman alderwoman mother "
                 "wife daughter sister grandmother actress congresswoman sportswoman")
_MALE_NOUNS = ("man spokesman chairman businessman councilman alderman father husband son "
               "brother grandfather congressman sportsman")
_NOUNS: dict[str, Gender] = {**{w: "f" for w in _FEMALE_NOUNS.split()},
                             **{w: "m" for w in _MALE_NOUNS.split()}}
_PRONOUNS: dict[str, Gender] = {"she": "f", "her": "f", "hers": "f", "herself": "f",
                                "he": "m", "him": "m", "his": "m", "himself": "m"}
# Before a capitalised word, these make it a place (``behind Fenwick Road``), not a person.
PLACE_PREPOSITIONS = frozenset(
    "at in on near behind from across outside inside along into around beyond between "
    "towards toward through under over off".split())
_WORD = re.compile(r"[A-Za-z][\w.’'-]*|[.!?]")
_APPOSED = re.compile(r",\s+(?:the|a|an|his|her)\s+(?:[\w’'-]+\s+){0,3}?(?P<noun>[a-z]+)\b")


def noun_gender(noun: str) -> Gender | None:
    """The gender a noun gives (``spokeswoman``: ``f``), if any."""
    return _NOUNS.get(noun.casefold())


def gender_of(paragraphs: Sequence[str], name: str) -> Gender | None:
    """``f``, ``m`` or None for the person ``name`` (their surname searched for)."""
    surname = name.split()[-1]
    votes = {"f": 0, "m": 0}
    for text in paragraphs:
        if surname not in text:
            continue
        for found in re.finditer(r"\b" + re.escape(surname) + r"\b", text):
            for vote in _evidence(text, found.start(), found.end()):
                votes[vote] += 1
    if votes["f"] == votes["m"]:
        return None
    return "f" if votes["f"] > votes["m"] else "m"


def _evidence(text: str, start: int, end: int) -> list[Gender]:
    out: list[Gender] = []
    before = text[max(0, start - 40):start].split()
    # the words before the name: its first name and a title or role ("Ms. Jane Roe")
    for word in reversed(before[-3:]):
        folded = word.casefold()
        if folded in _TITLES or folded in _NOUNS:
            out.append(_TITLES.get(folded) or _NOUNS[folded])
            break
        if not word[:1].isupper():
            break
    apposed = _APPOSED.match(text, end)
    if apposed is not None and apposed.group("noun") in _NOUNS:
        out.append(_NOUNS[apposed.group("noun")])
    stops = 0
    place = False  # the word before was a place's ("behind Fenwick Road")
    for word in _WORD.findall(text[end:end + 300]):
        if word in ".!?":
            stops += 1
            if stops == 2:
                break
            continue
        if word.casefold() in _PRONOUNS:
            out.append(_PRONOUNS[word.casefold()])
            break
        upper = word[:1].isupper()
        if upper and not place and not (stops == 1 and word in ("The", "A", "An", "It")):
            break  # another name comes first: no evidence
        place = word in PLACE_PREPOSITIONS or (place and upper)
    return out

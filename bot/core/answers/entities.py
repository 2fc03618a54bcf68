"""Names as speakers: what a capitalised name found in a text is (a person, an
organisation, a surname alone) and the names of a span that may speak.

A person's roles and occupations are stripped from the front of the name (``Austrian
Foreign Minister Anja Reiter``, ``Historian Owen Tarrant`` -> the name alone); an
organisation word, an acronym, a country at the end, ``the`` before it, or ``which`` after
it (``Brightline Estates, which owns …``) make a name an organisation; an organisation's
``of``/``for``/``and`` parts are joined (``Guild of Independent Booksellers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.core.answers import cues
from bot.core.answers.sentences import Name, names_in

Role = Literal["person", "org", "surname"]
_WHICH = re.compile(r",?\s+which\s")  # people take "who"
_JOINS = frozenset({" of ", " for ", " and ", " of the ", " for the ", " & "})
_OF = frozenset({" of ", " of the "})  # "Friends of the Earth": a name, not a surname


@dataclass(frozen=True, slots=True)
class Entity:
    """A name as a speaker: who (``name``, cleaned) and what it is."""

    name: str
    role: Role


_PLACE_ENDS = frozenset(
    """street road avenue boulevard square bridge province city county district region
    valley mountains river lake sea ocean gulf park town island islands bay harbour
    harbor coast canal wharf basin quay""".split())
# Words that make an organisation a business (what "the company" or "the firm" may be).
BUSINESS_WORDS = frozenset(
    """company corporation corp inc ltd llc plc holdings partners developments ventures
    capital solutions technologies logistics construction realty estates properties
    industries systems software energy foods media airlines airways mining ferries transit
    utilities shipping railways motors pharmaceuticals telecom insurance brewery group""".split())


def is_place(name: str) -> bool:
    """Whether an organisation-like name is a place (``Port Ellis and Craig Island``,
    ``Mill Park``): never a speaker for ``the company``."""
    words = name.casefold().split()
    return bool(words) and (words[0] in cues.PLACE_FIRST or words[-1] in _PLACE_ENDS)


def is_business(name: str) -> bool:
    """Whether an organisation's name ends with a business word (``Marrow Canal Holdings``)."""
    return name.casefold().rsplit(" ", 1)[-1].strip(".,") in BUSINESS_WORDS


@dataclass(frozen=True, slots=True)
class Mention:
    """A name of an article that may speak: where (paragraph, offset) and what it is."""

    para: int
    at: int
    entity: Entity


def _strip_roles(words: list[str]) -> list[str]:
    """``Austrian Foreign Minister Anja Reiter`` -> ``Anja Reiter``."""
    last = -1
    for i, w in enumerate(words[:-1]):
        if cues.is_title(w) or w.casefold() in cues.OCCUPATIONS or (
                i + 2 < len(words) and cues.NATIONALITY.match(w)
                and cues.is_title(words[i + 1])):
            last = i
    return words[last + 1:]


def classify(text: str, name: Name) -> Entity | None:
    """What a name found in ``text`` is, if it may speak at all."""
    before = text[max(0, name.start - 4):name.start].casefold()
    return _classify(tuple(name.text.split()), name.person, name.titled,
                     before.endswith(("the ", "the\n")))


@lru_cache(maxsize=1 << 15)
def _classify(words: tuple[str, ...], person: bool, titled: bool,
              after_the: bool) -> Entity | None:
    text = " ".join(words)
    folded = [w.casefold().strip(".,’'") for w in words]
    if not cues.ORG_WORDS.isdisjoint(folded) or any(
        len(w.rstrip(".")) > 1 and w.isupper() for w in words
    ):
        return Entity(text, "org")
    if folded[-1] in cues.COUNTRIES or any(
        w[1:].lower() != w[1:] and not w.startswith(("Mc", "Mac", "O’", "O'"))
        and "-" not in w for w in words
    ):
        return Entity(text, "org")  # "Citizenship Canada", "HuffPost"
    if after_the and len(words) > 1:
        return Entity(text, "org")
    kept = _strip_roles(list(words))
    if not kept or all(cues.never_speaker(w) for w in kept):
        return None
    if len(kept) == 1:
        if cues.never_speaker(kept[0]) or len(kept[0]) < 2:
            return None
        titled = titled or len(words) > 1  # "Mr. Obama", "Chancellor Ellery"
        return Entity(kept[0], "person" if titled else "surname")
    if folded[0] in cues.PLACE_FIRST or (
        not person and not titled and len(kept) == len(words)
        and folded[0] not in cues.FIRST_NAMES
    ):
        return Entity(" ".join(kept), "org")
    return Entity(" ".join(kept), "person")


def _joined(before: Role, role: Role, between: str) -> bool:
    """Whether two names with ``between`` between them are one organisation's: after an
    organisation, an organisation after anything but a person (``Association of Rural Vets
    and Technicians``), a surname-like word and ``of`` (``Friends of the Marshes``)."""
    if before == "org" or (role == "org" and before != "person"):
        return between in _JOINS
    return before == "surname" and between in _OF


def entities(text: str, start: int, end: int) -> list[tuple[Name, Entity]]:
    """The names in ``text[start:end]`` that may speak, each with what it is, in order; an
    organisation's ``of``/``for``/``and`` parts joined (``Diocese of St. Albert``)."""
    found: list[tuple[Name, Entity]] = []
    for name in names_in(text, start, end):
        entity = classify(text, name)
        if entity is None:
            continue
        if found and _joined(found[-1][1].role, entity.role,
                             text[found[-1][0].end:name.start]):
            first = found.pop()[0]
            name = Name(text[first.start:name.end], first.start, name.end, False, False)
            entity = Entity(name.text, "org")
        if entity.role != "org" and _WHICH.match(text, name.end):
            entity = Entity(name.text, "org")  # "Brightline Properties, which owns …"
        found.append((name, entity))
    return found

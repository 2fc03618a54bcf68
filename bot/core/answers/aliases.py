"""Whether a text names what a question names, allowing for aliases.

A question's names ("Who chaired the opposition delegation in Astana?" → ``astana``) are
checked against a sentence, and against its paragraph and article title, as index terms.
A name also matches

* an adjective or plural of it ("Syria" / "Syrian", "Russia" / "Russians");
* another name of the same thing: ``US`` / ``U.S.`` / ``America(n)`` / ``United States``,
  ``UN`` / ``United Nations``, ``UK`` / ``Britain``, ``EU`` / ``European Union``;
* an acronym the text defines ("Hayat Tahrir al-Sham (HTS)": ``hts`` and the long form
  stand for each other).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

Fold = Callable[[str], list[str]]

GROUPS: tuple[tuple[str, ...], ...] = (
    ("US", "USA", "U.S.", "U.S.A.", "America", "American", "Americans", "United States"),
    ("UN", "U.N.", "United Nations"),
    ("UK", "U.K.", "Britain", "British", "United Kingdom", "Great Britain"),
    ("EU", "E.U.", "European Union"),
    ("USSR", "Soviet Union", "Soviet", "Soviets"),
    ("Daesh", "ISIS", "ISIL", "Islamic State", "IS"),
)
# Countries (and a few blocs): a question about one is not answered by a sentence about
# another ("How many Syrian refugees does Lebanon host?" is not Turkey's three million).
COUNTRIES = """afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain
bangladesh belgium brazil bulgaria canada chile china colombia croatia cuba cyprus denmark
egypt ethiopia finland france georgia germany greece hungary india indonesia iran iraq ireland
israel italy japan jordan kazakhstan kenya kuwait lebanon libya malaysia mexico morocco
netherlands nigeria norway oman pakistan palestine poland portugal qatar romania russia
serbia somalia spain sudan sweden switzerland syria tunisia turkey ukraine yemen
afghan american british chinese egyptian french german indian iranian iraqi israeli
jordanian lebanese libyan pakistani palestinian russian saudi syrian turkish""".split()
# "Hayat Tahrir al-Sham (HTS)", "the Syrian Observatory for Human Rights (SOHR)".
_DEFINED = re.compile(
    r"((?:[A-Z][\w'’-]*|al-\w+|of|for|the|and|de|du)(?:\s+(?:[A-Z][\w'’-]*|al-\w+|of|for|the"
    r"|and|de|du)){1,7})\s+\(([A-Z][A-Za-z]{1,7})\)")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")


class Alias(NamedTuple):
    """One way of writing a name, as index terms."""

    terms: frozenset[str]
    group: int


@lru_cache(maxsize=8)
def alias_table(fold: Fold) -> tuple[Alias, ...]:
    """The fixed alias groups as index terms of the tokenizer ``fold`` (the result is
    immutable; cached per tokenizer)."""
    out = []
    for g, group in enumerate(GROUPS):
        for alias in group:
            terms = frozenset(fold(alias))
            if terms:
                out.append(Alias(terms, g))
    return tuple(out)


@lru_cache(maxsize=8)
def country_terms(fold: Fold) -> frozenset[str]:
    """:data:`COUNTRIES` as index terms of the tokenizer ``fold``."""
    return frozenset(t for c in COUNTRIES for t in fold(c))


def _expand(have: set[str], table: tuple[Alias, ...]) -> set[str]:
    groups = {a.group for a in table if a.terms <= have}
    if groups:
        for a in table:
            if a.group in groups:
                have |= a.terms
    return have


def definitions(text: str, fold: Fold) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Acronyms ``text`` defines: (the acronym's terms, the long form's terms)."""
    out = []
    for m in _DEFINED.finditer(text):
        long_form, acronym = m.group(1), m.group(2)
        words = [w for w in re.split(r"[\s-]+", long_form) if w[:1].isupper()]
        letters = "".join(w[0] for w in words).casefold()
        short = acronym.casefold()
        if len(short) >= 2 and short[0] in letters and set(short) <= set(letters + "ls"):
            # keep only the words the acronym spells, from the last one it starts with
            out.append((frozenset(fold(acronym)), frozenset(fold(long_form))))
    return out


def have_terms(terms: Iterable[str], text: str, fold: Fold, table: tuple[Alias, ...],
               defined: list[tuple[frozenset[str], frozenset[str]]]) -> set[str]:
    """``terms`` (of ``text``) with every alias they stand for added."""
    have = set(terms)
    for short, long_form in defined:
        if short <= have or long_form <= have:
            have |= short | long_form
    for dotted in _DOTTED.findall(text):
        have.add(dotted.replace(".", "").casefold())
    return _expand(have, table)


def name_matches(wanted: str, have: set[str]) -> bool:
    """Whether the name term ``wanted`` is in ``have``, or an adjective/plural of it is."""
    if wanted in have:
        return True
    return len(wanted) >= 4 and any(
        len(t) >= 4 and abs(len(t) - len(wanted)) <= 2
        and (t.startswith(wanted) or wanted.startswith(t))
        for t in have
    )


def share_named(names: tuple[str, ...], have: set[str]) -> float:
    """The share of ``names`` that ``have`` holds (1.0 when the question names none)."""
    if not names:
        return 1.0
    return sum(name_matches(n, have) for n in names) / len(names)


def _matching(name: str, have: set[str]) -> list[str]:
    """The terms of ``have`` that :func:`name_matches` ``name``."""
    if len(name) < 4:
        return [name] if name in have else []
    head = name[:4]
    return [t for t in have if t.startswith(head) and abs(len(t) - len(name)) <= 2
            and (t.startswith(name) or name.startswith(t))]


class Names(NamedTuple):
    """The question's names as one paragraph holds them: for each, the paragraph's terms
    that match it (so a sentence is checked against a few terms, not the prefix rule), and
    the position of its surname when it is a given name ("Zeina" of "Zeina Khodr")."""

    matching: tuple[frozenset[str], ...]
    para: float  # the share of the names the paragraph (and title) holds
    surname: tuple[int, ...] = ()  # per name, the index of its surname in the names, or -1

    @classmethod
    def of(cls, names: tuple[str, ...], para_have: set[str],
           surnames: tuple[tuple[str, str], ...] = ()) -> Names:
        matching = tuple(frozenset(_matching(n, para_have)) for n in names)
        share = sum(bool(m) for m in matching) / len(names) if names else 1.0
        given = dict(surnames)
        surname = tuple(names.index(given[n]) if given.get(n) in names else -1 for n in names)
        return cls(matching, share, surname)

    def share(self, terms: frozenset[str], text: str, fold: Fold, table: tuple[Alias, ...],
              defined: list[tuple[frozenset[str], frozenset[str]]]) -> float:
        """The share of the names the sentence (``terms`` of ``text``) holds: a given name
        the paragraph or article holds counts when the sentence names the surname ("Khodr
        said" after "Zeina Khodr")."""
        if not self.matching:
            return 1.0
        have = have_terms(terms, text, fold, table, defined)
        held = [not m.isdisjoint(have) for m in self.matching]
        for i, s in enumerate(self.surname):
            if s >= 0 and not held[i] and self.matching[i] and held[s]:
                held[i] = True
        return sum(held) / len(held)


def competing_country(names: tuple[str, ...], countries: frozenset[str],
                      sentence: frozenset[str]) -> bool:
    """Whether the sentence names a country the question does not, while a country the
    question names is missing from it (``countries``: :data:`COUNTRIES` as index terms; an
    adjective is its country: "Syrian" is Syria)."""
    asked = [n for n in names if n in countries]
    if not asked or all(name_matches(n, set(sentence)) for n in asked):
        return False
    return any(t in countries and not any(name_matches(n, {t}) for n in names)
               for t in sentence)

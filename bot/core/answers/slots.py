"""The slot a question asks about, which a candidate must hold to answer it.

"Who leads the White Helmets?" asks for a *leader*: a sentence about the White Helmets that
names no leader, head or chief does not answer it, however well it matches otherwise.
"Who chaired the *first* round?" asks about the first: a paragraph that never says "first"
(it is about the ninth) does not answer it. :func:`slots_of` finds these words in a question
(as index terms, with the words that stand for them); :func:`holds` checks a candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

Fold = Callable[[str], list[str]]

# A role asked for, and the words that name it in an answer.
ROLES: tuple[tuple[str, ...], ...] = (
    ("lead", "leads", "leader", "leaders", "led", "leading", "leadership", "head", "heads",
     "headed", "chief", "chair", "chairs", "chaired", "chairman", "commander", "commanded"),
    ("president", "presidents", "presidential"),
    ("spokesman", "spokeswoman", "spokesperson", "spokesmen", "spokespeople"),
    ("founder", "founded", "founders"),
)
# Qualifiers and measures a paragraph must repeat to be about what is asked
# ("the population of Damascus": a paragraph that never says "population" does not give it).
QUALIFIERS = ("first", "second", "third", "fourth", "fifth", "last", "earliest", "largest",
              "biggest", "smallest", "oldest", "youngest", "highest", "lowest", "longest",
              "population", "budget", "salary", "temperature", "altitude", "elevation")


class Slots(NamedTuple):
    """A question's role (the terms that name it) and qualifiers, as index terms."""

    role: frozenset[str]
    qualifiers: tuple[str, ...]

    def holds_role(self, terms: frozenset[str]) -> bool:
        return not self.role or not self.role.isdisjoint(terms)

    def holds_qualifiers(self, terms: set[str] | frozenset[str]) -> bool:
        return all(t in terms for t in self.qualifiers)


@lru_cache(maxsize=8)
def _tables(fold: Fold) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
    roles = tuple(frozenset(t for w in group for t in fold(w)) for group in ROLES)
    qualifiers = frozenset(t for w in QUALIFIERS for t in fold(w))
    return roles, qualifiers


def slots_of(terms: tuple[str, ...], kind: str, fold: Fold) -> Slots:
    """The slots of a question with index terms ``terms`` and answer ``kind``: a role only
    for "who" questions."""
    roles, qualifiers = _tables(fold)
    role: frozenset[str] = frozenset()
    if kind == "person":
        for group in roles:
            if not group.isdisjoint(terms):
                role = group
                break
    return Slots(role, tuple(t for t in terms if t in qualifiers))


def role_elsewhere(slots: Slots, terms: list[str], countries: frozenset[str],
                   asked: frozenset[str]) -> bool:
    """Whether the sentence fails to give the role of the country asked about: it never
    names that country, or every role it names is another country's ("Syrian President
    Bashar al-Assad" does not answer "Who is the president of Turkey?"). ``asked``: the
    question's country terms (a sentence is judged only when there is one)."""
    if not slots.role or not asked:
        return False
    if not any(t[:4] == a[:4] for t in terms for a in asked):
        return True  # "President Bashar al-Assad" in a sentence that never names Turkey
    seen = False
    for i, term in enumerate(terms):
        if term not in slots.role:
            continue
        near = [t for t in terms[max(0, i - 2):i + 3] if t in countries]
        if not near or any(t[:4] == a[:4] for t in near for a in asked):
            return False  # a role of no country named, or of the one asked about
        seen = True
    return seen

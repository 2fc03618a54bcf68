"""Which person a ``he``/``she`` means, among the people named or speaking before it.

The nearest person the article gives that gender wins (a person of the other gender is
skipped), unless a person of unknown gender who spoke is nearer, in the pronoun's paragraph
or the one before it, or two paragraphs nearer or more (then none);
else the nearest person of unknown gender, unless another of unknown gender is as
likely: as much a speaker (both spoke, or neither did) and named in the same paragraph, or,
when the nearest is two paragraphs back or more, in the paragraph just before. Two readings
as likely give no speaker, not a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.core.answers.gender import Gender

MAX_PEOPLE = 6  # the different people a reference is weighed against, nearest first


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person before a reference: where (paragraph, offset), who, and whether they spoke
    in the paragraphs looked at."""

    para: int
    at: int
    name: str
    spoke: bool


def choose(candidates: Iterable[Candidate], gender_of: Callable[[str], Gender | None],
           gender: Gender | None, para: int) -> str | None:
    """The person ``candidates`` (nearest first) a pronoun (or a description) of ``gender``
    in paragraph ``para`` refers to; with no gender, the nearest unless another is as
    likely."""
    first: Candidate | None = None
    seen: set[str] = set()
    remaining = iter(candidates)
    for c in remaining:
        if c.name in seen:
            continue
        if len(seen) == MAX_PEOPLE:
            break  # further back than anyone a pronoun means
        seen.add(c.name)
        known = gender_of(c.name) if gender is not None else None
        if known is not None:
            if known == gender:
                return _unless_nearer_speaker(first, c, para)
            continue
        if first is None:
            first = c
        elif _as_likely(first, c, para):
            return _known_further(remaining, seen, gender_of, gender, first, para)
    return first.name if first is not None else None


def _as_likely(first: Candidate, second: Candidate, para: int) -> bool:
    """Whether ``second`` (further back) is as likely a reading as ``first``: as much a
    speaker, and named in the same paragraph, or (``first`` two paragraphs back or more) in
    the paragraph just before it."""
    if first.spoke != second.spoke:
        return False
    return second.para == first.para or (first.para <= para - 2
                                          and second.para >= first.para - 1)


def _unless_nearer_speaker(first: Candidate | None, known: Candidate,
                           para: int) -> str | None:
    """``known`` (of the pronoun's gender), unless ``first`` (of unknown gender, nearer)
    spoke in the pronoun's paragraph ``para`` or the one just before, or two paragraphs
    nearer or more (``…,” she added`` after another speaker): then none."""
    if first is not None and first.spoke and (
            first.para >= para - 1 or first.para - known.para >= 2):
        return None
    return known.name


def _known_further(rest: Iterator[Candidate], seen: set[str],
                   gender_of: Callable[[str], Gender | None], gender: Gender | None,
                   first: Candidate, para: int) -> str | None:
    """Two people of unknown gender as near: only one of ``gender`` further back decides."""
    if gender is None:
        return None
    for c in rest:
        if c.name not in seen:
            seen.add(c.name)
            if gender_of(c.name) == gender:
                return _unless_nearer_speaker(first, c, para)
    return None

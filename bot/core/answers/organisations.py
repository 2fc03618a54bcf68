"""Which organisation a common noun means: ``the company``, ``the authority``, ``the club``.

The last organisation with the noun in its name (``the ministry``: ``Ministry of Health``);
else, when the article describes one so in lower case (``the provincial health
authority``), that description; else the only organisation named before, places aside
(``Mill Park``, ``Port Ellis and Craig Island``), and for ``the company``/``the firm`` the
only business among several (``Marrow Canal Holdings``). Two or more: a guess, so none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.core.answers.entities import Mention, is_business, is_place

_BUSINESS_NOUNS = frozenset({"company", "firm"})


def last_org(mentions: Callable[[int], Sequence[Mention]], paragraphs: Sequence[str],
             para: int, at: int, noun: str = "") -> str | None:
    """The organisation ``noun`` at ``at`` in paragraph ``para`` refers to (``mentions``: an
    article's names by paragraph)."""
    named: list[str] = []
    for p in range(para, -1, -1):
        for m in reversed(mentions(p)):
            if (p == para and m.at >= at) or m.entity.role != "org":
                continue
            if noun and noun in m.entity.name.casefold():
                return m.entity.name
            if m.entity.name not in named and not is_place(m.entity.name):
                named.append(m.entity.name)
    if noun:
        described = _described_org(paragraphs, para, at, noun)
        if described is not None:
            return described
    if len(named) > 1 and noun in _BUSINESS_NOUNS:  # "the company": a business
        named = [n for n in named if is_business(n)]
    return named[0] if len(named) == 1 else None


def _described_org(paragraphs: Sequence[str], para: int, at: int, noun: str) -> str | None:
    """The last ``the (…) noun`` (a modifier at least) in lower case before ``at``:
    ``the provincial health authority`` -> ``provincial health authority``."""
    pattern = re.compile(r"\b(?:[Tt]he|[Aa]n?|[Ii]ts)\s+(?P<what>(?:[a-z][\w’'-]*\s+)"
                         r"{1,3}" + re.escape(noun) + r")\b")
    for p in range(para, -1, -1):
        text = paragraphs[p][:at] if p == para else paragraphs[p]
        if noun not in text:
            continue
        found = [m.group("what") for m in pattern.finditer(text)]
        if found:
            return " ".join(found[-1].split())
    return None

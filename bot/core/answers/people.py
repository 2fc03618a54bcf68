"""Who an article has named so far, worked out only when a question needs it.

Reading an article, quotation extraction notes every name mentioned (to resolve ``he``/``she``
to the last person named, and a surname alone to the full name introduced earlier), but only
a few sentences hold a quotation that asks. So :class:`People` keeps the stretches of text
mentioned, in order, and finds their names on demand: the full name behind a surname by
scanning forward for the first sentence naming it (only sentences whose text holds the
surname at all), the last person named by scanning back from the end. The answers are the
ones an eager reading (every name of every sentence, in order) would give:

* a person's name (``Name.person``) makes its surname (and the surname without its ``al-``)
  refer to it, unless that surname already refers to someone, and unless the name is a
  surname alone or titled (``Mr. Kerry``) and one of its surnames is already known (it then
  *is* that person and adds nothing);
* the last person named is the last name resolving to a person, or a speaker set since.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from bot.core.answers.sentences import Name, names_in, sentence_names

_AL = re.compile(r"^(?:al|el)-")
_NEVER = (1 << 62, 0)  # a position after every mention


def surname_keys(word: str) -> list[str]:
    """The keys a name's last word is known by: ``al-Muallem`` -> al-muallem, muallem."""
    key = word.casefold().removesuffix(".")
    bare = _AL.sub("", key)
    return [key, bare] if bare != key else [key]


class _Stretch:
    """Text whose names were mentioned, in order; the names are found on first use."""

    __slots__ = ("text", "start", "end", "whole", "_names")

    def __init__(self, text: str, start: int, end: int, whole: bool) -> None:
        self.text, self.start, self.end = text, start, end
        self.whole = whole  # a whole paragraph: its sentences, one after the other
        self._names: list[Name] | None = None

    def names(self) -> list[Name]:
        if self._names is None:
            if self.whole:
                self._names = sentence_names(self.text)
            else:
                self._names = names_in(self.text, self.start, self.end)
        return self._names


class People:
    """Full names by surname, organisations and the last person named, in one article.

    Positions are (stretch, name) pairs: ``(i, j)`` is just before the ``j``-th name of the
    ``i``-th stretch mentioned; what is settled outright (a speaker found by attribution) sits
    at ``(n, -1)``, after the ``n`` stretches mentioned by then.
    """

    def __init__(self) -> None:
        self.orgs: list[str] = []
        self._stretches: list[_Stretch] = []
        self._known: dict[str, tuple[str, tuple[int, int]]] = {}  # key -> (name, where set)
        self._clear: dict[str, tuple[int, int]] = {}  # key -> no name before this sets it
        self._last: str | None = None
        self._last_at = 0  # stretches before this one are accounted for in _last
        # The stretches' text casefolded, one after the other (a name's surname key is in the
        # text of the stretch naming it), and where each stretch starts in it.
        self._folded = ""
        self._offsets: list[int] = []

    # ------------------------------------------------------------------ mentions
    def mentions(self, text: str, start: int, end: int) -> None:
        """Every name in ``text[start:end]`` is mentioned (one sentence)."""
        self._stretches.append(_Stretch(text, start, end, False))

    def mentions_paragraph(self, text: str) -> None:
        """Every name of every sentence of ``text`` is mentioned, sentence by sentence."""
        self._stretches.append(_Stretch(text, 0, len(text), True))

    @property
    def last(self) -> str | None:
        """The last person named (or the speaker set since)."""
        n = len(self._stretches)
        for i in range(n - 1, self._last_at - 1, -1):
            names = self._stretches[i].names()
            for j in range(len(names) - 1, -1, -1):
                who = self._resolve(names[j], (i, j))
                if who is not None:
                    self._last, self._last_at = who, n
                    return who
        self._last_at = n
        return self._last

    @last.setter
    def last(self, who: str | None) -> None:
        self._last, self._last_at = who, len(self._stretches)

    # ------------------------------------------------------------------ surnames
    def _get(self, key: str, at: tuple[int, int]) -> str | None:
        """The full name ``key`` refers to just before position ``at``."""
        hit = self._known.get(key)
        if hit is not None:
            return hit[0] if hit[1] < at else None
        i, j = self._clear.get(key, (0, 0))
        stretches = self._stretches
        while (i, j) < at and i < len(stretches):
            if j == 0:
                i = self._next_naming(key, i)
                if i >= len(stretches) or (i, 0) >= at:
                    break
            names = stretches[i].names()
            stop = min(len(names), at[1]) if i == at[0] else len(names)
            while j < stop:
                if self._sets(names[j], key, (i, j)):
                    self._known[key] = (names[j].text, (i, j))
                    self._clear.pop(key, None)
                    return names[j].text if (i, j) < at else None
                j += 1
            if j < len(names):
                break
            i, j = i + 1, 0
        self._clear[key] = (i, j)
        return None

    def _next_naming(self, key: str, i: int) -> int:
        """The first stretch from the ``i``-th on whose text holds ``key`` (else past all)."""
        offsets, stretches = self._offsets, self._stretches
        if len(offsets) < len(stretches):
            parts, at = [], len(self._folded)
            for stretch in stretches[len(offsets):]:
                offsets.append(at)
                part = stretch.text[stretch.start:stretch.end + 1].casefold() + "\0"
                parts.append(part)
                at += len(part)
            self._folded += "".join(parts)
        found = self._folded.find(key, offsets[i])
        return len(stretches) if found < 0 else bisect_right(offsets, found) - 1

    def _sets(self, name: Name, key: str, at: tuple[int, int]) -> bool:
        """Whether mentioning ``name`` at ``at`` makes ``key`` (not yet known) refer to it."""
        if not name.person:
            return False
        words = name.text.split()
        keys = surname_keys(words[-1])
        if key not in keys:
            return False
        if len(words) == 1 or name.titled:
            return all(k == key or self._get(k, at) is None for k in keys)
        return True

    def _resolve(self, name: Name, at: tuple[int, int]) -> str | None:
        """The person ``name`` mentioned at ``at`` refers to, if any."""
        words = name.text.split()
        if len(words) == 1 or name.titled:
            for key in surname_keys(words[-1]):
                known = self._get(key, at)
                if known is not None:
                    return known
        return name.text if name.person else None

    def known(self, who: str) -> bool:
        """Whether ``who`` is the full name some surname refers to."""
        words = who.split()
        return bool(words) and any(self._get(key, _NEVER) == who
                                   for key in surname_keys(words[-1]))

    # ------------------------------------------------------------------ speakers
    def person(self, name: Name) -> str | None:
        """The full name ``name`` refers to, when it is a person's."""
        words = name.text.split()
        keys = surname_keys(words[-1])
        if len(words) == 1 or name.titled:
            for key in keys:
                known = self._get(key, _NEVER)
                if known is not None:
                    return known
        if not name.person:
            return None
        at = (len(self._stretches), -1)
        for key in keys:
            if self._get(key, _NEVER) is None:  # the first of that surname wins
                self._known[key] = (name.text, at)
                self._clear.pop(key, None)
        return name.text

    def speaker(self, name: Name) -> str | None:
        """A person's full name, else an organisation named as the subject of a verb."""
        who = self.person(name)
        if who is not None:
            return who
        if any(w[0].islower() for w in name.text.split() if "-" not in w):
            return None
        for org in self.orgs:
            if org == name.text or org.endswith(" " + name.text):
                return org
        self.orgs.append(name.text)
        return name.text

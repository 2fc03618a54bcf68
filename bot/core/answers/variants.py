"""Spellings of one person's name: surname keys, close first names, and the archive-wide
merge of speaker names (conservative: the same surname and number of names, first names
equal, an initial of each other, or one edit apart when five letters or longer:
``Sergey``/``Sergei Lavrov``, ``Dmitri``/``Dmitry Volkov``; never ``John``/``Joan``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def surname_keys(word: str) -> tuple[str, ...]:
    """The keys a surname is known by: ``al-Muallem`` -> al-muallem, muallem."""
    key = word.casefold().removesuffix(".")
    return (key, key[3:]) if key.startswith(("al-", "el-")) else (key,)


def _close(a: str, b: str) -> bool:
    """First names that are one person's: equal, an initial of the other, or an edit away
    (for names of five letters or more: not Joan for John)."""
    a, b = a.casefold().rstrip("."), b.casefold().rstrip(".")
    if a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a[0] != b[0]:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _first(words: list[str]) -> str:
    return words[0].casefold().rstrip(".")


def _keys(first: str, *, wanted: bool = False) -> list[tuple[str, str]]:
    """The index keys of a first name: two names close by :func:`_close` (and not
    initials) share one: equal, one letter changed at the same place, or one the other
    with a letter left out. ``wanted``: the keys to look a name's close names up by (the
    same, but a name one letter longer is found by this name, one shorter by its
    deletions)."""
    keys = [("=", first)]
    if len(first) >= 5:
        keys += [("~", first[:i] + "\0" + first[i + 1:]) for i in range(len(first))]
        shorter, whole = ("+", "-") if wanted else ("-", "+")
        keys += [(shorter, first[:i] + first[i + 1:]) for i in range(len(first))]
        keys.append((whole, first))
    return keys


class _Bucket:
    """The groups of one surname, number of names and first letter, in the order they were
    made: a name joins the first group all of whose members' first names are close to
    its own (:func:`_close`), else makes a new one. A small bucket compares a name with
    each group; past :data:`_INDEXED` groups (one surname can have thousands in a large
    archive) the groups are found through their members' first names (:func:`_keys`),
    so a name is compared only with the few that can take it. Either way the same group."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self._by_key: dict[tuple[str, str], list[int]] | None = None

    def add(self, name: str) -> None:
        first = _first(name.split())
        if len(first) == 1 and self.groups:  # an initial is close to every name here
            candidates: Iterable[int] = (0,)
        elif self._by_key is None:
            candidates = range(len(self.groups))
        else:  # (the first group holds a full name by now: an initial takes the next)
            by_key = self._by_key
            candidates = sorted({g for key in _keys(first, wanted=True)
                                 for g in by_key.get(key, ())})
        for g in candidates:
            if all(_close(first, _first(other.split())) for other in self.groups[g]):
                self._join(g, name, first)
                return
        self.groups.append([])
        self._join(len(self.groups) - 1, name, first)
        if self._by_key is None and len(self.groups) > _INDEXED:
            self._by_key = {}
            for g, group in enumerate(self.groups):
                for member in group:
                    self._index(g, _first(member.split()))

    def _join(self, g: int, name: str, first: str) -> None:
        self.groups[g].append(name)
        self._index(g, first)

    def _index(self, g: int, first: str) -> None:
        if len(first) != 1 and self._by_key is not None:
            for key in _keys(first):
                self._by_key.setdefault(key, []).append(g)


_INDEXED = 16  # groups in a bucket before they are looked up by key


def merge_speakers(names: Iterable[str] | Mapping[str, int]) -> dict[str, str]:
    """Each speaker name -> the name it is merged into (itself when none): people with the
    same surname and the same number of names, whose first names are close (an edit
    away, or an initial); the most quoted spelling (then the longest, then the first in
    order) stands for the group. ``names``: the names (a repeated name weighs more), or
    each name's number of quotations."""
    counts: dict[str, int] = {}
    if isinstance(names, Mapping):
        counts.update(names)
    else:
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    # Close first names share their first letter (an initial is that letter): a bucket
    # per surname, number of names and first letter holds every group a name could join.
    buckets: dict[tuple[str, int, str], _Bucket] = {}
    for name in sorted(counts):
        words = name.split()
        if len(words) < 2:
            continue
        key = (words[-1].casefold(), len(words), _first(words)[:1])
        buckets.setdefault(key, _Bucket()).add(name)
    out = {n: n for n in counts}
    for key in sorted(buckets):
        for group in buckets[key].groups:
            best = sorted(group, key=lambda n: (-counts[n], -len(n), n))[0]
            for n in group:
                out[n] = best
    return out

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


def _neighbours(firsts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each of ``firsts`` (first names as :func:`_first` gives them) -> those of them
    close to it (:func:`_close`; itself included; an initial's is itself alone: the buckets
    check an initial against a group directly). An archive has few distinct first names
    next to its speakers, so this is worked out once for them all, through :func:`_keys`
    (a name meets only the names it shares a key with, and its initial)."""
    names = set(firsts)
    by_key: dict[tuple[str, str], list[str]] = {}
    for name in names:
        if len(name) >= 5:
            for key in _keys(name):
                by_key.setdefault(key, []).append(name)
    out: dict[str, frozenset[str]] = {}
    for name in names:
        near = {name}
        if name[:1] in names:
            near.add(name[:1])  # its initial
        if len(name) >= 5:
            near.update(other for key in _keys(name, wanted=True)
                        for other in by_key.get(key, ()) if _close(name, other))
        out[name] = frozenset(near)
    return out


class _Bucket:
    """The groups of one surname, number of names and first letter, in the order they were
    made: a name joins the first group all of whose members' first names are close to
    its own (:func:`_close`), else makes a new one. Only the groups holding a first name
    close to its own (``neighbours``, :func:`_neighbours`) can take it: those are looked at,
    in order (one surname can have thousands of groups in a large archive), each checked
    against the name's close first names (a set test, not a comparison per member). The
    same group as comparing with every group in turn."""

    def __init__(self, neighbours: Mapping[str, frozenset[str]]) -> None:
        self.groups: list[list[str]] = []
        self._neighbours = neighbours
        # each group's distinct first names (what joining it depends on: _close of each)
        self._firsts: list[dict[str, None]] = []
        self._by_first: dict[str, list[int]] = {}  # a first name -> the groups holding it

    def add(self, name: str, first: str) -> None:
        """Put ``name`` (whose first name, as :func:`_first` gives it, is ``first``) in its
        group."""
        if len(first) == 1:  # an initial is close to every name here: the first group
            if self.groups and all(_close(first, other) for other in self._firsts[0]):
                self._join(0, name, first)
                return
        else:
            near = self._neighbours[first]
            by_first = self._by_first
            for g in sorted({g for other in near for g in by_first.get(other, ())}):
                if near.issuperset(self._firsts[g]):
                    self._join(g, name, first)
                    return
        self.groups.append([])
        self._firsts.append({})
        self._join(len(self.groups) - 1, name, first)

    def _join(self, g: int, name: str, first: str) -> None:
        self.groups[g].append(name)
        if first not in self._firsts[g]:
            self._firsts[g][first] = None
            self._by_first.setdefault(first, []).append(g)


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
    named = []  # (name, its first name, its bucket), in name order
    for name in sorted(counts):
        words = name.split()
        if len(words) >= 2:
            first = _first(words)
            named.append((name, first, (words[-1].casefold(), len(words), first[:1])))
    neighbours = _neighbours(first for _, first, _ in named)
    buckets: dict[tuple[str, int, str], _Bucket] = {}
    for name, first, key in named:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(neighbours)
        bucket.add(name, first)
    out = {n: n for n in counts}
    for key in sorted(buckets):
        for group in buckets[key].groups:
            if len(group) > 1:  # (most groups are one spelling: it stands for itself)
                best = min(group, key=lambda n: (-counts[n], -len(n), n))
                out.update(dict.fromkeys(group, best))
    return out

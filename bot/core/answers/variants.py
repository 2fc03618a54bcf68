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
    groups: dict[tuple[str, int], list[list[str]]] = {}
    for name in sorted(counts):
        words = name.split()
        if len(words) < 2:
            continue
        key = (words[-1].casefold(), len(words))
        for group in groups.setdefault(key, []):
            if all(_close(words[0], other.split()[0]) for other in group):
                group.append(name)
                break
        else:
            groups[key].append([name])
    out = {n: n for n in counts}
    for key in sorted(groups):
        for group in groups[key]:
            best = sorted(group, key=lambda n: (-counts[n], -len(n), n))[0]
            for n in group:
                out[n] = best
    return out

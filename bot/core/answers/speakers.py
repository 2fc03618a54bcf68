"""Who is named in an article and who a reference means: the speaker side of quotations.

:class:`Cast` reads an article's names lazily (a paragraph's names are found the first time
a resolution looks at it): a person is a capitalised name of two words or more, cleaned of
its roles (``Chancellor Margaret Ellery`` -> ``Margaret Ellery``); an organisation a name
with an organisation word (``Kenya Red Cross``, ``BC Wildfire Service``) or after ``the``;
dates and places never speak. A surname alone, a titled surname (``Ms Ellery``), a close
spelling of a first name or an alias (``Eduardo Lima, known as Edu``) is the person first
named so in the article. ``he``/``she`` and descriptions (``the rookie defenceman``) mean the
nearest person (a description, the last *speaker* first), never an organisation; ``they``
only a person said to use that pronoun; ``the company`` the last organisation it names.
Unsure means no speaker.

:func:`merge_speakers` merges the archive's speaker names conservatively (same surname and a
first name an edit away, or an initial: ``Sergey``/``Sergei Lavrov``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.answers import cues
from bot.core.answers.sentences import Name, names_in

Role = Literal["person", "org", "surname"]
LOOKBACK = 4  # paragraphs a pronoun reaches back
_JOINS = frozenset({" of ", " for ", " and ", " of the ", " for the ", " & "})


@dataclass(frozen=True, slots=True)
class Entity:
    """A name as a speaker: who (``name``, cleaned) and what it is."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Mention:
    para: int
    at: int
    entity: Entity


def _strip_roles(words: list[str]) -> list[str]:
    """``Austrian Foreign Minister Anja Reiter`` -> ``Anja Reiter``."""
    last = -1
    for i, w in enumerate(words[:-1]):
        if cues.is_title(w) or (cues.NATIONALITY.match(w) and cues.is_title(words[i + 1])):
            last = i
    return words[last + 1:]


def classify(text: str, name: Name) -> Entity | None:
    """What a name found in ``text`` is, if it may speak at all."""
    words = name.text.split()
    folded = [w.casefold().strip(".,’'") for w in words]
    if any(w in cues.ORG_WORDS for w in folded) or any(
        len(w.rstrip(".")) > 1 and w.isupper() for w in words
    ):
        return Entity(name.text, "org")
    if folded[-1] in cues.COUNTRIES or any(
        any(c.isupper() for c in w[1:]) and not w.startswith(("Mc", "Mac", "O’", "O'"))
        and "-" not in w for w in words
    ):
        return Entity(name.text, "org")  # "Citizenship Canada", "HuffPost"
    before = text[max(0, name.start - 4):name.start].casefold()
    if before.endswith(("the ", "the\n")) and len(words) > 1:
        return Entity(name.text, "org")
    kept = _strip_roles(words)
    if not kept or all(cues.never_speaker(w) for w in kept):
        return None
    if len(kept) == 1:
        if cues.never_speaker(kept[0]) or len(kept[0]) < 2:
            return None
        titled = name.titled or len(words) > 1  # "Mr. Obama", "Chancellor Ellery"
        return Entity(kept[0], "person" if titled else "surname")
    if folded[0] in cues.PLACE_FIRST or (
        not name.person and not name.titled and len(kept) == len(words)
        and folded[0] not in cues.FIRST_NAMES
    ):
        return Entity(" ".join(kept), "org")
    return Entity(" ".join(kept), "person")


def entities(text: str, start: int, end: int) -> list[tuple[Name, Entity]]:
    """The names in ``text[start:end]`` that may speak, each with what it is, in order; an
    organisation's ``of``/``for``/``and`` parts joined (``Diocese of St. Albert``)."""
    found: list[tuple[Name, Entity]] = []
    for name in names_in(text, start, end):
        entity = classify(text, name)
        if entity is None:
            continue
        if found and (found[-1][1].role == "org" or (
                entity.role == "org" and found[-1][1].role != "person")) and text[
                found[-1][0].end:name.start] in _JOINS:
            first = found.pop()[0]
            name = Name(text[first.start:name.end], first.start, name.end, False, False)
            entity = Entity(name.text, "org")
        found.append((name, entity))
    return found


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


class Cast:
    """The people and organisations of one article, read lazily paragraph by paragraph."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self._masked: dict[int, str] = {}
        self._mentions: dict[int, list[Mention]] = {}
        self._spoken: list[Mention] = []  # speakers attributed, in reading order
        self._canonical: dict[tuple[int, str], str] = {}
        self._they: set[str] | None = None
        self._folds: dict[int, str] = {}

    def mask(self, para: int, masked: str) -> None:
        """Paragraph ``para`` as names are read from it (its quotations blanked)."""
        self._masked[para] = masked
        self._mentions.pop(para, None)

    def mentions(self, para: int) -> list[Mention]:
        """The names of paragraph ``para`` that may speak, in order."""
        found = self._mentions.get(para)
        if found is None:
            text = self._masked.get(para, self.paragraphs[para])
            found = [Mention(para, name.start, entity)
                     for name, entity in entities(text, 0, len(text))]
            self._mentions[para] = found
        return found

    # -- canonical names --------------------------------------------------------------
    def canonical(self, entity: Entity, para: int) -> str | None:
        """The person (or organisation) ``entity`` named in ``para`` refers to."""
        key = (para, entity.name)
        found = self._canonical.get(key)
        if found is None:
            found = self._canonical[key] = self._resolve_name(entity, para) or ""
        return found or None

    def _folded(self, para: int) -> str:
        found = self._folds.get(para)
        if found is None:
            found = self._folds[para] = self.paragraphs[para].casefold()
        return found

    def _resolve_name(self, entity: Entity, para: int) -> str | None:
        words = entity.name.split()
        if entity.role == "org":
            return self._org(entity.name, para)
        keys = surname_keys(words[-1])
        for p in range(para + 1):
            text = self._folded(p)
            if not any(k in text for k in keys):
                continue
            for m in self.mentions(p):
                other = m.entity
                if other.role != "person":
                    continue
                theirs = other.name.split()
                if not set(keys) & set(surname_keys(theirs[-1])):
                    continue
                if len(words) == 1 or _close(words[0], theirs[0]):
                    return other.name
        if len(words) == 1:
            alias = self._alias(words[0], para)
            if alias is not None:
                return alias
        return entity.name

    def _org(self, name: str, para: int) -> str:
        """An organisation named in full before (``US State Department`` for ``State
        Department``), else ``name``."""
        for p in range(para + 1):
            if name not in self.paragraphs[p]:
                continue
            for m in self.mentions(p):
                other = m.entity.name
                if m.entity.role == "org" and other != name and other.endswith(" " + name):
                    return other
        return name

    def _alias(self, word: str, para: int) -> str | None:
        """``Eduardo Lima, known as Edu``: the person an alias stands for."""
        for p in range(para + 1):
            text = self.paragraphs[p]
            if word not in text:
                continue
            for match in cues.ALIAS.finditer(text):
                if match.group("alias") != word:
                    continue
                people = [m for m in self.mentions(p) if m.at < match.start()
                          and m.entity.role == "person"]
                if people:
                    return people[-1].entity.name
        return None

    # -- references -------------------------------------------------------------------
    def spoke(self, para: int, at: int, who: str | None, person: bool) -> None:
        if who is not None:
            self._spoken.append(Mention(para, at, Entity(who, "person" if person else "org")))

    def last_person(self, para: int, at: int, *, speakers_first: bool = False) -> str | None:
        """The nearest person named (or speaking) before ``at`` in ``para``."""
        if speakers_first:
            for m in reversed(self._spoken):
                if m.entity.role == "person" and (m.para, m.at) < (para, at) and (
                        para - m.para <= LOOKBACK + 2):
                    return m.entity.name
        best: tuple[int, int, str] | None = None
        for p in range(para, max(-1, para - LOOKBACK - 1), -1):
            for m in reversed(self.mentions(p)):
                if (p == para and m.at >= at) or m.entity.role == "org":
                    continue
                who = self.canonical(m.entity, p)
                if who is not None and (m.entity.role == "person" or who != m.entity.name):
                    best = (p, m.at, who)
                    break
            if best is not None:
                break
        for m in reversed(self._spoken):
            if m.entity.role == "person" and (m.para, m.at) < (para, at) and (
                best is None or (m.para, m.at) > best[:2]
            ):
                return m.entity.name
            if best is not None and (m.para, m.at) <= best[:2]:
                break
        return best[2] if best else None

    def last_org(self, para: int, at: int, noun: str = "") -> str | None:
        """The organisation a common noun (``the company``) refers to."""
        fallback: str | None = None
        for p in range(para, -1, -1):
            for m in reversed(self.mentions(p)):
                if (p == para and m.at >= at) or m.entity.role != "org":
                    continue
                if noun and noun in m.entity.name.casefold():
                    return m.entity.name
                fallback = fallback or m.entity.name
        return fallback

    def they_person(self, para: int, at: int) -> str | None:
        """``they``: the nearest person, only if said to use that pronoun."""
        if self._they is None:
            self._they = set()
            for p, text in enumerate(self.paragraphs):
                for match in cues.THEY_PERSON.finditer(text):
                    who = self.last_person(p, match.start())
                    if who is not None:
                        self._they.add(who)
        who = self.last_person(para, at)
        return who if who in self._they else None


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

"""Who is named in an article and who a reference means: the speaker side of quotations.

:class:`Cast` reads an article's names lazily (a paragraph's names are found the first time
a resolution looks at it): a person is a capitalised name of two words or more, cleaned of
its roles (``Chancellor Margaret Ellery`` -> ``Margaret Ellery``); an organisation a name
with an organisation word (``Kenya Red Cross``, ``BC Wildfire Service``) or after ``the``;
dates and places never speak. A surname alone, a titled surname (``Ms Ellery``), a close
spelling of a first name or an alias (``Eduardo Lima, known as Edu``) is the person first
named so in the article. ``he``/``she`` mean the nearest person the article gives that
gender, else the nearest of unknown gender unless another is as likely
(:mod:`bot.core.answers.references`); a description (``the rookie defenceman``, ``the
31-year-old``) the person described so, else the last *speaker* (unless someone else was
named since), else the nearest person; never an organisation, nor a name after ``at``/``in``
(a place); ``they`` only a person said to use that pronoun; ``the company`` the organisation
with that noun in its name, else the only one named (places aside; a business among
several). Unsure means no speaker.

Across the archive, :func:`bot.core.answers.variants.merge_speakers` merges spellings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence

from bot.core.answers import cues
from bot.core.answers.entities import Entity, Mention, entities
from bot.core.answers.gender import PLACE_PREPOSITIONS, Gender, gender_of, noun_gender
from bot.core.answers.organisations import last_org
from bot.core.answers.references import Candidate, choose
from bot.core.answers.variants import surname_keys

LOOKBACK = 4  # paragraphs a pronoun reaches back
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[A-Z“\"‘'])")


def _described_as(after: str, before: str, noun: str) -> bool:
    """``Name, the (…) noun`` or ``noun Name``."""
    apposition = re.match(r",\s+(?:the|a|an|his|her|their)\s+(?:[\w’'-]+\s+){0,3}?"
                          + re.escape(noun) + r"\b", after)
    return apposition is not None or re.search(
        r"\b" + re.escape(noun) + r"\s+(?:[A-Z][\w.’'-]*\s+)*$", before) is not None


def _after_place_word(text: str, at: int) -> bool:
    """Whether the name at ``at`` follows ``at``/``in``/``near``…: a place, not a person."""
    before = text[max(0, at - 10):at].split()
    return bool(before) and before[-1] in PLACE_PREPOSITIONS


class Cast:
    """The people and organisations of one article, read lazily paragraph by paragraph."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self._masked: dict[int, str] = {}
        self._mentions: dict[int, list[Mention]] = {}
        self._spoken: list[Mention] = []  # speakers attributed, in reading order
        # (name, role) -> (paragraphs read, the name it stands for if found by then)
        self._canonical: dict[tuple[str, str], tuple[int, str | None]] = {}
        self._they: set[str] | None = None
        self._aliases: list[int] | None = None
        self._genders: dict[str, Gender | None] = {}
        self._joined: str | None = None  # the paragraphs, "\n\n" between them
        self._starts: list[int] = []
        self._lowered = ""

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
        """The person (or organisation) ``entity`` named in ``para`` refers to: the first
        named so (read up to ``para``: once found it stays), else the name itself."""
        key = (entity.name, entity.role)
        scanned, found = self._canonical.get(key, (-1, None))
        if found is None and scanned < para:
            found = self._resolve_name(entity, scanned + 1, para)
            self._canonical[key] = (para, found)
        return found or entity.name

    def introduced(self, surname: Entity, para: int) -> bool:
        """Whether a surname alone stands for a person named in full (or by an alias) up to
        ``para``: :meth:`canonical`, after a text scan that rules most words out cheaply."""
        word = surname.name
        cached = self._canonical.get((word, surname.role))
        if cached is None and not self._full_names(surname_keys(word)[-1], 0, para) and (
                self._alias(word, 0, para) is None):
            return False
        return self.canonical(surname, para) != word

    def _resolve_name(self, entity: Entity, first: int, para: int) -> str | None:
        """The name ``entity`` stands for, named in paragraphs ``first`` to ``para``."""
        words = entity.name.split()
        if entity.role == "org":
            return self._org(entity.name, first, para)
        if len(words) > 1:  # a full name is itself (spellings are merged archive-wide)
            return entity.name
        keys = surname_keys(words[-1])
        for p in self._full_names(keys[-1], first, para):
            for m in self.mentions(p):
                other = m.entity
                if other.role != "person":
                    continue
                if not set(keys) & set(surname_keys(other.name.split()[-1])):
                    continue
                return other.name
        if len(words) == 1:
            return self._alias(words[0], first, para)
        return None

    def _full_names(self, surname: str, first: int, para: int) -> list[int]:
        """The paragraphs ``first`` to ``para`` where a capitalised word comes right before
        ``surname`` (casefolded, its ``al-`` off): where a full name with it may be."""
        return self._after_capital(surname, True, first, para)

    def _after_capital(self, word: str, folded: bool, first: int = 0,
                       para: int | None = None) -> list[int]:
        """The paragraphs ``first`` to ``para`` (in order, once each) where ``word`` (a
        whole word, or with ``al-`` before it) follows a capitalised word."""
        joined = self._joined
        if joined is None:
            joined = self._joined = "\n\n".join(self.paragraphs)
            starts, at = [], 0
            for text in self.paragraphs:
                starts.append(at)
                at += len(text) + 2
            self._starts = starts
            lowered = joined.casefold()
            self._lowered = lowered if len(lowered) == len(joined) else joined
        haystack = self._lowered if folded else joined
        found: list[int] = []
        last = len(self.paragraphs) - 1 if para is None else para
        stop = self._starts[last] + len(self.paragraphs[last])
        at = haystack.find(word, self._starts[first], stop)
        while at >= 0:
            end = at + len(word)
            start = at - 3 if haystack[max(0, at - 3):at] in ("al-", "el-") else at
            if (end == len(haystack) or not haystack[end].isalnum()) and (
                start == 0 or haystack[start - 1].isspace()
            ):
                # the word before, past the spaces (so no line break between): read back
                # from ``start``, not from a copy of the article up to it (a common word
                # such as "of" is found often)
                b = start
                while b > 0 and joined[b - 1] == " ":
                    b -= 1
                head = (joined[max(0, b - 40):b].split() or [""])[-1]
                if head[:1].isupper():
                    p = bisect_right(self._starts, at) - 1
                    if not found or found[-1] != p:
                        found.append(p)
            at = haystack.find(word, at + 1, stop)
        return found

    def _org(self, name: str, first: int, para: int) -> str | None:
        """An organisation named in full before (``US State Department`` for ``State
        Department``)."""
        for p in self._after_capital(name, folded=False):
            if not first <= p <= para:
                continue
            for m in self.mentions(p):
                other = m.entity.name
                if m.entity.role == "org" and other != name and other.endswith(" " + name):
                    return other
        return None

    def _alias(self, word: str, first: int, para: int) -> str | None:
        """``Eduardo Lima, known as Edu``: the person an alias stands for."""
        if self._aliases is None:
            self._aliases = [p for p, text in enumerate(self.paragraphs)
                             if ("known as" in text or "nicknamed" in text)
                             and cues.ALIAS.search(text)]
        for p in self._aliases:
            text = self.paragraphs[p]
            if not first <= p <= para or word not in text:
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

    def _fits(self, who: str, gender: Gender | None) -> bool:
        """Whether ``who`` may be the ``he``/``she`` (their gender unknown or the same)."""
        if gender is None:
            return True
        known = self._gender(who)
        return known is None or known == gender

    def _gender(self, who: str) -> Gender | None:
        if who not in self._genders:
            self._genders[who] = gender_of(self.paragraphs, who)
        return self._genders[who]

    def people_before(self, para: int, at: int) -> Iterator[Candidate]:
        """The people named or speaking before ``at`` in ``para`` and the :data:`LOOKBACK`
        paragraphs before it, nearest first (a person once per mention)."""
        spoken = sorted((m for m in self._spoken if m.entity.role == "person"
                         and para - LOOKBACK <= m.para and (m.para, m.at) < (para, at)),
                        key=lambda m: (m.para, m.at), reverse=True)
        speakers = {m.entity.name for m in spoken}
        i = 0
        for p in range(para, max(-1, para - LOOKBACK - 1), -1):
            text = self._masked.get(p, self.paragraphs[p])
            for m in reversed(self.mentions(p)):
                if (p == para and m.at >= at) or m.entity.role == "org" or _after_place_word(
                        text, m.at):
                    continue
                who = self.canonical(m.entity, p)
                if who is None or (m.entity.role != "person" and who == m.entity.name):
                    continue
                while i < len(spoken) and (spoken[i].para, spoken[i].at) > (p, m.at):
                    yield Candidate(spoken[i].para, spoken[i].at, spoken[i].entity.name, True)
                    i += 1
                yield Candidate(p, m.at, who, who in speakers)
        for m in spoken[i:]:
            yield Candidate(m.para, m.at, m.entity.name, True)

    def last_person(self, para: int, at: int, *, gender: Gender | None = None) -> str | None:
        """The nearest person named (or speaking) before ``at`` in ``para``; for a pronoun
        of ``gender``, as :func:`bot.core.answers.references.choose` picks (None when two
        are as likely)."""
        if gender is not None:
            return choose(self.people_before(para, at), self._gender, gender, para)
        best: tuple[int, int, str] | None = None
        for p in range(para, max(-1, para - LOOKBACK - 1), -1):
            for m in reversed(self.mentions(p)):
                if (p == para and m.at >= at) or m.entity.role == "org":
                    continue
                who = self.canonical(m.entity, p)
                if who is not None and (m.entity.role == "person" or who != m.entity.name) \
                        and self._fits(who, gender):
                    best = (p, m.at, who)
                    break
            if best is not None:
                break
        for m in reversed(self._spoken):
            if m.entity.role == "person" and (m.para, m.at) < (para, at) and (
                best is None or (m.para, m.at) > best[:2]
            ) and self._fits(m.entity.name, gender):
                return m.entity.name
            if best is not None and (m.para, m.at) <= best[:2]:
                break
        return best[2] if best else None

    def description(self, para: int, at: int, noun: str) -> str | None:
        """The person ``the (31-year-old) midfielder`` means: the one described so before,
        else the last speaker (unless another person was named since, in a sentence of this
        paragraph before the description's: none), else the nearest person (of the noun's
        gender: ``the spokeswoman``) unless another is as likely
        (:func:`bot.core.answers.references.choose`); never an organisation or a place."""
        gender = noun_gender(noun)
        found = self.described(para, at, noun)
        if found is not None:
            return found
        speaker = self._last_speaker(para, at, gender)
        if speaker is None:
            return choose(self.people_before(para, at), self._gender, gender, para)
        text = self._masked.get(para, self.paragraphs[para])
        starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
        sentence = starts[-1] if starts else 0  # the description's own sentence
        for c in self.people_before(para, sentence):
            if (c.para, c.at) <= (speaker.para, speaker.at) or c.para < para:
                return speaker.entity.name
            if c.name != speaker.entity.name:
                return None  # another person named since, in this paragraph: which one?
        return speaker.entity.name

    def _last_speaker(self, para: int, at: int, gender: Gender | None) -> Mention | None:
        """The last person who spoke before ``at`` (a few paragraphs back at most)."""
        for m in reversed(self._spoken):
            if m.entity.role == "person" and (m.para, m.at) < (para, at) and (
                    para - m.para <= LOOKBACK + 2) and self._fits(m.entity.name, gender):
                return m
        return None

    def described(self, para: int, at: int, noun: str) -> str | None:
        """The person a description was given to before (``Tom Ekwe, the veteran
        goalkeeper``, ``midfielder Eduardo Lima``): the nearest, within a few paragraphs."""
        for p in range(para, max(-1, para - LOOKBACK - 3), -1):
            text = self._masked.get(p, self.paragraphs[p])
            if noun not in text:
                continue
            best: str | None = None
            for m in self.mentions(p):
                if (p == para and m.at >= at) or m.entity.role == "org":
                    continue
                end = m.at + len(m.entity.name)
                after = text[end:end + 60]
                before = text[max(0, m.at - 40):m.at]
                if _described_as(after, before, noun):
                    best = self.canonical(m.entity, p)
            if best is not None:
                return best
        return None

    def last_org(self, para: int, at: int, noun: str = "") -> str | None:
        """The organisation a common noun (``the company``) refers to
        (:func:`bot.core.answers.organisations.last_org`)."""
        return last_org(self.mentions, self.paragraphs, para, at, noun)

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

"""Who an article names and who speaks in it: the speaker side of quotation extraction.

Resolving ``he``/``she`` (the last person named) and a surname alone (the full name
introduced earlier) needs every name mentioned before; but only the few sentences with a
quotation or an attributed statement ask. So :class:`People` keeps the sentences mentioned,
in order, and finds their names when asked: reading forward for the first sentence naming a
surname (only those whose text holds it), back from the end for the last person named. The
answers are those of reading every name of every sentence in order: a person's name makes
its surname (and the surname without ``al-``) refer to it unless that surname already refers
to someone or the name is a surname alone or titled (``Mr. Kerry``) with one of its surnames
known (it then *is* that person); the last person named is the last name resolving to a
person, or a speaker set since. The attribution rules follow.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from bot.core.answers.sentences import Name, first_name, iter_names, names_between, names_in

_NEVER = (1 << 62, 0)  # a position after every mention


@lru_cache(maxsize=1 << 14)
def surname_keys(word: str) -> tuple[str, ...]:
    """The keys a name's last word is known by: ``al-Muallem`` -> al-muallem, muallem."""
    key = word.casefold().removesuffix(".")
    return (key, key[3:]) if key.startswith(("al-", "el-")) else (key,)


class _Stretch:
    """Sentences whose names were mentioned, in order; the names are found on first use."""

    __slots__ = ("_names", "end", "one", "source", "start", "text")

    def __init__(self, text: str, source: str, start: int, end: int, one: bool) -> None:
        self.text, self.source, self.start, self.end = text, source, start, end
        self.one = one  # a single sentence
        self._names: list[Name] | None = None

    def names(self) -> list[Name]:
        if self._names is None:
            if self.one:
                self._names = names_in(self.text, self.start, self.end)
            else:
                self._names = names_between(self.text, self.source, self.start, self.end)
        return self._names


Position = tuple[int, int]


class People:
    """Full names by surname, organisations and the last person named, in one article.

    Everything happens at a position: ``(i, j)`` is the ``j``-th name of the ``i``-th
    stretch of sentences mentioned; what attribution settles (a speaker's surname, the
    speaker as the last person named) happens at ``(n, k)``, ``k < 0``, between the
    ``n - 1``-th stretch and the ``n``-th, in the order it happened. A surname refers to the
    first person named with it; the last person named is the latest of the names resolving
    to a person and the speakers set.
    """

    _SETTLED = -(1 << 40)

    def __init__(self) -> None:
        self.orgs: list[str] = []
        self._stretches: list[_Stretch] = []
        self._events = 0
        self._known: dict[str, tuple[str, Position]] = {}  # key -> (name, where first set)
        self._clear: dict[str, Position] = {}  # key -> no name in a stretch before sets it
        # key -> (where, name): speakers whose surname it is, unless known before then
        self._speakers: dict[str, list[tuple[Position, str]]] = {}
        # (where, who, whether only if who is a full name known then), the latest last
        self._lasts: list[tuple[Position, str | None, bool]] = [((0, self._SETTLED - 1),
                                                                 None, False)]
        # The stretches' text casefolded, one after the other (a name's surname key is in
        # the text of the stretch naming it), and where each stretch starts in it.
        self._folded = ""
        self._offsets: list[int] = []

    def _now(self) -> Position:
        self._events += 1
        return (len(self._stretches), self._SETTLED + self._events)

    def mentions(self, text: str, source: str, start: int, end: int, one: bool = False) -> None:
        """Every name of the sentences of the paragraph ``source`` in ``[start, end)`` is
        mentioned, in order (found in ``text``, ``source`` with its quotations blanked)."""
        self._stretches.append(_Stretch(text, source, start, end, one))

    def last(self) -> str | None:
        """The last person named (or the speaker set since). Resolving it settles the names
        read so far: it is remembered as the new starting point, so ask once per use."""
        lasts, stretches = self._lasts, self._stretches
        i, k = len(stretches) - 1, len(lasts) - 1
        while True:
            at, who, provided = lasts[k]
            while i >= at[0]:  # the stretches mentioned since
                names = stretches[i].names()
                for j in range(len(names) - 1, -1, -1):
                    found = self._resolve(names[j], (i, j))
                    if found is not None:
                        self._lasts = [(self._now(), found, False)]
                        return found
                i -= 1
            if not provided or self._is_known(who, at):
                self._lasts = [(self._now(), who, False)]
                return who
            k -= 1

    def set_last(self, who: str | None) -> None:
        """``who`` is the last person named from now on."""
        self._lasts = [(self._now(), who, False)]

    def spoke(self, who: str) -> None:
        """``who`` spoke: the last person named, if a surname refers to that full name."""
        self._lasts.append((self._now(), who, True))

    def _is_known(self, who: str | None, at: Position) -> bool:
        """Whether ``who`` is the full name a surname refers to at ``at``."""
        words = who.split() if who else []
        return bool(words) and any(self._get(key, at) == who
                                   for key in surname_keys(words[-1]))

    def _get(self, key: str, at: Position) -> str | None:
        """The full name ``key`` refers to just before position ``at``."""
        hit = self._known.get(key)
        if hit is not None:
            return hit[0] if hit[1] < at else None
        speakers = self._speakers.get(key)
        until = min(at, speakers[0][0]) if speakers else at
        i, j = self._clear.get(key, (0, 0))
        stretches = self._stretches
        while (i, j) < until and i < len(stretches):
            if j == 0:
                i = self._next_naming(key, i)
                if i >= len(stretches) or (i, 0) >= until:
                    break
            names = stretches[i].names()
            stop = min(len(names), until[1]) if i == until[0] else len(names)
            while j < stop:
                if self._sets(names[j], key, (i, j)):
                    return self._settle(key, names[j].text, (i, j))
                j += 1
            if j < len(names):
                break
            i, j = i + 1, 0
        self._clear[key] = (i, j)
        if speakers and speakers[0][0] < at:
            return self._settle(key, speakers[0][1], speakers[0][0])
        return None

    def _settle(self, key: str, name: str, at: Position) -> str:
        self._known[key] = (name, at)
        self._clear.pop(key, None)
        self._speakers.pop(key, None)
        return name

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

    def _sets(self, name: Name, key: str, at: Position) -> bool:
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

    def _resolve(self, name: Name, at: Position) -> str | None:
        """The person ``name`` mentioned at ``at`` refers to, if any."""
        words = name.text.split()
        if len(words) == 1 or name.titled:
            for key in surname_keys(words[-1]):
                known = self._get(key, at)
                if known is not None:
                    return known
        return name.text if name.person else None

    def person(self, name: Name) -> str | None:
        """The full name ``name`` refers to, when it is a person's."""
        words = name.text.split()
        keys = surname_keys(words[-1])
        if len(words) == 1 or name.titled:
            at = self._now()
            for key in keys:
                known = self._get(key, at)
                if known is not None:
                    return known
            if name.person:
                for key in keys:
                    self._settle(key, name.text, at)
        elif name.person:  # its surnames refer to it unless they already refer to someone
            at = self._now()
            for key in keys:
                if key not in self._known:
                    self._speakers.setdefault(key, []).append((at, name.text))
        return name.text if name.person else None

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


# ---------------------------------------------------------------------- attribution
VERBS = (
    r"said|says|saying|told|telling|added|adding|concluded|stated|stating|explained|noted"
    r"|noting|warned|warning|insisted|insisting|argued|asked|replied|continued|declared"
    r"|announced|urged|urging|wrote|stressed|stressing|admitted|claimed|commented|remarked"
    r"|accused|called\s+on|called\s+for|vowed|suggested"
)
_VERB = re.compile(rf"\b(?:{VERBS})\b")
# After a quotation: "he said" (pronoun) or "said" (then the speaker).
_POST = re.compile(
    rf"^[\s,.;:]*(?:(?P<pronoun>(?:he|she)\s+(?:also\s+)?(?:{VERBS})\b)|(?:{VERBS})\s+)", re.I
)
_POST_SUBJECT = re.compile(r"^[\s,.;:]*(?:the\s+)?", re.I)
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.I)
_PRONOUN_BEFORE = re.compile(r"\b(?:he|she)\s+(?:also\s+)?$", re.I)
_DASH_LINE = re.compile(r"(?:\n|\s)[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,[^\n]*)?\s*$")
_DASH_ONLY = re.compile(r"^[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,.*)?$", re.S)
_PRONOUN_ONLY = re.compile(r"\s*(?:he|she)\s+(?:also\s+)?", re.I)
_APPOSITION_START = re.compile(r"\s*[,-]")
_APPOSITION = re.compile(r"(?:an?|the)\s[^,]+,\s*(.+)$")
_LEAD = re.compile(r"(?:[A-Z][\w.’'-]*\s+)*")  # role words before a cleaned name


def _adjacent(masked: str, start: int, name: Name) -> bool:
    """Whether ``name`` starts at ``start`` (role words such as "Foreign Minister" aside)."""
    return _LEAD.fullmatch(masked, start, name.start) is not None


def _name_at(people: People, masked: str, start: int, end: int) -> str | None:
    """The speaker named right at ``start`` (``Al Jazeera’s Rory Challands``: the person)."""
    name = first_name(masked, start, end)
    if name is None or not _adjacent(masked, start, name):
        return None
    if masked.startswith(("’s", "'s"), name.end):
        names = iter_names(masked, start, end)
        next(names, None)  # name itself
        second = next(names, None)
        if second is not None and second.start - name.end <= 20:
            name = second
    return people.speaker(name)


def post_speaker(people: People, masked: str, start: int, end: int) -> str | None:
    """Attribution right after a closing quote mark."""
    window = masked[start:end]
    post = _POST.match(window)
    if post is not None:
        if post.group("pronoun"):
            return people.last()
        return _name_at(people, masked, start + post.end(), end)
    subject = _POST_SUBJECT.match(window)
    offset = start + (subject.end() if subject else 0)
    first = first_name(masked, offset, end)
    if first is not None and _adjacent(masked, offset, first) and (
        _VERB.match(masked, first.end + 1)
    ):
        return people.speaker(first)
    according = _ACCORDING.match(window.lstrip(" ,"))
    if according is not None:
        return _name_at(people, masked, end - len(window.lstrip(" ,")) + according.end(), end)
    return None


def pre_speaker(people: People, masked: str, start: int, end: int) -> str | None:
    """``X said that … “…”``: the subject of the last speech verb before the quote."""
    for verb in reversed(list(_VERB.finditer(masked, start, end))):
        if _PRONOUN_BEFORE.search(masked, start, verb.start()):
            return people.last()
        names = names_in(masked, start, verb.start())
        if names:
            gap = masked[names[-1].end:verb.start()]
            if len(gap.split()) <= 4 or (names[-1].start - start <= 4 and gap.startswith(",")):
                return people.speaker(names[-1])
    return None


def dash_line(people: People, text: str) -> tuple[str, str] | None:
    """(quotation, speaker) for ``…quotation. —Name, role`` (a line, or text, then a dash);
    the quotation is empty when the dash line is a paragraph of its own."""
    text = text.strip()
    found = _DASH_LINE.search(text) or _DASH_ONLY.match(text)
    if found is None:
        return None
    name = next(iter_names(text, found.start("who"), found.end("who")), None)
    if name is None or name.start != found.start("who") or not name.person:
        return None
    who = people.speaker(name)
    if who is None:
        return None
    return text[:found.start()].strip().strip("\"“”").strip(), who


# ---------------------------------------------------------------------- reported statements
_REPORTED = re.compile(
    r"\b(?P<verb>said|stated|warned|added|insisted|announced|argued|claimed|told"
    r"(?:\s+(?:[A-Z][\w’'.-]*|the|reporters|journalists|Al|The))+)"
    r"(?:\s+(?:on|last)\s+\w+|\s+today|\s+yesterday)?"
    r"\s+(?:that\s+(?P<that>.+)|(?P<clause>(?:he|she|it|they|we|there)\s.+))$"
)
_TOLD_PLAIN = re.compile(r"\btold\s+(?:reporters|journalists)\s+(?P<clause>.+)$")
_SAID_AFTER = re.compile(r"^(?P<stmt>.+),\s+(?P<who>he|she|[A-Z][\w’'-]+)\s+said\.?$")
_ACCORDING_START = re.compile(r"^According to \S")
# Where one of the four patterns above may match: a verb and what they need right after it.
_AFTER_CUE = (
    r"(?:\s+(?:on|last)\s+\w+|\s+today|\s+yesterday)?\s+(?:that|he|she|it|they|we|there)\s"
)
_AFTER_CUE_AT = re.compile(_AFTER_CUE)
# "said" ending a sentence: before a full stop and a space, or at the end of its line.
_SAID_CUE = re.compile(rf"said(?:(?={_AFTER_CUE})|(?=\.(?!\S))|(?=[^\S\n]*(?:\n|\Z)))")
_BEFORE_SAID = re.compile(r",\s+(?:he|she|[A-Z][\w’'-]+)\s+")
# The other verbs, found by their common ending (searched for faster than alternatives).
_CUE_VERBS = ("stated", "warned", "added", "insisted", "announced", "argued", "claimed")
_VERB_CUE = re.compile(
    "ed(?:" + "|".join(f"(?<={verb})" for verb in _CUE_VERBS) + rf")(?={_AFTER_CUE})"
)
_TOLD_CUE = re.compile(r"told(?=\s+(?:[A-Z]|the\s|reporters|journalists))")
_ACCORDING_CUE = re.compile(r"According to (?=\S)")


def cues(text: str) -> list[int]:
    """Offsets in ``text`` of the verbs (or ``According to``) at which :func:`reported` may
    find a statement: a sentence holding none of them holds no statement."""
    found = [match.start() for match in _SAID_CUE.finditer(text)]
    if found:  # "..., X said.": with a comma before
        found = [at for at in found if _AFTER_CUE_AT.match(text, at + 4)
                 or _BEFORE_SAID.fullmatch(text, text.rfind(",", 0, at), at)]
    found += [match.start() for match in _VERB_CUE.finditer(text)]
    if "told" in text:
        found += [match.start() for match in _TOLD_CUE.finditer(text)]
    if "According to " in text:
        found += [match.start() for match in _ACCORDING_CUE.finditer(text)]
    return found


def _subject(people: People, sentence: str, verb_at: int) -> str | None:
    """The named subject of a reporting verb at ``verb_at``: a person opening the sentence
    with an apposition ("Salem al-Muslet, spokesperson for ..., told"), or the name just
    before the verb."""
    before = sentence[:verb_at]
    if _PRONOUN_ONLY.fullmatch(before):
        return people.last()
    names = names_in(sentence, 0, verb_at)
    if not names:
        return None
    first = names[0]
    if (first.person or people.person(first)) and _adjacent(sentence, 0, first) and (
        _APPOSITION_START.match(sentence, first.end)
    ):
        return people.speaker(first)
    if verb_at - names[-1].end <= 1:
        return people.speaker(names[-1])
    return None


def reported(people: People, sentence: str) -> tuple[str, str | None] | None:
    """(statement, speaker) for an unquoted, attributed statement."""
    opening = _ACCORDING_START.match(sentence)
    if opening is not None:
        person = next((n for n in iter_names(sentence) if n.person), None)
        if person is None or person.start > len("According to "):
            return None
        rest = sentence[person.end:].lstrip(", ")
        apposition = _APPOSITION.match(rest)
        return (apposition.group(1) if apposition else rest), people.person(person)
    after = _SAID_AFTER.match(sentence)
    if after is not None:
        who = after.group("who")
        if who in ("he", "she"):
            return after.group("stmt"), people.last()
        name = next(iter_names(sentence, after.start("who"), after.end("who")), None)
        return after.group("stmt"), people.speaker(name) if name else None
    found = _REPORTED.search(sentence) or _TOLD_PLAIN.search(sentence)
    if found is None:
        return None
    statement = found.groupdict().get("that") or found.group("clause")
    return statement, _subject(people, sentence, found.start())

"""Who a quotation or a statement is attributed to, read from the words around it.

All functions read ``masked``: the paragraph with its quotations blanked (so the words of a
quotation never attribute it), and return a :class:`Who` (a name, a person or not) or None.

* after a quotation: ``, said X`` / ``said Rockets general manager X`` (the person over the
  organisation and the title), ``, X said`` / ``X told`` / ``spokesperson X said in an
  email`` (with or without a comma; a lower-case role before the name: ``association
  president X said``, ``commission chair X said``), ``, he added`` / ``, the rookie
  defenceman said`` (``he``/``she``: a person of that gender when the article tells),
  ``, according to X``;
* before it: ``X said: “…”``, ``X said that “…”``, ``X, the doctor…, is more blunt: “…”``
  (a colon introduction: the sentence's subject), ``His message was simple: “…”``;
* a subject (:func:`subject`): a pronoun right before the verb, a name right before it, a
  description (``the minister``), or the sentence's opening name (``Nadia Jamil, principal
  researcher at …, said``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.answers import cues
from bot.core.answers.entities import Entity, classify, entities
from bot.core.answers.sentences import Name, first_name, names_in
from bot.core.answers.speakers import Cast

_PLAIN_PHRASE = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}")
_SKIP = re.compile(r"[\s,;:.!?’'\"”»)\]—–-]*")
_VERB_FIRST = re.compile(rf"(?:{cues.SPEECH})\s+(?=\S)")
_SUBJECT_FIRST = re.compile(
    rf"(?P<subject>(?:[^.;:!?“”\"‘’]|\.(?=\s[A-Z])){{1,90}}?)\s+(?:also\s+|later\s+|then\s+|simply\s+)?"
    rf"(?:{cues.SPEECH})\b")
_ACCORDING = re.compile(r"according\s+to\s+")
_PRONOUN = re.compile(r"(?:(?<=\s)|^)(he|she|they|He|She|They)\s+(?:also\s+|later\s+|then\s+)?$")
_DESCRIPTION = re.compile(
    r"(?:^|(?<=\s))(?:the|The)\s+(?P<words>(?:(?!of\s)[a-z0-9][\w’'-]*\s+|[A-Z][a-z]+\s+(?=[a-z])){0,3}"
    r"(?P<noun>[a-z0-9][\w’'-]*))(?:\s+of\s+[a-z0-9][\w’'-]*)?\s*$")  # "mother of three"
_AGE = re.compile(r"\d+-year-old")  # "the 58-year-old said": a person
_OPENING_PRONOUN = re.compile(r"\s*(?:He|She|His|Her|Their|They)\b")
_OPENING_THE = re.compile(r"\s*[Tt]he\s+(?P<words>(?:[\w’'-]+\s+){0,3}?)(?P<noun>[a-z][\w’'-]*)"
                          r"(?=\s+(?:[a-z]|issued|said|says))")
_APPOSED = re.compile(r"\s*(?:His|Her|Their|Its|The|the|his|her|their)\s+(?:[a-z][\w’'-]*\s+){0,2}"
                      r"[a-z][\w’'-]*,\s+(?P<name>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)+),")
_CLAUSE_OPENERS = ("Asked ", "After ", "Before ", "When ", "While ", "Speaking ", "In ",
                   "Later ", "Earlier ", "Still ", "Visibly ", "Pressed ", "However, ",
                   "Meanwhile, ", "For his part, ", "For her part, ", "For their part, ",
                   "But ", "And ", "Separately, ", "Instead, ", "Yet ")
_AUXILIARY = re.compile(r"\s*(?:(?:has|have|had|also|later|then|again|once|previously"
                        r"|already|repeatedly|recently)\s+)*")
_POSSESSIVE_END = ("s'", "s’", "'s", "’s")  # "tenants' association president"
_JOIN_ENDS = (" of ", " for ", " and ", " of the ", " for the ", " & ")
_LEAD_WORD = re.compile(r"[A-Z][\w.’'-]*|the|[a-z]+[’']s")


def _lead_word(word: str, before: str) -> bool:
    """A word that may come before a sentence's opening name: ``the``, a title, a role (a
    preposition only inside a capitalised title: ``Secretary of State``, not ``envoy for``)."""
    if _LEAD_WORD.fullmatch(word) or cues.is_title(word):
        return True
    if word in cues.PREPOSITIONS:
        return before[:1].isupper()
    return cues.role_word(word)


def _subject_like(text: str) -> bool:
    """Whether a phrase before a speech verb may be its subject (not "in Idlib but")."""
    words = text.split()
    first = words[0] if words else ""
    if not first:
        return False
    if first[0].isupper() or first in ("he", "she", "they", "the") or cues.is_title(first):
        return True
    # "association president Jane Roe", "commission chair", "vice-president of the Guild"
    lead = [w for w in words if not w[:1].isupper()]
    if len(lead) < len(words) and all(
        w.endswith(_POSSESSIVE_END) or all(cues.role_word(part) for part in w.split("-"))
        for w in lead):
        return True
    # "river warden Tomas Brill": a few plain lower-case words, then a name of two words or
    # more (no preposition, conjunction or pronoun among them: not "in Idlib but Jane Roe")
    head = words[:len(lead)]
    return head == lead and 1 <= len(lead) <= 3 and len(words) - len(lead) >= 2 and all(
        _PLAIN_LOWER.fullmatch(w) and w not in cues.PREPOSITIONS and not cues.never_speaker(w)
        for w in lead)


_PLAIN_LOWER = re.compile(r"[a-z]+(?:-[a-z]+)*")
# What may follow a surname opening its sentence ("Kersh told", "Kersh has"): a verb.
_VERB_AFTER_SURNAME = re.compile(
    rf"(?:{cues.SPEECH}|has|had|have|is|was|also|later|then|again|once|still|would|will"
    r"|could|did|does|declined|refused|agreed|[a-z]+ed)")


# Words that may open an apposition after a surname ("Kersh, who …", "Kersh, the owner").
_APPOSITION_HEADS = frozenset("who whose the a an his her their its".split())


def _role_lead(lead: list[str]) -> bool:
    """A few plain lower-case words ending with a role (``village councillor``)."""
    return 1 <= len(lead) <= 3 and cues.role_word(lead[-1]) and all(
        _PLAIN_LOWER.fullmatch(w) and w not in cues.PREPOSITIONS and not cues.never_speaker(w)
        for w in lead)
_END = re.compile(r"[,.;:!?(]|\s(?:in|on|at|during|after|before|outside|from|with|to|for|by"
                  r"|while|when|as|who|whose|which)\s")


@dataclass(frozen=True, slots=True)
class Who:
    name: str
    person: bool


class Reader:
    """Attribution in one paragraph of an article."""

    def __init__(self, cast: Cast, para: int, masked: str) -> None:
        self.cast, self.para, self.masked = cast, para, masked

    # -- a phrase naming the speaker ---------------------------------------------------
    def phrase(self, start: int, end: int) -> Who | None:
        """The speaker a short phrase names: a pronoun, a person (over an organisation
        before it), an organisation, a description."""
        text = self.masked[start:end].strip()
        if not text:
            return None
        head = text.split()[0]
        if len(text.split()) == 1 and head.casefold() in ("he", "she", "they"):
            return self.pronoun(head, start)
        best: Who | None = None
        for _, entity in self._entities(start, end, text):
            who = self.cast.canonical(entity, self.para)
            if who is None:
                continue
            if entity.role == "person" or (entity.role == "surname" and who != entity.name):
                best = Who(who, True)
            elif best is None:  # an organisation, or a surname never introduced
                best = Who(who, False)
        if best is not None:
            return best
        described = _DESCRIPTION.search(self.masked, start, end)
        if described is not None:
            return self.describe(described.group("noun"), start, described.group("words"))
        return None

    def _entities(self, start: int, end: int, text: str) -> list[tuple[Name, Entity]]:
        """:func:`entities` of a phrase; a phrase that is one plain name (``Tyto Roe``, the
        usual ``said X``) read with :func:`first_name` alone (the same name, found faster)."""
        if _PLAIN_PHRASE.fullmatch(text):
            at = self.masked.index(text, start)
            name = first_name(self.masked, at, at + len(text))
            if name is not None and name.end == at + len(text):
                entity = classify(self.masked, name)
                return [] if entity is None else [(name, entity)]
        return entities(self.masked, start, end)

    def pronoun(self, word: str, at: int) -> Who | None:
        word = word.casefold()
        who = (self.cast.they_person(self.para, at) if word in ("they", "their")
               else self.cast.last_person(self.para, at,
                                          gender="f" if word in ("she", "her") else "m"))
        return Who(who, True) if who else None

    def describe(self, noun: str, at: int, words: str = "") -> Who | None:
        """``the company``: the last organisation; ``the Syrian government`` itself; ``the
        rookie defenceman``: the last person speaking (else named)."""
        mods = words.split()
        if mods and mods[-1] == noun:
            mods.pop()
        if mods and mods[0][:1].isupper():  # "the Syrian government", "the UN envoy"
            return Who(f"{' '.join(mods)} {noun}", False) if noun in cues.ORG_NOUNS else None
        if noun in cues.ORG_NOUNS:
            org = self.cast.last_org(self.para, at, noun)
            return Who(org, False) if org else None
        if not (cues.is_title(noun) or noun in cues.PERSON_NOUNS or noun in cues.OCCUPATIONS
                or _AGE.fullmatch(noun)):
            return None  # "the proposal", "the paper": not a speaker
        who = self.cast.description(self.para, at, noun)
        return Who(who, True) if who else None

    # -- after and before a quotation --------------------------------------------------
    def after(self, start: int, stop: int) -> Who | None:
        """Attribution right after a closing mark (up to ``stop``)."""
        masked = self.masked
        at = _SKIP.match(masked, start, stop)
        pos = at.end() if at else start
        verb = _VERB_FIRST.match(masked, pos, stop)
        if verb is not None:
            end = _END.search(masked, verb.end(), stop)
            return self.phrase(verb.end(), end.start() if end else stop)
        found = _SUBJECT_FIRST.match(masked, pos, stop)
        if found is not None and len(found.group("subject").split()) <= 8 and _subject_like(
                found.group("subject")):
            subject = found.group("subject")
            who = self.pronoun_or_phrase(found.start("subject"), found.end("subject"), subject)
            if who is not None:
                return who
        according = _ACCORDING.match(masked, pos, stop)
        if according is not None:
            end = _END.search(masked, according.end(), stop)
            return self.phrase(according.end(), end.start() if end else stop)
        return None

    def pronoun_or_phrase(self, start: int, end: int, text: str) -> Who | None:
        words = text.split()
        if words and words[-1].casefold() in ("he", "she", "they") and len(words) <= 2:
            return self.pronoun(words[-1], start)
        return self.phrase(start, end)

    def before(self, sentence: int, start: int) -> Who | None:
        """``X said: “…”``, ``X said that “…”``, a colon introduction."""
        window = self.masked[sentence:start]
        stripped = window.rstrip(" \n,")
        colon = stripped.endswith(":")
        verbs = list(cues.SPEECH_VERB.finditer(self.masked, sentence, start))
        if verbs:
            verb = verbs[-1]
            between = self.masked[verb.end():start]
            if colon or len(between.split()) <= 6:
                return self.subject(sentence, verb.start())
        if colon:
            return self.opening(sentence, start)
        return None

    # -- the subject of a verb ---------------------------------------------------------
    def subject(self, sentence: int, verb: int) -> Who | None:
        masked = self.masked
        before = masked[sentence:verb]
        pronoun = _PRONOUN.search(before)
        if pronoun is not None:
            return self.pronoun(pronoun.group(1), sentence + pronoun.start())
        names = names_in(masked, sentence, verb)
        if names:
            last = self._whole(sentence, names[-1])
            gap = masked[last.end:verb]
            lead = masked[max(sentence, last.start - 6):last.start].split()
            if _AUXILIARY.fullmatch(gap) and not (lead and lead[-1] in cues.PREPOSITIONS):
                who = self.phrase(last.start, last.end)
                if who is not None and not who.person:
                    opening = self.opening(sentence, verb)
                    if opening is not None and opening.person:
                        return opening  # "X, spokesperson for the Committee told"
                if who is not None:
                    return who
        described = _DESCRIPTION.search(before)
        if described is not None:
            return self.describe(described.group("noun"), sentence + described.start(),
                                 described.group("words"))
        return self.opening(sentence, verb)

    def _whole(self, sentence: int, last: Name) -> Name:
        """``last`` or, when it ends an organisation's name joined by ``of``/``and``/``for``
        (``Association of Rural Vets and Technicians``), that whole name."""
        if not self.masked[max(sentence, last.start - 9):last.start].endswith(_JOIN_ENDS):
            return last
        for name, entity in entities(self.masked, sentence, last.end):
            if name.end == last.end and entity.role == "org":
                return name
        return last

    def _capitalised_noun(self, end: int, entity: Entity, opens: bool = False) -> bool:
        """A single capitalised word named nowhere else, role words after it (``Sports
        psychologist``, ``Island residents``), or opening its sentence before any lower-case
        word but a verb (``Downstream residents were``, ``Upriver village councillor``) or a
        comma and a plain word (``Overnight, fire crews``): a common noun (or an adverb), not
        a surname."""
        if entity.role == "org" and " " not in entity.name:  # "Club captain Jana Roux"
            after = self.masked[end:end + 40].split()
            return bool(after) and after[0][:1].islower() and cues.role_word(after[0])
        if entity.role != "surname":
            return False
        after = self.masked[end:end + 40].split()
        if opens and len(after) > 1 and after[0] == "," and _PLAIN_LOWER.fullmatch(after[1]) \
                and after[1] not in _APPOSITION_HEADS:
            common = True  # "Overnight, fire crews said": an adverb
        elif not after or not after[0][:1].islower():
            return False
        else:
            common = cues.role_word(after[0]) or (
                opens and _PLAIN_LOWER.fullmatch(after[0]) is not None
                and not _VERB_AFTER_SURNAME.fullmatch(after[0]))
        # the article read last: only when the words around say "common noun"
        return common and not self.cast.introduced(entity, self.para)

    def opening(self, sentence: int, end: int) -> Who | None:
        """The name (or pronoun, or description) a sentence opens with."""
        masked = self.masked
        apposed = _APPOSED.match(masked, sentence, end)
        if apposed is not None:  # "Her opponent, Marta Kowalczyk, said"
            return self.phrase(apposed.start("name"), apposed.end("name"))
        pronoun = _OPENING_PRONOUN.match(masked, sentence, end)
        if pronoun is not None:
            return self.pronoun(pronoun.group().strip(), sentence)
        if masked.startswith(_CLAUSE_OPENERS, sentence):
            comma = masked.find(", ", sentence, end)  # "Asked whether …, the manager …"
            return self.opening(comma + 2, end) if comma > 0 else None
        names = entities(masked, sentence, min(end, sentence + 120))
        if names:
            first, entity = names[0]
            opens = not masked[sentence:first.start].strip()
            if self._capitalised_noun(first.end, entity, opens):
                if len(names) == 1:
                    return None  # "Downstream residents were not reassured."
                first = names[1][0]  # "Sports psychologist Imogen Hale, …"
                lead = masked[names[0][0].end:first.start].split()
                if _role_lead(lead):  # "Downstream village councillor Jane Roe"
                    return self.phrase(first.start, first.end)
            else:
                lead = masked[sentence:first.start].split()
            if len(lead) <= 5 and all(_lead_word(w, lead[i - 1] if i else "")
                                      for i, w in enumerate(lead)):
                return self.phrase(first.start, first.end)
        the = _OPENING_THE.match(masked, sentence, end)
        if the is not None:
            return self.describe(the.group("noun"), sentence, the.group("words"))
        return None

"""Quotations: extracted at index time with their speakers and kinds.

Kinds (see :mod:`bot.core.quotations`):

* ``quoted``: words between quotation marks (:mod:`bot.core.answers.marks`) that a speaker
  says: four words at least, or a whole utterance directly attributed (“Never,” he said.);
  a line with an em-dash attribution (``…delusional. —Mohammed Alloush, HNC negotiator``)
  is quoted too: the words are the speaker's, verbatim (``"…" — Roe, responding …``: a
  surname of a person named before);
* ``reported``: an unquoted statement attributed to a speaker: ``X said (on Monday)
  (that) …``, ``X told reporters (that) …``, ``…, X said.``, ``…, said X.``, ``According to
  X, …``, ``…, saying …``; never shown between quotation marks;
* ``fragment``: a quoted phrase inside reported speech, or described by its speaker
  (``he was “deeply concerned”``, ``called the cuts “devastating”``).

Titles, names and definitions between marks are none of these (``the film “…”``, ``known
as “…”``, ``defines it as “…”``, a phrase in title case with no attribution).

Speakers come from :mod:`bot.core.answers.attribution` (the words around a quotation) and
:mod:`bot.core.answers.speakers` (who a name, pronoun or description means). A quotation
with no attribution of its own takes that of another in its sentence, of the sentence just
before it in the paragraph, or, when it opens its paragraph, of the paragraph before (its
last speaker, unless that was a reported statement's and the paragraph names someone else;
else the person its last sentence opens with). A quotation with an attribution of its own
that names nobody known (``, said the veteran`` with no person before) takes none. None
rather than a guess.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import NamedTuple

from bot.core.answers import cues
from bot.core.answers.attribution import Reader, Who
from bot.core.answers.entities import classify
from bot.core.answers.marks import Mark, find_marks, mask, word_count
from bot.core.answers.sentences import Sentences, Span, names_in
from bot.core.answers.speakers import Cast
from bot.core.answers.statements import MIN_QUOTE_WORDS, Statement, StatementFinder
from bot.core.index import ArchiveIndex
from bot.core.quotations import Kind, Quotation

log = logging.getLogger(__name__)

_DASH_LINE = re.compile(r"(?:\n|\s)[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,[^\n]*)?\s*$")
_DASH_ONLY = re.compile(r"^[—―]\s*(?P<who>[^,\n—]{3,60}?)(?:,.*)?$", re.S)
_DIRECT = re.compile(rf"[\s,]*(?:(?:he|she|they)\s+(?:{cues.SPEECH})\b|(?:{cues.SPEECH})\s"
                     rf"|(?:the\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*\s+(?:{cues.SPEECH})\b)")
# An attribution of its own after a quotation (``, she said``, ``, said the veteran``, ``, the
# 58-year-old told reporters``): when it names nobody known, the quotation is nobody's.
_OWN_ATTRIBUTION = re.compile(
    rf"[\s,]*(?:(?:he|she|they)\s+(?:also\s+)?(?:{cues.SPEECH})\b|(?:{cues.SPEECH})\s+the\s"
    rf"|the\s+(?:[\w’'-]+\s+){{0,3}}?(?:{cues.SPEECH})\b)")
_TITLE_WORD = re.compile(r"[A-Z0-9][\w’'-]*|of|the|a|an|and|in|on|at|to|for|who|be|is|with")


class QuoteMatch(NamedTuple):
    quote: str
    speaker: str | None
    doc_id: str
    title: str
    source: str | None
    date: str | None
    paragraph: int  # 1-based
    match: float  # 0-100: 100 only for the quotation's words verbatim
    kind: Kind = "quoted"
    speaker_as_written: str | None = None  # the spelling in this article (merged above)


def _is_title(text: str) -> bool:
    """A phrase in title case (``The Kid Who Would Be King``): a name, not speech."""
    words = text.rstrip(".,!?").split()
    return 1 <= len(words) <= 10 and words[0][:1].isupper() and all(
        _TITLE_WORD.fullmatch(w.strip("’'")) for w in words) and sum(
        w[:1].isupper() for w in words) * 2 > len(words)


def _own_cues(masked: str, here: Sequence[Mark], found: Sequence[cues.Cue]) -> bool:
    """Whether every cue of a sentence is the attribution right after one of its long
    quotations (``“…,” said X``): such a sentence holds no reported statement."""
    long_ends = [m.end for m in here if m.words >= MIN_QUOTE_WORDS]
    if not long_ends:
        return False
    for c in found:
        at = c.at
        end = max((e for e in long_ends if e <= at), default=-1)
        gap = masked[end:at] if end >= 0 else "."
        if "." in gap or gap.count(" ") > 8 or c.word.endswith("ccording to"):
            return False
    return True


class _Article:
    """Reads one article paragraph by paragraph."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self.cast = Cast(paragraphs)
        self.out: list[Quotation] = []
        self.last: Who | None = None  # the last speaker of the paragraph before
        self.last_reported = False  # ... of a reported statement
        self.quoted_paras: set[int] = set()
        self._cues: list[cues.Cue] = []  # the cues of the sentence being read
        self._statements = StatementFinder()

    def _add(self, text: str, who: Who | None, kind: Kind, para: int, span: tuple[int, int],
             context: tuple[int, int]) -> None:
        self.out.append(Quotation(text, who.name if who else None, kind, 0, para, span[0],
                                  span[1], context[0], context[1]))
        self.quoted_paras.add(para)
        if who is not None:  # the speaker counts after the other names of the sentence
            self.cast.spoke(para, max(context[1] - 1, span[0]), who.name, who.person)

    # -- em-dash lines --------------------------------------------------------------------
    def _dash(self, para: int, text: str) -> bool:
        stripped = text.strip()
        found = _DASH_LINE.search(stripped) or _DASH_ONLY.match(stripped)
        if found is None:
            return False
        name = next(iter(names_in(stripped, found.start("who"), found.end("who"))), None)
        if name is None or name.start != found.start("who"):
            return False
        entity = classify(stripped, name)
        if entity is None or (not name.person and entity.role != "surname"):
            return False
        canonical = self.cast.canonical(entity, para) or entity.name
        if entity.role == "surname" and canonical == entity.name:
            return False  # "— Vey, responding …": only a surname named before
        who = Who(canonical, entity.role != "org")
        body = stripped[:found.start()].strip().strip("\"“”").strip()
        if not body and para > 0 and para - 1 not in self.quoted_paras:
            para, text = para - 1, self.paragraphs[para - 1]
            body = text.strip().strip("\"“”").strip()
        if word_count(body) >= MIN_QUOTE_WORDS:
            start = text.find(body)
            self._add(body, who, "quoted", para, (start, start + len(body)),
                      (start, start + len(body)))
        self.last = who
        return True

    # -- a paragraph ----------------------------------------------------------------------
    def paragraph(self, para: int) -> None:
        text = self.paragraphs[para]
        if ("—" in text or "―" in text) and self._dash(para, text):
            return
        marks = find_marks(text)
        masked = mask(text, marks) if marks else text
        found = cues.find_cues(masked)
        if not marks and not found:
            self.last, self.last_reported = None, False
            return
        self.cast.mask(para, masked)
        reader = Reader(self.cast, para, masked)
        sentences = Sentences(text)  # only the sentences read are split out
        at = sorted({m.start for m in marks} | {c.at for c in found})
        last: Who | None = None
        reported = False
        done = 0
        for pos in at:
            if pos < done:
                continue
            s = sentences.containing(pos)
            done = s.end
            here = [m for m in marks if s.start <= m.start < s.end]
            self._cues = [c for c in found if s.start <= c.at < s.end]
            statement = self._reported(reader, s, here) if self._cues and not _own_cues(
                masked, here, self._cues) else None
            spoke = self._quotations(reader, s, here, marks, statement, last, sentences)
            if statement is not None:
                spoke = statement.who or spoke
            if spoke is not None:
                last, reported = spoke, statement is not None and statement.who is spoke
            elif here or statement is not None:
                last = None
        self.last, self.last_reported = last, reported

    def _carry(self, reader: Reader, s: Span, sentences: Sentences,
               last: Who | None) -> Who | None:
        """The speaker of an unattributed quotation opening its sentence: the last speaker
        of its paragraph, else the person the sentence before opens with; for the first
        sentence, those of the paragraph before."""
        text = self.paragraphs[reader.para]
        before = len(text[:s.start].rstrip())
        if before:
            if last is not None:
                return last
            previous = sentences.containing(before - 1)
            return reader.opening(previous.start, previous.end)
        para = reader.para
        if self.last is not None:
            if self.last_reported and self._others(para - 1, self.last.name):
                return None  # "X told reporters the club would rest her": whose words?
            return self.last
        if para == 0:
            return None
        text = self.paragraphs[para - 1]
        end = len(text.rstrip())
        if not end:
            return None
        previous = Sentences(text).containing(end - 1)
        who = Reader(self.cast, para - 1, text).opening(previous.start, previous.end)
        return who if who is not None and who.person else None

    def _others(self, para: int, who: str) -> bool:
        """Whether paragraph ``para`` names a person other than ``who``."""
        for m in self.cast.mentions(para):
            if m.entity.role != "org":
                other = self.cast.canonical(m.entity, para)
                if other != who and (m.entity.role == "person" or other != m.entity.name):
                    return True
        return False

    def _quotations(self, reader: Reader, s: Span, here: list[Mark], marks: list[Mark],
                    statement: Statement | None, last: Who | None,
                    sentences: Sentences) -> Who | None:
        """Record the quotations starting in ``s``; returns the first speaker found."""
        masked, text = reader.masked, self.paragraphs[reader.para]
        found: list[tuple[Mark, Who | None, bool]] = []  # mark, own speaker, attributed
        for m in here:
            nxt = next((o.start for o in marks if o.start >= m.end), len(text))
            stop = min(nxt, max(s.end, m.end))
            if m.end < s.end or m.closed:
                stop = min(nxt, self._sentence_end(text, m.end, s))
            own = reader.after(m.end, stop) or reader.before(s.start, m.start)
            found.append((m, own, own is not None))
        known = next((w for _, w, _ in found if w is not None), None)
        first: Who | None = None
        for m, own, attributed in found:
            if self._naming(masked, text, m, attributed):
                continue
            inside = statement is not None and statement.start <= m.start < statement.end
            who = (statement.who if inside and statement else None) or own or known
            if who is None:
                who = self._describer(reader, s, m)
            # "“…,” she said" with no "she" known: nobody
            if who is None and masked[s.start:m.start].strip() == "" and (
                    not _OWN_ATTRIBUTION.match(masked, m.end)):
                who = self._carry(reader, s, sentences, last)
            kind = self._kind(reader, s, m, who, attributed, inside)
            if kind is None:
                continue
            context = (s.start, max(s.end, m.end))
            self._add(m.inner.text, who, kind, reader.para, (m.inner.start, m.inner.end),
                      context)
            first = first or who
        return first

    def _reported(self, reader: Reader, s: Span, here: list[Mark]) -> Statement | None:
        """Record the reported statement of sentence ``s``, if it holds one."""
        text = self.paragraphs[reader.para]
        found = self._statements.find(reader, text, s, here, self._cues)
        if found is not None:
            self._add(text[found.start:found.end], found.who, "reported", reader.para,
                      (found.start, found.end), (s.start, s.end))
        return found

    @staticmethod
    def _describer(reader: Reader, s: Span, m: Mark) -> Who | None:
        """Who describes a quoted phrase: ``X called the cuts “devastating”``."""
        verbs = list(cues.DESCRIBING.finditer(reader.masked, s.start, m.start))
        return reader.subject(s.start, verbs[-1].start()) if verbs else None

    @staticmethod
    def _sentence_end(text: str, at: int, s: Span) -> int:
        return s.end if at <= s.end else len(text)

    def _naming(self, masked: str, text: str, m: Mark, attributed: bool) -> bool:
        if cues.naming_before(masked, max(0, m.start - 40), m.start):
            return True
        return not attributed and _is_title(m.inner.text)

    def _kind(self, reader: Reader, s: Span, m: Mark, who: Who | None, attributed: bool,
              inside: bool) -> Kind | None:
        text = self.paragraphs[reader.para]
        opens = reader.masked[s.start:m.start].strip() == "" or reader.masked[
            s.start:m.start].rstrip().endswith((":", ","))
        if inside:
            return "fragment"
        if m.words >= MIN_QUOTE_WORDS and (opens or attributed or who is not None):
            return "quoted"
        if m.words >= MIN_QUOTE_WORDS:
            return "fragment" if cues.DESCRIBING.search(reader.masked, s.start, s.end) else (
                "quoted")
        inner = text[m.inner.start:m.end].rstrip("\"”’'»")
        if inner[-1:] in (",", ".", "!", "?") and _DIRECT.match(text, m.end) and who:
            return "quoted"
        if who is not None and not opens and cues.DESCRIBING.search(
                reader.masked, s.start, s.end):
            return "fragment"
        return None

def extract_article(paragraphs: Sequence[str]) -> list[Quotation]:
    """Every quotation of one article (its paragraphs, in order), in reading order: records
    with ``document`` 0 and paragraph numbers relative to the article."""
    article = _Article(paragraphs)
    for para in range(len(paragraphs)):
        article.paragraph(para)
    return article.out


def extract_quotes(index: ArchiveIndex) -> list[Quotation]:
    """Every quotation of an index, article by article, each record's ``document`` its
    article's position in the index. (A build extracts per article, in its workers, with
    :func:`extract_article`.)"""
    out: list[Quotation] = []
    for doc_index, doc in enumerate(index.docs):
        out.extend(q.rebased(doc_index) for q in extract_article(index.paragraphs_of(doc)))
    log.debug("extracted %d quotations from %d articles", len(out), len(index.docs))
    return out

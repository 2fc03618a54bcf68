"""Follow-up questions: a short question read in the context of a thread's first question.

Pure: the caller finds the first question (in Discord, from the thread's starter message;
from the command line, ``--follow-up-of``) and passes it in; nothing is remembered here.

The rule (README "Follow-up questions in threads"):

* The follow-up's words are split into **date words** (a year 1800-2199, or a month name
  directly followed by a year: "May 2016"), **stop words** (the tokenizer's English list plus
  :data:`FILLERS` such as "else", "said", "instead") and **content words** (the rest).
* More than ``max_words`` content words (default 2): the question **stands on its own** and
  is answered as asked (its own options only, no "Read as").
* Otherwise it is a **follow-up** of the first question:

  - **dates**: the follow-up's years/months set the date range (earliest to latest: "2016"
    is 2016-01-01..2016-12-31, "May 2016" that month, "2016 or 2018" both years and
    between); without one the first question's range is kept;
  - **names** (content words written with a capital): they replace the *last* name of the
    first question (its last run of capitalised non-stop words after the first word:
    "... in Idlib?" + "what about Aleppo?" -> "... in Aleppo?"); with no name in the first
    question they are added like other words;
  - **other content words** not already in the first question are added before its final
    punctuation;
  - the source filter is the first question's;
  - options given with the follow-up itself (from/to/source) win: its dates as a pair over
    any date in the text or inherited, its source over the inherited one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from bot.config import Settings
from bot.core.dates import MONTHS
from bot.core.models import Filters
from bot.core.requests import make_filters
from bot.core.tokenize import STOPWORDS
from bot.errors import QueryError

__all__ = ["FILLERS", "FirstQuestion", "Reading", "context_footer", "describe_filters",
           "interpret", "parse_context", "read_follow_up"]

# Words of a follow-up that say "the same, but ..." and carry no topic of their own.
FILLERS: frozenset[str] = frozenset(
    """
    also else instead then now again too either neither same other others another anything
    something anyone someone say says said saying tell told mention mentioned happened
    happen happening year years month months time period please ok okay thanks what's how's
    who's hmm yes no so well like may might must shall
    """.split()
)
DEFAULT_MAX_WORDS = 2
# English, whatever the locale (calendar.month_name follows it).
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_YEAR = re.compile(r"^(1[89]|2[01])\d\d$")
_TRAILING = re.compile(r"[\s?!.…]*$")
# The lines an answer that opens a thread starts its footer with (plain text in Discord).
QUESTION_LINE = "Thread question: "
FILTERS_LINE = "Thread filters: "
_FILTERS = re.compile(r"(?:from (?P<start>\d{4}-\d\d-\d\d))?(?:(?<=\d) · )?"
                      r"(?:to (?P<end>\d{4}-\d\d-\d\d))?(?:(?<=\d) · )?"
                      r"(?:source: (?P<source>.+))?")


@dataclass(frozen=True, slots=True)
class FirstQuestion:
    """The question that opened a thread, with the filters it was asked with."""

    question: str
    filters: Filters = Filters()


@dataclass(frozen=True, slots=True)
class Reading:
    """How a question is answered: the question and filters used, and, for a follow-up,
    the "Read as" text shown with the answer (None: the question stood on its own)."""

    question: str
    filters: Filters
    read_as: str | None = None

    @property
    def is_follow_up(self) -> bool:
        return self.read_as is not None


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()


def _words(text: str) -> list[_Word]:
    return [_Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _is_stop(word: _Word) -> bool:
    key = word.key
    return key in STOPWORDS or key in FILLERS or key.removesuffix("'s") in STOPWORDS


def _date_range(words: list[_Word]) -> tuple[tuple[str, str] | None, set[int]]:
    """The span of the years/months named (None: no date) and the indexes of date words."""
    spans: list[tuple[str, str]] = []
    used: set[int] = set()
    for i, word in enumerate(words):
        if not _YEAR.match(word.text):
            continue
        year = int(word.text)
        month = MONTHS.get(words[i - 1].key.rstrip(".")) if i > 0 else None
        used.add(i)
        if month is not None:
            used.add(i - 1)
            last = calendar.monthrange(year, month)[1]
            spans.append((f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"))
        else:
            spans.append((f"{year:04d}-01-01", f"{year:04d}-12-31"))
    if not spans:
        return None, used
    return (min(s for s, _ in spans), max(e for _, e in spans)), used


def _name_runs(words: list[_Word], *, skip_first: bool,
               skip: frozenset[int] = frozenset()) -> list[list[_Word]]:
    """Runs of consecutive capitalised non-stop words (the first word of a question is
    capitalised anyway: skipped when ``skip_first``; ``skip``: indexes of date words)."""
    runs: list[list[_Word]] = []
    previous = -2
    for i, word in enumerate(words):
        if (skip_first and i == 0) or i in skip or not word.capitalised or _is_stop(word):
            continue
        if i == previous + 1 and runs:
            runs[-1].append(word)
        else:
            runs.append([word])
        previous = i
    return runs


def describe_filters(filters: Filters) -> str:
    """``2016``, ``May 2016``, ``2016-03-01 to 2016-04-15``, ``from …``, ``source: …``."""
    parts: list[str] = []
    start, end = filters.date_from, filters.date_to
    if start and end:
        parts.append(_describe_range(start, end))
    elif start:
        parts.append(f"from {start}")
    elif end:
        parts.append(f"to {end}")
    if filters.source:
        parts.append(f"source: {filters.source}")
    return " · ".join(parts)


def _describe_range(start: str, end: str) -> str:
    y1, m1, d1 = start.split("-")
    y2, m2, d2 = end.split("-")
    if (m1, d1, m2, d2) == ("01", "01", "12", "31"):
        return y1 if y1 == y2 else f"{y1} to {y2}"
    whole_month = d1 == "01" and int(d2) == calendar.monthrange(int(y2), int(m2))[1]
    if whole_month and (y1, m1) == (y2, m2):
        return f"{_MONTH_NAMES[int(m1) - 1]} {y1}"
    return f"{start} to {end}"


def _merge_filters(first: Filters, dates: tuple[str, str] | None, own: Filters) -> Filters:
    if own.date_from or own.date_to:
        start, end = own.date_from, own.date_to
    elif dates is not None:
        start, end = dates
    else:
        start, end = first.date_from, first.date_to
    return Filters(start, end, own.source or first.source)


def _rewrite(first: str, names: list[list[_Word]], extra: list[str], follow_up: str) -> str:
    """The first question with its last name replaced by the follow-up's names (when both
    have one) and the other new words added before its final punctuation."""
    first_words = _words(first)
    old_runs = _name_runs(first_words, skip_first=True)
    text = first
    new_names = " ".join(follow_up[run[0].start : run[-1].end] for run in names)
    if names and old_runs:
        old = old_runs[-1]
        text = text[: old[0].start] + new_names + text[old[-1].end :]
    elif names:
        extra = [new_names, *extra]
    if not extra:
        return text
    tail = _TRAILING.search(text)
    cut = tail.start() if tail else len(text)
    return f"{text[:cut]} {' '.join(extra)}{text[cut:].strip()}"


def interpret(
    text: str,
    first: FirstQuestion | None,
    own: Filters = Filters(),
    *,
    max_words: int = DEFAULT_MAX_WORDS,
) -> Reading:
    """Read ``text`` (a validated question) in the context of ``first`` (None: not in a
    thread the bot opened), with the options ``own`` given alongside it."""
    if first is None:
        return Reading(text, own)
    words = _words(text)
    dates, date_words = _date_range(words)
    content = [w for i, w in enumerate(words) if i not in date_words and not _is_stop(w)]
    if len(content) > max_words:
        return Reading(text, own)
    names = _name_runs(words, skip_first=False, skip=frozenset(date_words))
    named = {w.start for run in names for w in run}
    known = {w.key for w in _words(first.question)}
    extra: list[str] = []
    for word in content:
        if word.start not in named and word.key not in known and word.text not in extra:
            extra.append(word.text)
    question = _rewrite(first.question, names, extra, text)
    filters = _merge_filters(first.filters, dates, own)
    described = describe_filters(filters)
    return Reading(question, filters, question + (f" · {described}" if described else ""))


def read_follow_up(settings: Settings, text: str, first: FirstQuestion | None,
                   own: Filters = Filters()) -> Reading:
    """:func:`interpret` as the bot and the CLI apply it: ``followups.enabled`` off, or a
    rewritten question over ``limits.query_max_chars`` (a long first question plus new
    words), and the question is read as asked."""
    wanted = settings.followups
    if not wanted.enabled:
        return Reading(text, own)
    reading = interpret(text, first, own, max_words=wanted.max_words)
    if len(reading.question) > settings.limits.query_max_chars:
        return Reading(text, own)
    return reading


def context_footer(first: FirstQuestion) -> str:
    """The first lines of the footer of an answer that opens a thread: its question and,
    when any, its filters (``from D · to D · source: S``, the source last)."""
    lines = [QUESTION_LINE + first.question]
    f = first.filters
    parts = [*([f"from {f.date_from}"] if f.date_from else []),
             *([f"to {f.date_to}"] if f.date_to else []),
             *([f"source: {f.source}"] if f.source else [])]
    if parts:
        lines.append(FILTERS_LINE + " · ".join(parts))
    return "\n".join(lines)


def parse_context(footer: str) -> FirstQuestion | None:
    """:func:`context_footer`'s question and filters read back from a footer (None: not
    one, or cut: a complete context is followed by at least one further line)."""
    lines = footer.split("\n")
    if len(lines) < 2 or not lines[0].startswith(QUESTION_LINE):
        return None
    question = " ".join(lines[0][len(QUESTION_LINE):].split())
    if not question:
        return None
    if not lines[1].startswith(FILTERS_LINE):
        return FirstQuestion(question)
    match = _FILTERS.fullmatch(lines[1][len(FILTERS_LINE):])
    if len(lines) < 3 or match is None:
        return None
    try:
        filters = make_filters(match["start"], match["end"], match["source"])
    except QueryError:
        return None
    return FirstQuestion(question, filters)

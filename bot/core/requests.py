"""Requests, validated once: one ``parse`` per command, shared by the CLI and Discord.

Each command's options are checked here and nowhere else (the extensions call ``parse``
before deferring, so a bad option is an immediate private reply; the CLI calls it and exits
with status 2 on :class:`~bot.errors.QueryError`). The core answer functions take the parsed,
frozen request. Messages name options the way both front ends can show them ("a speaker",
"sentences"), never a command-line flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import Settings
from bot.core.models import Filters
from bot.errors import QueryError


def parse_date(text: str | None, name: str) -> str | None:
    """Validate an ISO ``YYYY-MM-DD`` filter date (None and "" pass as None)."""
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise QueryError(f"{name} date {text!r} is not a date like 2018-05-16") from None


def make_filters(
    date_from: str | None = None, date_to: str | None = None, source: str | None = None
) -> Filters:
    """Validated :class:`Filters` from user input (dates ISO, source trimmed)."""
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise QueryError(f"from date {start} is after to date {end}")
    src = source.strip() if source else None
    return Filters(start, end, src or None)


def check_text(settings: Settings, text: str, what: str) -> str:
    """``text`` with its white space collapsed; refused when empty or too long."""
    collapsed = " ".join(text.split())
    if not collapsed:
        raise QueryError(f"The {what} is empty.")
    limit = settings.limits.query_max_chars
    if len(collapsed) > limit:
        raise QueryError(f"The {what} is {len(collapsed)} characters long; the limit is {limit}.")
    return collapsed


def _optional_text(settings: Settings, text: str | None, what: str) -> str | None:
    return check_text(settings, text, what) if text and text.strip() else None


def check_limit(settings: Settings, limit: int | None, default: int) -> int:
    """A result count: ``default`` when not given, else 1 to ``limits.max_results``."""
    if limit is None:
        return default
    top = settings.limits.max_results
    if not 1 <= limit <= top:
        raise QueryError(f"limit must be between 1 and {top}")
    return limit


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str
    limit: int
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, query: str, limit: int | None = None,
              date_from: str | None = None, date_to: str | None = None,
              source: str | None = None) -> SearchRequest:
        return cls(check_text(settings, query, "query"),
                   check_limit(settings, limit, settings.limits.default_results),
                   make_filters(date_from, date_to, source))


@dataclass(frozen=True, slots=True)
class AskRequest:
    question: str
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, question: str, date_from: str | None = None,
              date_to: str | None = None, source: str | None = None) -> AskRequest:
        return cls(check_text(settings, question, "question"),
                   make_filters(date_from, date_to, source))


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """A topic, an article (``doc_id``, resolved by the summary itself: an unknown one is
    refused with close matches), both, or neither (an overview)."""

    topic: str | None
    doc_id: str | None
    sentences: int
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, topic: str | None = None, doc_id: str | None = None,
              sentences: int | None = None, date_from: str | None = None,
              date_to: str | None = None, source: str | None = None) -> SummaryRequest:
        answers = settings.answers
        if sentences is None:
            sentences = answers.summary_sentences
        elif not 1 <= sentences <= answers.summary_max_sentences:
            raise QueryError(f"sentences must be between 1 and {answers.summary_max_sentences}")
        wanted = doc_id.strip() if doc_id is not None else None
        return cls(_optional_text(settings, topic, "topic"), wanted, sentences,
                   make_filters(date_from, date_to, source))


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """Words of a quotation, a speaker, or both (at least one)."""

    text: str | None
    speaker: str | None
    limit: int
    filters: Filters = Filters()

    @classmethod
    def parse(cls, settings: Settings, text: str | None = None, speaker: str | None = None,
              limit: int | None = None, date_from: str | None = None,
              date_to: str | None = None, source: str | None = None) -> QuoteRequest:
        words = _optional_text(settings, text, "quotation")
        who = " ".join(speaker.split()) if speaker and speaker.strip() else None
        if words is None and who is None:
            raise QueryError("Give the words of a quotation, a speaker, or both.")
        return cls(words, who, check_limit(settings, limit, settings.answers.quote_limit),
                   make_filters(date_from, date_to, source))

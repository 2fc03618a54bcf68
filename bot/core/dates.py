"""Date recognition for the ingester: turn the date formats news sites print into ISO dates.

Only the stdlib is used. Every function matches the *whole* text (after trimming a leading
"Published:"-style label, a weekday and a trailing time of day), so a sentence that merely
contains a date is never taken for a date line.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re

__all__ = ["MONTHS", "looks_like_date", "normalize_date"]

log = logging.getLogger(__name__)

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_LABEL = r"(?:(?:published|updated|posted|last\s+updated|date)(?:\s+on)?\s*:?\s+)?"
# "at 3:58 pm", ", 10:00 GMT", " - 14.30", "T10:00:00Z" style tails are ignored.
_TIME = (
    r"(?:\s*(?:,|\bat\b|-|–|\|)?\s*\d{1,2}(?:[:.]\d{2}){1,2}(?:\.\d+)?\s*"
    r"(?:[ap]\.?m\.?)?\s*(?:z|utc|gmt|[a-z]{2,4}t|[+-]\d{2}:?\d{2})?)?"
)
_ISO_TIME = r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|[+-]\d{2}:?\d{2})?)?"

_FULL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(_LABEL + _WEEKDAY + body + r"\s*$", re.IGNORECASE)
    for body in (
        r"(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})" + _ISO_TIME,
        r"(?P<year>\d{4})[/.](?P<mnum>\d{1,2})[/.](?P<day>\d{1,2})" + _TIME,
        _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME,  # May 16, 2018 at 3:58 pm
        _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + _TIME,  # 03 February, 2016
        # 16/05/2018, 16.05.2018, 16-05-2018: day first unless ``day_first=False``
        r"(?P<first>\d{1,2})[/.-](?P<second>\d{1,2})[/.-](?P<year>\d{4})" + _TIME,
    )
)
# A day and month with no year ("April 18", "18 April"): recognisably a date, but not one
# we can place in time, so it normalises to None.
_YEARLESS_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(_LABEL + _WEEKDAY + body + _TIME + r"\s*$", re.IGNORECASE)
    for body in (_MONTH + r"\s+" + _DAY, _DAY + r"\s+(?:of\s+)?" + _MONTH)
)
_SPACES = re.compile(r"\s+")


def normalize_date(text: str, *, day_first: bool = True) -> str | None:
    """Return ``text`` as ``YYYY-MM-DD``, or None when it is not a complete, valid date.

    >>> normalize_date("May 16, 2018 at 3:58 pm")
    '2018-05-16'
    >>> normalize_date("03 February, 2016")
    '2016-02-03'
    >>> normalize_date("April 18") is None
    True
    """
    cleaned = _SPACES.sub(" ", text).strip()
    if not cleaned or len(cleaned) > 80:
        return None
    for pattern in _FULL_PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("first") is not None:
            first, second = int(groups["first"]), int(groups["second"])
            month, day_number = (second, first) if day_first else (first, second)
        else:
            month = int(groups["mnum"]) if groups.get("mnum") else MONTHS[
                groups["month"].lower()]
            day_number = int(groups["day"])
        try:
            day = _dt.date(int(groups["year"]), month, day_number)
        except ValueError:
            log.warning("%r is not a real date (no such day); left undated", cleaned)
            return None
        return day.isoformat()
    return None


def looks_like_date(text: str, *, day_first: bool = True) -> bool:
    """True when ``text`` is a date as a whole, with or without a year."""
    if normalize_date(text, day_first=day_first) is not None:
        return True
    cleaned = _SPACES.sub(" ", text).strip()
    return any(p.match(cleaned) for p in _YEARLESS_PATTERNS)

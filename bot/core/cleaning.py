"""Cleaning raw web captures and plain-text exports into articles: line classification,
paragraphs, article splits (HTML goes through trafilatura instead: :mod:`bot.core.htmltext`).

:func:`parse_capture` turns pasted text (taglines, cross-links, reading-time lines, captions,
comment counters, blog footers, sometimes a second article) into :class:`Draft` articles:

* Each line is classified: boilerplate (dropped), footer marker (ends the article), date,
  ``Source:`` line, byline, caption, bulleted list item (a paragraph, marker dropped) or text.
* Consecutive text lines are one paragraph only when they look hard-wrapped; a dash-led
  attribution or a lowercase continuation joins the line before it.
* The *header* is everything before the first real sentence (final punctuation, four words)
  or list item; a line repeated later is the title, else the first. A long last header line
  (eight words or more, not the title) is the lead sentence that lost its full stop and
  opens the body; a short unpunctuated dek is dropped. A headline may end in ``?``, ``!`` or
  ``…`` when a date, byline, caption or source line follows it, or when it opens the file.
* In the body, short unpunctuated lines are subheadings (dropped), as is a title repeat.
* After a footer marker the text is a further article only with two body paragraphs.
* The source comes only from a ``Source: X`` line or a known tagline; a trailing outlet-like
  line ("Middle East Eye", but as often a referee's name) is dropped, never the source.

Text is kept verbatim but for whitespace and invisible controls, in :func:`normalize_space`,
which every title, source, author, URL and paragraph passes through (every format and the
metadata file), so nothing the archive holds reaches Discord or a terminal as NUL, an escape
sequence or a bidirectional override. Deleted: C0 controls but tab and newline, DEL, C1
(U+0080-U+009F), the bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069.
Kept: the directional *marks* U+200E/U+200F/U+061C (they only orient neighbouring
punctuation; Arabic and Hebrew text uses them) and the zero-width (non-)joiners
U+200C/U+200D (Persian, Urdu and Indic spellings and emoji sequences need them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from bot.core.dates import looks_like_date, normalize_date

__all__ = [
    "BOILERPLATE_PATTERNS",
    "FOOTER_PATTERNS",
    "TAGLINE_SOURCES",
    "Draft",
    "ends_sentence",
    "normalize_space",
    "parse_capture",
    "strip_controls",
]

# Only the whitespace that must change: runs of two or more, or one character other than a
# plain space. Substituting every single space by itself (as ``[...]+`` would) made cleaning
# spend most of its time rewriting spaces to spaces.
_HSPACE_CHANGE = re.compile(
    r"[ \t\r\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}"
    r"|[\t\r\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)
# Deleted from all archive text (see the module docstring): C0 controls but tab, newline and
# the whitespace ones (VT, FF, CR: spaces), DEL, C1, bidi embeddings/overrides and isolates.
CONTROL_CHARACTERS = "\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")

# Whole lines dropped wherever they appear (matched against the whitespace-normalised line).
BOILERPLATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:read|see|watch)(?:\s+(?:more|also))?\s*:\s*\S.*", re.IGNORECASE),
    re.compile(r"\d+\s*(?:min|mins|minute|minutes)\s+read", re.IGNORECASE),
    re.compile(r"comments?\s*\(?\s*\d*\s*\)?", re.IGNORECASE),
    re.compile(r"creating new perspectives since \d{4}", re.IGNORECASE),
    re.compile(r".{1,60}['’]s\s+weblog", re.IGNORECASE),
    re.compile(r"i have a parallel blog in \w+(?:\s+at\b.*)?", re.IGNORECASE),
    re.compile(
        r"(?:share|tweet|print|email)(?:\s+this)?(?:\s+(?:article|story|page))?:?", re.IGNORECASE
    ),
    re.compile(r"(?:advertisement|sponsored content|skip to (?:main )?content)", re.IGNORECASE),
    re.compile(r"[\W_]+"),  # "#########", "***", "---"
    re.compile(r"[^\s.!?…:]+"),  # a lone word with no punctuation: "clear"
)
# Lines that end an article's body; what follows is another article or footer junk.
FOOTER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:to be continued|continued (?:here|on|at|below))\b.*", re.IGNORECASE),
    re.compile(r"read more(?:\s+on this (?:issue|topic|subject|story))?\s*:?", re.IGNORECASE),
    re.compile(
        r"(?:related|more on this)(?:\s+(?:articles?|stories|posts|topics?))?\s*:?", re.IGNORECASE
    ),
    re.compile(r"blog at\b.{0,60}", re.IGNORECASE),
    re.compile(r"up\s*↑", re.IGNORECASE),
)
# Site taglines that name the outlet the capture comes from.
TAGLINE_SOURCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"creating new perspectives since 2009", re.IGNORECASE), "Middle East Monitor"),
)
_SOURCE_LINE = re.compile(r"source\s*:\s*(?P<source>\S.{0,79})", re.IGNORECASE)
_BYLINE = re.compile(r"[Bb][Yy]\s+(?P<rest>[A-Z].{0,100})")
_CAPTION = (
    re.compile(r".{10,}\s*\[[A-Z][^\[\]]{1,80}\]"),  # "... [Aliia Raimbekova/Anadolu Agency]"
    re.compile(r".{10,}\((?:photo|image|picture)(?:\s+credit)?\s*:[^()]{1,80}\)", re.IGNORECASE),
)
_NAME_WORD = re.compile(r"(?:[A-Z][\w’'.-]*|al-\w+|de|da|del|der|van|von|bin|ibn|and|&)")
_OUTLET_WORD = re.compile(r"(?:[A-Z][\w’'.&-]*|of|the|and|&)")
_CLOSERS = "\"'”’»)]*_"
# A bulleted list item: "* Fuel duty frozen", "• ...", "- ..." (an item, kept as a paragraph
# even without final punctuation; the marker is not part of the text).
_BULLET = re.compile(r"(?:[*•·▪◦]|-(?!-))\s+(?P<item>\S.*)")
LEAD_MIN_WORDS = 8  # an unpunctuated line this long just before the body is its lead
_TERMINAL = ".!?…:"
_DASHES = ("—", "―", "–", "-- ")
HEADING_MAX_WORDS = 10
WRAP_MAX_CHARS = 120


class Kind(Enum):
    BOILER = "boiler"
    FOOTER = "footer"
    DATE = "date"
    SOURCE = "source"
    BYLINE = "byline"
    CAPTION = "caption"
    TEXT = "text"
    ITEM = "item"  # a bulleted list item


@dataclass(slots=True)
class Item:
    kind: Kind
    text: str
    value: str | None = None
    extra: str | None = None  # a byline's date (ISO), "item" for a list item


@dataclass(slots=True)
class Draft:
    """An article before it gets its doc id: what the cleaner found in the text."""

    title: str | None
    paragraphs: list[str] = field(default_factory=list)
    date: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None


def strip_controls(text: str) -> str:
    """``text`` without :data:`CONTROL_CHARACTERS` (NUL, ESC, C1, bidi overrides...)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def normalize_space(text: str) -> str:
    """Delete control characters and bidi overrides (:func:`strip_controls`), then strip and
    collapse runs of horizontal whitespace (incl. no-break spaces) to one space."""
    if text.isprintable() and "  " not in text:
        # Every character the two patterns change is a control, format or space character
        # (Cc, Cf, Zs), none printable but " ": so only a double space could change here.
        # The usual paragraph, checked in C instead of by the patterns.
        return text.strip()
    return _HSPACE_CHANGE.sub(" ", strip_controls(text)).strip()


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with final punctuation, ignoring closing quotes/brackets."""
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_sentence(text: str) -> bool:
    return ends_sentence(text) and len(text.split()) >= 4


def _is_heading(text: str) -> bool:
    return not ends_sentence(text) and len(text.split()) <= HEADING_MAX_WORDS


def _parse_byline(line: str) -> tuple[str, str | None] | None:
    """``"By Editorial Board April 18"`` -> ``("Editorial Board", "April 18")``."""
    match = _BYLINE.fullmatch(line)
    if match is None or ends_sentence(line):
        return None
    words = match.group("rest").replace("|", " ").split()
    for cut in range(len(words), 0, -1):
        author, tail = words[:cut], " ".join(words[cut:]).strip(" ,-–")
        if tail and not looks_like_date(tail):
            continue
        names = " ".join(author).split(",")[0].split()  # "By X, Reuters" -> "X"
        if len(names) <= 6 and all(_NAME_WORD.fullmatch(w) for w in names):
            return " ".join(names), tail or None
    return None


def classify(line: str, *, day_first: bool = True) -> Item:
    """Classify one whitespace-normalised, non-empty line (``day_first``: how 03/04/2018
    reads)."""
    if any(p.fullmatch(line) for p in FOOTER_PATTERNS):
        return Item(Kind.FOOTER, line)
    if len(line) <= 80 and looks_like_date(line, day_first=day_first):
        return Item(Kind.DATE, line, normalize_date(line, day_first=day_first))
    for pattern, source in TAGLINE_SOURCES:
        if pattern.fullmatch(line):
            return Item(Kind.SOURCE, line, source)
    if any(p.fullmatch(line) for p in BOILERPLATE_PATTERNS):
        return Item(Kind.BOILER, line)
    if match := _SOURCE_LINE.fullmatch(line):
        return Item(Kind.SOURCE, line, match.group("source").rstrip(". "))
    if byline := _parse_byline(line):
        when = normalize_date(byline[1], day_first=day_first) if byline[1] else None
        return Item(Kind.BYLINE, line, byline[0], when)
    if any(p.fullmatch(line) for p in _CAPTION):
        return Item(Kind.CAPTION, line)
    if bullet := _BULLET.fullmatch(line):
        return Item(Kind.ITEM, line, bullet.group("item"))
    return Item(Kind.TEXT, line)


def _run_to_paragraphs(run: list[str]) -> list[str]:
    """Turn consecutive text lines (no blank line between them) into paragraphs."""
    if len(run) > 1:
        inner = run[:-1]
        finished = sum(ends_sentence(line) for line in inner)
        wrapped = (
            all(len(line) <= WRAP_MAX_CHARS for line in run)
            and all(len(line) >= 30 for line in inner)
            and finished * 2 < len(inner)
        )
        if wrapped:
            return [" ".join(run)]
    paragraphs: list[str] = []
    for line in run:
        attribution = line.startswith(_DASHES)
        continuation = line[:1].islower() and bool(paragraphs) and not ends_sentence(paragraphs[-1])
        if paragraphs and (attribution or continuation):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return paragraphs


def _items(text: str, day_first: bool) -> list[Item]:
    """Classify every line; text runs between blank/non-text lines become paragraph items."""
    items: list[Item] = []
    run: list[str] = []

    def flush() -> None:
        for para in _run_to_paragraphs(run):
            if para.startswith(_DASHES) and items and items[-1].kind is Kind.TEXT:
                items[-1].text = f"{items[-1].text} {para}"  # attribution after a blank line
            else:
                items.append(Item(Kind.TEXT, para))
        run.clear()

    for raw in text.splitlines():
        line = normalize_space(raw)
        if not line:
            flush()
            continue
        item = classify(line, day_first=day_first)
        if item.kind is Kind.TEXT:
            run.append(line)
        elif item.kind is Kind.ITEM:
            flush()
            items.append(Item(Kind.TEXT, item.value or line, extra="item"))
        else:
            flush()
            items.append(item)
    flush()
    return items


def _segments(items: list[Item]) -> list[list[Item]]:
    segments: list[list[Item]] = [[]]
    for item in items:
        if item.kind is Kind.FOOTER:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(item)
    return [s for s in segments if s]


def _is_outlet(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(_OUTLET_WORD.fullmatch(w) for w in words)


def _is_question_title(segment: list[Item], first: Item, *, opens_file: bool) -> bool:
    """A short question, exclamation or trailing-off line ("Will Idlib fall?", "Ministers
    defend plan…") is a headline, not the first paragraph: when a date, byline, caption or
    source line follows it, or when it opens the file and two paragraphs follow."""
    at = segment.index(first)
    after = segment[at + 1 : at + 2]
    short = (first.text.rstrip(_CLOSERS + " ").endswith(("?", "!", "…", "..."))
             and len(first.text.split()) <= 15 and first.extra != "item")
    if not short:
        return False
    if after and after[0].kind in (Kind.DATE, Kind.BYLINE, Kind.SOURCE, Kind.CAPTION,
                                   Kind.BOILER):
        return True
    texts = [i for i in segment[at + 1 :] if i.kind is Kind.TEXT]
    return opens_file and at == 0 and len(texts) >= 2


def _header_and_body(segment: list[Item], title_hint: str | None, *,
                     opens_file: bool = False) -> tuple[list[str], list[str]]:
    """The segment's text items split where the first full sentence (or list item) starts:
    the lines before it (headline, standfirst) and the body from it on. The header's last
    line is the body's lead when it is long (a real opening sentence without its full
    stop), unless it is the headline itself or the only header line."""
    texts = [i for i in segment if i.kind is Kind.TEXT]
    start = next((n for n, i in enumerate(texts) if _is_sentence(i.text) or i.extra == "item"),
                 len(texts))
    if (start == 0 and texts and title_hint is None
            and _is_question_title(segment, texts[0], opens_file=opens_file)):
        start = 1
    header = [i.text for i in texts[:start]]
    if start < len(texts) and _is_lead(header, title_hint):
        start -= 1
    return [i.text for i in texts[:start]], [i.text for i in texts[start:]]


def _is_lead(header: list[str], title_hint: str | None) -> bool:
    """Whether the header's last line opens the body (see :func:`_header_and_body`)."""
    if not header or (title_hint is None and len(header) < 2):
        return False
    last = header[-1]
    titles = {h.casefold() for h in header[:-1]} | {(title_hint or "").casefold()}
    return (len(last.split()) >= LEAD_MIN_WORDS and last.casefold() not in titles
            and last[:1].isupper() and len(header) <= 2)


def _title(header: list[str], body: list[str], title_hint: str | None) -> str | None:
    """The hint, else the first header line that appears again (a headline repeated in the
    capture), else the first header line."""
    if title_hint is not None or not header:
        return title_hint
    seen = [h.casefold() for h in [*header, *body]]
    repeated = [h for h in header if seen.count(h.casefold()) > 1]
    return (repeated or header)[0]


def _read_fields(draft: Draft, segment: list[Item]) -> None:
    """The first date, source and byline of the segment (a byline's date if no date line)."""
    for item in segment:
        if item.kind is Kind.DATE and draft.date is None:
            draft.date = item.value
        elif item.kind is Kind.SOURCE and draft.source is None:
            draft.source = item.value
        elif item.kind is Kind.BYLINE and draft.author is None:
            draft.author = item.value
            if draft.date is None and item.extra:
                draft.date = item.extra


def _drop_trailing_outlet(body: list[str]) -> None:
    """A short Title Case line after the last paragraph ("Middle East Eye", but just as
    often a referee's name or a film title) is dropped from ``body``; it is never taken for
    the source, which comes only from an explicit signal (a ``Source:`` line, a tagline,
    metadata)."""
    if len(body) > 1 and _is_heading(body[-1]) and _is_outlet(body[-1]):
        body.pop()


def _draft(segment: list[Item], title_hint: str | None, *, opens_file: bool) -> Draft:
    header, body = _header_and_body(segment, title_hint, opens_file=opens_file)
    title = _title(header, body, title_hint)
    draft = Draft(title=title)
    _read_fields(draft, segment)
    _drop_trailing_outlet(body)
    items = {i.text for i in segment if i.kind is Kind.TEXT and i.extra == "item"}
    folded_title = (title or "").casefold()
    lead = body[0] if body and not _is_sentence(body[0]) and body[0] not in items else None
    draft.paragraphs = [p for p in body if (p in items or p is lead or not _is_heading(p))
                        and p.casefold() != folded_title]
    return draft


def parse_capture(text: str, title_hint: str | None = None, *,
                  day_first: bool = True) -> list[Draft]:
    """Split cleaned-up capture text into article drafts (those with body paragraphs only).

    ``title_hint`` (from markdown front matter or a heading) names the first article's
    title; ``day_first`` says how a numeric date line (03/04/2018) reads.
    """
    drafts: list[Draft] = []
    for number, segment in enumerate(_segments(_items(text, day_first))):
        draft = _draft(segment, title_hint if number == 0 else None, opens_file=number == 0)
        # Text after a footer is a further article only with two or more paragraphs.
        if draft.paragraphs and (not drafts or len(draft.paragraphs) >= 2):
            drafts.append(draft)
    return drafts

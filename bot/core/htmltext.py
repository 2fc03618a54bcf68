"""HTML pages to our paragraphs and metadata, through trafilatura.

:func:`extract_html` lets trafilatura find the main text (boilerplate, navigation, comments,
teasers removed) and read the metadata (title, author, site name, URL from meta tags,
OpenGraph, JSON-LD and ``itemprop``; the date through htmldate), then turns trafilatura's
XML body into paragraphs: each ``<p>``, heading, list item, quotation and table row is one
paragraph (a ``<br>`` blank line splits one), lines that are page furniture (share and
sign-up prompts, deals, menus, a date or byline alone) are dropped, and the title is not
repeated as a paragraph. A page trafilatura finds no text in gets its ``<p>``/``<li>`` text
from trafilatura's baseline extractor, so a very small page is never empty.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.core.cleaning import Kind, classify, ends_sentence, normalize_space

__all__ = ["FURNITURE_PATTERNS", "HtmlPage", "extract_html"]

# Lines of page furniture that trafilatura sometimes keeps (matched whole, lowercase).
FURNITURE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"(?:save|get|take)\s+(?:up\s+to\s+)?(?:\$|£|€)\s?\d[\d,.]*\b.{0,100}",  # SAVE $25 on ...
    r"(?:\$|£|€)\s?\d[\d,.]*\s+(?:at|from)\s+\S.{0,40}",  # "$159.99 at Shop"
    r"thanks? (?:you )?for (?:contacting us|signing up|subscribing|your submission).{0,120}",
    r"share (?:this|on|by|via)\b.{0,60}",
    r"(?:sign up|subscribe)\b.{0,80}\b(?:newsletter|inbox|briefing)\b.{0,80}",
    r"(?:subscribe (?:now|today|to continue)|already a subscriber|log ?in to continue).{0,100}",
    r"(?:last )?updated\s+\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago",
    r"\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago",
    r"we use cookies\b.{0,200}",
    r"(?:[^|]{1,30}\|){3,}[^|]{0,30}",  # "Home | News | World | ..." menus
    r"(?:image|photo|picture|video)\s*(?:source|credit)?\s*:\s*\S.{0,60}",
    r"(?:advertisement|sponsored|paid content|live|breaking|load more(?: posts)?)",
    r"(?:advertisement\s*[-–—:]?\s*)?(?:the )?(?:story|article) continues below"
    r"(?: (?:this )?(?:advertisement|ad))?",  # "Story continues below advertisement"
    r"(?:advertisement\s*[-–—]\s*)?continue reading(?: the main story| below)?",
    r"scroll (?:down )?to continue(?: with content)?",
))
_BLOCK_TAGS = frozenset({"p", "head", "item", "quote", "code", "list", "table", "row", "cell",
                         "div", "body", "doc", "main"})
_LEAF_BLOCKS = frozenset({"p", "head", "item", "code"})
_BLANK = re.compile(r"\n\s*\n")
_COPYRIGHT = r"(?:©|&copy;|&#169;|\(c\)|copyright)\s*(?:\d{{4}}\s*[-–]\s*)?{year}\b"
_CANONICAL = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""",
    re.IGNORECASE)
_DOCUMENT = re.compile(r"<(?:html|body|head)\b", re.IGNORECASE)
SHORT_LINE_WORDS = 3  # a line this short without final punctuation is page furniture


@dataclass(slots=True)
class HtmlPage:
    """What :func:`extract_html` found: title, body paragraphs and metadata fields."""

    title: str | None
    paragraphs: list[str] = field(default_factory=list)
    date: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None

    @property
    def meta(self) -> dict[str, str | None]:
        return {"date": self.date, "source": self.source, "author": self.author,
                "url": self.url}


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    tag: str  # the element it comes from: p, head, item, row...


# trafilatura (with lxml, htmldate, courlan) takes a quarter of a second to import: it is
# imported where a page is read, so commands that only query the index never pay for it.


@lru_cache(maxsize=1)
def _config() -> Any:
    """trafilatura's settings, read once per process (reading them cost 1.5 ms a page);
    never changed after this function returns them."""
    from trafilatura.settings import use_config

    config = use_config()
    # Small pages are articles too: without this, a page under 250 characters of text is
    # handed to the fallback extractors, which keep everything.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _inline(text: str | None) -> str:
    return text or ""


def _blocks(element: Any, tag: str | None = None) -> Iterator[_Block]:
    """The blocks of ``element``: its own inline text (``<lb/>`` as a line break) cut where a
    block child starts, then the child's blocks."""
    own = tag or element.tag
    if element.tag == "row" and not any(c.tag in _BLOCK_TAGS - {"cell"} for c in
                                        element.iter() if c is not element):
        cells = [" ".join("".join(cell.itertext()).split()) for cell in element]
        yield _Block(" ".join(c for c in cells if c), "row")
        return
    parts: list[str] = [_inline(element.text)]
    for child in element:
        if child.tag in _BLOCK_TAGS:
            yield _Block("".join(parts), own)
            parts = []
            yield from _blocks(child)
        elif child.tag == "lb":
            parts.append("\n")
        else:
            parts.append("".join(_text_with_breaks(child)))
        parts.append(_inline(child.tail))
    yield _Block("".join(parts), own)


def _text_with_breaks(element: Any) -> Iterator[str]:
    yield _inline(element.text)
    for child in element:
        if child.tag == "lb":
            yield "\n"
        else:
            yield from _text_with_breaks(child)
        yield _inline(child.tail)


def _paragraphs(blocks: Iterator[_Block]) -> Iterator[_Block]:
    """Blocks split at blank lines (``<br><br>``); single line breaks become spaces."""
    for block in blocks:
        for piece in _BLANK.split(block.text):
            text = normalize_space(" ".join(piece.split("\n")))
            if text:
                yield _Block(text, block.tag)


def _furniture(text: str) -> bool:
    return any(p.fullmatch(text) for p in FURNITURE_PATTERNS)


def _keep(page: HtmlPage, block: _Block, day_first: bool) -> bool:
    """Whether ``block`` is article text; a byline or ``Source:`` line fills the field."""
    text = block.text
    if page.title and text.casefold() == page.title.casefold():
        return False
    if _furniture(text):
        return False
    item = classify(text, day_first=day_first)
    if item.kind is Kind.SOURCE:
        page.source = page.source or item.value
        return False
    if item.kind is Kind.BYLINE:
        page.author = page.author or item.value
        page.date = page.date or item.extra
        return False
    if item.kind is Kind.DATE:
        page.date = page.date or item.value
        return False
    if item.kind in (Kind.BOILER, Kind.CAPTION, Kind.FOOTER):
        return False
    short = len(text.split()) <= SHORT_LINE_WORDS and not ends_sentence(text)
    return not (short and block.tag not in ("head", "item", "row"))


def _text(value: Any) -> str | None:
    return normalize_space(value) or None if isinstance(value, str) else None


def extract_html(text: str, *, url: str | None = None, day_first: bool = True) -> HtmlPage:
    """Title, body paragraphs and metadata of an HTML page (see the module docstring;
    ``day_first``: how a numeric date line of the text reads). Deterministic: the same page
    gives the same paragraphs."""
    import trafilatura
    from trafilatura.settings import set_date_params

    if not _DOCUMENT.search(text[:4096]):
        text = f"<html><body>{text}</body></html>"  # a fragment: lxml wants a document
    # htmldate without its "extensive" text search, which takes a copyright line's year
    # for a date (2024-01-01); a date line of the text itself is read below instead.
    doc = trafilatura.bare_extraction(
        text, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False, config=_config(),
        date_extraction_params=set_date_params(extensive=False))
    body = getattr(doc, "body", None)
    if body is None or not len(body):
        body, _, _ = trafilatura.baseline(text)
    page = HtmlPage(title=_text(getattr(doc, "title", None)),
                    date=_text(getattr(doc, "date", None)),
                    source=_text(getattr(doc, "sitename", None)),
                    author=_text(getattr(doc, "author", None)),
                    url=_canonical(text) or _text(getattr(doc, "url", None)) or url)
    page.paragraphs = [b.text for b in _paragraphs(_blocks(body)) if _keep(page, b, day_first)]
    if page.date is None:
        page.date = _text_date(text)
    return page


def _canonical(text: str) -> str | None:
    """The page's canonical link (it names the article; og:url is only the fallback)."""
    head = text[: max(text.lower().find("<body"), 0) or 65536]
    match = _CANONICAL.search(head)
    return normalize_space(html.unescape(match.group(1))) or None if match else None


def _text_date(text: str) -> str | None:
    """htmldate's extensive search (dates in the page's text), except the copyright-year
    guess it falls back on: a 1 January of a year the page has a copyright line for."""
    from htmldate import find_date
    from trafilatura.settings import set_date_params

    found = find_date(text, **set_date_params(extensive=True))
    if not isinstance(found, str):
        return None
    year, _, rest = found.partition("-")
    if rest == "01-01" and re.search(_COPYRIGHT.format(year=year), text, re.IGNORECASE):
        return None
    return found

"""HTML pages to text blocks and metadata: :func:`extract_html` collects ``<p>``/``<li>``
blocks (inside ``<article>`` when there is one), drops scripts, navigation, headers, footers
and asides, and reads the title, date, outlet, author and canonical URL from the markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.core.cleaning import normalize_space

_SKIP_TAGS = frozenset(
    {"script", "style", "nav", "header", "footer", "aside", "noscript", "template",
     "figcaption", "form", "button", "svg", "select", "iframe"}
)  # fmt: skip
_BREAK_TAGS = frozenset(
    {"div", "section", "article", "main", "body", "ul", "ol", "table", "tr", "blockquote",
     "h1", "h2", "h3", "h4", "h5", "h6", "figure"}
)  # fmt: skip
_META_FIELDS = {
    "article:published_time": "date",
    "og:site_name": "source",
    "author": "author",
    "og:url": "url",
}
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


@dataclass(slots=True)
class HtmlPage:
    """What :func:`extract_html` found: title, text blocks (``<p>``/``<li>``) and meta fields."""

    title: str | None
    blocks: list[str]
    meta: dict[str, str | None]


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.article_depth = 0
        self.block: list[str] | None = None
        self.block_in_article = False
        self.article_blocks: list[str] = []
        self.body_blocks: list[str] = []
        self.h1: dict[bool, str] = {}  # in <article>? -> first <h1> text
        self.heading: list[str] | None = None
        self.title: list[str] | None = None
        self.title_text: str | None = None
        self.meta: dict[str, str | None] = {}
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = (attr.get("property") or attr.get("name") or "").lower()
            if key in _META_FIELDS and attr.get("content", "").strip():
                self.meta.setdefault(_META_FIELDS[key], normalize_space(attr["content"]))
        elif tag == "link" and "canonical" in attr.get("rel", "").lower().split():
            self.canonical = self.canonical or normalize_space(attr.get("href") or "") or None
        elif tag == "time" and attr.get("datetime"):
            self.meta.setdefault("time", attr["datetime"].strip())
        elif tag == "br" and self.block is not None:
            self.block.append("\n")
        if tag in _SKIP_TAGS:
            self.skipping.append(tag)
        if tag in ("p", "li") or tag in _BREAK_TAGS:
            self._flush()
        if tag == "article":
            self.article_depth += 1
        if self.skipping and tag != "h1":
            return
        if tag in ("p", "li"):
            self.block, self.block_in_article = [], self.article_depth > 0
        elif tag == "h1" and self.skipping[-1:] in ([], ["header"]):
            self.heading = []
        elif tag == "title":
            self.title = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        if tag in ("p", "li") or tag in _BREAK_TAGS:
            self._flush()
        if tag == "article":
            self.article_depth = max(0, self.article_depth - 1)
        if tag == "h1" and self.heading is not None:
            text = normalize_space(_HTML_SPACE.sub(" ", "".join(self.heading)))
            if text:
                self.h1.setdefault(self.article_depth > 0, text)
            self.heading = None
        elif tag == "title" and self.title is not None:
            self.title_text = normalize_space(_HTML_SPACE.sub(" ", "".join(self.title))) or None
            self.title = None

    def handle_data(self, data: str) -> None:
        for sink in (self.heading, self.title):
            if sink is not None:
                sink.append(data)
        if self.block is not None and not self.skipping:
            self.block.append(_HTML_SPACE.sub(" ", data))

    def _flush(self) -> None:
        if self.block is None:
            return
        lines = [normalize_space(line) for line in "".join(self.block).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            (self.article_blocks if self.block_in_article else self.body_blocks).append(text)
        self.block = None


def extract_html(text: str) -> HtmlPage:
    """Title (``<h1>`` else ``<title>``), paragraph blocks and meta fields of an HTML page.

    Blocks come from ``<p>`` and ``<li>`` inside ``<article>`` when the page has one, else from
    the whole body; script/style/nav/header/footer/aside (and captions, forms) are dropped.
    """
    parser = _Extractor()
    parser.feed(text)
    parser.close()
    parser._flush()
    meta = dict(parser.meta)
    time_value = meta.pop("time", None)
    meta.setdefault("date", time_value)
    if parser.canonical:
        meta["url"] = parser.canonical
    title = parser.h1.get(True) or parser.h1.get(False)
    if title is None and parser.title_text:
        title = parser.title_text
        site = meta.get("source")
        for sep in (" | ", " - ", " – ", " — "):
            if site and title.endswith(sep + site):
                title = title[: -len(sep + site)]
    blocks = parser.article_blocks or parser.body_blocks
    return HtmlPage(title=title, blocks=blocks, meta=meta)

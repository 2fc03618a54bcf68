"""Pure rendering: core results to :class:`discord.Embed` pages inside Discord's limits.

Archive text is untrusted: :func:`escape` neutralises markdown and mention syntax before any
of it reaches an embed, and query terms are bolded by :func:`highlight` only after escaping.
Long text is cut by :func:`shorten` at a sentence or word boundary with an ellipsis. Citation
lines are atomic: a page keeps or drops a whole line, never a part of one; passage text gives
way instead. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import discord

from bot.core.answers import Answer, CitedSentence, QuoteMatch, Span
from bot.core.models import Citation, SearchHit, SearchResult

# Discord's documented limits.
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
CUSTOM_ID_MAX = 100
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
CHOICES_MAX = 25
THREAD_NAME_MAX = 100

ELLIPSIS = "…"
SNIPPET_MAX = 700  # longest passage shown per hit
MIN_SNIPPET = 160  # fewer hits on a page rather than passages shorter than this
CITATION_TITLE_MAX = 120
CITATION_PART_MAX = 60
SEPARATOR = "\n\n"
COLOUR = discord.Colour(0x3B6EA5)

Spans = Callable[[str], Sequence[tuple[int, int]]]


# -- text ------------------------------------------------------------------------------------

_MENTION_OPEN = re.compile(r"<(?=[@#/:]|a:|t:)")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_URL_OK = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_BARE_URL = re.compile(r"(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")  # as discord.utils
_MARKDOWN_CHAR = re.compile(r"[\\*_~|`\[\]]")
_LINE_START = re.compile(r"^(\s*)([>#-])", re.MULTILINE)  # quote, heading, list, subtext
_NUMBERED = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)


def _escape_plain(text: str) -> str:
    text = _MARKDOWN_CHAR.sub(r"\\\g<0>", text)
    return _NUMBERED.sub(r"\1\\.", _LINE_START.sub(r"\1\\\2", text))


def escape_markdown(text: str) -> str:
    """Backslash every markdown character (bare URLs kept whole, so they still link).

    Stricter than ``discord.utils.escape_markdown``, whose non-greedy-less link pattern
    swallows everything between the first ``[`` and the last ``)`` of a line unescaped
    (``"[a](b) **bold** [c](d)"`` keeps its bold and second link).
    """
    out: list[str] = []
    last = 0
    for match in _BARE_URL.finditer(text):
        out += [_escape_plain(text[last : match.start()]), match.group()]
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def escape(text: str) -> str:
    """Archive or user text made inert: no markdown, no mentions (``@`` gets a zero-width
    space, as does ``<`` before mention-like syntax such as ``<#1>`` or ``<t:...>``)."""
    text = escape_markdown(text)
    text = text.replace("@", "@\u200b")
    return _MENTION_OPEN.sub("<\u200b", text)


def highlight(text: str, spans: Sequence[tuple[int, int]] = ()) -> str:
    """:func:`escape` ``text``, then bold the character ``spans`` (query terms)."""
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last or end <= start or end > len(text):
            continue
        out += [escape(text[last:start]), "**", escape(text[start:end]), "**"]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def _balanced(kept: str) -> str:
    """Drop a dangling escape backslash or an unclosed ``**`` left by a hard cut."""
    trailing = len(kept) - len(kept.rstrip("\\"))
    if trailing % 2:
        kept = kept[:-1]
    if len(re.findall(r"(?<!\\)\*\*", kept)) % 2:
        kept = kept[: kept.rfind("**")]
    return kept.rstrip()


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut with an ellipsis at the last
    sentence end (when that keeps most of it), else at the last word boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[: max(limit, 0)]
    best = 0
    for match in _SENTENCE_END.finditer(text, 0, limit - 1):
        if match.end() <= limit - 2:
            best = match.end()
    if best >= limit * 0.6:
        return text[:best] + " " + ELLIPSIS
    space = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    kept = text[:space].rstrip() if space > 0 else ""
    if not kept or len(kept) < limit * 0.3:
        kept = _balanced(text[: limit - 1])
    return kept + ELLIPSIS


def oneline(text: str) -> str:
    return " ".join(text.split())


def content(text: str) -> str:
    """A plain message (a notice or an error) with outside text escaped, within 2000."""
    return shorten(escape(text), CONTENT_MAX)


def choice_name(text: str) -> str:
    """An autocomplete choice label (plain text, at most 100 characters)."""
    return shorten(oneline(text), CHOICE_NAME_MAX) or "?"


def thread_name(text: str) -> str:
    return shorten(oneline(text), THREAD_NAME_MAX) or "question"


def safe_url(url: str | None) -> str | None:
    if not url or len(url) > 512 or not _URL_OK.match(url):
        return None
    return url.replace("(", "%28").replace(")", "%29")


# -- citations -------------------------------------------------------------------------------


def citation_line(number: int, citation: Citation) -> str:
    """``**[n]** [Title](url) — Source, 2018-05-16, ¶3``; parts bounded, so never cut."""
    title = escape(shorten(oneline(citation.title or citation.doc_id), CITATION_TITLE_MAX))
    url = safe_url(citation.url)
    link_text = title.replace("]", "\\]")
    head = f"[{link_text}]({url})" if url else title
    parts = [escape(shorten(oneline(p), CITATION_PART_MAX))
             for p in (citation.source, citation.date or "undated") if p]
    where = ", ".join([*parts, f"¶{citation.paragraph}"])
    return f"**[{number}]** {head} — {where}"


class Numbering:
    """Citation numbers in order of first use, shared across the pages of one reply."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, int], int] = {}

    def number(self, citation: Citation) -> int:
        key = (citation.doc_id, citation.paragraph)
        return self._numbers.setdefault(key, len(self._numbers) + 1)


# -- page packing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One block: an atomic ``head`` line, then ``prefix + text + suffix`` (text cuttable)."""

    head: str
    text: str
    prefix: str = ""
    suffix: str = ""

    def fixed(self) -> int:
        return len(self.head) + 1 + len(self.prefix) + len(self.suffix)

    def render(self, room: int) -> str:
        return f"{self.head}\n{self.prefix}{shorten(self.text, max(room, 1))}{self.suffix}"


def item_pages(
    items: Sequence[Item], page_size: int, *, header: str = "", budget: int = DESCRIPTION_MAX
) -> list[str]:
    """Descriptions holding up to ``page_size`` items each; ``header`` opens the first."""
    pages: list[str] = []
    i = 0
    page_size = max(1, page_size)
    while i < len(items):
        top = header if not pages else ""
        k = min(page_size, len(items) - i)
        while True:
            chunk = items[i : i + k]
            fixed = len(top) + sum(it.fixed() for it in chunk) + len(SEPARATOR) * (k - 1)
            room = min(SNIPPET_MAX, (budget - fixed) // k)
            if room >= MIN_SNIPPET or k == 1:
                break
            k -= 1
        pages.append(top + SEPARATOR.join(it.render(room) for it in chunk))
        i += k
    return pages


def cited_pages(
    sentences: Sequence[CitedSentence],
    numbering: Numbering,
    *,
    header: str = "",
    budget: int = DESCRIPTION_MAX,
    bold: Sequence[Span | None] = (),
) -> list[str]:
    """Sentences, each marked ``[n]``, with the page's sources listed below them; ``bold``:
    per sentence, the phrase to show in bold (an ask's answer), or None."""
    pages: list[str] = []
    body: list[str] = []
    sources: dict[int, str] = {}

    def render(parts: list[str], cites: dict[int, str], top: str) -> str:
        listed = "\n".join(cites[n] for n in sorted(cites))
        return f"{top}{' '.join(parts)}{SEPARATOR}**Sources**\n{listed}"

    for k, sentence in enumerate(sentences):
        n = numbering.number(sentence.citation)
        marker = f" **[{n}]**"
        cites = sources if n in sources else {**sources, n: citation_line(n, sentence.citation)}
        phrase = bold[k] if k < len(bold) else None
        spans = [(phrase.start, phrase.end)] if phrase is not None else []
        text = oneline(highlight(sentence.text, spans)) + marker
        top = header if not pages else ""
        if body and len(render([*body, text], cites, top)) > budget:
            pages.append(render(body, sources, top))
            body, sources, top = [], {}, ""
            cites = {n: citation_line(n, sentence.citation)}
        room = budget - len(render([*body, ""], cites, top)) - len(marker) - 1
        if len(text) - len(marker) > room:
            text = shorten(escape(oneline(sentence.text)), room) + marker
        body.append(text)
        sources = cites
    if body:
        pages.append(render(body, sources, header if not pages else ""))
    return pages


# -- embeds ----------------------------------------------------------------------------------


def embeds(
    title: str, descriptions: Sequence[str], footer: str, *, url: str | None = None
) -> list[discord.Embed]:
    """One embed per page; the footer gains ``page i/n`` when there are several."""
    out = []
    total = len(descriptions)
    for i, description in enumerate(descriptions, start=1):
        embed = discord.Embed(
            title=shorten(title, TITLE_MAX), description=description[:DESCRIPTION_MAX],
            colour=COLOUR, url=safe_url(url),
        )
        text = footer + (f" · page {i}/{total}" if total > 1 else "")
        embed.set_footer(text=shorten(text, FOOTER_MAX))
        out.append(embed)
    return out


def read_as(pages: Sequence[discord.Embed], text: str) -> list[discord.Embed]:
    """Say how a follow-up was read (``Read as: …``, the embed's author line: plain text,
    no markdown or mentions there) on every page."""
    for page in pages:
        page.set_author(name=shorten(oneline("Read as: " + text), AUTHOR_MAX))
    return list(pages)


def with_context(pages: Sequence[discord.Embed], context: str) -> list[discord.Embed]:
    """``context`` (the lines a thread's follow-ups are read against) first in every
    page's footer; footers are plain text in Discord."""
    for page in pages:
        page.set_footer(text=shorten(f"{context}\n{page.footer.text or ''}", FOOTER_MAX))
    return list(pages)


def _footer(count: str, index_date: str | None) -> str:
    return count + (f" · index of {index_date[:10]}" if index_date else "")


def hit_item(number: int, hit: SearchHit, spans: Spans | None) -> Item:
    text = oneline(hit.text)
    return Item(citation_line(number, hit.citation),
                highlight(text, spans(text) if spans else ()), prefix="> ")


def search_pages(
    result: SearchResult,
    *,
    spans: Spans | None = None,
    page_size: int = 5,
    index_date: str | None = None,
    searched: int | None = None,
) -> list[discord.Embed]:
    title = "Search: " + escape(oneline(result.query))
    if not result.hits:
        where = f" (searched {searched} articles)" if searched is not None else ""
        text = f"No paragraph matches **{escape(oneline(result.query))}**{where}."
        return embeds(title, [shorten(text, DESCRIPTION_MAX)], _footer("0 results", index_date))
    items = [hit_item(n, h, spans) for n, h in enumerate(result.hits, start=1)]
    count = f"{len(result.hits)} of {result.total} matching paragraphs"
    if result.shards is not None and result.shards.partial:  # the others' are missing
        count += f" · {result.shards.describe()}"
    return embeds(title, item_pages(items, page_size), _footer(count, index_date))


def answer_pages(
    answer: Answer,
    *,
    spans: Spans | None = None,
    page_size: int = 5,
    index_date: str | None = None,
) -> list[discord.Embed]:
    """The cited answer first, then the passages it drew on; or the message, then the
    closest passages, when nothing good enough was found."""
    title = "Q: " + escape(oneline(answer.question))
    numbering = Numbering()
    pages: list[str] = []
    if answer.found and answer.sentences:
        pages += cited_pages(answer.sentences, numbering, bold=answer.bold)
        header = "**Passages**" + SEPARATOR
    else:
        message = answer.message or "I could not find an answer in the archive."
        header = shorten(escape(message), 1500) + SEPARATOR
        if answer.passages:
            header += "**Closest passages**" + SEPARATOR
    items = [hit_item(numbering.number(h.citation), h, spans) for h in answer.passages]
    pages += item_pages(items, page_size, header=header) if items else []
    if not pages:
        pages = [header.strip()]
    first, last = answer.date_range
    dates = f" ({first or '…'} to {last or '…'})" if first or last else ""
    count = f"Searched {answer.searched_articles} articles{dates}"
    return embeds(title, pages, _footer(count, index_date))


def summary_pages(
    sentences: Sequence[CitedSentence],
    *,
    title: str,
    url: str | None = None,
    index_date: str | None = None,
    empty: str = "Nothing to summarise.",
) -> list[discord.Embed]:
    pages = cited_pages(sentences, Numbering()) or [escape(empty)]
    footer = _footer(f"{len(sentences)} sentences", index_date)
    return embeds("Summary: " + escape(oneline(title)), pages, footer, url=url)


def _quote_item(head: str, who: str, m: QuoteMatch) -> Item:
    """Only verbatim words go between quotation marks: a reported statement is shown as
    "X said that …" with a label, a fragment labelled as quoted in reported speech."""
    words = escape(oneline(m.quote))
    if m.kind == "reported":
        return Item(f"{head} · reported, not verbatim", words,
                    prefix=f"> {who if m.speaker else 'Someone'} said that ", suffix="")
    if m.kind == "fragment":
        return Item(f"{head} · phrase quoted in reported speech", words, prefix="> “",
                    suffix="”")
    return Item(head, words, prefix="> “", suffix="”")


def quote_pages(
    matches: Sequence[QuoteMatch],
    *,
    query: str,
    page_size: int = 5,
    index_date: str | None = None,
) -> list[discord.Embed]:
    title = "Quotes: " + escape(oneline(query))
    if not matches:
        return embeds(title, ["No matching quote in the archive."], _footer("0 quotes", index_date))
    numbering = Numbering()
    items = []
    for m in matches:
        c = Citation(m.doc_id, m.title, m.source, m.date, m.paragraph)
        who = escape(shorten(oneline(m.speaker), CITATION_PART_MAX)) if m.speaker else "unknown"
        head = f"{citation_line(numbering.number(c), c)} · {who} · {m.match:.0f}% match"
        items.append(_quote_item(head, who, m))
    footer = _footer(f"{len(matches)} quotes", index_date)
    return embeds(title, item_pages(items, page_size), footer)


def limit_problems(
    embeds_: Sequence[discord.Embed], text: str | None = None
) -> list[str]:
    """Every Discord limit one message with these embeds (and content) would break."""
    out = []
    if text is not None and len(text) > CONTENT_MAX:
        out.append(f"content {len(text)} > {CONTENT_MAX}")
    if len(embeds_) > EMBEDS_MAX:
        out.append(f"{len(embeds_)} embeds > {EMBEDS_MAX}")
    for e in embeds_:
        for name, value, limit in (("title", e.title, TITLE_MAX),
                                   ("description", e.description, DESCRIPTION_MAX),
                                   ("footer", e.footer.text, FOOTER_MAX),
                                   ("author", e.author.name, AUTHOR_MAX)):
            if value and len(value) > limit:
                out.append(f"{name} {len(value)} > {limit}")
        if len(e.fields) > FIELDS_MAX:
            out.append(f"{len(e.fields)} fields > {FIELDS_MAX}")
        for f in e.fields:
            if len(f.name or "") > FIELD_NAME_MAX or len(f.value or "") > FIELD_VALUE_MAX:
                out.append(f"field {f.name!r} too long")
    total = sum(len(e) for e in embeds_)
    if total > EMBED_TOTAL_MAX:
        out.append(f"embeds total {total} > {EMBED_TOTAL_MAX}")
    return out

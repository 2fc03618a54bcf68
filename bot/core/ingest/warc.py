"""Web archives: the HTML pages of a ``.warc`` / ``.warc.gz`` file as articles (FastWARC).

Each ``response`` (or ``resource``) record holding an HTML page becomes an article: its
``doc_id`` is the file's id and the record's position (``crawl#17``), its URL the record's
target URI, its date the page's own (metadata, htmldate) or else the record's ``WARC-Date``.
Everything else is skipped and counted, one report line per reason: request, metadata and
warcinfo records, redirects and other non-200 responses, non-HTML payloads (images, CSS,
scripts), and payloads already seen in the file (the same payload digest). A record that
cannot be read ends the file there, reported; the pages before it are kept.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from bot.core.cleaning import normalize_space
from bot.core.htmltext import extract_html
from bot.core.ingest.encoding import decode
from bot.core.models import Article, Skipped
from bot.errors import IngestError

__all__ = ["WarcResult", "parse_warc"]

log = logging.getLogger(__name__)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_EXAMPLES = 3  # URIs named per skip reason


@dataclass(slots=True)
class WarcResult:
    """The file's articles and its skips (one per reason, with a count and examples)."""

    articles: list[Article] = field(default_factory=list)
    skips: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # encodings assumed, per record

    def skip(self, reason: str, uri: str) -> None:
        self.skips.setdefault(reason, []).append(uri)

    def skipped(self, rel: str) -> list[Skipped]:
        out = []
        for reason in sorted(self.skips):
            uris = self.skips[reason]
            shown = ", ".join(u for u in uris[:_EXAMPLES] if u)
            more = f", +{len(uris) - _EXAMPLES} more" if len(uris) > _EXAMPLES else ""
            label = "record" if len(uris) == 1 else "records"
            out.append(Skipped(rel, f"{len(uris)} WARC {label} skipped: {reason}"
                                    + (f" ({shown}{more})" if shown else "")))
        return out


def _digest(record: Any, payload: bytes) -> str:
    declared = record.headers.get("WARC-Payload-Digest")
    if declared:
        return str(declared).strip()
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def _why_not_a_page(record: Any) -> str | None:
    from fastwarc.warc import WarcRecordType

    if record.record_type not in (WarcRecordType.response, WarcRecordType.resource):
        return f"{record.record_type} record, not a page"
    if record.record_type == WarcRecordType.response:
        if not record.is_http:
            return "response without an HTTP message"
        status = record.http_headers.status_code
        if 300 <= status < 400:
            return f"redirect (HTTP {status})"
        if status != 200:
            return f"HTTP status {status}"
        content_type = (record.http_content_type or "").lower()
    else:
        content_type = str(record.headers.get("Content-Type") or "").split(";")[0].lower()
    if content_type.strip() not in _HTML_TYPES:
        return f"not HTML ({content_type.strip() or 'no content type'})"
    return None


def _text(record: Any, payload: bytes, result: WarcResult, uri: str) -> str:
    from fastwarc.warc import WarcRecordType

    charset = record.http_charset if record.record_type == WarcRecordType.response else None
    if charset:
        try:
            return payload.decode(str(charset)).replace("\r\n", "\n")
        except (LookupError, UnicodeDecodeError):
            pass
    decoded = decode(payload, html=True)
    if (note := decoded.note()) is not None:
        result.notes.append(f"{uri}: {note}")
    return decoded.text


def _article(record: Any, payload: bytes, result: WarcResult, doc_id: str, rel: str,
             uri: str, day_first: bool) -> Article | None:
    try:
        text = _text(record, payload, result, uri)
    except IngestError as exc:
        result.skip(exc.reason, uri)
        return None
    page = extract_html(text, url=uri or None, day_first=day_first)
    if not page.paragraphs:
        result.skip("no body paragraphs", uri)
        return None
    record_date = record.record_date.date().isoformat() if record.record_date else None
    return Article(doc_id=doc_id, title=page.title or uri or doc_id,
                   paragraphs=tuple(page.paragraphs), path=rel,
                   date=page.date or record_date, source=page.source, author=page.author,
                   url=uri or page.url)


def _iterate(stream: BinaryIO, base: str, rel: str, day_first: bool,
             on_page: Callable[[int], None] | None) -> WarcResult:
    result = WarcResult()
    seen: set[str] = set()
    number = 0
    try:
        from fastwarc.warc import ArchiveIterator  # imported when a web archive is read

        for number, record in enumerate(ArchiveIterator(stream, parse_http=True), start=1):
            uri = normalize_space(str(record.headers.get("WARC-Target-URI") or ""))
            reason = _why_not_a_page(record)
            if reason is not None:
                result.skip(reason, uri)
                continue
            payload = record.reader.read()
            digest = _digest(record, payload)
            if digest in seen:
                result.skip("duplicate payload (same digest as an earlier record)", uri)
                continue
            seen.add(digest)
            try:
                article = _article(record, payload, result, f"{base}#{number}", rel, uri,
                                   day_first)
            except RecursionError:
                result.skip("nested too deeply to parse", uri)
                continue
            except Exception as exc:  # one record's fault boundary: the file goes on
                log.exception("%s: record %d (%s) failed", rel, number, uri)
                result.skip(f"could not be parsed ({type(exc).__name__})", uri)
                continue
            if article is not None:
                result.articles.append(article)
                if on_page is not None:
                    on_page(len(result.articles))
    except (OSError, ValueError) as exc:
        result.skip(f"unreadable after record {number}, the rest of the file is lost "
                    f"({exc})", "")
    if number == 0:
        raise IngestError("not a WARC file (no record could be read)")
    return result


def parse_warc(data: bytes, base: str, rel: str, *, day_first: bool = True,
               on_page: Callable[[int], None] | None = None) -> WarcResult:
    """The articles of a WARC file's bytes (gzip-compressed or not; see the module
    docstring). Raises :class:`IngestError` when not one record can be read."""
    if not data:
        raise IngestError("empty file")
    return _iterate(io.BytesIO(data), base, rel, day_first, on_page)

"""Parsing one archive file into articles, by format.

Supported files (suffix, any case; each also gzip-compressed, ``.html.gz``...): ``.txt`` raw
web captures (cleaned by :mod:`bot.core.cleaning`), ``.md``/``.markdown`` (optional YAML
front matter, ``# Title``), ``.html``/``.htm`` (trafilatura, :mod:`bot.core.htmltext`),
``.jsonl`` (one article per line) and ``.warc`` web archives (:mod:`.warc`). Text that is
not UTF-8 is decoded as the page declares or as detected (:mod:`.encoding`), and the
encoding assumed is logged once for the file.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.core.cleaning import Draft, normalize_space, parse_capture, strip_controls
from bot.core.dates import normalize_date
from bot.core.htmltext import extract_html
from bot.core.ingest.encoding import decode
from bot.core.ingest.ids import DocIds
from bot.core.ingest.listing import archive_suffix
from bot.core.ingest.metadata import METADATA_FIELDS
from bot.core.ingest.warc import parse_warc
from bot.core.ingest.yamlnodes import node_key, node_text, yaml_root
from bot.core.models import Article, Skipped
from bot.errors import IngestError

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL
)
_MD_HEADING = re.compile(r"#{1,6}(?:\s+(?P<text>.*?))?\s*#*\s*")
MAX_DECOMPRESSED_BYTES = 1 << 30  # a .gz that inflates past this is not an archive file


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_DECOMPRESSED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"not gzip data ({exc})") from None
    if len(out) > MAX_DECOMPRESSED_BYTES:
        raise IngestError(f"decompresses to over {MAX_DECOMPRESSED_BYTES >> 20} MiB")
    return out


def _text(data: bytes, rel: str, *, html: bool = False,
          notes: list[str] | None = None) -> str:
    decoded = decode(data, html=html)
    if (note := decoded.note()) is not None:
        log.warning("%s: %s", rel, note)
        if notes is not None:
            notes.append(note)
    return decoded.text


def doc_base(rel: str, suffix: str) -> str:
    """The stem of the ids given to a file's articles that have none."""
    return strip_controls(rel[: len(rel) - len(suffix)])


def parse_file(
    path: Path, root: Path, data: bytes | None = None, *, day_first: bool = True,
    notes: list[str] | None = None,
) -> tuple[list[Article], list[Skipped]]:
    """Parse one archive file into articles (and, for jsonl and WARC, the lines and records
    it had to skip). ``day_first``: how a numeric date (03/04/2018) reads; ``notes``, when
    given, receives what reading the file assumed (an encoding other than UTF-8), once each.

    Paragraphs are not capped here (see :func:`cap_paragraphs`). Raises
    :class:`IngestError` when the whole file is unusable.
    """
    rel = _relpath(path, root)
    suffix = archive_suffix(path.name)
    if suffix is None:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
    base = doc_base(rel, suffix)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"cannot read file ({exc.strerror or exc})") from None
    if suffix.endswith(".gz"):
        data, suffix = _gunzip(data), suffix[: -len(".gz")]
    if suffix == ".warc":
        result = parse_warc(data, base, rel, day_first=day_first)
        for note in dict.fromkeys(result.notes):
            log.warning("%s: %s", rel, note)
            if notes is not None:
                notes.append(note)
        if not result.articles and not result.skips:
            raise IngestError("no HTML pages in this web archive")
        return result.articles, result.skipped(rel)
    text = _text(data, rel, html=suffix in (".html", ".htm"), notes=notes)
    if suffix == ".jsonl":
        return _parse_jsonl(text, rel, base, day_first)
    if suffix in (".md", ".markdown"):
        drafts = _parse_markdown(text, day_first)
    elif suffix in (".html", ".htm"):
        drafts = _parse_html(text, day_first)
    else:
        drafts = parse_capture(text, day_first=day_first)
    if not drafts:
        raise IngestError("no body paragraphs (only headings or boilerplate)")
    articles = [
        _article(draft, base if n == 1 else f"{base}#{n}", rel)
        for n, draft in enumerate(drafts, start=1)
    ]
    return articles, []


def _article(draft: Draft, doc_id: str, rel: str) -> Article:
    return Article(
        doc_id=doc_id,
        title=draft.title or doc_id,
        paragraphs=tuple(draft.paragraphs),
        path=rel,
        date=draft.date,
        source=draft.source,
        author=draft.author,
        url=draft.url,
    )


def _parse_markdown(text: str, day_first: bool) -> list[Draft]:
    front: dict[str, str | None] = {}
    if match := _FRONT_MATTER.match(text):
        try:
            root = yaml_root(match.group("yaml") or "")
        except IngestError as exc:  # its line counts from the line after the opening ---
            at = exc.line + 1 if exc.line is not None else None
            raise IngestError(f"front matter: {exc.reason}", at) from None
        if root is not None and not isinstance(root, yaml.MappingNode):
            raise IngestError("front matter is not a mapping of fields")
        for key_node, value_node in root.value if root is not None else ():
            key = node_key(key_node)
            if key in METADATA_FIELDS:  # other keys (tags, layout...) are ignored
                try:
                    front[key] = node_text(value_node)
                except IngestError as exc:
                    raise IngestError(f"front matter field {key!r}: {exc.reason}") from None
        text = text[match.end() :]
    title: str | None = None
    lines: list[str] = []
    for line in text.split("\n"):
        heading = _MD_HEADING.fullmatch(line.strip())
        if heading is None:
            lines.append(line)
            continue
        # A heading line is never a body paragraph; the first level-1 heading is the title.
        if title is None and line.lstrip().startswith("# ") and heading.group("text"):
            title = normalize_space(heading.group("text"))
        lines.append("")
    drafts = parse_capture("\n".join(lines), title_hint=front.get("title") or title,
                           day_first=day_first)
    if drafts:
        drafts[0] = _overlay(drafts[0], front, day_first)
    return drafts


def _parse_html(text: str, day_first: bool) -> list[Draft]:
    """One page, one article (never split like a capture): trafilatura's text and fields."""
    page = extract_html(text, day_first=day_first)
    if not page.paragraphs:
        return []
    draft = Draft(title=page.title, paragraphs=page.paragraphs)
    return [_overlay(draft, page.meta, day_first)]


def _overlay(draft: Draft, fields: dict[str, str | None], day_first: bool) -> Draft:
    """Explicit markup (front matter, meta tags) beats what the cleaner guessed; a date
    that is not one keeps the cleaner's."""
    for name, value in fields.items():
        if name == "date":
            value = normalize_date(value, day_first=day_first) if value else None
        if value:
            setattr(draft, name, value)
    return draft


def _parse_jsonl(text: str, rel: str, base: str,
                 day_first: bool) -> tuple[list[Article], list[Skipped]]:
    articles: list[Article] = []
    skipped: list[Skipped] = []
    ids = DocIds()
    for number, article in jsonl_articles(text, rel, base, day_first, skipped):
        duplicate = ids.claim(article.doc_id, rel, number)
        if duplicate is not None:
            skipped.append(duplicate)
            continue
        articles.append(article)
    return articles, skipped


def jsonl_articles(text: str, rel: str, base: str, day_first: bool, skipped: list[Skipped],
                   first_line: int = 1) -> Iterator[tuple[int, Article]]:
    """Each article of the jsonl ``text`` (newlines normalised) with its line number, the
    first line numbered ``first_line``; a malformed line goes to ``skipped``. Ids are not
    checked for duplicates here. Lines are found one at a time (no list of every line: a
    large file's text is not held twice)."""
    at, end, number = 0, len(text), first_line
    while at < end:
        stop = text.find("\n", at)
        if stop < 0:
            stop = end
        line = text[at:stop]
        if line.strip():
            try:
                yield number, _jsonl_article(line, rel, f"{base}#{number}", day_first)
            except IngestError as exc:
                skipped.append(Skipped(rel, exc.reason, number))
        at, number = stop + 1, number + 1


def _jsonl_record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise IngestError("invalid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}")
    return record


def _jsonl_id(raw_id: Any, default_id: str) -> str:
    if raw_id is None or raw_id == "":
        return default_id
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise IngestError("field 'id' must be a string or an integer")
    doc_id = strip_controls(str(raw_id)).strip()
    if not doc_id:
        raise IngestError("field 'id' holds no visible characters")
    return doc_id


def _jsonl_paragraphs(body: Any) -> list[str]:
    if not isinstance(body, str):
        raise IngestError("missing 'text' field" if body is None else "field 'text' is not text")
    paragraphs = [normalize_space(" ".join(block.split("\n"))) for block in _blocks(body)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise IngestError("empty 'text' field")
    return paragraphs


def _jsonl_article(line: str, rel: str, default_id: str, day_first: bool) -> Article:
    record = _jsonl_record(line)
    doc_id = _jsonl_id(record.get("id"), default_id)
    fields = {name: _scalar(record.get(name), f"field {name!r}") for name in METADATA_FIELDS}
    paragraphs = _jsonl_paragraphs(record.get("text"))
    date = fields["date"]
    return Article(
        doc_id=doc_id,
        title=normalize_space(fields["title"] or "") or doc_id,
        paragraphs=tuple(paragraphs),
        path=rel,
        date=normalize_date(date, day_first=day_first) if date else None,
        source=fields["source"] or None,
        author=fields["author"] or None,
        url=fields["url"] or None,
    )


def _blocks(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; a text with no blank line but several lines
    has one paragraph per line (exports that write paragraphs on single newlines)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = "\n".join(lines).strip("\n")
    if "\n\n" not in joined:
        return joined.split("\n")
    return joined.split("\n\n")


def _scalar(value: Any, what: str) -> str | None:
    """A JSON field's value as text."""
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return normalize_space(str(value))
    raise IngestError(f"{what} must be text, got {type(value).__name__}")


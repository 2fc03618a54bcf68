"""Ingestion: turn an archive folder into :class:`~bot.core.models.Article` objects.

Supported files (suffix, any case): ``.txt`` raw web captures (cleaned by
:mod:`bot.core.cleaning`), ``.md``/``.markdown`` (optional YAML front matter, ``# Title``),
``.html``/``.htm`` (stdlib parser, meta tags) and ``.jsonl`` (one article per line).
A file that cannot be used is reported as :class:`~bot.core.models.Skipped` and the rest of the
archive is still ingested. A metadata file (YAML or JSON) may override per-document fields.

Pure module: no I/O at import time, no discord.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as _dt
import json
import logging
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bot.core.cleaning import Draft, normalize_space, parse_capture
from bot.core.dates import normalize_date
from bot.core.errors import IngestError
from bot.core.htmltext import extract_html
from bot.core.models import Article, IngestReport, Skipped

__all__ = [
    "METADATA_FIELDS",
    "SUFFIXES",
    "apply_metadata",
    "ingest_archive",
    "iter_archive_files",
    "load_metadata",
    "normalize_date",
    "parse_file",
]

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"})
METADATA_FIELDS = ("title", "date", "source", "author", "url")
DEFAULT_METADATA_NAMES = ("metadata.yaml", "metadata.yml", "metadata.json")
_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL
)
_MD_HEADING = re.compile(r"#{1,6}(?:\s+(?P<text>.*?))?\s*#*\s*")


def iter_archive_files(root: Path, metadata_file: Path | None = None) -> list[Path]:
    """Candidate article files under ``root``, sorted by relative POSIX path.

    Hidden files and folders, ``README.*`` files and the metadata file itself are left out.
    """
    skip = metadata_file.resolve() if metadata_file is not None else None
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder, name)
            if (
                name.startswith(".")
                or name.casefold().startswith("readme.")
                or path.suffix.lower() not in SUFFIXES
                or not path.is_file()
                or (skip is not None and path.resolve() == skip)
            ):
                continue
            found.append((_relpath(path, root), path))
    return [path for _, path in sorted(found)]


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _decode(data: bytes) -> str:
    if not data:
        raise IngestError("empty file")
    if b"\x00" in data:
        raise IngestError("binary file (contains NUL bytes), not text")
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        where = exc.start + offset
        raise IngestError(f"not UTF-8 text (byte 0x{data[where]:02x} at offset {where})") from None
    if not text.strip():
        raise IngestError("file holds only whitespace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_file(
    path: Path, root: Path, data: bytes | None = None
) -> tuple[list[Article], list[Skipped]]:
    """Parse one archive file into articles (and, for jsonl, the lines it had to skip).

    Raises :class:`IngestError` when the whole file is unusable.
    """
    rel = _relpath(path, root)
    base = str(PurePosixPath(rel).with_suffix(""))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"cannot read file ({exc.strerror or exc})") from None
    text = _decode(data)
    if suffix == ".jsonl":
        return _parse_jsonl(text, rel, base)
    if suffix in (".md", ".markdown"):
        drafts = _parse_markdown(text)
    elif suffix in (".html", ".htm"):
        drafts = _parse_html(text)
    else:
        drafts = parse_capture(text)
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


def _parse_markdown(text: str) -> list[Draft]:
    front: dict[str, str | None] = {}
    if match := _FRONT_MATTER.match(text):
        try:
            loaded = yaml.safe_load(match.group("yaml"))
        except yaml.YAMLError as exc:
            raise IngestError(f"invalid YAML front matter ({_yaml_problem(exc)})") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise IngestError("front matter is not a mapping of fields")
        for key, value in (loaded or {}).items():
            if str(key) in METADATA_FIELDS:  # other keys (tags, layout...) are ignored
                front[str(key)] = _scalar(value, f"front matter field {key!r}")
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
    drafts = parse_capture("\n".join(lines), title_hint=front.get("title") or title)
    if drafts:
        drafts[0] = _overlay(drafts[0], front)
    return drafts


def _parse_html(text: str) -> list[Draft]:
    page = extract_html(text)
    drafts = parse_capture("\n\n".join(page.blocks), title_hint=page.title)
    if drafts:
        drafts[0] = _overlay(drafts[0], page.meta)
    return drafts


def _overlay(draft: Draft, fields: dict[str, str | None]) -> Draft:
    """Explicit markup (front matter, meta tags) beats what the cleaner guessed."""
    for name, value in fields.items():
        if value:
            setattr(draft, name, normalize_date(value) if name == "date" else value)
    return draft


def _parse_jsonl(text: str, rel: str, base: str) -> tuple[list[Article], list[Skipped]]:
    articles: list[Article] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            article = _jsonl_article(line, rel, f"{base}#{number}")
        except IngestError as exc:
            skipped.append(Skipped(rel, exc.reason, number))
            continue
        if article.doc_id in seen:
            skipped.append(Skipped(rel, "duplicate id", number))
            continue
        seen.add(article.doc_id)
        articles.append(article)
    return articles, skipped


def _jsonl_article(line: str, rel: str, default_id: str) -> Article:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}")
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        doc_id = default_id
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id).strip()
    else:
        raise IngestError("field 'id' must be a string or an integer")
    fields = {name: _scalar(record.get(name), f"field {name!r}") for name in METADATA_FIELDS}
    body = record.get("text")
    if not isinstance(body, str):
        raise IngestError("missing 'text' field" if body is None else "field 'text' is not text")
    paragraphs = [normalize_space(" ".join(block.split("\n"))) for block in _blocks(body)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise IngestError("empty 'text' field")
    date = fields["date"]
    return Article(
        doc_id=doc_id,
        title=normalize_space(fields["title"] or "") or doc_id,
        paragraphs=tuple(paragraphs),
        path=rel,
        date=normalize_date(date) if date else None,
        source=fields["source"] or None,
        author=fields["author"] or None,
        url=fields["url"] or None,
    )


def _blocks(text: str) -> list[str]:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).split("\n\n")


def _scalar(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):  # unquoted YAML dates
        return value.isoformat()[:10]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return normalize_space(str(value))
    raise IngestError(f"{what} must be text, got {type(value).__name__}")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def load_metadata(path: Path) -> dict[str, dict[str, str | None]]:
    """Read a YAML/JSON file mapping doc_id -> {title, date, source, author, url}."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise IngestError(f"cannot read metadata file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise IngestError(f"metadata file {path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise IngestError(f"metadata file {path}: invalid YAML ({_yaml_problem(exc)})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise IngestError(f"metadata file {path}: expected a mapping of doc_id -> fields")
    result: dict[str, dict[str, str | None]] = {}
    for key, entry in loaded.items():
        doc_id = str(key)
        if not isinstance(entry, dict):
            raise IngestError(f"metadata file {path}: entry {doc_id!r} is not a mapping of fields")
        fields: dict[str, str | None] = {}
        for name, value in entry.items():
            if name not in METADATA_FIELDS:
                raise IngestError(
                    f"metadata file {path}: entry {doc_id!r} has unknown field {name!r} "
                    f"(allowed: {', '.join(METADATA_FIELDS)})"
                )
            try:
                fields[name] = _checked(name, _scalar(value, f"field {name!r}"))
            except IngestError as exc:
                raise IngestError(f"metadata file {path}: entry {doc_id!r}: {exc}") from None
        result[doc_id] = fields
    return result


def _checked(name: str, value: str | None) -> str | None:
    if name != "date" or not value:
        return value or None
    iso = normalize_date(value)
    if iso is None:
        raise IngestError(f"unrecognised date {value!r} (use YYYY-MM-DD)")
    return iso


def apply_metadata(article: Article, overrides: dict[str, str | None]) -> Article:
    """A copy of ``article`` with the given fields replaced (a None title is ignored)."""
    changes: dict[str, str | None] = {}
    for name, value in overrides.items():
        if name not in METADATA_FIELDS:
            raise IngestError(f"unknown metadata field {name!r}")
        checked = _checked(name, value)
        if name == "title" and checked is None:
            continue
        changes[name] = checked
    return dataclasses.replace(article, **changes) if changes else article  # type: ignore[arg-type]


def _find_metadata(root: Path) -> Path | None:
    for name in DEFAULT_METADATA_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def ingest_archive(root: Path, metadata_file: Path | None = None) -> IngestReport:
    """Ingest every candidate file under ``root``; failures become ``report.skipped``."""
    if not root.exists():
        raise IngestError(f"archive folder not found: {root}")
    if not root.is_dir():
        raise IngestError(f"archive path is not a folder: {root}")
    if metadata_file is not None and not metadata_file.is_file():
        raise IngestError(f"metadata file not found: {metadata_file}")
    metadata_file = metadata_file or _find_metadata(root)
    metadata = load_metadata(metadata_file) if metadata_file is not None else {}
    report = IngestReport()
    files = iter_archive_files(root, metadata_file)
    report.files = len(files)
    owners: dict[str, str] = {}
    for path in files:
        rel = _relpath(path, root)
        try:
            articles, skipped = parse_file(path, root)
        except IngestError as exc:
            articles, skipped = [], [Skipped(rel, exc.reason, exc.line)]
        for article in articles:
            if article.doc_id in owners:
                reason = f"duplicate id {article.doc_id!r} (already in {owners[article.doc_id]})"
                skipped.append(Skipped(rel, reason))
                continue
            owners[article.doc_id] = rel
            report.articles.append(apply_metadata(article, metadata.get(article.doc_id, {})))
        for skip in skipped:
            where = f"{skip.path}:{skip.line}" if skip.line is not None else skip.path
            log.warning("skipped %s: %s", where, skip.reason)
        report.skipped.extend(skipped)
    for doc_id in sorted(set(metadata) - set(owners)):
        log.warning("metadata names unknown doc id %s", doc_id)
    return report

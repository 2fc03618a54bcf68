"""Ingestion: turn an archive folder into :class:`~bot.core.models.Article` objects.

Supported files (suffix, any case): ``.txt`` raw web captures (cleaned by
:mod:`bot.core.cleaning`), ``.md``/``.markdown`` (optional YAML front matter, ``# Title``),
``.html``/``.htm`` (stdlib parser, meta tags) and ``.jsonl`` (one article per line).
A file that cannot be used is reported as :class:`~bot.core.models.Skipped` and the rest of the
archive is still ingested. A metadata file (YAML or JSON) may override per-document fields; a
bad entry in it is reported and skipped, never fatal (:func:`load_metadata`).

Listing the archive (:func:`list_archive`) never follows a symbolic link out of the archive
folder unless asked to, and reports links that loop or dangle, special files (FIFOs, sockets,
devices) and folders it cannot read. Paragraphs longer than a cap are split at sentence
boundaries into consecutive paragraphs (:func:`cap_paragraphs`).

Pure module: no I/O at import time, no discord.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import json
import logging
import os
import re
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bot.core.answers.sentences import split_sentences
from bot.core.cleaning import Draft, normalize_space, parse_capture, strip_controls
from bot.core.dates import normalize_date
from bot.core.htmltext import extract_html
from bot.core.models import Article, IngestReport, Skipped
from bot.errors import IngestError

__all__ = [
    "DEFAULT_MAX_PARAGRAPH_CHARS",
    "METADATA_FIELDS",
    "SUFFIXES",
    "ArchiveListing",
    "Metadata",
    "apply_metadata",
    "cap_paragraphs",
    "ingest_archive",
    "iter_archive_files",
    "list_archive",
    "load_metadata",
    "normalize_date",
    "parse_file",
    "split_paragraph",
]

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"})
METADATA_FIELDS = ("title", "date", "source", "author", "url")
DEFAULT_METADATA_NAMES = ("metadata.yaml", "metadata.yml", "metadata.json")
_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL
)
_MD_HEADING = re.compile(r"#{1,6}(?:\s+(?P<text>.*?))?\s*#*\s*")
DEFAULT_MAX_PARAGRAPH_CHARS = 4000
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(slots=True)
class ArchiveListing:
    """The archive's article files (sorted by relative path) and what was left out, why."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _is_candidate(name: str) -> bool:
    return (
        not name.casefold().startswith("readme.")
        and PurePosixPath(name).suffix.lower() in SUFFIXES
    )


def _special_kind(mode: int) -> str:
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def list_archive(
    root: Path, metadata_file: Path | None = None, *, follow_symlinks: bool = False
) -> ArchiveListing:
    """Every article file under ``root``, and every entry that had to be left out.

    Regular files whose name is not an article's (other suffixes, ``README.*``), hidden files
    and folders, and the metadata file are ignored silently. Reported as skipped, each once:
    FIFOs, sockets and devices; folders that cannot be read; and symbolic links that dangle,
    loop, lead to a file or folder already in the archive, or lead outside the archive folder
    (followed only when ``follow_symlinks``). The real tree is walked first, then the links,
    so a link never hides the file it points at. Nothing here opens a file.
    """
    listing = ArchiveListing()
    real_root = os.path.realpath(root)
    skip_meta = os.path.realpath(metadata_file) if metadata_file is not None else None
    meta_name = metadata_file.name if metadata_file is not None else None
    found: dict[str, Path] = {}
    seen_dirs: dict[tuple[int, int], str] = {}
    seen_files: dict[tuple[int, int], str] = {}
    links: list[tuple[str, Path]] = []

    def skip(rel: str, reason: str) -> None:
        listing.skipped.append(Skipped(rel, reason))

    def walk(top: Path, top_rel: str, via_link: bool = False) -> None:
        stack = [(top, top_rel)]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name, reverse=True)
                folder_dev = os.stat(folder).st_dev
            except OSError as exc:
                skip(prefix or ".", f"cannot read folder ({exc.strerror or exc})")
                continue
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                rel = f"{prefix}/{name}" if prefix else name
                path = Path(folder, name)
                try:
                    if entry.is_symlink():
                        links.append((rel, path))
                    elif entry.is_dir(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        first = seen_dirs.setdefault((st.st_dev, st.st_ino), rel)
                        if first != rel:  # a bind mount of a folder already walked
                            skip(rel, f"folder already in the archive ({first}/)")
                        else:
                            stack.append((path, rel))
                    elif entry.is_file(follow_symlinks=False):
                        if _is_candidate(name):
                            if name == meta_name and os.path.realpath(path) == skip_meta:
                                continue
                            first = seen_files.setdefault((folder_dev, entry.inode()), rel)
                            if via_link and first != rel:  # a folder followed from a link
                                skip(rel, f"already in the archive ({first})")
                                continue
                            found[rel] = path
                    else:
                        mode = entry.stat(follow_symlinks=False).st_mode
                        skip(rel, f"{_special_kind(mode)}, not a file")
                except OSError as exc:
                    skip(rel, f"cannot read ({exc.strerror or exc})")

    def follow(rel: str, path: Path) -> None:
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                skip(rel, "symbolic link loop")
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                skip(rel, "dangling symbolic link (its target does not exist)")
            else:
                skip(rel, f"cannot follow symbolic link ({exc.strerror or exc})")
            return
        target = os.path.realpath(path)
        inside = target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)
        if not inside and not follow_symlinks:
            skip(rel, "symbolic link leads outside the archive folder "
                      "(set archive.follow_symlinks: true to follow it)")
            return
        key = (st.st_dev, st.st_ino)
        if stat.S_ISDIR(st.st_mode):
            first = seen_dirs.get(key)
            if first is not None:
                ancestor = first == "" or rel.startswith(first + "/")
                skip(rel, "symbolic link loop (leads back to "
                          f"{'the archive folder' if first == '' else first + '/'})"
                     if ancestor else f"symbolic link to a folder already in the archive "
                                      f"({first}/)")
                return
            seen_dirs[key] = rel
            walk(path, rel, via_link=True)
        elif stat.S_ISREG(st.st_mode):
            if not _is_candidate(PurePosixPath(rel).name) or target == skip_meta:
                return
            first = seen_files.get(key)
            if first is not None:
                skip(rel, f"symbolic link to a file already in the archive ({first})")
                return
            seen_files[key] = rel
            found[rel] = path
        else:
            skip(rel, f"symbolic link to {_special_kind(st.st_mode)}, not a file")

    try:
        root_st = os.stat(root)
        seen_dirs[(root_st.st_dev, root_st.st_ino)] = ""
    except OSError as exc:
        skip(".", f"cannot read folder ({exc.strerror or exc})")
        return listing
    walk(root, "")
    done = 0
    while done < len(links):  # following a link to a folder may find further links
        batch = sorted(links[done:])
        done = len(links)
        for rel, path in batch:
            follow(rel, path)
    listing.files = [found[rel] for rel in sorted(found)]
    listing.skipped.sort(key=lambda s: s.path)
    return listing


def iter_archive_files(
    root: Path, metadata_file: Path | None = None, *, follow_symlinks: bool = False
) -> list[Path]:
    """Candidate article files under ``root``, sorted by relative POSIX path (what
    :func:`list_archive` lists, without the report of what it left out)."""
    return list_archive(root, metadata_file, follow_symlinks=follow_symlinks).files


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

    Paragraphs are not capped here (see :func:`cap_paragraphs`). Raises
    :class:`IngestError` when the whole file is unusable.
    """
    rel = _relpath(path, root)
    base = strip_controls(str(PurePosixPath(rel).with_suffix("")))
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


def split_paragraph(text: str, max_chars: int) -> list[str]:
    """``text`` cut into pieces of at most ``max_chars`` characters, each a run of whole
    sentences (as :func:`~bot.core.answers.sentences.split_sentences` finds them), packed
    greedily; a sentence longer than ``max_chars`` on its own is cut at the last white space
    that fits (mid-word only when there is none). Pieces are verbatim slices of ``text``
    without their surrounding white space, so answers still quote the archive exactly."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []

    def emit(start: int, end: int) -> None:
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)

    def hard_split(start: int, end: int) -> None:
        while end - start > max_chars:
            cut = max(text.rfind(" ", start + 1, start + max_chars + 1),
                      text.rfind("\n", start + 1, start + max_chars + 1))
            if cut <= start:
                cut = start + max_chars
            emit(start, cut)
            start = cut
            while start < end and text[start].isspace():
                start += 1
        emit(start, end)

    chunk_start: int | None = None
    chunk_end = 0
    for span in split_sentences(text):
        if chunk_start is not None and span.end - chunk_start > max_chars:
            emit(chunk_start, chunk_end)
            chunk_start = None
        if span.end - span.start > max_chars:
            hard_split(span.start, span.end)
            continue
        if chunk_start is None:
            chunk_start = span.start
        chunk_end = span.end
    if chunk_start is not None:
        emit(chunk_start, chunk_end)
    return pieces


def cap_paragraphs(article: Article, max_chars: int | None) -> tuple[Article, int]:
    """``article`` with every paragraph over ``max_chars`` split (:func:`split_paragraph`)
    into consecutive paragraphs, and how many paragraphs were split. Paragraph numbers
    in citations are positions in the returned article, so they stay consistent."""
    if not max_chars or all(len(p) <= max_chars for p in article.paragraphs):
        return article, 0
    paragraphs: list[str] = []
    split = 0
    for text in article.paragraphs:
        if len(text) > max_chars:
            paragraphs.extend(split_paragraph(text, max_chars))
            split += 1
        else:
            paragraphs.append(text)
    return dataclasses.replace(article, paragraphs=tuple(paragraphs)), split


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


# --- YAML, read as nodes ---------------------------------------------------------------
# Metadata and front matter are read as YAML *nodes*, not constructed objects: the values
# are fields of text, so a plain scalar is taken as the text it is (an unquoted 2019-02-30
# is the text "2019-02-30", not a ValueError from the date constructor), and every node
# keeps its line for the warning. The composer is the only recursive part of PyYAML (the
# scanner and parser keep explicit stacks); ours stops descending at _YAML_MAX_DEPTH and
# consumes a deeper collection's events in a loop, so 10k-deep nesting is one bad value.
_YAML_MAX_DEPTH = 4
_TOO_DEEP = "tag:archive-bot,2026:too-deep"
_NULL = "tag:yaml.org,2002:null"
_COLLECTION_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_COLLECTION_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _NodeLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self._depth >= _YAML_MAX_DEPTH and self.check_event(*_COLLECTION_START):
            next_event: Any = self.get_event  # untyped in the stubs
            start = end = next_event()
            level = 1
            while level:
                end = next_event()
                if isinstance(end, _COLLECTION_START):
                    level += 1
                elif isinstance(end, _COLLECTION_END):
                    level -= 1
            node = yaml.ScalarNode(_TOO_DEEP, "", start.start_mark, end.end_mark)
            if start.anchor is not None:
                self.anchors[start.anchor] = node
            return node
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FLOW_BRACKET = re.compile(r"[\[\]{}]")
_FLOW_MAX_DEPTH = 64


def _defuse_deep_flow(text: str) -> str:
    """``text`` with every flow collection (``[...]``, ``{...}``) nested deeper than
    _FLOW_MAX_DEPTH replaced by a null, its newlines kept (so are all line numbers).

    PyYAML's scanner is quadratic in flow nesting (10k-deep ``[[[...]]]`` takes ~30 s),
    so such a value is cut before parsing; the composer then reports the value, still a
    collection, as the bad field it is. Brackets are counted without regard to quoting:
    only text with 64 unmatched opening brackets in a row can be cut wrongly."""
    if text.count("[") + text.count("{") <= _FLOW_MAX_DEPTH:
        return text
    parts: list[str] = []
    depth, cut_from, done = 0, -1, 0
    for match in _FLOW_BRACKET.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth == _FLOW_MAX_DEPTH + 1:
                cut_from = match.start()
        else:
            depth = max(0, depth - 1)
            if depth == _FLOW_MAX_DEPTH and cut_from >= 0:
                parts += [text[done:cut_from], "~", "\n" * text.count("\n", cut_from, match.end())]
                done, cut_from = match.end(), -1
    if cut_from >= 0:
        parts += [text[done:cut_from], "~", "\n" * text.count("\n", cut_from)]
        done = len(text)
    return "".join(parts) + text[done:]


def _yaml_root(text: str) -> yaml.Node | None:
    """The document's root node (None for an empty document); raises IngestError."""
    loader = _NodeLoader(_defuse_deep_flow(text))
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid YAML ({_yaml_problem(exc)})", _yaml_line(exc)) from None
    except RecursionError:  # pragma: no cover - the composer above does not recurse deeply
        raise IngestError("invalid YAML (nested too deeply)") from None
    finally:
        loader.dispose()


def _flatten(node: yaml.MappingNode) -> None:
    """Apply YAML merge keys (``<<: *defaults``) in place, as the safe loader does."""
    loader = _NodeLoader("")
    try:
        loader.flatten_mapping(node)
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid merge key ({_yaml_problem(exc)})") from None
    except RecursionError:
        raise IngestError("merge keys nested too deeply (or recursive)") from None
    finally:
        loader.dispose()


def _kind(node: yaml.Node) -> str:
    if node.tag == _TOO_DEEP:
        return "a collection nested too deeply"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a single value"


def _node_text(node: yaml.Node) -> str | None:
    """A field's value: the scalar's text, whitespace normalised; None for null."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _TOO_DEEP:
        raise IngestError(f"expected text, got {_kind(node)}")
    if node.tag == _NULL:
        return None
    return normalize_space(str(node.value)) or None


def _node_key(node: yaml.Node) -> str | None:
    """A mapping key as text (a doc id or a field name), or None when it is not a scalar."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _TOO_DEEP:
        return None
    return strip_controls(str(node.value)).strip()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong, without where (the line travels separately)."""
    return str(getattr(exc, "problem", None) or str(exc).splitlines()[0])


def _parse_markdown(text: str) -> list[Draft]:
    front: dict[str, str | None] = {}
    if match := _FRONT_MATTER.match(text):
        try:
            root = _yaml_root(match.group("yaml") or "")
        except IngestError as exc:  # its line counts from the line after the opening ---
            at = exc.line + 1 if exc.line is not None else None
            raise IngestError(f"front matter: {exc.reason}", at) from None
        if root is not None and not isinstance(root, yaml.MappingNode):
            raise IngestError("front matter is not a mapping of fields")
        for key_node, value_node in root.value if root is not None else ():
            key = _node_key(key_node)
            if key in METADATA_FIELDS:  # other keys (tags, layout...) are ignored
                try:
                    front[key] = _node_text(value_node)
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
    """Explicit markup (front matter, meta tags) beats what the cleaner guessed; a date
    that is not one keeps the cleaner's."""
    for name, value in fields.items():
        if name == "date":
            value = normalize_date(value) if value else None
        if value:
            setattr(draft, name, value)
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
    except RecursionError:
        raise IngestError("invalid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}")
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        doc_id = default_id
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = strip_controls(str(raw_id)).strip()
        if not doc_id:
            raise IngestError("field 'id' holds no visible characters")
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
    """A JSON field's value as text."""
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return normalize_space(str(value))
    raise IngestError(f"{what} must be text, got {type(value).__name__}")


# --- the metadata file -----------------------------------------------------------------


@dataclass(slots=True)
class Metadata:
    """The metadata file, read: field overrides per doc id, the ``"*"`` default for every
    document, and each problem found (a bad entry or field is reported and left out)."""

    path: str | None = None  # as reports name it
    entries: dict[str, dict[str, str | None]] = field(default_factory=dict)
    default: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # doc id -> line of its entry
    problems: list[Skipped] = field(default_factory=list)

    def fields_for(self, doc_id: str) -> dict[str, str | None]:
        """The overrides for one document: the default, then its own entry on top."""
        entry = self.entries.get(doc_id)
        if not self.default:
            return entry or {}
        return {**self.default, **entry} if entry else self.default

    def unmatched(self, doc_ids: Collection[str]) -> list[Skipped]:
        """A problem for each entry naming no document in ``doc_ids``."""
        return [
            Skipped(self.path or "metadata", f"{doc_id}: no document has this id "
                    "(entry not applied)", self.lines.get(doc_id))
            for doc_id in sorted(self.entries) if doc_id not in doc_ids
        ]

    def __bool__(self) -> bool:
        return bool(self.entries or self.default)


def load_metadata(path: Path, name: str | None = None) -> Metadata:
    """Read a YAML/JSON file mapping doc_id -> {title, date, source, author, url}.

    Never raises for what the file holds: an unreadable or unparseable file is one problem
    (and no metadata); an entry that is not a mapping, an unknown field, a field that is not
    text or a date that is not a date is a problem naming the file, line and key, and only
    that entry or field is left out. ``"*"`` (quoted: a bare ``*`` is YAML for an alias)
    holds fields for every document; a document's own entry overrides them.
    """
    where = name or str(path)
    meta = Metadata(where)

    def problem(reason: str, line: int | None = None) -> None:
        meta.problems.append(Skipped(where, reason, line))

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problem(f"cannot read metadata file ({exc.strerror or exc}); no metadata applied")
        return meta
    except UnicodeDecodeError:
        problem("metadata file is not UTF-8 text; no metadata applied")
        return meta
    try:
        root = _yaml_root(text)
        if isinstance(root, yaml.MappingNode):
            _flatten(root)
    except IngestError as exc:
        problem(f"{exc.reason}; no metadata applied", exc.line)
        return meta
    if root is None:
        return meta
    if not isinstance(root, yaml.MappingNode):
        problem(f"expected a mapping of doc_id -> fields, got {_kind(root)}; "
                "no metadata applied", _line(root))
        return meta
    for key_node, value_node in root.value:
        line = _line(key_node)
        doc_id = _node_key(key_node)
        if not doc_id:
            problem(f"entry key is {_kind(key_node) if doc_id is None else 'empty'}, not a "
                    "doc id (entry not applied)", line)
            continue
        fields = _entry_fields(doc_id, value_node, problem)
        if fields is None:
            continue
        if doc_id == "*":
            meta.default = fields
            continue
        if doc_id in meta.entries:
            problem(f"{doc_id}: a second entry for this doc id (line "
                    f"{meta.lines[doc_id]}); this one replaces it", line)
        meta.entries[doc_id] = fields
        meta.lines[doc_id] = line
    return meta


def _entry_fields(doc_id: str, node: yaml.Node, problem: Any) -> dict[str, str | None] | None:
    """One entry's valid fields (None when the entry is not a mapping); problems reported."""
    line = _line(node)
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        problem(f"{doc_id}: entry has no fields", line)
        return None
    if not isinstance(node, yaml.MappingNode):
        problem(f"{doc_id}: entry is {_kind(node)}, not a mapping of fields "
                "(entry not applied)", line)
        return None
    try:
        _flatten(node)
    except IngestError as exc:
        problem(f"{doc_id}: {exc.reason} (entry not applied)", line)
        return None
    fields: dict[str, str | None] = {}
    for name_node, value_node in node.value:
        name = _node_key(name_node)
        at = _line(name_node)
        if name not in METADATA_FIELDS:
            shown = repr(name) if name is not None else _kind(name_node)
            problem(f"{doc_id}: unknown field {shown} (allowed: {', '.join(METADATA_FIELDS)}; "
                    "field not applied)", at)
            continue
        try:
            fields[name] = _checked(name, _node_text(value_node))
        except IngestError as exc:
            problem(f"{doc_id}.{name}: {exc.reason} (field not applied)", at)
    return fields


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


def ingest_archive(
    root: Path,
    metadata_file: Path | None = None,
    *,
    max_paragraph_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Ingest every candidate file under ``root``; failures become ``report.skipped``."""
    if not root.exists():
        raise IngestError(f"archive folder not found: {root}")
    if not root.is_dir():
        raise IngestError(f"archive path is not a folder: {root}")
    if metadata_file is not None and not metadata_file.is_file():
        raise IngestError(f"metadata file not found: {metadata_file}")
    metadata_file = metadata_file or _find_metadata(root)
    metadata = (
        load_metadata(metadata_file, _relpath(metadata_file, root))
        if metadata_file is not None else Metadata()
    )
    report = IngestReport()
    listing = list_archive(root, metadata_file, follow_symlinks=follow_symlinks)
    report.files = len(listing.files)
    report.skipped.extend(listing.skipped)
    owners: dict[str, str] = {}
    for path in listing.files:
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
            article, split = cap_paragraphs(article, max_paragraph_chars)
            report.split += split
            report.articles.append(apply_metadata(article, metadata.fields_for(article.doc_id)))
        report.skipped.extend(skipped)
    report.skipped.extend(metadata.problems)
    report.skipped.extend(metadata.unmatched(owners))
    for skip in report.skipped:
        log.warning("skipped %s", skip)
    return report

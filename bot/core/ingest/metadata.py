"""The metadata file: per-document field overrides, read so that a bad entry is reported and
skipped, never fatal (:func:`load_metadata`), and found in one place (:func:`find_metadata`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.dates import normalize_date
from bot.core.ingest.yamlnodes import (
    NULL,
    flatten,
    kind_of,
    line_of,
    node_key,
    node_text,
    yaml_root,
)
from bot.core.models import Article, Skipped
from bot.errors import IngestError

METADATA_FIELDS = ("title", "date", "source", "author", "url")


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


def load_metadata(path: Path, name: str | None = None, *, day_first: bool = True) -> Metadata:
    """Read a YAML/JSON file mapping doc_id -> {title, date, source, author, url}.

    Never raises for what the file holds: an unreadable or unparseable file is one problem
    (and no metadata); an entry that is not a mapping, an unknown field, a field that is not
    text or a date that is not a date is a problem naming the file, line and key, and only
    that entry or field is left out. ``"*"`` (quoted: a bare ``*`` is YAML for an alias)
    holds fields for every document; a document's own entry overrides them. ``day_first``:
    how a numeric date (03/04/2018) reads.
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
        root = yaml_root(text)
        if isinstance(root, yaml.MappingNode):
            flatten(root)
    except IngestError as exc:
        problem(f"{exc.reason}; no metadata applied", exc.line)
        return meta
    if root is None:
        return meta
    if not isinstance(root, yaml.MappingNode):
        problem(f"expected a mapping of doc_id -> fields, got {kind_of(root)}; "
                "no metadata applied", line_of(root))
        return meta
    for key_node, value_node in root.value:
        line = line_of(key_node)
        doc_id = node_key(key_node)
        if not doc_id:
            problem(f"entry key is {kind_of(key_node) if doc_id is None else 'empty'}, not a "
                    "doc id (entry not applied)", line)
            continue
        fields = _entry_fields(doc_id, value_node, problem, day_first)
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


def _entry_fields(doc_id: str, node: yaml.Node, problem: Any,
                  day_first: bool = True) -> dict[str, str | None] | None:
    """One entry's valid fields (None when the entry is not a mapping); problems reported."""
    line = line_of(node)
    if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
        problem(f"{doc_id}: entry has no fields", line)
        return None
    if not isinstance(node, yaml.MappingNode):
        problem(f"{doc_id}: entry is {kind_of(node)}, not a mapping of fields "
                "(entry not applied)", line)
        return None
    try:
        flatten(node)
    except IngestError as exc:
        problem(f"{doc_id}: {exc.reason} (entry not applied)", line)
        return None
    fields: dict[str, str | None] = {}
    for name_node, value_node in node.value:
        name = node_key(name_node)
        at = line_of(name_node)
        if name not in METADATA_FIELDS:
            shown = repr(name) if name is not None else kind_of(name_node)
            problem(f"{doc_id}: unknown field {shown} (allowed: {', '.join(METADATA_FIELDS)}; "
                    "field not applied)", at)
            continue
        try:
            fields[name] = _checked(name, node_text(value_node), day_first)
        except IngestError as exc:
            problem(f"{doc_id}.{name}: {exc.reason} (field not applied)", at)
    return fields


def _checked(name: str, value: str | None, day_first: bool = True) -> str | None:
    if name != "date" or not value:
        return value or None
    iso = normalize_date(value, day_first=day_first)
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

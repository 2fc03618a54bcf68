"""Ingestion: from archive files to :class:`~bot.core.models.Article` records.

* :mod:`.listing`: which files of the archive folder are articles (symbolic links, special
  files and unreadable folders reported, never followed out of the archive unless asked);
* :mod:`.formats`: one file's articles, by format (raw captures, markdown, HTML, jsonl,
  each also gzip-compressed);
* :mod:`.parts`: a large jsonl file read in parts (byte ranges cut at line ends);
* :mod:`.warc`: the HTML pages of a web archive (FastWARC), the other records counted;
* :mod:`.encoding`: text that is not UTF-8, decoded as declared or detected;
* :mod:`.metadata`: the metadata file (found in one place, a bad entry reported, never
  fatal) and applying it;
* :mod:`.paragraphs`: capping paragraph length at sentence boundaries;
* :mod:`.ids`: the one duplicate-id rule;
* :mod:`.yamlnodes`: YAML read as nodes with their lines, for metadata and front matter.

A file that cannot be used is reported as :class:`~bot.core.models.Skipped`; the rest of the
archive is still ingested. The build pipeline (:mod:`bot.core.build`) is the one path that
runs these over an archive. Pure: no I/O at import time, no discord.

The names below are imported on first use: listing the archive's files (to see whether a
saved index still matches) does not import the parsers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.dates import normalize_date
    from bot.core.ingest.formats import parse_file
    from bot.core.ingest.ids import DocIds
    from bot.core.ingest.listing import (
        SUFFIXES,
        ArchiveListing,
        iter_archive_files,
        list_archive,
    )
    from bot.core.ingest.metadata import (
        METADATA_FIELDS,
        Metadata,
        apply_metadata,
        load_metadata,
    )
    from bot.core.ingest.metafile import find_metadata, metadata_name
    from bot.core.ingest.paragraphs import (
        DEFAULT_MAX_PARAGRAPH_CHARS,
        cap_paragraphs,
        split_paragraph,
    )
    from bot.core.ingest.parts import JsonlPart, part_count, plain_utf8, read_part

_WHERE = {
    "normalize_date": "bot.core.dates",
    "parse_file": "bot.core.ingest.formats",
    "DocIds": "bot.core.ingest.ids",
    "SUFFIXES": "bot.core.ingest.listing",
    "ArchiveListing": "bot.core.ingest.listing",
    "iter_archive_files": "bot.core.ingest.listing",
    "list_archive": "bot.core.ingest.listing",
    "METADATA_FIELDS": "bot.core.ingest.metadata",
    "Metadata": "bot.core.ingest.metadata",
    "apply_metadata": "bot.core.ingest.metadata",
    "find_metadata": "bot.core.ingest.metafile",
    "load_metadata": "bot.core.ingest.metadata",
    "metadata_name": "bot.core.ingest.metafile",
    "DEFAULT_MAX_PARAGRAPH_CHARS": "bot.core.ingest.paragraphs",
    "cap_paragraphs": "bot.core.ingest.paragraphs",
    "split_paragraph": "bot.core.ingest.paragraphs",
    "JsonlPart": "bot.core.ingest.parts",
    "part_count": "bot.core.ingest.parts",
    "plain_utf8": "bot.core.ingest.parts",
    "read_part": "bot.core.ingest.parts",
}

__all__ = [
    "DEFAULT_MAX_PARAGRAPH_CHARS",
    "METADATA_FIELDS",
    "SUFFIXES",
    "ArchiveListing",
    "DocIds",
    "JsonlPart",
    "Metadata",
    "apply_metadata",
    "cap_paragraphs",
    "find_metadata",
    "iter_archive_files",
    "list_archive",
    "load_metadata",
    "metadata_name",
    "normalize_date",
    "parse_file",
    "part_count",
    "plain_utf8",
    "read_part",
    "split_paragraph",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)

"""A large jsonl file read in parts: byte ranges cut at line ends, parsed independently.

A build parses a file of one article per line in parts of about :data:`PART_BYTES` each, so
a worker holds one part's text and articles, not a whole 100 MB export's, the main process
indexes each part as it arrives, and the parts of one file spread over every worker. Part
``k`` of ``n`` owns the lines that *start* in its share of the bytes,
``[size*k/n, size*(k+1)/n)``; it numbers them from the line breaks before it, as the whole
file would. Indexed in order, the parts give what one pass over the whole file gives (the
duplicate-id rule runs when they are indexed: :mod:`bot.core.build.assemble`).

Only a file of plain UTF-8 (:func:`plain_utf8`: no byte-order mark but UTF-8's, no NUL, no
invalid sequence) is cut; any other is read whole, with the decoding rules of a whole file
(:mod:`.encoding`), their notes and their errors.
"""

from __future__ import annotations

import codecs
import mmap
from dataclasses import dataclass
from pathlib import Path

from bot.core.ingest.formats import doc_base, jsonl_articles
from bot.core.ingest.listing import archive_suffix
from bot.core.models import Article, Skipped

__all__ = ["CHANGED", "PART_BYTES", "WHITESPACE", "JsonlPart", "part_count", "plain_utf8",
           "read_part"]

PART_BYTES = 8 << 20
WHITESPACE = "file holds only whitespace"
CHANGED = "changed while the build read it (reindex to read it again)"
_COUNT_CHUNK = 1 << 20
_FOREIGN_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
                 codecs.BOM_UTF16_BE)


def part_count(rel: str, size: int) -> int:
    """How many parts of about :data:`PART_BYTES` to parse the file ``rel`` of ``size``
    bytes in (1: whole)."""
    if archive_suffix(rel) != ".jsonl" or size <= PART_BYTES:
        return 1
    return -(-size // PART_BYTES)


def plain_utf8(path: Path) -> bool:
    """Whether the file is UTF-8 (a UTF-8 byte-order mark allowed) without a NUL byte: read
    in chunks, nothing kept."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head.startswith(_FOREIGN_BOMS):
                return False
            chunk = head
            while chunk:
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
                chunk = fh.read(_COUNT_CHUNK)
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class JsonlPart:
    """One part's articles, each one's line number, and its skipped lines; ``blank``: the
    part holds only whitespace."""

    articles: tuple[Article, ...] = ()
    lines: tuple[int, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    blank: bool = True


def _line_start(mm: mmap.mmap, at: int) -> int:
    """The first line start at or after byte ``at`` (a line starts after a newline)."""
    if at <= 0:
        return 0
    newline = mm.find(b"\n", at - 1)
    return len(mm) if newline < 0 else newline + 1


def _breaks_before(mm: mmap.mmap, end: int) -> int:
    """Line breaks in ``mm[:end]`` as the decoder counts them: LF, CRLF and a lone CR."""
    count, previous = 0, b""
    for at in range(0, end, _COUNT_CHUNK):
        chunk = mm[at:min(at + _COUNT_CHUNK, end)]
        count += chunk.count(b"\n")
        if b"\r" in chunk:  # (a memchr scan; most files have none)
            count += chunk.count(b"\r") - chunk.count(b"\r\n")
        if previous == b"\r" and chunk[:1] == b"\n":
            count -= 1  # a CRLF cut by the chunk boundary is one break
        previous = chunk[-1:]
    return count


def read_part(path: Path, rel: str, part: int, parts: int, *, size: int,
              day_first: bool = True) -> JsonlPart:
    """Part ``part`` (0-based) of ``parts`` of the jsonl file at ``path`` (``rel`` in the
    archive), ``size`` bytes when it was scanned. Raises OSError when it cannot be read."""
    base = doc_base(rel, ".jsonl")
    # a file changed since the scan: said once, by its first part
    changed = JsonlPart(skipped=(Skipped(rel, CHANGED),) if part == 0 else ())
    with path.open("rb") as fh:
        if fh.seek(0, 2) != size or size == 0:
            return changed
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            start = _line_start(mm, size * part // parts)
            end = _line_start(mm, size * (part + 1) // parts) if part + 1 < parts else size
            data = mm[start:end]
            first_line = _breaks_before(mm, start) + 1
    if part == 0 and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        if b"\x00" in data:
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "NUL")
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return changed
    del data
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    skipped: list[Skipped] = []
    articles: list[Article] = []
    lines: list[int] = []
    for number, article in jsonl_articles(text, rel, base, day_first, skipped, first_line):
        articles.append(article)
        lines.append(number)
    return JsonlPart(tuple(articles), tuple(lines), tuple(skipped), blank=not text.strip())

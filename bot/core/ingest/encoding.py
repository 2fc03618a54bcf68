"""Decoding an archive file's bytes: UTF-8 when it is, else the charset an HTML page
declares, else the encoding charset-normalizer detects; which one was assumed is said.

A file with NUL bytes and no UTF-16/32 byte-order mark is binary, not text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bot.errors import IngestError

__all__ = ["Decoded", "decode"]

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*(?P<charset>[a-z0-9_.:-]{2,40})""", re.IGNORECASE)
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    """A file's text (newlines normalised) and the encoding it was read as; ``assumed`` is
    how that was decided when the file is not UTF-8 (None for UTF-8 or a byte-order mark)."""

    text: str
    encoding: str
    assumed: str | None = None

    def note(self) -> str | None:
        """The one line a report gives a file that is not UTF-8."""
        if self.assumed is None:
            return None
        return f"not UTF-8: {self.encoding} assumed ({self.assumed})"


def _declared(data: bytes) -> str | None:
    match = _DECLARED.search(data[:_SNIFF_BYTES])
    if match is None:
        return None
    name = match.group("charset").decode("ascii").lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    # As browsers do: a page labelled Latin-1 is read as its superset windows-1252.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


# Single-byte Western encodings a detector confuses on a short text: windows-1252 (the
# superset of Latin-1 that Western archives are written in) is assumed for all of them.
_WESTERN = frozenset({"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "mac_roman",
                      "cp850", "cp858", "iso8859_9", "cp1254", "mac_latin2"})


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported when a file is not UTF-8

    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        return None
    if best.encoding in _WESTERN:
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best.encoding)


def decode(data: bytes, *, html: bool = False) -> Decoded:
    """``data`` as text. Raises :class:`IngestError` for an empty, binary or
    whitespace-only file, or bytes no encoding fits."""
    if not data:
        raise IngestError("empty file")
    decoded = _decode(data, html)
    if not decoded.text.strip():
        raise IngestError("file holds only whitespace")
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(text, decoded.encoding, decoded.assumed)


def _decode(data: bytes, html: bool) -> Decoded:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name.replace("-sig", ""))
            except UnicodeDecodeError:
                raise IngestError(f"not {name} text despite its byte-order mark") from None
    if b"\x00" in data:
        raise IngestError("binary file (contains NUL bytes), not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        where = exc.start
        first_bad = f"byte 0x{data[where]:02x} at offset {where}"
    declared = _declared(data) if html else None
    if declared is not None and declared != "utf-8":
        try:
            return Decoded(data.decode(declared), declared, "declared by the page")
        except UnicodeDecodeError:
            pass
    detected = _detected(data)
    if detected is not None:
        try:
            return Decoded(data.decode(detected), detected, f"detected; {first_bad}")
        except (UnicodeDecodeError, LookupError):
            pass
    raise IngestError(f"not text in any encoding found (not UTF-8: {first_bad})")

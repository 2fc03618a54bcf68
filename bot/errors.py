"""Exceptions the core raises. Each carries a short message fit to show a user as is.

The CLI prints ``str(exc)`` and exits 2; the Discord error handler maps each type to an
ephemeral reply. Anything that is not an :class:`ArchiveBotError` is a bug: it is logged with
a traceback and the user sees an error id instead.
"""

from __future__ import annotations


class ArchiveBotError(Exception):
    """Base class: a problem the user (or admin) can act on."""


class ConfigError(ArchiveBotError):
    """The configuration file, the environment or a command-line option is wrong."""


class QueryError(ArchiveBotError):
    """A query or filter the engine refuses: empty, too long, malformed date, bad limit."""


class UnknownDocumentError(ArchiveBotError):
    """A doc id that is not in the archive; the message suggests close matches."""


class IngestError(ArchiveBotError):
    """A file (or a line of one) that cannot be read or parsed."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class IndexFormatError(ArchiveBotError):
    """An index on disk that is corrupt, truncated, foreign or of another format version."""


class ReindexInProgressError(ArchiveBotError):
    """A reindex was requested while another one is running."""

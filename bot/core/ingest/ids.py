"""The one duplicate-id rule, for the lines of a jsonl file and the files of an archive.

An article's ``doc_id`` belongs to the first article that has it in archive order (files
sorted by path, articles in file order); a later article with the same id is skipped, and
the skip says where the id already is. Within one file it says only ``duplicate id`` and
the line; across files it names the file that owns the id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.core.models import Skipped

DUPLICATE = "duplicate id"
_ACROSS_FILES = f"{DUPLICATE} '"


class DocIds:
    """The ids claimed so far, and by which file."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, doc_id: str, path: str, line: int | None = None) -> Skipped | None:
        """Claim ``doc_id`` for the article of ``path`` (at ``line``): None when it is now
        that article's, else the article's skip (the id was claimed before)."""
        owner = self._owners.get(doc_id)
        if owner is None:
            self._owners[doc_id] = path
            return None
        if owner == path:
            return Skipped(path, DUPLICATE, line)
        return Skipped(path, f"{DUPLICATE} {doc_id!r} (already in {owner})", line)

    @property
    def owned(self) -> Collection[str]:
        """Every id claimed so far."""
        return self._owners.keys()

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._owners


def clashed(skipped: Iterable[Skipped]) -> bool:
    """Whether some article of a file was skipped because another file owns its id (such a
    file's articles depend on the other files: it cannot be reused unparsed)."""
    return any(s.reason.startswith(_ACROSS_FILES) for s in skipped)

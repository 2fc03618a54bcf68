"""What opening or building the index did: :class:`BuildReport`, for the CLI and the admin
reply, and everything the index left out (:func:`all_skipped`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.build.plan import BuildPlan
from bot.core.index import ArchiveIndex
from bot.core.models import Skipped


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What opening or rebuilding the index did, for the CLI and the admin reply."""

    action: str  # "loaded", "built" or "rebuilt"
    reason: str | None
    documents: int
    paragraphs: int
    files: int
    skipped: tuple[Skipped, ...]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reused: int = 0
    seconds: float = 0.0
    reparsed: int = 0  # unchanged files parsed again (a full rebuild, or changed settings)
    split: int = 0  # over-long paragraphs split at archive.max_paragraph_chars
    notes: tuple[str, ...] = ()  # "path: not UTF-8: cp1252 assumed (…)", one per file note

    def summary(self) -> str:
        text = (
            f"{self.action} index: {self.documents} documents, {self.paragraphs} paragraphs "
            f"from {self.files} files, {len(self.skipped)} skipped, {self.seconds:.2f} s"
        )
        if self.split:
            text += f", {self.split} over-long paragraphs split"
        if self.action != "loaded":
            text += (
                f" (added {len(self.added)}, changed {len(self.changed)}, "
                f"removed {len(self.removed)}, reused {self.reused}, re-parsed {self.reparsed})"
            )
        return text


def all_skipped(index: ArchiveIndex) -> tuple[Skipped, ...]:
    """Everything the index left out, each once: files and jsonl lines, then folders, links,
    special files and metadata entries (kept in ``extras``)."""
    out: dict[Skipped, None] = dict.fromkeys(index.skipped)
    for row in index.extras.get("skipped", ()):
        try:
            out.setdefault(Skipped(str(row["path"]), str(row["reason"]), row.get("line")))
        except (KeyError, TypeError, AttributeError):
            continue
    return tuple(out)


def all_notes(index: ArchiveIndex) -> tuple[str, ...]:
    """What reading the files assumed (an encoding other than UTF-8), ``path: note`` each."""
    return tuple(f"{f.path}: {note}" for f in index.files for note in f.notes)


def split_count(index: ArchiveIndex) -> int:
    """Paragraphs split at the cap when the index was built (kept in ``extras``)."""
    split = index.extras.get("split")
    return sum(split.values()) if isinstance(split, dict) else 0


def built(index: ArchiveIndex, plan: BuildPlan, *, reason: str | None,
          seconds: float) -> BuildReport:
    return BuildReport(
        action="rebuilt" if reason else "built",
        reason=reason,
        documents=len(index.docs),
        paragraphs=index.n_paragraphs,
        files=len(plan.tasks),
        skipped=all_skipped(index),
        added=plan.paths("add"),
        changed=plan.paths("change"),
        removed=plan.removed,
        reused=plan.count("reuse"),
        reparsed=plan.count("reparse"),
        seconds=seconds,
        split=split_count(index),
        notes=all_notes(index),
    )


def loaded(index: ArchiveIndex, *, seconds: float) -> BuildReport:
    return BuildReport("loaded", None, len(index.docs), index.n_paragraphs, len(index.files),
                       all_skipped(index), seconds=seconds, split=split_count(index),
                       notes=all_notes(index))

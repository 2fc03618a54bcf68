"""Where an archive's metadata file is, and how reports name it: path logic only, so that
checking whether a saved index still matches the archive does not import the metadata
parser (YAML nodes, date patterns)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_METADATA_NAMES = ("metadata.yaml", "metadata.yml", "metadata.json")

__all__ = ["DEFAULT_METADATA_NAMES", "find_metadata", "metadata_name"]


def find_metadata(root: Path, explicit: Path | None = None) -> Path | None:
    """The metadata file of the archive at ``root``: ``explicit`` when given (even when it
    does not exist: the scan reports that), else the first of ``metadata.yaml``,
    ``metadata.yml`` and ``metadata.json`` at the root that is a file."""
    if explicit is not None:
        return explicit
    for name in DEFAULT_METADATA_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def metadata_name(path: Path, root: Path) -> str:
    """How reports name the metadata file: relative to the archive when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)

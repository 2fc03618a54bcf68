"""Shared fixtures: settings and a loaded Archive over the bundled seeds/ archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings, load_settings, with_section
from bot.core.build import open_archive
from bot.core.search import Archive
from bot.core.snapshot import Snapshot

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


def settings_for(tmp: Path, archive: Path = SEEDS, **sections: object) -> Settings:
    """The repository's config/config.yaml with the index and query log under ``tmp``."""
    base = load_settings(REPO / "config" / "config.yaml", environ={})
    settings = with_section(base, "archive", path=archive)
    settings = with_section(settings, "index", path=tmp / "index")
    settings = with_section(settings, "querylog", path=tmp / "querylog.sqlite3")
    settings = settings.model_copy(update=sections)
    return settings


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(tmp_path_factory.mktemp("seeds-index"))


@pytest.fixture(scope="session")
def seed_archive(seed_settings: Settings) -> Archive:
    """The seeds, indexed once per test session (read-only: do not mutate)."""
    archive, _ = open_archive(seed_settings)
    return archive


@pytest.fixture(scope="session")
def seed_snapshot(seed_archive: Archive) -> Snapshot:
    """The seeds' serving snapshot (quote book, answer caches), once per test session."""
    return Snapshot(seed_archive)


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """``run("search", "Idlib", "--json")`` -> (exit code, stdout, stderr) of the CLI over
    the seeds, with the index in ``tmp_path``."""
    from bot.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv[:1], "--archive", str(SEEDS), "--index", str(tmp_path / "ix"),
                     *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def flip_byte(path: Path, at: int, bits: int = 0xFF) -> None:
    """Corrupt one byte of a saved file in place (same size: only a checksum can tell)."""
    data = bytearray(path.read_bytes())
    data[at] ^= bits
    path.write_bytes(bytes(data))


def modify_archive(root: Path) -> None:
    """One of each reindex path on a copy of the seeds: add new.jsonl (doc n1, "zeppelins"),
    change 003 (adds "quokka"), delete 004, add an unreadable broken.txt."""
    (root / "new.jsonl").write_text(json.dumps(
        {"id": "n1", "title": "Zeppelin news", "date": "2020-01-02", "text": "Zeppelins return."}
    ) + "\n")
    changed = root / "003_03cdae4a38ed77fc.txt"
    changed.write_text(changed.read_text() + "\n\nThe quokka census was published today.\n")
    (root / "004_303e15b8da19fadf.txt").unlink()
    (root / "broken.txt").write_bytes(b"\x00\x01binary\x00")


# The store's tests run on SQLite and PostgreSQL (tests/pg.py starts the server).
from tests.pg import backend, pg_server, pg_url, store_target  # noqa: E402, F401

"""``archive-bot watch``: add/list/remove/resume need --guild; run prints what is new once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.test_watches import BASE, write_archive

Run = Callable[..., tuple[int, str, str]]
WATCH = "chlorine attack Idlib"
MATCHING = ("idlib-4", "Chlorine attack reported in Idlib",
            "Doctors in Idlib treated dozens after a chlorine attack on Saraqeb.")


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    write_archive(tmp_path / "archive", BASE)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "archive": {"path": str(tmp_path / "archive")},
        "index": {"path": str(tmp_path / "index")},
        "querylog": {"path": str(tmp_path / "log.sqlite3")},
        "watches": {"max_per_user": 2, "shown": 1},
    }))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["watch", *argv, "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_needs_a_guild_and_a_destination(cli: Run) -> None:
    for argv in (("list",), ("add", WATCH, "--channel", "5"), ("remove", "1")):
        code, out, err = cli(*argv)
        assert code == 2 and out == ""
        assert "give --guild ID: a watch belongs to a Discord server" in err
    code, _, err = cli("add", WATCH, "--guild", "1")
    assert code == 2 and "give --channel ID" in err
    code, _, err = cli("remove", "first", "--guild", "1")
    assert code == 2 and "give the watch's id" in err


def test_add_list_run_remove(cli: Run, tmp_path: Path) -> None:
    code, out, _ = cli("add", WATCH, "--guild", "1", "--channel", "50", "--owner", "7")
    assert code == 0 and "#1  chlorine attack Idlib -> channel 50, guild 1  saved (0 " in out
    code, out, _ = cli("add", "Aleppo water", "--guild", "1", "--owner", "7", "--json")
    [saved] = json.loads(out)["watches"]
    assert saved["id"] == 2 and saved["channel_id"] is None and saved["owner_id"] == "7"
    assert "already match" not in out  # JSON: the record only

    # Bad input: a clear one-line error, exit 2.
    for argv, message in (((WATCH, "--owner", "8", "--source", "Reuters"), "Unknown source"),
                          (("", "--owner", "8"), "The query is empty"),
                          ((WATCH, "--owner", "8", "--from", "May"), "is not a date"),
                          ((WATCH, "--owner", "7"), "You have 2 watches in this server")):
        code, _, err = cli("add", *argv, "--guild", "1")
        assert code == 2 and message in err, (argv, err)

    code, out, _ = cli("list", "--guild", "1")
    assert out.splitlines()[0].startswith("#1  chlorine attack Idlib -> channel 50")
    assert "#2  Aleppo water -> DM to 7" in out
    code, out, _ = cli("list", "--guild", "2")
    assert out.strip() == "no watches"

    code, out, _ = cli("run")
    assert code == 0 and out.strip() == "nothing new for any watch"

    write_archive(tmp_path / "archive", [*BASE, MATCHING,
                                        ("idlib-5", "More", "A chlorine attack in Idlib city.")])
    code, out, _ = cli("run", "--dry-run", "--json")
    report = json.loads(out)
    assert report["marked_seen"] is False
    [alert] = report["alerts"]  # not "Aleppo water"
    assert alert["id"] == 1 and alert["new"] == 2 and alert["more"] == 1
    assert [p["doc_id"] for p in alert["paragraphs"]] in (["idlib-4"], ["idlib-5"])

    code, out, _ = cli("run", "--guild", "2")
    assert out.strip() == "nothing new for any watch"  # another server's only
    code, out, _ = cli("run")
    assert "watch #1  chlorine attack Idlib: 2 new" in out
    assert "1 more: archive-bot search 'chlorine attack Idlib'" in out
    code, out, _ = cli("run")  # marked seen: never twice
    assert out.strip() == "nothing new for any watch"

    code, out, _ = cli("remove", "1", "--guild", "2")
    assert code == 2
    code, out, _ = cli("remove", "1", "--guild", "1")
    assert code == 0 and "removed" in out
    code, out, _ = cli("resume", "2", "--guild", "1")
    assert code == 0 and "#2  Aleppo water -> DM to 7, guild 1  resumed" in out

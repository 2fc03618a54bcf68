"""``archive-bot run``: token, config and archive problems are one line before connecting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import runner
from bot.cli import main
from bot.cli.run import read_token
from bot.config import Settings
from bot.errors import ConfigError
from tests.conftest import REPO

GOOD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Settings, str]]:
    """Replace the runner: record what it would have run with."""
    calls: list[tuple[Settings, str]] = []

    def fake_run_bot(settings: Settings, token: str) -> int:
        calls.append((settings, token))
        return 0

    monkeypatch.setattr(runner, "run_bot", fake_run_bot)
    return calls


@pytest.mark.parametrize("token", ["", "   "])
def test_missing_token(token: str) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        read_token({"DISCORD_TOKEN": token})
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        read_token({})


@pytest.mark.parametrize("token", ["abc", "a.b", "a.b.c.d", "a.b.c d", "a+b.c.d", "a.b.",
                                   "ä.b.c", "Bot " + GOOD])
def test_malformed_token(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_token({"DISCORD_TOKEN": token})
    assert token.strip() not in str(caught.value)  # never echoed


def test_well_formed_token() -> None:
    assert read_token({"DISCORD_TOKEN": f"  {GOOD}\n"}) == GOOD


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_without_token_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    no_connect: list[Any],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code, out, err = run_cli(["run"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "DISCORD_TOKEN is not set" in err
    assert no_connect == []


def test_run_with_malformed_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    no_connect: list[Any],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-token-secret")
    code, _, err = run_cli(["run"], capsys)
    assert code == 2 and err.count("\n") == 1 and "malformed" in err
    assert "not-a-token-secret" not in err
    assert no_connect == []


def test_run_token_from_dotenv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    no_connect: list[tuple[Settings, str]],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://127.0.0.1:9/api/v10")
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={GOOD}\n")
    code, _, err = run_cli(["run", "--config", str(REPO / "config" / "config.yaml")], capsys)
    assert code == 0, err
    ((settings, token),) = no_connect
    assert token == GOOD
    assert settings.discord.api_base_url == "http://127.0.0.1:9/api/v10"
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)  # load_dotenv set it


def test_run_with_bad_config_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    no_connect: list[Any],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text("discord:\n  cooldown_rate: lots\n")
    code, _, err = run_cli(["run", "--config", str(bad)], capsys)
    assert code == 2 and err.count("\n") == 1 and "cooldown_rate" in err
    assert GOOD not in err and no_connect == []


def test_run_with_missing_archive_fails_before_connecting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    """The real runner: the archive is opened before any connection is attempted."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", GOOD)
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://127.0.0.1:9/api/v10")  # nothing there
    code, _, err = run_cli(["run", "--config", str(REPO / "config" / "config.yaml"),
                            "--archive", str(tmp_path / "nowhere"),
                            "--index", str(tmp_path / "index")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "nowhere" in err and GOOD not in err


def test_run_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "DISCORD_TOKEN" in capsys.readouterr().out

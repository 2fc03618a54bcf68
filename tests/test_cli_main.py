"""`archive-bot` itself: --version, .env discovery, the config named in errors, pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import REPO, SEEDS


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
        stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("ARCHIVE_BOT_", "DISCORD_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, text=True,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=120,
                          env={**environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("archive-bot ") and out.split()[1][0].isdigit()


def test_a_missing_archive_names_the_config_in_use(tmp_path: Path) -> None:
    done = cli("search", "Idlib", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no config file found" in done.stderr and str(tmp_path) in done.stderr
    config = tmp_path / "c.yaml"
    config.write_text("archive:\n  path: nowhere\n")
    done = cli("search", "Idlib", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2 and f"config: {config}" in done.stderr


def test_dotenv_from_parent_folders_is_not_read(tmp_path: Path) -> None:
    """A .env two folders up must not configure the bot (it did: find_dotenv walks up)."""
    (tmp_path / ".env").write_text("ARCHIVE_BOT_CONFIG=/nowhere/config.yaml\n")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    done = cli("search", "Idlib", "--archive", str(SEEDS), "--index", str(tmp_path / "ix"),
               cwd=work)
    assert done.returncode == 0, done.stderr
    (work / ".env").write_text("ARCHIVE_BOT_CONFIG=/nowhere/config.yaml\n")
    done = cli("search", "Idlib", cwd=work)
    assert done.returncode == 2 and "/nowhere/config.yaml" in done.stderr


def test_dotenv_beside_the_config_file_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    config = folder / "config.yaml"
    config.write_text(f"archive:\n  path: {SEEDS}\nindex:\n  path: {tmp_path / 'ix'}\n")
    (folder / ".env").write_text("DISCORD_TOKEN=not-a-token\n")
    done = cli("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2 and "DISCORD_TOKEN is malformed" in done.stderr
    assert "not-a-token" not in done.stderr


def test_a_closed_pipe_is_no_traceback(tmp_path: Path) -> None:
    """`archive-bot search ... | head -1`: the reader is gone before the output is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = cli("search", "Idlib", "--limit", "20", "--archive", str(SEEDS), "--index",
                   str(tmp_path / "ix"), cwd=tmp_path, stdout=write)
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
    assert done.stderr == "" and done.returncode == 141


def test_each_module_registers_the_commands_listed_for_it() -> None:
    import argparse

    from bot.cli import COMMANDS, build_parser, command_module
    from bot.cli.common import common_parser

    for name, commands in COMMANDS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        command_module(name).register(sub, common_parser())
        assert tuple(sub.choices) == commands, name
    full = build_parser()
    action = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert list(action.choices) == [c for commands in COMMANDS.values() for c in commands]


def test_a_command_line_imports_only_its_commands_module(tmp_path: Path) -> None:
    script = ("import sys\nfrom bot.cli import main\ntry:\n"
              "    main(['search', 'Idlib', '--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    loaded = done.stdout.strip().splitlines()[-1]
    assert "bot.cli.search" in loaded
    for other in ("bot.cli.logs", "bot.cli.watch", "bot.cli.timeline", "bot.cli.migrate"):
        assert other not in loaded, loaded
    assert cli("bogus", cwd=tmp_path).stderr.count("invalid choice") == 1

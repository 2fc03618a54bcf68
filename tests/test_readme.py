"""The README is the front door: every CLI command and option is documented there, and the
test command CI runs is the one the README gives."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_documented() -> None:
    commands = subcommands()
    assert set(commands) >= {"index", "search", "ask", "summary", "quote", "logs", "run"}
    for name in commands:
        assert f"`archive-bot {name}" in README, f"archive-bot {name} is not in the README"


def test_every_option_is_documented() -> None:
    common = {"--config", "--archive", "--index", "--help"}
    for name, parser in subcommands().items():
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option not in common:
                    assert re.search(rf"{re.escape(option)}\b", README), f"{name} {option}"


def test_ci_runs_the_readme_test_command() -> None:
    command = "pip install -e '.[dev]' && python -m pytest -q"
    assert command in README
    assert command in (REPO / ".ci" / "run").read_text()

"""``archive-bot run``: connect to Discord and answer until stopped (SIGTERM/SIGINT).

``DISCORD_TOKEN`` comes from the environment or ``.env``. A missing or malformed token, a bad
config or an unusable archive is one line on stderr (exit 2) before anything connects.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from typing import Any

from bot.cli.common import require_archive_folder, settings_from
from bot.errors import ConfigError

TOKEN_ENV = "DISCORD_TOKEN"
_PART = r"[A-Za-z0-9_-]+"
TOKEN_SHAPE = re.compile(rf"{_PART}\.{_PART}\.{_PART}")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "run", parents=[parent], help="run the Discord bot",
        description="Connect to Discord and answer slash commands and mentions. The bot token "
                    f"is read from ${TOKEN_ENV} (environment or .env).",
    )
    p.set_defaults(handler=cmd_run)


def read_token(environ: Mapping[str, str]) -> str:
    """The bot token, checked for shape only (Discord checks the rest); never echoed."""
    token = (environ.get(TOKEN_ENV) or "").strip()
    if not token:
        raise ConfigError(f"{TOKEN_ENV} is not set: put the bot token in the environment or .env")
    if token.lower().startswith("bot "):
        raise ConfigError(f"{TOKEN_ENV} must be the bare token, without the 'Bot ' prefix")
    if not TOKEN_SHAPE.fullmatch(token):
        raise ConfigError(
            f"{TOKEN_ENV} is malformed: a bot token is three dot-separated base64url parts"
        )
    return token


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)  # first: it reads the .env beside the config file
    token = read_token(os.environ)
    require_archive_folder(settings)
    from bot.app.runner import run_bot  # discord.py is only imported for this command

    return run_bot(settings, token)

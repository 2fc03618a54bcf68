"""``archive-bot``: a thin command line over the core.

Every command takes ``--config``, ``--archive`` and ``--index``. Errors the user can act on
(:class:`ArchiveBotError`) print one line on stderr and exit with status 2.

The top layer: may import every package of the product but ``bot.testing``
(``tests/test_layout.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from bot import logsafety
from bot.cli.common import common_parser, load_env_file
from bot.cli.output import SafeStream, clean, log_handler, stderr_console, stderr_is_terminal
from bot.errors import ArchiveBotError

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)

# Each module of bot.cli adds its subcommands; the order is the order of `archive-bot
# --help`. A command line naming one command imports only its module (a one-shot
# `archive-bot search` does not pay for the log, watch or timeline code); tests check that
# every module registers exactly the commands listed here.
COMMANDS: dict[str, tuple[str, ...]] = {
    "search": ("index", "search"),
    "answers": ("ask", "summary", "quote"),
    "timeline": ("timeline", "export"),
    "logs": ("logs",),
    "watch": ("watch",),
    "migrate": ("migrate-log",),
    "run": ("run",),
    "health": ("health",),
}
_MODULE_OF = {command: module for module, commands in COMMANDS.items() for command in commands}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"bot.cli.{name}")


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # only for --version

    try:
        return version("archive-bot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked (reading the
    package metadata costs a one-shot command tens of milliseconds)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default,
                         help=help or "show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"archive-bot {package_version()}")  # to stdout, as argparse's own action
        parser.exit()


def named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is no option), if one we know."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in _MODULE_OF else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or with ``command`` only of its module's commands."""
    parser = argparse.ArgumentParser(
        prog="archive-bot",
        description="Answer questions about a news archive, citing article and paragraph.",
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parent = common_parser()
    modules = [_MODULE_OF[command]] if command is not None else list(COMMANDS)
    for name in modules:
        command_module(name).register(sub, parent)
    return parser


def configure_logging(verbose: int, console: Console | None) -> None:
    """Log at WARNING (INFO with -v, DEBUG with -vv) to stderr, unless logging is already
    set up (as :func:`logging.basicConfig` would: tests and embedding programs keep theirs)."""
    root = logging.getLogger()
    root.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))
    if not root.handlers:
        root.addHandler(log_handler(console))


def main(argv: Sequence[str] | None = None) -> int:
    # .env in the working directory only (never a parent folder's); the environment wins.
    # The one beside the config file is read when the settings are (settings_from).
    load_env_file(Path.cwd() / ".env")
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(named_command(words))
    args = parser.parse_args(words)
    # rich only on a terminal: a command in a pipe (a script, the bench) does not import it
    args.stderr_console = console = stderr_console() if stderr_is_terminal() else None
    configure_logging(args.verbose, console)
    logsafety.install()  # interaction and bot tokens never reach the log, even at -vv
    stdout = sys.stdout
    sys.stdout = SafeStream(stdout)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()
    except ArchiveBotError as exc:
        print(f"archive-bot: {clean(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`archive-bot search ... | head -1`): stop quietly, and keep
        # the interpreter's final flush from raising again.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
    finally:
        sys.stdout = stdout
    return code

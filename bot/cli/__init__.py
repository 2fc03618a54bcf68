"""``archive-bot``: a thin command line over the core.

Every command takes ``--config``, ``--archive`` and ``--index``. Errors the user can act on
(:class:`ArchiveBotError`) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from dotenv import find_dotenv, load_dotenv

from bot.cli import answers, logs, run, search
from bot.cli.common import common_parser
from bot.core.errors import ArchiveBotError

log = logging.getLogger(__name__)

# Each module adds its subcommands; the order is the order of `archive-bot --help`.
COMMAND_MODULES = (search, answers, logs, run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archive-bot",
        description="Answer questions about a news archive, citing article and paragraph.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parent = common_parser()
    for module in COMMAND_MODULES:
        module.register(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(find_dotenv(usecwd=True))  # .env in the working directory; env wins
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.handler(args)
    except ArchiveBotError as exc:
        print(f"archive-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code

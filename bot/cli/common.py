"""What every command shares: the common options, settings, the archive, output helpers."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

from bot.config import Settings, load_settings, with_paths
from bot.core.library import BuildReport, open_archive
from bot.core.models import Filters
from bot.core.search import Archive, make_filters
from bot.core.tokenize import Tokenizer


def common_parser() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("common options")
    group.add_argument("--config", type=Path, default=None,
                       help="config file (default: $ARCHIVE_BOT_CONFIG or config/config.yaml)")
    group.add_argument("--archive", type=Path, default=None, metavar="DIR",
                       help="archive folder (overrides the config)")
    group.add_argument("--index", type=Path, default=None, metavar="DIR",
                       help="index folder (overrides the config)")
    return parent


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                        help="only articles published on or after this date")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                        help="only articles published on or before this date")
    parser.add_argument("--source", metavar="NAME", help="only articles from this outlet")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    return with_paths(settings, archive=args.archive, index=args.index)


def filters_from(args: argparse.Namespace) -> Filters:
    return make_filters(args.date_from, args.date_to, args.source)


class ProgressBar:
    """tqdm bars on stderr per stage; silent when stderr is not a terminal."""

    LABELS: ClassVar[dict[str, str]] = {
        "parse": "parsing files", "index": "indexing paragraphs", "save": "saving",
    }

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(
                total=total, desc=self.LABELS.get(stage, stage), unit=" items",
                file=sys.stderr, disable=None, leave=False,
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def load_archive(
    args: argparse.Namespace, *, rebuild: bool = False, full: bool = False
) -> tuple[Archive, BuildReport]:
    settings = settings_from(args)
    bar = ProgressBar()
    try:
        return open_archive(settings, progress=bar, rebuild=rebuild, full=full)
    finally:
        bar.close()


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def highlight(text: str, tokenizer: Tokenizer, terms: tuple[str, ...]) -> str:
    """Mark query terms: bold on a terminal, ``**word**`` otherwise."""
    spans = tokenizer.spans(text, terms)
    if not spans:
        return text
    on, off = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("**", "**")
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], on, text[start:end], off]
        last = end
    out.append(text[last:])
    return "".join(out)


def wrap(text: str, indent: str = "    ") -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)

"""What every command shares: the common options, settings, the archive, progress, output."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from dotenv import load_dotenv

from bot.cli.output import bold, clean, stderr_console, stderr_is_terminal
from bot.config import Settings, config_path, describe_source, load_settings, with_paths
from bot.core.build import BuildReport
from bot.core.search import Archive
from bot.core.tokenize import Tokenizer
from bot.errors import ConfigError
from bot.runtime.workers import open_archive

if TYPE_CHECKING:  # rich is imported only when stderr is a terminal
    from rich.console import Console
    from rich.progress import Progress, TaskID


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
    """The settings for this command; ``.env`` beside the config file is read first (never
    one in a parent folder: the working directory's was read by :func:`bot.cli.main`)."""
    path, _ = config_path(args.config, os.environ)
    load_env_file(path.resolve().parent / ".env")
    settings = load_settings(args.config)
    return with_paths(settings, archive=args.archive, index=args.index)


def load_env_file(path: Path) -> None:
    """Variables from ``path`` (python-dotenv), never over ones already set."""
    if path.is_file():
        load_dotenv(path, override=False)


class ProgressDisplay:
    """Index progress on a terminal: one rich bar per stage (files parsed, by bytes, so a
    single large file moves too; the postings; saving). Log lines go through the same
    console (:func:`bot.cli.output.log_handler`), so they print above the bars, not through
    them. Silent when stderr is not a terminal."""

    LABELS: ClassVar[dict[str, str]] = {
        "parse": "parsing files", "index": "building the postings",
        "save": "saving the index",
    }

    def __init__(self, console: Console | None = None) -> None:
        self._console = console  # None: stderr's, made when a first bar is drawn there
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._console is None:
            if not stderr_is_terminal():
                return
            self._console = stderr_console()
        if not self._console.is_terminal:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description:<26}"), BarColumn(), TaskProgressColumn(),
                TimeElapsedColumn(), console=self._console, transient=True,
            )
            self._progress.start()
        task = self._tasks.get(stage)
        if task is None:
            for other in self._tasks.values():  # an earlier stage is over
                self._progress.update(other, completed=self._progress.tasks[other].total)
            task = self._tasks[stage] = self._progress.add_task(
                self.LABELS.get(stage, stage), total=max(total, 1))
        self._progress.update(task, completed=done, total=max(total, 1))
        percent = 100 * done // max(total, 1)
        if percent != self._shown.get(stage):  # draw each whole percent, however fast
            self._shown[stage] = percent
            self._progress.refresh()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._tasks.clear()
        self._shown.clear()


def load_archive(
    args: argparse.Namespace, *, rebuild: bool = False, full: bool = False,
    verify: bool = False,
) -> tuple[Archive, BuildReport]:
    """The archive's index, built or updated as needed. A one-shot command starts fast
    (``verify=False``: the files' checksums are left to ``index --verify``; reads are
    bounds-checked)."""
    settings = settings_from(args)
    require_archive_folder(settings)
    display = ProgressDisplay(getattr(args, "stderr_console", None))
    try:
        return open_archive(settings, progress=display, rebuild=rebuild, full=full,
                            verify=verify)
    finally:
        display.close()


def require_archive_folder(settings: Settings) -> None:
    """A missing archive folder is named with the config file that put it there (or the
    fact that none was found: then the built-in ``seeds`` under the working directory)."""
    path = settings.archive.path
    if not path.is_dir():
        raise ConfigError(f"archive folder {path} does not exist or is not a folder "
                          f"({describe_source(settings)})")


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def highlight(text: str, tokenizer: Tokenizer, terms: tuple[str, ...]) -> str:
    """Mark query terms bold (on a terminal; plain text in a pipe, see :mod:`.output`)."""
    spans = tokenizer.spans(text, terms)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out += [clean(text[last:start]), bold(text[start:end])]
        last = end
    out.append(clean(text[last:]))
    return "".join(out)

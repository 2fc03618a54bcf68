"""What the command line prints, and how: one place that makes archive text safe to show.

Archive text and logged queries are data: an ANSI or OSC escape in them could clear the
screen, retitle the window or plant a hyperlink. :class:`SafeStream` wraps stdout for the
length of a command and strips every C0/C1 control character except newline and tab from
whatever is written, so no print can forget to. Bold is asked for with two private-use marker
characters (:func:`bold`), which become SGR codes on a terminal and vanish in a pipe (no
``**`` markup in piped output).

Tables (``logs``) and progress bars are drawn by rich, which measures wide Unicode in cells.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported where it draws: a command in a pipe never needs it
    from rich.console import Console

BOLD_ON = "\ue000"
BOLD_OFF = "\ue001"
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKERS = re.compile(f"[{BOLD_ON}{BOLD_OFF}]")
SGR_BOLD, SGR_RESET = "\033[1m", "\033[0m"


def clean(text: str) -> str:
    """``text`` without control characters (newline and tab kept) or bold markers."""
    return _MARKERS.sub("", _CONTROLS.sub("", text))


def bold(text: str) -> str:
    return f"{BOLD_ON}{clean(text)}{BOLD_OFF}"


class SafeStream(io.TextIOBase):
    """A text stream that strips control characters and renders the bold markers."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        tty = bool(getattr(raw, "isatty", lambda: False)())
        self._on, self._off = (SGR_BOLD, SGR_RESET) if tty else ("", "")
        self._tty = tty

    def write(self, s: str) -> int:
        safe = _CONTROLS.sub("", s).replace(BOLD_ON, self._on).replace(BOLD_OFF, self._off)
        self.raw.write(safe)
        return len(s)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", "utf-8"))

    def writable(self) -> bool:
        return True


def raw_stream(stream: TextIO) -> TextIO:
    """The stream under a :class:`SafeStream` (for rich, which writes its own codes)."""
    return stream.raw if isinstance(stream, SafeStream) else stream


def wrap(text: str, indent: str = "    ") -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)


PIPE_WIDTH = 1000  # a pipe has no width: never fold cells there


def stdout_console() -> Console:
    """A rich console on the real stdout: styles on a terminal, plain text in a pipe."""
    from rich.console import Console

    console = Console(file=raw_stream(sys.stdout), highlight=False, markup=False,
                      emoji=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` as a table whose columns fit wide characters (CJK, emoji)."""
    from rich import box
    from rich.table import Table

    console = stdout_console()
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False,
                 header_style="bold" if console.is_terminal else "")
    for name in columns:
        grid.add_column(clean(name), overflow="fold")
    for row in rows:
        grid.add_row(*(clean(cell) for cell in row))
    console.print(grid)


class CleanFormatter(logging.Formatter):
    """Log lines without control characters (a skipped file's name is archive data too)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def stderr_is_terminal() -> bool:
    """Whether stderr gets rich's progress bars and log lines: a terminal, or ``FORCE_COLOR``
    as rich reads it. Elsewhere (a pipe, a cron job) rich is never imported."""
    return sys.stderr.isatty() or bool(os.environ.get("FORCE_COLOR"))


def stderr_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, markup=False, emoji=False)


def log_handler(console: Console | None) -> logging.Handler:
    """Log to stderr: through the rich console on a terminal (so lines print above a live
    progress bar instead of through it), plain lines elsewhere (``console`` None: not a
    terminal)."""
    handler: logging.Handler
    if console is not None and console.is_terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=console, show_path=False, markup=False,
                              rich_tracebacks=False)
        handler.setFormatter(CleanFormatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            CleanFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler

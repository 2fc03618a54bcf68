"""bot/cli/output.py: control characters never reach the terminal; bold only on a terminal."""

from __future__ import annotations

import io
import logging
import re

from rich.console import Console

from bot.cli.common import ProgressDisplay
from bot.cli.output import SafeStream, bold, clean, log_handler


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_clean_strips_c0_and_c1_but_keeps_newline_and_tab() -> None:
    hostile = "a\x1b[2Jb\x1b]0;title\x07c\x9b31md\x00e\rf\tg\nh\x7f"
    assert clean(hostile) == "a[2Jb]0;titlec31mdef\tg\nh"


def test_safe_stream_renders_bold_on_a_terminal_only() -> None:
    tty, pipe = FakeTerminal(), io.StringIO()
    for raw in (tty, pipe):
        SafeStream(raw).write(f"see {bold('Idlib')} \x1b[2Jnow\n")
    assert tty.getvalue() == "see \x1b[1mIdlib\x1b[0m [2Jnow\n"
    assert pipe.getvalue() == "see Idlib [2Jnow\n"


def test_bold_cannot_be_forged_by_archive_text() -> None:
    assert clean("x\ue000y\ue001") == "xy"
    assert bold("\ue000evil") == "\ue000evil\ue001"


def test_log_lines_print_above_the_progress_bar_not_through_it() -> None:
    screen = FakeTerminal()
    console = Console(file=screen, force_terminal=True, width=100)
    logger = logging.getLogger("tests.progress")
    handler = log_handler(console)
    logger.addHandler(handler)
    logger.propagate = False
    display = ProgressDisplay(console)
    try:
        display("parse", 10, 100)
        logger.warning("skipped broken.txt: binary file")
        display("parse", 60, 100)
        display("index", 1, 2)
    finally:
        display.close()
        logger.removeHandler(handler)
        logger.propagate = True
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    lines = [ln for ln in re.split(r"[\r\n]", text) if "skipped broken.txt" in ln]
    assert lines, text
    assert all("parsing files" not in ln and "━" not in ln for ln in lines)
    assert "building the postings" in text  # a later stage gets its own bar


def test_the_progress_display_is_silent_off_a_terminal() -> None:
    pipe = io.StringIO()
    display = ProgressDisplay(Console(file=pipe, force_terminal=False))
    display("parse", 1, 2)
    display.close()
    assert pipe.getvalue() == ""

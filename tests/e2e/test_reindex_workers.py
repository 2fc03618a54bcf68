"""Killing the reindex child process leaves no worker process behind.

A reindex of a large archive runs in a child process of the bot, which analyses the files in
worker processes of its own. The child is killed with SIGKILL (no clean-up runs) while its
workers are busy: they must die with it, and the bot must go on answering.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

from bot.testing.fakediscord import FakeDiscord
from tests.e2e.botproc import answer_of, citations, filler_text
from tests.e2e.conftest import Indexed, StartBot

FILES = 2
FILE_BYTES = 6_000_000  # two files over 8 MB in all: analysed by worker processes
GONE_WITHIN = 5.0


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited (it only waits to be reaped)


def children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and parent_of(int(p.name)) == pid and alive(int(p.name))]


def is_spawned_child(pid: int) -> bool:
    """A multiprocessing 'spawn' child (not the resource tracker)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline


async def poll(predicate: object, deadline: float, what: str) -> None:
    """Wait (polling the process table) until ``predicate()`` holds, or fail at ``deadline``."""
    loop = asyncio.get_running_loop()
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)  # polling /proc: nothing to wait on


def add_large_files(archive: Path) -> list[Path]:
    paths = []
    for f in range(FILES):
        path = archive / f"large-{f}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for a in range(30):
                text = "\n\n".join(filler_text(2_000, seed=f * 100_000 + a * 100 + p)
                                   for p in range(FILE_BYTES // 30 // 2_000))
                out.write(json.dumps({"id": f"large-{f}-{a}", "title": f"Ledger {f}.{a}",
                                      "date": "2019-04-01", "text": text}) + "\n")
        paths.append(path)
    return paths


async def test_killing_the_reindex_child_kills_its_workers(
        fake: FakeDiscord, start_bot: StartBot, seeds: Indexed) -> None:
    # A scheduled reindex every 0.6 s: adding files starts one, in a child process.
    bot = await start_bot(archive=seeds, settings={"index": {"reindex_interval_minutes": 0.01}})
    assert bot.proc is not None
    archive = bot.workdir / "archive"
    large = add_large_files(archive)
    loop = asyncio.get_running_loop()

    found: dict[str, list[int]] = {}

    def building() -> bool:
        for child in children(bot.proc.pid):  # type: ignore[union-attr]
            if is_spawned_child(child):
                workers = [w for w in children(child) if is_spawned_child(w)]
                if workers:
                    found.update(child=[child], workers=workers)
                    return True
        return False

    await poll(building, loop.time() + 90, "the reindex child and its workers")
    (child,), workers = found["child"], found["workers"]
    for path in large:  # the next scheduled check finds nothing to do
        path.unlink()
    os.kill(child, signal.SIGKILL)
    killed = loop.time()
    try:
        await poll(lambda: not any(alive(w) for w in workers), killed + GONE_WITHIN,
                   f"workers {workers} to exit")
    finally:
        left = [w for w in workers if alive(w)]
        print(f"\nworkers alive {GONE_WITHIN:.0f} s after killing the reindex child: "
              f"{len(left)} of {len(workers)}")
        for w in left:  # do not leak them from the test run
            os.kill(w, signal.SIGKILL)
    assert not left

    # The bot saw the reindex fail, and goes on answering from the index it had.
    await poll(lambda: "the reindex process died" in bot.stderr(), loop.time() + 10,
               "the failed reindex in the log")
    handle = await fake.send_slash_command("search", {"query": "Astana talks"})
    assert citations(await answer_of(handle))
    assert await bot.terminate() == 0

"""die_with_parent: a pool's workers exit when their parent is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.runtime.lifeline import ORPHANED_EXIT

REPO = Path(__file__).resolve().parents[1]
POOL = textwrap.dedent("""
    import multiprocessing, os, sys
    from concurrent.futures import ProcessPoolExecutor
    from bot.runtime.lifeline import die_with_parent

    if __name__ == "__main__":
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(2, mp_context=context, initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            list(pool.map(abs, range(4)))  # the workers are up and initialised
            print("ready", flush=True)
            sys.stdin.read()  # until killed
""")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def workers_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == pid:
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                out.append(int(entry.name))
    return out


def test_workers_die_with_their_killed_parent(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    workers: list[int] = []
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        workers = workers_of(parent.pid)
        assert workers
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.02)  # polling /proc: nothing to wait on
        assert not [w for w in workers if alive(w)]
    finally:
        parent.kill()
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)


def test_a_child_whose_parent_is_already_gone_exits_at_once() -> None:
    # Started by this process, but told its parent is someone else: it is an orphan.
    code = "from bot.runtime.lifeline import die_with_parent; die_with_parent(1); input()"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE,
                          timeout=30, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == ORPHANED_EXIT

"""A private ``redis-server`` for a test: a unix socket in the test's folder (no port to
collide on), no persistence; the test is skipped when the server is not installed
(``.ci/run`` installs Debian's ``redis-server``)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

START_SECONDS = 15.0


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Start the server in ``folder``; yields its ``unix://`` URL; stops it on exit."""
    pytest.importorskip("redis", reason="redis-py is not installed (the redis extra)")
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    sock = folder / "redis.sock"
    proc = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready, said = threading.Event(), []

    def read() -> None:  # until the server says it is ready (7.0: "...ready to accept...")
        assert proc.stdout is not None
        for line in proc.stdout:
            said.append(line)
            if "ready to accept connections" in line.lower():
                ready.set()

    threading.Thread(target=read, name="redis-server-log", daemon=True).start()
    try:
        if not ready.wait(START_SECONDS):
            pytest.fail(f"redis-server did not start:\n{''.join(said)}")
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(10)

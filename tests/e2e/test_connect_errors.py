"""`archive-bot run` that cannot connect: one line on stderr, exit 2, no traceback, no token.

Each case is the real process: a closed port, a name that does not resolve, a token the
REST API rejects, and a gateway that closes IDENTIFY with 4004 (authentication failed).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from bot.testing.fakediscord import FakeDiscord
from tests.e2e.botproc import REPO, fake_token, write_config
from tests.e2e.conftest import Indexed

EXIT_DEADLINE = 60.0


async def run_bot(config: Path, token: str, api: str, gateway: str | None = None,
                  *, verbose: bool = False) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ARCHIVE_"))}
    env.update({"DISCORD_TOKEN": token, "DISCORD_API_BASE_URL": api,
                "PYTHONPATH": str(REPO)})
    if gateway:
        env["DISCORD_GATEWAY_URL"] = gateway
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *(["-v"] if verbose else []), "run", "--config",
        str(config), env=env, cwd=config.parent, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), EXIT_DEADLINE)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def config_for(tmp_path: Path, seeds: Indexed) -> Path:
    import shutil

    index = tmp_path / "index"
    shutil.copytree(seeds.index, index)
    return write_config(tmp_path / "config.yaml", archive=seeds.archive, index=index,
                        querylog=tmp_path / "q.sqlite3", guild_id="1")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line(err: str, token: str, *words: str) -> None:
    assert err.count("\n") == 1 and err.startswith("archive-bot: "), err
    assert "Traceback" not in err and token not in err
    for word in words:
        assert word in err, err


async def test_connection_refused(tmp_path: Path, seeds: Indexed, token: str) -> None:
    port = closed_port()
    code, err = await run_bot(config_for(tmp_path, seeds), token,
                              f"http://127.0.0.1:{port}/api/v10")
    assert code == 2
    assert_one_line(err, token, f"127.0.0.1:{port}", "connection refused")


async def test_name_that_does_not_resolve(tmp_path: Path, seeds: Indexed, token: str) -> None:
    code, err = await run_bot(config_for(tmp_path, seeds), token,
                              "http://archive-bot-test.invalid/api/v10")
    assert code == 2
    assert_one_line(err, token, "archive-bot-test.invalid", "does not resolve")


async def test_rejected_token(tmp_path: Path, seeds: Indexed, fake: FakeDiscord,
                              token: str) -> None:
    other = fake_token("999999999999999999")  # well formed, but not the fake's
    code, err = await run_bot(config_for(tmp_path, seeds), other, fake.api_base_url,
                              fake.gateway_url)
    assert code == 2
    assert_one_line(err, other, "rejected DISCORD_TOKEN")


async def test_gateway_close_4004(tmp_path: Path, seeds: Indexed, fake: FakeDiscord,
                                  token: str) -> None:
    fake.gateway.refuse_identify = 4004
    code, err = await run_bot(config_for(tmp_path, seeds), token, fake.api_base_url,
                              fake.gateway_url, verbose=True)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("archive-bot: ") and "4004" in last and "DISCORD_TOKEN" in last
    assert "Traceback" not in err and token not in err

"""Fixtures for the end-to-end tests: a FakeDiscord per test and the real bot process.

The seeds are indexed once per session (``archive-bot index``); every bot gets its own copy
of that index folder (the bot may write to it: lock file, reindex), its own query log and its
own config file under the test's ``tmp_path``.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.testing.fakediscord import FakeDiscord
from tests.e2e.botproc import (
    SEEDS,
    BotProcess,
    build_index,
    fake_token,
    synthetic_archive,
    write_config,
)

BIG_ARCHIVE_DOCUMENTS = 200  # x 20 paragraphs: a full reindex takes a second or two


@dataclass(frozen=True)
class Indexed:
    """An archive folder and its index, built once per session (copied per bot)."""

    archive: Path
    index: Path


class StartBot(Protocol):
    def __call__(self, *, name: str = ..., archive: Indexed | None = ...,
                 discord: Mapping[str, Any] | None = ...,
                 querylog: Mapping[str, Any] | None = ..., wait: bool = ...,
                 settings: Mapping[str, Mapping[str, Any]] | None = ..., verbose: str = ...,
                 ) -> Awaitable[BotProcess]: ...


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def token() -> str:
    return fake_token("1234567890123456789")


def _indexed(root: Path, archive: Path) -> Indexed:
    config = write_config(root / "config.yaml", archive=archive, index=root / "index",
                          querylog=root / "querylog.sqlite3", guild_id="1")
    build_index(config, root)
    return Indexed(archive, root / "index")


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The repo's seeds (used in place, read-only) and their index."""
    return _indexed(tmp_path_factory.mktemp("e2e-seeds"), SEEDS)


@pytest.fixture(scope="session")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The seeds plus made-up articles; copied per bot (a test may add files)."""
    root = tmp_path_factory.mktemp("e2e-big")
    return _indexed(root, synthetic_archive(root / "archive", BIG_ARCHIVE_DOCUMENTS))


@pytest.fixture
async def fake(token: str) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=token) as server:
        yield server


@pytest.fixture
async def start_bot(request: pytest.FixtureRequest, fake: FakeDiscord, token: str,
                    seeds: Indexed, tmp_path: Path) -> AsyncIterator[StartBot]:
    """``await start_bot(...)``: write a config, start ``archive-bot run``, wait for READY.

    Bots started with the same ``name`` share the index copy and the query log (a restart).
    Every process is killed at teardown; on failure its (token-free) stderr is printed.
    """
    started: list[BotProcess] = []

    async def start(*, name: str = "bot", archive: Indexed | None = None,
                    discord: Mapping[str, Any] | None = None,
                    querylog: Mapping[str, Any] | None = None, wait: bool = True,
                    settings: Mapping[str, Mapping[str, Any]] | None = None,
                    verbose: str = "-v") -> BotProcess:
        home = tmp_path / name
        home.mkdir(exist_ok=True)
        source = archive or seeds
        folder = source.archive
        if archive is not None:  # a private copy: the test may change it
            folder = home / "archive"
            if not folder.exists():
                shutil.copytree(source.archive, folder)
        index = home / "index"
        if not index.exists():
            shutil.copytree(source.index, index)
        db = home / "querylog.sqlite3"
        config = write_config(home / "config.yaml", archive=folder, index=index, querylog=db,
                              guild_id=fake.world.guild_id, discord=discord,
                              querylog_settings=querylog, settings=settings)
        bot = BotProcess(fake, config, token, home, db, name=f"{name}-{len(started) + 1}",
                         verbose=verbose)
        started.append(bot)
        since = fake.mark()
        await bot.start()
        if wait:
            await bot.wait_ready(since=since)
        return bot

    try:
        yield start
    finally:
        for bot in started:
            await bot.kill()
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                     for when in ("setup", "call"))
        if failed:
            for bot in started:
                print(f"\n----- stderr of {bot.stderr_path.name} (exit {bot.returncode}) -----")
                print(bot.stderr())
            if fake.violations:
                print("\n----- Discord API violations so far -----")
                print("\n".join(f"  - {v}" for v in fake.violations).replace(token, "<token>"))

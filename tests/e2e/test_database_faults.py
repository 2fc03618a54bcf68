"""Faults of the query-log database: the real bot keeps answering within Discord's 3 s.

* Another process holds ``BEGIN EXCLUSIVE`` on the bot's query log for 20 s (as a backup
  tool or a curious ``sqlite3`` shell would): every command is still acknowledged within 3 s,
  and the rows queued meanwhile are written once the lock is gone.
* The query-log file is garbage, truncated, has a bad header, or is a directory: the bot
  starts and answers; a corrupt file is moved aside (``*.corrupt-<time>``, one log line).

(A full disk is covered by the unit tests: ``tests/test_store_querylog.py`` makes SQLite
raise "database or disk is full" with ``PRAGMA max_page_count``.)
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.store.db import atomic, open_database
from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import DEADLINE, DEFERRED, answer_of, citations, query_rows, text_of
from tests.e2e.conftest import StartBot

ADMIN = "archive-admin"
REFUSED = "Only server admins can use /archive-admin"
LOCK_SECONDS = 20.0
# Another process: take the write lock, say so, hold it LOCK_SECONDS, let go, say so.
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


async def acknowledged(fake: FakeDiscord, handle: InteractionHandle, what: str,
                       delays: dict[str, float]) -> None:
    """Record when the bot first answered ``handle``'s callback (a late one is refused by
    the fake, as by Discord: its delay is recorded all the same)."""
    callback = rf"^/interactions/{handle.id}/{re.escape(handle.token)}/callback$"
    try:
        first = await fake.wait_for_request("POST", callback, timeout=30)
    except AssertionError:  # no callback at all
        delays[what] = float("inf")
        return
    delays[what] = first.time - handle.dispatched_at


async def test_a_locked_query_log_never_delays_a_reply(fake: FakeDiscord,
                                                      start_bot: StartBot) -> None:
    bot = await start_bot()
    world = fake.world
    forgotten = factories.user("forgotten")
    world.add_member(forgotten)
    general, other_channel = (c["id"] for c in world.channels[:2])
    # Before the lock: the forgotten user's query (a row for the forget to delete).
    await answer_of(await fake.send_slash_command("search", {"query": "Astana talks"},
                                                  user=forgotten, channel_id=general))

    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(bot.db), str(LOCK_SECONDS),
        stdout=asyncio.subprocess.PIPE)
    assert locker.stdout is not None
    try:
        assert (await locker.stdout.readline()).strip() == b"locked"
        delays: dict[str, float] = {}
        search = await fake.send_slash_command("search", {"query": "air strikes Idlib"},
                                               channel_id=general)
        await acknowledged(fake, search, "search", delays)
        stats = await fake.send_slash_command(ADMIN, {"days": 7}, subcommand="stats",
                                              user=world.admin)
        await acknowledged(fake, stats, "admin stats", delays)
        # By now the writer is retrying the rows above against the lock.
        first = await fake.send_slash_command("search", {"query": "Aleppo withdrawal"},
                                              channel_id=other_channel)
        await acknowledged(fake, first, "first command in a new channel", delays)
        refused = await fake.send_slash_command(ADMIN, {"days": 7}, subcommand="stats",
                                                user=world.user)
        await acknowledged(fake, refused, "admin refusal", delays)
        forget = await fake.send_slash_command(ADMIN, {"user": forgotten},
                                               subcommand="forget", user=world.admin)
        await acknowledged(fake, forget, "admin forget", delays)
        print("\nacknowledged while the query log was locked: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in delays.items()))
        assert all(delay < DEADLINE for delay in delays.values()), delays
        for handle in (search, first, stats, forget, refused):
            await handle.wait_response()  # accepted (within the deadline, then)
        assert forget.callback is not None and forget.callback.json["type"] == DEFERRED
        assert refused.callback is not None
        assert REFUSED in refused.callback.json["data"]["content"]
        forget_edits = rf"^/webhooks/\d+/{re.escape(forget.token)}/messages/@original$"
        assert not fake.requests_matching("PATCH", forget_edits)  # it waits for the lock
        for handle in (search, first):  # the answers themselves did not wait either
            await handle.wait_edit(timeout=15)
            assert handle.original is not None and citations(handle.original)
        assert (await locker.stdout.readline()).strip() == b"released"
    finally:
        if locker.returncode is None:
            locker.kill()
        await locker.wait()

    # Once the lock is gone: the forget reports, and the rows queued meanwhile are written.
    done = await forget.wait_edit(timeout=60)
    assert re.search(r"deleted 1 log rows", text_of(done.json)), text_of(done.json)
    await stats.wait_edit(timeout=60)
    recent = await answer_of(await fake.send_slash_command(
        ADMIN, {"view": "recent"}, subcommand="logs", user=world.admin))
    assert "air strikes Idlib" in text_of(recent) and "Aleppo withdrawal" in text_of(recent)

    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    assert sorted(r["command"] for r in rows) == sorted(
        ["search", "search", "admin:stats", "admin:forget", "admin:stats", "admin:logs"])
    assert len({r["request_id"] for r in rows}) == len(rows)
    assert not [r for r in rows if r["query"] == "Astana talks"]  # forgotten
    assert "rows were dropped" not in bot.stderr()
    fake.assert_no_violations()


# -- start-up with a broken query-log file ----------------------------------------------------


async def _real_log(path: Path) -> bytes:
    """A query log as the bot writes it, with enough rows to span many pages."""
    conn = await open_database(path)
    async with atomic(conn):
        await conn.executemany(
            "INSERT INTO queries (ts, command, query, filters, result_count, found, top_hits, "
            "request_id) VALUES ('2024-01-01T00:00:00.000Z', 'search', ?, '{}', 1, 1, '[]', ?)",
            [(f"old query {n} " * 10, f"old-{n}") for n in range(2000)])
    await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await conn.close()
    return path.read_bytes()


async def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


async def truncated(path: Path) -> None:
    good = await _real_log(path)
    path.write_bytes(good[: len(good) // 2])


async def bad_header(path: Path) -> None:
    good = await _real_log(path)
    path.write_bytes(b"Not SQLite at al" + good[16:])


async def directory(path: Path) -> None:
    path.mkdir()


Damage = Callable[[Path], Awaitable[None]]


@pytest.mark.parametrize("damage", [garbage, truncated, bad_header, directory],
                         ids=["garbage", "truncated", "bad-header", "directory"])
async def test_the_bot_starts_and_answers_whatever_the_query_log_file(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path, damage: Damage) -> None:
    home = tmp_path / "bot"
    home.mkdir()
    db = home / "querylog.sqlite3"  # where start_bot points the bot's query log
    await damage(db)
    before = db.read_bytes() if db.is_file() else None

    bot = await start_bot()  # READY: it started
    message = await answer_of(await fake.send_slash_command(
        "search", {"query": "air strikes Idlib"}))
    assert citations(message)
    assert await bot.terminate() == 0

    log = bot.stderr()
    assert "Traceback" not in log
    if before is None:  # the directory: left alone, the log kept in memory, said once
        assert db.is_dir() and not list(db.iterdir())
        said = [line for line in log.splitlines() if "cannot be used" in line]
        assert len(said) == 1 and "in memory" in said[0], said
        return
    [aside] = list(home.glob("querylog.sqlite3.corrupt-*"))
    assert aside.read_bytes() == before  # kept untouched for whoever wants to look
    said = [line for line in log.splitlines() if "is corrupt" in line]
    assert len(said) == 1 and aside.name in said[0], said
    rows = query_rows(db)  # the new log holds this run's query
    assert [r["query"] for r in rows] == ["air strikes Idlib"]
    fake.assert_no_violations()

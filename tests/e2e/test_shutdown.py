"""Shutdown: SIGTERM lets answers in progress finish and flushes the query log; no row lost."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.botproc import query_rows
from tests.e2e.conftest import StartBot
from tests.fakediscord import FakeDiscord, factories

N = 24
QUERIES = ["air strikes Idlib", "Astana talks", "Aleppo withdrawal", "Lavrentyev",
           "peace talks", "humanitarian aid", "Russia bomb Syria", "Idlib offensive"]


async def test_sigterm_flushes_every_row(fake: FakeDiscord, start_bot: StartBot) -> None:
    # Rows reach the disk only through the shutdown flush: no timed flush, no full batch.
    bot = await start_bot(querylog={"flush_interval_seconds": 3600, "batch_size": 1000})
    # The mention goes first: the gateway is read in order, so once the last interaction is
    # acknowledged the bot has seen every dispatch.
    mention = await fake.send_message_create("Who threatened the Syrian opposition?",
                                             mention_bot=True)
    users = [factories.user(f"reader{i}") for i in range(N)]
    handles = []
    for i, user in enumerate(users):
        handles.append(await fake.send_slash_command(
            "search", {"query": QUERIES[i % len(QUERIES)]}, user=user))
    await asyncio.gather(*(h.wait_response() for h in handles))  # acknowledged, maybe not done

    code = await bot.terminate()
    assert code == 0, bot.stderr()
    rows = query_rows(bot.db)
    assert len(rows) == N + 1
    assert sorted(r["command"] for r in rows) == ["mention"] + ["search"] * N
    assert all(r["error_id"] is None for r in rows)
    # The answers in progress at SIGTERM were finished before the bot disconnected.
    for handle in handles:
        assert fake.requests_matching("PATCH", rf"/{re.escape(handle.token)}/messages/@original$")
    assert fake.requests_matching(
        "POST", rf"^/channels/{mention['channel_id']}/messages$")
    assert "SIGTERM received" in bot.stderr()
    fake.assert_no_violations()

"""Shutdown: SIGTERM lets answers in progress finish and flushes the query log; no row lost."""

from __future__ import annotations

import asyncio
import re

from bot.testing.fakediscord import FakeDiscord, factories
from tests.e2e.botproc import query_rows
from tests.e2e.conftest import StartBot

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


# --- SIGTERM during a Discord outage ---------------------------------------------------------

STOP_GRACE = 10.0  # docker compose's stop grace period: SIGKILL after it


async def stop_during_outage(fake: FakeDiscord, start_bot: StartBot, mode: str,
                             attempts: int) -> tuple[float, int, int]:
    """Answer some searches (rows held back: no timed flush), start a gateway outage, wait
    until the bot has tried to reconnect ``attempts`` times, SIGTERM it: (seconds to exit,
    exit code, rows lost)."""
    bot = await start_bot(querylog={"flush_interval_seconds": 3600, "batch_size": 1000})
    handles = [await fake.send_slash_command("search", {"query": q}) for q in QUERIES]
    for handle in handles:
        await handle.wait_edit(timeout=15)  # answered: its row is recorded, not yet written
    before = fake.gateway_attempts
    await fake.gateway_outage(mode)
    await fake.wait_for_gateway_attempts(before + attempts, timeout=60)
    assert bot.proc is not None
    started = asyncio.get_running_loop().time()
    try:
        code = await bot.terminate(timeout=120)
    finally:
        await fake.gateway_outage(None)
    took = asyncio.get_running_loop().time() - started
    return took, code, len(QUERIES) - len(query_rows(bot.db))


async def test_sigterm_while_the_gateway_never_says_hello(fake: FakeDiscord,
                                                          start_bot: StartBot) -> None:
    # The gateway accepts the websocket and stays silent: discord.py waits up to 60 s for
    # HELLO. The stop must not wait for it.
    took, code, lost = await stop_during_outage(fake, start_bot, "silent", attempts=1)
    print(f"\nsilent gateway: exit {code} {took:.1f} s after SIGTERM, rows lost {lost}")
    assert code == 0
    assert took <= STOP_GRACE
    assert lost == 0


async def test_sigterm_during_reconnect_backoff(fake: FakeDiscord, start_bot: StartBot) -> None:
    # The gateway refuses every connection (HTTP 503): discord.py sleeps ever longer between
    # attempts (up to 2, 4, 8, 16... s). Four failures in, SIGTERM lands in one of those
    # sleeps (random, up to 16 s: before the fix the exit waited for the sleep to end).
    took, code, lost = await stop_during_outage(fake, start_bot, "refuse", attempts=4)
    print(f"\nrefused gateway: exit {code} {took:.1f} s after SIGTERM, rows lost {lost}")
    assert code == 0
    assert took <= STOP_GRACE
    assert lost == 0


async def test_sigterm_while_login_is_rate_limited(fake: FakeDiscord, start_bot: StartBot) -> None:
    # Discord answers the login with a 429 and retry_after 60 s: discord.py sleeps it out.
    fake.fail_next("GET", r"^/users/@me$", status=429, retry_after=60.0)
    bot = await start_bot(wait=False)
    await fake.wait_for_request("GET", r"^/users/@me$", predicate=lambda r: r.status == 429,
                                timeout=30)
    started = asyncio.get_running_loop().time()
    code = await bot.terminate(timeout=120)
    took = asyncio.get_running_loop().time() - started
    print(f"\nrate-limited login: exit {code} {took:.1f} s after SIGTERM")
    assert code == 0
    assert took <= STOP_GRACE

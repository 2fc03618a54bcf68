"""Load: 200 interactions at once, each acknowledged within Discord's 3 seconds."""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter

import pytest

from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import DEADLINE, DEFERRED, query_rows
from tests.e2e.conftest import StartBot

COUNT = 200
# A mix of the user commands (options as a user would type them).
REQUESTS: list[tuple[str, dict[str, object]]] = [
    ("search", {"query": "air strikes Idlib"}),
    ("ask", {"question": "How many civilians were killed in ten days of air strikes?"}),
    ("search", {"query": "Astana talks", "limit": 10}),
    ("quote", {"text": "no one doubts the usefulness of Astana"}),
    ("summary", {"topic": "Aleppo"}),
    ("ask", {"question": "Who chaired the opposition delegation?"}),
    ("search", {"query": "Russia bomb Syria", "from": "2016-01-01"}),
    ("summary", {"article": "003_03cdae4a38ed77fc", "sentences": 3}),
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def test_200_interactions_at_once(fake: FakeDiscord, start_bot: StartBot,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # The configured default cooldown (5 per 30 s per user), 200 distinct users.
    bot = await start_bot(discord={"cooldown_rate": 5, "cooldown_seconds": 30})
    users = [factories.user(f"reader{i}") for i in range(COUNT)]

    handles: list[InteractionHandle] = await asyncio.gather(*(
        fake.send_slash_command(*REQUESTS[i % len(REQUESTS)], user=user)
        for i, user in enumerate(users)
    ))
    callbacks = await asyncio.gather(*(h.wait_response(timeout=30) for h in handles))
    delays = [h.response_delay for h in handles]
    with capsys.disabled():
        print(f"\n[load] {COUNT} interactions: initial response p50 "
              f"{statistics.median(delays) * 1000:.0f} ms, p95 "
              f"{percentile(delays, 95) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms")
    assert len(callbacks) == COUNT
    late = [d for d in delays if d >= DEADLINE]
    assert not late, f"{len(late)} responses after {DEADLINE} s: {sorted(late)[-5:]}"
    assert Counter(c.json["type"] for c in callbacks) == {DEFERRED: COUNT}

    # Every one then gets its answer, and its log row.
    await asyncio.gather(*(h.wait_edit(timeout=60) for h in handles))

    # The cooldown is real: one user's 6th command within 30 s is refused (privately).
    extra = [await fake.send_slash_command("search", {"query": f"Idlib {i}"}, user=users[0])
             for i in range(5)]
    replies = [await h.wait_response() for h in extra]
    assert [r.json["type"] for r in replies] == [DEFERRED] * 4 + [4]
    assert "Try again in" in replies[-1].json["data"]["content"]
    assert replies[-1].json["data"]["flags"] & factories.EPHEMERAL
    await asyncio.gather(*(h.wait_edit() for h in extra[:4]))
    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    assert len(rows) == COUNT + 5  # the refused one is logged too
    assert len({r["user_key"] for r in rows}) == COUNT
    assert all(r["error_id"] is None for r in rows)
    fake.assert_no_violations()

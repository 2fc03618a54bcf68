"""Expensive requests do not starve everyone else.

The archive holds one article whose single paragraph is megabytes long: summarising it, or
answering a question from it, takes a second or more of CPU each time, for real. One user
fires a burst of those while other users search; the searches must still be answered
quickly (the pool is shared fairly: one user holds at most ``max_concurrent_per_user``
slots). With the default work budget, the same requests are refused at once as too large.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics

import pytest

from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import SEEDS, answer_of, filler_text, query_rows, text_of
from tests.e2e.conftest import Indexed, StartBot, _indexed

HUGE_BYTES = 3_000_000  # one paragraph: ~1 s of CPU to summarise, ~1.4 s to answer from
# (when ingestion splits over-long paragraphs, an /ask reads only the best pieces: cheap; the
# article's summary still reads all of it)
HUGE_ID = "huge-dispatch"
EXPENSIVE = 10  # requests fired at once by one user
CHEAP = 20  # searches by four other users meanwhile
CHEAP_QUERIES = ["air strikes Idlib", "Astana talks", "Aleppo withdrawal", "peace talks",
                 "humanitarian aid"]
HUGE_QUESTION = "How many lanterns were carried near Velmora?"
UNLIMITED = {"answers": {"max_work_bytes": 0, "max_work_seconds": 0}}

@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The seeds plus one article of one :data:`HUGE_BYTES` paragraph, indexed."""
    root = tmp_path_factory.mktemp("e2e-huge")
    folder = root / "archive"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("README*"))
    article = {"id": HUGE_ID, "title": "The endless harvest ledger", "date": "2019-03-01",
               "source": "Ledger Wire", "text": filler_text(HUGE_BYTES)}
    (folder / "huge.jsonl").write_text(json.dumps(article) + "\n", encoding="utf-8")
    return _indexed(root, folder)


async def expensive(fake: FakeDiscord, user: dict[str, object], i: int) -> InteractionHandle:
    """An expensive request: the huge article's summary, or a question it answers."""
    if i % 2:
        return await fake.send_slash_command("ask", {"question": HUGE_QUESTION}, user=user)
    return await fake.send_slash_command("summary", {"article": HUGE_ID}, user=user)


async def answered_after(handle: InteractionHandle, timeout: float) -> float:
    """Seconds from the dispatch to the final answer (the edit of the deferred response)."""
    await handle.wait_response(timeout)
    edit = await handle.wait_edit(timeout)
    return edit.time - handle.dispatched_at


async def test_expensive_requests_do_not_starve_other_users(
        fake: FakeDiscord, start_bot: StartBot, huge: Indexed) -> None:
    # No work budget here: the expensive requests really run (1-1.5 s of CPU each).
    await start_bot(archive=huge, settings=UNLIMITED,
                    discord={"max_concurrent_per_user": 2})
    heavy = factories.user("heavy")
    burst = [await expensive(fake, heavy, i) for i in range(EXPENSIVE)]
    for handle in burst:  # all of them deferred: the bot is busy with them
        await handle.wait_response(10)

    readers = [factories.user(f"reader{i}") for i in range(4)]
    cheap = [await fake.send_slash_command(
        "search", {"query": CHEAP_QUERIES[i % len(CHEAP_QUERIES)]}, user=readers[i % 4])
        for i in range(CHEAP)]
    latencies = sorted(await asyncio.gather(*(answered_after(h, 120) for h in cheap)))
    p50 = statistics.median(latencies)
    print(f"\ncheap searches under load: p50 {p50:.2f} s, max {latencies[-1]:.2f} s "
          f"({EXPENSIVE} expensive requests from one user)")

    # The expensive requests were answered too, eventually.
    slow = await asyncio.gather(*(answered_after(h, 180) for h in burst))
    print(f"expensive requests: p50 {statistics.median(slow):.2f} s, max {max(slow):.2f} s")
    assert p50 < 1.5, latencies
    assert latencies[-1] < 5.0, latencies
    fake.assert_no_violations()


async def test_over_budget_requests_get_a_clear_too_large_answer(
        fake: FakeDiscord, start_bot: StartBot, huge: Indexed) -> None:
    bot = await start_bot(archive=huge)  # the default budget: 1 MB of text per request
    summary = await fake.send_slash_command("summary", {"article": HUGE_ID})
    await summary.wait_response()
    reply = await summary.wait_followup(timeout=10)
    assert reply.json["flags"] & factories.EPHEMERAL
    assert "too large to answer" in reply.json["content"], reply.json
    assert "3.0 MB" in reply.json["content"]
    assert reply.time - summary.dispatched_at < 3.0  # refused before doing the work
    # The overview passes over the huge article; other commands are unaffected.
    overview = await fake.send_slash_command("summary", {})
    assert "Ledger Wire" not in text_of(await answer_of(overview))
    search = await fake.send_slash_command("search", {"query": "Astana talks"})
    assert "Astana" in text_of(await answer_of(search))
    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    assert [r["command"] for r in rows] == ["summary", "summary", "search"]
    assert all(r["error_id"] is None for r in rows)
    fake.assert_no_violations()

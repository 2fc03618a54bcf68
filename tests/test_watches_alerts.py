"""bot.app.alerts: an alert inside Discord's limits, archive text escaped; the send pacing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.app.alerts import AlertRunner, Pacer, alert_embed, paused_notice
from bot.app.render import limit_problems
from bot.config import Settings
from bot.core.models import Filters, SearchHit
from bot.core.watches import Match, WatchRequest, key_of
from bot.store.db import open_database
from bot.store.watches import Caps, Watch, WatchStore
from tests.test_watches import BASE, snapshot_of

WATCH = Watch(7, "1", "42", "100", "chlorine attack Idlib", Filters("2018-01-01", None, "Wire"),
              datetime(2026, 12, 1, tzinfo=UTC))


def fresh(n: int, size: int = 3000) -> list[Match]:
    out = []
    for i in range(n):
        text = f"@everyone <@123> **chlorine** attack in Idlib {i}. " + "More words. " * size
        hit = SearchHit(f"doc-{i}", f"Report {i} [x](http://evil)", "Wire", "2018-05-16",
                        i + 1, 10.0 - i, text[: 4000])
        out.append(Match(hit, 1.0, key_of(hit)))
    return out


def test_alert_shows_the_best_and_counts_the_rest() -> None:
    embed = alert_embed(WATCH, fresh(12), 5, "2026-12-01T10:00:00")
    assert limit_problems([embed]) == []
    assert len(embed) <= 6000
    text = embed.description or ""
    assert embed.title == "Watch #7: chlorine attack Idlib"
    assert [f"**[{n}]**" in text for n in range(1, 7)] == [True] * 5 + [False]
    assert "**7 more**: run `/search` chlorine attack Idlib" in text
    # Archive text is data: mentions and markdown neutralised as in every reply.
    assert "@everyone" not in text and "<@123>" not in text and "@\u200beveryone" in text
    assert "\\*\\*chlorine\\*\\*" in text and "\\[x\\](http://evil)" in text
    assert embed.footer.text == ("12 new matching paragraphs · from 2018-01-01 · source: Wire"
                                 " · index of 2026-12-01")


def test_alert_of_a_few_short_paragraphs_has_no_more_line() -> None:
    embed = alert_embed(WATCH, fresh(2, size=2), 5)
    assert "more**" not in (embed.description or "")
    assert (embed.footer.text or "").startswith("2 new matching paragraphs")
    assert limit_problems([embed]) == []


def test_paused_notice_names_the_channel_and_the_way_back() -> None:
    text = paused_notice(WATCH)
    assert "watch #7" in text and "<#100>" in text and "/watch resume 7" in text
    assert len(text) <= 2000


async def test_pacer_spaces_a_burst_evenly() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(5.0, clock=lambda: now[0], sleep=sleep)
    sent = []
    for _ in range(30):
        await pacer.wait()
        sent.append(now[0])
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) == pytest.approx(0.2) and max(gaps) == pytest.approx(0.2)
    assert sum(slept) == pytest.approx(29 * 0.2)
    now[0] += 10  # idle for a while: the next send goes at once
    before = len(slept)
    await pacer.wait()
    assert len(slept) == before


# -- the runner, against a stub client and a real store ------------------------------------


class Channel:
    def __init__(self, failures: list[int]) -> None:
        self.failures = failures  # statuses to fail with, in order; then sends succeed
        self.sent: list[dict[str, Any]] = []

    async def send(self, **fields: Any) -> None:
        if self.failures:
            status = self.failures.pop(0)
            response = SimpleNamespace(status=status, reason="injected")
            kind = {403: discord.Forbidden, 404: discord.NotFound}.get(status,
                                                                      discord.HTTPException)
            raise kind(response, "injected")  # type: ignore[arg-type]
        self.sent.append(fields)


class Client:
    def __init__(self, channels: dict[int, Channel]) -> None:
        self.channels = channels
        self.dms: dict[int, Channel] = {}

    def get_partial_messageable(self, channel_id: int) -> Channel:
        return self.channels[channel_id]

    async def create_dm(self, user: discord.Object) -> Channel:
        return self.dms.setdefault(user.id, Channel([]))


async def test_runner_retries_failed_sends_and_pauses_forbidden_channels(
        tmp_path: Path) -> None:
    base = snapshot_of(tmp_path / "v1", BASE)
    arrived = ("idlib-4", "Chlorine attack reported in Idlib",
               "Doctors in Idlib treated dozens after a chlorine attack on Saraqeb.")
    after = snapshot_of(tmp_path / "v2", [*BASE, arrived])
    settings = Settings()

    async def run_cpu(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    services = SimpleNamespace(settings=settings, run_cpu=run_cpu,
                               archive=SimpleNamespace(current=base))
    db = await open_database(":memory:")
    try:
        store = WatchStore(db)
        caps = Caps(10, 10)
        request = WatchRequest("chlorine attack Idlib")
        flaky = await store.add(1, 7, 100, request, caps)
        locked = await store.add(1, 8, 200, request, caps)
        client = Client({100: Channel([500]), 200: Channel([403])})
        runner = AlertRunner(client, services, store)  # type: ignore[arg-type]
        runner.pacer = Pacer(1000.0)  # the pacing has its own test

        first = await runner.run(after)
        assert (first.watches, first.posted, first.failed, first.paused) == (2, 0, 1, 1)
        assert await store.seen(flaky.id) == set()  # not sent: not seen
        assert (await store.get(1, locked.id)).paused
        [notice] = client.dms[8].sent
        assert "/watch resume 2" in notice["content"]
        assert notice["allowed_mentions"].to_dict() == {"parse": []}

        second = await runner.run(after)  # the 500 is retried; the paused watch is not
        assert (second.watches, second.posted, second.paragraphs) == (1, 1, 1)
        [alert] = client.channels[100].sent
        assert alert["embed"].title == "Watch #1: chlorine attack Idlib"
        assert "view" not in alert  # nothing more than shown: no export button

        third = await runner.run(after)
        assert (third.watches, third.posted) == (1, 0)
        assert len(client.dms[8].sent) == 1  # told once
    finally:
        await db.close()

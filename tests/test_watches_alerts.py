"""bot.app.alerts: an alert inside Discord's limits, archive text escaped; the send pacing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bot.app.alerts import Pacer, alert_embed, paused_notice
from bot.app.render import limit_problems
from bot.core.models import Filters, SearchHit
from bot.core.watches import Match, key_of
from bot.store.watches import Watch

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
    assert embed.footer.text == ("12 new matching paragraphs · 2018-01-01 to …, source Wire"
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

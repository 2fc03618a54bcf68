"""bot.store.views: every log review query on a seeded database, exact outputs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.errors import QueryError
from bot.store import views
from bot.store.backend import Database
from bot.store.db import format_ts, open_database

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

# id, age, user, command, query, result_count, found, latency_ms, feedback
SEED = [
    (1, H, "u1", "search", "Climate Change", 5, 1, 10.0, None),
    (2, 2 * H, "u2", "ask", "climate  change ", 3, 1, 30.0, 1),
    (3, D + H, "u1", "ask", "who won the election", 0, 0, 50.0, -1),
    (4, 2 * D, "u3", "search", "Who won the election", 0, 0, 20.0, None),
    (5, 3 * D, "u2", "summary", "budget", 4, 0, 100.0, -1),
    (6, 10 * D, "u1", "search", "old query", 1, 1, 40.0, None),
    (7, 5 * D, "u3", "admin:reindex", "", 0, 1, None, None),
    (8, H / 2, "u1", "quote", "climate change", 2, 1, 60.0, None),
]


async def insert(conn: Database, rows: list[tuple[Any, ...]],
                 guild_id: str | None = None) -> None:
    await conn.executemany(
        "INSERT INTO queries (id, ts, guild_id, user_key, command, query, filters,"
        " result_count, found, top_hits, latency_ms, feedback, feedback_at, request_id)"
        " VALUES (?, ?, ?, ?, ?, ?, '{\"source\": \"x\"}', ?, ?, '[[\"doc\", 3]]', ?, ?, ?, ?)",
        [
            (i, format_ts(NOW - age), guild_id, user, command, query, count, found, latency,
             fb, format_ts(NOW) if fb else None, f"r{i}")
            for i, age, user, command, query, count, found, latency, fb in rows
        ],
    )


@pytest.fixture
async def conn(store_target: Path | str) -> AsyncIterator[Database]:
    connection = await open_database(store_target)
    await insert(connection, SEED)
    yield connection
    await connection.close()


def ids(rows: list[views.LogRow]) -> list[int]:
    return [row.id for row in rows]


async def test_recent(conn: Database) -> None:
    assert ids(await views.recent(conn, now=NOW)) == [8, 1, 2, 3, 4, 5, 7, 6]
    assert ids(await views.recent(conn, days=2, now=NOW)) == [8, 1, 2, 3, 4]
    assert ids(await views.recent(conn, user="u1", now=NOW)) == [8, 1, 3, 6]
    assert ids(await views.recent(conn, user="u1", limit=2, now=NOW)) == [8, 1]
    assert ids(await views.recent(conn, command="search", now=NOW)) == [1, 4, 6]
    assert ids(await views.recent(conn, command="admin:", now=NOW)) == [7]
    assert ids(await views.recent(conn, command="admin", now=NOW)) == []


async def test_recent_row_is_decoded(conn: Database) -> None:
    (row,) = await views.recent(conn, limit=1, now=NOW)
    assert row == views.LogRow(
        id=8, ts=NOW - H / 2, guild_id=None, channel_id=None, user_key="u1", command="quote",
        query="climate change", filters={"source": "x"}, result_count=2, found=True,
        top_hits=[("doc", 3)], latency_ms=60.0, error_id=None, feedback=None,
        feedback_at=None, request_id="r8",
    )


async def test_top(conn: Database) -> None:
    assert await views.top(conn, now=NOW) == [
        views.TopQuery("climate change", 3, NOW - H / 2, 1.0),
        views.TopQuery("who won the election", 2, NOW - D - H, 0.0),
        views.TopQuery("budget", 1, NOW - 3 * D, 0.0),
        views.TopQuery("old query", 1, NOW - 10 * D, 1.0),
    ]
    assert [t.query for t in await views.top(conn, days=2, now=NOW)] == [
        "climate change",
        "who won the election",
    ]
    assert await views.top(conn, command="ask", limit=1, now=NOW) == [
        views.TopQuery("climate change", 1, NOW - 2 * H, 1.0),
    ]


async def test_unanswered(conn: Database) -> None:
    assert await views.unanswered(conn, now=NOW) == [
        views.Gap("who won the election", 2, NOW - D - H),
        views.Gap("budget", 1, NOW - 3 * D),
    ]
    assert await views.unanswered(conn, user="u3", now=NOW) == [
        views.Gap("who won the election", 1, NOW - 2 * D),
    ]


async def test_slow(conn: Database) -> None:
    assert ids(await views.slow(conn, now=NOW)) == [5, 8, 3, 6, 2, 4, 1]
    assert ids(await views.slow(conn, limit=3, now=NOW)) == [5, 8, 3]
    assert ids(await views.slow(conn, days=1, now=NOW)) == [8, 2, 1]


async def test_negative_feedback(conn: Database) -> None:
    assert ids(await views.feedback(conn, now=NOW)) == [3, 5]
    assert ids(await views.feedback(conn, days=2, now=NOW)) == [3]


async def test_stats_for_a_window(conn: Database) -> None:
    s = await views.stats(conn, days=7, now=NOW)
    assert s.total == 7
    assert s.by_command == {"ask": 2, "search": 2, "admin:reindex": 1, "quote": 1, "summary": 1}
    assert list(s.by_command) == ["ask", "search", "admin:reindex", "quote", "summary"]
    assert s.by_day == [
        (date(2024, 6, 8), 0),
        (date(2024, 6, 9), 0),
        (date(2024, 6, 10), 1),
        (date(2024, 6, 11), 0),
        (date(2024, 6, 12), 1),
        (date(2024, 6, 13), 1),
        (date(2024, 6, 14), 1),
        (date(2024, 6, 15), 3),
    ]
    assert s.distinct_users == 3
    assert s.answered_rate == pytest.approx(3 / 7)
    assert s.latency_median == pytest.approx(40.0)
    assert s.latency_p95 == pytest.approx(90.0)
    assert (s.negative_feedback, s.positive_feedback) == (2, 1)


async def test_stats_all_time_and_filtered(conn: Database) -> None:
    s = await views.stats(conn, now=NOW)
    assert s.total == 8
    assert s.by_day[0] == (date(2024, 6, 5), 1)
    assert s.by_day[-1] == (date(2024, 6, 15), 3)
    assert len(s.by_day) == 11
    assert sum(count for _, count in s.by_day) == 8
    u1 = await views.stats(conn, user="u1", command="search", now=NOW)
    assert (u1.total, u1.distinct_users, u1.latency_median, u1.latency_p95) == (2, 1, 25.0, 38.5)


async def test_stats_on_an_empty_database(store_target: Path | str) -> None:
    conn = await open_database(store_target)
    try:
        s = await views.stats(conn, now=NOW)
        assert s == views.LogStats(0, {}, [], 0, None, None, None, 0, 0)
        windowed = await views.stats(conn, days=2, now=NOW)
        assert windowed.by_day == [
            (date(2024, 6, 13), 0), (date(2024, 6, 14), 0), (date(2024, 6, 15), 0),
        ]
        assert await views.recent(conn, now=NOW) == []
        assert await views.top(conn, now=NOW) == []
    finally:
        await conn.close()


async def test_bad_filters_are_query_errors(conn: Database) -> None:
    with pytest.raises(QueryError, match="limit"):
        await views.recent(conn, limit=0)
    with pytest.raises(QueryError, match="days"):
        await views.top(conn, days=0)
    with pytest.raises(QueryError, match="days"):
        await views.stats(conn, days=-1)


def test_percentile() -> None:
    assert views.percentile([], 0.5) is None
    assert views.percentile([7.0], 0.95) == 7.0
    assert views.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert views.percentile([10.0, 20.0, 30.0, 50.0, 60.0, 100.0], 0.95) == pytest.approx(90.0)


# Another server's rows (same user keys as SEED's: users are in both) and a DM's.
GUILD_A, GUILD_B = "111", "222"
SEED_B = [
    (9, H / 4, "u1", "search", "guild b secret", 0, 0, 500.0, -1),
    (10, 3 * H, "u9", "ask", "Climate change", 1, 1, 5.0, None),
]
SEED_DM = [(11, H / 3, "u1", "search", "dm secret", 0, 0, 700.0, -1)]


async def test_every_view_is_scoped_to_one_guild(conn: Database) -> None:
    await conn.execute("UPDATE queries SET guild_id = ?", (GUILD_A,))
    await insert(conn, SEED_B, GUILD_B)
    await insert(conn, SEED_DM)
    a, b = {"guild_id": int(GUILD_A), "now": NOW}, {"guild_id": GUILD_B, "now": NOW}

    # guild A: exactly what the single-guild tests above see
    assert ids(await views.recent(conn, **a)) == [8, 1, 2, 3, 4, 5, 7, 6]
    assert [t.query for t in await views.top(conn, **a)] == [
        "climate change", "who won the election", "budget", "old query"]
    assert (await views.top(conn, **a))[0].times == 3
    assert await views.unanswered(conn, **a) == [
        views.Gap("who won the election", 2, NOW - D - H), views.Gap("budget", 1, NOW - 3 * D)]
    assert ids(await views.slow(conn, **a)) == [5, 8, 3, 6, 2, 4, 1]
    assert ids(await views.feedback(conn, **a)) == [3, 5]
    assert (await views.stats(conn, **a)).total == 8
    assert ids(await views.recent(conn, user="u1", **a)) == [8, 1, 3, 6]

    # guild B: only its own two rows, in every view
    assert ids(await views.recent(conn, **b)) == [9, 10]
    assert await views.top(conn, **b) == [
        views.TopQuery("guild b secret", 1, NOW - H / 4, 0.0),
        views.TopQuery("climate change", 1, NOW - 3 * H, 1.0),
    ]
    assert await views.unanswered(conn, **b) == [views.Gap("guild b secret", 1, NOW - H / 4)]
    assert ids(await views.slow(conn, **b)) == [9, 10]
    assert ids(await views.feedback(conn, **b)) == [9]
    s = await views.stats(conn, days=7, **b)
    assert (s.total, s.by_command, s.distinct_users, s.negative_feedback) == (
        2, {"ask": 1, "search": 1}, 2, 1)
    assert ids(await views.recent(conn, user="u1", command="search", **b)) == [9]

    # a guild with no rows sees nothing; no guild filter (the operator's CLI) sees all
    assert await views.recent(conn, guild_id=333, now=NOW) == []
    assert (await views.stats(conn, guild_id=333, now=NOW)).total == 0
    assert ids(await views.recent(conn, now=NOW)) == [9, 11, 8, 1, 2, 10, 3, 4, 5, 7, 6]
    where, params = views.where_clause(None, "u1", None, NOW, "x = 1", guild_id=5)
    assert where == " WHERE x = 1 AND guild_id = ? AND user_key = ?" and params == ["5", "u1"]

"""`archive-bot logs`: every view in every format, prune, forget, on a seeded database."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.watches import WatchRequest
from bot.store.db import open_database, utcnow
from bot.store.querylog import QueryLog, QueryRecord
from bot.store.watches import Caps, WatchStore


async def seed(path: Path | str) -> str:
    conn = await open_database(path)
    qlog = QueryLog(conn, hash_users=True, batch_size=50, flush_interval=0.01, retention_days=30)
    await qlog.start()
    now = utcnow()
    rows = [
        QueryRecord("search", "Idlib offensive", ts=now - timedelta(hours=1), user_id=1,
                    result_count=5, found=True, top_hits=[("002_817d4b4767b2b63e", 3)],
                    latency_ms=4.0, request_id="r1"),
        QueryRecord("ask", "who won the world cup", ts=now - timedelta(hours=2), user_id=2,
                    result_count=0, found=False, latency_ms=9.5, request_id="r2"),
        QueryRecord("ask", "Who won the world cup ", ts=now - timedelta(days=2), user_id=1,
                    result_count=0, found=False, latency_ms=30.0, request_id="r3"),
        QueryRecord("quote", "no one doubts", ts=now - timedelta(days=3), user_id=3,
                    result_count=1, found=True, latency_ms=120.0, request_id="r4"),
        QueryRecord("search", "ancient history", ts=now - timedelta(days=60), user_id=3,
                    result_count=2, found=True, latency_ms=1.0, request_id="r5"),
    ]
    for row in rows:
        qlog.record(row)
    await qlog.flush()
    await qlog.record_feedback("r4", -1)
    key = qlog.user_key(1)
    await qlog.close()
    await conn.close()
    return key


@pytest.fixture
def env(tmp_path: Path, store_target: Path | str):
    """The configured log, seeded: a SQLite file (querylog.path) or a PostgreSQL database
    (querylog.url); every test here runs on both."""
    db = store_target
    config = tmp_path / "c.yaml"
    where = f"url: '{db}'" if isinstance(db, str) else f"path: {db}"
    config.write_text(f"querylog:\n  {where}\n  retention_days: 30\n")
    user1 = asyncio.run(seed(db))
    return config, db, user1


def run(capsys, config: Path, *args: str) -> tuple[int, str]:
    code = main(["logs", "--config", str(config), *args])
    out, err = capsys.readouterr()
    assert err == "" or code != 0
    return code, out


def test_recent_json_newest_first(env, capsys) -> None:
    config, _, user1 = env
    code, out = run(capsys, config, "--format", "json")
    rows = json.loads(out)["rows"]
    assert code == 0
    assert [r["query"] for r in rows] == ["Idlib offensive", "who won the world cup",
                                         "Who won the world cup ", "no one doubts",
                                         "ancient history"]
    assert rows[0]["user_key"] == user1 and user1 != "1"


def test_days_user_and_command_filters(env, capsys) -> None:
    config, _, user1 = env
    _, out = run(capsys, config, "--format", "json", "--days", "7", "--user", user1)
    assert [r["query"] for r in json.loads(out)["rows"]] == ["Idlib offensive",
                                                           "Who won the world cup "]
    _, out = run(capsys, config, "--format", "json", "--command", "ask")
    assert {r["command"] for r in json.loads(out)["rows"]} == {"ask"}


def test_unanswered_groups_the_gaps(env, capsys) -> None:
    config, _, _ = env
    _, out = run(capsys, config, "--view", "unanswered", "--format", "json")
    rows = json.loads(out)["rows"]
    assert [(r["query"], r["times"]) for r in rows] == [("who won the world cup", 2)]


def test_top_slow_feedback(env, capsys) -> None:
    config, _, _ = env
    _, out = run(capsys, config, "--view", "top", "--format", "json", "--limit", "1")
    assert json.loads(out)["rows"][0]["times"] == 2
    _, out = run(capsys, config, "--view", "slow", "--format", "json", "--limit", "2")
    assert [r["latency_ms"] for r in json.loads(out)["rows"]] == [120.0, 30.0]
    _, out = run(capsys, config, "--view", "feedback", "--format", "json")
    assert [(r["query"], r["feedback"]) for r in json.loads(out)["rows"]] == [
        ("no one doubts", -1)]


def test_table_and_csv(env, capsys) -> None:
    config, _, _ = env
    code, out = run(capsys, config, "--view", "slow")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["latency_ms", "ts", "command"]
    assert "120.00" in lines[2]
    _, out = run(capsys, config, "--view", "recent", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and rows[0]["query"] == "Idlib offensive"


def test_stats(env, capsys) -> None:
    config, _, _ = env
    _, out = run(capsys, config, "--view", "stats", "--days", "7", "--format", "json")
    stats = json.loads(out)["rows"][0]
    assert stats["total"] == 4
    assert stats["by_command"] == {"ask": 2, "quote": 1, "search": 1}
    assert stats["answered_rate"] == 0.5
    assert stats["negative_feedback"] == 1
    assert len(stats["by_day"]) == 8 and sum(d["queries"] for d in stats["by_day"]) == 4
    _, out = run(capsys, config, "--view", "stats")
    assert "queries: 5" in out and "answered: 60%" in out


def test_prune_applies_retention(env, capsys) -> None:
    config, _, _ = env
    _, out = run(capsys, config, "prune")
    assert out.strip() == "pruned 1 rows older than 30 days"
    _, out = run(capsys, config, "--format", "json")
    assert "ancient history" not in out


def test_forget_user(env, capsys) -> None:
    config, _, user1 = env
    _, out = run(capsys, config, "--user", user1, "--forget")
    assert out.strip() == f"forgot user {user1}: 2 rows and 0 saved searches deleted"
    _, out = run(capsys, config, "--format", "json")
    assert all(r["user_key"] != user1 for r in json.loads(out)["rows"])
    assert len(json.loads(out)["rows"]) == 3


def test_forget_needs_a_user(env, capsys) -> None:
    config, _, _ = env
    assert main(["logs", "--config", str(config), "--forget"]) == 2
    assert "--forget needs --user" in capsys.readouterr().err


def record_rows(db: Path | str, *records: QueryRecord) -> None:
    async def write() -> None:
        conn = await open_database(db)
        qlog = QueryLog(conn, hash_users=True, batch_size=50, flush_interval=0.01,
                        retention_days=30)
        await qlog.start()
        for rec in records:
            qlog.record(rec)
        await qlog.close()
        await conn.close()

    asyncio.run(write())


def test_forget_accepts_a_discord_user_id(env, capsys) -> None:
    config, db, _ = env
    snowflake = "123456789012345678"
    record_rows(db, QueryRecord("search", "mine", user_id=int(snowflake), request_id="s1"),
                QueryRecord("ask", "also mine", user_id=int(snowflake), request_id="s2"))
    code, out = run(capsys, config, "--user", snowflake, "--format", "json")
    assert code == 0 and {r["query"] for r in json.loads(out)["rows"]} == {"mine", "also mine"}
    asyncio.run(add_watches(db, int(snowflake), 42))
    code, out = run(capsys, config, "--user", snowflake, "--forget")
    assert code == 0
    assert out.strip() == f"forgot user {snowflake}: 2 rows and 2 saved searches deleted"
    _, out = run(capsys, config, "--format", "json")
    assert "mine" not in {r["query"] for r in json.loads(out)["rows"]}
    assert asyncio.run(watch_owners(db)) == ["42"]  # another user's watch stays


async def add_watches(db: Path | str, user: int, other: int) -> None:
    conn = await open_database(db)
    store, caps = WatchStore(conn), Caps(per_user=5, per_guild=10)
    for guild, owner, query in ((1, user, "Idlib"), (2, user, "Aleppo"), (1, other, "Homs")):
        await store.add(guild, owner, None, WatchRequest(query), caps)
    await conn.close()


async def watch_owners(db: Path | str) -> list[str]:
    conn = await open_database(db)
    try:
        return [w.owner_id for w in await WatchStore(conn).list(1)]
    finally:
        await conn.close()


def test_forget_that_matches_nothing_says_so_and_fails(env, capsys) -> None:
    config, _, _ = env
    assert main(["logs", "--config", str(config), "--user", "999999999999999999",
                 "--forget"]) == 2
    err = capsys.readouterr().err
    assert "nothing deleted" in err and "999999999999999999" in err


def test_table_columns_line_up_with_wide_characters(env, capsys) -> None:
    from rich.cells import cell_len

    config, db, _ = env
    record_rows(db, QueryRecord("search", "東京 空爆 😀 報道", user_id=5, result_count=7,
                                found=True, latency_ms=2.0, request_id="w1"))
    code, out = run(capsys, config, "--view", "recent", "--limit", "3")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.strip()]
    header = lines[0]
    column = cell_len(header[: header.index("result_count")])
    wide = next(ln for ln in lines if "東京" in ln)
    plain = next(ln for ln in lines if "Idlib offensive" in ln)
    # the result_count column starts at the same screen column on every row
    assert cell_len(wide[: wide.index(" 7 ")]) + 1 == column
    assert cell_len(plain[: plain.index(" 5 ")]) + 1 == column


def test_terminal_escapes_in_logged_queries_are_not_printed(env, capsys) -> None:
    config, db, _ = env
    record_rows(db, QueryRecord("search", "evil\x1b]0;pwned\x07\x1b[2J query", user_id=6,
                                request_id="e1"))
    for fmt in ("table", "csv", "json"):
        _, out = run(capsys, config, "--format", fmt)
        assert "\x1b" not in out and "\x07" not in out, fmt

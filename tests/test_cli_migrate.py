"""`archive-bot migrate-log`: a SQLite log copied into PostgreSQL, every row checked."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.models import SearchHit
from bot.core.watches import Match, WatchRequest, key_of
from bot.store import views
from bot.store.backend import load_salt
from bot.store.channels import ChannelStore, admin_attempts, log_admin_attempt
from bot.store.db import open_database, utcnow
from bot.store.querylog import QueryLog, QueryRecord
from bot.store.watches import Caps, WatchStore

SNOWFLAKE = 10**17  # Discord user ids: 17 to 20 digits


async def seed(path: Path, rows: int = 2500) -> str:
    """A log of ``rows`` queries (more than one copy batch), audit rows, channel settings;
    the stored key of user 7."""
    conn = await open_database(path)
    log = QueryLog(conn, hash_users=True, batch_size=500, flush_interval=0.0, retention_days=0)
    await log.start()
    now = utcnow()
    for n in range(rows):
        log.record(QueryRecord("search", f"query {n % 40}", ts=now - timedelta(minutes=n),
                               user_id=SNOWFLAKE + n % 9, guild_id=1 + n % 2, result_count=n % 3,
                               found=n % 3 > 0, latency_ms=float(n % 50), request_id=f"r{n}"))
    await log.flush()
    await log.record_feedback("r5", -1)
    key = log.user_key(SNOWFLAKE + 7)
    await log.close()
    for n in range(3):
        await log_admin_attempt(conn, guild_id=1, channel_id=2, user_key=key,
                                action="admin:stats", allowed=n != 1, detail=f"d{n}")
    await log_admin_attempt(conn, guild_id=1, channel_id=2, user_key=key,
                            action="admin:stats", allowed=True, detail="d0")  # a twin row
    store = ChannelStore(conn)
    await store.set(1, 2, updated_by="9", enabled=False)
    await store.set(1, 3, updated_by="9", threads=True)
    watches = WatchStore(conn)
    for n, query in enumerate(("chlorine attack Idlib", "Astana talks")):
        await watches.add(1, SNOWFLAKE + 7 - 6 * n, 2 if n else None, WatchRequest(query), CAPS,
                          [seen_match(f"d{n}", p) for p in range(3)])
    await conn.close()
    return key


CAPS = Caps(per_user=5, per_guild=10)


def seen_match(doc: str, paragraph: int) -> Match:
    hit = SearchHit(doc, f"Title {doc}", "Reuters", "2018-05-16", paragraph, 1.0,
                    f"text {paragraph}")
    return Match(hit, 1.0, key_of(hit))


async def contents(target: Path | str) -> tuple[object, ...]:
    conn = await open_database(target)
    try:
        recent = [r._replace(id=0) for r in await views.recent(conn, limit=5000)]
        audit = [a._replace(id=0) for a in await admin_attempts(conn, days=None)]
        store, watches = ChannelStore(conn), WatchStore(conn)
        listed = await watches.list(1)
        seen = [sorted(await watches.seen(w.id)) for w in listed]
        return (recent, audit, await store.list(1), await load_salt(conn), listed, seen)
    finally:
        await conn.close()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "q.sqlite3"
    asyncio.run(seed(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["migrate-log", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_row_is_copied_and_checked(source: Path, pg_url: str, capsys) -> None:
    code, out, err = run(capsys, "--from", str(source), "--to", pg_url)
    assert code == 0, err
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
    assert lines["queries"] == ["2500", "2500", "0", "2500"]
    assert lines["admin_audit"] == ["4", "4", "0", "4"]
    assert lines["channel_settings"] == ["2", "2", "0", "2"]
    assert lines["watches"] == ["2", "2", "0", "2"]
    assert lines["watch_seen"] == ["6", "6", "0", "6"]
    assert "every row is there" in out
    assert asyncio.run(contents(pg_url)) == asyncio.run(contents(source))
    assert asyncio.run(add_watch(pg_url)) == 3  # the target's ids go on after the copied


async def add_watch(target: str) -> int:
    conn = await open_database(target)
    try:
        return (await WatchStore(conn).add(1, SNOWFLAKE, None, WatchRequest("Aleppo"), CAPS)).id
    finally:
        await conn.close()


def test_a_second_run_is_refused_or_copies_nothing_twice(source: Path, pg_url: str,
                                                          capsys) -> None:
    assert run(capsys, "--from", str(source), "--to", pg_url)[0] == 0
    code, _, err = run(capsys, "--from", str(source), "--to", pg_url)
    assert code != 0 and "not empty" in err and "--append" in err
    code, out, err = run(capsys, "--from", str(source), "--to", pg_url, "--append")
    assert code == 0, err
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
    assert lines["queries"] == ["2500", "0", "2500", "2500"]
    assert lines["admin_audit"] == ["4", "0", "4", "4"]  # the twin rows too: matched as two
    assert asyncio.run(contents(pg_url)) == asyncio.run(contents(source))


def test_the_copied_users_can_still_be_forgotten_by_discord_id(
    source: Path, pg_url: str, tmp_path: Path, capsys
) -> None:
    assert run(capsys, "--from", str(source), "--to", pg_url)[0] == 0
    config = tmp_path / "c.yaml"
    config.write_text(f"querylog:\n  url: '{pg_url}'\n")
    snowflake = str(SNOWFLAKE + 7)
    code = main(["logs", "--config", str(config), "--user", snowflake, "--forget"])
    out, err = capsys.readouterr()
    assert code == 0, err
    # user 7: the 277 queries with n % 9 == 7 (n < 2500) and the 4 audit rows
    assert "281 rows and 1 saved searches deleted" in out  # and user 7's watch


def test_appending_to_a_log_with_another_salt_is_refused(source: Path, pg_url: str,
                                                         tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.sqlite3"
    asyncio.run(seed(other, rows=3))
    assert run(capsys, "--from", str(other), "--to", pg_url)[0] == 0
    code, _, err = run(capsys, "--from", str(source), "--to", pg_url, "--append")
    assert code != 0 and "salt" in err


def test_bad_arguments_are_clear_errors(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "--from", str(tmp_path / "none.sqlite3"), "--to",
                       "postgresql://h/db")
    assert code != 0 and "no SQLite query log" in err
    code, _, err = run(capsys, "--from", str(tmp_path / "none.sqlite3"), "--to", "mysql://h/d")
    assert code != 0 and "postgresql://" in err


def test_a_log_that_cannot_be_opened_is_one_line(source: Path, tmp_path: Path, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://bot:hunter2-secret@127.0.0.1:{port}/db"
    code, _, err = run(capsys, "--from", str(source), "--to", url)
    assert code == 2 and err.count("\n") == 1
    assert "hunter2-secret" not in err and "bot:***@127.0.0.1" in err
    not_a_log = tmp_path / "notes.txt"
    not_a_log.write_text("not a database\n" * 100)
    code, _, err = run(capsys, "--from", str(not_a_log), "--to", url)
    assert code == 2 and "cannot open the query log" in err and "not a database" in err
    config = tmp_path / "c.yaml"
    config.write_text(f"querylog:\n  url: '{url}'\n")
    code = main(["logs", "--config", str(config)])
    _, err = capsys.readouterr()
    assert code == 2 and "hunter2-secret" not in err and "Connect" in err

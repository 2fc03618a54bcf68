""""Export CSV" against the real bot and the local Discord: from /search results (every
matching paragraph, hostile text made inert) and from ``/archive-admin logs`` (this server's
rows only, admins only), each a private attachment that parses back with :mod:`csv`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.core.export import SEARCH_COLUMNS
from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import (
    DEFERRED,
    answer_of,
    build_index,
    buttons,
    citations,
    query_rows,
    write_config,
)
from tests.e2e.conftest import Indexed, StartBot
from tests.test_timeline import write_timeline_archive

EPHEMERAL = factories.EPHEMERAL
EXPORT = "Export CSV"
ADMIN = "archive-admin"
# Our own hostile paragraphs: each mentions chlorine, each opens with something a spreadsheet
# would run or a terminal would obey.
HOSTILE = [
    '=HYPERLINK("http://evil.example/","chlorine report")',
    "@SUM(1+1) chlorine figures, \"quoted\", with commas",
    "+chlorine \x1b[2J cleared screen" + " after the long night in the harbour" * 20,
]
B_QUERY = "tribunal statement from the second server"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    root = tmp_path_factory.mktemp("e2e-exports")
    archive = write_timeline_archive(root / "archive")
    record = {"id": "tl-hostile", "title": "=cmd|' /C calc'!A0", "source": "-Wire",
              "date": "2016-05-01", "text": "\n\n".join(HOSTILE)}
    (archive / "hostile.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    config = write_config(root / "config.yaml", archive=archive, index=root / "index",
                          querylog=root / "querylog.sqlite3", guild_id="1")
    build_index(config, root)
    return Indexed(archive, root / "index")


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def exported(handle: InteractionHandle) -> tuple[str, list[list[str]]]:
    """A click's private reply: its text and the attached CSV's rows."""
    callback = await handle.wait_response()
    assert callback.json == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    edit = await handle.wait_edit()
    [attachment] = edit.files
    assert (attachment.filename or "").endswith(".csv")
    return str(edit.json["content"]), csv_rows(attachment.data)


async def refused(handle: InteractionHandle) -> str:
    callback = await handle.wait_response()
    data: dict[str, Any] = callback.json["data"]
    assert callback.json["type"] == 4 and data["flags"] & EPHEMERAL
    return str(data["content"])


def audit(db: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT action, allowed FROM admin_audit ORDER BY id"))
    finally:
        conn.close()


async def test_search_export_is_every_match_made_inert(
        fake: FakeDiscord, start_bot: StartBot, hostile: Indexed) -> None:
    world = fake.world
    bot = await start_bot(archive=hostile)
    message = await answer_of(await fake.send_slash_command(
        "search", {"query": "chlorine"}, user=world.user))
    assert EXPORT in buttons(message)
    shown = citations(message)
    assert len(shown) == 5  # one page of the nine matching paragraphs

    other = await fake.send_component(message, label=EXPORT, user=factories.user("stranger"))
    assert "Only the person who asked can export" in await refused(other)

    note, rows = await exported(await fake.send_component(message, label=EXPORT,
                                                         user=world.user))
    assert note == "CSV export: 9 matching paragraphs."
    assert rows[0] == list(SEARCH_COLUMNS) and len(rows) == 1 + 9
    assert [(r[1].removeprefix("'"), int(r[4])) for r in rows[1:6]] == shown  # same order
    scores = [float(r[5]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    mine = [r for r in rows[1:] if r[0] == "tl-hostile"]
    assert sorted(r[6] for r in mine) == sorted([
        "'" + HOSTILE[0], "'" + HOSTILE[1], "'" + HOSTILE[2].replace("\x1b", "")])
    assert {r[1] for r in mine} == {"'=cmd|' /C calc'!A0"} and {r[2] for r in mine} == {"'-Wire"}
    for row in rows[1:]:
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in row)

    assert await bot.terminate() == 0
    logged = [(r["command"], r["query"], r["result_count"]) for r in query_rows(bot.db)]
    assert ("export:search", "chlorine", 9) in logged
    fake.assert_no_violations()


async def test_logs_export_is_this_servers_rows_for_admins_only(
        fake: FakeDiscord, start_bot: StartBot, hostile: Indexed) -> None:
    a = fake.world
    b = a.add_guild("Second Server")
    bot = await start_bot(archive=hostile,
                          discord={"guild_ids": [int(a.guild_id), int(b.guild_id)]})
    await answer_of(await fake.send_slash_command("search", {"query": "chlorine"}, user=a.user))
    await answer_of(await fake.send_slash_command("search", {"query": "=1+1 chlorine"},
                                                  user=a.user))
    await answer_of(await fake.send_slash_command("search", {"query": B_QUERY}, user=b.user,
                                                  guild=b))

    logs = await answer_of(await fake.send_slash_command(
        ADMIN, {"view": "recent"}, subcommand="logs", user=a.admin))
    assert EXPORT in buttons(logs) and logs["flags"] & EPHEMERAL

    member = await fake.send_component(logs, label=EXPORT, user=a.user)
    assert "Only server admins" in await refused(member)

    note, rows = await exported(await fake.send_component(logs, label=EXPORT, user=a.admin))
    header, body = rows[0], rows[1:]
    assert note == f"CSV export: {len(body)} recent log rows."
    assert header[:7] == ["id", "ts", "guild_id", "channel_id", "user_key", "command", "query"]
    assert {r[2] for r in body} == {a.guild_id}  # this server's rows only
    assert not any(B_QUERY in cell for r in body for cell in r)
    queries = [(r[5], r[6]) for r in body]
    assert ("search", "chlorine") in queries and ("search", "'=1+1 chlorine") in queries
    assert ("admin:logs", "") in queries

    assert await bot.terminate() == 0
    assert [x for x in audit(bot.db) if x[0] == "logs-export"] == [
        ("logs-export", 0), ("logs-export", 1)]
    exports = [r for r in query_rows(bot.db) if r["command"] == "admin:logs-export"]
    assert [(r["refused"], r["result_count"]) for r in exports] == [(1, 0), (0, len(body))]
    fake.assert_no_violations()


async def test_an_export_over_the_size_limit_is_split_and_says_what_is_left_out(
        fake: FakeDiscord, start_bot: StartBot, hostile: Indexed) -> None:
    world = fake.world
    await start_bot(archive=hostile, settings={"exports": {"max_file_bytes": 1024,
                                                           "max_parts": 2}})
    message = await answer_of(await fake.send_slash_command(
        "search", {"query": "chlorine"}, user=world.user))
    since = fake.mark()
    click = await fake.send_component(message, label=EXPORT, user=world.user)
    note, first = await exported(click)
    followup = await click.wait_followup(since=since)
    [part] = followup.files
    second = csv_rows(part.data)
    assert followup.json["content"] == "Part 2 of 2."
    assert followup.json["flags"] & EPHEMERAL
    assert len(part.data) <= 1024 and first[0] == second[0] == list(SEARCH_COLUMNS)
    written = len(first) - 1 + len(second) - 1
    assert 2 <= written < 9
    assert note == (f"CSV export: the first {written} of 9 matching paragraphs; the other "
                    f"{9 - written} are over the attachment size limit, in 2 files.")
    ids = [(r[0], r[4]) for r in first[1:] + second[1:]]
    assert len(set(ids)) == written  # no row twice
    fake.assert_no_violations()

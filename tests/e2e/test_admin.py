"""``/archive-admin``: who may use it, a reindex while queries keep being answered, log views."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import DEFERRED, answer_of, citations, query_rows, text_of
from tests.e2e.conftest import BIG_ARCHIVE_DOCUMENTS, Indexed, StartBot

ADMIN = "archive-admin"
EPHEMERAL = factories.EPHEMERAL
REFUSED = "Only server admins can use /archive-admin"
OPERATORS_ONLY = "Only the bot's operators can reindex: "
CIVILIANS = "How many civilians were killed in ten days of air strikes?"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEED_DOCUMENTS = 6  # five files, one of them holding two articles


def audit_rows(db: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT action, allowed, detail FROM admin_audit ORDER BY id"))
    finally:
        conn.close()


def edit_path(handle: InteractionHandle) -> str:
    return rf"^/webhooks/\d+/{re.escape(handle.token)}/messages/@original$"


async def test_admin_refused_for_members_allowed_with_manage_server(
        fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    world = fake.world

    # A plain member (no Manage Server) is refused, privately, whatever the subcommand.
    for sub, options in (("stats", {}), ("reindex", {"full": True}),
                         ("logs", {"view": "recent"}), ("forget", {"user": world.admin})):
        handle = await fake.send_slash_command(ADMIN, options, subcommand=sub, user=world.user)
        callback = await handle.wait_response()
        assert callback.json["type"] == 4, sub
        assert callback.json["data"]["flags"] & EPHEMERAL
        expected = OPERATORS_ONLY if sub == "reindex" else REFUSED  # archive-wide: operators
        assert callback.json["data"]["content"].startswith(expected), sub
    refused_list = await fake.send_slash_command(ADMIN, group="channel", subcommand="list",
                                                 user=world.user)
    assert REFUSED in (await refused_list.wait_response()).json["data"]["content"]

    # Manage Server (the Admin role): stats, privately, with the PNG chart attached.
    handle = await fake.send_slash_command(ADMIN, {"days": 7}, subcommand="stats",
                                           user=world.admin)
    callback = await handle.wait_response()
    assert callback.json == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    edit = await handle.wait_edit()
    [chart] = edit.files
    assert (chart.filename or "").endswith(".png") and chart.data.startswith(PNG_MAGIC)
    assert handle.original is not None
    assert handle.original["attachments"][0]["filename"] == chart.filename
    assert handle.original["embeds"] and handle.original["flags"] & EPHEMERAL

    # The server owner may too.
    handle = await fake.send_slash_command(ADMIN, group="channel", subcommand="list",
                                           user=world.owner)
    callback = await handle.wait_response()
    assert callback.json["data"]["flags"] & EPHEMERAL and callback.json["data"]["embeds"]

    assert await bot.terminate() == 0
    audit = audit_rows(bot.db)
    assert [d for *_, d in audit][1] == "not an operator"
    assert [(a, ok) for a, ok, _ in audit] == [
        ("stats", 0), ("reindex", 0), ("logs", 0), ("forget", 0), ("channel-list", 0),
        ("stats", 1), ("channel-list", 1)]
    assert [d for *_, d in audit][-2:] == ["manage_guild", "owner"]
    commands = sorted(r["command"] for r in query_rows(bot.db))
    assert commands == sorted(["admin:stats", "admin:reindex", "admin:logs", "admin:forget",
                               "admin:channel-list", "admin:stats", "admin:channel-list"])
    fake.assert_no_violations()


async def test_reindex_while_queries_are_answered(fake: FakeDiscord, start_bot: StartBot,
                                                  big_archive: Indexed) -> None:
    bot = await start_bot(archive=big_archive,  # the admin is one of the operator's server's
                          discord={"owner_guild_id": int(fake.world.guild_id)})
    world = fake.world
    (bot.workdir / "archive" / "quokka.md").write_text(
        "# Quokka sanctuary opens near Idlib\n\nA quokka sanctuary opened its doors to "
        "visitors on Monday, its keepers said.\n", encoding="utf-8")

    reindex = await fake.send_slash_command(ADMIN, {"full": True}, subcommand="reindex",
                                            user=world.admin)
    callback = await reindex.wait_response()
    assert callback.json["type"] == DEFERRED
    progress = await reindex.wait_edit(timeout=20)  # the reindex is running now
    assert "reindex running" in text_of(progress.json).lower()

    # Queries sent during the reindex: all answered, from the index that was serving.
    queries = ["air strikes Idlib", "Astana talks", "Aleppo withdrawal", "Lavrentyev",
               "humanitarian aid", "quokka sanctuary"]
    handles = [await fake.send_slash_command("search", {"query": q},
                                             user=factories.user(f"reader-{i}"))
               for i, q in enumerate(queries)]
    answers = await asyncio.gather(*(answer_of(h, timeout=30) for h in handles))
    answered_at = max([(await h.wait_edit()).time for h in handles])
    assert all(citations(a) for a in answers[:-1])
    assert not citations(answers[-1])  # the new article is not in the serving index yet

    report = await fake.wait_for_request(
        "PATCH", edit_path(reindex), timeout=60,
        predicate=lambda r: r.ok and "done" in text_of(r.json).lower())
    assert answered_at < report.time, "the queries were not answered during the reindex"
    assert "Full reindex done" in text_of(report.json)
    fields = {f["name"]: f["value"] for f in report.json["embeds"][0]["fields"]}
    assert int(fields["Documents"]) == SEED_DOCUMENTS + BIG_ARCHIVE_DOCUMENTS + 1  # + quokka

    # The new index answers now.
    handle = await fake.send_slash_command("search", {"query": "quokka sanctuary"})
    assert citations(await answer_of(handle))[0] == ("Quokka sanctuary opens near Idlib", 1)

    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    assert sorted(r["command"] for r in rows) == sorted(
        ["admin:reindex"] + ["search"] * (len(queries) + 1))
    assert all(r["error_id"] is None for r in rows)
    fake.assert_no_violations()


async def logs(fake: FakeDiscord, options: dict[str, object]) -> str:
    handle = await fake.send_slash_command(ADMIN, options, subcommand="logs",
                                           user=fake.world.admin)
    message = await answer_of(handle)
    assert message["flags"] & EPHEMERAL
    return text_of(message)


async def test_log_views(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    reader, other = fake.world.user, factories.user("second-reader")
    for query in ("air strikes Idlib", "air strikes Idlib", "quokka sanctuary"):
        await answer_of(await fake.send_slash_command("search", {"query": query}, user=reader))
    ask = await answer_of(await fake.send_slash_command("ask", {"question": CIVILIANS},
                                                        user=other))
    rated = await fake.send_component(ask, label="Not helpful", user=other)
    await rated.wait_response()

    recent = await logs(fake, {"view": "recent"})
    assert "Recent queries" in recent
    for text in ("air strikes Idlib", "quokka sanctuary", CIVILIANS):
        assert text in recent

    top = await logs(fake, {"view": "top"})
    assert re.search(r"\*\*2×\*\*[^\n]*\n> air strikes idlib", top, re.IGNORECASE), top

    gaps = await logs(fake, {"view": "unanswered"})
    assert "quokka sanctuary" in gaps and "air strikes Idlib" not in gaps

    slow = await logs(fake, {"view": "slow", "days": 1})
    assert re.search(r"\*\*\d+ ms\*\*", slow) and "air strikes Idlib" in slow

    rated_view = await logs(fake, {"view": "feedback"})
    assert CIVILIANS in rated_view and "👎" in rated_view
    assert "air strikes Idlib" not in rated_view

    mine = await logs(fake, {"view": "recent", "user": other})
    assert CIVILIANS in mine and "air strikes Idlib" not in mine

    searches = await logs(fake, {"view": "recent", "command": "search"})
    assert "air strikes Idlib" in searches and CIVILIANS not in searches

    assert await bot.terminate() == 0
    commands = [r["command"] for r in query_rows(bot.db)]
    assert commands.count("admin:logs") == 7 and commands.count("search") == 3
    fake.assert_no_violations()

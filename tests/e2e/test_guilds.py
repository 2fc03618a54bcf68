"""Two servers, one bot (the real process, the local Discord): guild B's admins see, count and
erase none of guild A's rows; only the bot's operators may reindex; an admin role that is not
in the guild cache still counts.

The test measures before it asserts, so on code without guild scoping it reports the figures
(rows leaked per view, rows erased across servers, reindexes allowed) instead of stopping at
the first difference.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import DEFERRED, answer_of, query_rows, text_of, unescape
from tests.e2e.conftest import StartBot

ADMIN = "archive-admin"
EPHEMERAL = factories.EPHEMERAL
CIVILIANS = "How many civilians were killed in ten days of air strikes?"
A_SEARCHES = ("air strikes Idlib", "quokka sanctuary")  # answered, and a gap
A_TEXTS = (*A_SEARCHES, CIVILIANS)  # + an ask rated "Not helpful"
B_QUOTE = "nobody doubts the usefulness of the astana platform"
OPERATORS_ONLY = "Only the bot's operators can reindex: "
VIEWS: tuple[tuple[str, dict[str, str]], ...] = (
    ("recent", {"view": "recent"}),
    ("recent command:search", {"view": "recent", "command": "search"}),
    ("top", {"view": "top"}),
    ("unanswered", {"view": "unanswered"}),
    ("slow", {"view": "slow"}),
    ("feedback", {"view": "feedback"}),
)


def shown_queries(message: Mapping[str, Any]) -> list[str]:
    """The query texts a log view lists (its ``> query`` lines), lower-cased."""
    return [line[2:].strip().lower() for line in unescape(text_of(message)).splitlines()
            if line.startswith("> ")]


def count_of(queries: list[str], texts: tuple[str, ...]) -> int:
    wanted = {t.lower() for t in texts}
    return sum(1 for q in queries if q in wanted)


def by_command(message: Mapping[str, Any]) -> dict[str, int]:
    """The stats embed's "By command" field as {command: count}."""
    fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
    out = {}
    for line in unescape(fields["By command"]).splitlines():
        name, _, n = line.rpartition(": ")
        if n.isdigit():
            out[name] = int(n)
    return out


async def reindex_outcome(fake: FakeDiscord, handle: InteractionHandle) -> str:
    """"refused" (privately, naming the operators), "done", or what else happened. A reindex
    that started is awaited to its report, so the next one does not find it running."""
    callback = await handle.wait_response()
    data = callback.json.get("data") or {}
    if callback.json["type"] == 4:
        content = data.get("content") or ""
        private = bool(data.get("flags", 0) & EPHEMERAL)
        return "refused" if private and content.startswith(OPERATORS_ONLY) else content
    if callback.json["type"] != DEFERRED:
        return f"callback type {callback.json['type']}"
    path = rf"^/webhooks/\d+/{re.escape(handle.token)}/messages/@original$"
    report = await fake.wait_for_request(
        "PATCH", path, timeout=60,
        predicate=lambda r: r.ok and ("done" in text_of(r.json).lower()
                                      or "failed" in text_of(r.json).lower()))
    return "done" if "done" in text_of(report.json).lower() else text_of(report.json)


async def test_one_servers_admins_see_and_erase_nothing_of_another_server(
        fake: FakeDiscord, start_bot: StartBot) -> None:
    a = fake.world  # guild A: the operator's server
    b = a.add_guild("Second Server")  # guild B: the bot was invited there too
    reader = a.user  # a member of both servers
    uncached_role = factories.snowflake()  # an admin role the guild cache does not have
    role_admin = factories.user("role-admin")
    a.add_member(role_admin, roles=[uncached_role])
    bot = await start_bot(discord={"guild_ids": [int(a.guild_id), int(b.guild_id)],
                                   "owner_guild_id": int(a.guild_id),
                                   "admin_role_ids": [int(uncached_role)]})

    # Guild A's queries: an answered search, a gap, an ask rated not helpful.
    for query in A_SEARCHES:
        await answer_of(await fake.send_slash_command("search", {"query": query}, user=reader))
    asker = factories.user("asker")
    ask = await answer_of(await fake.send_slash_command("ask", {"question": CIVILIANS},
                                                        user=asker))
    await (await fake.send_component(ask, label="Not helpful", user=asker)).wait_response()
    # Guild B's own query, by the same reader.
    await answer_of(await fake.send_slash_command("quote", {"text": B_QUOTE}, user=reader,
                                                  guild=b))

    figures: dict[str, Any] = {}
    # B's admin: every log view, then stats.
    for name, options in VIEWS:
        handle = await fake.send_slash_command(ADMIN, options, subcommand="logs", user=b.admin,
                                               guild=b)
        message = await answer_of(handle)
        shown = shown_queries(message)
        figures[f"A rows shown to B: {name}"] = count_of(shown, A_TEXTS)
        if name == "recent":
            figures["B's own query shown to B"] = count_of(shown, (B_QUOTE,))
    stats = await answer_of(await fake.send_slash_command(ADMIN, {"days": 7},
                                                          subcommand="stats", user=b.admin,
                                                          guild=b))
    counted = by_command(stats)
    figures["A rows counted in B's stats"] = counted.get("search", 0) + counted.get("ask", 0)
    figures["B rows counted in B's stats (quote)"] = counted.get("quote", 0)

    # A's admin sees A's rows, not B's.
    mine = shown_queries(await answer_of(await fake.send_slash_command(
        ADMIN, {"view": "recent"}, subcommand="logs", user=a.admin)))
    figures["A rows shown to A"] = count_of(mine, A_TEXTS)
    figures["B rows shown to A"] = count_of(mine, (B_QUOTE,))

    # B's admin forgets the reader: only the reader's rows in B may go.
    forget = await answer_of(await fake.send_slash_command(
        ADMIN, {"user": reader}, subcommand="forget", user=b.admin, guild=b))
    said = re.search(r"deleted (\d+) log rows", text_of(forget))
    figures["rows B's forget reported deleted"] = int(said[1]) if said else None

    # Reindex: B's admin (Manage Server in B) is refused; the operators are not.
    figures["reindex by B's admin"] = await reindex_outcome(fake, await fake.send_slash_command(
        ADMIN, {}, subcommand="reindex", user=b.admin, guild=b))
    figures["reindex by A's admin (operator's server)"] = await reindex_outcome(
        fake, await fake.send_slash_command(ADMIN, {}, subcommand="reindex", user=a.admin))
    figures["reindex by the app owner, from B"] = await reindex_outcome(
        fake, await fake.send_slash_command(ADMIN, {}, subcommand="reindex", user=a.owner,
                                            guild=b))

    # A configured admin role missing from the guild cache passes the check.
    handle = await fake.send_slash_command(ADMIN, {"days": 7}, subcommand="stats",
                                           user=role_admin)
    callback = await handle.wait_response()
    figures["stats by an uncached admin role"] = (
        "allowed" if callback.json["type"] == DEFERRED else "refused")
    if callback.json["type"] == DEFERRED:
        await handle.wait_edit()

    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    a_rows = [r for r in rows if r["guild_id"] == a.guild_id and not r["command"].startswith(
        "admin:")]
    figures["A user rows left after B's forget"] = len(a_rows)
    figures["B user rows left after B's forget"] = sum(
        1 for r in rows if r["guild_id"] == b.guild_id and not r["command"].startswith("admin:"))

    # The operator's command line sees every server, or one with --guild.
    cli: dict[str, list[str]] = {}
    for label, extra in (("all", []), ("A", ["--guild", a.guild_id]),
                         ("B", ["--guild", b.guild_id])):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "logs", "--config", str(bot.config), "--format",
             "json", "--limit", "500", *extra],
            capture_output=True, text=True, timeout=60, check=False, cwd=bot.workdir)
        assert done.returncode == 0, done.stderr
        cli[label] = sorted({str(r["guild_id"]) for r in json.loads(done.stdout)["rows"]})
    figures["guilds in `archive-bot logs`"] = cli["all"]
    figures["guilds in `archive-bot logs --guild A`"] = cli["A"]
    figures["guilds in `archive-bot logs --guild B`"] = cli["B"]
    print("\nguild isolation figures:\n" + "\n".join(f"  {k}: {v}" for k, v in figures.items()))

    assert figures == {
        **{f"A rows shown to B: {name}": 0 for name, _ in VIEWS},
        "B's own query shown to B": 1,
        "A rows counted in B's stats": 0,
        "B rows counted in B's stats (quote)": 1,
        "A rows shown to A": 3,
        "B rows shown to A": 0,
        "rows B's forget reported deleted": 1,  # the reader's quote in B
        "reindex by B's admin": "refused",
        "reindex by A's admin (operator's server)": "done",
        "reindex by the app owner, from B": "done",
        "stats by an uncached admin role": "allowed",
        "A user rows left after B's forget": 3,
        "B user rows left after B's forget": 0,
        "guilds in `archive-bot logs`": sorted([a.guild_id, b.guild_id]),
        "guilds in `archive-bot logs --guild A`": [a.guild_id],
        "guilds in `archive-bot logs --guild B`": [b.guild_id],
    }
    fake.assert_no_violations()

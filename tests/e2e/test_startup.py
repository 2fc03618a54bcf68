"""Start-up: the slash commands are synced to the configured guild, once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import discord

from bot.testing.fakediscord import FakeDiscord, factories
from tests.e2e.botproc import answer_of, citations, query_rows
from tests.e2e.conftest import Indexed, StartBot

STRING, INTEGER, BOOLEAN, USER, CHANNEL = 3, 4, 5, 6, 7
SUBCOMMAND, GROUP = 1, 2
FILTERS = [("from", STRING, False), ("to", STRING, False), ("source", STRING, False)]
USER_COMMANDS: dict[str, list[tuple[str, int, bool]]] = {
    "search": [("query", STRING, True), ("limit", INTEGER, False), *FILTERS],
    "ask": [("question", STRING, True), *FILTERS],
    "summary": [("topic", STRING, False), ("article", STRING, False),
                ("sentences", INTEGER, False)],
    "quote": [("text", STRING, False), ("speaker", STRING, False)],
    "timeline": [("topic", STRING, True), *FILTERS],
}
WATCH = "watch"
WATCH_SUBCOMMANDS: dict[str, list[tuple[str, int, bool]]] = {
    "add": [("query", STRING, True), *FILTERS, ("channel", CHANNEL, False)],
    "list": [],
    "remove": [("id", INTEGER, True)],
    "resume": [("id", INTEGER, True)],
}
ADMIN = "archive-admin"
ADMIN_SUBCOMMANDS: dict[str, list[tuple[str, int, bool]]] = {
    "reindex": [("full", BOOLEAN, False)],
    "logs": [("view", STRING, True), ("days", INTEGER, False), ("user", USER, False),
             ("command", STRING, False)],
    "stats": [("days", INTEGER, False)],
    "forget": [("user", USER, True)],
}
CHANNEL_SUBCOMMANDS = {"enable", "disable", "mode", "list"}


def shape(options: list[dict[str, Any]]) -> list[tuple[str, int, bool]]:
    return [(o["name"], o["type"], bool(o.get("required"))) for o in options]


def undescribed(item: dict[str, Any], path: str = "") -> list[str]:
    """Every command or option (recursively) without a description."""
    here = f"{path}/{item['name']}"
    missing = [] if (item.get("description") or "").strip() else [here]
    for option in item.get("options") or []:
        missing += undescribed(option, here)
    return missing


async def test_commands_synced_to_the_guild(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    guild = fake.world.guild_id
    sync = await fake.wait_for_command_sync(guild_id=guild)
    authorization = sync.headers["Authorization"]
    synced_with_token = authorization.startswith("Bot ") and bot.has_token(authorization[4:])
    assert synced_with_token
    puts = [r.path for r in fake.requests_matching("PUT", r"/commands$")]
    assert puts == [f"/applications/{fake.application_id}/guilds/{guild}/commands"]
    assert None not in fake.commands  # nothing global

    registered = {c["name"]: c for c in fake.commands[guild]}
    assert set(registered) == {*USER_COMMANDS, ADMIN, WATCH}
    for command in registered.values():
        assert command["type"] == 1
        assert not undescribed(command), undescribed(command)
    for name, options in USER_COMMANDS.items():
        command = registered[name]
        assert shape(command["options"]) == options, name
        assert command["default_member_permissions"] is None  # everyone
        assert command["contexts"] == [0] and command["dm_permission"] is False  # no DMs
    autocompleted = {(n, o["name"]) for n in USER_COMMANDS
                     for o in registered[n]["options"] if o.get("autocomplete")}
    assert autocompleted == {("summary", "article"), ("quote", "speaker")}
    # The ranges are the configuration's (defaults: limits.max_results 25,
    # answers.summary_max_sentences 15), so Discord never offers a value the bot refuses.
    sentences = registered["summary"]["options"][2]
    assert (sentences["min_value"], sentences["max_value"]) == (1, 15)
    limit = registered["search"]["options"][1]
    assert (limit["min_value"], limit["max_value"]) == (1, 25)

    watch = registered[WATCH]
    assert watch["contexts"] == [0] and watch["dm_permission"] is False  # guild only
    assert watch["default_member_permissions"] is None  # everyone may watch
    assert {o["name"]: shape(o.get("options") or []) for o in watch["options"]} == \
        WATCH_SUBCOMMANDS
    assert {o["type"] for o in watch["options"]} == {SUBCOMMAND}

    admin = registered[ADMIN]
    assert int(admin["default_member_permissions"]) == factories.MANAGE_GUILD
    assert admin["contexts"] == [0] and admin["dm_permission"] is False  # guild only
    subs = {o["name"]: o for o in admin["options"]}
    assert set(subs) == {*ADMIN_SUBCOMMANDS, "channel"}
    for name, options in ADMIN_SUBCOMMANDS.items():
        assert subs[name]["type"] == SUBCOMMAND
        assert shape(subs[name]["options"]) == options, name
    views = [c["value"] for c in subs["logs"]["options"][0]["choices"]]
    assert views == ["recent", "top", "unanswered", "slow", "feedback"]
    assert subs["channel"]["type"] == GROUP
    assert {o["name"] for o in subs["channel"]["options"]} == CHANNEL_SUBCOMMANDS
    for option in subs["channel"]["options"]:
        if option["name"] != "list":
            assert option["options"][0]["name"] == "channel"
            assert option["options"][0]["type"] == CHANNEL

    identify = await fake.wait_for_identify()
    identified_with_token = bot.has_token(identify.d["token"])
    assert identified_with_token
    assert identify.d["intents"] == discord.Intents.default().value  # nothing privileged
    assert await bot.terminate() == 0
    fake.assert_no_violations()


async def test_restart_does_not_resync(fake: FakeDiscord, start_bot: StartBot) -> None:
    first = await start_bot()
    await fake.wait_for_command_sync(guild_id=fake.world.guild_id)
    answer = await answer_of(await fake.send_slash_command(
        "ask", {"question": "Who threatened to eliminate the Syrian opposition?"}))
    assert await first.terminate() == 0

    since = fake.mark()
    second = await start_bot()  # same config, same database; returns once READY
    again = [(r.method, r.path) for r in fake.requests if r.index >= since]
    assert ("GET", "/users/@me") in again  # it did log in again...
    assert not [r for r in again if r[0] != "GET"], again  # ...and uploaded nothing
    assert len(fake.requests_matching("PUT", r"/commands$")) == 1
    assert "unchanged since the last sync" in second.stderr()

    # The commands synced by the first run answer in the second...
    handle = await fake.send_slash_command("search", {"query": "Astana talks"})
    assert citations(await answer_of(handle))
    # ...and the feedback buttons of the first run's answer still work.
    click = await fake.send_component(answer, label="Helpful")
    assert (await click.wait_response()).json["data"]["content"] == "Thanks for the feedback!"
    assert await second.terminate() == 0
    rows = {r["command"]: r for r in query_rows(second.db)}
    assert set(rows) == {"ask", "search"} and rows["ask"]["feedback"] == 1
    fake.assert_no_violations()


async def test_starts_and_answers_with_a_bad_metadata_file(
        fake: FakeDiscord, start_bot: StartBot, seeds: Indexed, tmp_path: Path) -> None:
    """Before: a ValueError (the unquoted impossible date) or RecursionError (the nesting)
    at start-up, exit 1, and Docker restarted the bot in a loop. Now each bad entry is one
    warning and the bot answers."""
    archive = tmp_path / "bad-metadata"
    shutil.copytree(seeds.archive, archive)
    (archive / "metadata.yaml").write_text(
        "001_1a747fc895aa23e5:\n  date: 2019-02-30\n"
        "  source: " + "[" * 10_000 + "]" * 10_000 + "\n"
        "002_817d4b4767b2b63e: just a string\n")
    bot = await start_bot(archive=Indexed(archive, seeds.index))  # rebuilds: metadata is new
    answer = await answer_of(await fake.send_slash_command("search", {"query": "Astana talks"}))
    assert citations(answer)
    log = bot.stderr()
    assert "Traceback" not in log
    for line, key in ((2, "001_1a747fc895aa23e5.date"), (3, "001_1a747fc895aa23e5.source"),
                      (4, "002_817d4b4767b2b63e")):
        warned = [entry for entry in log.splitlines() if " WARNING " in entry
                  and f"skipped metadata.yaml:{line}: {key}:" in entry]
        assert len(warned) == 1, log
    assert await bot.terminate() == 0
    fake.assert_no_violations()

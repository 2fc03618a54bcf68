"""End-to-end tests of bot/testing/fakediscord with a real (minimal) discord.py client."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import zstandard
from discord import app_commands

from bot.testing.fakediscord import FakeDiscord, Violation, factories, run_client, validate
from bot.testing.fakediscord.interactions import command_data, find_component

NONE = discord.AllowedMentions.none()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
TOPICS = [f"climate {i}" for i in range(40)]


class MoreView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="More", custom_id="more:1", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="page 2", view=None,
                                                allowed_mentions=NONE)


class MiniBot(discord.Client):
    """Not the project bot: just enough of discord.py's surface to exercise the fake."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []
        self.results: dict[str, Any] = {}
        self.finished: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.tree.error(self._on_tree_error)
        tree, results, finished = self.tree, self.results, self.finished

        @tree.command(name="ping", description="Embed reply")
        async def ping(inter: discord.Interaction) -> None:
            results["ping"] = await inter.response.send_message(
                embed=discord.Embed(title="pong", description="ok"), allowed_mentions=NONE)
            finished["ping"].set()

        @tree.command(name="slow", description="Defer, then follow up")
        async def slow(inter: discord.Interaction) -> None:
            await inter.response.defer(thinking=True)
            results["slow"] = await inter.followup.send("done", allowed_mentions=NONE, wait=True)
            finished["slow"].set()

        @tree.command(name="buttons", description="A message with a button")
        async def buttons(inter: discord.Interaction) -> None:
            await inter.response.send_message("page 1", view=MoreView(), allowed_mentions=NONE)

        @tree.command(name="chart", description="A PNG attachment")
        async def chart(inter: discord.Interaction) -> None:
            await inter.response.send_message("chart", allowed_mentions=NONE,
                                              file=discord.File(io.BytesIO(PNG), "chart.png"))

        @tree.command(name="noisy", description="Forgets allowed_mentions")
        async def noisy(inter: discord.Interaction) -> None:
            await inter.response.send_message(f"hey {inter.user.mention}")

        @tree.command(name="whoami", description="Permission check")
        async def whoami(inter: discord.Interaction) -> None:
            guild = inter.guild
            owner = guild is not None and inter.user.id == guild.owner_id
            role = "owner" if owner else "admin" if inter.permissions.manage_guild else "reader"
            await inter.response.send_message(role, ephemeral=True, allowed_mentions=NONE)

        archive = app_commands.Group(name="archive", description="Archive tools")
        search = app_commands.Group(name="search", description="Search", parent=archive)

        @search.command(name="topic", description="Search by topic")
        @app_commands.describe(query="What to look for")
        async def topic(inter: discord.Interaction, query: str, limit: int = 3) -> None:
            await inter.response.send_message(f"{query}:{limit}", allowed_mentions=NONE)

        @topic.autocomplete("query")
        async def topic_complete(inter: discord.Interaction, current: str,
                                 ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS
                    if t.startswith(current)][:25]

        tree.add_command(archive)

    async def _on_tree_error(self, inter: discord.Interaction,
                             error: app_commands.AppCommandError) -> None:
        self.errors.append(error)
        self.finished["error"].set()

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; not needed against the fake."""

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and self.user.mentioned_in(message) and not message.author.bot:
            await message.reply("an answer", allowed_mentions=NONE)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        with server.redirect_discord_py():
            yield server
        server.assert_no_violations()


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[MiniBot]:
    async with run_client(fake, MiniBot()) as client:
        yield client
        assert not client.errors, client.errors


def callbacks(fake: FakeDiscord) -> list[Any]:
    return fake.requests_matching("POST", r"^/interactions/\d+/[^/]+/callback$")


# --- start-up ----------------------------------------------------------------------------------

async def test_login_sync_identify_ready(fake: FakeDiscord, bot: MiniBot) -> None:
    paths = [(r.method, r.path) for r in fake.requests]
    assert paths[:3] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me"),
                         ("PUT", f"/applications/{fake.application_id}/commands")]
    sync = await fake.wait_for_command_sync()
    assert sync.headers["Authorization"] == "Bot x.y.z"
    names = {c["name"] for c in fake.commands[None]}
    assert names == {"ping", "slow", "buttons", "chart", "noisy", "whoami", "archive"}
    assert all(c["id"] and c["application_id"] == fake.application_id for c in fake.commands[None])
    identify = await fake.wait_for_identify()
    assert identify.d["token"] == "x.y.z"
    assert identify.d["intents"] == discord.Intents.default().value
    conn = fake.gateway.connections[0]
    # discord.py asks for zstd-stream when zstandard is installed (a dependency of ours)
    assert conn.path == "/gateway" and conn.compression == "zstd-stream"
    assert conn.query["v"] == "10" and conn.query["encoding"] == "json"
    ready = await fake.wait_for_frame(direction="out", event="READY")
    assert ready.s == 1 and ready.d["resume_gateway_url"] == fake.resume_gateway_url
    assert bot.user is not None and str(bot.user.id) == fake.bot_user["id"]
    assert bot.application_id == int(fake.application_id)
    await fake.wait_for_heartbeat_ack()  # discord.py beats right after HELLO


# --- interactions --------------------------------------------------------------------------------

async def test_slash_command_round_trip(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("ping")
    callback = await handle.wait_response()
    assert callback.query["with_response"] in ("1", "true")
    assert callback.json["type"] == 4
    data = callback.json["data"]
    assert data["embeds"][0]["title"] == "pong" and data["allowed_mentions"] == {"parse": []}
    assert 0 <= handle.response_delay < 3
    # discord.py parsed the InteractionCallbackResponse we returned (with_response shape)
    await asyncio.wait_for(bot.finished["ping"].wait(), 5)
    result = bot.results["ping"]
    assert isinstance(result, discord.InteractionCallbackResponse)
    assert result.message_id == int(handle.original["id"])
    assert isinstance(result.resource, discord.InteractionMessage)


async def test_defer_then_followup(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("slow")
    assert (await handle.wait_response()).json == {"type": 5}
    followup = await handle.wait_followup()
    assert followup.query["wait"] in ("1", "true") and followup.json["content"] == "done"
    await asyncio.wait_for(bot.finished["slow"].wait(), 5)
    assert bot.results["slow"].id == int(handle.followups[0]["id"])


async def test_subcommand_group_and_options(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("archive", {"query": "floods", "limit": 7},
                                           group="search", subcommand="topic")
    assert handle.payload["data"]["options"][0]["type"] == 2
    assert (await handle.wait_response()).json["data"]["content"] == "floods:7"


@pytest.mark.parametrize("who", ["owner", "admin", "reader"])
async def test_member_permissions(fake: FakeDiscord, bot: MiniBot, who: str) -> None:
    user = {"owner": fake.world.owner, "admin": fake.world.admin, "reader": fake.world.user}[who]
    handle = await fake.send_slash_command("whoami", user=user)
    callback = await handle.wait_response()
    assert callback.json["data"]["content"] == who
    assert callback.json["data"]["flags"] == factories.EPHEMERAL
    assert callback.response["interaction"]["response_message_ephemeral"] is True


async def test_autocomplete(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_autocomplete("archive", "query", "climate 1", group="search",
                                          subcommand="topic")
    callback = await handle.wait_response()
    assert callback.json["type"] == 8
    choices = callback.json["data"]["choices"]
    assert 0 < len(choices) <= 25 and all(c["name"].startswith("climate 1") for c in choices)


async def test_button_click_updates_message(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("buttons")
    await handle.wait_response()
    assert handle.original["components"][0]["components"][0]["custom_id"] == "more:1"
    click = await fake.send_component(handle.original, label="More")
    callback = await click.wait_response()
    assert callback.json["type"] == 7 and callback.json["data"]["content"] == "page 2"
    assert handle.original["content"] == "page 2" and handle.original["components"] == []


async def test_file_upload_is_multipart_and_validated(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("chart")
    callback = await handle.wait_response()
    assert callback.multipart and callback.json["data"]["attachments"][0]["filename"] == "chart.png"
    assert [(f.field_name, f.filename, f.data) for f in callback.files] == [
        ("files[0]", "chart.png", PNG)]
    url = handle.original["attachments"][0]["url"]
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert await resp.read() == PNG


async def test_mention_reply(fake: FakeDiscord, bot: MiniBot) -> None:
    question = await fake.send_message_create("what happened in 1999?", mention_bot=True)
    reply = await fake.wait_for_request("POST", rf"^/channels/{fake.world.channel_id}/messages$")
    assert reply.ok and str(reply.json["message_reference"]["message_id"]) == question["id"]
    assert reply.json["allowed_mentions"] == {"parse": []}


# --- faults ---------------------------------------------------------------------------------------

async def test_429_on_callback_is_retried(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.fail_next("POST", r"/callback$", 429, retry_after=0.2)
    handle = await fake.send_slash_command("ping")
    await handle.wait_response()
    assert [r.status for r in callbacks(fake)] == [429, 200]
    assert 0.2 <= handle.response_delay < 3


async def test_500_on_followup_is_retried(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.fail_next("POST", r"^/webhooks/", 500)
    handle = await fake.send_slash_command("slow")
    await handle.wait_followup()  # discord.py retries 5xx after 1 s
    assert [r.status for r in fake.requests_matching("POST", r"^/webhooks/")] == [500, 200]


async def test_slow_callback_route(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.slow_route(r"/callback$", 0.3, times=1)
    handle = await fake.send_slash_command("ping")
    callback = await handle.wait_response()
    assert handle.response_delay < 0.3  # arrival time; the server then stalled
    await asyncio.wait_for(bot.finished["ping"].wait(), 5)  # the bot waited for the server
    assert callback.ok


async def test_late_callback_is_unknown_interaction(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.interaction_deadline = 0.1
    fake.fail_next("POST", r"/callback$", 429, retry_after=0.3)
    handle = await fake.send_slash_command("ping")
    late = await fake.wait_for_request("POST", rf"/interactions/{handle.id}/", lambda r: r.status
                                       == 404)
    assert late.response["code"] == 10062
    assert fake.take_violations(r"after dispatch \(deadline 0.1s\)")
    await asyncio.wait_for(bot.finished["error"].wait(), 5)
    assert isinstance(bot.errors[0].__cause__, discord.NotFound)
    bot.errors.clear()


async def test_drop_connection_resumes_and_replays(fake: FakeDiscord, bot: MiniBot) -> None:
    first = await fake.send_slash_command("ping")
    await first.wait_response()
    session = fake.gateway.active
    assert session is not None
    seq_before = session.seq
    mark = fake.mark()
    await fake.drop_connection(4000)
    missed = await fake.send_slash_command("ping")  # dispatched while the bot is away
    resume = await fake.wait_for_resume(since=mark)
    assert resume.d == {"seq": seq_before, "session_id": session.id, "token": "x.y.z"}
    assert fake.gateway.connections[-1].path == "/gateway/resume"
    await fake.wait_for_resumed(since=mark)
    await missed.wait_response()
    replay = [f for f in fake.frames if f.index >= mark and f.replayed]
    assert [f.t for f in replay] == ["INTERACTION_CREATE"]
    after = await fake.send_slash_command("ping")
    await after.wait_response()
    assert fake.gateway.connections[0].dropped_with == 4000


async def test_aborted_tcp_connection_resumes(fake: FakeDiscord, bot: MiniBot) -> None:
    mark = fake.mark()
    await fake.drop_connection(abort=True)
    await fake.wait_for_resumed(since=mark)
    await (await fake.send_slash_command("ping")).wait_response()


async def test_op7_reconnect_resumes(fake: FakeDiscord, bot: MiniBot) -> None:
    mark = fake.mark()
    await fake.send_reconnect()
    await fake.wait_for_resumed(since=mark)
    await (await fake.send_slash_command("ping")).wait_response()


async def test_invalid_session_resumable(fake: FakeDiscord, bot: MiniBot) -> None:
    mark = fake.mark()
    await fake.send_invalid_session(resumable=True)
    await fake.wait_for_resume(since=mark)
    await fake.wait_for_resumed(since=mark)
    await (await fake.send_slash_command("ping")).wait_response()


async def test_invalid_session_not_resumable_reidentifies(fake: FakeDiscord, bot: MiniBot) -> None:
    old = fake.gateway.active
    mark = fake.mark()
    await fake.send_invalid_session(resumable=False)
    await fake.wait_for_identify(since=mark)
    await fake.wait_for_ready(since=mark)
    assert fake.gateway.active is not None and fake.gateway.active is not old
    assert fake.gateway.connections[-1].path == "/gateway"  # DEFAULT_GATEWAY, not resume url
    await (await fake.send_slash_command("ping")).wait_response()


async def test_auto_sharded_bot_uses_gateway_bot() -> None:
    from discord.ext import commands

    class Sharded(commands.AutoShardedBot):
        async def setup_hook(self) -> None:
            @self.tree.command(name="ping", description="p")
            async def ping(inter: discord.Interaction) -> None:
                await inter.response.send_message("pong", allowed_mentions=NONE)

            await self.tree.sync()

    async with FakeDiscord() as fake:
        with fake.redirect_discord_py():
            bot = Sharded(command_prefix=commands.when_mentioned, intents=discord.Intents.none())
            async with run_client(fake, bot):
                assert (await fake.wait_for_identify()).d["shard"] == [0, 1]
                await (await fake.send_slash_command("ping")).wait_response()
        assert fake.requests_matching("GET", "^/gateway/bot$")
        fake.assert_no_violations()


async def test_heartbeats_are_acked() -> None:
    async with FakeDiscord(heartbeat_interval=50) as fake:
        with fake.redirect_discord_py():
            async with run_client(fake, MiniBot()) as client:
                first = await fake.wait_for_heartbeat_ack()
                beat = await fake.wait_for_heartbeat(since=first.index + 1)  # periodic one
                assert beat.d == fake.gateway.active.seq  # type: ignore[union-attr]
                await fake.wait_for_heartbeat_ack(since=beat.index + 1)
                assert client.latency < 1
        fake.assert_no_violations()


# --- the validator can fail --------------------------------------------------------------------

async def test_missing_allowed_mentions_is_a_violation(fake: FakeDiscord, bot: MiniBot) -> None:
    await (await fake.send_slash_command("noisy")).wait_response()
    found = fake.take_violations("allowed-mentions")
    assert found and "no allowed_mentions" in str(found[0])  # discord.py omits it


async def test_schema_violation_is_flagged(fake: FakeDiscord, bot: MiniBot) -> None:
    route = discord.http.Route("POST", "/channels/{channel_id}/messages",
                               channel_id=fake.world.channel_id)
    await bot.http.request(route, json={"content": "x", "allowed_mentions": {"parse": []},
                                        "embeds": [{"title": 123}]})
    (violation,) = fake.take_violations(r"\[schema\]")
    assert "embeds/0/title: 123 is not of type" in str(violation)


async def test_limits_and_unknown_routes_are_flagged(fake: FakeDiscord, bot: MiniBot) -> None:
    route = discord.http.Route("POST", "/channels/{channel_id}/messages",
                               channel_id=fake.world.channel_id)
    await bot.http.request(route, json={"content": "x", "allowed_mentions": {"parse": []},
                                        "embeds": [{"description": "d" * 4000}] * 2})
    assert fake.take_violations(r"embeds total 8000 chars \(max 6000\)")
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/users/@me/guilds"))
    assert fake.take_violations(r"\[unknown-route\] GET /users/@me/guilds")
    fake.recorder.add_violation(Violation("limits", "example"))
    with pytest.raises(AssertionError, match=r"1 Discord API violation\(s\):\n  - \[limits\]"):
        fake.assert_no_violations()
    fake.take_violations()


# --- protocol and validator units (no discord.py) -----------------------------------------------

async def test_raw_gateway_protocol(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
            assert (await ws.receive_json())["op"] == 10
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "t", "intents": 1, "properties": {}}})
            ready, guild = await ws.receive_json(), await ws.receive_json()
            assert (ready["t"], ready["s"], guild["t"], guild["s"]) == ("READY", 1,
                                                                        "GUILD_CREATE", 2)
        async with http.ws_connect(fake.resume_gateway_url + "?v=10&encoding=json"
                                   "&compress=zlib-stream") as ws:
            inflate = zlib.decompressobj()
            hello = json.loads(inflate.decompress(await ws.receive_bytes()))
            assert hello["op"] == 10
            await ws.send_json({"op": 6, "d": {"token": "t", "session_id": ready["d"]["session_id"],
                                               "seq": 1}})
            replayed = json.loads(inflate.decompress(await ws.receive_bytes()))
            resumed = json.loads(inflate.decompress(await ws.receive_bytes()))
            assert (replayed["t"], replayed["s"], resumed["t"], resumed["s"]) == (
                "GUILD_CREATE", 2, "RESUMED", 3)
        async with http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": "t", "session_id": "nope", "seq": 1}})
            assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}
        async with http.ws_connect(fake.gateway_url + "?v=10&encoding=json"
                                   "&compress=zstd-stream") as ws:
            stream = zstandard.ZstdDecompressor().decompressobj()
            assert json.loads(stream.decompress(await ws.receive_bytes()))["op"] == 10
            await ws.send_json({"op": 1, "d": None})
            assert json.loads(stream.decompress(await ws.receive_bytes()))["op"] == 11


def test_validator_units() -> None:
    ok = {"content": "hi", "allowed_mentions": {"parse": []}}
    route = "/webhooks/{webhook_id}/{webhook_token}"
    assert validate.match_route("/webhooks/1/abc/messages/@original").endswith("/@original")
    assert validate.check_request("POST", route, ok) == []
    kinds = {k for k, _ in validate.check_request("POST", route, {"content": "x" * 2001})}
    assert kinds == {"schema", "limits", "allowed-mentions"}
    rows = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "l" * 81,
                                        "custom_id": str(i)} for i in range(6)]}] * 6
    problems = validate.check_request("POST", route, {**ok, "components": rows})
    text = "\n".join(m for _, m in problems)
    assert "6 action rows (max 5)" in text and "6 buttons (max 5)" in text
    assert "label is 81 chars (max 80)" in text
    callback = "/interactions/{interaction_id}/{interaction_token}/callback"
    choices = [{"name": "n" * 101, "value": "v"}] * 26
    problems = validate.check_request("POST", callback, {"type": 8, "data": {"choices": choices}})
    text = "\n".join(m for _, m in problems)
    assert "26 autocomplete choices (max 25)" in text and "name is 101 chars" in text
    bad = validate.check_request("POST", callback, {"type": 4, "data": {
        "content": "@everyone", "allowed_mentions": {"parse": [], "users": ["1"]}}})
    assert [k for k, _ in bad] == ["allowed-mentions"]


def test_payload_builders_reject_impossible_interactions() -> None:
    world = factories.World.default()
    cmd = {"id": "1", "name": "archive", "options": [
        {"type": 2, "name": "search", "options": [
            {"type": 1, "name": "topic", "options": [
                {"type": 3, "name": "query", "required": True}]}]}]}
    with pytest.raises(ValueError, match="required options missing"):
        command_data(cmd, {}, group="search", subcommand="topic")
    with pytest.raises(ValueError, match="no option 'nope'"):
        command_data(cmd, {"nope": 1}, group="search", subcommand="topic")
    msg = factories.message(channel_id=world.channel_id, author=world.bot, components=[
        {"type": 1, "components": [{"type": 2, "custom_id": "x", "label": "X",
                                    "disabled": True}]}])
    with pytest.raises(ValueError, match="disabled"):
        find_component(msg, custom_id="x")
    assert world.permissions_for(world.admin["id"]) & factories.MANAGE_GUILD
    assert not world.permissions_for(world.user["id"]) & factories.MANAGE_GUILD
    assert world.permissions_for(world.owner["id"]) == factories.ALL_PERMISSIONS


async def test_a_missing_spec_fails_at_start_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "openapi.json"
    monkeypatch.setattr(validate, "SPEC_PATH", missing)
    validate.load_spec.cache_clear()
    try:
        with pytest.raises(validate.SpecMissing, match="nowhere"):
            await FakeDiscord().start()
    finally:
        validate.load_spec.cache_clear()


def test_the_spec_ships_with_the_package() -> None:
    from tests.conftest import REPO

    assert validate.SPEC_PATH.is_relative_to(REPO / "bot" / "testing")
    assert (validate.SPEC_PATH.parent / "LICENSE").is_file()

"""The bot client: intents, endpoints from config, command sync skipping, heartbeat, runner."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import discord.webhook.async_
import pytest
import yarl
from discord import app_commands

from bot.app import runner
from bot.app.client import SETTINGS_EXTRA, ArchiveBot, configure_endpoints, extension_names
from bot.app.errors import ChannelDisabled
from bot.app.views import FeedbackButton
from bot.config import Settings, with_section
from bot.core.search import Archive
from bot.errors import ConfigError
from bot.store import db as db_module
from bot.store import views as logviews
from bot.store.backend import atomic
from bot.store.db import open_database
from bot.store.querylog import QueryLog, QueryRecord
from tests.fakes import CHANNEL_ID, GUILD_ID, fake_interaction, make_services, seeds_settings

EXTENSIONS = ["bot.exts.search", "bot.exts.answers", "bot.exts.mentions"]
Factory = Callable[..., AbstractAsyncContextManager[ArchiveBot]]


@pytest.fixture(autouse=True)
def _restore_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoints are process-wide class attributes: put them back after each test."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.fixture
def make_bot(tmp_path: Path, seed_settings: Settings, seed_archive: Archive) -> Factory:
    @asynccontextmanager
    async def make(**discord_changes: Any) -> AsyncIterator[ArchiveBot]:
        settings = seeds_settings(tmp_path, seed_settings, **discord_changes)
        async with make_services(settings, seed_archive) as services:
            bot = ArchiveBot(services, extensions=EXTENSIONS)
            try:
                yield bot
            finally:
                await bot.close()

    return make


async def load(bot: ArchiveBot) -> mock.AsyncMock:
    for name in bot.extension_list:
        if name not in bot.extensions:
            await bot.load_extension(name)
    sync = mock.AsyncMock(return_value=[])
    bot.tree.sync = sync  # type: ignore[method-assign]
    return sync


async def test_intents_and_mentions_defaults(make_bot: Factory) -> None:
    async with make_bot() as bot:
        assert not bot.intents.message_content
        assert not bot.intents.members and not bot.intents.presences
        assert bot.intents.guild_messages and bot.intents.guilds
        assert bot.allowed_mentions is not None
        assert bot.allowed_mentions.to_dict() == {"parse": []}


def test_extensions_are_discovered() -> None:
    assert set(EXTENSIONS) <= set(extension_names())


async def test_endpoints_come_from_config(make_bot: Factory) -> None:
    async with make_bot(api_base_url="http://127.0.0.1:8999/api/v10/",
                        gateway_url="ws://127.0.0.1:8998/gateway"):
        route = discord.http.Route("GET", "/gateway/bot")
        assert route.url == "http://127.0.0.1:8999/api/v10/gateway/bot"
        # interaction callbacks and follow-ups build their URLs from the same class
        assert discord.webhook.async_.Route is discord.http.Route
        callback = discord.webhook.async_.Route(
            "POST", "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=1, webhook_token="tok",
        )
        assert callback.url == "http://127.0.0.1:8999/api/v10/interactions/1/tok/callback"
        gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        assert gateway == yarl.URL("ws://127.0.0.1:8998/gateway")


async def test_gateway_asked_from_a_rest_proxy(make_bot: Factory) -> None:
    async with make_bot(api_base_url="http://127.0.0.1:8999/api/v10") as bot:
        ask = mock.AsyncMock(return_value=(1, "ws://127.0.0.1:8997/", {}))
        bot.http.get_bot_gateway = ask  # type: ignore[method-assign]
        await bot.resolve_gateway()
        ask.assert_awaited_once()
        gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        assert gateway == yarl.URL("ws://127.0.0.1:8997/")


async def test_gateway_left_alone_for_discord(make_bot: Factory) -> None:
    before = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with make_bot() as bot:
        ask = mock.AsyncMock()
        bot.http.get_bot_gateway = ask  # type: ignore[method-assign]
        await bot.resolve_gateway()
        ask.assert_not_awaited()
        assert discord.http.Route.BASE == "https://discord.com/api/v10"
        after = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        assert after == before


def test_configure_endpoints_strips_the_slash() -> None:
    configure_endpoints(
        Settings().discord.model_copy(update={"api_base_url": "http://proxy:8080/api/v10/"})
    )
    assert discord.http.Route.BASE == "http://proxy:8080/api/v10"


async def test_sync_is_skipped_when_commands_are_unchanged(make_bot: Factory) -> None:
    async with make_bot() as bot:
        sync = await load(bot)
        assert await bot.sync_commands() is True
        sync.assert_awaited_once_with()
        assert await bot.sync_commands() is False
        assert sync.await_count == 1
    async with make_bot() as restarted:  # same database: a restart does not re-sync
        sync = await load(restarted)
        assert await restarted.sync_commands() is False
        sync.assert_not_awaited()

        @app_commands.command(name="extra", description="a new command")
        async def extra(interaction: discord.Interaction) -> None: ...

        restarted.tree.add_command(extra)
        assert await restarted.sync_commands() is True
        sync.assert_awaited_once()


async def test_sync_to_configured_guilds(make_bot: Factory) -> None:
    async with make_bot(guild_ids=[11, 12]) as bot:
        sync = await load(bot)
        assert await bot.sync_commands() is True
        guilds = [c.kwargs["guild"].id for c in sync.await_args_list]
        assert guilds == [11, 12]
        assert {c.name for c in bot.tree.get_commands(guild=discord.Object(11))} >= {
            "search", "ask", "summary", "quote"}


async def test_command_payload_options(make_bot: Factory) -> None:
    async with make_bot() as bot:
        await load(bot)
        (target,) = bot.command_payload()["targets"].values()
        by_name = {c["name"]: c for c in target}
        assert set(by_name) == {"search", "ask", "summary", "quote"}
        search_opts = [o["name"] for o in by_name["search"]["options"]]
        assert search_opts == ["query", "limit", "from", "to", "source"]
        auto = {o["name"] for c in target for o in c.get("options", []) if o.get("autocomplete")}
        assert auto == {"article", "speaker"}
        for command in target:
            assert len(command["description"]) <= 100
            for option in command.get("options", []):
                assert len(option["description"]) <= 100


async def test_setup_hook_wires_everything(make_bot: Factory) -> None:
    async with make_bot() as bot:
        bot.tree.sync = mock.AsyncMock(return_value=[])  # type: ignore[method-assign]
        await bot.setup_hook()
        assert {"SearchCog", "AnswersCog", "MentionsCog"} <= set(bot.cogs)
        pattern = FeedbackButton.__discord_ui_compiled_template__
        assert pattern in bot._connection._view_store._dynamic_items
        assert bot.heartbeat.is_running()


async def test_heartbeat_file(make_bot: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    async with make_bot() as bot:
        await bot.heartbeat()
        assert not bot.heartbeat_path.exists()  # not connected: unhealthy
        monkeypatch.setattr(bot, "is_ready", lambda: True)
        await bot.heartbeat()
        assert bot.heartbeat_path.read_text().startswith("20")
        assert bot.heartbeat_path.parent == bot.services.settings.querylog.path.parent


# -- runner ----------------------------------------------------------------------------------


def unflushed(tmp_path: Path, seed_settings: Settings) -> Settings:
    """The seeds' settings with a query log that writes nothing until it is closed, so only a
    clean shutdown can have written the rows."""
    return with_section(seeds_settings(tmp_path, seed_settings), "querylog",
                        flush_interval_seconds=3600.0, batch_size=10_000)


async def test_sigterm_closes_the_bot_and_flushes_the_log(
    tmp_path: Path, seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = unflushed(tmp_path, seed_settings)
    services = await runner.open_services(settings)
    seen: dict[str, Any] = {}
    draining, closed = asyncio.Event(), asyncio.Event()
    drain_handlers, close = runner.drain_handlers, ArchiveBot.close

    async def observed_drain(timeout: float = runner.DRAIN_SECONDS) -> None:
        draining.set()  # the shutdown has begun and waits for the handlers running now
        await drain_handlers(timeout)

    async def observed_close(self: ArchiveBot) -> None:
        await close(self)
        closed.set()

    async def fake_start(self: ArchiveBot, token: str, *, reconnect: bool = True) -> None:
        seen["token"] = token
        self.services.querylog.record(QueryRecord(command="ask", query="last words"))

        async def slow_answer() -> None:  # still working when SIGTERM arrives
            await draining.wait()  # the drain, begun, saw this handler busy
            self.services.querylog.record(QueryRecord(command="ask", query="slow answer"))

        seen["handler"] = asyncio.create_task(slow_answer(), name="CommandTree-invoker")
        os.kill(os.getpid(), signal.SIGTERM)
        await closed.wait()  # discord.py's start() returns once the client is closed

    monkeypatch.setattr(runner, "drain_handlers", observed_drain)
    monkeypatch.setattr(ArchiveBot, "close", observed_close)
    monkeypatch.setattr(ArchiveBot, "start", fake_start)
    try:
        assert await asyncio.wait_for(runner.serve(services, "a.b.c"), 10) == 0
    finally:
        await runner.close_services(services)
    assert seen["token"] == "a.b.c"
    db = await open_database(settings.querylog.path)
    try:
        rows = await logviews.recent(db)
    finally:
        await db.close()
    assert {row.query for row in rows} == {"last words", "slow answer"}


async def test_sigterm_while_discord_py_is_stuck_reconnecting_stops_in_time(
    tmp_path: Path, seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = unflushed(tmp_path, seed_settings)
    services = await runner.open_services(settings)
    loop = asyncio.get_running_loop()

    async def stalled_start(self: ArchiveBot, token: str, *, reconnect: bool = True) -> None:
        self.services.querylog.record(QueryRecord(command="search", query="before the outage"))
        loop.call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
        # The fault under test, not a wait: discord.py asleep in its reconnect backoff.
        await asyncio.sleep(3600)

    monkeypatch.setattr(ArchiveBot, "start", stalled_start)
    started = loop.time()
    try:
        assert await asyncio.wait_for(runner.serve(services, "a.b.c"), 30) == 0
    finally:
        await runner.close_services(services)
    assert loop.time() - started < runner.STOP_SECONDS
    assert services.stopping.is_set()  # CPU work was told to stop
    db = await open_database(settings.querylog.path)
    try:
        assert [row.query for row in await logviews.recent(db)] == ["before the outage"]
    finally:
        await db.close()


async def test_rejected_token_is_a_config_error(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(self: ArchiveBot, token: str, *, reconnect: bool = True) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(ArchiveBot, "start", refuse)
    async with make_services(seeds_settings(tmp_path, seed_settings), seed_archive) as services:
        with pytest.raises(ConfigError, match="rejected DISCORD_TOKEN"):
            await runner.serve(services, "a.b.c")



async def test_a_prune_writing_when_the_connection_fails_ends_before_the_database_closes(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The daily prune starts with the bot; a connection that fails at once (a name that
    does not resolve) must not close the database under the prune's open transaction."""
    writing, ended = asyncio.Event(), asyncio.Event()

    async def prune_in_a_transaction(self: QueryLog, interval: float = 0.0) -> None:
        try:
            async with atomic(self._conn):
                writing.set()
                await asyncio.Event().wait()  # cancelled here, mid-transaction
        finally:
            ended.set()

    async def fail(self: ArchiveBot, token: str, *, reconnect: bool = True) -> None:
        await writing.wait()
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(QueryLog, "run_daily_prune", prune_in_a_transaction)
    monkeypatch.setattr(ArchiveBot, "start", fail)
    async with make_services(seeds_settings(tmp_path, seed_settings), seed_archive) as services:
        with pytest.raises(ConfigError):
            await runner.serve(services, "a.b.c")
        assert ended.is_set()  # rolled back while the database was open
        assert services.db is not None and not services.db.in_transaction


# -- nothing before the initial response waits on the database --------------------------------


async def test_gate_answers_from_memory_while_the_settings_cannot_be_read(
    make_bot: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_bot() as bot:
        services = bot.services
        assert services.db is not None
        await services.db.execute(
            "INSERT INTO channel_settings (guild_id, channel_id, enabled, updated_at) "
            "VALUES (?, ?, 0, '2024-01-01T00:00:00.000Z')", (str(GUILD_ID), str(CHANNEL_ID)))
        real_load = services.channels.load
        stuck, unstick = asyncio.Event(), asyncio.Event()

        async def hung_load() -> None:  # the database's thread is stuck behind a lock
            stuck.set()
            await unstick.wait()
            await real_load()

        monkeypatch.setattr(services.channels, "load", hung_load)
        services.channel_read_seconds = 0.05
        with caplog.at_level(logging.WARNING, logger="bot.app.services"):
            first = fake_interaction(bot)
            await bot.gate(first)  # the configured defaults: the channel is enabled
            await bot.gate(fake_interaction(bot))
        assert stuck.is_set()
        assert first.extras[SETTINGS_EXTRA] == services.channel_defaults()
        said = [r.getMessage() for r in caplog.records]
        assert len(said) == 1 and "configured defaults" in said[0]  # said once, not per command

        unstick.set()
        assert await services.load_channels_soon() is True  # the same read, now done
        with pytest.raises(ChannelDisabled, match="turned off in this channel"):
            await bot.gate(fake_interaction(bot))  # the stored override applies again


async def test_a_failed_read_is_tried_again_and_falls_back_to_defaults(
    make_bot: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_bot() as bot:
        services = bot.services
        calls = 0

        async def failing_load() -> None:
            nonlocal calls
            calls += 1
            raise sqlite3.DatabaseError("database disk image is malformed")

        monkeypatch.setattr(services.channels, "load", failing_load)
        assert await services.channel_settings(GUILD_ID, CHANNEL_ID) == (
            services.channel_defaults())
        assert await services.channel_settings(GUILD_ID, CHANNEL_ID + 1) == (
            services.channel_defaults())
        assert calls == 2
        assert await bot.where_enabled(GUILD_ID) == (
            "The archive bot is turned off in this channel.")


async def test_a_database_that_cannot_be_used_does_not_stop_the_sync(
    make_bot: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_bot() as bot:
        sync = await load(bot)
        db = bot.services.db
        assert db is not None

        async def full(*args: Any, **kwargs: Any) -> Any:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(db, "execute", full)
        with caplog.at_level(logging.WARNING, logger="bot.app.client"):
            assert await bot.sync_commands() is True
        sync.assert_awaited_once_with()
        assert "cannot read the last command sync" in caplog.text
        assert "cannot store the command sync" in caplog.text


async def test_runner_starts_on_a_corrupt_query_log(
    tmp_path: Path, seed_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = seeds_settings(tmp_path, seed_settings)
    settings.querylog.path.parent.mkdir(parents=True, exist_ok=True)
    settings.querylog.path.write_bytes(b"garbage, not SQLite" * 100)
    with caplog.at_level(logging.ERROR, logger="bot.store.db"):
        services = await runner.open_services(settings)
    try:
        services.querylog.record(QueryRecord(command="ask", query="after the corruption"))
        assert await services.querylog.flush() is True
        assert "is corrupt" in caplog.text
    finally:
        await runner.close_services(services)
    assert list(settings.querylog.path.parent.glob("*.corrupt-*"))


async def test_runner_starts_with_no_space_for_the_query_log(
    tmp_path: Path, seed_settings: Settings, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open = db_module.open_database

    async def no_space(path: Path | str, **kwargs: Any) -> Any:
        if str(path) != db_module.MEMORY:
            raise sqlite3.OperationalError("database or disk is full")
        return await real_open(path, **kwargs)

    monkeypatch.setattr(db_module, "open_database", no_space)
    settings = seeds_settings(tmp_path, seed_settings)
    with caplog.at_level(logging.ERROR, logger="bot.store.db"):
        services = await runner.open_services(settings)
    try:
        services.querylog.record(QueryRecord(command="ask", query="answered anyway"))
        assert await services.querylog.flush() is True  # into the in-memory log
        [line] = [r.getMessage() for r in caplog.records]
        assert "database or disk is full" in line and "in memory" in line
        assert await services.channel_settings(1, 2) == services.channel_defaults()
    finally:
        await runner.close_services(services)

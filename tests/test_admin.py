"""/archive-admin with spec_set fakes: reindex (progress, report, failure, concurrency), log
views, stats and forget (each scoped to the interaction's server), channel settings honoured by
the user commands, the registered tree."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app.admin_render import ReindexProgress, bounded_lines, report_embed
from bot.app.client import ArchiveBot
from bot.app.errors import ChannelDisabled
from bot.app.progress import ProgressRelay
from bot.app.render import FIELD_VALUE_MAX, limit_problems
from bot.app.services import Services
from bot.app.views import Paginator
from bot.config import Settings
from bot.core.build import BuildReport, open_archive
from bot.core.models import Skipped
from bot.core.search import Archive
from bot.core.watches import WatchRequest
from bot.exts.search import SearchCog
from bot.runtime import service as service_module
from bot.runtime.service import ReindexStatus
from bot.store import views as logviews
from bot.store.db import utcnow
from bot.store.querylog import QueryRecord
from bot.store.watches import Caps, WatchStore
from tests.conftest import SEEDS, modify_archive, settings_for
from tests.fakes import (
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    USER_ID,
    fake_interaction,
    fake_message,
    fake_user,
    message_calls,
    no_pings,
)
from tests.test_permissions import (
    MANAGER,
    OTHER_GUILD_ID,
    AdminHarness,
    admin_interaction,
    command,
    make_admin_harness,
)

NASTY = "@everyone **bold** <@123> `code` who?"
FOREIGN = ("foreign secret", "foreign rated", "dm query")  # never shown in GUILD_ID


@pytest.fixture
def admin_harness(tmp_path: Path, seed_settings: Settings, seed_archive: Archive) -> AdminHarness:
    return make_admin_harness(tmp_path, seed_settings, seed_archive)


def admin(bot: ArchiveBot, cog: Any, name: str, **kwargs: Any) -> Any:
    return admin_interaction(bot, command(cog, name), perms=MANAGER, **kwargs)


async def call(bot: ArchiveBot, cog: Any, name: str, interaction: Any, **options: Any) -> None:
    """What discord.py does: the cog check, the callback, the tree's handler on failure."""
    cmd = command(cog, name)
    try:
        await cog.interaction_check(interaction)
        await cmd.callback(cog, interaction, **options)
    except app_commands.AppCommandError as exc:
        await bot.tree.on_error(interaction, exc)
    except Exception as exc:  # noqa: BLE001 - routed like discord.py does
        await bot.tree.on_error(interaction, app_commands.CommandInvokeError(cmd, exc))


def last_kwargs(interaction: Any) -> dict[str, Any]:
    calls = message_calls(interaction)
    assert calls, "nothing was sent"
    return calls[-1][1]


def sent_text(interaction: Any) -> str:
    """The reply's text: sent as the response, or edited into the deferred one."""
    if interaction.response.send_message.await_args is not None:
        return str(interaction.response.send_message.await_args.args[0])
    return str(last_kwargs(interaction)["content"])


async def log_rows(services: Services) -> list[logviews.LogRow]:
    await services.querylog.flush()
    assert services.db is not None
    return await logviews.recent(services.db, limit=500)


def stop_views(interaction: Any) -> None:
    for _, kwargs in message_calls(interaction):
        if isinstance(kwargs.get("view"), discord.ui.View):
            kwargs["view"].stop()


# -- the registered tree ---------------------------------------------------------------------


async def test_registered_group_payload(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, _, _):
        group = bot.tree.get_command("archive-admin")
        assert isinstance(group, app_commands.Group)
        payload = group.to_dict(bot.tree)
        assert int(payload["default_member_permissions"]) == discord.Permissions(
            manage_guild=True).value
        assert payload["dm_permission"] is False and payload["contexts"] == [0]
        shape = {o["name"]: [p["name"] for p in o.get("options", [])]
                 for o in payload["options"]}
        channel = shape.pop("channel")
        assert shape == {"reindex": ["full"], "logs": ["view", "days", "user", "command"],
                         "stats": ["days"], "forget": ["user"]}
        assert channel == ["enable", "disable", "mode", "list"]
        subs = {o["name"]: o for o in payload["options"]}
        view = subs["logs"]["options"][0]
        assert [c["value"] for c in view["choices"]] == [
            "recent", "top", "unanswered", "slow", "feedback"]
        assert {o["name"]: o["type"] for o in subs["logs"]["options"]} == {
            "view": 3, "days": 4, "user": 6, "command": 3}
        assert subs["logs"]["options"][1]["min_value"] == 1
        assert subs["logs"]["options"][1]["max_value"] == 3650
        mode = next(o for o in subs["channel"]["options"] if o["name"] == "mode")
        assert [(o["name"], o["type"]) for o in mode["options"]] == [
            ("channel", 7), ("mentions", 5), ("ephemeral", 5), ("threads", 5)]
        assert subs["forget"]["options"][0]["required"] is True
        assert "archive-admin" in json.dumps(bot.command_payload())


# -- reindex ---------------------------------------------------------------------------------


@pytest.fixture
def tmp_archive(tmp_path: Path) -> tuple[Settings, Archive]:
    archive_dir = tmp_path / "archive"
    shutil.copytree(SEEDS, archive_dir)
    settings = settings_for(tmp_path, archive_dir)
    archive, _ = open_archive(settings)
    return settings, archive





class Hold:
    """Wraps ``service.reindex`` so its progress callback blocks at the first parse step."""

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        real = services.archive.reindex

        def held(*, full: bool = False, progress: Any = None) -> BuildReport:
            def step(stage: str, done: int, total: int) -> None:
                if progress is not None:
                    progress(stage, done, total)
                if stage == "parse" and not self.entered.is_set():
                    self.entered.set()
                    self.release.wait(10)

            return real(full=full, progress=step)

        monkeypatch.setattr(services.archive, "reindex", held)


def watch_edits(interaction: Any) -> asyncio.Event:
    """An event set once a progress edit has gone out."""
    progressed = asyncio.Event()

    def edit(**kwargs: Any) -> Any:
        embed = kwargs.get("embed")
        if embed is not None and "running" in (embed.title or ""):
            progressed.set()
        return fake_message()

    interaction.edit_original_response.side_effect = edit
    return progressed


@pytest.fixture
def held_release() -> Iterator[list[Hold]]:
    holds: list[Hold] = []
    yield holds
    for hold in holds:  # never leave a worker thread blocked
        hold.release.set()


async def test_reindex_progress_edits_and_report(
    admin_harness: AdminHarness, tmp_archive: tuple[Settings, Archive],
    monkeypatch: pytest.MonkeyPatch, held_release: list[Hold],
) -> None:
    settings, archive = tmp_archive
    async with admin_harness(archive, settings) as (bot, services, cog):
        before = services.archive.current
        modify_archive(settings.archive.path)
        hold = Hold(services, monkeypatch)
        held_release.append(hold)
        interaction = admin(bot, cog, "reindex")
        progressed = watch_edits(interaction)
        task = asyncio.create_task(call(bot, cog, "reindex", interaction))
        await asyncio.wait_for(progressed.wait(), 10)
        # deferred ephemerally, and the old index keeps answering meanwhile
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        assert services.archive.current is before
        assert services.archive.current.search("Idlib").total > 0
        hold.release.set()
        await asyncio.wait_for(task, 30)

        edits = [c.kwargs for c in interaction.edit_original_response.await_args_list]
        progress = [e["embed"] for e in edits[:-1]]
        assert progress and all("running" in (e.title or "") for e in progress)
        assert all(no_pings(e) for e in edits)
        first = progress[0].description or ""
        assert "%" in first and "Archive read" in first and "Elapsed" in first
        report = edits[-1]["embed"]
        assert report.title == "Reindex done" and not limit_problems([report])
        fields = {f.name: f.value or "" for f in report.fields}
        assert "broken.txt" in fields["Added (2)"] and "new.jsonl" in fields["Added (2)"]
        assert fields["Changed (1)"] == "003\\_03cdae4a38ed77fc.txt"
        assert fields["Removed (1)"] == "004\\_303e15b8da19fadf.txt"
        assert fields["Skipped (1)"].startswith("broken.txt — ")
        assert fields["Documents"] == str(len(services.archive.current.index.docs))
        assert services.archive.current.search("zeppelins").hits[0].doc_id == "n1"
        (row,) = await log_rows(services)
        assert row.command == "admin:reindex" and row.found and row.filters == {"full": False}


async def test_failed_reindex_reports_why_and_old_index_answers(
    admin_harness: AdminHarness, tmp_archive: tuple[Settings, Archive],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, archive = tmp_archive
    async with admin_harness(archive, settings) as (bot, services, cog):
        before = services.archive.current
        (settings.archive.path / "more.md").write_text(
            "# More\n\nQuokkas were seen everywhere in the capital today.\n")

        def disk_full(index: Any, folder: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(service_module, "save_index", disk_full)
        interaction = admin(bot, cog, "reindex")
        await call(bot, cog, "reindex", interaction, full=True)
        embed = last_kwargs(interaction)["embed"]
        assert embed.title == "Reindex failed"
        assert "No space left on device" in (embed.description or "")
        assert "previous index" in (embed.description or "")
        assert services.archive.current is before and not services.archive.status().running
        assert services.archive.current.search("quokkas").total == 0
        search = bot.get_cog("SearchCog")
        assert isinstance(search, SearchCog)
        asked = fake_interaction(bot)
        await search.search.callback(search, asked, query="Idlib")
        assert "Idlib" in (last_kwargs(asked)["embed"].description or "")
        stop_views(asked)
        rows = {r.command: r for r in await log_rows(services)}
        assert not rows["admin:reindex"].found and rows["admin:reindex"].error_id is None


async def test_unexpected_reindex_failure_gets_an_error_id(
    admin_harness: AdminHarness, tmp_archive: tuple[Settings, Archive],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, archive = tmp_archive
    async with admin_harness(archive, settings) as (bot, services, cog):
        def broken(index: Any, folder: Any) -> None:
            raise KeyError("bug")

        monkeypatch.setattr(service_module, "save_index", broken)
        interaction = admin(bot, cog, "reindex")
        await call(bot, cog, "reindex", interaction)
        (row,) = await log_rows(services)
        assert row.error_id is not None
        description = last_kwargs(interaction)["embed"].description or ""
        assert f"error id {row.error_id}" in description and "bug" not in description


async def test_second_reindex_is_told_it_is_already_running(
    admin_harness: AdminHarness, tmp_archive: tuple[Settings, Archive],
    monkeypatch: pytest.MonkeyPatch, held_release: list[Hold],
) -> None:
    settings, archive = tmp_archive
    async with admin_harness(archive, settings) as (bot, services, cog):
        hold = Hold(services, monkeypatch)
        held_release.append(hold)
        first = admin(bot, cog, "reindex")
        task = asyncio.create_task(call(bot, cog, "reindex", first))
        assert await asyncio.to_thread(hold.entered.wait, 10)
        second = admin(bot, cog, "reindex")
        await call(bot, cog, "reindex", second, full=True)
        ((name, kwargs),) = message_calls(second)
        assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
        text = sent_text(second)
        assert "already running" in text and "% done" in text
        second.response.defer.assert_not_awaited()
        hold.release.set()
        await asyncio.wait_for(task, 30)
        assert last_kwargs(first)["embed"].title == "Reindex done"
        commands = sorted(r.command for r in await log_rows(services))
        assert commands == ["admin:reindex", "admin:reindex"]


async def test_progress_edits_are_throttled() -> None:
    loop = asyncio.get_running_loop()
    status = ReindexStatus(True, "parse", 1, 4, 15.0, 0.5, False)
    shown: list[ReindexProgress] = []
    first = asyncio.Event()

    async def show(p: ReindexProgress) -> None:
        shown.append(p)
        first.set()

    relay = ProgressRelay(loop, lambda: status, full=False, interval=1000.0)
    relay.start(show)
    await asyncio.to_thread(relay, "parse", 1, 4)
    await asyncio.wait_for(first.wait(), 10)
    for i in range(2, 5):
        await asyncio.to_thread(relay, "parse", i, 4)
    await asyncio.to_thread(relay, "index", 50, 121)
    await relay.stop()
    assert relay.shown == 1 and len(shown) == 1
    assert (shown[0].bytes_read, shown[0].bytes_total, shown[0].percent) == (1, 4, 15.0)


def test_report_fits_with_many_files() -> None:
    paths = tuple(f"dir/**file_{i:04d}_@everyone.txt" for i in range(2000))
    report = BuildReport("rebuilt", "requested", 10, 100, 2000,
                         tuple(Skipped(p, "bad " * 50, 3) for p in paths), added=paths,
                         changed=paths, removed=paths, reused=0, seconds=75.0)
    embed = report_embed(report, full=True)
    assert not limit_problems([embed])
    skipped = next(f.value for f in embed.fields if (f.name or "").startswith("Skipped"))
    assert skipped and "more" in skipped and "@everyone" not in skipped
    assert "\\*\\*file" in skipped
    assert len(bounded_lines(["x" * 5000])) <= FIELD_VALUE_MAX


# -- query-log review ------------------------------------------------------------------------


async def seed_log(services: Services) -> None:
    q = services.querylog
    now = utcnow()
    q.record(QueryRecord("search", "Idlib airstrikes", guild_id=GUILD_ID, channel_id=CHANNEL_ID,
                         user_id=USER_ID, result_count=5, found=True, latency_ms=120.0,
                         top_hits=[("000_92e0ac5bf622c90d", 1)]))
    nasty = QueryRecord("ask", NASTY, guild_id=GUILD_ID, user_id=USER_ID, latency_ms=900.0,
                        top_hits=[("001_1a747fc895aa23e5", 2)])
    q.record(nasty)
    q.record(QueryRecord("ask", NASTY, guild_id=GUILD_ID, user_id=USER_ID, latency_ms=800.0))
    q.record(QueryRecord("quote", "quokka census", guild_id=GUILD_ID, user_id=OTHER_USER_ID,
                         latency_ms=3000.0))
    q.record(QueryRecord("search", "ancient query", ts=now - timedelta(days=40),
                         guild_id=GUILD_ID, user_id=OTHER_USER_ID, latency_ms=10.0, found=True,
                         result_count=1))
    q.record(QueryRecord("admin:stats", "", guild_id=GUILD_ID, user_id=USER_ID,
                         latency_ms=5.0, found=True, result_count=1))
    # Another server's rows (the same two users are members there too) and a DM's.
    q.record(QueryRecord("search", "foreign secret", guild_id=OTHER_GUILD_ID,
                         user_id=OTHER_USER_ID, latency_ms=99_000.0))
    rated = QueryRecord("ask", "foreign rated", guild_id=OTHER_GUILD_ID, user_id=USER_ID,
                        found=True, result_count=1, latency_ms=50.0)
    q.record(rated)
    q.record(QueryRecord("search", "dm query", user_id=OTHER_USER_ID, latency_ms=40.0))
    await q.flush()
    assert await q.record_feedback(nasty.request_id, -1)
    assert await q.record_feedback(rated.request_id, -1)


def page_texts(interaction: Any) -> tuple[list[discord.Embed], str]:
    kwargs = last_kwargs(interaction)
    assert no_pings(kwargs)
    view = kwargs.get("view")
    pages = view.pages if isinstance(view, Paginator) else [kwargs["embed"]]
    return pages, "\n".join(p.description or "" for p in pages)


@pytest.mark.parametrize("view", ["recent", "top", "unanswered", "slow", "feedback"])
async def test_every_log_view_renders_escaped(admin_harness: AdminHarness, view: str) -> None:
    async with admin_harness() as (bot, services, cog):
        await seed_log(services)
        interaction = admin(bot, cog, "logs")
        await call(bot, cog, "logs", interaction, view=view)
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        pages, text = page_texts(interaction)
        assert not limit_problems(pages)
        assert "@\u200beveryone" in text and "<\u200b@\u200b123>" in text
        assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text
        assert "@everyone" not in text and "**bold**" not in text
        assert not [f for f in FOREIGN if f in text], "another server's rows were shown"
        if view in ("top", "unanswered"):
            assert "**2×**" in text  # the two identical asks, grouped
        if view == "slow":
            assert text.index("3000 ms") < text.index("900 ms")
        if view == "feedback":
            assert "quokka" not in text and "👎" in text and "001\\_1a747fc895aa23e5 ¶2" in text
        stop_views(interaction)
        rows = [r for r in await log_rows(services) if r.command == "admin:logs"]
        assert len(rows) == 1 and rows[0].filters == {"view": view} and rows[0].found


async def test_another_servers_admin_sees_only_their_servers_rows(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, services, cog):
        await seed_log(services)
        seen: dict[str, str] = {}
        for view in ("recent", "top", "unanswered", "slow", "feedback"):
            interaction = admin(bot, cog, "logs", guild_id=OTHER_GUILD_ID)
            await call(bot, cog, "logs", interaction, view=view)
            seen[view] = page_texts(interaction)[1]
            stop_views(interaction)
        for view, text in seen.items():
            assert "Idlib" not in text and "quokka" not in text and "everyone" not in text, view
            assert "ancient query" not in text and "dm query" not in text, view
        assert "foreign secret" in seen["recent"] and "foreign rated" in seen["recent"]
        assert "foreign secret" in seen["unanswered"] and "foreign rated" in seen["feedback"]
        assert seen["slow"].index("99000 ms") < seen["slow"].index("50 ms")
        stats = admin(bot, cog, "stats", guild_id=OTHER_GUILD_ID)
        await call(bot, cog, "stats", stats, days=30)
        embed = last_kwargs(stats)["embed"]
        assert "**7** queries" in (embed.description or "")  # their 2 + their 5 admin:logs
        by_command = {f.name: f.value or "" for f in embed.fields}["By command"]
        assert by_command.splitlines() == ["admin:logs: 5", "ask: 1", "search: 1"]


async def test_log_filters_days_user_command(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, services, cog):
        await seed_log(services)
        everything = admin(bot, cog, "logs")
        await call(bot, cog, "logs", everything, view="recent")
        assert "ancient query" in page_texts(everything)[1]

        recent = admin(bot, cog, "logs")
        await call(bot, cog, "logs", recent, view="recent", days=7)
        assert "ancient query" not in page_texts(recent)[1]

        theirs = admin(bot, cog, "logs")
        await call(bot, cog, "logs", theirs, view="recent", user=fake_user(OTHER_USER_ID))
        pages, text = page_texts(theirs)
        assert "quokka census" in text and "ancient query" in text and "Idlib" not in text
        assert "one user" in (pages[0].footer.text or "")

        admins = admin(bot, cog, "logs")
        await call(bot, cog, "logs", admins, view="recent", command="admin:")
        text = page_texts(admins)[1]
        assert "admin:stats" in text and "admin:logs" in text and "Idlib" not in text

        nothing = admin(bot, cog, "logs")
        await call(bot, cog, "logs", nothing, view="recent", command="no-such-command")
        assert "No rows" in page_texts(nothing)[1]
        for interaction in (everything, recent, theirs, admins, nothing):
            stop_views(interaction)
        stored = [r.filters for r in await log_rows(services) if r.command == "admin:logs"]
        assert {"view": "recent", "user": True} in stored  # not the user's key


async def test_log_view_pages(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, services, cog):
        for i in range(25):
            services.querylog.record(QueryRecord("search", f"query {i}", guild_id=GUILD_ID,
                                                 user_id=USER_ID))
        interaction = admin(bot, cog, "logs")
        await call(bot, cog, "logs", interaction, view="recent")
        view = last_kwargs(interaction)["view"]
        assert isinstance(view, Paginator) and len(view.pages) == 3
        assert view.owner_id == USER_ID
        assert (view.pages[0].footer.text or "").endswith("page 1/3")
        view.stop()


async def test_stats_attaches_a_png(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, services, cog):
        await seed_log(services)
        interaction = admin(bot, cog, "stats")
        await call(bot, cog, "stats", interaction, days=30)
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        kwargs = last_kwargs(interaction)
        assert no_pings(kwargs)
        (chart,) = kwargs["attachments"]
        assert isinstance(chart, discord.File) and chart.filename == "queries.png"
        assert chart.fp.read(8) == b"\x89PNG\r\n\x1a\n"
        embed = kwargs["embed"]
        assert embed.image.url == "attachment://queries.png" and not limit_problems([embed])
        description = embed.description or ""
        # this server's five in 30 days: not the other server's two, nor the DM
        assert "**5** queries" in description and "**2** distinct users" in description
        assert "median" in description and "p95" in description
        fields = {f.name: f.value or "" for f in embed.fields}
        assert "ask: 2" in fields["By command"]
        assert utcnow().date().isoformat() in fields["By day (newest first)"]
        (row,) = [r for r in await log_rows(services) if r.command == "admin:stats"
                  and r.filters]
        assert row.filters == {"days": 30}


# -- forget ----------------------------------------------------------------------------------


async def test_forget_deletes_only_that_users_rows_in_this_server(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, services, cog):
        await seed_log(services)
        keys = {r.user_key for r in await log_rows(services)}
        assert len(keys) == 2
        theirs = services.querylog.user_key(OTHER_USER_ID)
        assert services.db is not None
        watches, caps = WatchStore(services.db), Caps(per_user=5, per_guild=10)
        for guild, owner in ((GUILD_ID, OTHER_USER_ID), (GUILD_ID + 1, OTHER_USER_ID),
                             (GUILD_ID, USER_ID)):
            await watches.add(guild, owner, None, WatchRequest("Idlib"), caps)
        interaction = admin(bot, cog, "forget")
        await call(bot, cog, "forget", interaction, user=fake_user(OTHER_USER_ID))
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        text = last_kwargs(interaction)["content"]
        assert text.startswith(f"Forgot <@{OTHER_USER_ID}> in this server: deleted 2 log rows")
        assert text.endswith("and 1 saved searches.")
        assert [w.owner_id for w in await watches.list(GUILD_ID)] == [str(USER_ID)]
        assert [w.owner_id for w in await watches.list(GUILD_ID + 1)] == [str(OTHER_USER_ID)]
        assert no_pings(last_kwargs(interaction))
        remaining = await log_rows(services)
        here = [r for r in remaining if r.guild_id == str(GUILD_ID)]
        assert {r.user_key for r in here} == {services.querylog.user_key(USER_ID)}
        assert len(here) == 5  # four seeded + this admin:forget
        assert [r.filters for r in here if r.command == "admin:forget"] == [{}]
        # their rows elsewhere (another server, a DM) are not this server's admin's to erase
        assert sorted(r.query for r in remaining if r.user_key == theirs) == [
            "dm query", "foreign secret"]


# -- channel settings ------------------------------------------------------------------------


def text_channel(channel_id: int) -> Any:
    channel = mock.create_autospec(discord.TextChannel, instance=True, spec_set=True)
    channel.id = channel_id
    return channel


async def test_channel_settings_are_honoured_by_user_commands(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, services, cog):
        search = bot.get_cog("SearchCog")
        assert isinstance(search, SearchCog)

        disable = admin(bot, cog, "channel disable")
        await call(bot, cog, "channel disable", disable)  # default: this channel
        assert sent_text(disable).startswith("Disabled")
        disable.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        user = fake_interaction(bot, namespace={"query": "Idlib"})
        with pytest.raises(ChannelDisabled) as caught:
            await search.interaction_check(user)
        await bot.tree.on_error(user, caught.value)
        note = sent_text(user)
        assert "turned off in this channel" in note and "other channels" in note

        # admin commands still work in the disabled channel; another channel is enabled
        other = admin(bot, cog, "channel enable")
        await call(bot, cog, "channel enable", other, channel=text_channel(777))
        assert "<#777>: **enabled**" in sent_text(other)
        user = fake_interaction(bot)
        with pytest.raises(ChannelDisabled, match="<#777>"):
            await search.interaction_check(user)

        enable = admin(bot, cog, "channel enable")
        await call(bot, cog, "channel enable", enable)
        assert f"<#{CHANNEL_ID}>: **enabled**" in sent_text(enable)
        user = fake_interaction(bot)
        assert await search.interaction_check(user)
        await search.search.callback(search, user, query="Idlib")
        user.response.defer.assert_awaited_once_with(ephemeral=False, thinking=True)
        stop_views(user)

        mode = admin(bot, cog, "channel mode")
        await call(bot, cog, "channel mode", mode, ephemeral=True, threads=True)
        assert "ephemeral on · threads on" in sent_text(mode)
        user = fake_interaction(bot)
        await search.search.callback(search, user, query="Idlib")
        user.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        stop_views(user)
        settings = await services.channel_settings(GUILD_ID, CHANNEL_ID)
        defaults = services.channel_defaults()
        assert settings == dataclasses.replace(defaults, ephemeral=True, threads=True)

        unchanged = admin(bot, cog, "channel mode")
        await call(bot, cog, "channel mode", unchanged)
        assert sent_text(unchanged).startswith("No change")

        listing = admin(bot, cog, "channel list")
        await call(bot, cog, "channel list", listing)
        embed = last_kwargs(listing)["embed"]
        assert last_kwargs(listing)["ephemeral"] is True
        assert f"<#{CHANNEL_ID}>: **enabled**" in (embed.description or "")
        assert "<#777>" in (embed.description or "")
        commands = sorted({r.command for r in await log_rows(services)
                           if r.command.startswith("admin:")})
        assert commands == ["admin:channel-disable", "admin:channel-enable",
                            "admin:channel-list", "admin:channel-mode"]
        stored = await services.channels.list(GUILD_ID)
        assert stored and all(s for _, s in stored)
        assert services.db is not None
        row = await (await services.db.execute(
            "SELECT updated_by FROM channel_settings WHERE channel_id = ?", (str(CHANNEL_ID),)
        )).fetchone()
        assert row is not None and row[0] == services.querylog.user_key(USER_ID)

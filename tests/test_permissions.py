"""Who may use /archive-admin: Manage Server, a configured admin role (from the payload's role
ids, cached or not) or the owner; archive-wide actions (reindex) for operators only (the app's
owners, the admins of discord.owner_guild_id); every attempt audited in the background;
refusals ephemeral and logged as admin:<sub> query-log rows."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app import permissions
from bot.app.client import ArchiveBot
from bot.app.permissions import (
    REFUSAL,
    NotAdmin,
    admin_decision,
    application_owner_ids,
    operator_decision,
)
from bot.app.services import Services
from bot.config import Settings
from bot.core.search import Archive
from bot.exts import admin as admin_ext
from bot.exts import search as search_ext
from bot.exts.admin import AdminCog
from bot.store import views as logviews
from bot.store.channels import admin_attempts
from bot.store.db import atomic
from tests.fakes import (
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    USER_ID,
    bot_user,
    fake_interaction,
    make_services,
    message_calls,
    no_pings,
    seeds_settings,
    with_discord,
)

OWNER_ID = 900_000_000_000_000_010
ADMIN_ROLE = 900_000_000_000_000_020
OTHER_ROLE = 900_000_000_000_000_021
OTHER_GUILD_ID = 900_000_000_000_000_030  # a second server the bot is in
APP_OWNER_ID = 900_000_000_000_000_040
OPERATORS_ONLY = "Only the bot's operators can reindex: "

AdminHarness = Callable[..., AbstractAsyncContextManager[tuple[ArchiveBot, Services, AdminCog]]]


def fake_role(role_id: int) -> Any:
    role = mock.create_autospec(discord.Role, instance=True, spec_set=True)
    role.id = role_id
    return role


def admin_interaction(
    bot: ArchiveBot,
    command: Any = None,
    *,
    user_id: int = USER_ID,
    perms: discord.Permissions | None = None,
    roles: Sequence[int] = (),
    uncached_roles: Sequence[int] = (),
    owner_id: int = OWNER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
) -> Any:
    """An interaction from a member with exactly these rights (nothing left to the mock).

    ``roles`` are in the payload and the guild cache; ``uncached_roles`` only in the payload
    (``Member._roles``), as for a role created since the guild was cached."""
    interaction = fake_interaction(bot, user_id=user_id, guild_id=guild_id,
                                   channel_id=channel_id, command=command)
    perms = perms if perms is not None else discord.Permissions.none()
    interaction.permissions = perms
    if guild_id is None:
        interaction.guild = None
    else:
        guild = mock.create_autospec(discord.Guild, instance=True, spec_set=True)
        guild.id = guild_id
        guild.owner_id = owner_id
        interaction.guild = guild
    interaction.user.roles = [fake_role(r) for r in roles]
    interaction.user._roles = discord.utils.SnowflakeList([*roles, *uncached_roles])
    interaction.user.guild_permissions = perms
    return interaction


MANAGER = discord.Permissions(manage_guild=True)


def command(cog: AdminCog, qualified: str) -> app_commands.Command[Any, ..., Any]:
    found = cog.app_command.get_command(qualified.split()[0])
    for part in qualified.split()[1:]:
        assert isinstance(found, app_commands.Group)
        found = found.get_command(part)
    assert isinstance(found, app_commands.Command)
    return found


def make_admin_harness(tmp_path: Path, seed_settings: Settings,
                       seed_archive: Archive) -> AdminHarness:
    """Real services (tmp database) and a bot with the admin and search extensions."""

    @asynccontextmanager
    async def make(
        archive: Archive = seed_archive, settings: Settings = seed_settings,
        **discord_changes: Any,
    ) -> AsyncIterator[tuple[ArchiveBot, Services, AdminCog]]:
        changes = {"admin_role_ids": [ADMIN_ROLE], "owner_guild_id": GUILD_ID,
                   **discord_changes}
        async with make_services(seeds_settings(tmp_path, settings, **changes),
                                 archive) as services:
            bot = ArchiveBot(services, extensions=[])
            for module in (admin_ext, search_ext):
                await module.setup(bot)  # load_extension would re-import: new class objects
            bot._connection.user = bot_user()
            cog = bot.get_cog("AdminCog")
            assert isinstance(cog, AdminCog)
            try:
                yield bot, services, cog
            finally:
                await bot.close()

    return make


@pytest.fixture
def admin_harness(tmp_path: Path, seed_settings: Settings, seed_archive: Archive) -> AdminHarness:
    return make_admin_harness(tmp_path, seed_settings, seed_archive)


# -- the decision ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("perms", "roles", "user_id", "expected"),
    [
        (None, (), USER_ID, (False, "no admin rights")),
        (None, (OTHER_ROLE,), USER_ID, (False, "no admin rights")),
        (None, (OTHER_ROLE, ADMIN_ROLE), USER_ID, (True, "admin_role")),
        (MANAGER, (), USER_ID, (True, "manage_guild")),
        (discord.Permissions(administrator=True), (), USER_ID, (True, "manage_guild")),
        (discord.Permissions(manage_channels=True, manage_messages=True), (), USER_ID,
         (False, "no admin rights")),
        (None, (), OWNER_ID, (True, "owner")),
    ],
)
async def test_admin_decision(admin_harness: AdminHarness, perms: Any, roles: Sequence[int],
                              user_id: int, expected: tuple[bool, str]) -> None:
    async with admin_harness() as (bot, _, _):
        interaction = admin_interaction(bot, perms=perms, roles=roles, user_id=user_id)
        decision = admin_decision(interaction, [ADMIN_ROLE])
        assert (decision.allowed, decision.reason) == expected


async def test_member_guild_permissions_count_too(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, _, _):
        interaction = admin_interaction(bot)
        interaction.user.guild_permissions = MANAGER  # server-wide, not in the channel payload
        assert admin_decision(interaction, []).allowed


async def test_no_guild_is_refused(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, _, _):
        interaction = admin_interaction(bot, guild_id=None, perms=MANAGER)
        assert admin_decision(interaction, [ADMIN_ROLE]).reason == "not in a server"


def payload_interaction(bot: ArchiveBot, *, role_ids: Sequence[int], permissions: int = 0,
                        guild_id: int = GUILD_ID) -> discord.Interaction[Any]:
    """A real discord.py Interaction parsed from a raw INTERACTION_CREATE payload, in a guild
    the bot has not cached (or has cached without these roles)."""
    user = {"id": str(USER_ID), "username": "member", "discriminator": "0", "avatar": None,
            "global_name": None}
    data = {
        "id": "1", "application_id": "2", "type": 2, "token": "token", "version": 1,
        "guild_id": str(guild_id), "channel_id": str(CHANNEL_ID),
        "data": {"id": "3", "name": "archive-admin", "type": 1},
        "member": {"user": user, "roles": [str(r) for r in role_ids], "joined_at": None,
                   "deaf": False, "mute": False, "flags": 0,
                   "permissions": str(permissions)},
        "app_permissions": "0", "locale": "en-US", "entitlements": [],
        "authorizing_integration_owners": {}, "attachment_size_limit": 1,
    }
    return discord.Interaction(data=data, state=bot._connection)  # type: ignore[arg-type]


async def test_a_role_missing_from_the_guild_cache_still_counts(
    admin_harness: AdminHarness,
) -> None:
    """discord.py's Member.roles drops roles the guild cache lacks; the payload's ids count."""
    async with admin_harness() as (bot, _, _):
        interaction = payload_interaction(bot, role_ids=[OTHER_ROLE, ADMIN_ROLE])
        member = interaction.user
        assert isinstance(member, discord.Member)
        assert [r.id for r in member.roles] == []  # what the old check read
        assert permissions.role_ids(member) == {OTHER_ROLE, ADMIN_ROLE}
        decision = admin_decision(interaction, [ADMIN_ROLE])
        assert (decision.allowed, decision.reason) == (True, "admin_role")
        assert not admin_decision(payload_interaction(bot, role_ids=[OTHER_ROLE]),
                                  [ADMIN_ROLE]).allowed


async def test_uncached_role_through_the_fake_member(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, _, _):
        interaction = admin_interaction(bot, uncached_roles=(ADMIN_ROLE,))
        assert admin_decision(interaction, [ADMIN_ROLE]).reason == "admin_role"


# -- operators -------------------------------------------------------------------------------


def fake_application(owner_id: int = APP_OWNER_ID,
                     team: Sequence[tuple[int, discord.TeamMemberRole]] | None = None,
                     team_owner: int | None = None) -> Any:
    app = mock.create_autospec(discord.AppInfo, instance=True, spec_set=True)
    app.owner = mock.create_autospec(discord.User, instance=True, spec_set=True)
    app.owner.id = owner_id
    if team is None:
        app.team = None
    else:
        app.team = mock.create_autospec(discord.Team, instance=True, spec_set=True)
        members = []
        for uid, role in team:
            member = mock.create_autospec(discord.TeamMember, instance=True, spec_set=True)
            member.id, member.role = uid, role
            members.append(member)
        app.team.members = members
        app.team.owner_id = team_owner
    return app


@pytest.mark.parametrize(
    ("kwargs", "owner_guild", "expected"),
    [
        ({"user_id": APP_OWNER_ID, "guild_id": OTHER_GUILD_ID}, GUILD_ID, (True, "app_owner")),
        ({"perms": MANAGER}, GUILD_ID, (True, "operator_manage_guild")),
        ({"uncached_roles": (ADMIN_ROLE,)}, GUILD_ID, (True, "operator_admin_role")),
        ({"user_id": OWNER_ID}, GUILD_ID, (True, "operator_owner")),
        ({"perms": MANAGER, "guild_id": OTHER_GUILD_ID}, GUILD_ID, (False, "not an operator")),
        ({"user_id": OWNER_ID, "guild_id": OTHER_GUILD_ID}, GUILD_ID,
         (False, "not an operator")),  # owning some server is not operating the bot
        ({}, GUILD_ID, (False, "not an operator")),
        ({"perms": MANAGER}, None, (False, "not an operator")),
        ({"user_id": APP_OWNER_ID}, None, (True, "app_owner")),
        ({"perms": MANAGER, "guild_id": None}, GUILD_ID, (False, "not in a server")),
    ],
)
async def test_operator_decision(admin_harness: AdminHarness, kwargs: dict[str, Any],
                                 owner_guild: int | None, expected: tuple[bool, str]) -> None:
    async with admin_harness(owner_guild_id=owner_guild) as (bot, services, _):
        bot._application = fake_application()
        decision = operator_decision(admin_interaction(bot, **kwargs),
                                     services.settings.discord, "reindex")
        assert (decision.allowed, decision.reason) == expected
        if not decision.allowed and expected[1] == "not an operator":
            assert decision.refusal.startswith(OPERATORS_ONLY)
            assert "owners of the bot's application" in decision.refusal
            if owner_guild is None:
                assert "No operator server is configured" in decision.refusal
            else:
                assert f"server {owner_guild}" in decision.refusal


async def test_team_owners_admins_and_developers_are_operators(
    admin_harness: AdminHarness,
) -> None:
    roles = discord.TeamMemberRole
    async with admin_harness() as (bot, _, _):
        assert application_owner_ids(bot) == frozenset()  # before login: nobody
        bot._application = fake_application(
            owner_id=1, team=[(2, roles.admin), (3, roles.developer), (4, roles.read_only)],
            team_owner=5)
        assert application_owner_ids(bot) == {2, 3, 5}
        bot._application = fake_application(owner_id=7)
        assert application_owner_ids(bot) == {7}


async def test_operator_refusal_names_the_cached_operator_server(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, _, _):
        guild = mock.create_autospec(discord.Guild, instance=True, spec_set=True)
        guild.name = "**Ops** @everyone"
        with mock.patch.object(bot, "get_guild", return_value=guild):
            text = permissions.operator_refusal(bot, "reindex", GUILD_ID)
        assert text.startswith(OPERATORS_ONLY)
        assert f"\\*\\*Ops\\*\\* @\u200beveryone** ({GUILD_ID})" in text


# -- through the cog check -------------------------------------------------------------------


async def test_member_without_rights_is_refused_and_audited(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, services, cog):
        stats = command(cog, "stats")
        interaction = admin_interaction(bot, stats, roles=(OTHER_ROLE,),
                                        perms=discord.Permissions(manage_messages=True))
        with pytest.raises(NotAdmin) as caught:
            await cog.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        ((name, kwargs),) = message_calls(interaction)
        assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
        assert interaction.response.send_message.await_args.args[0] == REFUSAL
        assert services.db is not None
        assert await cog.audit.flush()
        (attempt,) = await admin_attempts(services.db)
        assert (attempt.action, attempt.allowed, attempt.detail) == (
            "stats", False, "no admin rights")
        assert attempt.user_key == services.querylog.user_key(USER_ID)
        assert attempt.guild_id == str(GUILD_ID) and attempt.channel_id == str(CHANNEL_ID)
        await services.querylog.flush()
        (row,) = await logviews.recent(services.db)  # one row, not a second from the handler
        assert row.command == "admin:stats" and not row.found and row.error_id is None


async def test_a_foreign_servers_admin_may_not_reindex(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, services, cog):
        reindex = command(cog, "reindex")
        interaction = admin_interaction(bot, reindex, perms=MANAGER, guild_id=OTHER_GUILD_ID)
        with pytest.raises(NotAdmin) as caught:
            await cog.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        ((name, kwargs),) = message_calls(interaction)
        assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
        text = interaction.response.send_message.await_args.args[0]
        assert text.startswith(OPERATORS_ONLY) and f"server {GUILD_ID}" in text
        assert not services.archive.status().running
        # ... while their own server's admin commands still work for them
        own = admin_interaction(bot, command(cog, "stats"), perms=MANAGER,
                                guild_id=OTHER_GUILD_ID)
        assert await cog.interaction_check(own) is True
        assert await cog.audit.flush()
        assert services.db is not None
        attempts = await admin_attempts(services.db, guild_id=OTHER_GUILD_ID)
        assert sorted((a.action, a.allowed, a.detail) for a in attempts) == [
            ("reindex", False, "not an operator"), ("stats", True, "manage_guild")]
        assert await admin_attempts(services.db, guild_id=GUILD_ID) == []


@pytest.mark.parametrize(
    ("who", "kwargs", "reason"),
    [
        ("admin role", {"roles": (ADMIN_ROLE,)}, "admin_role"),
        ("uncached admin role", {"uncached_roles": (ADMIN_ROLE,)}, "admin_role"),
        ("manage server", {"perms": MANAGER}, "manage_guild"),
        ("owner", {"user_id": OWNER_ID}, "owner"),
    ],
)
async def test_admins_are_allowed_and_audited(
    admin_harness: AdminHarness, who: str, kwargs: dict[str, Any], reason: str
) -> None:
    async with admin_harness() as (bot, services, cog):
        interaction = admin_interaction(bot, command(cog, "channel list"), **kwargs)
        assert await cog.interaction_check(interaction) is True, who
        assert message_calls(interaction) == []
        assert services.db is not None
        assert await cog.audit.flush()
        (attempt,) = await admin_attempts(services.db)
        assert (attempt.action, attempt.allowed, attempt.detail) == (
            "channel-list", True, reason)


async def test_discord_runs_the_check_for_subgroup_commands(admin_harness: AdminHarness) -> None:
    """discord.py calls the cog's check for a command of the nested ``channel`` group too."""
    async with admin_harness() as (bot, services, cog):
        enable = command(cog, "channel enable")
        assert enable.binding is cog
        interaction = admin_interaction(bot, enable, user_id=OTHER_USER_ID)
        with pytest.raises(NotAdmin):
            await enable._check_can_run(interaction)
        reindex = command(cog, "reindex")
        assert await reindex._check_can_run(admin_interaction(bot, reindex, perms=MANAGER))
        assert services.db is not None
        assert await cog.audit.flush()
        attempts = await admin_attempts(services.db)  # one each: the check runs once
        assert sorted((a.action, a.allowed) for a in attempts) == [
            ("channel-enable", False), ("reindex", True)]


async def test_a_dm_gets_the_server_only_note(admin_harness: AdminHarness) -> None:
    async with admin_harness() as (bot, services, cog):
        interaction = admin_interaction(bot, command(cog, "stats"), guild_id=None,
                                        perms=MANAGER)
        with pytest.raises(app_commands.NoPrivateMessage) as caught:
            await cog.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        text = interaction.response.send_message.await_args.args[0]
        assert text == "This command only works in a server."
        assert services.db is not None
        assert await cog.audit.flush()
        (attempt,) = await admin_attempts(services.db)
        assert not attempt.allowed and attempt.detail == "not in a server"


# -- the audit write is off the reply's path -------------------------------------------------


async def test_a_busy_database_does_not_delay_the_refusal(admin_harness: AdminHarness) -> None:
    """While the connection's write lock is held, the check decides and the refusal goes out;
    the audit row is written once the lock is free."""
    async with admin_harness() as (bot, services, cog):
        assert services.db is not None
        interaction = admin_interaction(bot, command(cog, "stats"))
        async with atomic(services.db):  # another writer holds the database
            with pytest.raises(NotAdmin) as caught:
                await cog.interaction_check(interaction)
            await bot.tree.on_error(interaction, caught.value)
            assert interaction.response.send_message.await_args.args[0] == REFUSAL
            assert cog.audit.pending() == 1
        assert await cog.audit.flush(timeout=10)
        assert cog.audit.pending() == 0
        (attempt,) = await admin_attempts(services.db)
        assert (attempt.action, attempt.allowed) == ("stats", False)


async def test_a_failed_audit_write_is_only_logged(
    admin_harness: AdminHarness, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def locked(*args: Any, **kwargs: Any) -> int:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(permissions, "log_admin_attempt", locked)
    async with admin_harness() as (bot, _, cog):
        interaction = admin_interaction(bot, command(cog, "stats"), perms=MANAGER)
        with caplog.at_level(logging.ERROR, logger="bot.app.permissions"):
            assert await cog.interaction_check(interaction) is True
            assert await cog.audit.flush()
        assert "could not record an admin attempt (stats): database is locked" in caplog.text


async def test_closing_the_bot_writes_the_audit_rows_in_flight(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive,
) -> None:
    settings = seeds_settings(tmp_path, with_discord(seed_settings, owner_guild_id=GUILD_ID))
    async with make_services(settings, seed_archive) as services:
        bot = ArchiveBot(services, extensions=[])
        await admin_ext.setup(bot)
        cog = bot.get_cog("AdminCog")
        assert isinstance(cog, AdminCog) and services.db is not None
        interaction = admin_interaction(bot, command(cog, "stats"), perms=MANAGER)
        async with atomic(services.db):
            assert await cog.interaction_check(interaction) is True
            closing = asyncio.create_task(bot.close())  # unloads the cog: flushes the audit
        await closing
        assert cog.audit.pending() == 0
        (attempt,) = await admin_attempts(services.db)
        assert (attempt.action, attempt.allowed) == ("stats", True)

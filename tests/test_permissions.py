"""Who may use /archive-admin: Manage Server, a configured admin role or the owner; every
attempt audited; refusals ephemeral and logged as admin:<sub> query-log rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app.client import ArchiveBot
from bot.app.permissions import REFUSAL, NotAdmin, admin_decision
from bot.app.services import Services
from bot.config import Settings
from bot.core.search import Archive
from bot.exts import admin as admin_ext
from bot.exts import search as search_ext
from bot.exts.admin import AdminCog
from bot.store import views as logviews
from bot.store.channels import admin_attempts
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
)

OWNER_ID = 900_000_000_000_000_010
ADMIN_ROLE = 900_000_000_000_000_020
OTHER_ROLE = 900_000_000_000_000_021

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
    owner_id: int = OWNER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
) -> Any:
    """An interaction from a member with exactly these rights (nothing left to the mock)."""
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
        changes = {"admin_role_ids": [ADMIN_ROLE], **discord_changes}
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


# -- through the cog check -------------------------------------------------------------------


async def test_member_without_rights_is_refused_and_audited(
    admin_harness: AdminHarness,
) -> None:
    async with admin_harness() as (bot, services, cog):
        reindex = command(cog, "reindex")
        interaction = admin_interaction(bot, reindex, roles=(OTHER_ROLE,),
                                        perms=discord.Permissions(manage_messages=True))
        with pytest.raises(NotAdmin) as caught:
            await cog.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        ((name, kwargs),) = message_calls(interaction)
        assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
        assert interaction.response.send_message.await_args.args[0] == REFUSAL
        assert services.db is not None
        (attempt,) = await admin_attempts(services.db)
        assert (attempt.action, attempt.allowed, attempt.detail) == (
            "reindex", False, "no admin rights")
        assert attempt.user_key == services.querylog.user_key(USER_ID)
        assert attempt.guild_id == str(GUILD_ID) and attempt.channel_id == str(CHANNEL_ID)
        await services.querylog.flush()
        (row,) = await logviews.recent(services.db)  # one row, not a second from the handler
        assert row.command == "admin:reindex" and not row.found and row.error_id is None


@pytest.mark.parametrize(
    ("who", "kwargs", "reason"),
    [
        ("admin role", {"roles": (ADMIN_ROLE,)}, "admin_role"),
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
        (attempt,) = await admin_attempts(services.db)
        assert not attempt.allowed and attempt.detail == "not in a server"

"""Who may use ``/archive-admin``: checked inside the bot, whatever Discord shows.

The group is registered with ``default_permissions`` = Manage Server and guild-only, but a
server owner can change who sees it (Server Settings → Integrations), so every admin command
checks again here: the member passes with Manage Server (or Administrator) in the interaction's
resolved permissions or their server-wide permissions, with one of the configured
``discord.admin_role_ids``, or as the server owner. Every attempt, allowed or refused, goes to
the ``admin_audit`` table.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.app.services import Services
from bot.store.channels import log_admin_attempt

log = logging.getLogger(__name__)

REFUSAL = ("Only server admins can use /archive-admin: it needs the Manage Server permission "
           "or one of the bot's admin roles.")


class NotAdmin(app_commands.CheckFailure):
    """An admin command used by someone without admin rights (shown as is, ephemeral)."""

    def __init__(self, message: str = REFUSAL) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AdminDecision:
    allowed: bool
    reason: str  # "owner", "manage_guild", "admin_role", "no admin rights" or "not in a server"


def _manages(perms: discord.Permissions | None) -> bool:
    return isinstance(perms, discord.Permissions) and (perms.manage_guild or perms.administrator)


def _role_ids(user: discord.abc.User | discord.Member) -> set[int]:
    roles: Iterable[Any] = getattr(user, "roles", ()) or ()
    return {int(role.id) for role in roles}


def admin_decision(
    interaction: discord.Interaction[Any], admin_role_ids: Iterable[int]
) -> AdminDecision:
    """Whether the interaction's user may run admin commands here, and why."""
    if interaction.guild_id is None:
        return AdminDecision(False, "not in a server")
    user = interaction.user
    guild = interaction.guild
    if guild is not None and guild.owner_id is not None and guild.owner_id == user.id:
        return AdminDecision(True, "owner")
    if _manages(interaction.permissions):
        return AdminDecision(True, "manage_guild")
    if isinstance(user, discord.Member):
        try:
            member_perms = user.guild_permissions
        except AttributeError:  # a member of a guild that is not cached
            member_perms = None
        if _manages(member_perms):
            return AdminDecision(True, "manage_guild")
        if _role_ids(user) & {int(r) for r in admin_role_ids}:
            return AdminDecision(True, "admin_role")
    return AdminDecision(False, "no admin rights")


async def authorize(
    interaction: discord.Interaction[Any], services: Services, action: str
) -> AdminDecision:
    """Decide, and record the attempt in the admin audit (a failed write is only logged)."""
    decision = admin_decision(interaction, services.settings.discord.admin_role_ids)
    if services.db is not None:
        try:
            await log_admin_attempt(
                services.db,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                user_key=services.querylog.user_key(interaction.user.id),
                action=action,
                allowed=decision.allowed,
                detail=decision.reason,
            )
        except (sqlite3.Error, ValueError, RuntimeError) as exc:
            log.error("could not record an admin attempt (%s): %s", action, exc)
    if not decision.allowed:
        log.info("admin command %s refused (%s)", action, decision.reason)
    return decision


def refusal(decision: AdminDecision) -> app_commands.CheckFailure:
    """The exception that tells the user why they were refused."""
    if decision.reason == "not in a server":
        return app_commands.NoPrivateMessage()
    return NotAdmin()

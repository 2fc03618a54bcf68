"""Who may use ``/archive-admin``: checked inside the bot, whatever Discord shows.

The group is registered with ``default_permissions`` = Manage Server and guild-only, but a
server owner can change who sees it (Server Settings → Integrations), so every admin command
checks again here. There are two levels:

* **Server admins** may review, export and forget *their own server's* query-log rows and
  change their server's channel settings: a member with Manage Server (or Administrator) in the
  interaction's resolved permissions or their server-wide permissions, with one of the
  configured ``discord.admin_role_ids``, or the server owner. Roles are read from the role ids
  of the interaction payload (discord.py keeps them in ``Member._roles``): ``Member.roles``
  drops every role missing from the guild cache, which would refuse a legitimate role member.
* **Operators** may also run archive-wide actions (:data:`OPERATOR_ACTIONS`: reindex), which
  change what every server sees: the application's owner or its team's admins and developers
  (as ``commands.Bot.is_owner`` counts them; read from ``Client.application``, fetched at
  login, so no request is made here), and the server admins of ``discord.owner_guild_id``.

Every attempt, allowed or refused, goes to the ``admin_audit`` table through an
:class:`AuditTrail`: the write runs in a background task, so a slow or locked database never
delays the reply (a failed write is only logged).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.app.render import escape, oneline, shorten
from bot.app.services import Services
from bot.config import DiscordSettings
from bot.store.channels import log_admin_attempt

log = logging.getLogger(__name__)

REFUSAL = ("Only server admins can use /archive-admin: it needs the Manage Server permission "
           "or one of the bot's admin roles.")
# Actions that change the archive every server shares: operators only.
OPERATOR_ACTIONS = frozenset({"reindex"})
_TEAM_OWNER_ROLES = (discord.TeamMemberRole.admin, discord.TeamMemberRole.developer)
AUDIT_FLUSH_SECONDS = 2.0  # how long shutdown waits for audit writes still in flight


class NotAdmin(app_commands.CheckFailure):
    """An admin command used by someone without the rights (shown as is, ephemeral)."""

    def __init__(self, message: str = REFUSAL) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AdminDecision:
    allowed: bool
    # "owner", "manage_guild", "admin_role", "app_owner", "operator_<admin reason>",
    # "no admin rights", "not an operator" or "not in a server"
    reason: str
    refusal: str = REFUSAL  # what a refused user is told


def _manages(perms: discord.Permissions | None) -> bool:
    return isinstance(perms, discord.Permissions) and (perms.manage_guild or perms.administrator)


def role_ids(user: discord.abc.User | discord.Member) -> set[int]:
    """The member's role ids as the interaction payload lists them (cached or not)."""
    raw: Iterable[Any] = getattr(user, "_roles", None) or ()  # discord.py: payload role ids
    cached: Iterable[Any] = getattr(user, "roles", None) or ()
    return {int(r) for r in raw} | {int(role.id) for role in cached}


def admin_decision(
    interaction: discord.Interaction[Any], admin_role_ids: Iterable[int]
) -> AdminDecision:
    """Whether the interaction's user is an admin of the interaction's server, and why."""
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
        if role_ids(user) & {int(r) for r in admin_role_ids}:
            return AdminDecision(True, "admin_role")
    return AdminDecision(False, "no admin rights")


def application_owner_ids(client: discord.Client) -> frozenset[int]:
    """The application's owner, or its team's owner, admins and developers (none before
    login)."""
    app = client.application
    if app is None:
        return frozenset()
    team = app.team
    if team is None:
        return frozenset({app.owner.id})
    ids = {m.id for m in team.members if m.role in _TEAM_OWNER_ROLES}
    if team.owner_id is not None:
        ids.add(team.owner_id)
    return frozenset(ids)


def operator_refusal(client: discord.Client, action: str, owner_guild_id: int | None) -> str:
    """"Only the bot's operators can <action>: ..." naming who they are."""
    owners = "the owners of the bot's application (and its team)"
    if owner_guild_id is None:
        return (f"Only the bot's operators can {action}: {owners}. No operator server is "
                "configured (discord.owner_guild_id).")
    guild = client.get_guild(owner_guild_id)
    name = (f"**{escape(shorten(oneline(guild.name), 80))}** ({owner_guild_id})"
            if guild is not None and guild.name else f"server {owner_guild_id}")
    return (f"Only the bot's operators can {action}: {owners}, and the members of the "
            f"operator's server, {name}, with Manage Server or one of the bot's admin roles.")


def operator_decision(
    interaction: discord.Interaction[Any], settings: DiscordSettings, action: str
) -> AdminDecision:
    """Whether the interaction's user may run an archive-wide action, and why."""
    if interaction.guild_id is None:
        return AdminDecision(False, "not in a server")
    if interaction.user.id in application_owner_ids(interaction.client):
        return AdminDecision(True, "app_owner")
    owner_guild = settings.owner_guild_id
    if owner_guild is not None and interaction.guild_id == owner_guild:
        admin = admin_decision(interaction, settings.admin_role_ids)
        if admin.allowed:
            return AdminDecision(True, f"operator_{admin.reason}")
    return AdminDecision(False, "not an operator",
                         operator_refusal(interaction.client, action, owner_guild))


def decide(
    interaction: discord.Interaction[Any], settings: DiscordSettings, action: str
) -> AdminDecision:
    """Operators for :data:`OPERATOR_ACTIONS`, server admins for everything else."""
    if action in OPERATOR_ACTIONS:
        return operator_decision(interaction, settings, action)
    return admin_decision(interaction, settings.admin_role_ids)


class AuditTrail:
    """Admin-audit writes off the path to the reply.

    :meth:`record` never blocks and never raises: each write is a task, kept referenced
    until it ends (so it is not garbage-collected mid-write); a failure is only logged.
    :meth:`flush` awaits the writes still in flight (the admin cog calls it when unloaded,
    i.e. when the bot closes, before the database is closed).
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._tasks: set[asyncio.Task[None]] = set()

    def pending(self) -> int:
        return len(self._tasks)

    def record(self, interaction: discord.Interaction[Any], action: str,
               decision: AdminDecision) -> None:
        db = self._services.db
        if db is None:
            return
        try:
            user_key = self._services.querylog.user_key(interaction.user.id)
            task = asyncio.get_running_loop().create_task(
                self._write(db, guild_id=interaction.guild_id,
                            channel_id=interaction.channel_id, user_key=user_key,
                            action=action, decision=decision),
                name=f"admin-audit-{action}")
        except RuntimeError as exc:  # no salt yet, or no running loop
            log.error("could not record an admin attempt (%s): %s", action, exc)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _write(db: Any, *, guild_id: int | None, channel_id: int | None,
                     user_key: str, action: str, decision: AdminDecision) -> None:
        try:
            await log_admin_attempt(db, guild_id=guild_id, channel_id=channel_id,
                                    user_key=user_key, action=action,
                                    allowed=decision.allowed, detail=decision.reason)
        except (sqlite3.Error, ValueError, RuntimeError) as exc:
            log.error("could not record an admin attempt (%s): %s", action, exc)

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait for the writes in flight (at most ``timeout`` s); False if some still run."""
        if not self._tasks:
            return True
        _, running = await asyncio.wait(set(self._tasks), timeout=timeout)
        if running:
            log.warning("%d admin audit writes still running after %s s", len(running), timeout)
        return not running


def authorize(
    interaction: discord.Interaction[Any], services: Services, action: str, audit: AuditTrail
) -> AdminDecision:
    """Decide, and queue the attempt for the admin audit (never waits on the database)."""
    decision = decide(interaction, services.settings.discord, action)
    audit.record(interaction, action, decision)
    if not decision.allowed:
        log.info("admin command %s refused (%s)", action, decision.reason)
    return decision


def refusal(decision: AdminDecision) -> app_commands.CheckFailure:
    """The exception that tells the user why they were refused."""
    if decision.reason == "not in a server":
        return app_commands.NoPrivateMessage()
    return NotAdmin(decision.refusal)

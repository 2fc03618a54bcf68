"""The bot: :class:`ArchiveBot` (a ``commands.Bot`` holding the :class:`Services`).

Endpoints are configuration, applied before the client exists (:func:`configure_endpoints`):
``discord.api_base_url`` becomes ``discord.http.Route.BASE``, which every REST call uses,
interaction callbacks and webhook follow-ups included (``discord.webhook.async_`` builds its
``Route`` objects from the same class). The gateway URL is ``discord.gateway_url`` when set;
otherwise, with a non-default REST base (a REST proxy), ``GET /gateway/bot`` on that base names
it; with Discord's own base discord.py's default gateway is kept. discord.py 2.7's ``Client``
does not ask ``/gateway/bot`` itself: it connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` (and
falls back to it when a session is invalidated), so that class attribute is what is set.

``setup_hook`` starts reading the channel settings into memory, loads the extensions,
registers the feedback buttons, and syncs the slash commands (to ``discord.guild_ids``
instantly, else globally) unless their payload hash equals the last synced one, kept in the
database's ``meta`` table (a database that cannot be read or written only means a sync).

Nothing before a command's initial response waits on the database: :meth:`ArchiveBot.gate`
and :meth:`ArchiveCog.defer` read the channel settings from memory
(:meth:`~bot.app.services.Services.channel_settings`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import pkgutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands, tasks

from bot.app.errors import ChannelDisabled, on_app_command_error
from bot.app.services import Request, Services
from bot.app.views import FeedbackButton, acknowledge
from bot.config import DiscordSettings
from bot.health import HEARTBEAT_SECONDS, heartbeat_path
from bot.store.channels import ChannelSettings
from bot.store.db import atomic

log = logging.getLogger(__name__)

DISCORD_API_BASE = "https://discord.com/api/v10"
SYNC_HASH_KEY = "command_sync_hash"
SETTINGS_EXTRA = "channel_settings"  # interaction.extras key: what the gate read


def configure_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py's REST (and webhook) base and, if set, its gateway at the config."""
    discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


EXTENSIONS_PACKAGE = "bot.exts"


def extension_names() -> list[str]:
    """Every module of the extensions package (one extension per command family), by name:
    discord.py imports them (``load_extension``), so this layer, below them, never does."""
    spec = importlib.util.find_spec(EXTENSIONS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {EXTENSIONS_PACKAGE} package is missing")
    return sorted(
        f"{EXTENSIONS_PACKAGE}.{module.name}"
        for module in pkgutil.iter_modules(spec.submodule_search_locations)
        if not module.name.startswith("_")
    )


class ArchiveTree(app_commands.CommandTree["ArchiveBot"]):
    async def on_error(
        self, interaction: discord.Interaction[ArchiveBot], error: app_commands.AppCommandError, /
    ) -> None:
        await on_app_command_error(interaction, error)


class ArchiveBot(commands.Bot):
    """The Discord client. No privileged intents: Discord delivers the content of messages
    that mention the bot, which is all the mention answering needs."""

    def __init__(self, services: Services, *, extensions: Sequence[str] | None = None,
                 **options: Any) -> None:
        configure_endpoints(services.settings.discord)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=ArchiveTree,
            **options,  # shard_count and shard_ids (bot.app.sharding)
        )
        self.services = services
        self.extension_list = list(extension_names() if extensions is None else extensions)
        self.heartbeat_path: Path = heartbeat_path(services.settings)

    # -- start-up --------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.services.load_channels_soon()
        self.add_dynamic_items(FeedbackButton)
        for name in self.extension_list:
            await self.load_extension(name)
        await self.resolve_gateway()
        await self.sync_on_start()
        self.services.warm_soon()
        self.heartbeat.start()

    async def resolve_gateway(self) -> None:
        d = self.services.settings.discord
        if d.gateway_url or d.api_base_url.rstrip("/") == DISCORD_API_BASE:
            return
        try:
            _, url, _ = await self.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("GET /gateway/bot failed on %s; using discord.py's default gateway",
                        d.api_base_url)
            return
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("gateway from %s: %s", d.api_base_url, url)

    async def sync_on_start(self) -> None:
        """Sync the slash commands at start-up (a sharded bot: only shard 0's process)."""
        await self.sync_commands()

    def command_payload(self) -> dict[str, Any]:
        """What a sync would upload, per target (``"global"`` or a guild id)."""
        globals_ = [c.to_dict(self.tree) for c in self.tree.get_commands()]
        targets: dict[str, Any] = {}
        guild_ids: list[int | None] = [*self.services.settings.discord.guild_ids] or [None]
        for gid in guild_ids:
            cmds = list(globals_)
            if gid is not None:
                local = self.tree.get_commands(guild=discord.Object(id=gid))
                cmds += [c.to_dict(self.tree) for c in local]
            targets[str(gid or "global")] = sorted(
                cmds, key=lambda c: (str(c.get("name")), int(c.get("type", 1)))
            )
        return {"application_id": self.application_id, "targets": targets}

    def command_hash(self) -> str:
        data = json.dumps(self.command_payload(), sort_keys=True, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the slash commands unless they are unchanged since the last sync."""
        digest = self.command_hash()
        if not force and digest == await self._stored_hash():
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        guild_ids = self.services.settings.discord.guild_ids
        if guild_ids:
            for gid in guild_ids:
                guild = discord.Object(id=gid)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), gid)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take a while to show)", len(synced))
        await self._store_hash(digest)
        return True

    async def _stored_hash(self) -> str | None:
        db = self.services.db
        if db is None:
            return None
        try:
            cursor = await db.execute("SELECT value FROM meta WHERE key = ?", (SYNC_HASH_KEY,))
            row = await cursor.fetchone()
        except (sqlite3.Error, ValueError) as exc:
            log.warning("cannot read the last command sync (%s); syncing", exc)
            return None
        return None if row is None else str(row[0])

    async def _store_hash(self, digest: str) -> None:
        db = self.services.db
        if db is None:
            return
        try:
            async with atomic(db):
                await db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (SYNC_HASH_KEY, digest),
                )
        except (sqlite3.Error, ValueError) as exc:
            log.warning("cannot store the command sync (%s); the next start syncs again", exc)

    # -- running ---------------------------------------------------------------------------

    @tasks.loop(seconds=HEARTBEAT_SECONDS)
    async def heartbeat(self) -> None:
        """Touch ``<querylog dir>/heartbeat`` while connected (the container healthcheck)."""
        if not self.is_ready() or self.is_closed():
            return
        try:
            self.heartbeat_path.parent.mkdir(parents=True, exist_ok=True)
            self.heartbeat_path.write_text(f"{discord.utils.utcnow().isoformat()}\n")
        except OSError as exc:
            log.warning("cannot write the heartbeat file %s: %s", self.heartbeat_path, exc)

    async def gate(self, interaction: discord.Interaction[Any]) -> None:
        """The checks every user command passes: channel enabled, then the user's cooldown."""
        services = self.services
        settings = await services.channel_settings(interaction.guild_id, interaction.channel_id)
        interaction.extras[SETTINGS_EXTRA] = settings
        if not settings.enabled:
            raise ChannelDisabled(await self.where_enabled(interaction.guild_id))
        hit = services.cooldowns.hit(interaction.user.id)
        if hit is not None:
            raise app_commands.CommandOnCooldown(*hit)

    async def where_enabled(self, guild_id: int | None) -> str:
        text = "The archive bot is turned off in this channel."
        if guild_id is None or not await self.services.channels_ready():
            return text  # (the list is only ever read from memory)
        rows = await self.services.channels.list(guild_id, self.services.channel_defaults())
        enabled = [cid for cid, s in rows if s.enabled]
        if enabled:
            links = ", ".join(f"<#{cid}>" for cid in enabled[:20])
            return f"{text} It works in {links}."
        return f"{text} It works in the other channels of this server."

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are answered by the mentions extension."""

    async def close(self) -> None:
        self.heartbeat.cancel()
        await super().close()


class ArchiveCog(commands.Cog):
    """Base of the user-command cogs: every app command passes :meth:`ArchiveBot.gate`."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.services = bot.services

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        await self.bot.gate(interaction)
        return True

    async def defer(self, interaction: discord.Interaction[Any]) -> bool:
        """Defer (thinking) before CPU work, ephemeral per the channel; returns that flag."""
        settings = interaction.extras.get(SETTINGS_EXTRA)
        if not isinstance(settings, ChannelSettings):
            settings = await self.services.channel_settings(
                interaction.guild_id, interaction.channel_id
            )
        interaction.extras["ephemeral"] = ephemeral = settings.ephemeral

        async def defer() -> bool:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            return ephemeral

        return await acknowledge(interaction, defer)  # outlasts 429s on the callback

    def begin(self, interaction: discord.Interaction[Any], command: str, query: str,
              filters: dict[str, Any] | None = None) -> Request:
        return self.services.begin(
            command, query or "", guild_id=interaction.guild_id,
            channel_id=interaction.channel_id, user_id=interaction.user.id, filters=filters,
        )

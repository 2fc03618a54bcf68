"""``/watch add|list|remove|resume``: saved searches that post new matching paragraphs.

A watch belongs to its server: ``list`` shows the server's watches, ``remove`` and
``resume`` take an id of this server (another server's is "unknown") and are for the
watch's owner or anyone with Manage Server. ``add`` validates its options like ``/search``
(:class:`~bot.core.watches.WatchRequest`), refuses an unknown source and a full cap, and
marks what already matches as seen (a watch reports what arrives after it). Replies are
private. The cog also runs the alerts (:class:`~bot.app.alerts.AlertRunner`) in the process
that runs shard 0 (every process of a sharded bot would otherwise post each alert).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.alerts import AlertRunner, WatchExportButton
from bot.app.client import ArchiveBot
from bot.app.errors import tracking
from bot.app.render import DESCRIPTION_MAX, embeds, escape, oneline, shorten
from bot.app.services import Request
from bot.app.views import NO_MENTIONS, edit_or_follow_up
from bot.core.followup import describe_filters
from bot.core.watches import MatchRule, WatchRequest, baseline, check_source
from bot.errors import QueryError
from bot.store.watches import Caps, Watch, WatchStore

log = logging.getLogger(__name__)

FROM = "only articles published on or after this date (YYYY-MM-DD)"
TO = "only articles published on or before this date (YYYY-MM-DD)"
SOURCE = "only articles from this outlet (part of its name)"
NO_DATABASE = "Saved searches need the bot's database, which is not available right now."


def watch_line(watch: Watch) -> str:
    where = f"<#{watch.channel_id}>" if watch.channel_id else "DM to its owner"
    filters = describe_filters(watch.filters)
    state = f" · **paused**: {escape(watch.pause_reason or '')}" if watch.paused else ""
    return (f"**#{watch.id}** {shorten(escape(oneline(watch.query)), 200)} → {where}"
            + (f" · {escape(filters)}" if filters else "") + f" · by <@{watch.owner_id}>"
            + state)


def runs_alerts(bot: ArchiveBot) -> bool:
    """Whether this process posts the alerts: unsharded, or it runs shard 0."""
    ids = bot.services.settings.discord.shard_ids
    return ids is None or 0 in ids


@app_commands.guild_only()
class WatchCog(commands.GroupCog, group_name="watch",
               group_description="Saved searches that post new matching paragraphs"):
    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.runner: AlertRunner | None = None
        self._follow: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        if self.services.db is None or not runs_alerts(self.bot):
            return
        self.runner = AlertRunner(self.bot, self.services, WatchStore(self.services.db))
        self._follow = asyncio.get_running_loop().create_task(self.runner.follow(),
                                                              name="watch-alerts")

    async def cog_unload(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            # Bot.close() unloads the extensions before the database closes: an alert run
            # that was writing finishes its rollback first.
            await asyncio.wait({self._follow})

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        await self.bot.gate(interaction)
        return True

    def store(self) -> WatchStore:
        if self.services.db is None:
            raise QueryError(NO_DATABASE)
        return WatchStore(self.services.db)

    def begin(self, interaction: discord.Interaction[Any], sub: str, query: str = "",
              **filters: Any) -> Request:
        return self.services.begin(f"watch:{sub}", query, guild_id=interaction.guild_id,
                                   channel_id=interaction.channel_id,
                                   user_id=interaction.user.id, filters=filters)

    async def reply(self, interaction: discord.Interaction[Any], title: str, text: str) -> None:
        embed = embeds(title, [shorten(text, DESCRIPTION_MAX)], "")[0]
        if interaction.response.is_done():
            await edit_or_follow_up(interaction, ephemeral=True, embed=embed)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="add", description="Post new paragraphs matching a search")
    @app_commands.describe(query="words to watch for", date_from=FROM, date_to=TO,
                           source=SOURCE,
                           channel="where to post them (default: to you by DM)")
    @app_commands.rename(date_from="from", date_to="to")
    async def add(self, interaction: discord.Interaction[ArchiveBot], query: str,
                  date_from: str | None = None, date_to: str | None = None,
                  source: str | None = None, channel: discord.TextChannel | None = None,
                  ) -> None:
        request = self.begin(interaction, "add", query, **{"from": date_from, "to": date_to},
                             source=source, channel=None if channel is None else channel.id)
        async with tracking(request):
            snapshot = self.services.archive.current
            wanted = WatchRequest.parse(snapshot.settings, query, date_from, date_to, source)
            check_source(snapshot, wanted.filters.source)
            store = self.store()
            await interaction.response.defer(ephemeral=True, thinking=True)
            interaction.extras["ephemeral"] = True
            settings = self.services.settings.watches
            known = await self.services.run_cpu(baseline, snapshot, wanted,
                                                MatchRule.of(settings))
            watch = await store.add(interaction.guild_id or 0, interaction.user.id,
                                    None if channel is None else channel.id, wanted,
                                    Caps(settings.max_per_user, settings.max_per_guild),
                                    baseline=known)
            request.found = True
            where = f"<#{watch.channel_id}>" if watch.channel_id else "you by DM"
            await self.reply(interaction, f"Watch #{watch.id} saved",
                             f"{watch_line(watch)}\n\nNew matching paragraphs go to {where} "
                             f"after each reindex. {len(known)} paragraphs already match; "
                             "they are not reported.")

    @app_commands.command(name="list", description="This server's saved searches")
    async def list(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        async with tracking(self.begin(interaction, "list")):
            watches = await self.store().list(interaction.guild_id or 0)
            lines = [watch_line(w) for w in watches] or ["No saved searches in this server."]
            await self.reply(interaction, f"Saved searches ({len(watches)})", "\n".join(lines))

    async def _owned(self, interaction: discord.Interaction[Any], watch_id: int) -> Watch:
        watch = await self.store().get(interaction.guild_id or 0, watch_id)
        perms = interaction.permissions
        if watch.owner_id != str(interaction.user.id) and not perms.manage_guild:
            raise QueryError(f"Watch #{watch_id} is <@{watch.owner_id}>'s: only its owner or "
                             "someone with Manage Server can change it.")
        return watch

    @app_commands.command(name="remove", description="Delete a saved search")
    @app_commands.describe(watch_id="the watch's number (see /watch list)")
    @app_commands.rename(watch_id="id")
    async def remove(self, interaction: discord.Interaction[ArchiveBot],
                     watch_id: app_commands.Range[int, 1]) -> None:
        async with tracking(self.begin(interaction, "remove", id=watch_id)):
            await self._owned(interaction, watch_id)
            watch = await self.store().remove(interaction.guild_id or 0, watch_id)
            await self.reply(interaction, f"Watch #{watch.id} removed", watch_line(watch))

    @app_commands.command(name="resume", description="Unpause a paused saved search")
    @app_commands.describe(watch_id="the watch's number (see /watch list)")
    @app_commands.rename(watch_id="id")
    async def resume(self, interaction: discord.Interaction[ArchiveBot],
                     watch_id: app_commands.Range[int, 1]) -> None:
        async with tracking(self.begin(interaction, "resume", id=watch_id)):
            await self._owned(interaction, watch_id)
            watch = await self.store().resume(interaction.guild_id or 0, watch_id)
            await self.reply(interaction, f"Watch #{watch.id} active",
                             f"{watch_line(watch)}\n\nWhat arrived while it was paused is "
                             "posted after the next reindex.")


async def setup(bot: ArchiveBot) -> None:
    bot.add_dynamic_items(WatchExportButton)  # alerts' Export CSV, after restarts too
    await bot.add_cog(WatchCog(bot))

"""``/archive-admin``: reindex, query-log review, stats, channel settings, forgetting a user.

One guild-only group, registered with ``default_permissions`` = Manage Server and checked
again for every command by :func:`~bot.app.permissions.authorize`: a server's admins (Manage
Server, an admin role, or the server owner) review, export and forget only *their server's*
rows (every view, stats and forget is filtered by the interaction's guild) and change only
their server's channel settings; the archive-wide reindex is for the bot's operators (the
application's owners, and the admins of ``discord.owner_guild_id``). Every attempt goes to the
admin audit (in the background: :class:`~bot.app.permissions.AuditTrail`) and every command to
the query log as ``admin:<sub>`` (``admin:channel-enable`` for the ``channel`` subgroup).
Replies are ephemeral. The admin commands skip the user commands' channel gate, so a disabled
channel can be enabled from inside it.

A reindex runs in a worker thread while the current index keeps answering. Its progress
callback hands each status to the loop (``call_soon_threadsafe``) and a
:class:`ProgressRelay` task edits the deferred reply with the newest one, at most once per
``progress_interval`` seconds; the final edit is the report (or why it failed).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import admin_render
from bot.app.charts import queries_per_day_png
from bot.app.client import ArchiveBot
from bot.app.errors import tracking
from bot.app.exports import LogQuery, LogsExportButton
from bot.app.permissions import AUDIT_FLUSH_SECONDS, AuditTrail, authorize, refusal
from bot.app.progress import ProgressRelay
from bot.app.services import Request, new_error_id
from bot.app.views import NO_MENTIONS, respond
from bot.core.build import BuildReport
from bot.errors import ArchiveBotError, QueryError, ReindexInProgressError
from bot.store import views
from bot.store.backend import Database
from bot.store.channels import ChannelSettings
from bot.store.watches import WatchStore

log = logging.getLogger(__name__)

GROUP = "archive-admin"
LOG_LIMIT = 100  # rows fetched per log view (10 pages)
PROGRESS_EDIT_SECONDS = 1.5
View = Literal["recent", "top", "unanswered", "slow", "feedback"]
Days = app_commands.Range[int, 1, 3650]
FETCHERS: dict[str, Callable[..., Awaitable[Sequence[Any]]]] = {
    "recent": views.recent, "top": views.top, "unanswered": views.unanswered,
    "slow": views.slow, "feedback": views.feedback,
}


def guild_of(interaction: discord.Interaction[Any]) -> int:
    """The interaction's server: the scope of every log view, stats and forget."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def action_of(interaction: discord.Interaction[Any]) -> str:
    """``reindex``, ``channel-enable``, ...: the sub-command, for the audit and the log."""
    command = interaction.command
    name = command.qualified_name if command is not None else "unknown"
    return name.removeprefix(GROUP + " ").replace(" ", "-")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name=GROUP,
               group_description="Archive bot administration (server admins only)"):
    progress_interval: float = PROGRESS_EDIT_SECONDS

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.audit = AuditTrail(bot.services)
        super().__init__()

    async def cog_unload(self) -> None:
        """The bot is closing (or the extension reloading): write the audit rows in flight."""
        await self.audit.flush(timeout=AUDIT_FLUSH_SECONDS)

    # -- shared ----------------------------------------------------------------------------

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        action = action_of(interaction)
        decision = authorize(interaction, self.services, action, self.audit)
        if not decision.allowed:
            async with tracking(self.begin(interaction, action)):  # the refusal's log row
                raise refusal(decision)
        return True

    def begin(self, interaction: discord.Interaction[Any], action: str,
              **filters: Any) -> Request:
        return self.services.begin(
            f"admin:{action}", "", guild_id=interaction.guild_id,
            channel_id=interaction.channel_id, user_id=interaction.user.id, filters=filters,
        )

    def db(self) -> Database:
        if self.services.db is None:
            raise ArchiveBotError("The query log is not available.")
        return self.services.db

    @staticmethod
    async def defer(interaction: discord.Interaction[Any]) -> None:
        interaction.extras["ephemeral"] = True
        await interaction.response.defer(ephemeral=True, thinking=True)

    @staticmethod
    async def reply(interaction: discord.Interaction[Any], text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    @staticmethod
    async def edit_text(interaction: discord.Interaction[Any], text: str) -> None:
        await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    @staticmethod
    async def edit(interaction: discord.Interaction[Any], embed: discord.Embed) -> None:
        await interaction.edit_original_response(content=None, embed=embed,
                                                 allowed_mentions=NO_MENTIONS)

    # -- reindex ---------------------------------------------------------------------------

    @app_commands.command(name="reindex",
                          description="Rebuild the index in the background (bot operators "
                                      "only; answers go on)")
    @app_commands.describe(full="re-read every file, not only the changed ones")
    async def reindex(self, interaction: discord.Interaction[ArchiveBot],
                      full: bool = False) -> None:
        request = self.begin(interaction, "reindex", full=full)
        async with tracking(request):
            service = self.services.archive
            status = service.status()
            if status.running:
                raise ReindexInProgressError(
                    f"A reindex is already running: {status.describe()}.")
            await self.defer(interaction)
            loop = asyncio.get_running_loop()
            relay = ProgressRelay(loop, service.status, full=full,
                                  interval=self.progress_interval)
            relay.start(lambda p: self.edit(interaction, admin_render.progress_embed(p)))
            outcome: BuildReport | Exception
            try:
                outcome = await loop.run_in_executor(
                    None, functools.partial(service.reindex, full=full, progress=relay))
            except ReindexInProgressError:
                raise  # started elsewhere (the scheduled watch) just now: say so
            except Exception as exc:  # noqa: BLE001 - reported below; old index serves
                outcome = exc
            finally:
                await relay.stop()
            if isinstance(outcome, BuildReport):
                request.set_hits([], count=outcome.documents, found=True)
                embed = admin_render.report_embed(outcome, full=full)
                self.services.warm_soon()
            else:
                embed = self.failure(request, outcome)
            try:
                await self.edit(interaction, embed)
            except discord.HTTPException as exc:  # e.g. the 15-minute token has expired
                log.warning("could not send the reindex report (%s): %s", exc,
                            outcome.summary() if isinstance(outcome, BuildReport) else outcome)

    def failure(self, request: Request, exc: Exception) -> discord.Embed:
        if isinstance(exc, ArchiveBotError | OSError):
            reason = str(exc) or type(exc).__name__
        else:
            error_id = new_error_id()
            log.error("reindex failed (error id %s)", error_id,
                      exc_info=(type(exc), exc, exc.__traceback__))
            reason = f"Unexpected error (error id {error_id}); the details are in the bot's log."
            request.finish(error_id)
        index = self.services.archive.current.index
        return admin_render.failure_embed(reason, documents=len(index.docs),
                                          built_at=index.built_at)

    # -- query log -------------------------------------------------------------------------

    @app_commands.command(name="logs", description="Review the query log")
    @app_commands.describe(
        view="recent, most frequent, unanswered (gaps), slowest, or rated not helpful",
        days="only the last N days", user="only this user's queries",
        command="only this command (search, ask, summary, quote, mention, admin:)",
    )
    async def logs(self, interaction: discord.Interaction[ArchiveBot], view: View,
                   days: Days | None = None, user: discord.User | None = None,
                   command: str | None = None) -> None:
        command = (command or "").strip() or None
        request = self.begin(interaction, "logs", view=view, days=days, command=command,
                             user=True if user is not None else None)
        async with tracking(request):
            if view not in FETCHERS:
                raise QueryError(f"Unknown view {view!r}.")
            guild_id = guild_of(interaction)
            await self.defer(interaction)
            await self.services.querylog.flush()
            key = self.services.querylog.user_key(user.id) if user is not None else None
            rows = await FETCHERS[view](self.db(), days=days, user=key, command=command,
                                        limit=LOG_LIMIT, guild_id=guild_id)
            request.set_hits([], count=len(rows), found=True)
            described = ["this server", f"last {days} days" if days else "all time"]
            if user is not None:
                described.append("one user")
            if command:
                described.append(f"command {command}")
            pages = admin_render.log_pages(view, rows, filters=", ".join(described))
            export = LogsExportButton(self.services, self.audit, FETCHERS[view],
                                      LogQuery(view, days, key, command))
            await respond(interaction, pages, ephemeral=True, extra=[export] if rows else [],
                          timeout=self.services.settings.discord.view_timeout_seconds)

    @app_commands.command(name="stats", description="Query totals, answer rate, latency, chart")
    @app_commands.describe(days="the last N days (default 30)")
    async def stats(self, interaction: discord.Interaction[ArchiveBot],
                    days: Days = 30) -> None:
        request = self.begin(interaction, "stats", days=days)
        async with tracking(request):
            guild_id = guild_of(interaction)
            await self.defer(interaction)
            await self.services.querylog.flush()
            totals = await views.stats(self.db(), days=days, guild_id=guild_id)
            png = await self.services.run_cpu(queries_per_day_png, totals.by_day,
                                              f"Queries per day, last {days} days")
            request.set_hits([], count=totals.total, found=True)
            chart = discord.File(io.BytesIO(png), filename=admin_render.CHART_FILENAME)
            await interaction.edit_original_response(
                embed=admin_render.stats_embed(totals, days=days), attachments=[chart],
                allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="forget",
                          description="Delete a user's query-log rows in this server "
                                      "(right to be forgotten)")
    @app_commands.describe(user="whose rows to delete")
    async def forget(self, interaction: discord.Interaction[ArchiveBot],
                     user: discord.User) -> None:
        request = self.begin(interaction, "forget")  # the user is not logged, on purpose
        async with tracking(request):
            guild_id = guild_of(interaction)
            await self.defer(interaction)  # the delete waits on the database: reply first
            querylog = self.services.querylog
            removed = await querylog.forget_user(querylog.user_key(user.id), guild_id=guild_id)
            db = self.services.db
            watches = 0 if db is None else await WatchStore(db).forget_owner(user.id, guild_id)
            request.set_hits([], count=removed + watches, found=True)
            await self.edit_text(interaction, f"Forgot <@{user.id}> in this server: deleted "
                                              f"{removed} log rows (queries and admin audit "
                                              f"entries) and {watches} saved searches.")

    # -- channel settings ------------------------------------------------------------------

    channel = app_commands.Group(name="channel",
                                 description="Where the bot answers, and how")

    async def set_channel(self, interaction: discord.Interaction[ArchiveBot], action: str,
                          channel: discord.TextChannel | None, what: str,
                          **fields: bool | None) -> None:
        target = channel.id if channel is not None else interaction.channel_id
        request = self.begin(interaction, action, channel=target, **fields)
        async with tracking(request):
            guild_id = interaction.guild_id
            if guild_id is None or target is None:
                raise app_commands.NoPrivateMessage()
            changes = {k: v for k, v in fields.items() if v is not None}
            await self.defer(interaction)  # the write waits on the database: reply first
            if changes:
                await self.services.channels.set(
                    guild_id, target, updated_by=self.services.querylog.user_key(
                        interaction.user.id), **changes)
            now = await self.services.channel_settings(guild_id, target)
            request.set_hits([], count=len(changes), found=True)
            head = what if changes else "No change (give mentions, ephemeral or threads)."
            await self.edit_text(interaction,
                                 f"{head}\n{admin_render.channel_line(target, now)}")

    @channel.command(name="enable", description="Let the bot answer in a channel")
    @app_commands.describe(channel="the channel (default: this one)")
    async def channel_enable(self, interaction: discord.Interaction[ArchiveBot],
                             channel: discord.TextChannel | None = None) -> None:
        await self.set_channel(interaction, "channel-enable", channel, "Enabled.", enabled=True)

    @channel.command(name="disable", description="Stop the bot answering in a channel")
    @app_commands.describe(channel="the channel (default: this one)")
    async def channel_disable(self, interaction: discord.Interaction[ArchiveBot],
                              channel: discord.TextChannel | None = None) -> None:
        await self.set_channel(interaction, "channel-disable", channel,
                               "Disabled: user commands there get a note naming where the bot "
                               "works; admin commands still work.", enabled=False)

    @channel.command(name="mode", description="How the bot answers in a channel")
    @app_commands.describe(channel="the channel (default: this one)",
                           mentions="answer @mentions", ephemeral="answer only to the asker",
                           threads="answer mentions and public /ask, /search in a new thread")
    async def channel_mode(self, interaction: discord.Interaction[ArchiveBot],
                           channel: discord.TextChannel | None = None,
                           mentions: bool | None = None, ephemeral: bool | None = None,
                           threads: bool | None = None) -> None:
        await self.set_channel(interaction, "channel-mode", channel, "Updated.",
                               answer_mentions=mentions, ephemeral=ephemeral, threads=threads)

    @channel.command(name="list", description="Channels with their own settings")
    async def channel_list(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        request = self.begin(interaction, "channel-list")
        async with tracking(request):
            if interaction.guild_id is None:
                raise app_commands.NoPrivateMessage()
            defaults: ChannelSettings = self.services.channel_defaults()
            rows = await self.services.channels.list(interaction.guild_id, defaults)
            request.set_hits([], count=len(rows), found=True)
            await interaction.response.send_message(
                embed=admin_render.channels_embed(rows, defaults), ephemeral=True,
                allowed_mentions=NO_MENTIONS)


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(AdminCog(bot))

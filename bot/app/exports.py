"""CSV exports in Discord: built in the background, posted as ephemeral follow-ups.

A click on "Export CSV" (under /search results, or under ``/archive-admin logs``) defers the
button's interaction privately, builds the CSV off the event loop (the CPU pool, through
:meth:`~bot.app.services.Services.run_cpu`: the clicker's fair share of it) and sends the
first file in the private reply, each further one as an ephemeral follow-up: one file per
message, each within ``exports.max_file_bytes`` (Discord's default limit is 10 MiB a file),
at most ``exports.max_parts`` of them, the first saying how many rows there are and what was
left out.

:func:`search_export` / :func:`search_export_files` are the stable entry points for anything
else that wants a search's matching paragraphs as CSV (an alert's "N more" button).
The logs export reuses the admin permission check (:func:`~bot.app.permissions.authorize`,
audited) and fetches only the clicking interaction's server's rows.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.app.errors import classify, send_ephemeral, tracking
from bot.app.permissions import AuditTrail, authorize, refusal
from bot.app.render import content
from bot.app.services import Request, Services
from bot.app.views import NO_MENTIONS
from bot.core.export import CsvExport, records_csv, search_csv
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot
from bot.store.backend import Database

log = logging.getLogger(__name__)

LABEL = "Export CSV"
EMOJI = "📄"
ONLY_ASKER_EXPORT = "Only the person who asked can export these results."
Fetch = Callable[..., Awaitable[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class Export:
    """A built export: its files' bytes and counts, and the name its files get."""

    csv: CsvExport
    name: str  # file name stem, e.g. "search-20261201-2005"
    what: str  # what a row is, e.g. "matching paragraphs"

    def note(self) -> str:
        files = len(self.csv.parts)
        text = f"CSV export: {self.csv.describe(self.what)}"
        return text + (f", in {files} files." if files > 1 else ".")

    def filenames(self) -> list[str]:
        if len(self.csv.parts) == 1:
            return [f"{self.name}.csv"]
        return [f"{self.name}-part{i}.csv" for i in range(1, len(self.csv.parts) + 1)]

    def files(self) -> list[discord.File]:
        return [discord.File(io.BytesIO(part.data), filename=name)
                for part, name in zip(self.csv.parts, self.filenames(), strict=True)]


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


async def search_export(services: Services, request: SearchRequest,
                        snapshot: Snapshot | None = None) -> Export:
    """Every paragraph matching ``request`` (ranked as /search ranks them, at most
    ``exports.max_rows``) as CSV, built in the CPU pool. ``snapshot``: the index to read
    (default: the one serving now)."""
    snap = snapshot or services.archive.current
    built = await services.run_cpu(search_csv, snap, request, services.settings.exports)
    return Export(built, f"search-{stamp()}", "matching paragraphs")


async def search_export_files(services: Services, request: SearchRequest,
                              snapshot: Snapshot | None = None) -> list[discord.File]:
    """:func:`search_export` as attachments (one :class:`discord.File` per part)."""
    return (await search_export(services, request, snapshot)).files()


async def logs_export(services: Services, db: Database, fetch: Fetch, *, view: str,
                      guild_id: int, days: int | None, user: str | None,
                      command: str | None) -> Export:
    """One log view's rows of server ``guild_id`` only (at most ``exports.max_rows``,
    newest or most frequent first as the view orders them) as CSV."""
    limit = services.settings.exports.max_rows
    await services.querylog.flush()
    rows = await fetch(db, days=days, user=user, command=command, limit=limit,
                       guild_id=guild_id)
    records = [row._asdict() for row in rows]
    built = await services.run_cpu(records_csv, records, services.settings.exports)
    return Export(built, f"logs-{view}-{stamp()}", f"{view} log rows")


async def send_export(interaction: discord.Interaction[Any], export: Export) -> None:
    """The first file in the (deferred, ephemeral) response, each further one as an
    ephemeral follow-up."""
    if not export.csv.parts or export.csv.rows == 0:
        await interaction.edit_original_response(
            content=content(f"Nothing to export: {export.note()}"), allowed_mentions=NO_MENTIONS)
        return
    for i, file in enumerate(export.files()):
        if i == 0:
            await interaction.edit_original_response(
                content=content(export.note()), attachments=[file], allowed_mentions=NO_MENTIONS)
            continue
        await interaction.followup.send(
            content=content(f"Part {i + 1} of {len(export.csv.parts)}."), file=file,
            ephemeral=True, allowed_mentions=NO_MENTIONS)


async def run_export(interaction: discord.Interaction[Any], request: Request,
                     build: Callable[[], Awaitable[Export]]) -> None:
    """Defer privately, build, send; a failure goes through :func:`classify` and is told
    privately (the button's callback is outside the command tree's error handler)."""
    try:
        async with tracking(request, interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            interaction.extras["ephemeral"] = True
            export = await build()
            request.set_hits([], count=export.csv.rows, found=export.csv.rows > 0)
            await send_export(interaction, export)
    except Exception as exc:  # noqa: BLE001 - classified and told, as every command error
        outcome = classify(exc, where=f"export ({request.command})")
        await send_ephemeral(interaction, outcome.text())


class SearchExportButton(discord.ui.Button[discord.ui.View]):
    """Under /search results: all the matching paragraphs as CSV, for the asker."""

    def __init__(self, services: Services, request: SearchRequest, owner_id: int,
                 row: int = 1) -> None:
        super().__init__(label=LABEL, emoji=EMOJI, style=discord.ButtonStyle.secondary,
                         row=row)
        self.services = services
        self.request = request
        self.owner_id = owner_id

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(ONLY_ASKER_EXPORT, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        f = self.request.filters
        request = self.services.begin(
            "export:search", self.request.query, guild_id=interaction.guild_id,
            channel_id=interaction.channel_id, user_id=interaction.user.id,
            filters={"from": f.date_from, "to": f.date_to, "source": f.source})
        await run_export(interaction, request,
                         lambda: search_export(self.services, self.request))


@dataclass(frozen=True, slots=True)
class LogQuery:
    """What an ``/archive-admin logs`` reply showed (its guild is the clicker's)."""

    view: str
    days: int | None
    user: str | None  # a stored user key
    command: str | None


class LogsExportButton(discord.ui.Button[discord.ui.View]):
    """Under ``/archive-admin logs``: the view's rows of this server as CSV (admins only:
    the click is authorized and audited like an admin command, as ``logs-export``)."""

    ACTION = "logs-export"

    def __init__(self, services: Services, audit: AuditTrail, fetch: Fetch,
                 query: LogQuery, row: int = 1) -> None:
        super().__init__(label=LABEL, emoji=EMOJI, style=discord.ButtonStyle.secondary,
                         row=row)
        self.services = services
        self.audit = audit
        self.fetch = fetch
        self.query = query

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        q = self.query
        request = self.services.begin(
            f"admin:{self.ACTION}", "", guild_id=interaction.guild_id,
            channel_id=interaction.channel_id, user_id=interaction.user.id,
            filters={"view": q.view, "days": q.days, "command": q.command,
                     "user": True if q.user is not None else None})
        decision = authorize(interaction, self.services, self.ACTION, self.audit)
        guild_id = interaction.guild_id
        if not decision.allowed or guild_id is None:
            try:
                async with tracking(request):
                    raise refusal(decision)
            except Exception as exc:  # noqa: BLE001 - told privately, as a command's refusal
                await send_ephemeral(interaction, classify(exc, where="logs export").text())
            return
        db = self.services.db
        if db is None:
            await send_ephemeral(interaction, "The query log is not available.")
            return

        async def build() -> Export:
            return await logs_export(self.services, db, self.fetch, view=q.view,
                                     guild_id=guild_id, days=q.days, user=q.user,
                                     command=q.command)

        await run_export(interaction, request, build)


"""``/search query [limit] [from] [to] [source]``: ranked paragraphs with citations."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.app import render
from bot.app.client import ArchiveBot, ArchiveCog
from bot.app.errors import tracking
from bot.app.exports import SearchExportButton
from bot.app.options import configure_commands
from bot.app.threadcontext import mark_first, open_thread, opens_thread, read_question
from bot.app.views import respond
from bot.core.models import SearchHit
from bot.core.requests import SearchRequest

FROM = "only articles published on or after this date (YYYY-MM-DD)"
TO = "only articles published on or before this date (YYYY-MM-DD)"
SOURCE = "only articles from this outlet (part of its name)"


def hit_pairs(hits: tuple[SearchHit, ...] | list[SearchHit]) -> list[tuple[str, int]]:
    return [(h.doc_id, h.paragraph) for h in hits]


def filter_log(date_from: str | None, date_to: str | None, source: str | None,
               **extra: Any) -> dict[str, Any]:
    return {"from": date_from, "to": date_to, "source": source, **extra}


class SearchCog(ArchiveCog):
    @app_commands.command(name="search", description="Ranked paragraphs from the archive")
    @app_commands.describe(
        query="words to search for", limit="number of results", date_from=FROM, date_to=TO,
        source=SOURCE,
    )
    @app_commands.rename(date_from="from", date_to="to")
    async def search(
        self,
        interaction: discord.Interaction[ArchiveBot],
        query: str,
        limit: app_commands.Range[int, 1, 100] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        source: str | None = None,
    ) -> None:
        request = self.begin(interaction, "search", query,
                             filter_log(date_from, date_to, source, limit=limit))
        async with tracking(request):
            archive = self.services.archive.current
            wanted = SearchRequest.parse(archive.settings, query, limit, date_from, date_to,
                                         source)
            ephemeral = await self.defer(interaction)
            reading = await read_question(self.services.settings, interaction.client,
                                          interaction.channel, wanted.query, wanted.filters)
            wanted = SearchRequest(reading.question, wanted.limit,
                                   reading.filters)
            result = await self.services.run_cpu(archive.search, wanted)
            request.set_hits(hit_pairs(result.hits), count=result.total, found=bool(result.hits))
            tokenizer = archive.tokenizer
            settings = self.services.settings.discord
            pages = render.search_pages(
                result,
                spans=lambda t: tokenizer.spans(t, result.terms),
                page_size=settings.page_size,
                index_date=archive.index.built_at,
                searched=len(archive.index.docs),
            )
            if reading.read_as is not None:
                pages = render.read_as(pages, reading.read_as)
            thread = opens_thread(interaction, ephemeral)
            if thread:  # its follow-ups are read against this query, from the footer
                pages = mark_first(pages, wanted.query, wanted.filters)
            export = [SearchExportButton(self.services, wanted, interaction.user.id)
                      ] if result.hits else []
            message = await respond(interaction, pages, timeout=settings.view_timeout_seconds,
                                    ephemeral=ephemeral, extra=export)
            if thread:
                await open_thread(message, wanted.query)


async def setup(bot: ArchiveBot) -> None:
    cog = SearchCog(bot)
    configure_commands(cog, bot.services.settings)
    await bot.add_cog(cog)

"""``/timeline topic [from] [to] [source]``: matching articles per period, as a chart.

The counting is :func:`bot.core.timeline.build_timeline` (matching as /search matches); the
chart is drawn in the CPU pool too. The embed says what was counted, the totals, how many
undated articles are not shown, and cites the busiest period's top articles as /search does.
A topic nothing dated matches gets a plain "no match" embed, without an empty chart. An
"Export CSV" button under the chart exports the matching paragraphs, as /search's does.
"""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.app import render
from bot.app.charts import timeline_png
from bot.app.client import ArchiveBot, ArchiveCog
from bot.app.errors import tracking
from bot.app.exports import SearchExportButton
from bot.app.itemviews import ItemsView
from bot.app.options import configure_commands
from bot.app.views import NO_MENTIONS, edit_or_follow_up
from bot.core.requests import SearchRequest
from bot.core.timeline import Timeline, TimelineRequest, build_timeline
from bot.exts.search import FROM, SOURCE, TO, filter_log, hit_pairs

CHART_FILENAME = "timeline.png"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def timeline_embed(t: Timeline, *, searched: int, index_date: str | None = None,
                   spans: render.Spans | None = None) -> discord.Embed:
    """The reply: the chart's caption and, for a non-empty timeline, the busiest period's
    top articles (the chart itself is the attachment ``timeline.png``)."""
    title = "Timeline: " + render.escape(render.oneline(t.topic))
    topic = render.escape(render.oneline(t.topic))
    footer = f"{_plural(t.dated_articles, 'article')} charted"
    if index_date:
        footer += f" · index of {index_date[:10]}"
    if t.empty:
        text = f"No dated article matches **{topic}** (searched {searched} articles)."
        if t.undated_articles:
            text += (f" {_plural(t.undated_articles, 'undated article')} "
                     f"{'matches' if t.undated_articles == 1 else 'match'}: nothing to chart.")
        return render.embeds(title, [render.shorten(text, render.DESCRIPTION_MAX)], footer)[0]
    lines = [f"**{render.escape(t.title())}**",
             f"{_plural(t.dated_articles, 'matching article')} "
             f"({_plural(t.dated_paragraphs, 'paragraph')}) in {_plural(len(t.periods), t.unit)}."]
    busiest = t.busiest
    if busiest is not None:
        lines.append(f"Busiest {t.unit}: **{busiest.label}**, "
                     f"{_plural(busiest.articles, 'article')} "
                     f"({_plural(busiest.paragraphs, 'paragraph')}).")
    note = t.undated_note()
    if note:
        lines.append(note + ".")
    header = "\n".join(lines) + render.SEPARATOR
    if busiest is not None and t.top:
        header += f"**Top articles of {busiest.label}**" + render.SEPARATOR
    items = [render.hit_item(n, h, spans) for n, h in enumerate(t.top, start=1)]
    pages = render.item_pages(items, len(items) or 1, header=header) if items else [header]
    embed = render.embeds(title, pages[:1], footer)[0]
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    return embed


class TimelineCog(ArchiveCog):
    @app_commands.command(name="timeline",
                          description="How often a topic comes up: matching articles per period")
    @app_commands.describe(topic="words to count (matched as /search matches them)",
                           date_from=FROM, date_to=TO, source=SOURCE)
    @app_commands.rename(date_from="from", date_to="to")
    async def timeline(self, interaction: discord.Interaction[ArchiveBot], topic: str,
                       date_from: str | None = None, date_to: str | None = None,
                       source: str | None = None) -> None:
        request = self.begin(interaction, "timeline", topic,
                             filter_log(date_from, date_to, source))
        async with tracking(request, interaction):
            snapshot = self.services.archive.current
            wanted = TimelineRequest.parse(snapshot.settings, topic, date_from, date_to, source)
            ephemeral = await self.defer(interaction)
            result = await self.services.run_cpu(build_timeline, snapshot, wanted)
            request.set_hits(hit_pairs(result.top), count=result.dated_articles,
                             found=not result.empty)
            terms = tuple(snapshot.tokenizer(wanted.topic))
            tokenizer = snapshot.tokenizer
            embed = timeline_embed(result, searched=len(snapshot.index.docs),
                                   index_date=snapshot.index.built_at,
                                   spans=lambda text: tokenizer.spans(text, terms))
            if result.empty:
                await edit_or_follow_up(interaction, ephemeral=ephemeral, embed=embed)
                return
            png = await self.services.run_cpu(timeline_png, result)
            chart = discord.File(io.BytesIO(png), filename=CHART_FILENAME)
            # The paragraphs behind the chart, as /search's button exports them.
            paragraphs = SearchRequest(wanted.topic, snapshot.settings.limits.default_results,
                                       wanted.filters)
            view = ItemsView([SearchExportButton(self.services, paragraphs, interaction.user.id,
                                                 row=0)],
                             timeout=self.services.settings.discord.view_timeout_seconds)
            view.message = await interaction.edit_original_response(
                embed=embed, attachments=[chart], view=view, allowed_mentions=NO_MENTIONS)


async def setup(bot: ArchiveBot) -> None:
    cog = TimelineCog(bot)
    configure_commands(cog, bot.services.settings)
    await bot.add_cog(cog)

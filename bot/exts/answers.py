"""``/ask``, ``/summary`` and ``/quote``: cited answers, with feedback buttons.

Autocomplete (``article``, ``speaker``) is answered directly from precomputed lists: no
executor round trip, well inside Discord's 3-second window. Everything else validates the
options first (so a bad option is an immediate ephemeral reply), defers (again, within the
3 seconds, if the deferral is rate limited), then runs the core in the CPU pool, fairly
scheduled and within a work budget (over it: "too large").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from bot.app import render
from bot.app.client import ArchiveBot, ArchiveCog
from bot.app.errors import tracking
from bot.app.options import configure_commands
from bot.app.paragraph_view import ShowParagraphButton, respond_with_paragraph
from bot.app.services import Request, Services, is_warm
from bot.app.threadcontext import mark_first, open_thread, opens_thread, read_question
from bot.app.views import respond
from bot.core.answers.ask import Answer, ask
from bot.core.answers.quotebook import find_quotes
from bot.core.answers.summary import find_document, suggest_documents, summarize
from bot.core.requests import AskRequest, QuoteRequest, SummaryRequest
from bot.exts.search import FROM, SOURCE, TO, filter_log, hit_pairs

log = logging.getLogger(__name__)


async def run_ask(services: Services, request: Request,
                  wanted: AskRequest) -> tuple[Answer, list[discord.Embed]]:
    """The ask path shared by ``/ask`` and mentions: answer, log fields, pages."""
    archive = services.archive.current
    answer = await services.run_cpu(ask, archive, wanted, services.budget())
    cited = [(s.citation.doc_id, s.citation.paragraph) for s in answer.sentences]
    request.set_hits(cited or hit_pairs(answer.passages), count=len(answer.passages),
                     found=answer.found)
    tokenizer = archive.tokenizer
    terms = tuple(tokenizer(wanted.question))
    pages = render.answer_pages(
        answer,
        spans=lambda t: tokenizer.spans(t, terms),
        page_size=services.settings.discord.page_size,
        index_date=archive.index.built_at,
    )
    return answer, pages


def _choices(pairs: Sequence[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=render.choice_name(name), value=value)
        for name, value in pairs
        if 0 < len(value) <= render.CHOICE_VALUE_MAX
    ][: render.CHOICES_MAX]


class AnswersCog(ArchiveCog):
    @app_commands.command(name="ask", description="A short answer from the archive, with sources")
    @app_commands.describe(question="what you want to know", date_from=FROM, date_to=TO,
                           source=SOURCE)
    @app_commands.rename(date_from="from", date_to="to")
    async def ask(
        self,
        interaction: discord.Interaction[ArchiveBot],
        question: str,
        date_from: str | None = None,
        date_to: str | None = None,
        source: str | None = None,
    ) -> None:
        request = self.begin(interaction, "ask", question, filter_log(date_from, date_to, source))
        async with tracking(request, interaction):
            wanted = AskRequest.parse(self.services.settings, question, date_from, date_to,
                                      source)
            ephemeral = await self.defer(interaction)
            reading = await read_question(self.services.settings, interaction.client,
                                          interaction.channel, wanted.question, wanted.filters)
            wanted = AskRequest(reading.question, reading.filters)
            answer, pages = await run_ask(self.services, request, wanted)
            if reading.read_as is not None:
                pages = render.read_as(pages, reading.read_as)
            thread = opens_thread(interaction, ephemeral)
            if thread:  # its follow-ups are read against this question, from the footer
                pages = mark_first(pages, wanted.question, wanted.filters)
            cited = answer.sentences[0].citation if answer.sentences else None
            message = await respond_with_paragraph(
                interaction, pages, cited, request_id=request.request_id,
                timeout=self.services.settings.discord.view_timeout_seconds,
                ephemeral=ephemeral)
            if thread:
                await open_thread(message, wanted.question)

    @app_commands.command(name="summary",
                          description="A cited summary of a topic, an article or the archive")
    @app_commands.describe(topic="what to summarise (leave out for an overview)",
                           article="one article (start typing its title)",
                           sentences="how many sentences")
    async def summary(
        self,
        interaction: discord.Interaction[ArchiveBot],
        topic: str | None = None,
        article: str | None = None,
        sentences: app_commands.Range[int, 1, 50] | None = None,
    ) -> None:
        query = topic or article or ""
        request = self.begin(interaction, "summary", query,
                             {"article": article if topic else None, "sentences": sentences})
        async with tracking(request, interaction):
            archive = self.services.archive.current
            # refused before any public "thinking" reply
            wanted = SummaryRequest.parse(archive.settings, topic, article, sentences)
            doc = (archive.index.docs[find_document(archive, wanted.doc_id)]
                   if wanted.doc_id is not None else None)
            ephemeral = await self.defer(interaction)
            read_as = None
            if wanted.topic is not None and wanted.doc_id is None:  # a topic follows up too
                reading = await read_question(self.services.settings, interaction.client,
                                              interaction.channel, wanted.topic, wanted.filters)
                wanted = SummaryRequest(reading.question, None, wanted.sentences,
                                        reading.filters)
                read_as = reading.read_as
            result = await self.services.run_cpu(summarize, archive, wanted,
                                                 self.services.budget())
            cited = [(s.citation.doc_id, s.citation.paragraph) for s in result.sentences]
            request.set_hits(cited, count=len(result.sentences), found=bool(result.sentences))
            title = doc.title if doc else (wanted.topic or "the archive")
            pages = render.summary_pages(
                result.sentences, title=title, url=doc.url if doc else None,
                index_date=archive.index.built_at,
                empty=result.message or "Nothing to summarise.",
            )
            if read_as is not None:
                pages = render.read_as(pages, read_as)
            await respond(interaction, pages, request_id=request.request_id,
                          timeout=self.services.settings.discord.view_timeout_seconds,
                          ephemeral=ephemeral)

    @summary.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[ArchiveBot], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            pairs = suggest_documents(self.services.archive.current, current,
                                      limit=render.CHOICES_MAX)
        except Exception:
            log.exception("article autocomplete failed for %r", current)
            return []
        return _choices([(title or doc_id, doc_id) for doc_id, title in pairs])

    @app_commands.command(name="quote", description="Find who said something, or what someone said")
    @app_commands.describe(text="words of the quote", speaker="who said it (start typing a name)")
    async def quote(
        self,
        interaction: discord.Interaction[ArchiveBot],
        text: str | None = None,
        speaker: str | None = None,
    ) -> None:
        query = text or speaker or ""
        request = self.begin(interaction, "quote", query,
                             {"speaker": speaker if text else None})
        async with tracking(request, interaction):
            archive = self.services.archive.current
            wanted = QuoteRequest.parse(archive.settings, text, speaker)
            words, who = wanted.text, wanted.speaker
            ephemeral = await self.defer(interaction)
            result = await self.services.run_cpu(find_quotes, archive, wanted,
                                                 self.services.budget())
            matches = result.matches
            request.set_hits([(m.doc_id, m.paragraph) for m in matches], count=len(matches),
                             found=bool(matches))
            label = " — ".join(p for p in (words and f"“{words}”", who) if p)
            pages = render.quote_pages(matches, query=label,
                                       page_size=self.services.settings.discord.page_size,
                                       index_date=archive.index.built_at)
            await respond(interaction, pages, request_id=request.request_id,
                          timeout=self.services.settings.discord.view_timeout_seconds,
                          ephemeral=ephemeral)

    @quote.autocomplete("speaker")
    async def speaker_autocomplete(
        self, interaction: discord.Interaction[ArchiveBot], current: str
    ) -> list[app_commands.Choice[str]]:
        archive = self.services.archive.current
        if not is_warm(archive):  # never build the quote book on the event loop
            self.services.warm_soon()
            return []
        try:
            names = archive.quotes.suggest_speakers(current, limit=render.CHOICES_MAX)
        except Exception:
            log.exception("speaker autocomplete failed for %r", current)
            return []
        return _choices([(name, name) for name in names])


async def setup(bot: ArchiveBot) -> None:
    bot.add_dynamic_items(ShowParagraphButton)  # the "Show paragraph" button under /ask
    cog = AnswersCog(bot)
    configure_commands(cog, bot.services.settings)
    await bot.add_cog(cog)

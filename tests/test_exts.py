"""The extensions' callbacks with spec_set fakes, over the seed archive and a real query log."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app import services as services_module
from bot.app.client import ArchiveBot
from bot.app.errors import ChannelDisabled, classify
from bot.app.paragraph_view import SHOW_TEMPLATE, ShowParagraphButton
from bot.app.scheduler import RequestExpiredError
from bot.app.services import Services, is_warm, warm_archive
from bot.app.views import FeedbackView, Paginator
from bot.config import Settings, with_section
from bot.core.budget import WorkTooLargeError
from bot.core.search import Archive
from bot.core.snapshot import Snapshot
from bot.errors import QueryError, UnknownDocumentError
from bot.exts import answers as answers_ext
from bot.exts import mentions as mentions_ext
from bot.exts import search as search_ext
from bot.exts.answers import AnswersCog
from bot.exts.mentions import MentionsCog, question_from
from bot.exts.search import SearchCog
from bot.store import views as logviews
from bot.store.views import LogRow
from tests.fakes import (
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    USER_ID,
    bot_user,
    fake_interaction,
    fake_mention,
    make_services,
    message_calls,
    no_pings,
    seeds_settings,
)

EXTENSIONS = ["bot.exts.search", "bot.exts.answers", "bot.exts.mentions"]
QUESTION = "Who threatened to eliminate Syrian opposition factions?"

Harness = Callable[..., AbstractAsyncContextManager[tuple[ArchiveBot, Services]]]


@pytest.fixture
def harness(tmp_path: Path, seed_settings: Settings, seed_archive: Archive) -> Harness:
    @asynccontextmanager
    async def make(
        archive: Archive = seed_archive, **discord_changes: Any
    ) -> AsyncIterator[tuple[ArchiveBot, Services]]:
        settings = seeds_settings(tmp_path, seed_settings, **discord_changes)
        async with make_services(settings, archive) as services:
            bot = ArchiveBot(services, extensions=EXTENSIONS)
            for module in (search_ext, answers_ext, mentions_ext):
                await module.setup(bot)  # load_extension would re-import: new class objects
            bot._connection.user = bot_user()
            try:
                yield bot, services
            finally:
                await bot.close()

    return make


async def rows(services: Services) -> list[LogRow]:
    await services.querylog.flush()
    assert services.db is not None
    return await logviews.recent(services.db)


def cogs(bot: ArchiveBot) -> tuple[SearchCog, AnswersCog, MentionsCog]:
    search, answers, mentions = (bot.get_cog(n) for n in ("SearchCog", "AnswersCog",
                                                          "MentionsCog"))
    assert isinstance(search, SearchCog) and isinstance(answers, AnswersCog)
    assert isinstance(mentions, MentionsCog)
    return search, answers, mentions


def stop_views(*interactions: Any) -> None:
    for interaction in interactions:
        for _, kwargs in message_calls(interaction):
            view = kwargs.get("view")
            if isinstance(view, discord.ui.View):
                view.stop()


async def fail_through_handler(bot: ArchiveBot, interaction: Any, command: Any,
                               exc: Exception) -> None:
    """What discord.py does with an exception from a command callback."""
    interaction.command = command
    await bot.tree.on_error(interaction, app_commands.CommandInvokeError(command, exc))


# -- /search ---------------------------------------------------------------------------------


async def test_search_defers_answers_and_logs(harness: Harness) -> None:
    async with harness(page_size=3) as (bot, services):
        search, _, _ = cogs(bot)
        interaction = fake_interaction(bot)
        await search.search.callback(search, interaction, query="Astana talks", limit=7,
                                     date_from="2016-01-01")
        interaction.response.defer.assert_awaited_once_with(ephemeral=False, thinking=True)
        ((name, kwargs),) = message_calls(interaction)
        assert name == "edit_original_response" and no_pings(kwargs)
        assert isinstance(kwargs["view"], Paginator) and len(kwargs["view"].pages) == 3
        assert "**Astana**" in (kwargs["embed"].description or "")
        (row,) = await rows(services)
        assert (row.command, row.query, row.guild_id, row.channel_id) == (
            "search", "Astana talks", str(GUILD_ID), str(CHANNEL_ID))
        assert row.filters == {"limit": 7, "from": "2016-01-01"}
        assert row.found and row.result_count >= 7 and len(row.top_hits) == 5
        assert row.top_hits[0][0] == "000_92e0ac5bf622c90d"
        assert row.user_key is not None and row.user_key != str(USER_ID)  # hashed
        assert row.latency_ms is not None and row.error_id is None
        stop_views(interaction)


async def test_search_ephemeral_channel(harness: Harness) -> None:
    async with harness(ephemeral=True) as (bot, _):
        search, _, _ = cogs(bot)
        interaction = fake_interaction(bot)
        await search.search.callback(search, interaction, query="Idlib")
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        stop_views(interaction)


async def test_query_error_is_an_ephemeral_reply(harness: Harness) -> None:
    async with harness() as (bot, services):
        search, _, _ = cogs(bot)
        interaction = fake_interaction(bot)
        with pytest.raises(QueryError) as caught:
            await search.search.callback(search, interaction, query="x",
                                         date_from="16 May 2018")
        await fail_through_handler(bot, interaction, search.search, caught.value)
        interaction.response.defer.assert_not_awaited()
        ((name, kwargs),) = message_calls(interaction)
        assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
        sent = interaction.response.send_message.await_args.args[0]
        assert "is not a date like 2018-05-16" in sent
        (row,) = await rows(services)  # one row, written by the command, not the handler
        assert row.command == "search" and not row.found and row.error_id is None


async def test_unexpected_error_gets_an_error_id(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness() as (bot, services):
        search, _, _ = cogs(bot)

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("index on fire")

        monkeypatch.setattr(services, "run_cpu", broken)
        interaction = fake_interaction(bot)
        with pytest.raises(RuntimeError) as caught:
            await search.search.callback(search, interaction, query="Idlib")
        caplog.set_level(logging.ERROR, logger="bot.app.errors")
        await fail_through_handler(bot, interaction, search.search, caught.value)
        (row,) = await rows(services)
        assert row.error_id and re.fullmatch(r"[0-9a-f]{8}", row.error_id)
        # deferred publicly: the thinking message goes, the notice is ephemeral
        interaction.delete_original_response.assert_awaited_once()
        call = interaction.followup.send.await_args
        assert call.kwargs["ephemeral"] is True and no_pings(call.kwargs)
        assert row.error_id in call.args[0] and "index on fire" not in call.args[0]
        (record,) = [r for r in caplog.records if r.name == "bot.app.errors"]
        assert row.error_id in record.getMessage()
        assert record.exc_info is not None and record.exc_info[0] is RuntimeError


# -- checks: cooldown and channel settings ---------------------------------------------------


async def test_cooldown_from_settings(harness: Harness) -> None:
    async with harness(cooldown_rate=2, cooldown_seconds=60) as (bot, services):
        search, _, _ = cogs(bot)
        assert await search.interaction_check(fake_interaction(bot))
        assert await search.interaction_check(fake_interaction(bot))
        interaction = fake_interaction(bot, namespace={"query": "Idlib"})
        with pytest.raises(app_commands.CommandOnCooldown) as caught:
            await search.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        call = interaction.response.send_message.await_args
        assert re.fullmatch(r"Try again in (\d+) s\.", call.args[0])
        assert 55 <= int(re.findall(r"\d+", call.args[0])[0]) <= 60
        assert call.kwargs["ephemeral"] is True and no_pings(call.kwargs)
        (row,) = await rows(services)  # the refused command is logged too
        assert row.query == "Idlib" and not row.found and row.error_id is None
        # another user is not affected
        assert await search.interaction_check(fake_interaction(bot, user_id=USER_ID + 1))


async def test_disabled_channel_names_where_it_works(harness: Harness) -> None:
    async with harness() as (bot, services):
        await services.channels.set(GUILD_ID, CHANNEL_ID, enabled=False, updated_by=1)
        await services.channels.set(GUILD_ID, 777, enabled=True, updated_by=1)
        _, answers, _ = cogs(bot)
        interaction = fake_interaction(bot, namespace={"question": "who?"})
        with pytest.raises(ChannelDisabled) as caught:
            await answers.interaction_check(interaction)
        await bot.tree.on_error(interaction, caught.value)
        call = interaction.response.send_message.await_args
        assert "turned off in this channel" in call.args[0] and "<#777>" in call.args[0]
        assert call.kwargs["ephemeral"] is True and no_pings(call.kwargs)


# -- /ask, /summary, /quote ------------------------------------------------------------------


async def test_ask_answers_with_feedback_buttons(harness: Harness) -> None:
    async with harness(page_size=25) as (bot, services):
        _, answers, _ = cogs(bot)
        interaction = fake_interaction(bot)
        await answers.ask.callback(answers, interaction, question=QUESTION)
        ((_, kwargs),) = message_calls(interaction)
        assert no_pings(kwargs)
        description = kwargs["embed"].description or ""
        assert "Lavrentyev" in description and "**[1]**" in description
        view = kwargs["view"]
        (row,) = await rows(services)
        assert row.command == "ask" and row.found and row.top_hits[0] == (
            "000_92e0ac5bf622c90d", 1)
        ids = [getattr(i, "custom_id", "") for i in view.children]
        assert f"fb:+:{row.request_id}:{USER_ID}" in ids
        assert f"fb:-:{row.request_id}:{USER_ID}" in ids
        stop_views(interaction)


async def test_ask_bolds_the_answer_and_shows_the_paragraph(harness: Harness) -> None:
    async with harness(page_size=25) as (bot, _services):
        _, answers, _ = cogs(bot)
        interaction = fake_interaction(bot)
        await answers.ask.callback(answers, interaction,
                                   question="How many people did the opposition delegation "
                                            "comprise?")
        ((_, kwargs),) = message_calls(interaction)
        assert "**24 people**" in (kwargs["embed"].description or "")
        ids = [getattr(i, "custom_id", "") for i in kwargs["view"].children]
        assert "sp:6:000_92e0ac5bf622c90d" in ids
        stop_views(interaction)
        # the click: anyone, privately, the paragraph as the index holds it, escaped
        click = fake_interaction(bot, user_id=USER_ID + 1)
        match = re.fullmatch(SHOW_TEMPLATE, "sp:6:000_92e0ac5bf622c90d")
        assert match is not None
        button = await ShowParagraphButton.from_custom_id(click, mock.Mock(), match)
        await button.callback(click)
        call = click.response.send_message.await_args
        assert call.kwargs["ephemeral"] is True and no_pings(call.kwargs)
        assert "Ahmed Tuma" in call.kwargs["embed"].description
        gone = fake_interaction(bot)
        await ShowParagraphButton("000_92e0ac5bf622c90d", 99).callback(gone)
        assert "no longer in the archive" in gone.response.send_message.await_args.args[0]


async def test_ask_not_found(harness: Harness) -> None:
    async with harness() as (bot, services):
        _, answers, _ = cogs(bot)
        interaction = fake_interaction(bot)
        await answers.ask.callback(answers, interaction, question="What is the capital of Peru?")
        ((_, kwargs),) = message_calls(interaction)
        assert "Not found in the archive" in (kwargs["embed"].description or "")
        (row,) = await rows(services)
        assert not row.found
        stop_views(interaction)


async def test_summary_of_an_article_and_its_autocomplete(harness: Harness) -> None:
    async with harness() as (bot, services):
        _, answers, _ = cogs(bot)
        param = answers.summary.get_parameter("article")
        assert param is not None and param.autocomplete
        choices = await answers.article_autocomplete(fake_interaction(bot), "idlib")
        assert 0 < len(choices) <= 25
        assert all(len(c.name) <= 100 and len(str(c.value)) <= 100 for c in choices)
        doc_id = str(choices[0].value)
        interaction = fake_interaction(bot)
        await answers.summary.callback(answers, interaction, article=doc_id, sentences=3)
        ((_, kwargs),) = message_calls(interaction)
        assert no_pings(kwargs) and "**Sources**" in (kwargs["embed"].description or "")
        (row,) = await rows(services)
        assert row.command == "summary" and row.query == doc_id and row.found
        assert all(d == doc_id for d, _ in row.top_hits)
        stop_views(interaction)


async def test_summary_unknown_article_is_refused_before_deferring(harness: Harness) -> None:
    async with harness() as (bot, _):
        _, answers, _ = cogs(bot)
        interaction = fake_interaction(bot)
        with pytest.raises(UnknownDocumentError) as caught:
            await answers.summary.callback(answers, interaction, article="no-such-doc")
        interaction.response.defer.assert_not_awaited()
        await fail_through_handler(bot, interaction, answers.summary, caught.value)
        assert "No article with id" in interaction.response.send_message.await_args.args[0]


async def test_refused_options_come_before_thinking_and_are_no_archive_gap(
    harness: Harness,
) -> None:
    async with harness() as (bot, services):
        search, answers, _ = cogs(bot)
        over = services.settings.answers.summary_max_sentences + 1
        interaction = fake_interaction(bot)
        with pytest.raises(QueryError) as caught:
            await answers.summary.callback(answers, interaction, topic="Astana", sentences=over)
        interaction.response.defer.assert_not_awaited()  # no public "thinking" first
        await fail_through_handler(bot, interaction, answers.summary, caught.value)
        assert "sentences must be between 1 and" in (
            interaction.response.send_message.await_args.args[0])
        other = fake_interaction(bot)
        with pytest.raises(QueryError):
            await search.search.callback(search, other, query="Idlib",
                                         limit=services.settings.limits.max_results + 1)
        logged = await rows(services)
        assert {r.command for r in logged} == {"summary", "search"}
        assert services.db is not None
        assert await logviews.unanswered(services.db) == []  # refusals are not gaps


def test_the_warm_up_gives_the_speaker_index_working_memory_back(
        seed_archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """The heap is trimmed once the warm-up has built what it builds, not before."""
    snapshot = Snapshot(seed_archive)
    seen: list[bool] = []
    monkeypatch.setattr(services_module, "trim_heap",
                        lambda: seen.append(snapshot.quotes.speakers_ready))
    warm_archive(snapshot, freeze=False)
    assert seen == [True]


async def test_quote_lookup_and_speaker_autocomplete(harness: Harness) -> None:
    async with harness() as (bot, services):
        _, answers, _ = cogs(bot)
        param = answers.quote.get_parameter("speaker")
        assert param is not None and param.autocomplete
        archive = services.archive.current
        if not is_warm(archive):  # cold: answered at once (empty), warmed in the pool
            assert await answers.speaker_autocomplete(fake_interaction(bot), "tu") == []
            await services.run_cpu(warm_archive, archive)
        names = await answers.speaker_autocomplete(fake_interaction(bot), "tu")
        assert "Ahmed Tuma" in [c.value for c in names] and len(names) <= 25
        interaction = fake_interaction(bot)
        await answers.quote.callback(answers, interaction, text="negotiations only in Astana")
        ((_, kwargs),) = message_calls(interaction)
        assert no_pings(kwargs)
        description = kwargs["embed"].description or ""
        assert "Ahmed Tuma" in description and re.search(r"\d+% match", description)
        stop_views(interaction)
        interaction = fake_interaction(bot)
        await answers.quote.callback(answers, interaction, speaker="tuma")
        stop_views(interaction)
        by_query = {row.query: row for row in await rows(services)}
        first = by_query["negotiations only in Astana"]
        assert first.found and first.filters == {}
        assert first.top_hits[0] == ("000_92e0ac5bf622c90d", 7)
        assert by_query["tuma"].found and by_query["tuma"].result_count == 1


async def test_quote_needs_text_or_speaker(harness: Harness) -> None:
    async with harness() as (bot, _):
        _, answers, _ = cogs(bot)
        with pytest.raises(QueryError, match="quotation"):
            await answers.quote.callback(answers, fake_interaction(bot))


# -- mentions --------------------------------------------------------------------------------


def test_question_from_strips_mentions() -> None:
    assert question_from("<@5> who said  <@!6> it? <#7>") == "who said it?"


async def test_mention_is_answered_in_the_channel(harness: Harness) -> None:
    async with harness() as (bot, services):
        _, _, mentions = cogs(bot)
        message = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(message)
        call = message.reply.await_args
        assert no_pings(call.kwargs) and call.kwargs["mention_author"] is False
        assert "Lavrentyev" in (call.kwargs["embed"].description or "")
        assert isinstance(call.kwargs["view"], Paginator | FeedbackView)
        (row,) = await rows(services)
        assert row.command == "mention" and row.query == QUESTION and row.found
        call.kwargs["view"].stop()


async def test_mention_in_a_thread_when_configured(harness: Harness) -> None:
    async with harness(reply_in_threads=True) as (bot, _):
        _, _, mentions = cogs(bot)
        message = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(message)
        message.create_thread.assert_awaited_once()
        assert len(message.create_thread.await_args.kwargs["name"]) <= 100
        thread = message.create_thread.return_value
        assert no_pings(thread.send.await_args.kwargs)
        message.reply.assert_not_awaited()
        thread.send.await_args.kwargs["view"].stop()


async def test_mention_ignored_when_answer_mentions_off(harness: Harness) -> None:
    async with harness(answer_mentions=False) as (bot, services):
        _, _, mentions = cogs(bot)
        message = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(message)
        message.reply.assert_not_awaited()
        assert await rows(services) == []


async def test_empty_mention_gets_help_and_a_row(harness: Harness) -> None:
    async with harness() as (bot, services):
        _, _, mentions = cogs(bot)
        message = fake_mention(bot.user, f"<@{bot.user.id}>")
        await mentions.on_message(message)
        call = message.reply.await_args
        assert "Ask me a question" in call.args[0] and no_pings(call.kwargs)
        (row,) = await rows(services)
        assert row.command == "mention" and row.error_id is None


async def test_mention_cooldown(harness: Harness) -> None:
    async with harness(cooldown_rate=1, cooldown_seconds=30) as (bot, services):
        _, _, mentions = cogs(bot)
        first = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(first)
        first.reply.await_args.kwargs["view"].stop()
        second = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(second)
        # No public "Try again" message: a reaction, once per cooldown window.
        second.reply.assert_not_awaited()
        second.add_reaction.assert_awaited_once_with(mentions_ext.COOLDOWN_REACTION)
        third = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(third)
        third.reply.assert_not_awaited()
        third.add_reaction.assert_not_awaited()
        assert [r.command for r in await rows(services)] == ["mention"] * 3


async def test_mention_cooldown_reaction_refused_stays_silent(harness: Harness) -> None:
    async with harness(cooldown_rate=1, cooldown_seconds=30) as (bot, _):
        _, _, mentions = cogs(bot)
        first = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        await mentions.on_message(first)
        first.reply.await_args.kwargs["view"].stop()
        second = fake_mention(bot.user, f"<@{bot.user.id}> {QUESTION}")
        second.add_reaction.side_effect = discord.Forbidden(
            SimpleNamespace(status=403, reason="Forbidden"), "Missing Permissions")
        await mentions.on_message(second)  # no Add Reactions permission: nothing at all
        second.reply.assert_not_awaited()


def test_error_mapping_by_type() -> None:
    assert classify(QueryError("bad limit"), where="t").message == "bad limit"
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), 3.2)
    assert classify(cooldown, where="t").message == "Try again in 4 s."
    refused = classify(app_commands.CheckFailure("nope"), where="t")
    assert refused.message.startswith("You are not allowed") and refused.error_id is None
    bug = classify(app_commands.CommandInvokeError(mock.Mock(), KeyError("x")), where="t")
    assert bug.error_id is not None and bug.error_id in bug.message


# -- work budgets and fair scheduling ---------------------------------------------------------


async def test_summary_over_the_budget_is_a_clear_private_refusal(harness: Harness) -> None:
    async with harness() as (bot, services):
        services.settings = with_section(services.settings, "answers", max_work_bytes=500)
        _, answers, _ = cogs(bot)
        doc = max(services.archive.current.index.docs, key=lambda d: d.count)
        interaction = fake_interaction(bot)
        with pytest.raises(WorkTooLargeError) as caught:
            await answers.summary.callback(answers, interaction, article=doc.doc_id)
        await fail_through_handler(bot, interaction, answers.summary, caught.value)
        ((_, kwargs),) = [c for c in message_calls(interaction) if c[0] == "followup.send"]
        assert kwargs["ephemeral"] is True and no_pings(kwargs)
        assert "too large to answer" in interaction.followup.send.await_args.args[0]
        (row,) = await rows(services)
        assert row.error_id is None and not row.found


async def test_cpu_work_belongs_to_the_user_who_asked(harness: Harness) -> None:
    async with harness() as (bot, services):
        search, _, _ = cogs(bot)
        owners: list[object] = []
        real = services.scheduler.run

        async def run(owner: object, call: Any, **kwargs: Any) -> Any:
            owners.append((owner, kwargs.get("expires_at") is not None))
            return await real(owner, call, **kwargs)  # type: ignore[arg-type]

        services.scheduler.run = run  # type: ignore[method-assign]
        interaction = fake_interaction(bot, user_id=OTHER_USER_ID)
        await search.search.callback(search, interaction, query="Idlib")
        await services.run_cpu(len, "outside any request")
        assert owners == [(OTHER_USER_ID, True), (None, False)]
        stop_views(interaction)


def test_too_large_and_expired_are_mapped() -> None:
    too_large = classify(WorkTooLargeError("That is too large to answer: x"), where="t")
    assert too_large.message.startswith("That is too large") and too_large.error_id is None
    expired = classify(RequestExpiredError("That request waited too long"), where="t")
    assert expired.message.startswith("That request waited") and expired.error_id is None

"""bot.app.threadcontext: where the first question comes from, and every way it is absent."""

from __future__ import annotations

from typing import Any
from unittest import mock

import discord
import pytest

from bot.app.threadcontext import first_question, read_question, starter_question
from bot.config import LimitSettings, Settings
from bot.config.models import FollowupSettings
from bot.core.followup import FirstQuestion, Reading, context_footer
from bot.core.models import Filters

ME, USER, PARENT, THREAD = 10, 20, 30, 40
FIRST = "How many civilians were killed in air strikes in Idlib?"


def response(status: int) -> Any:
    return mock.Mock(status=status, reason="test")


def starter(author: int = USER, content: str = f"<@{ME}> {FIRST}",
            mentions: tuple[int, ...] = (ME,), footers: tuple[str, ...] = ()) -> Any:
    message = mock.Mock(spec=discord.Message, content=content)
    message.embeds = [discord.Embed(title="Q").set_footer(text=f) for f in footers]
    message.author = mock.Mock(id=author)
    message.mentions = [mock.Mock(id=m) for m in mentions]
    return message


def thread(owner: int = ME) -> Any:
    made = mock.Mock(spec=discord.Thread, id=THREAD, owner_id=owner, parent_id=PARENT)
    made.guild = mock.Mock(id=1)
    return made


def client(fetched: Any = None, error: Exception | None = None,
           channel: Any = None) -> Any:
    bot = mock.Mock(spec=discord.Client)
    bot.user = mock.Mock(id=ME)
    parent = mock.Mock()
    parent.fetch_message = mock.AsyncMock(return_value=fetched, side_effect=error)
    bot.get_partial_messageable.return_value = parent
    bot.fetch_channel = mock.AsyncMock(return_value=channel)
    return bot


async def test_the_starter_mention_of_the_bots_thread() -> None:
    bot = client(starter())
    assert await first_question(bot, thread()) == FirstQuestion(FIRST)
    bot.get_partial_messageable.assert_called_once_with(PARENT, guild_id=1)
    bot.get_partial_messageable.return_value.fetch_message.assert_awaited_once_with(THREAD)


async def test_an_uncached_thread_is_fetched() -> None:
    partial = mock.Mock(spec=discord.PartialMessageable, id=THREAD, guild_id=1)
    bot = client(starter(), channel=thread())
    assert await first_question(bot, partial) == FirstQuestion(FIRST)
    bot.fetch_channel.assert_awaited_once_with(THREAD)


@pytest.mark.parametrize("case", ["text channel", "dm", "not a thread", "fetch fails"])
async def test_not_a_thread_no_context(case: str) -> None:
    channel: Any = mock.Mock(spec=discord.TextChannel)
    bot = client(starter(), channel=mock.Mock(spec=discord.TextChannel))
    if case == "dm":
        channel = mock.Mock(spec=discord.PartialMessageable, id=5, guild_id=None)
    elif case == "not a thread":
        channel = mock.Mock(spec=discord.PartialMessageable, id=5, guild_id=1)
    elif case == "fetch fails":
        channel = mock.Mock(spec=discord.PartialMessageable, id=5, guild_id=1)
        bot.fetch_channel.side_effect = discord.Forbidden(response(403), "no access")
    assert await first_question(bot, channel) is None
    bot.get_partial_messageable.return_value.fetch_message.assert_not_awaited()


async def test_a_thread_the_bot_did_not_open() -> None:
    bot = client(starter())
    assert await first_question(bot, thread(owner=USER)) is None
    bot.get_partial_messageable.return_value.fetch_message.assert_not_awaited()


@pytest.mark.parametrize("error", [
    discord.NotFound(response(404), "Unknown Message"),  # the starter was deleted
    discord.Forbidden(response(403), "Missing Access"),
    discord.HTTPException(response(500), "boom"),
])
async def test_a_starter_that_cannot_be_fetched(error: Exception) -> None:
    assert await first_question(client(error=error), thread()) is None


def test_starter_question_reads_only_a_question_to_the_bot() -> None:
    assert starter_question(starter(), ME) == FirstQuestion(FIRST)
    assert starter_question(starter(mentions=()), ME) is None  # not addressed to the bot
    assert starter_question(starter(author=ME), ME) is None  # the bot's, without an embed


def test_starter_question_reads_the_bots_answer_footer() -> None:
    context = context_footer(FirstQuestion(FIRST, Filters("2016-01-01", None, "AP")))
    answer = starter(author=ME, content="", mentions=(), footers=(
        f"{context}\nSearched 4 articles · page 1/2",))
    assert starter_question(answer, ME) == FirstQuestion(FIRST, Filters("2016-01-01", None, "AP"))
    plain = starter(author=ME, content="", mentions=(), footers=("Searched 4 articles",))
    assert starter_question(plain, ME) is None  # an answer that opened no thread
    assert starter_question(starter(content=f"<@{ME}>"), ME) is None  # nothing asked


async def test_read_question_follows_up_or_not() -> None:
    settings = Settings()
    bot = client(starter())
    reading = await read_question(settings, bot, thread(), "and in 2016?", Filters())
    assert reading == Reading(FIRST, Filters("2016-01-01", "2016-12-31"), f"{FIRST} · 2016")

    off = Settings(followups=FollowupSettings(enabled=False))
    quiet = client(starter())
    assert await read_question(off, quiet, thread(), "and in 2016?", Filters()) == Reading(
        "and in 2016?", Filters())
    quiet.get_partial_messageable.assert_not_called()  # no REST call when turned off


async def test_a_rewritten_question_over_the_limit_is_read_as_asked() -> None:
    long_first = "air strikes " * 24 + "in Idlib?"  # 297 characters
    settings = Settings(limits=LimitSettings(query_max_chars=300))
    bot = client(starter(content=f"<@{ME}> {long_first.strip()}"))
    reading = await read_question(settings, bot, thread(), "and the hospitals?", Filters())
    assert reading == Reading("and the hospitals?", Filters())

"""``@bot who said ...``: a mention is answered like ``/ask``, in the channel or a thread.

No message-content intent is needed: Discord delivers the content of messages that mention
the bot. The channel's ``enabled`` and ``answer_mentions`` settings must both be on; with
``threads`` (``discord.reply_in_threads`` by default) the answer goes in a new thread on the
question. Errors go through the same :func:`~bot.app.errors.classify` as slash commands,
except the cooldown: a mention over it gets no message (which would let anyone make the bot
spam a channel) but a ⏳ reaction, once per user per cooldown window, then nothing.
"""

from __future__ import annotations

import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import render
from bot.app.client import ArchiveBot
from bot.app.errors import classify, tracking
from bot.app.threadcontext import question_from, read_question
from bot.app.views import NO_MENTIONS, reply_to
from bot.core.requests import AskRequest
from bot.errors import QueryError
from bot.exts.answers import run_ask

log = logging.getLogger(__name__)

HELP = "Ask me a question after the mention, e.g. “@archive-bot who said the talks failed?”"
COOLDOWN_REACTION = "⏳"


class MentionsCog(commands.Cog):
    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.services = bot.services
        self._hushed: dict[int, float] = {}  # user id -> end of the cooldown already shown

    def addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return False
        return any(user.id == me.id for user in message.mentions)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self.addressed(message):
            return
        services = self.services
        guild_id = message.guild.id if message.guild else None
        channel = await services.channel_settings(guild_id, message.channel.id)
        if not (channel.enabled and channel.answer_mentions):
            return
        question = question_from(message.content)
        request = services.begin("mention", question, guild_id=guild_id,
                                 channel_id=message.channel.id, user_id=message.author.id)
        try:
            async with tracking(request):
                hit = services.cooldowns.hit(message.author.id)
                if hit is not None:
                    raise app_commands.CommandOnCooldown(*hit)
                if not question:
                    raise QueryError(HELP)
                wanted = AskRequest.parse(services.settings, question)
                reading = await read_question(services.settings, self.bot, message.channel,
                                              wanted.question, wanted.filters)
                wanted = AskRequest(reading.question, reading.filters)
                _, pages = await run_ask(services, request, wanted)
                if reading.read_as is not None:
                    pages = render.read_as(pages, reading.read_as)
                thread = (await self.thread_for(message, wanted.question) if channel.threads
                          else None)
                await reply_to(message, pages, request_id=request.request_id, thread=thread,
                               timeout=services.settings.discord.view_timeout_seconds)
        except app_commands.CommandOnCooldown as exc:
            await self.refuse_quietly(message, exc.retry_after)
        except Exception as exc:  # noqa: BLE001 - classify() logs bugs with the traceback
            outcome = classify(exc, where="mention")
            try:
                await message.reply(outcome.text(), allowed_mentions=NO_MENTIONS,
                                    mention_author=False)
            except discord.HTTPException as send_error:
                log.warning("could not reply to a mention: %s", send_error)

    async def refuse_quietly(self, message: discord.Message, retry_after: float) -> None:
        """Over the cooldown: a ⏳ reaction on the mention, the first time in the window."""
        now = time.monotonic()
        user = message.author.id
        if self._hushed.get(user, 0.0) > now:
            return
        if len(self._hushed) >= 10_000:
            self._hushed = {u: t for u, t in self._hushed.items() if t > now}
        self._hushed[user] = now + retry_after
        try:
            await message.add_reaction(COOLDOWN_REACTION)
        except discord.HTTPException as exc:  # no Add Reactions permission: stay silent
            log.debug("could not react to a mention over the cooldown: %s", exc)

    async def thread_for(self, message: discord.Message, question: str) -> discord.Thread | None:
        """A new thread on the question (None where threads cannot be made: reply instead)."""
        if not isinstance(message.channel, discord.TextChannel):
            return None
        try:
            return await message.create_thread(name=render.thread_name(question))
        except discord.HTTPException as exc:
            log.info("cannot open a thread in %s (%s); replying in the channel",
                     message.channel.id, exc)
            return None


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(MentionsCog(bot))

"""Threads the bot opens for answers, and their first question read back from Discord itself.

Opening: a mention is answered in a new thread on the mention (``bot.exts.mentions``); a
public ``/ask`` or ``/search`` answer in a text channel with ``threads`` on opens a thread on
the answer (:func:`opens_thread`, :func:`open_thread`), whose embed footers first carry the
question and filters (:func:`mark_first`; the format is
:func:`bot.core.followup.context_footer`).

Reading: nothing about a conversation is stored. When a question is asked in a thread, the
thread is looked at (the interaction's channel, or ``GET /channels/{id}`` for a message in a
thread the client has not cached) and, if the bot owns it, its **starter message** is fetched
from the parent channel (``GET /channels/{parent}/messages/{thread id}``: a thread started
from a message has that message's id). The starter is the bot's own answer (its footer read
back with :func:`bot.core.followup.parse_context`) or a mention of the bot (read with
:func:`question_from`, the very function that read it the first time). The pure rule
(:func:`bot.core.followup.interpret`) then decides.

No context, and the question is answered on its own, when: the channel is not a thread; the
thread was not opened by the bot; the starter message was deleted (404) or cannot be fetched
(any other HTTP error, logged); the starter holds no question for the bot; or follow-ups are
turned off (``followups.enabled``). An archived thread is read like any other (fetching a
message does not need it open).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.app import render
from bot.app.client import SETTINGS_EXTRA
from bot.config import Settings
from bot.core.followup import (
    FirstQuestion,
    Reading,
    context_footer,
    parse_context,
    read_follow_up,
)
from bot.core.models import Filters
from bot.store.channels import ChannelSettings

log = logging.getLogger(__name__)

MENTION_SYNTAX = re.compile(r"<@[!&]?\d+>|<#\d+>")


def question_from(content: str) -> str:
    """A mention's text without mention tokens, whitespace collapsed."""
    return " ".join(MENTION_SYNTAX.sub(" ", content).split())


async def thread_of(client: discord.Client, channel: Any) -> discord.Thread | None:
    """``channel`` as a thread: itself, or fetched when the client only knows its id (a
    message in a thread it has not cached); None for anything else or a failed fetch."""
    if isinstance(channel, discord.Thread):
        return channel
    if not isinstance(channel, discord.PartialMessageable) or channel.guild_id is None:
        return None
    try:
        fetched = await client.fetch_channel(channel.id)
    except discord.HTTPException as exc:
        log.info("could not fetch channel %s to read its thread: %s", channel.id, exc)
        return None
    return fetched if isinstance(fetched, discord.Thread) else None


def starter_question(message: discord.Message, me: int) -> FirstQuestion | None:
    """The question of a thread's starter message: the bot's own answer (read from the
    context lines of its footer) or a mention of the bot (None: neither)."""
    if message.author.id == me:
        footer = message.embeds[0].footer.text if message.embeds else None
        return parse_context(footer) if footer else None
    if not any(user.id == me for user in message.mentions):
        return None
    question = question_from(message.content)
    return FirstQuestion(question) if question else None


async def first_question(client: discord.Client, channel: Any) -> FirstQuestion | None:
    """The first question of the bot's thread ``channel`` (None: no such context)."""
    me = client.user
    thread = await thread_of(client, channel)
    if me is None or thread is None or thread.owner_id != me.id:
        return None
    parent = client.get_partial_messageable(thread.parent_id, guild_id=thread.guild.id)
    try:
        starter = await parent.fetch_message(thread.id)
    except discord.NotFound:
        log.info("thread %s: its starter message is gone; answering on its own", thread.id)
        return None
    except discord.HTTPException as exc:
        log.warning("thread %s: could not fetch its starter message (%s); answering on its "
                    "own", thread.id, exc)
        return None
    return starter_question(starter, me.id)


async def read_question(settings: Settings, client: discord.Client, channel: Any,
                        question: str, own: Filters) -> Reading:
    """How to answer ``question`` (validated) asked in ``channel`` with the options
    ``own``: as a follow-up of the thread's first question, or as asked."""
    if not settings.followups.enabled:
        return Reading(question, own)  # not even a look at the thread
    return read_follow_up(settings, question, await first_question(client, channel), own)


def opens_thread(interaction: discord.Interaction[Any], ephemeral: bool) -> bool:
    """Whether a public answer to ``interaction`` opens a thread: the channel's ``threads``
    setting (as the gate read it) in a text channel (never in a thread, never private)."""
    settings = interaction.extras.get(SETTINGS_EXTRA)
    return (not ephemeral and isinstance(settings, ChannelSettings) and settings.threads
            and isinstance(interaction.channel, discord.TextChannel))


def mark_first(pages: list[discord.Embed], question: str, filters: Filters,
               ) -> list[discord.Embed]:
    """The pages of an answer that opens a thread, its question and filters in the footer."""
    return render.with_context(pages, context_footer(FirstQuestion(question, filters)))


async def open_thread(message: discord.Message, question: str) -> discord.Thread | None:
    """A thread on the bot's answer ``message`` (None where one cannot be made: logged)."""
    try:
        return await message.create_thread(name=render.thread_name(question))
    except (discord.HTTPException, ValueError) as exc:  # ValueError: no guild on it
        log.info("cannot open a thread on answer %s: %s", message.id, exc)
        return None

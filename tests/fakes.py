"""``spec_set`` fakes of discord.py objects, and real services over a tmp database.

Every fake is built with ``create_autospec(..., spec_set=True)``: a misspelt attribute or an
unknown keyword argument fails the test instead of passing silently. The fakes answer like
Discord would (``response.is_done()`` turns true once a response is sent) and remember every
call, so tests can check what would have gone out.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import discord

from bot.app.services import Services, make_executor
from bot.config import Settings, with_section
from bot.core.search import Archive
from bot.runtime.service import ArchiveService
from bot.store.channels import ChannelStore
from bot.store.db import open_database
from bot.store.querylog import QueryLog

_ids = itertools.count(1_100_000_000_000_000_000)

GUILD_ID = 900_000_000_000_000_001
CHANNEL_ID = 900_000_000_000_000_002
USER_ID = 900_000_000_000_000_003
OTHER_USER_ID = 900_000_000_000_000_004
BOT_ID = 900_000_000_000_000_005


def snowflake() -> int:
    return next(_ids)


def with_discord(settings: Settings, **changes: Any) -> Settings:
    return with_section(settings, "discord", **changes)


@asynccontextmanager
async def make_services(settings: Settings, archive: Archive) -> AsyncIterator[Services]:
    """Real Services: the given archive, a QueryLog and ChannelStore on ``querylog.path``."""
    db = await open_database(settings.querylog.path)
    q = settings.querylog
    querylog = QueryLog(db, hash_users=q.hash_users, batch_size=q.batch_size,
                        flush_interval=q.flush_interval_seconds, retention_days=q.retention_days)
    await querylog.start()
    executor = make_executor(2)
    services = Services(settings, ArchiveService(settings, archive), querylog,
                        ChannelStore(db), executor, db)
    try:
        yield services
    finally:
        await querylog.close()
        await db.close()
        executor.shutdown(wait=True)


class FakeNamespace(dict[str, Any]):
    """Stands in for ``app_commands.Namespace``: iterating yields ``(name, value)``."""

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(self.items())


def fake_user(user_id: int = USER_ID, *, bot: bool = False) -> Any:
    user = mock.create_autospec(discord.Member, instance=True, spec_set=True)
    user.id = user_id
    user.bot = bot
    return user


def fake_message(message_id: int | None = None) -> Any:
    message = mock.create_autospec(discord.Message, instance=True, spec_set=True)
    message.id = message_id or snowflake()
    return message


def fake_interaction(
    client: discord.Client,
    *,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    namespace: dict[str, Any] | None = None,
    command: Any = None,
) -> Any:
    """An application-command (or component) interaction that records what it sends."""
    interaction = mock.create_autospec(discord.Interaction, instance=True, spec_set=True)
    response = mock.create_autospec(discord.InteractionResponse, instance=True, spec_set=True)
    state = {"done": False}

    def respond(*args: Any, **kwargs: Any) -> None:
        if state["done"]:
            raise discord.InteractionResponded(interaction)
        state["done"] = True

    for name in ("defer", "send_message", "edit_message", "autocomplete"):
        getattr(response, name).side_effect = respond
    response.is_done.side_effect = lambda: state["done"]
    interaction.response = response
    interaction.followup = mock.create_autospec(discord.Webhook, instance=True, spec_set=True)
    interaction.user = fake_user(user_id)
    interaction.client = client
    interaction.extras = {}
    interaction.guild_id = guild_id
    interaction.channel_id = channel_id
    interaction.namespace = FakeNamespace(namespace or {})
    interaction.command = command
    interaction.id = snowflake()
    interaction.created_at = discord.utils.utcnow()
    interaction.expires_at = interaction.created_at + datetime.timedelta(minutes=15)
    interaction.is_expired.side_effect = lambda: discord.utils.utcnow() >= interaction.expires_at
    interaction.original_response.return_value = fake_message()
    interaction.edit_original_response.return_value = fake_message()
    return interaction


def fake_mention(
    bot_user: Any,
    content: str,
    *,
    author_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    text_channel: bool = True,
) -> Any:
    """A message that mentions ``bot_user`` (its content delivered, as Discord does)."""
    message = fake_message()
    message.content = content
    message.author = fake_user(author_id)
    message.mentions = [bot_user]
    message.webhook_id = None
    if guild_id is None:
        message.guild = None
    else:
        guild = mock.create_autospec(discord.Guild, instance=True, spec_set=True)
        guild.id = guild_id
        message.guild = guild
    kind = discord.TextChannel if text_channel else discord.Thread
    channel = mock.create_autospec(kind, instance=True, spec_set=True)
    channel.id = channel_id
    message.channel = channel
    message.reply.return_value = fake_message()
    thread = mock.create_autospec(discord.Thread, instance=True, spec_set=True)
    thread.id = snowflake()
    thread.send.return_value = fake_message()
    message.create_thread.return_value = thread
    return message


def message_calls(interaction: Any) -> list[tuple[str, dict[str, Any]]]:
    """(method, kwargs) of everything an interaction fake sent or edited."""
    out = []
    response = interaction.response
    for name in ("send_message", "edit_message"):
        out += [(name, c.kwargs) for c in getattr(response, name).await_args_list]
    out += [("edit_original_response", c.kwargs)
            for c in interaction.edit_original_response.await_args_list]
    out += [("followup.send", c.kwargs) for c in interaction.followup.send.await_args_list]
    return out


def no_pings(kwargs: dict[str, Any]) -> bool:
    mentions = kwargs.get("allowed_mentions")
    return isinstance(mentions, discord.AllowedMentions) and mentions.to_dict() == {"parse": []}


def bot_user(user_id: int = BOT_ID) -> Any:
    user = mock.create_autospec(discord.ClientUser, instance=True, spec_set=True)
    user.id = user_id
    user.bot = True
    return user


def seeds_settings(tmp: Path, base: Settings, **discord_changes: Any) -> Settings:
    settings = with_section(base, "querylog", path=tmp / "querylog.sqlite3",
                            flush_interval_seconds=0.01)
    return with_discord(settings, **discord_changes) if discord_changes else settings

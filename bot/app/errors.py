"""The one error handler: every failure of a command, a mention or a check ends here.

:func:`classify` maps an exception to what the user sees, by type:

* :class:`~bot.core.budget.WorkTooLargeError` (a request over its work budget): "That is
  too large to answer: ..." with what to do instead (logged at INFO: not a bug);
* :class:`~bot.app.scheduler.RequestExpiredError` (queued work dropped unrun: its
  interaction expired) and :class:`~bot.core.budget.WorkCancelledError` (shutting down);
* any other :class:`ArchiveBotError` (from the core): its own short message;
* :class:`~discord.app_commands.CommandOnCooldown`: "Try again in N s.";
* :class:`ChannelDisabled`: where the bot does work;
* :class:`~bot.app.permissions.NotAdmin`: who may use the admin commands;
* any other :class:`~discord.app_commands.CheckFailure`: a refusal;
* :class:`~discord.app_commands.CommandSignatureMismatch` (commands changed, not yet synced
  everywhere): "try again in a minute";
* anything else: a bug. It is logged with its traceback under a short random error id, which
  the user is shown and which is stored in the query's log row.

Slash commands reach it through :meth:`ArchiveTree.on_error <bot.app.client.ArchiveTree>`
(:func:`on_app_command_error`); mentions call :func:`classify` themselves. Replies to slash
commands are ephemeral; an interaction whose token has expired is not answered at all (no
call could reach Discord).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.app.permissions import NotAdmin
from bot.app.render import content, shorten
from bot.app.scheduler import RequestExpiredError
from bot.app.services import Request, new_error_id
from bot.app.views import (
    NO_MENTIONS,
    edit_or_follow_up,
    send_initial,
    services_of,
)
from bot.core.budget import WorkCancelledError, WorkTooLargeError
from bot.errors import ArchiveBotError

log = logging.getLogger(__name__)

_TAG = "_archive_bot_error_id"  # set on an exception whose log row is already written
QUERY_OPTIONS = ("query", "question", "topic", "text", "article", "speaker")


class ChannelDisabled(app_commands.CheckFailure):
    """A command used in a channel where the bot is turned off; the message says where
    it works (it names channels, so it is sent as is, not escaped)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    message: str
    error_id: str | None = None
    trusted: bool = False  # our own text (channel links): not escaped

    def text(self) -> str:
        return shorten(self.message, 2000) if self.trusted else content(self.message)


def unwrap(error: BaseException) -> BaseException:
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


def error_id_of(error: BaseException) -> str | None:
    value = getattr(unwrap(error), _TAG, None)
    return value if isinstance(value, str) and value else None


def is_expected(error: BaseException) -> bool:
    """A problem the user can act on, as opposed to a bug."""
    error = unwrap(error)
    return isinstance(error, ArchiveBotError | app_commands.CheckFailure)


def classify(error: BaseException, *, where: str) -> Outcome:
    """What to tell the user about ``error``; unexpected errors are logged here, once."""
    original = unwrap(error)
    if isinstance(original, WorkTooLargeError):
        log.info("%s refused as too large: %s", where, original)
        return Outcome(str(original))
    if isinstance(original, RequestExpiredError | WorkCancelledError):
        log.info("%s not answered: %s", where, original)
        return Outcome(str(original))
    if isinstance(original, ArchiveBotError):
        return Outcome(str(original) or "That request cannot be answered.")
    if isinstance(original, app_commands.CommandOnCooldown):
        return Outcome(f"Try again in {max(1, math.ceil(original.retry_after))} s.")
    if isinstance(original, ChannelDisabled):
        return Outcome(str(original), trusted=True)
    if isinstance(original, app_commands.NoPrivateMessage):
        return Outcome("This command only works in a server.")
    if isinstance(original, NotAdmin):
        return Outcome(str(original))
    if isinstance(original, app_commands.CheckFailure):
        return Outcome("You are not allowed to use this command here.")
    if isinstance(original, app_commands.CommandSignatureMismatch):
        log.warning("%s: Discord has an outdated copy of the command", where)
        return Outcome("This command was just updated; please try again in a minute.")
    error_id = error_id_of(original) or new_error_id()
    log.error("unexpected error in %s (error id %s)", where, error_id,
              exc_info=(type(original), original, original.__traceback__))
    return Outcome(
        f"Something went wrong on my side (error id {error_id}). "
        "Please try again; if it keeps happening, give the id to an admin.",
        error_id,
    )


def _tag(error: BaseException, error_id: str) -> None:
    try:
        setattr(error, _TAG, error_id)
    except (AttributeError, TypeError):  # pragma: no cover - exotic exception types
        log.debug("cannot tag %r with its error id", error)


def bind_interaction(request: Request, interaction: discord.Interaction[Any]) -> None:
    """CPU work for ``request`` is worth starting only while ``interaction`` can still be
    answered (its token lasts 15 minutes from its creation)."""
    left = (interaction.expires_at - discord.utils.utcnow()).total_seconds()
    request.expires_at = min(request.expires_at, time.monotonic() + left)
    request.answerable = lambda: not interaction.is_expired()


@asynccontextmanager
async def tracking(
    request: Request, interaction: discord.Interaction[Any] | None = None
) -> AsyncIterator[Request]:
    """Write ``request``'s log row when the block ends. On an exception the row gets the
    error id (unexpected errors only) and the exception is tagged with it, so the handler
    shows the same id and does not write a second row. Within the block ``request`` is the
    current request (its user owns the CPU work started there), bound to ``interaction``
    when given (see :func:`bind_interaction`)."""
    if interaction is not None:
        bind_interaction(request, interaction)
    try:
        with request.current():
            yield request
    except Exception as exc:
        expected = is_expected(exc)
        error_id = "" if expected else new_error_id()
        _tag(exc, error_id)
        # An expected error is a refusal (bad option, cooldown, disabled channel, no rights):
        # marked so, it never shows up among the archive's gaps.
        request.finish(error_id or None, refused=expected)
        raise
    else:
        request.finish()


def query_of(interaction: discord.Interaction[Any]) -> tuple[str, dict[str, Any]]:
    """The query text and the other options of an interaction (for a log row)."""
    try:
        options = {name: value for name, value in interaction.namespace}
    except Exception:  # noqa: BLE001 - a namespace is best effort for logging
        options = {}
    query = next((str(options[k]) for k in QUERY_OPTIONS if options.get(k)), "")
    rest = {k: v if isinstance(v, str | int | float | bool) else str(v)
            for k, v in options.items() if k not in QUERY_OPTIONS or str(v) != query}
    return query, rest


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral reply whether or not the interaction was already deferred, outlasting
    rate limits like :func:`~bot.app.views.respond`; nothing when the token has expired."""
    if interaction.is_expired():
        log.info("interaction %s expired; the reply %r cannot be sent", interaction.id, text)
        return
    try:
        if not interaction.response.is_done():
            async def send() -> None:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_MENTIONS
                )

            await send_initial(interaction, send)
        elif interaction.extras.get("ephemeral", True):
            await edit_or_follow_up(interaction, ephemeral=True, content=text, embed=None,
                                    view=None)
        else:
            # A public "thinking..." response: remove it so the notice can be private.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.debug("could not delete the deferred response: %s", exc)
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("could not send an error reply: %s", exc)


async def on_app_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """The command tree's error handler (see the module docstring)."""
    command = interaction.command.qualified_name if interaction.command else "unknown"
    outcome = classify(error, where=f"/{command}")
    if getattr(unwrap(error), _TAG, None) is None:
        # Failed before the command body ran (checks, cooldown, option conversion).
        query, options = query_of(interaction)
        try:
            request = services_of(interaction.client).begin(
                command, query, guild_id=interaction.guild_id,
                channel_id=interaction.channel_id, user_id=interaction.user.id,
                filters=options,
            )
            request.finish(outcome.error_id, refused=outcome.error_id is None)
        except Exception:
            log.exception("could not log the failed /%s", command)
    await send_ephemeral(interaction, outcome.text())

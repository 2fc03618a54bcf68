"""Views whose buttons stop on a timeout: disabled, by editing the message they are on.

:class:`ItemsView` carries a single page's extra buttons (e.g. "Export CSV", beside the
feedback buttons); the paginator (:mod:`bot.app.views`) disables its own the same way, with
:func:`disable_on_timeout`. Buttons that are not dispatchable (the feedback twins, handled by
their custom_id pattern for as long as the message exists) stay enabled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


async def disable_on_timeout(view: discord.ui.View, message: discord.Message | None) -> None:
    """A timed-out view's own buttons (paging, export) disabled, by editing its message."""
    for item in view.children:
        if isinstance(item, discord.ui.Button) and item.is_dispatchable():
            item.disabled = True
    if message is None:
        return
    try:
        await message.edit(view=view, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.debug("could not disable the buttons of message %s: %s", message.id, exc)


class ItemsView(discord.ui.View):
    """A single page's buttons, disabled on timeout (``message`` set once it is sent)."""

    message: discord.Message | None

    def __init__(self, items: Sequence[discord.ui.Item[Any]], *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.message = None
        for item in items:
            self.add_item(item)

    async def on_timeout(self) -> None:
        await disable_on_timeout(self, self.message)

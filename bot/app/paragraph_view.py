"""The "Show paragraph" button under an ``/ask`` answer: the cited paragraph, one click away.

Like the feedback buttons (:mod:`bot.app.views`), it is a :class:`~discord.ui.DynamicItem`
(:class:`ShowParagraphButton`, registered once on the bot) whose ``custom_id``
(``sp:<paragraph>:<doc_id>``) carries everything a click needs, so it works as long as the
message exists; the copy sent in the message is untracked (:class:`_ShowTwin`), so a timed
out paginator cannot unregister it. A click replies ephemerally with the paragraph as the
current index holds it (escaped, no mentions), or says it is no longer in the archive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Self

import discord

from bot.app.render import CUSTOM_ID_MAX, DESCRIPTION_MAX, TITLE_MAX, escape, oneline, shorten
from bot.app.views import (
    NO_MENTIONS,
    Paginator,
    build_view,
    edit_or_follow_up,
    send_initial,
    services_of,
)
from bot.core.models import Citation

log = logging.getLogger(__name__)

SHOW_TEMPLATE = r"sp:(?P<para>[0-9]{1,9}):(?P<doc>.+)"
LABEL = "Show paragraph"
GONE = "That paragraph is no longer in the archive (it was reindexed since)."


def show_custom_id(citation: Citation) -> str | None:
    """The button's ``custom_id`` for ``citation`` (None when the doc_id is too long)."""
    custom_id = f"sp:{citation.paragraph}:{citation.doc_id}"
    if len(custom_id) > CUSTOM_ID_MAX or not re.fullmatch(SHOW_TEMPLATE, custom_id, re.S):
        return None
    return custom_id


def _fields(custom_id: str) -> dict[str, Any]:
    return {"label": LABEL, "emoji": "📄", "style": discord.ButtonStyle.secondary,
            "custom_id": custom_id, "row": 1}


class _ShowTwin(discord.ui.Button[discord.ui.View]):
    """The button as sent: rendered, not tracked (clicks go to :class:`ShowParagraphButton`
    by its custom_id pattern)."""

    def is_dispatchable(self) -> bool:
        return False


def show_button(citation: Citation) -> discord.ui.Button[discord.ui.View] | None:
    custom_id = show_custom_id(citation)
    return _ShowTwin(**_fields(custom_id)) if custom_id else None


def paragraph_embed(citation: Citation, text: str) -> discord.Embed:
    title = shorten(escape(oneline(citation.label())), TITLE_MAX)
    return discord.Embed(title=title, description=shorten(escape(text), DESCRIPTION_MAX))


class ShowParagraphButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=SHOW_TEMPLATE
):
    """Replies, to whoever clicks, privately, with the paragraph the custom_id names."""

    def __init__(self, doc_id: str, paragraph: int) -> None:
        custom_id = f"sp:{paragraph}:{doc_id}"
        super().__init__(discord.ui.Button(**_fields(custom_id)))
        self.doc_id = doc_id
        self.paragraph = paragraph

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["doc"], int(match["para"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        index = services_of(interaction.client).archive.current.index
        found = index.doc_lookup.get(self.doc_id)
        doc = index.docs[found] if found is not None else None
        if doc is None or not 1 <= self.paragraph <= doc.count:
            await interaction.response.send_message(GONE, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        text = index.text(doc.first + self.paragraph - 1)
        cite = Citation(doc.doc_id, doc.title, doc.source, doc.date, self.paragraph, doc.url)
        await interaction.response.send_message(embed=paragraph_embed(cite, text),
                                                ephemeral=True, allowed_mentions=NO_MENTIONS)


async def respond_with_paragraph(
    interaction: discord.Interaction[Any],
    pages: Sequence[discord.Embed],
    citation: Citation | None,
    *,
    timeout: float,
    request_id: str | None = None,
    ephemeral: bool = False,
) -> discord.Message:
    """:func:`bot.app.views.respond`, with a "Show paragraph" button for ``citation``."""
    view = build_view(pages, owner_id=interaction.user.id, timeout=timeout, request_id=request_id)
    button = show_button(citation) if citation is not None else None
    if button is not None:
        if view is None:
            view = discord.ui.View(timeout=None)
        view.add_item(button)
    message: discord.Message
    if interaction.response.is_done():
        fields: dict[str, Any] = {"embed": pages[0]}
        if view is not None:
            fields["view"] = view
        message = await edit_or_follow_up(interaction, ephemeral=ephemeral, **fields)
    else:
        async def send() -> None:
            if view is None:
                await interaction.response.send_message(
                    embed=pages[0], ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    embed=pages[0], view=view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)

        await send_initial(interaction, send)
        message = await interaction.original_response()
    if isinstance(view, Paginator):
        view.message = message
    return message

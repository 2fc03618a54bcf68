"""Buttons: Previous/Next paging and "Was this helpful?" feedback, and sending pages.

Paging is a :class:`Paginator` view with a timeout (``view_timeout_seconds``): only the
asker may page; on timeout it disables its paging buttons by editing the message.

Feedback is a :class:`FeedbackButton` :class:`~discord.ui.DynamicItem`, registered once on the
bot: the ``custom_id`` (``fb:+:<request_id>:<user_id>``) carries everything a click needs, so
clicks work for as long as the message exists — past the paginator's timeout and across
restarts — and land on the query's log row via ``QueryLog.record_feedback``. The buttons put in
messages are :class:`_FeedbackTwin` copies that the view store does not track: a timed-out
view unregisters the dynamic-item patterns it holds (discord.py's ``ViewStore.remove_view``),
which would silently kill feedback on every other message.

Rate limits: discord.py retries a 429 five times (sleeping ``retry_after`` each time), then
raises. The interaction's initial response (the callback) is then tried again for as long as
Discord's 3-second window for it lasts (:func:`retry_initial`); once acknowledged, an answer
whose edit of the original response keeps failing with 429 is sent as a follow-up message
instead (another webhook route), for as long as the 15-minute token lasts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, TypeVar

import discord

from bot.app.itemviews import ItemsView, disable_on_timeout
from bot.app.render import CUSTOM_ID_MAX
from bot.app.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")

NO_MENTIONS = discord.AllowedMentions.none()
ACK_WINDOW_SECONDS = 3.0  # Discord's deadline for an interaction's initial response
ACK_MARGIN_SECONDS = 0.25  # what a retry needs to reach Discord before that deadline
DEFAULT_RETRY_AFTER = 0.5
ONLY_ASKER = "Only the person who asked can page through these results."
ONLY_ASKER_FEEDBACK = "Only the person who asked can rate this answer."
FEEDBACK_TEMPLATE = r"fb:(?P<sign>[+-]):(?P<rid>[0-9a-f]{32}):(?P<uid>[0-9]{1,20})"


def services_of(client: discord.Client) -> Services:
    services = getattr(client, "services", None)
    if not isinstance(services, Services):
        raise RuntimeError("this client carries no archive services")
    return services


def feedback_custom_id(request_id: str, owner_id: int, positive: bool) -> str:
    custom_id = f"fb:{'+' if positive else '-'}:{request_id}:{owner_id}"
    if len(custom_id) > CUSTOM_ID_MAX or not re.fullmatch(FEEDBACK_TEMPLATE, custom_id):
        raise ValueError(f"cannot build a feedback custom_id from {request_id!r}")
    return custom_id


def _feedback_button(request_id: str, owner_id: int, positive: bool) -> dict[str, Any]:
    return {
        "label": "Helpful" if positive else "Not helpful",
        "emoji": "👍" if positive else "👎",
        "style": discord.ButtonStyle.success if positive else discord.ButtonStyle.secondary,
        "custom_id": feedback_custom_id(request_id, owner_id, positive),
        "row": 1,
    }


class _FeedbackTwin(discord.ui.Button[discord.ui.View]):
    """A feedback button as sent: rendered, but not tracked by the view store (clicks are
    dispatched to :class:`FeedbackButton` by its custom_id pattern)."""

    def is_dispatchable(self) -> bool:
        return False


def feedback_buttons(request_id: str, owner_id: int) -> list[discord.ui.Button[discord.ui.View]]:
    return [_FeedbackTwin(**_feedback_button(request_id, owner_id, sign)) for sign in (True, False)]


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=FEEDBACK_TEMPLATE
):
    """Handles a 👍/👎 click on any answer, from the custom_id alone."""

    def __init__(self, request_id: str, owner_id: int, positive: bool) -> None:
        super().__init__(discord.ui.Button(**_feedback_button(request_id, owner_id, positive)))
        self.request_id = request_id
        self.owner_id = owner_id
        self.positive = positive

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["rid"], int(match["uid"]), match["sign"] == "+")

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            ONLY_ASKER_FEEDBACK, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            services = services_of(interaction.client)
            known = await services.querylog.record_feedback(
                self.request_id, 1 if self.positive else -1
            )
        except Exception:
            log.exception("feedback for %s could not be recorded", self.request_id)
            known = None
        if known is None:
            text = "Sorry, your feedback could not be recorded."
        elif known:
            text = "Thanks for the feedback!"
        else:
            text = "That answer is no longer in the log, so it cannot be rated."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


class FeedbackView(discord.ui.View):
    """Just the two feedback buttons (a single-page answer)."""

    def __init__(self, request_id: str, owner_id: int) -> None:
        super().__init__(timeout=None)
        for button in feedback_buttons(request_id, owner_id):
            self.add_item(button)


class Paginator(discord.ui.View):
    """Previous/Next over embed pages, for the asker only; buttons disabled on timeout."""

    message: discord.Message | None

    def __init__(
        self,
        pages: Sequence[discord.Embed],
        *,
        owner_id: int,
        timeout: float,
        request_id: str | None = None,
        extra: Sequence[discord.ui.Item[Any]] = (),
    ) -> None:
        super().__init__(timeout=timeout)
        if not pages:
            raise ValueError("a paginator needs at least one page")
        self.extra_ids: set[str] = set()
        for item in extra:  # e.g. "Export CSV": checks its own clicks
            self.add_item(item)
            if isinstance(item, discord.ui.Button) and item.custom_id:
                self.extra_ids.add(item.custom_id)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self.message = None
        if request_id is not None:
            for button in feedback_buttons(request_id, owner_id):
                self.add_item(button)
        self._sync()

    @property
    def paging_buttons(self) -> tuple[discord.ui.Button[Self], discord.ui.Button[Self]]:
        return (self.previous, self.next)

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.user.id == self.owner_id or data.get("custom_id") in self.extra_ids:
            return True
        await interaction.response.send_message(
            ONLY_ASKER, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return False

    async def show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(
            embed=self.pages[self.index], view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary, row=0)
    async def previous(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Self]
    ) -> None:
        await self.show(interaction, self.index - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary, row=0)
    async def next(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Self]
    ) -> None:
        await self.show(interaction, self.index + 1)

    async def on_timeout(self) -> None:
        await disable_on_timeout(self, self.message)


def build_view(
    pages: Sequence[discord.Embed], *, owner_id: int, timeout: float, request_id: str | None,
    extra: Sequence[discord.ui.Item[Any]] = (),
) -> discord.ui.View | None:
    if len(pages) > 1:
        return Paginator(pages, owner_id=owner_id, timeout=timeout, request_id=request_id,
                         extra=extra)
    if extra:
        feedback = feedback_buttons(request_id, owner_id) if request_id is not None else []
        return ItemsView([*extra, *feedback], timeout=timeout)
    if request_id is not None:
        return FeedbackView(request_id, owner_id)
    return None


def rate_limited(error: BaseException) -> bool:
    """A 429 that discord.py gave up retrying."""
    return isinstance(error, discord.HTTPException) and error.status == 429


def retry_after(error: discord.HTTPException) -> float:
    """Seconds Discord asked us to wait, from the 429's headers."""
    headers = getattr(error.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = headers.get(name)
        try:
            return max(0.0, float(str(value)))
        except ValueError:
            continue
    return DEFAULT_RETRY_AFTER


def ack_window_left(interaction: discord.Interaction[Any]) -> float:
    """Seconds left for the initial response (by the interaction's own creation time)."""
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return ACK_WINDOW_SECONDS - age


async def send_initial(
    interaction: discord.Interaction[Any], send: Callable[[], Awaitable[None]]
) -> None:
    """``await send()``, the interaction's first response; when Discord rate-limits it, tried
    again by :func:`retry_initial` while the interaction can still be acknowledged."""
    try:
        await send()
    except discord.HTTPException as error:
        if not rate_limited(error) or interaction.response.is_done():
            raise
        await retry_initial(interaction, send, error)


async def retry_initial(
    interaction: discord.Interaction[Any],
    send: Callable[[], Awaitable[T]],
    error: discord.HTTPException,
) -> T:
    """Send the initial response again after ``error`` (a 429 discord.py gave up on), as
    told by its ``retry_after``, while Discord's 3-second window lasts; past it the token is
    void and ``error`` is raised."""
    while True:
        wait = retry_after(error)
        if ack_window_left(interaction) - wait < ACK_MARGIN_SECONDS:
            raise error
        log.info("interaction %s: callback rate limited; retrying in %.2f s",
                 interaction.id, wait)
        await asyncio.sleep(wait)  # Discord's retry_after: a rate limit, not synchronisation
        try:
            return await send()
        except discord.HTTPException as again:
            if not rate_limited(again) or interaction.response.is_done():
                raise
            error = again


async def acknowledge(
    interaction: discord.Interaction[Any], defer: Callable[[], Awaitable[bool]]
) -> bool:
    """``await defer()``: a cog's deferral, which returns the ephemeral flag it deferred with
    (also left in ``interaction.extras["ephemeral"]``). When it fails for rate limits the
    deferral is retried by :func:`retry_initial`; the answer then goes through the webhook
    as usual."""
    try:
        return await defer()
    except discord.HTTPException as error:
        if not rate_limited(error) or interaction.response.is_done():
            raise
        ephemeral = bool(interaction.extras.get("ephemeral", False))
        await retry_initial(
            interaction,
            lambda: interaction.response.defer(ephemeral=ephemeral, thinking=True),
            error,
        )
        return ephemeral


async def edit_or_follow_up(
    interaction: discord.Interaction[Any],
    *,
    ephemeral: bool,
    **fields: Any,
) -> discord.Message:
    """Edit the (deferred) original response with ``fields``; if that keeps failing for
    rate limits, send them as a follow-up message instead (while the token lasts)."""
    try:
        return await interaction.edit_original_response(**fields, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        if not rate_limited(error) or interaction.is_expired():
            raise
        log.warning("interaction %s: editing the response is rate limited; answering by a "
                    "follow-up message", interaction.id)
    message: discord.Message = await interaction.followup.send(
        **{k: v for k, v in fields.items() if v is not None},  # None: "remove" in an edit
        ephemeral=ephemeral, wait=True, allowed_mentions=NO_MENTIONS)
    return message


async def respond(
    interaction: discord.Interaction[Any],
    pages: Sequence[discord.Embed],
    *,
    timeout: float,
    request_id: str | None = None,
    ephemeral: bool = False,
    extra: Sequence[discord.ui.Item[Any]] = (),
) -> discord.Message:
    """Send the first page (editing the deferred response, if any) with its buttons (and the
    ``extra`` ones); rate limits are outlasted as the module docstring says."""
    view = build_view(pages, owner_id=interaction.user.id, timeout=timeout, request_id=request_id,
                      extra=extra)
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
                    embed=pages[0], ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    embed=pages[0], view=view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
                )

        await send_initial(interaction, send)
        message = await interaction.original_response()
    if isinstance(view, Paginator | ItemsView):
        view.message = message
    return message


async def reply_to(
    message: discord.Message,
    pages: Sequence[discord.Embed],
    *,
    timeout: float,
    request_id: str | None = None,
    thread: discord.abc.Messageable | None = None,
) -> discord.Message:
    """Answer a message: a reply in its channel, or a plain message in ``thread``."""
    view = build_view(pages, owner_id=message.author.id, timeout=timeout, request_id=request_id)
    if thread is not None:
        if view is None:
            sent = await thread.send(embed=pages[0], allowed_mentions=NO_MENTIONS)
        else:
            sent = await thread.send(embed=pages[0], view=view, allowed_mentions=NO_MENTIONS)
    elif view is None:
        sent = await message.reply(
            embed=pages[0], allowed_mentions=NO_MENTIONS, mention_author=False
        )
    else:
        sent = await message.reply(
            embed=pages[0], view=view, allowed_mentions=NO_MENTIONS, mention_author=False
        )
    if isinstance(view, Paginator):
        view.message = sent
    return sent

"""Views: only the asker pages, timeouts disable the buttons, feedback clicks are recorded."""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.app.client import ArchiveBot
from bot.app.services import Services
from bot.app.views import (
    FEEDBACK_TEMPLATE,
    ONLY_ASKER,
    ONLY_ASKER_FEEDBACK,
    FeedbackButton,
    FeedbackView,
    Paginator,
    acknowledge,
    feedback_custom_id,
    respond,
)
from bot.config import Settings
from bot.core.search import Archive
from bot.store import views as logviews
from bot.store.querylog import QueryRecord
from tests.fakes import (
    OTHER_USER_ID,
    USER_ID,
    fake_interaction,
    fake_message,
    make_services,
    message_calls,
    no_pings,
    seeds_settings,
)


@pytest.fixture
async def services(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive
) -> AsyncIterator[Services]:
    async with make_services(seeds_settings(tmp_path, seed_settings), seed_archive) as s:
        yield s


@pytest.fixture
async def bot(services: Services) -> AsyncIterator[ArchiveBot]:
    client = ArchiveBot(services, extensions=[])
    yield client
    await client.close()


def pages(n: int) -> list[discord.Embed]:
    return [discord.Embed(title=f"page {i}", description=f"text {i}") for i in range(1, n + 1)]


def custom_ids(view: discord.ui.View) -> list[str]:
    return [str(getattr(item, "custom_id", "")) for item in view.children]


async def test_only_the_asker_can_page(bot: ArchiveBot) -> None:
    view = Paginator(pages(3), owner_id=USER_ID, timeout=60)
    stranger = fake_interaction(bot, user_id=OTHER_USER_ID)
    assert await view.interaction_check(stranger) is False
    stranger.response.send_message.assert_awaited_once()
    call = stranger.response.send_message.await_args
    assert call.args == (ONLY_ASKER,) and call.kwargs["ephemeral"] is True
    assert no_pings(call.kwargs)
    assert view.index == 0

    asker = fake_interaction(bot, user_id=USER_ID)
    assert await view.interaction_check(asker) is True
    await view.show(asker, 1)
    kwargs = asker.response.edit_message.await_args.kwargs
    assert kwargs["embed"].title == "page 2" and kwargs["view"] is view and no_pings(kwargs)
    assert not view.previous.disabled and not view.next.disabled
    view.stop()


async def test_paging_stops_at_the_ends(bot: ArchiveBot) -> None:
    view = Paginator(pages(2), owner_id=USER_ID, timeout=60)
    assert view.previous.disabled and not view.next.disabled
    await view.show(fake_interaction(bot), 5)
    assert view.index == 1 and view.next.disabled and not view.previous.disabled
    view.stop()


async def test_timeout_disables_paging_buttons_by_editing(bot: ArchiveBot) -> None:
    view = Paginator(pages(3), owner_id=USER_ID, timeout=0.05, request_id="a" * 32)
    message = fake_message()
    edited = asyncio.Event()
    message.edit.side_effect = lambda *args, **kwargs: edited.set()
    view.message = message
    bot._connection.store_view(view, message.id)  # what sending the message does
    assert await asyncio.wait_for(view.wait(), 5) is True  # timed out
    await asyncio.wait_for(edited.wait(), 5)
    message.edit.assert_awaited_once()
    kwargs = message.edit.await_args.kwargs
    assert kwargs["view"] is view and no_pings(kwargs)
    assert view.previous.disabled and view.next.disabled
    feedback = [i for i in view.children if str(getattr(i, "custom_id", "")).startswith("fb:")]
    assert len(feedback) == 2 and not any(getattr(b, "disabled", True) for b in feedback)


async def test_feedback_pattern_survives_a_paginator_timeout(bot: ArchiveBot) -> None:
    """A timed-out view must not unregister the feedback DynamicItem for everyone."""
    bot.add_dynamic_items(FeedbackButton)
    store = bot._connection._view_store
    pattern = FeedbackButton.__discord_ui_compiled_template__
    view = Paginator(pages(2), owner_id=USER_ID, timeout=0.05, request_id="b" * 32)
    bot._connection.store_view(view, fake_message().id)
    assert await asyncio.wait_for(view.wait(), 5) is True
    assert pattern in store._dynamic_items


def test_custom_ids_and_labels_within_limits() -> None:
    view = Paginator(pages(2), owner_id=2**64 - 1, timeout=10, request_id="c" * 32)
    for item in view.children:
        assert isinstance(item, discord.ui.Button)
        assert len(item.custom_id or "") <= 100 and len(item.label or "") <= 80
    ids = custom_ids(view)
    assert f"fb:+:{'c' * 32}:{2**64 - 1}" in ids and f"fb:-:{'c' * 32}:{2**64 - 1}" in ids
    assert all(re.fullmatch(FEEDBACK_TEMPLATE, i) for i in ids if i.startswith("fb:"))
    single = FeedbackView("d" * 32, 5)
    assert single.timeout is None and len(single.children) == 2
    with pytest.raises(ValueError, match="custom_id"):
        feedback_custom_id("not-a-request-id", 1, True)


async def test_feedback_click_is_recorded(bot: ArchiveBot, services: Services) -> None:
    rec = QueryRecord(command="ask", query="who?", user_id=USER_ID)
    services.querylog.record(rec)
    await services.querylog.flush()
    custom_id = feedback_custom_id(rec.request_id, USER_ID, False)
    match = re.fullmatch(FEEDBACK_TEMPLATE, custom_id)
    assert match is not None

    click = fake_interaction(bot, user_id=USER_ID)
    item = await FeedbackButton.from_custom_id(click, discord.ui.Button(), match)
    assert await item.interaction_check(click) is True
    await item.callback(click)
    kwargs = click.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True and no_pings(kwargs)
    assert services.db is not None
    (row,) = await logviews.recent(services.db)
    assert row.request_id == rec.request_id and row.feedback == -1


async def test_feedback_from_someone_else_is_refused(bot: ArchiveBot, services: Services) -> None:
    rec = QueryRecord(command="ask", query="who?", user_id=USER_ID)
    services.querylog.record(rec)
    match = re.fullmatch(FEEDBACK_TEMPLATE, feedback_custom_id(rec.request_id, USER_ID, True))
    assert match is not None
    click = fake_interaction(bot, user_id=OTHER_USER_ID)
    item = await FeedbackButton.from_custom_id(click, discord.ui.Button(), match)
    assert await item.interaction_check(click) is False
    assert click.response.send_message.await_args.args == (ONLY_ASKER_FEEDBACK,)
    await services.querylog.flush()
    assert services.db is not None
    (row,) = await logviews.recent(services.db)
    assert row.feedback is None


async def test_respond_after_defer_edits_the_original(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    await interaction.response.defer(thinking=True)
    message = await respond(interaction, pages(2), timeout=30, request_id="e" * 32)
    ((name, kwargs),) = message_calls(interaction)
    assert name == "edit_original_response" and no_pings(kwargs)
    view = kwargs["view"]
    assert isinstance(view, Paginator) and view.message is message
    view.stop()


async def test_respond_without_defer_sends(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    await respond(interaction, pages(1), timeout=30, ephemeral=True)
    ((name, kwargs),) = message_calls(interaction)
    assert name == "send_message" and kwargs["ephemeral"] is True and no_pings(kwargs)
    assert "view" not in kwargs


# -- rate limits on the respond paths ------------------------------------------------------


def rate_limited_error(retry_after: float = 0.01) -> discord.HTTPException:
    response = SimpleNamespace(status=429, reason="Too Many Requests",
                               headers={"X-RateLimit-Reset-After": str(retry_after)})
    return discord.HTTPException(response, {"message": "You are being rate limited.",  # type: ignore[arg-type]
                                            "retry_after": retry_after, "global": False})


def fail_first(mocked: Any, times: int = 1) -> None:
    """``mocked`` raises a 429 (as discord.py does after its five tries) ``times`` times."""
    then = mocked.side_effect
    left = {"n": times}

    def call(*args: Any, **kwargs: Any) -> Any:
        if left["n"]:
            left["n"] -= 1
            raise rate_limited_error()
        return then(*args, **kwargs) if then is not None else None

    mocked.side_effect = call


async def test_a_rate_limited_deferral_is_tried_again_within_the_window(
        bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    interaction.extras["ephemeral"] = True
    fail_first(interaction.response.defer, times=2)

    async def defer() -> bool:
        await interaction.response.defer(ephemeral=True, thinking=True)
        return True

    assert await acknowledge(interaction, defer) is True
    assert interaction.response.is_done()
    assert interaction.response.defer.await_count == 3
    assert interaction.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}


async def test_past_the_three_seconds_the_rate_limit_is_raised(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    interaction.created_at = discord.utils.utcnow() - datetime.timedelta(seconds=5)
    fail_first(interaction.response.defer)

    async def defer() -> bool:
        await interaction.response.defer(ephemeral=False, thinking=True)
        return False

    with pytest.raises(discord.HTTPException) as raised:
        await acknowledge(interaction, defer)
    assert raised.value.status == 429 and interaction.response.defer.await_count == 1


async def test_a_rate_limited_edit_becomes_a_follow_up(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    await interaction.response.defer(ephemeral=False, thinking=True)
    fail_first(interaction.edit_original_response)
    sent = fake_message()
    interaction.followup.send.return_value = sent
    message = await respond(interaction, pages(2), timeout=60, request_id="ab" * 16)
    assert message is sent
    kwargs = interaction.followup.send.await_args.kwargs
    assert kwargs["embed"].title == "page 1" and isinstance(kwargs["view"], Paginator)
    assert kwargs["wait"] is True and kwargs["ephemeral"] is False and no_pings(kwargs)
    assert kwargs["view"].message is sent
    kwargs["view"].stop()


async def test_a_rate_limited_direct_answer_is_sent_again(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    fail_first(interaction.response.send_message)
    await respond(interaction, pages(1), timeout=60)
    assert interaction.response.send_message.await_count == 2
    assert interaction.response.is_done()


async def test_other_errors_are_not_retried(bot: ArchiveBot) -> None:
    interaction = fake_interaction(bot)
    await interaction.response.defer(ephemeral=False, thinking=True)
    forbidden = discord.HTTPException(
        SimpleNamespace(status=403, reason="Forbidden", headers={}), "no")  # type: ignore[arg-type]
    interaction.edit_original_response.side_effect = forbidden
    with pytest.raises(discord.HTTPException):
        await respond(interaction, pages(1), timeout=60)
    interaction.followup.send.assert_not_awaited()

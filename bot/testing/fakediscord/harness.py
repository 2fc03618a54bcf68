"""Run a real discord.py client against a FakeDiscord for the duration of a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import discord

    from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound="discord.Client")


@contextlib.asynccontextmanager
async def run_client(fake: FakeDiscord, client: ClientT, token: str = "x.y.z", *,
                     ready_timeout: float = 10.0) -> AsyncIterator[ClientT]:
    """Start `client.start(token)` in a task, wait until the fake sent READY + GUILD_CREATE
    (failing fast if the client dies first), yield, then close the client and await its task.

    discord.py must already point at the fake (FakeDiscord.redirect_discord_py() or the bot's
    own configuration).
    """
    since = fake.mark()
    task = asyncio.create_task(client.start(token), name="fakediscord-client")
    ready = asyncio.create_task(fake.wait_for_ready(timeout=ready_timeout, since=since))
    try:
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # re-raise the client's error
            raise RuntimeError("the client stopped before READY")
        ready.result()
        yield client
    finally:
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError, AssertionError):
            await ready
        await client.close()
        if not task.done():
            await asyncio.wait_for(task, timeout=10)
        elif not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]

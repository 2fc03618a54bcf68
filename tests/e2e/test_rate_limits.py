"""Rate limits on both sides: a user over the cooldown cannot make the bot post in a channel,
and Discord's 429s on an interaction do not leave the user without an answer."""

from __future__ import annotations

import re

from bot.testing.fakediscord import FakeDiscord
from tests.e2e.botproc import answer_of, citations, query_rows, text_of
from tests.e2e.conftest import StartBot

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
EDIT = r"^/webhooks/\d+/[^/]+/messages/@original$"
QUESTION = "How many civilians were killed in ten days of air strikes?"
ERROR_ID = re.compile(r"error id [0-9a-f]{8}")


async def test_mentions_over_the_cooldown_post_nothing(fake: FakeDiscord,
                                                       start_bot: StartBot) -> None:
    bot = await start_bot(discord={"cooldown_rate": 1, "cooldown_seconds": 600})
    channel = fake.world.channel_id
    posts = rf"^/channels/{channel}/messages$"
    first = await fake.send_message_create("Who threatened the Syrian opposition?",
                                           mention_bot=True)
    await fake.wait_for_request("POST", posts, predicate=lambda r: r.ok)  # answered
    since = fake.mark()
    spam = [await fake.send_message_create(f"Who threatened the opposition? ({i})",
                                           mention_bot=True) for i in range(5)]
    reaction = await fake.wait_for_request("PUT", r"/reactions/", since=since)
    assert f"/messages/{spam[0]['id']}/reactions/" in reaction.path
    assert await bot.terminate() == 0  # every mention handled before the exit

    public = [r for r in fake.requests_matching("POST", posts) if r.index >= since]
    reactions = [r for r in fake.requests_matching("PUT", r"/reactions/") if r.index >= since]
    print(f"\nmentions over the cooldown: {len(spam)}, public messages: {len(public)}, "
          f"reactions: {len(reactions)}")
    assert public == []
    assert len(reactions) == 1  # once per cooldown window, then nothing
    rows = query_rows(bot.db)
    assert [r["command"] for r in rows] == ["mention"] * (1 + len(spam))
    assert first["id"] not in reaction.path
    fake.assert_no_violations()


async def test_five_429s_on_the_callback_still_answer(fake: FakeDiscord,
                                                      start_bot: StartBot) -> None:
    bot = await start_bot()
    # discord.py tries the deferral five times, then gives up: the bot tries again.
    fake.fail_next("POST", CALLBACK, status=429, retry_after=0.2, times=5)
    handle = await fake.send_slash_command("ask", {"question": QUESTION})
    message = await answer_of(handle, timeout=15)
    limited = [r for r in fake.requests_matching("POST", CALLBACK) if r.status == 429]
    assert len(limited) == 5
    assert citations(message), text_of(message)
    assert not ERROR_ID.search(text_of(message))
    # ...for every command family: the deferral lives in the cogs' shared base
    fake.fail_next("POST", CALLBACK, status=429, retry_after=0.2, times=5)
    search = await fake.send_slash_command("search", {"query": "Astana talks"})
    found = await answer_of(search, timeout=15)
    assert citations(found) and not ERROR_ID.search(text_of(found))

    # Five 429s on the edit of the deferred response: the answer comes as a follow-up.
    fake.fail_next("PATCH", EDIT, status=429, retry_after=0.2, times=5)
    second = await fake.send_slash_command("ask", {"question": QUESTION})
    await second.wait_response()
    followup = await second.wait_followup(timeout=15)
    assert not ERROR_ID.search(str(followup.json))
    assert second.followups and citations(second.followups[0])
    without_answer = sum(not (h.original and citations(h.original))
                         and not any(citations(m) for m in h.followups)
                         for h in (handle, second))
    print(f"\nusers left without an answer after five 429s: {without_answer} of 2")
    assert without_answer == 0
    assert await bot.terminate() == 0
    assert all(r["error_id"] is None for r in query_rows(bot.db))
    fake.assert_no_violations()

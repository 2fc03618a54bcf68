"""The user commands, answered by the real bot process on the seeds, with the right citations."""

from __future__ import annotations

from bot.testing.fakediscord import FakeDiscord, factories
from tests.e2e.botproc import DEADLINE, answer_of, buttons, citations, query_rows, text_of
from tests.e2e.conftest import StartBot

IDLIB_US = "US calls for end to Russian-backed air strikes in Syria’s Idlib"
IDLIB_RU = "Russia threatens to eliminate Syria opposition who refuse to flee to Idlib"
IDLIB_DOC = "003_03cdae4a38ed77fc"
CIVILIANS = "How many civilians were killed in ten days of air strikes?"
ASTANA = "no one doubts the usefulness of the Astana platform"
EPHEMERAL = factories.EPHEMERAL
UPDATE_MESSAGE, CHANNEL_MESSAGE = 7, 4


async def test_search_cites_paragraphs_and_pages(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    asker, stranger = fake.world.user, factories.user("stranger")
    handle = await fake.send_slash_command("search", {"query": "air strikes Idlib", "limit": 10},
                                           user=asker)
    page1 = await answer_of(handle)
    assert page1["embeds"][0]["title"] == "Search: air strikes Idlib"
    cited = citations(page1)
    assert cited[:3] == [(IDLIB_US, 1), (IDLIB_US, 4), (IDLIB_US, 5)]
    assert (IDLIB_RU, 9) in cited
    assert "page 1/2" in text_of(page1)
    assert buttons(page1)["Previous"]["disabled"] and not buttons(page1)["Next"]["disabled"]

    # Next (the asker): the same message now shows page 2.
    click = await fake.send_component(page1, label="Next", user=asker)
    callback = await click.wait_response()
    assert click.response_delay < DEADLINE
    assert callback.json["type"] == UPDATE_MESSAGE
    page2 = callback.json["data"]
    assert "page 2/2" in text_of(page2)
    assert citations(page2) and not set(citations(page2)) & set(cited)
    assert buttons(page2)["Next"]["disabled"] and not buttons(page2)["Previous"]["disabled"]
    assert fake.messages.interactions[handle.id].original is page1  # edited in place
    assert "page 2/2" in text_of(page1)

    # Someone else pages: refused, privately; the message is left alone.
    refused = await fake.send_component(page1, label="Previous", user=stranger)
    callback = await refused.wait_response()
    assert callback.json["type"] == CHANNEL_MESSAGE
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "Only the person who asked" in callback.json["data"]["content"]
    assert "page 2/2" in text_of(page1)

    # Previous (the asker) goes back to page 1.
    back = await fake.send_component(page1, label="Previous", user=asker)
    assert (await back.wait_response()).json["type"] == UPDATE_MESSAGE
    assert "page 1/2" in text_of(page1)
    fake.assert_no_violations()


async def test_ask_cites_the_article(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot(discord={"view_timeout_seconds": 1})
    handle = await fake.send_slash_command("ask", {"question": CIVILIANS})
    answer = await answer_of(handle)
    answered = fake.mark()
    assert answer["embeds"][0]["title"] == f"Q: {CIVILIANS}"
    text = text_of(answer)
    assert "51 of whom are civilians" in text
    assert citations(answer)[0] == (IDLIB_US, 5)
    assert {"Previous", "Next", "Helpful", "Not helpful"} <= set(buttons(answer))

    # When the paginator times out it disables paging; feedback and the paragraph stay.
    await handle.wait_edit(since=answered)
    state = {label: bool(b.get("disabled")) for label, b in buttons(answer).items()}
    assert state == {"Previous": True, "Next": True, "Helpful": False, "Not helpful": False,
                     "Show paragraph": False}

    # "Show paragraph": the cited paragraph, privately, to whoever clicks.
    click = await fake.send_component(answer, label="Show paragraph",
                                      user=factories.user("reader"))
    data = (await click.wait_response()).json["data"]
    assert click.response_delay < DEADLINE
    assert data["flags"] & EPHEMERAL
    assert "51 of whom are civilians" in data["embeds"][0]["description"]

    # Filters reach the core: nothing before 2019 mentions these civilians.
    handle = await fake.send_slash_command("ask", {"question": CIVILIANS, "to": "2018-12-31"})
    answer = await answer_of(handle)
    assert all(title != IDLIB_US for title, _ in citations(answer))
    fake.assert_no_violations()


async def test_summary_with_article_autocomplete(fake: FakeDiscord,
                                                 start_bot: StartBot) -> None:
    await start_bot()
    complete = await fake.send_autocomplete("summary", "article", "air strikes")
    callback = await complete.wait_response()
    assert complete.response_delay < DEADLINE
    assert callback.json["type"] == 8
    choices = callback.json["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert {"name": IDLIB_US, "value": IDLIB_DOC} in choices

    handle = await fake.send_slash_command(
        "summary", {"article": choices[0]["value"], "sentences": 2})
    summary = await answer_of(handle)
    assert summary["embeds"][0]["title"] == f"Summary: {IDLIB_US}"
    assert citations(summary) == [(IDLIB_US, 1), (IDLIB_US, 2)]

    handle = await fake.send_slash_command("summary", {"topic": "Aleppo"})
    summary = await answer_of(handle)
    assert citations(summary)
    assert any(title == "Syria: Russia wants opposition to withdraw from Aleppo"
               for title, _ in citations(summary))
    fake.assert_no_violations()


async def test_quote_with_speaker_autocomplete(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    handle = await fake.send_slash_command("quote", {"text": ASTANA})
    quote = await answer_of(handle)
    assert citations(quote)[0] == (IDLIB_RU, 4)
    assert "Alexander Lavrentyev" in text_of(quote)

    # The quote book is built now (the command used it), so speakers are suggested.
    complete = await fake.send_autocomplete("quote", "speaker", "lavr")
    callback = await complete.wait_response()
    assert complete.response_delay < DEADLINE
    choices = callback.json["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert {"name": "Alexander Lavrentyev", "value": "Alexander Lavrentyev"} in choices
    everyone = await fake.send_autocomplete("quote", "speaker", "")
    assert len((await everyone.wait_response()).json["data"]["choices"]) <= 25

    handle = await fake.send_slash_command("quote", {"speaker": "Alexander Lavrentyev"})
    quote = await answer_of(handle)
    assert (IDLIB_RU, 4) in citations(quote)
    fake.assert_no_violations()


async def test_feedback_buttons_recorded(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    asker, stranger = fake.world.user, factories.user("stranger")
    ask = await answer_of(await fake.send_slash_command("ask", {"question": CIVILIANS},
                                                        user=asker))
    quote = await answer_of(await fake.send_slash_command("quote", {"text": ASTANA},
                                                          user=asker))

    refused = await fake.send_component(ask, label="Not helpful", user=stranger)
    data = (await refused.wait_response()).json["data"]
    assert data["flags"] & EPHEMERAL and "Only the person who asked" in data["content"]
    for message, label in ((ask, "Helpful"), (quote, "Not helpful")):
        click = await fake.send_component(message, label=label, user=asker)
        data = (await click.wait_response()).json["data"]
        assert click.response_delay < DEADLINE
        assert data["flags"] & EPHEMERAL and data["content"] == "Thanks for the feedback!"

    assert await bot.terminate() == 0
    rows = {row["command"]: row for row in query_rows(bot.db)}
    assert set(rows) == {"ask", "quote"}
    assert rows["ask"]["feedback"] == 1 and rows["ask"]["feedback_at"]
    assert rows["quote"]["feedback"] == -1
    fake.assert_no_violations()


async def test_mention_answered_in_channel(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    since = fake.mark()
    question = await fake.send_message_create(CIVILIANS, mention_bot=True)
    reply = await fake.wait_for_request("POST", rf"^/channels/{fake.world.channel_id}/messages$",
                                        predicate=lambda r: r.ok, since=since)
    assert reply.json["message_reference"]["message_id"] in (question["id"],
                                                             int(question["id"]))
    assert reply.json["allowed_mentions"]["parse"] == []
    assert citations(reply.json)[0] == (IDLIB_US, 5)
    assert "51 of whom are civilians" in text_of(reply.json)

    assert await bot.terminate() == 0
    [row] = query_rows(bot.db)
    assert row["command"] == "mention" and row["query"] == CIVILIANS and row["found"] == 1
    fake.assert_no_violations()

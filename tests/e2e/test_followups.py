"""Follow-up questions in the bot's threads, answered by the real bot against the local Discord.

The archive is a handful of articles written for this test: air strikes on Idlib in 2016 and
2018, on Aleppo in 2016, and an aid convoy, so each reading of a follow-up cites a different
article.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.testing.fakediscord import FakeDiscord, factories
from bot.testing.fakediscord.interactions import (
    APPLICATION_COMMAND,
    command_data,
    interaction_payload,
)
from tests.e2e.botproc import answer_of, build_index, citations, text_of, write_config
from tests.e2e.conftest import Indexed, StartBot

FIRST = "How many civilians were killed by air strikes in Idlib?"
IDLIB_2018 = "Air strikes kill 41 civilians in Idlib"
IDLIB_2016 = "Idlib air raids kill 23 civilians"
ALEPPO_2016 = "Aleppo air strikes kill 96 civilians"
CONVOY = "Aid convoy reaches Madaya"

ARTICLES = [
    ("idlib-2018", IDLIB_2018, "2018-05-10", "Levant Wire",
     ["Air strikes on Idlib killed 41 civilians on Thursday, according to rescue workers "
      "who searched the rubble of two market buildings through the night.",
      "The governorate has been bombed for weeks and hospitals say they are running out "
      "of beds for the wounded."]),
    ("idlib-2016", IDLIB_2016, "2016-04-12", "Levant Wire",
     ["Air strikes on Idlib killed 23 civilians on Tuesday, local medics said, in the "
      "heaviest raids on the city since the ceasefire of February.",
      "Residents fled towards the Turkish border as the planes returned in the evening."]),
    ("aleppo-2016", ALEPPO_2016, "2016-09-20", "Northern Herald",
     ["Air strikes on Aleppo killed 96 civilians over the weekend, the civil defence said, "
      "as the eastern districts remained under siege.",
      "Doctors in the besieged districts said the last blood bank had been hit."]),
    ("convoy-2017", CONVOY, "2017-01-15", "Northern Herald",
     ["A United Nations aid convoy carrying flour and medicine reached the besieged town "
      "of Madaya on Sunday after months of negotiations.",
      "The thirty trucks were unloaded under the supervision of the Red Crescent."]),
]


@pytest.fixture(scope="module")
def strikes(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    root = tmp_path_factory.mktemp("e2e-followups")
    archive = root / "archive"
    archive.mkdir()
    with (archive / "strikes.jsonl").open("w", encoding="utf-8") as out:
        for doc_id, title, date, source, paragraphs in ARTICLES:
            out.write(json.dumps({"id": doc_id, "title": title, "date": date, "source": source,
                                  "text": "\n\n".join(paragraphs)}) + "\n")
    config = write_config(root / "config.yaml", archive=archive, index=root / "index",
                          querylog=root / "querylog.sqlite3", guild_id="1")
    build_index(config, root)
    return Indexed(archive, root / "index")


def titles(message: dict[str, Any]) -> list[str]:
    return [title for title, _ in citations(message)]


def read_as(message: dict[str, Any]) -> str | None:
    author = message["embeds"][0].get("author") or {}
    name = author.get("name")
    return name if isinstance(name, str) else None


async def mention(fake: FakeDiscord, text: str, channel_id: str) -> dict[str, Any]:
    """A user mentions the bot in ``channel_id``; the bot's answer posted there."""
    since = fake.mark()
    await fake.send_message_create(text, mention_bot=True, channel_id=channel_id)
    sent = await fake.wait_for_request("POST", rf"^/channels/{channel_id}/messages$",
                                       predicate=lambda r: r.ok, since=since)
    reply: dict[str, Any] = sent.response
    return reply


async def slash_in_thread(fake: FakeDiscord, thread: dict[str, Any], name: str,
                          options: dict[str, Any]) -> dict[str, Any]:
    data = command_data(fake.find_command(name, fake.world.guild_id), options, world=fake.world)
    handle = await fake.send_interaction(interaction_payload(
        fake.world, type=APPLICATION_COMMAND, data=data, thread=thread))
    return await answer_of(handle)


async def open_thread(fake: FakeDiscord) -> dict[str, Any]:
    """The first question, mentioned in the channel: the bot answers in a new thread."""
    since = fake.mark()
    question = await fake.send_message_create(FIRST, mention_bot=True)
    made = await fake.wait_for_request(
        "POST", rf"^/channels/{fake.world.channel_id}/messages/{question['id']}/threads$",
        predicate=lambda r: r.ok, since=since)
    thread: dict[str, Any] = made.response
    assert thread["id"] == question["id"] and thread["owner_id"] == fake.world.bot["id"]
    answer = await fake.wait_for_request("POST", rf"^/channels/{thread['id']}/messages$",
                                         predicate=lambda r: r.ok, since=since)
    assert read_as(answer.response) is None  # the first question is read as asked
    assert set(titles(answer.response)) <= {IDLIB_2018, IDLIB_2016}
    return thread


async def test_follow_ups_in_the_bots_thread(fake: FakeDiscord, start_bot: StartBot,
                                             strikes: Indexed) -> None:
    await start_bot(archive=strikes, discord={"reply_in_threads": True})
    thread = await open_thread(fake)

    starter = rf"^/channels/{fake.world.channel_id}/messages/{thread['id']}$"
    assert not fake.requests_matching("GET", r"^/channels/\d+/messages/\d+$")  # none in a channel

    # A year: the first question's terms, 2016 only.
    reply = await mention(fake, "and in 2016?", thread["id"])
    assert len(fake.requests_matching("GET", starter)) == 1  # read from Discord, each time
    assert read_as(reply) == f"Read as: {FIRST} · 2016"
    assert titles(reply)[0] == IDLIB_2016
    assert "23 civilians" in text_of(reply)

    # /ask in the thread: a new place replaces the first question's.
    answer = await slash_in_thread(fake, thread, "ask", {"question": "what about Aleppo?"})
    aleppo = FIRST.replace("Idlib", "Aleppo")
    assert read_as(answer) == f"Read as: {aleppo}"
    assert titles(answer)[0] == ALEPPO_2016

    # /search in the thread: the first question's terms, the follow-up's date range.
    found = await slash_in_thread(fake, thread, "search", {"query": "and in 2018?"})
    assert read_as(found) == f"Read as: {FIRST} · 2018"
    assert titles(found) and set(titles(found)) == {IDLIB_2018}

    # /summary of a topic in the thread: the first question's terms, 2016's articles.
    summary = await slash_in_thread(fake, thread, "summary", {"topic": "and in 2016?"})
    assert read_as(summary) == f"Read as: {FIRST} · 2016"
    assert summary["embeds"][0]["title"] == f"Summary: {FIRST}"
    assert IDLIB_2016 in titles(summary) and set(titles(summary)) <= {IDLIB_2016, ALEPPO_2016}

    # A question of its own in the thread: answered as asked, no "Read as".
    own = await slash_in_thread(fake, thread, "ask", {
        "question": "Which convoy carried flour and medicine to Madaya?"})
    assert read_as(own) is None
    assert own["embeds"][0]["title"] == "Q: Which convoy carried flour and medicine to Madaya?"
    assert titles(own)[0] == CONVOY

    # An archived thread is read the same way (the interaction carries its state).
    archived = {**thread, "thread_metadata": {**thread["thread_metadata"], "archived": True}}
    again = await slash_in_thread(fake, archived, "ask", {"question": "and in 2016?"})
    assert read_as(again) == f"Read as: {FIRST} · 2016"
    assert len(fake.requests_matching("GET", starter)) == 6  # one per question in the thread
    fake.assert_no_violations()


async def slash_opening_thread(fake: FakeDiscord, name: str, options: dict[str, Any],
                               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A slash command in the channel: its public answer and the thread opened on it."""
    since = fake.mark()
    handle = await fake.send_slash_command(name, options)
    answer = await answer_of(handle)
    made = await fake.wait_for_request(
        "POST", rf"^/channels/{fake.world.channel_id}/messages/{answer['id']}/threads$",
        predicate=lambda r: r.ok, since=since)
    thread: dict[str, Any] = made.response
    assert thread["id"] == answer["id"] and thread["owner_id"] == fake.world.bot["id"]
    return answer, thread


async def test_threads_opened_by_ask_and_search_keep_their_filters(
        fake: FakeDiscord, start_bot: StartBot, strikes: Indexed) -> None:
    await start_bot(archive=strikes, discord={"reply_in_threads": True})
    answer, thread = await slash_opening_thread(fake, "ask", {
        "question": FIRST, "source": "Levant Wire"})
    footer = answer["embeds"][0]["footer"]["text"]
    assert footer.startswith(f"Thread question: {FIRST}\nThread filters: source: Levant Wire\n")

    # The year replaces the (absent) date range, the source is inherited.
    reply = await slash_in_thread(fake, thread, "ask", {"question": "and in 2016?"})
    assert read_as(reply) == f"Read as: {FIRST} · 2016 · source: Levant Wire"
    assert titles(reply)[0] == IDLIB_2016
    # Aleppo was reported by another outlet: the inherited source keeps it out.
    other = await slash_in_thread(fake, thread, "ask", {"question": "what about Aleppo?"})
    assert read_as(other) == f"Read as: {FIRST.replace('Idlib', 'Aleppo')} · source: Levant Wire"
    assert ALEPPO_2016 not in titles(other)
    # The follow-up's own option wins over the inherited one.
    herald = await slash_in_thread(fake, thread, "ask", {
        "question": "what about Aleppo?", "source": "Northern Herald"})
    assert read_as(herald) == (f"Read as: {FIRST.replace('Idlib', 'Aleppo')}"
                               " · source: Northern Herald")
    assert titles(herald)[0] == ALEPPO_2016

    # /search opens one too; a mention in it is read against the query and its dates.
    _, searched = await slash_opening_thread(fake, "search", {
        "query": "civilians killed air strikes", "from": "2016-01-01", "to": "2016-12-31"})
    mentioned = await mention(fake, "and Aleppo?", searched["id"])
    assert read_as(mentioned) == "Read as: civilians killed air strikes Aleppo · 2016"
    assert titles(mentioned)[0] == ALEPPO_2016
    fake.assert_no_violations()


async def test_no_context_answers_on_its_own(fake: FakeDiscord, start_bot: StartBot,
                                            strikes: Indexed) -> None:
    await start_bot(archive=strikes, discord={"reply_in_threads": True})
    # A thread a user opened on their own message (which asks the same question).
    starter = await fake.send_message_create(FIRST)
    theirs = factories.thread_channel("my notes", id=starter["id"],
                                      parent_id=fake.world.channel_id,
                                      guild_id=fake.world.guild_id, owner_id=fake.world.user["id"])
    fake.messages.threads[theirs["id"]] = theirs
    reply = await mention(fake, "and in 2016?", theirs["id"])
    assert read_as(reply) is None
    assert reply["embeds"][0]["title"] == "Q: and in 2016?"

    # The bot's thread whose starter message was deleted: no first question left to read.
    thread = await open_thread(fake)
    del fake.messages.channel_messages[thread["id"]]
    lost = await slash_in_thread(fake, thread, "ask", {"question": "and in 2016?"})
    assert read_as(lost) is None and lost["embeds"][0]["title"] == "Q: and in 2016?"

    # A failed fetch of the starter: answered on its own, nothing breaks.
    thread = await open_thread(fake)
    fake.fail_next("GET", rf"^/channels/{fake.world.channel_id}/messages/{thread['id']}$",
                   status=403)
    failed = await slash_in_thread(fake, thread, "ask", {"question": "and in 2016?"})
    assert read_as(failed) is None
    # the deleted starter's 404 is an expected fetch failure, not a bug
    fake.take_violations("unknown message")
    fake.assert_no_violations()


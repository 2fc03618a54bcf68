"""``/watch`` against the real bot and the local Discord: a watch fires after a reindex that
adds a matching article, not for one that only mentions a place, never twice for the same
paragraph; a channel the bot cannot post in pauses it (its owner told once by DM) until
``/watch resume``; more new paragraphs than shown offer an Export CSV button; what another
process indexed while the bot was down is reported when it starts; a burst of watches after
one reindex all arrive, each once, paced.

Every reindex also adds a "quokka" paragraph that a sentinel watch (alerts by DM, created
last) reports: the alerts of one run go out in watch order, so once the sentinel's DM has
arrived, every other watch of that run has had its turn; no sleeps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.testing.fakediscord import FakeDiscord, InteractionHandle, factories
from tests.e2e.botproc import answer_of, build_index, citations, text_of, write_config
from tests.e2e.conftest import Indexed, StartBot

ADMIN = "archive-admin"
EPHEMERAL = factories.EPHEMERAL
WATCH = "chlorine attack Idlib"
SENTINEL = "quokka sanctuary"

# Our own text: "Idlib" common, "chlorine" only in Douma.
ARTICLES = {
    "idlib-shelling.md": "# Shelling in Idlib\n\nIdlib province saw heavy shelling on Tuesday, "
    "residents said, as families left for the Turkish border.\n",
    "idlib-aid.md": "# Aid reaches Idlib\n\nA convoy of twelve trucks carried flour and "
    "medicine into Idlib, the agency said.\n",
    "douma.md": "# Chlorine attack in Douma\n\nInspectors said a chlorine attack hit Douma in "
    "April; the government denied any attack.\n",
    "aleppo.md": "# Aleppo water\n\nEngineers repaired the Aleppo water station after an "
    "attack on its pumps.\n",
}
IDLIB_ONLY = ("idlib-schools.md", "# Schools reopen in Idlib\n\nSchools in Idlib reopened on "
              "Sunday with lessons in tents.\n")
MATCHING = ("idlib-chlorine.md", "# Chlorine attack reported in Idlib\n\nDoctors in Idlib "
            "treated dozens after a chlorine attack on Saraqeb, a medical charity said.\n")


def small_archive(root: Path) -> Indexed:
    archive = root / "archive"
    archive.mkdir(parents=True)
    for name, text in ARTICLES.items():
        (archive / name).write_text(text, encoding="utf-8")
    config = write_config(root / "config.yaml", archive=archive, index=root / "index",
                          querylog=root / "querylog.sqlite3", guild_id="1")
    build_index(config, root)
    return Indexed(archive, root / "index")


def edit_path(handle: InteractionHandle) -> str:
    return rf"^/webhooks/\d+/{re.escape(handle.token)}/messages/@original$"


class Newsroom:
    """The bot, its archive folder, and the steps of the tests."""

    def __init__(self, fake: FakeDiscord, archive: Path) -> None:
        self.fake, self.archive = fake, archive
        self.reindexes = 0

    async def command(self, sub: str, options: dict[str, Any] | None = None,
                      user: dict[str, Any] | None = None) -> dict[str, Any]:
        handle = await self.fake.send_slash_command("watch", options or {}, subcommand=sub,
                                                    user=user or self.fake.world.user)
        message = await answer_of(handle)
        assert message["flags"] & EPHEMERAL
        return message

    async def reindex(self, *articles: tuple[str, str]) -> None:
        """Add ``articles`` and a new sentinel paragraph, reindex as an admin, and wait for
        the sentinel's alert (every other watch's turn came before it)."""
        self.reindexes += 1
        n = self.reindexes
        for name, text in articles:
            (self.archive / name).write_text(text, encoding="utf-8")
        (self.archive / f"quokka-{n}.md").write_text(
            f"# Quokka news {n}\n\nThe quokka sanctuary counted {n * 7} visitors in week {n}.\n",
            encoding="utf-8")
        since = self.fake.mark()
        handle = await self.fake.send_slash_command(ADMIN, {"full": False},
                                                    subcommand="reindex",
                                                    user=self.fake.world.admin)
        await self.fake.wait_for_request(
            "PATCH", edit_path(handle), timeout=60, since=since,
            predicate=lambda r: r.ok and "done" in text_of(r.json).lower())
        owner = self.fake.world.owner["id"]
        await self.fake.wait_for_request(
            "POST", r"^/channels/\d+/messages$", timeout=30, since=since,
            predicate=lambda r: r.ok and f"Quokka news {n}" in text_of(r.json)
            and r.path.split("/")[2] == self.fake.dms.by_user.get(owner))

    def alerts(self, channel_id: str) -> list[dict[str, Any]]:
        return [r.json for r in self.fake.requests_matching("POST",
                                                            rf"^/channels/{channel_id}/messages$")
                if r.ok and "Watch #" in text_of(r.json)]


async def newsroom(fake: FakeDiscord, start_bot: StartBot, tmp_path: Path,
                   **settings: Any) -> Newsroom:
    indexed = small_archive(tmp_path / "source")
    bot = await start_bot(archive=indexed,
                          discord={"owner_guild_id": int(fake.world.guild_id)},
                          settings={"watches": {"poll_seconds": 0.2, **settings}})
    return Newsroom(fake, bot.workdir / "archive")


async def sentinel(room: Newsroom) -> None:
    saved = await room.command("add", {"query": SENTINEL}, user=room.fake.world.owner)
    assert "to you by DM" in text_of(saved)


async def test_watch_fires_for_a_matching_article_once(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path) -> None:
    room = await newsroom(fake, start_bot, tmp_path)
    general = fake.world.channels[0]
    saved = await room.command("add", {"query": WATCH, "channel": general})
    assert "Watch #1 saved" in text_of(saved) and "0 paragraphs already match" in text_of(saved)
    await sentinel(room)

    await room.reindex(IDLIB_ONLY)  # mentions only Idlib: no alert
    assert room.alerts(general["id"]) == []

    await room.reindex(MATCHING)
    [alert] = room.alerts(general["id"])
    assert alert["allowed_mentions"] == {"parse": []}
    [embed] = alert["embeds"]
    assert embed["title"] == f"Watch #1: {WATCH}"
    assert citations(alert) == [("Chlorine attack reported in Idlib", 1)]
    assert "1 new matching paragraph" in embed["footer"]["text"]

    await room.reindex()  # nothing new: the same paragraph is never posted twice
    assert len(room.alerts(general["id"])) == 1

    listed = text_of(await room.command("list"))
    assert "#1" in listed and WATCH in listed and "paused" not in listed
    removed = await room.command("remove", {"id": 1})
    assert "Watch #1 removed" in text_of(removed)
    gone = await room.fake.send_slash_command("watch", {"id": 1}, subcommand="remove")
    assert "There is no watch #1 in this server" in (
        await gone.wait_response()).json["data"]["content"]
    fake.assert_no_violations()


async def test_watch_pauses_on_a_channel_it_cannot_post_to(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path) -> None:
    room = await newsroom(fake, start_bot, tmp_path)
    world = fake.world
    locked = world.channels[1]
    await room.command("add", {"query": WATCH, "channel": locked})
    await sentinel(room)
    fake.fail_next("POST", rf"^/channels/{locked['id']}/messages$", status=403, times=1)

    await room.reindex(MATCHING)
    assert room.alerts(locked["id"]) == []
    [notice] = fake.dms.messages(world.user["id"])
    assert "Your watch #1" in notice["content"] and "is paused" in notice["content"]
    assert "/watch resume 1" in notice["content"]
    listed = text_of(await room.command("list"))
    assert "**paused**: cannot post in" in listed

    attempts = len(fake.requests_matching("POST", rf"^/channels/{locked['id']}/messages$"))
    await room.reindex()  # paused: not tried, the owner not told again
    assert len(fake.requests_matching("POST",
                                      rf"^/channels/{locked['id']}/messages$")) == attempts
    assert len(fake.dms.messages(world.user["id"])) == 1

    other = await fake.send_slash_command("watch", {"id": 1}, subcommand="resume",
                                          user=factories.user("stranger"))
    assert "only its owner" in (await other.wait_response()).json["data"]["content"]
    resumed = await room.command("resume", {"id": 1})
    assert "Watch #1 active" in text_of(resumed)
    await room.reindex()  # what was never delivered is posted now
    [alert] = room.alerts(locked["id"])
    assert citations(alert) == [("Chlorine attack reported in Idlib", 1)]
    fake.assert_no_violations()


async def test_more_than_shown_offers_an_export_of_the_search(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path) -> None:
    room = await newsroom(fake, start_bot, tmp_path, shown=1)
    general = fake.world.channels[0]
    await room.command("add", {"query": WATCH, "channel": general})
    await sentinel(room)
    second = ("idlib-chlorine-2.md", "# Second chlorine attack in Idlib\n\nA chlorine attack "
              "near Idlib city left six dead, rescuers said.\n")
    await room.reindex(MATCHING, second)

    [request] = [r for r in fake.requests_matching("POST",
                                                   rf"^/channels/{general['id']}/messages$")
                 if r.ok and "Watch #" in text_of(r.json)]
    text = text_of(request.json)
    assert len(citations(request.json)) == 1 and "**1 more**: run `/search`" in text
    [row] = request.json["components"]
    [button] = row["components"]
    assert button["label"] == "Export CSV" and button["custom_id"] == "wx:1"

    reader = fake.world.admin  # anyone in the server may export the watch's search
    click = await fake.send_component(request.response, label="Export CSV", user=reader)
    callback = await click.wait_response()
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & EPHEMERAL
    edit = await click.wait_edit(timeout=20)
    [csv_file] = edit.files
    data = csv_file.data.decode("utf-8")
    assert (csv_file.filename or "").endswith(".csv")
    assert "Chlorine attack reported in Idlib" in data
    assert "Second chlorine attack in Idlib" in data
    fake.assert_no_violations()


async def test_an_index_built_while_the_bot_was_down_is_reported_at_start(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path) -> None:
    indexed = small_archive(tmp_path / "source")
    bot = await start_bot(archive=indexed, settings={"watches": {"poll_seconds": 0.2}})
    room = Newsroom(fake, bot.workdir / "archive")
    general = fake.world.channels[0]
    await room.command("add", {"query": WATCH, "channel": general})
    assert await bot.terminate() == 0

    # Another process indexes the new article (archive-bot index, the bot's config).
    (room.archive / MATCHING[0]).write_text(MATCHING[1], encoding="utf-8")
    build_index(bot.config, bot.workdir)
    since = fake.mark()
    await start_bot(archive=indexed, settings={"watches": {"poll_seconds": 0.2}})
    posted = await fake.wait_for_request(
        "POST", rf"^/channels/{general['id']}/messages$", timeout=30, since=since,
        predicate=lambda r: r.ok and "Watch #1" in text_of(r.json))
    assert citations(posted.json) == [("Chlorine attack reported in Idlib", 1)]
    fake.assert_no_violations()


async def test_a_burst_of_watches_all_arrive_each_once(
        fake: FakeDiscord, start_bot: StartBot, tmp_path: Path) -> None:
    room = await newsroom(fake, start_bot, tmp_path, sends_per_second=20.0,
                          max_per_user=40, max_per_guild=40)
    general = fake.world.channels[0]
    queries = [f"{WATCH} {word}" for word in ("", "doctors", "Saraqeb", "charity", "treated",
                                               "medical")] * 5
    for query in queries:
        await room.command("add", {"query": query, "channel": general})
    await sentinel(room)

    await room.reindex(MATCHING)
    alerts = room.alerts(general["id"])
    titles = [a["embeds"][0]["title"] for a in alerts]
    assert sorted(titles) == sorted(f"Watch #{i}: {' '.join(q.split())}"
                                    for i, q in enumerate(queries, start=1))
    times = sorted(r.time for r in fake.requests_matching("POST", r"^/channels/\d+/messages$")
                   if r.ok and "Watch #" in text_of(r.json))
    assert len(times) == 31  # 30 watches and the sentinel
    # Paced at 20 a second (Discord's global cap is 50): never more in any second.
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 21
    fake.assert_no_violations()

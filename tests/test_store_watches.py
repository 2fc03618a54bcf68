"""bot.store.watches on both backends: guild scope, caps, seen paragraphs, pause/resume,
and that watches survive reopening the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Filters, SearchHit
from bot.core.watches import Match, ParagraphKey, WatchRequest, key_of
from bot.errors import QueryError
from bot.store.backend import Database
from bot.store.db import open_database
from bot.store.watches import Caps, WatchStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CAPS = Caps(per_user=2, per_guild=3)
REQUEST = WatchRequest("chlorine attack Idlib", Filters("2018-01-01", None, "Reuters"))


def match(doc: str, paragraph: int, text: str) -> Match:
    hit = SearchHit(doc, f"Title {doc}", "Reuters", "2018-05-16", paragraph, 3.0, text)
    return Match(hit, 1.0, key_of(hit))


@pytest.fixture
async def conn(store_target: Path | str) -> AsyncIterator[Database]:
    connection = await open_database(store_target)
    yield connection
    await connection.close()


async def test_add_list_get_remove_scoped_to_the_guild(conn: Database) -> None:
    store = WatchStore(conn)
    first = await store.add(1, 10, 100, REQUEST, CAPS, now=NOW)
    second = await store.add(1, 11, None, WatchRequest("Astana talks"), CAPS, now=NOW)
    other = await store.add(2, 10, 200, WatchRequest("Aleppo"), CAPS, now=NOW)
    assert (first.guild_id, first.owner_id, first.channel_id) == ("1", "10", "100")
    assert first.filters == REQUEST.filters and first.query == REQUEST.query
    assert first.created_at == NOW and not first.paused
    assert second.channel_id is None
    assert len({first.id, second.id, other.id}) == 3

    assert [w.id for w in await store.list(1)] == [first.id, second.id]
    assert [w.id for w in await store.list(1, owner_id=11)] == [second.id]
    assert [w.id for w in await store.list(2)] == [other.id]
    assert (await store.get("1", first.id)) == first

    # Another server's watch is unknown there: not shown, not removed, not resumed.
    for call in (store.get(2, first.id), store.remove(2, first.id), store.resume(2, first.id)):
        with pytest.raises(QueryError, match=f"no watch #{first.id} in this server"):
            await call
    assert [w.id for w in await store.list(1)] == [first.id, second.id]

    removed = await store.remove(1, first.id)
    assert removed.id == first.id
    assert [w.id for w in await store.list(1)] == [second.id]
    with pytest.raises(QueryError, match="no watch"):
        await store.remove(1, first.id)
    # Ids are never reused after a removal.
    again = await store.add(1, 10, 100, REQUEST, CAPS, now=NOW)
    assert again.id > other.id


async def test_caps_per_user_and_per_guild(conn: Database) -> None:
    store = WatchStore(conn)
    await store.add(1, 10, None, REQUEST, CAPS)
    await store.add(1, 10, None, REQUEST, CAPS)
    with pytest.raises(QueryError, match=r"You have 2 watches in this server.*\(2\)"):
        await store.add(1, 10, None, REQUEST, CAPS)
    await store.add(1, 11, None, REQUEST, CAPS)  # another user: the guild's third
    with pytest.raises(QueryError, match=r"This server has 3 watches.*\(3\)"):
        await store.add(1, 12, None, REQUEST, CAPS)
    await store.add(2, 10, None, REQUEST, CAPS)  # the caps are per server
    assert len(await store.list(1)) == 3 and len(await store.list(2)) == 1


async def test_adds_at_once_never_pass_a_cap_together(store_target: Path | str) -> None:
    """Six adds by one user at once, each on its own connection (PostgreSQL's pool or a
    second SQLite connection): exactly the cap's two are saved."""
    conns = [await open_database(store_target) for _ in range(3)]
    try:
        stores = [WatchStore(c) for c in conns]
        outcomes = await asyncio.gather(
            *(stores[n % 3].add(1, 10, None, REQUEST, CAPS) for n in range(6)),
            return_exceptions=True)
        refused = [o for o in outcomes if isinstance(o, QueryError)]
        assert len(refused) == 4 and all("You have 2 watches" in str(e) for e in refused)
        assert len(await stores[0].list(1)) == 2
    finally:
        for c in conns:
            await c.close()


async def test_seen_paragraphs_baseline_and_marking(conn: Database) -> None:
    store = WatchStore(conn)
    old = match("a", 1, "Chlorine attack in Idlib, witnesses said.")
    watch = await store.add(1, 10, None, REQUEST, CAPS, baseline=[old, old])
    other = await store.add(1, 11, None, REQUEST, CAPS)
    assert await store.seen(watch.id) == {old.key}
    assert await store.seen(other.id) == set()

    new = match("b", 3, "A second chlorine attack near Idlib.")
    changed = match("a", 1, "Chlorine attack in Idlib, witnesses said on Monday.")
    moved = match("a", 2, "Chlorine attack in Idlib, witnesses said.")  # same text, moved
    assert await store.mark_seen(watch.id, [new, changed], now=NOW) == 2
    assert await store.mark_seen(watch.id, [new, moved], now=NOW) == 0
    assert await store.seen(watch.id) == {old.key, new.key, changed.key}
    assert changed.key != old.key and moved.key == old.key
    assert ParagraphKey("b", new.key.digest) in await store.seen(watch.id)

    await store.remove(1, watch.id)
    assert await store.seen(watch.id) == set()


async def test_pause_tells_the_owner_once_and_resume_unpauses(conn: Database) -> None:
    store = WatchStore(conn)
    watch = await store.add(1, 10, 100, REQUEST, CAPS)
    assert [w.id for w in await store.active()] == [watch.id]
    assert await store.pause(watch.id, "cannot post in <#100>", now=NOW) is True
    assert await store.pause(watch.id, "cannot post in <#100>") is False  # told already
    paused = await store.get(1, watch.id)
    assert paused.paused and paused.paused_at == NOW and paused.owner_told
    assert paused.pause_reason == "cannot post in <#100>"
    assert await store.active() == []

    resumed = await store.resume(1, watch.id)
    assert not resumed.paused and resumed.pause_reason is None and not resumed.owner_told
    assert [w.id for w in await store.active()] == [watch.id]
    assert await store.pause(watch.id, "again") is True  # a new pause: told again
    assert await store.pause(999_999, "gone") is False


async def test_watches_survive_reopening(store_target: Path | str) -> None:
    first = await open_database(store_target)
    try:
        store = WatchStore(first)
        watch = await store.add(1, 10, 100, REQUEST, CAPS,
                                baseline=[match("a", 1, "chlorine attack Idlib")])
    finally:
        await first.close()
    second = await open_database(store_target)
    try:
        store = WatchStore(second)
        assert [w.id for w in await store.list(1)] == [watch.id]
        assert len(await store.seen(watch.id)) == 1
    finally:
        await second.close()


async def test_forget_owner_deletes_their_watches_only(conn: Database) -> None:
    store = WatchStore(conn)
    mine = await store.add(1, 10, None, REQUEST, CAPS, baseline=[match("a", 1, "x")])
    await store.add(2, 10, None, REQUEST, CAPS)
    theirs = await store.add(1, 11, None, REQUEST, CAPS)
    assert await store.forget_owner(10, guild_id=1) == 1
    assert [w.id for w in await store.list(1)] == [theirs.id]
    assert await store.seen(mine.id) == set()
    assert len(await store.list(2)) == 1  # another server's: kept when scoped
    assert await store.forget_owner(10) == 1
    assert await store.list(2) == [] and await store.forget_owner(10) == 0

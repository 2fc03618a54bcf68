"""Alerts: after every new index, each watch's new matching paragraphs, posted once.

:class:`AlertRunner` follows the serving snapshot: :meth:`AlertRunner.follow` runs once the
bot is ready (what arrived while it was down), then looks every ``watches.poll_seconds``
whether the snapshot changed (an admin's reindex, the scheduled one, or any other swap). For
every active watch it finds the paragraphs that match and that the watch has not seen
(:func:`~bot.core.watches.new_matches`, in the CPU pool), and posts ONE message: the best
``watches.shown`` with citations, and "N more" (in a channel, with an "Export CSV" button:
:class:`WatchExportButton`, the watch's search as CSV). What was posted is then marked seen;
a message that could not be sent is tried again after the next new index.

Sends are paced (:class:`Pacer`: at most ``watches.sends_per_second`` for all watches, far
under Discord's global 50 requests/s; discord.py still handles each route's 429s). A channel
the bot cannot post in (403 Forbidden, 404 a deleted channel) pauses the watch, and its owner
is told once by DM; ``/watch resume`` unpauses it. Alerts never mention anyone
(``AllowedMentions.none()``) and archive text is escaped like every reply's.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Self

import discord

from bot.app.exports import EMOJI, LABEL, Export, run_export, search_export
from bot.app.render import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    embeds,
    escape,
    hit_item,
    item_pages,
    oneline,
    shorten,
)
from bot.app.services import Services
from bot.app.views import NO_MENTIONS, services_of
from bot.config.models import WatchSettings
from bot.core.followup import describe_filters
from bot.core.requests import SearchRequest
from bot.core.snapshot import Snapshot
from bot.core.watches import (
    Match,
    MatchRule,
    ParagraphKey,
    WatchRequest,
    matches,
    new_matches,
)
from bot.errors import ArchiveBotError, QueryError
from bot.store.watches import Watch, WatchStore

log = logging.getLogger(__name__)

ALERT_BUDGET = 3600  # description characters: title + footer + this stay under 6000
EXPORT_TEMPLATE = r"wx:(?P<wid>[0-9]{1,20})"  # an alert's Export CSV button: the watch's id


def find_new(snapshot: Snapshot, request: WatchRequest, seen: Collection[ParagraphKey],
             rule: MatchRule) -> list[Match]:
    """CPU work: the watch's matches it has not seen, best first."""
    return new_matches(matches(snapshot, request, rule), seen)


def alert_embed(watch: Watch, fresh: Sequence[Match], shown: int,
                index_date: str | None = None) -> discord.Embed:
    """One watch's alert: the best ``shown`` new paragraphs (fewer if they do not fit one
    embed) with citations, then how many more and how to see them."""
    items = [hit_item(n, m.hit, None) for n, m in enumerate(fresh[:shown], start=1)]
    k = len(items)
    while k > 1 and len(item_pages(items[:k], k, budget=ALERT_BUDGET)) > 1:
        k -= 1
    body = item_pages(items[:k], k, budget=ALERT_BUDGET)[0] if items else ""
    more = len(fresh) - k
    if more > 0:
        query = shorten(escape(oneline(watch.query)), 300)
        body += f"\n\n**{more} more**: run `/search` {query}"
    title = shorten(f"Watch #{watch.id}: " + escape(oneline(watch.query)), TITLE_MAX)
    count = f"{len(fresh)} new matching paragraph{'s' if len(fresh) != 1 else ''}"
    where = describe_filters(watch.filters)
    footer = count + (f" · {where}" if where else "") + (
        f" · index of {index_date[:10]}" if index_date else "")
    return embeds(title, [body[:DESCRIPTION_MAX]], footer)[0]


class Pacer:
    """At most ``per_second`` sends, evenly spaced (the clock and sleep are injectable)."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            await self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


@dataclass
class RunReport:
    """What one alert run did."""

    watches: int = 0
    posted: int = 0  # messages (one per watch at most)
    paragraphs: int = 0  # new paragraphs reported in them
    paused: int = 0
    failed: int = 0  # not sent for another reason: tried again after the next reindex


def paused_notice(watch: Watch) -> str:
    return (f"Your watch #{watch.id} ({shorten(escape(oneline(watch.query)), 200)}) is paused: "
            f"I cannot post in <#{watch.channel_id}>. Give me Send Messages and Embed Links "
            f"there, then use /watch resume {watch.id}.")


class WatchExportButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=EXPORT_TEMPLATE
):
    """Under a channel alert with "N more": the watch's search as CSV (every matching
    paragraph, :func:`~bot.app.exports.search_export`), privately for whoever clicks. Works
    after a restart (the custom_id holds the watch's id; the watch is looked up in the
    clicker's server)."""

    def __init__(self, watch_id: int) -> None:
        super().__init__(discord.ui.Button(label=LABEL, emoji=EMOJI,
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"wx:{watch_id}"))
        self.watch_id = watch_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(int(match["wid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        services = services_of(interaction.client)
        request = services.begin("export:watch", f"#{self.watch_id}",
                                 guild_id=interaction.guild_id,
                                 channel_id=interaction.channel_id,
                                 user_id=interaction.user.id)
        await run_export(interaction, request, lambda: self.build(services,
                                                                  interaction.guild_id))

    async def build(self, services: Services, guild_id: int | None) -> Export:
        if services.db is None or guild_id is None:
            raise QueryError("This export is not available here.")
        watch = await WatchStore(services.db).get(guild_id, self.watch_id)
        wanted = SearchRequest(watch.query, services.settings.limits.max_results,
                               watch.filters)
        return await search_export(services, wanted)


def alert_view(watch: Watch, fresh: Sequence[Match], shown: int) -> discord.ui.View | None:
    """The Export CSV button, for a channel alert with more than it shows."""
    if watch.channel_id is None or len(fresh) <= shown:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(WatchExportButton(watch.id))
    return view


class AlertRunner:
    def __init__(self, client: discord.Client, services: Services, store: WatchStore) -> None:
        self.client = client
        self.services = services
        self.store = store
        self.settings: WatchSettings = services.settings.watches
        self.rule = MatchRule.of(self.settings)
        self.pacer = Pacer(self.settings.sends_per_second)
        self._lock = asyncio.Lock()

    async def follow(self) -> None:
        """Run the alerts once the bot is ready (what arrived while it was down: only what
        no watch has seen is posted), then whenever the serving snapshot changes (until
        cancelled)."""
        await self.client.wait_until_ready()
        last: Snapshot | None = None
        while True:
            current = self.services.archive.current
            if current is not last:
                last = current
                await self.run_logged(current)
            await asyncio.sleep(self.settings.poll_seconds)

    async def run_logged(self, snapshot: Snapshot) -> RunReport | None:
        try:
            report = await self.run(snapshot)
        except sqlite3.Error as exc:  # BackendError too: the database is away
            log.warning("alerts not run: the database cannot be read (%s); the next new "
                        "index runs them", exc)
            return None
        except ArchiveBotError as exc:  # shutting down (queued work dropped), a bad index
            log.warning("alerts not run (%s); the next new index runs them", exc)
            return None
        except Exception:  # the alerts must outlive a failed run (a bug)
            log.exception("alert run failed; the next new index runs them again")
            return None
        log.info("alerts: %d watches, %d messages (%d paragraphs), %d paused, %d failed",
                 report.watches, report.posted, report.paragraphs, report.paused,
                 report.failed)
        return report

    async def run(self, snapshot: Snapshot) -> RunReport:
        """One pass over every active watch against ``snapshot`` (one run at a time)."""
        async with self._lock:
            report = RunReport()
            for watch in await self.store.active():
                report.watches += 1
                seen = frozenset(await self.store.seen(watch.id))
                fresh = await self.services.run_cpu(find_new, snapshot, watch.request, seen,
                                                    self.rule)
                if fresh:
                    await self.deliver(watch, fresh, snapshot, report)
            return report

    async def deliver(self, watch: Watch, fresh: list[Match], snapshot: Snapshot,
                      report: RunReport) -> None:
        embed = alert_embed(watch, fresh, self.settings.shown, snapshot.index.built_at)
        view = alert_view(watch, fresh, self.settings.shown)
        await self.pacer.wait()
        try:
            await self._send(watch, embed, view)
        except (discord.Forbidden, discord.NotFound) as exc:
            report.paused += 1
            await self._pause(watch, exc)
            return
        except discord.HTTPException as exc:
            report.failed += 1
            log.warning("alert of watch #%d not sent (%s); tried again after the next reindex",
                        watch.id, exc)
            return
        report.posted += 1
        report.paragraphs += len(fresh)
        await self.store.mark_seen(watch.id, fresh)

    async def _send(self, watch: Watch, embed: discord.Embed,
                    view: discord.ui.View | None = None) -> None:
        if watch.channel_id is not None:
            channel = self.client.get_partial_messageable(int(watch.channel_id))
            if view is None:
                await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
            else:
                await channel.send(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
            return
        dm = await self.client.create_dm(discord.Object(int(watch.owner_id)))
        await dm.send(embed=embed, allowed_mentions=NO_MENTIONS)

    async def _pause(self, watch: Watch, exc: discord.HTTPException) -> None:
        where = "by DM" if watch.channel_id is None else f"in <#{watch.channel_id}>"
        reason = f"cannot post {where} ({exc.status})"
        log.warning("watch #%d paused: %s", watch.id, reason)
        first = await self.store.pause(watch.id, reason)
        if not first or watch.channel_id is None:  # told already, or DMs are what failed
            return
        await self.pacer.wait()
        try:
            dm = await self.client.create_dm(discord.Object(int(watch.owner_id)))
            await dm.send(content=paused_notice(watch), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as dm_exc:
            log.info("could not tell the owner of watch #%d it is paused: %s", watch.id, dm_exc)

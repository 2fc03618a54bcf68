"""Saved searches (``watches``) and the paragraphs each one has reported or seen.

Every read and write of a watch is scoped to its guild: a watch of another server is
"unknown" (the same message as an id that never existed), so a server neither sees nor
removes another's. A watch's ``seen`` set holds :class:`~bot.core.watches.ParagraphKey`
rows (``doc_id`` + a digest of the text): what it reported, and what already matched when
it was created. Both tables are in the query log's database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import builtins
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Filters
from bot.core.watches import Match, ParagraphKey, WatchRequest
from bot.errors import QueryError
from bot.store.backend import POSTGRESQL, Database, Row, atomic, format_ts, parse_ts, utcnow

WRITE_PATIENCE_SECONDS = 30.0  # a user's /watch add waits out a briefly locked database
COLUMNS = ("id, guild_id, owner_id, channel_id, query, date_from, date_to, source, "
           "created_at, paused_at, pause_reason, owner_told")
SEEN_COLUMNS = ("watch_id", "doc_id", "digest", "paragraph", "seen_at")
_CAP_LOCK_NAMESPACE = 0x5741  # "WA": watch caps (the migrations' lock is another key)


@dataclass(frozen=True, slots=True)
class Caps:
    per_user: int
    per_guild: int


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    guild_id: str
    owner_id: str
    channel_id: str | None  # None: alerts go to the owner by DM
    query: str
    filters: Filters
    created_at: datetime
    paused_at: datetime | None = None
    pause_reason: str | None = None
    owner_told: bool = False

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def request(self) -> WatchRequest:
        return WatchRequest(self.query, self.filters)


def _watch(row: Row) -> Watch:
    r = tuple(row)
    return Watch(int(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3]), r[4],
                 Filters(r[5], r[6], r[7]), parse_ts(r[8]),
                 None if r[9] is None else parse_ts(r[9]), r[10], bool(r[11]))


def _cap_lock(guild: str) -> int:
    """The advisory lock key of a server's watch caps (a namespace in the high bits)."""
    return (_CAP_LOCK_NAMESPACE << 32) | zlib.crc32(guild.encode("utf-8"))


def unknown(watch_id: int) -> QueryError:
    return QueryError(f"There is no watch #{watch_id} in this server.")


class WatchStore:
    """Reads and writes the ``watches`` and ``watch_seen`` tables of one database."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn
        self.write_patience = WRITE_PATIENCE_SECONDS

    async def add(self, guild_id: int | str, owner_id: int | str, channel_id: int | str | None,
                  request: WatchRequest, caps: Caps, baseline: Sequence[Match] = (),
                  now: datetime | None = None) -> Watch:
        """A new watch, its ``baseline`` (what matches already) marked seen; refused with a
        short message when the owner or the server holds its cap of watches."""
        guild, owner = str(guild_id), str(owner_id)
        ts = format_ts(now or utcnow())
        f = request.filters
        async with atomic(self._conn, patience=self.write_patience):
            await self._check_caps(guild, owner, caps)
            row = await self._conn.fetchone(
                "INSERT INTO watches (guild_id, owner_id, channel_id, query, date_from, date_to,"
                " source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (guild, owner, None if channel_id is None else str(channel_id), request.query,
                 f.date_from, f.date_to, f.source, ts))
            if row is None:  # pragma: no cover - RETURNING always gives the row
                raise QueryError("The watch could not be saved.")
            watch_id = int(row[0])
            await self._insert_seen(watch_id, baseline, ts)
            stored = await self._conn.fetchone(
                f"SELECT {COLUMNS} FROM watches WHERE id = ?", (watch_id,))
        if stored is None:  # pragma: no cover - inserted just above
            raise unknown(watch_id)
        return _watch(stored)

    async def _check_caps(self, guild: str, owner: str, caps: Caps) -> None:
        if self._conn.dialect == POSTGRESQL:
            # Adds in one server take turns (held to the end of the transaction), so two at
            # once cannot both pass the cap; SQLite's BEGIN IMMEDIATE already serialises them.
            await self._conn.execute("SELECT pg_advisory_xact_lock(?)", (_cap_lock(guild),))
        row = await self._conn.fetchone(
            "SELECT COUNT(*), SUM(CASE WHEN owner_id = ? THEN 1 ELSE 0 END) FROM watches "
            "WHERE guild_id = ?", (owner, guild))
        in_guild, mine = (0, 0) if row is None else (int(row[0] or 0), int(row[1] or 0))
        if mine >= caps.per_user:
            raise QueryError(f"You have {mine} watches in this server, the most allowed "
                             f"({caps.per_user}); remove one first (/watch remove).")
        if in_guild >= caps.per_guild:
            raise QueryError(f"This server has {in_guild} watches, the most allowed "
                             f"({caps.per_guild}); remove one first (/watch remove).")

    async def _insert_seen(self, watch_id: int, found: Sequence[Match], ts: str) -> int:
        rows = [(watch_id, m.key.doc_id, m.key.digest, m.hit.paragraph, ts) for m in found]
        if not rows:
            return 0
        return await self._conn.insert_ignore("watch_seen", SEEN_COLUMNS, rows,
                                              ("watch_id", "doc_id", "digest"))

    async def list(self, guild_id: int | str, owner_id: int | str | None = None,
                   ) -> builtins.list[Watch]:
        """A server's watches (or one owner's there), oldest first."""
        sql = f"SELECT {COLUMNS} FROM watches WHERE guild_id = ?"
        params: builtins.list[str] = [str(guild_id)]
        if owner_id is not None:
            sql += " AND owner_id = ?"
            params.append(str(owner_id))
        return [_watch(r) for r in await self._conn.fetchall(sql + " ORDER BY id", params)]

    async def get(self, guild_id: int | str, watch_id: int) -> Watch:
        row = await self._conn.fetchone(
            f"SELECT {COLUMNS} FROM watches WHERE id = ? AND guild_id = ?",
            (int(watch_id), str(guild_id)))
        if row is None:
            raise unknown(watch_id)
        return _watch(row)

    async def remove(self, guild_id: int | str, watch_id: int) -> Watch:
        """Delete a server's watch and what it has seen; the watch as it was."""
        async with atomic(self._conn, patience=self.write_patience):
            watch = await self.get(guild_id, watch_id)
            await self._conn.execute("DELETE FROM watch_seen WHERE watch_id = ?", (watch.id,))
            await self._conn.execute("DELETE FROM watches WHERE id = ?", (watch.id,))
        return watch

    async def forget_owner(self, owner_id: int | str, guild_id: int | str | None = None,
                           ) -> int:
        """Delete every watch of a user (in one server, or in all: None) and what they have
        seen, for a right-to-be-forgotten request; how many watches went."""
        where, params = "owner_id = ?", [str(owner_id)]
        if guild_id is not None:
            where += " AND guild_id = ?"
            params.append(str(guild_id))
        async with atomic(self._conn, patience=self.write_patience):
            await self._conn.execute(
                f"DELETE FROM watch_seen WHERE watch_id IN (SELECT id FROM watches WHERE {where})",
                params)
            result = await self._conn.execute(f"DELETE FROM watches WHERE {where}", params)
        return max(result.rowcount, 0)

    async def active(self) -> builtins.list[Watch]:
        """Every watch not paused, in every server, oldest first (the alert run's order)."""
        return [_watch(r) for r in await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM watches WHERE paused_at IS NULL ORDER BY id")]

    async def seen(self, watch_id: int) -> set[ParagraphKey]:
        rows = await self._conn.fetchall(
            "SELECT doc_id, digest FROM watch_seen WHERE watch_id = ?", (int(watch_id),))
        return {ParagraphKey(str(r[0]), str(r[1])) for r in rows}

    async def mark_seen(self, watch_id: int, found: Sequence[Match],
                        now: datetime | None = None) -> int:
        """Record ``found`` as reported by the watch; how many were not already."""
        async with atomic(self._conn, patience=self.write_patience):
            return await self._insert_seen(int(watch_id), found, format_ts(now or utcnow()))

    async def pause(self, watch_id: int, reason: str, now: datetime | None = None) -> bool:
        """Pause a watch (its alerts cannot be delivered); True the first time since it was
        created or resumed, when its owner is still to be told."""
        async with atomic(self._conn, patience=self.write_patience):
            row = await self._conn.fetchone(
                "SELECT owner_told FROM watches WHERE id = ?", (int(watch_id),))
            if row is None:
                return False
            await self._conn.execute(
                "UPDATE watches SET paused_at = COALESCE(paused_at, ?), pause_reason = ?, "
                "owner_told = 1 WHERE id = ?",
                (format_ts(now or utcnow()), reason, int(watch_id)))
        return not bool(row[0])

    async def resume(self, guild_id: int | str, watch_id: int) -> Watch:
        """Unpause a server's watch (what arrived meanwhile is reported by the next run)."""
        async with atomic(self._conn, patience=self.write_patience):
            watch = await self.get(guild_id, watch_id)
            await self._conn.execute(
                "UPDATE watches SET paused_at = NULL, pause_reason = NULL, owner_told = 0 "
                "WHERE id = ?", (watch.id,))
            return await self.get(guild_id, watch_id)

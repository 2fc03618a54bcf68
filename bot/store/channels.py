"""Per-channel settings (overriding the configured defaults) and the admin audit trail.

A NULL column in ``channel_settings`` means "use the default": :meth:`ChannelStore.get`
merges the stored overrides over the defaults the caller passes (from the config), so
changing the config still changes every channel that has no override.
"""

from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from bot.errors import QueryError
from bot.store.backend import Database, atomic, format_ts, parse_ts, utcnow
from bot.store.views import where_clause

FIELDS = ("enabled", "answer_mentions", "ephemeral", "threads")
WRITE_PATIENCE_SECONDS = 30.0  # an admin's change (reply deferred) waits out a locked database

Overrides = tuple[bool | None, bool | None, bool | None, bool | None]


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    enabled: bool = True
    answer_mentions: bool = True
    ephemeral: bool = False
    threads: bool = False


DEFAULT_CHANNEL_SETTINGS = ChannelSettings()


def _merge(overrides: Overrides, defaults: ChannelSettings) -> ChannelSettings:
    pairs = zip(FIELDS, overrides, strict=True)
    changes = {name: value for name, value in pairs if value is not None}
    return dataclasses.replace(defaults, **changes) if changes else defaults


def _overrides(row: Any) -> Overrides:
    a, b, c, d = (None if v is None else bool(v) for v in tuple(row)[-4:])
    return (a, b, c, d)


class ChannelStore:
    """Reads and writes ``channel_settings``; reads are cached, the store's writes update the
    cache once committed.

    :meth:`load` reads the whole (small) table into the cache; from then on :meth:`cached`
    and :meth:`list` answer from memory, so a locked or slow database never delays a reply.
    The cache belongs to this object: changes made by another process show up after
    :meth:`clear_cache` (and a new :meth:`load`) or a restart.
    """

    def __init__(self, conn: Database) -> None:
        self._conn = conn
        self._cache: dict[tuple[str, str], Overrides | None] = {}
        self._complete = False  # the cache holds every stored row (see load())
        self._written: set[tuple[str, str]] = set()  # written by set/reset since load() began
        self.write_patience = WRITE_PATIENCE_SECONDS

    def loaded(self) -> bool:
        """Whether :meth:`load` has run (since the last :meth:`clear_cache`)."""
        return self._complete

    async def load(self) -> None:
        """Read every channel's overrides into the cache (what the store wrote meanwhile is
        kept: it is newer)."""
        self._written.clear()
        rows = await self._conn.fetchall(
            f"SELECT guild_id, channel_id, {', '.join(FIELDS)} FROM channel_settings"
        )
        loaded = {(str(row[0]), str(row[1])): _overrides(row) for row in rows}
        for key in [k for k, v in self._cache.items() if v is not None]:
            if key not in loaded and key not in self._written:
                del self._cache[key]  # removed behind the store's back
        for key, overrides in loaded.items():
            if key not in self._written:
                self._cache[key] = overrides
        self._complete = True

    def cached(
        self, guild_id: int | str, channel_id: int | str, defaults: ChannelSettings
    ) -> ChannelSettings | None:
        """The channel's settings from memory alone; None when they are not known there."""
        key = (str(guild_id), str(channel_id))
        if key in self._cache:
            stored = self._cache[key]
            return defaults if stored is None else _merge(stored, defaults)
        return defaults if self._complete else None

    async def get(
        self, guild_id: int | str, channel_id: int | str, defaults: ChannelSettings
    ) -> ChannelSettings:
        key = (str(guild_id), str(channel_id))
        if key not in self._cache and not self._complete:
            row = await self._conn.fetchone(
                f"SELECT {', '.join(FIELDS)} FROM channel_settings "
                "WHERE guild_id = ? AND channel_id = ?",
                key,
            )
            self._cache[key] = None if row is None else _overrides(row)
        stored = self._cache.get(key)
        return defaults if stored is None else _merge(stored, defaults)

    async def set(
        self,
        guild_id: int | str,
        channel_id: int | str,
        *,
        updated_by: int | str | None,
        **fields: bool | None,
    ) -> None:
        """Override the given fields (``None`` = back to the default); others are kept."""
        if not fields:
            raise ValueError("no channel setting given")
        for name, value in fields.items():
            if name not in FIELDS:
                raise ValueError(f"unknown channel setting {name!r}")
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"channel setting {name!r} must be true, false or None")
        names = [n for n in FIELDS if n in fields]  # fixed whitelist: safe to splice
        values = [None if fields[n] is None else int(bool(fields[n])) for n in names]
        key = (str(guild_id), str(channel_id))
        sql = (
            f"INSERT INTO channel_settings (guild_id, channel_id, {', '.join(names)}, "
            f"updated_at, updated_by) VALUES (?, ?, {', '.join('?' for _ in names)}, ?, ?) "
            "ON CONFLICT (guild_id, channel_id) DO UPDATE SET "
            + ", ".join(f"{n} = excluded.{n}" for n in names)
            + ", updated_at = excluded.updated_at, updated_by = excluded.updated_by"
        )
        by = None if updated_by is None else str(updated_by)
        async with atomic(self._conn, patience=self.write_patience):
            await self._conn.execute(sql, [*key, *values, format_ts(utcnow()), by])
            row = await self._conn.fetchone(
                f"SELECT {', '.join(FIELDS)} FROM channel_settings "
                "WHERE guild_id = ? AND channel_id = ?",
                key,
            )
        self._cache[key] = None if row is None else _overrides(row)  # committed: now true
        self._written.add(key)

    async def reset(self, guild_id: int | str, channel_id: int | str) -> bool:
        """Drop every override of a channel; False if it had none."""
        key = (str(guild_id), str(channel_id))
        async with atomic(self._conn, patience=self.write_patience):
            result = await self._conn.execute(
                "DELETE FROM channel_settings WHERE guild_id = ? AND channel_id = ?", key
            )
        self._cache[key] = None
        self._written.add(key)
        return result.rowcount > 0

    async def list(
        self, guild_id: int | str, defaults: ChannelSettings = DEFAULT_CHANNEL_SETTINGS
    ) -> builtins.list[tuple[str, ChannelSettings]]:
        """Channels of a guild with stored overrides, merged over ``defaults``, by id (from
        memory once :meth:`load` has run)."""
        if self._complete:
            guild = str(guild_id)
            return [(channel, _merge(stored, defaults))
                    for (g, channel), stored in sorted(self._cache.items())
                    if g == guild and stored is not None]
        rows = await self._conn.fetchall(
            f"SELECT channel_id, {', '.join(FIELDS)} FROM channel_settings "
            "WHERE guild_id = ? ORDER BY channel_id",
            (str(guild_id),),
        )
        return [(str(row[0]), _merge(_overrides(row), defaults)) for row in rows]

    def clear_cache(self) -> None:
        self._cache.clear()
        self._complete = False


# -- admin audit ----------------------------------------------------------------------------


class AdminAttempt(NamedTuple):
    id: int
    ts: datetime
    guild_id: str | None
    channel_id: str | None
    user_key: str | None
    action: str
    allowed: bool
    detail: str | None


async def log_admin_attempt(
    conn: Database,
    *,
    guild_id: int | str | None,
    channel_id: int | str | None,
    user_key: str | None,
    action: str,
    allowed: bool,
    detail: str | None = None,
    ts: datetime | None = None,
) -> int:
    """Record one admin command attempt (refused ones too); return its row id."""
    async with atomic(conn):
        row = await conn.fetchone(
            "INSERT INTO admin_audit (ts, guild_id, channel_id, user_key, action, allowed, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                format_ts(ts or utcnow()),
                None if guild_id is None else str(guild_id),
                None if channel_id is None else str(channel_id),
                user_key,
                action,
                int(bool(allowed)),
                detail,
            ),
        )
        return 0 if row is None else int(row[0])


async def admin_attempts(
    conn: Database,
    *,
    days: int | None = 7,
    allowed: bool | None = None,
    limit: int = 50,
    now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[AdminAttempt]:
    """Admin attempts, newest first; ``allowed=False`` gives only the refused ones;
    ``guild_id`` only that server's (None: every server, for the operator)."""
    if isinstance(limit, bool) or limit < 1:
        raise QueryError("limit must be a whole number of at least 1")
    extra = () if allowed is None else (f"allowed = {int(allowed)}",)
    where, params = where_clause(days, None, None, now, *extra, guild_id=guild_id)
    rows = await conn.fetchall(
        "SELECT id, ts, guild_id, channel_id, user_key, action, allowed, detail "
        f"FROM admin_audit{where} ORDER BY ts DESC, id DESC LIMIT ?",
        [*params, limit],
    )
    return [
        AdminAttempt(r[0], parse_ts(r[1]), r[2], r[3], r[4], r[5], bool(r[6]), r[7])
        for r in (tuple(row) for row in rows)
    ]

"""Log review queries for admins (the Discord admin command and ``archive-bot logs``).

Every view takes the same filters: ``days`` (rows from the last ``days`` × 24 h before
``now``; None = all time), ``user`` (a stored user key, compared for equality), ``command``
(exact match, or a prefix when it ends with ``:``, e.g. ``"admin:"``), ``guild_id`` (only that
server's rows; None = every server, for the operator's command line) and ``limit``. From
Discord, ``guild_id`` is always the interaction's server: one server's admins never see
another's queries.
A query counts as *answered* when ``found = 1`` and ``result_count > 0``; everything else is
a gap in the archive. Query texts are grouped lower-cased with whitespace collapsed (empty
texts, e.g. admin commands, are left out of the grouped views).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from bot.errors import QueryError
from bot.store.backend import Database, format_ts, parse_ts, utcnow

_COLUMNS = (
    "id, ts, guild_id, channel_id, user_key, command, query, filters, result_count, found, "
    "top_hits, latency_ms, error_id, feedback, feedback_at, request_id"
)
_ANSWERED = "(found = 1 AND result_count > 0)"


class LogRow(NamedTuple):
    id: int
    ts: datetime
    guild_id: str | None
    channel_id: str | None
    user_key: str | None
    command: str
    query: str
    filters: dict[str, Any]
    result_count: int
    found: bool
    top_hits: list[tuple[str, int]]
    latency_ms: float | None
    error_id: str | None
    feedback: int | None
    feedback_at: datetime | None
    request_id: str | None


class TopQuery(NamedTuple):
    query: str
    times: int
    last_seen: datetime
    answered_rate: float


class Gap(NamedTuple):
    query: str
    times: int
    last_seen: datetime


class LogStats(NamedTuple):
    total: int
    by_command: dict[str, int]
    by_day: list[tuple[date, int]]
    distinct_users: int
    answered_rate: float | None
    latency_median: float | None
    latency_p95: float | None
    negative_feedback: int
    positive_feedback: int


def normalise_query(text: str) -> str:
    return " ".join(text.split()).lower()


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def where_clause(
    days: int | None,
    user: str | None,
    command: str | None,
    now: datetime | None,
    *extra: str,
    guild_id: int | str | None = None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = list(extra)
    params: list[Any] = []
    if guild_id is not None:
        clauses.append("guild_id = ?")
        params.append(str(guild_id))
    if days is not None:
        if isinstance(days, bool) or days < 1:
            raise QueryError("days must be a whole number of at least 1")
        clauses.append("ts >= ?")
        params.append(format_ts((now or utcnow()) - timedelta(days=days)))
    if user is not None:
        clauses.append("user_key = ?")
        params.append(user)
    if command is not None:
        if command.endswith(":"):
            clauses.append("substr(command, 1, ?) = ?")
            params.extend([len(command), command])
        else:
            clauses.append("command = ?")
            params.append(command)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or limit < 1:
        raise QueryError("limit must be a whole number of at least 1")


def _log_row(row: Any) -> LogRow:
    (rid, ts, guild, channel, user, command, query, filters, count, found, hits, latency,
     error_id, feedback, feedback_at, request_id) = tuple(row)
    return LogRow(
        rid, parse_ts(ts), guild, channel, user, command, query,
        json.loads(filters or "{}"), count, bool(found),
        [(str(d), int(p)) for d, p in json.loads(hits or "[]")],
        latency, error_id, feedback, parse_ts(feedback_at) if feedback_at else None,
        request_id,
    )


async def _rows(conn: Database, sql: str, params: list[Any]) -> list[LogRow]:
    return [_log_row(r) for r in await conn.fetchall(sql, params)]


async def recent(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, limit: int = 20, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[LogRow]:
    """Newest queries first."""
    _check_limit(limit)
    where, params = where_clause(days, user, command, now, guild_id=guild_id)
    sql = f"SELECT {_COLUMNS} FROM queries{where} ORDER BY ts DESC, id DESC LIMIT ?"
    return await _rows(conn, sql, [*params, limit])


async def slow(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, limit: int = 20, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[LogRow]:
    """Slowest queries first (rows without a latency are left out)."""
    _check_limit(limit)
    where, params = where_clause(days, user, command, now, "latency_ms IS NOT NULL",
                                 guild_id=guild_id)
    sql = f"SELECT {_COLUMNS} FROM queries{where} ORDER BY latency_ms DESC, ts DESC LIMIT ?"
    return await _rows(conn, sql, [*params, limit])


async def feedback(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, limit: int = 20, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[LogRow]:
    """Queries with negative feedback, newest first."""
    _check_limit(limit)
    where, params = where_clause(days, user, command, now, "feedback = -1", guild_id=guild_id)
    sql = f"SELECT {_COLUMNS} FROM queries{where} ORDER BY ts DESC, id DESC LIMIT ?"
    return await _rows(conn, sql, [*params, limit])


async def _grouped(
    conn: Database, where: str, params: list[Any]
) -> dict[str, tuple[int, str, int]]:
    """normalised query -> (count, last ts, answered count)."""
    groups: dict[str, tuple[int, str, int]] = {}
    sql = f"SELECT query, ts, {_ANSWERED} FROM queries{where}"
    for query, ts, answered in await conn.fetchall(sql, params):
        key = normalise_query(query)
        if not key:
            continue
        count, last, ok = groups.get(key, (0, ts, 0))
        groups[key] = (count + 1, max(last, ts), ok + int(answered))
    return groups


async def top(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, limit: int = 20, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[TopQuery]:
    """Most frequent queries: count desc, then most recently seen, then text."""
    _check_limit(limit)
    where, params = where_clause(days, user, command, now, guild_id=guild_id)
    groups = await _grouped(conn, where, params)
    ranked = _rank(groups)
    return [
        TopQuery(query, count, parse_ts(last), ok / count)
        for query, (count, last, ok) in ranked[:limit]
    ]


async def unanswered(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, limit: int = 20, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> list[Gap]:
    """Queries that found nothing, grouped: the archive's gaps, most frequent first."""
    _check_limit(limit)
    where, params = where_clause(days, user, command, now, f"NOT {_ANSWERED} AND refused = 0",
                                 guild_id=guild_id)
    groups = await _grouped(conn, where, params)
    ranked = _rank(groups)
    return [Gap(query, count, parse_ts(last)) for query, (count, last, _) in ranked[:limit]]


def _rank(groups: dict[str, tuple[int, str, int]]) -> list[tuple[str, tuple[int, str, int]]]:
    """Count desc, then most recently seen, then query text (stable sorts)."""
    ranked = sorted(groups.items())
    ranked.sort(key=lambda kv: kv[1][1], reverse=True)
    ranked.sort(key=lambda kv: kv[1][0], reverse=True)
    return ranked


async def stats(
    conn: Database, *, days: int | None = None, user: str | None = None,
    command: str | None = None, now: datetime | None = None,
    guild_id: int | str | None = None,
) -> LogStats:
    """Totals for the window; ``by_day`` has one entry per UTC date, zero-filled."""
    now = now or utcnow()
    where, params = where_clause(days, user, command, now, guild_id=guild_id)
    sql = f"SELECT ts, command, user_key, {_ANSWERED}, latency_ms, feedback FROM queries{where}"
    rows = [tuple(r) for r in await conn.fetchall(sql, params)]
    by_command = Counter(str(r[1]) for r in rows)
    per_day = Counter(parse_ts(r[0]).date() for r in rows)
    if days is not None:
        first: date | None = (now - timedelta(days=days)).date()
    else:
        first = min(per_day) if per_day else None
    by_day: list[tuple[date, int]] = []
    if first is not None:
        last = max([now.date(), *per_day])
        by_day = [
            (first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)
        ]
    latencies = [float(r[4]) for r in rows if r[4] is not None]
    return LogStats(
        total=len(rows),
        by_command=dict(sorted(by_command.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_day=by_day,
        distinct_users=len({r[2] for r in rows if r[2] is not None}),
        answered_rate=(sum(int(r[3]) for r in rows) / len(rows)) if rows else None,
        latency_median=percentile(latencies, 0.5),
        latency_p95=percentile(latencies, 0.95),
        negative_feedback=sum(1 for r in rows if r[5] == -1),
        positive_feedback=sum(1 for r in rows if r[5] == 1),
    )

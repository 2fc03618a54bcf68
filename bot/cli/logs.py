"""``archive-bot logs``: review, export, prune and forget query-log rows (the configured log:
``querylog.url`` when set, else the SQLite file at ``querylog.path``)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.cli.common import settings_from
from bot.cli.output import table
from bot.config import Settings
from bot.core.export import safe_text
from bot.errors import QueryError
from bot.store import views
from bot.store.backend import Database, StoreError
from bot.store.db import open_database
from bot.store.postgres import is_postgres_url, safe_url
from bot.store.querylog import QueryLog
from bot.store.watches import WatchStore

SNOWFLAKE = re.compile(r"[0-9]{17,20}")
VIEWS = ("recent", "top", "unanswered", "slow", "feedback", "stats")
# Columns shown in the terminal table for each view (CSV/JSON carry every field).
TABLE_COLUMNS = {
    "recent": ("ts", "command", "query", "result_count", "found", "latency_ms", "user_key"),
    "slow": ("latency_ms", "ts", "command", "query", "result_count"),
    "feedback": ("feedback_at", "command", "query", "top_hits", "user_key"),
    "top": ("times", "query", "answered_rate", "last_seen"),
    "unanswered": ("times", "query", "last_seen"),
}


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "logs", parents=[parent], help="review, export, prune or forget query-log rows",
        description="Query-log views: recent, top, unanswered (the archive's gaps), slow, "
                    "feedback (negative), stats. 'prune' applies retention now.",
    )
    p.add_argument("action", nargs="?", choices=("show", "prune"), default="show",
                   help="show a view (default) or prune rows past retention")
    p.add_argument("--view", choices=VIEWS, default="recent")
    p.add_argument("--days", type=int, default=None, help="only the last N days")
    p.add_argument("--user", default=None, metavar="ID|HASH",
                   help="only this user: a Discord user id, or the stored key (hash)")
    p.add_argument("--command", dest="log_command", default=None, metavar="NAME",
                   help="only this command (search, ask, summary, quote, mention, admin:)")
    p.add_argument("--guild", type=int, default=None, metavar="ID",
                   help="only this server's rows (default: every server); with --forget, "
                        "delete only that server's rows")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--forget", action="store_true",
                   help="with --user: delete every row of that user (right to be forgotten)")
    p.set_defaults(handler=cmd_logs)


def cmd_logs(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.forget and not args.user:
        raise QueryError("--forget needs --user (a Discord user id or a stored key)")
    if args.days is not None and args.days < 1:
        raise QueryError("--days must be at least 1")
    return asyncio.run(_logs(settings, args))


async def open_log(target: Path | str) -> Database:
    """The log at ``target`` (a SQLite path or a PostgreSQL URL), or a one-line error that
    names it (never the URL's password)."""
    try:
        return await open_database(target)
    except ModuleNotFoundError:
        raise QueryError("a postgresql:// log needs asyncpg: "
                         "pip install 'archive-bot[postgresql]'") from None
    except (sqlite3.Error, StoreError, OSError) as exc:  # BackendError too
        if isinstance(exc, StoreError) or str(exc).startswith("PostgreSQL "):
            raise QueryError(str(exc)) from None
        where = safe_url(str(target)) if is_postgres_url(target) else str(target)
        raise QueryError(f"cannot open the query log {where}: {exc}") from None


async def _logs(settings: Settings, args: argparse.Namespace) -> int:
    conn = await open_log(settings.querylog.url or settings.querylog.path)
    try:
        qlog = QueryLog(conn, hash_users=settings.querylog.hash_users, batch_size=1,
                        flush_interval=0.0, retention_days=settings.querylog.retention_days)
        await qlog.start()  # loads the salt that hashes a Discord user id
        user = stored_user_key(qlog, args.user)
        if args.forget:
            if user is None:  # cmd_logs checks this first; here for the type checker
                raise QueryError("--forget needs --user (a Discord user id or a stored key)")
            removed = await qlog.forget_user(user, guild_id=args.guild)
            # Saved searches keep the Discord id (an alert's DM needs it): forgotten by id.
            watches = (await WatchStore(conn).forget_owner(args.user.strip(), args.guild)
                       if SNOWFLAKE.fullmatch(args.user.strip()) else 0)
            where = "" if args.guild is None else f" in guild {args.guild}"
            if not removed and not watches:  # a forget request must never silently do nothing
                raise QueryError(f"no query-log rows for user {args.user}{where}: "
                                 "nothing deleted (give a Discord user id or a stored key)")
            print(f"forgot user {args.user}{where}: {removed} rows and {watches} saved "
                  "searches deleted")
            return 0
        if args.action == "prune":
            removed = await qlog.prune()
            days = settings.querylog.retention_days
            print(f"pruned {removed} rows older than {days} days" if days > 0
                  else "retention is off (querylog.retention_days <= 0): nothing pruned")
            return 0
        rows = await fetch_view(conn, args.view, days=args.days, user=user,
                                command=args.log_command, limit=args.limit,
                                guild_id=args.guild)
    finally:
        await qlog.close()
        await conn.close()
    emit(args.view, rows, args.format)
    return 0


def stored_user_key(qlog: QueryLog, user: str | None) -> str | None:
    """``--user`` as stored: a Discord user id (a snowflake: 17 to 20 digits) becomes its
    salted key; anything else is taken as a stored key already (16 hex characters)."""
    if user is None:
        return None
    text = user.strip()
    return qlog.user_key(text) if SNOWFLAKE.fullmatch(text) else text


async def fetch_view(
    conn: Database, view: str, *, days: int | None, user: str | None,
    command: str | None, limit: int, guild_id: int | None = None,
) -> list[dict[str, Any]]:
    """One view as plain dicts (JSON-ready); ``stats`` gives one row per day plus totals.
    ``guild_id`` None: every server (the operator sees them all)."""
    if view == "stats":
        s = await views.stats(conn, days=days, user=user, command=command, guild_id=guild_id)
        return [{
            "total": s.total, "by_command": s.by_command, "distinct_users": s.distinct_users,
            "answered_rate": s.answered_rate, "latency_median_ms": s.latency_median,
            "latency_p95_ms": s.latency_p95, "negative_feedback": s.negative_feedback,
            "positive_feedback": s.positive_feedback,
            "by_day": [{"date": d.isoformat(), "queries": n} for d, n in s.by_day],
        }]
    fetchers: dict[str, Callable[..., Awaitable[Sequence[Any]]]] = {
        "recent": views.recent, "top": views.top, "unanswered": views.unanswered,
        "slow": views.slow, "feedback": views.feedback,
    }
    fetch = fetchers[view]
    found = await fetch(conn, days=days, user=user, command=command, limit=limit,
                        guild_id=guild_id)
    return [{k: _plain(v) for k, v in row._asdict().items()} for row in found]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any, width: int = 48) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.2f}"
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _csv_cell(value: Any) -> str:
    """A CSV cell: texts made inert for spreadsheets (formula injection; bot.core.export)."""
    if value is None:
        return ""
    text = _cell(value, 10_000)
    return safe_text(text) if isinstance(value, str) else text


def emit(view: str, rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"view": view, "rows": rows}, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        flat = rows[0]["by_day"] if view == "stats" and rows else rows
        writer = csv.writer(sys.stdout)
        if flat:
            writer.writerow(list(flat[0]))
            for row in flat:
                writer.writerow([_csv_cell(v) for v in row.values()])
        return
    if view == "stats":
        _print_stats(rows[0])
        return
    if not rows:
        print(f"no rows in the {view} view")
        return
    columns = TABLE_COLUMNS[view]
    table(columns, [[_cell(row[c]) for c in columns] for row in rows])


def _print_stats(s: dict[str, Any]) -> None:
    rate = s["answered_rate"]
    print(f"queries: {s['total']}   distinct users: {s['distinct_users']}   answered: "
          f"{'-' if rate is None else f'{100 * rate:.0f}%'}")
    print(f"latency: median {_cell(s['latency_median_ms'])} ms, "
          f"p95 {_cell(s['latency_p95_ms'])} ms")
    print(f"feedback: {s['positive_feedback']} helpful, {s['negative_feedback']} not helpful")
    for name, n in s["by_command"].items():
        print(f"  {name:<12} {n}")
    peak = max((d["queries"] for d in s["by_day"]), default=0) or 1
    for day in s["by_day"][-31:]:
        print(f"  {day['date']}  {'#' * round(30 * day['queries'] / peak):<30} {day['queries']}")

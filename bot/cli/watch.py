"""``archive-bot watch add|list|remove|resume|run``: saved searches from the command line.

Watches live in the query log's database (``querylog.url`` or ``querylog.path``), the one
the bot reads, and each belongs to a Discord server: every action but ``run`` needs
``--guild ID`` (exit 2 without it). ``run`` prints what the bot would post for every active
watch (of ``--guild`` only, else of every server) and marks it seen, so a cron job can mail
it; ``--dry-run`` prints without marking.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli.common import (
    add_filter_options,
    add_json_option,
    load_archive,
    print_json,
    settings_from,
)
from bot.cli.logs import open_log
from bot.cli.output import clean
from bot.config import Settings
from bot.core.followup import describe_filters
from bot.core.snapshot import Snapshot
from bot.core.watches import (
    Match,
    MatchRule,
    WatchRequest,
    baseline,
    check_source,
    matches,
)
from bot.core.watches import new_matches as unseen
from bot.errors import QueryError
from bot.store.watches import Caps, Watch, WatchStore

ACTIONS = ("add", "list", "remove", "resume", "run")
NO_GUILD = ("give --guild ID: a watch belongs to a Discord server (its id: Server Settings, "
            "or right-click the server and Copy Server ID)")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "watch", parents=[parent], help="saved searches that alert (add, list, remove, run)",
        description="Saved searches of a Discord server. 'run' prints the new matching "
                    "paragraphs of every active watch (what the bot posts after a reindex) "
                    "and marks them seen.")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("target", nargs="?", default=None, metavar="QUERY|ID",
                   help="add: the query; remove, resume: the watch's id")
    p.add_argument("--guild", type=int, default=None, metavar="ID",
                   help="the Discord server (needed by all but run; run: only its watches)")
    p.add_argument("--channel", type=int, default=None, metavar="ID",
                   help="add: the channel the alerts go to")
    p.add_argument("--owner", type=int, default=None, metavar="ID",
                   help="add: the watch's owner (a Discord user id); without --channel its "
                        "alerts go to the owner by DM")
    p.add_argument("--dry-run", action="store_true",
                   help="run: print what is new without marking it seen")
    add_filter_options(p)
    add_json_option(p)
    p.set_defaults(handler=cmd_watch)


def cmd_watch(args: argparse.Namespace) -> int:
    if args.action != "run" and args.guild is None:
        raise QueryError(NO_GUILD)
    if args.action == "add" and args.channel is None and args.owner is None:
        raise QueryError("give --channel ID (alerts posted there) or --owner ID (alerts to "
                         "that user by DM)")
    if args.action in ("remove", "resume"):
        watch_id(args.target)
    snapshot = None
    if args.action in ("add", "run"):
        archive, _ = load_archive(args)
        snapshot = Snapshot(archive)
        settings = archive.settings
    else:
        settings = settings_from(args)
    return asyncio.run(_watch(settings, snapshot, args))


def watch_id(text: str | None) -> int:
    if text is None or not text.strip().isdigit() or int(text) < 1:
        raise QueryError(f"give the watch's id (a number, see 'watch list'), not {text!r}")
    return int(text)


async def _watch(settings: Settings, snapshot: Snapshot | None, args: argparse.Namespace,
                 ) -> int:
    conn = await open_log(settings.querylog.url or settings.querylog.path)
    try:
        store = WatchStore(conn)
        if args.action == "list":
            emit_watches(await store.list(args.guild), args.json)
        elif args.action == "remove":
            emit_watches([await store.remove(args.guild, watch_id(args.target))], args.json,
                         "removed")
        elif args.action == "resume":
            emit_watches([await store.resume(args.guild, watch_id(args.target))], args.json,
                         "resumed")
        elif snapshot is not None and args.action == "add":
            await add(store, settings, snapshot, args)
        elif snapshot is not None:
            await run(store, settings, snapshot, args)
    finally:
        await conn.close()
    return 0


async def add(store: WatchStore, settings: Settings, snapshot: Snapshot,
              args: argparse.Namespace) -> None:
    request = WatchRequest.parse(settings, args.target or "", args.date_from, args.date_to,
                                 args.source)
    check_source(snapshot, request.filters.source)
    rule = MatchRule.of(settings.watches)
    known = baseline(snapshot, request, rule)
    caps = Caps(settings.watches.max_per_user, settings.watches.max_per_guild)
    watch = await store.add(args.guild, args.owner or 0, args.channel, request, caps,
                            baseline=known)
    emit_watches([watch], args.json, f"saved ({len(known)} paragraphs already match; "
                                     "they are not reported)")


def watch_json(watch: Watch) -> dict[str, Any]:
    f = watch.filters
    return {"id": watch.id, "guild_id": watch.guild_id, "owner_id": watch.owner_id,
            "channel_id": watch.channel_id, "query": watch.query,
            "from": f.date_from, "to": f.date_to, "source": f.source,
            "created_at": watch.created_at.isoformat(), "paused": watch.paused,
            "pause_reason": watch.pause_reason}


def describe(watch: Watch) -> str:
    where = f"channel {watch.channel_id}" if watch.channel_id else f"DM to {watch.owner_id}"
    filters = describe_filters(watch.filters)
    state = f"  [paused: {watch.pause_reason}]" if watch.paused else ""
    extra = f" ({clean(filters)})" if filters else ""
    return f"#{watch.id}  {clean(watch.query)}{extra} -> {where}, guild {watch.guild_id}{state}"


def emit_watches(watches: list[Watch], as_json: bool, verb: str = "") -> None:
    if as_json:
        print_json({"watches": [watch_json(w) for w in watches]})
        return
    if not watches:
        print("no watches")
    for w in watches:
        print(describe(w) + (f"  {verb}" if verb else ""))


def match_json(m: Match) -> dict[str, Any]:
    h = m.hit
    return {"doc_id": h.doc_id, "title": h.title, "source": h.source, "date": h.date,
            "paragraph": h.paragraph, "score": round(h.score, 4), "text": h.text,
            "url": h.url, "coverage": round(m.coverage, 4)}


async def run(store: WatchStore, settings: Settings, snapshot: Snapshot,
              args: argparse.Namespace) -> None:
    rule = MatchRule.of(settings.watches)
    shown = settings.watches.shown
    out: list[dict[str, Any]] = []
    for watch in await store.active():
        if args.guild is not None and watch.guild_id != str(args.guild):
            continue
        fresh = unseen(matches(snapshot, watch.request, rule), await store.seen(watch.id))
        if not fresh:
            continue
        if not args.dry_run:
            await store.mark_seen(watch.id, fresh)
        out.append({**watch_json(watch), "new": len(fresh),
                    "paragraphs": [match_json(m) for m in fresh[:shown]],
                    "more": max(0, len(fresh) - shown)})
    if args.json:
        print_json({"marked_seen": not args.dry_run, "alerts": out})
        return
    if not out:
        print("nothing new for any watch")
    for alert in out:
        print(f"watch #{alert['id']}  {clean(alert['query'])}: {alert['new']} new")
        for n, p in enumerate(alert["paragraphs"], start=1):
            print(f"  [{n}] {clean(p['title'])} — {clean(p['source'] or '')}, "
                  f"{p['date'] or 'undated'}, ¶{p['paragraph']}")
            print(f"      {clean(' '.join(p['text'].split()))}")
        if alert["more"]:
            print(f"  {alert['more']} more: archive-bot search {clean(alert['query'])!r}")

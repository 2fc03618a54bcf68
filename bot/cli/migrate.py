"""``archive-bot migrate-log``: copy a SQLite query log into PostgreSQL, without loss.

Every table the bot keeps is copied in batches (queries, the admin audit, channel settings,
the meta keys), in the source's order, and then checked: each table's rows are counted in
the source, as copied, and as already in the target, and a row of the source missing from
the target fails the command. A target that already has rows is refused unless ``--append``
(for a copy that was interrupted, or a log added to one the bot already writes); a second run
copies nothing twice: queries are matched on ``request_id``, audit rows on all their
columns, channel settings on their channel (the target's kept), meta on its key.

The user-key salt is the source's: an empty target takes it, so the copied user keys (salted
hashes) still match a Discord user id (``logs --user ID --forget``). Appending to a target
with another salt is refused: its rows and the copied ones could not both be found.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cli.common import settings_from
from bot.cli.logs import open_log
from bot.cli.output import table
from bot.errors import QueryError
from bot.store.backend import POSTGRESQL, SALT_KEY, Database, atomic, load_salt
from bot.store.postgres import is_postgres_url, safe_url
from bot.store.querylog import COLUMNS

BATCH = 1000
AUDIT = ("ts", "guild_id", "channel_id", "user_key", "action", "allowed", "detail")
CHANNELS = ("guild_id", "channel_id", "enabled", "answer_mentions", "ephemeral", "threads",
            "updated_at", "updated_by")
TABLES = ("queries", "admin_audit", "channel_settings", "watches", "watch_seen", "meta")
WATCHES = ("id", "guild_id", "owner_id", "channel_id", "query", "date_from", "date_to",
           "source", "created_at", "paused_at", "pause_reason", "owner_told")
SEEN = ("watch_id", "doc_id", "digest", "paragraph", "seen_at")


@dataclass
class Copied:
    table: str
    source: int = 0
    copied: int = 0
    present: int = 0  # already in the target (a second run, or --append)
    target: int = 0

    @property
    def complete(self) -> bool:
        return self.copied + self.present == self.source


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate-log", parents=[parent], help="copy the SQLite query log into PostgreSQL",
        description="Copy the SQLite query log (queries, admin audit, channel settings, the "
                    "user-key salt) into a PostgreSQL database, checking every table's rows.")
    p.add_argument("--to", dest="target", default=None, metavar="URL",
                   help="postgresql://user:password@host/db (default: querylog.url, e.g. "
                        "from ARCHIVE_BOT_QUERYLOG__URL, which keeps the password out of "
                        "the shell's history)")
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="PATH",
                   help="the SQLite log (default: querylog.path)")
    p.add_argument("--append", action="store_true",
                   help="copy into a target that already has rows (nothing is copied twice)")
    p.set_defaults(handler=cmd_migrate_log)


def cmd_migrate_log(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    target = args.target or settings.querylog.url
    if not target or not is_postgres_url(target):
        raise QueryError("--to needs a postgresql:// URL (or set querylog.url)")
    source = args.source or settings.querylog.path
    if not Path(source).is_file():
        raise QueryError(f"no SQLite query log at {source}")
    results = asyncio.run(migrate(Path(source), target, append=args.append))
    table(("table", "source", "copied", "already there", "target now"),
          [[r.table, str(r.source), str(r.copied), str(r.present), str(r.target)]
           for r in results])
    missing = [r.table for r in results if not r.complete]
    if missing:
        raise QueryError(f"rows of {', '.join(missing)} are missing from the target: "
                         "run it again with --append")
    print(f"copied {source} to {safe_url(target)}: every row is there")
    return 0


async def migrate(source: Path, target: str, *, append: bool) -> list[Copied]:
    """Copy ``source`` into ``target``; the counts per table (see the module)."""
    src = await open_log(source)
    try:
        dst = await open_log(target)
        try:
            held = {t: await _count(dst, t) for t in TABLES if t != "meta"}
            if any(held.values()) and not append:
                rows = ", ".join(f"{n} {t}" for t, n in held.items() if n)
                raise QueryError(f"{safe_url(target)} is not empty ({rows}): "
                                 "--append adds to it (nothing is copied twice)")
            await _same_salt(src, dst, empty=not any(held.values()))
            return [await _queries(src, dst), await _audit(src, dst),
                    await _keyed(src, dst, "channel_settings", CHANNELS,
                                 ("guild_id", "channel_id")),
                    *await _watches(src, dst),
                    await _keyed(src, dst, "meta", ("key", "value"), ("key",))]
        finally:
            await dst.close()
    finally:
        await src.close()


async def _count(db: Database, name: str) -> int:
    row = await db.fetchone(f"SELECT count(*) FROM {name}")
    return 0 if row is None else int(row[0])


async def _same_salt(src: Database, dst: Database, *, empty: bool) -> None:
    salt, theirs = await load_salt(src), await load_salt(dst)
    if salt == theirs:
        return
    if not empty:
        raise QueryError("the target's user-key salt is not the source's: the users of one "
                         "could not be found in the other; copy into an empty database")
    async with atomic(dst):
        await dst.execute("UPDATE meta SET value = ? WHERE key = ?", (salt, SALT_KEY))


async def _batches(src: Database, name: str, columns: Sequence[str]) -> Any:
    """The rows of ``name`` (``id`` first) in id order, ``BATCH`` at a time."""
    last = -1
    while True:
        rows = await src.fetchall(
            f"SELECT id, {', '.join(columns)} FROM {name} WHERE id > ? ORDER BY id LIMIT ?",
            (last, BATCH))
        if not rows:
            return
        last = int(rows[-1][0])
        yield [tuple(row)[1:] for row in rows]


async def _queries(src: Database, dst: Database) -> Copied:
    """Matched on ``request_id``; a row without one (none since request ids exist) is always
    copied."""
    result = Copied("queries", source=await _count(src, "queries"))
    async for rows in _batches(src, "queries", COLUMNS):
        async with atomic(dst):
            inserted = await dst.insert_ignore("queries", COLUMNS, rows, ("request_id",))
        ids = [row[-1] for row in rows if row[-1] is not None]
        found = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            row = await dst.fetchone(
                f"SELECT count(*) FROM queries WHERE request_id IN ({marks})", chunk)
            found += 0 if row is None else int(row[0])
        without_id = len(rows) - len(ids)
        result.copied += inserted
        result.present += found - (inserted - without_id)
    result.target = await _count(dst, "queries")
    return result


async def _audit(src: Database, dst: Database) -> Copied:
    result = Copied("admin_audit", source=await _count(src, "admin_audit"))
    have = Counter(tuple(r) for r in await dst.fetchall(
        f"SELECT {', '.join(AUDIT)} FROM admin_audit"))
    async for rows in _batches(src, "admin_audit", AUDIT):
        new = []
        for row in rows:
            if have[row] > 0:
                have[row] -= 1
                result.present += 1
            else:
                new.append(row)
        async with atomic(dst):
            result.copied += await dst.insert_ignore("admin_audit", AUDIT, new, ())
    result.target = await _count(dst, "admin_audit")
    return result


async def _keyed(src: Database, dst: Database, name: str, columns: Sequence[str],
                 key: Sequence[str]) -> Copied:
    rows = [tuple(r) for r in await src.fetchall(f"SELECT {', '.join(columns)} FROM {name}")]
    result = Copied(name, source=len(rows))
    async with atomic(dst):
        result.copied = await dst.insert_ignore(name, columns, rows, key)
    result.present = result.source - result.copied
    result.target = await _count(dst, name)
    return result


async def _watches(src: Database, dst: Database) -> list[Copied]:
    """The saved searches with their ids (what each has seen refers to them), then the
    target's id sequence moved past them, so a watch added there later gets a new id."""
    watches = await _keyed(src, dst, "watches", WATCHES, ("id",))
    seen = await _keyed(src, dst, "watch_seen", SEEN, ("watch_id", "doc_id", "digest"))
    if dst.dialect == POSTGRESQL:
        await dst.execute("SELECT setval(pg_get_serial_sequence('watches', 'id'), "
                          "(SELECT COALESCE(max(id), 0) + 1 FROM watches), false)")
    return [watches, seen]

"""Numbered schema migrations, one folder per dialect, recorded in the ``migrations`` table.

The ``NNNN_name.sql`` files in ``bot/store/migrations/<dialect>/`` (package data: ``sqlite``
and ``postgresql``) give the same schema in each dialect, with the same numbers. Each one
runs once, inside a transaction, and is recorded in ``migrations``; a database that has them
all is opened without writing anything (so a locked or full SQLite file still opens). On
PostgreSQL an advisory lock keeps several processes starting at once from migrating twice.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from bot.store.backend import SQLITE, Database, MigrationError, atomic, format_ts, utcnow

logger = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    id: int
    name: str
    sql: str


def load_migrations(dialect: str = SQLITE) -> list[Migration]:
    """The migrations shipped with the package for ``dialect``, sorted by id."""
    folder = resources.files("bot.store").joinpath("migrations").joinpath(dialect)
    if not folder.is_dir():
        raise MigrationError(f"no migrations for the {dialect!r} dialect")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        number = int(match.group(1))
        if number in found:
            raise MigrationError(f"two migrations numbered {number:04d}")
        found[number] = Migration(number, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[n] for n in sorted(found)]


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (string- and trigger-aware)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        not ln.strip() or ln.strip().startswith("--") for ln in current.splitlines()
    ):
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {current!r}")
    return statements


async def apply_migrations(
    db: Database,
    migrations: Sequence[Migration] | None = None,
    *,
    patience: float = 0.0,
) -> list[int]:
    """Apply the migrations ``db`` lacks, each in its own transaction; return their ids.

    Nothing is written when none is missing. ``patience``: see :func:`atomic`."""
    known = list(load_migrations(db.dialect) if migrations is None else migrations)
    await db.create_migrations_table()
    known_ids = {m.id for m in known}
    rows = await db.fetchall("SELECT id, name FROM migrations ORDER BY id")
    unknown = [(row[0], row[1]) for row in rows if row[0] not in known_ids]
    if unknown:
        number, name = unknown[-1]
        raise MigrationError(
            f"the database has migration {number:04d}_{name}, which this version of "
            "archive-bot does not know: it was written by a newer version; upgrade the bot "
            "or point it at another database"
        )
    present = {row[0] for row in rows}
    applied: list[int] = []
    for migration in known:
        if migration.id in present:
            continue
        async with atomic(db, patience=patience):
            await db.serialise_migrations()
            # Checked inside the transaction: another process may have just applied it.
            if await db.fetchone("SELECT 1 FROM migrations WHERE id = ?", (migration.id,)):
                continue
            try:
                for statement in split_statements(migration.sql):
                    await db.execute(statement)
            except sqlite3.Error as exc:  # PostgreSQL's too (BackendError)
                raise MigrationError(
                    f"migration {migration.id:04d}_{migration.name} failed: {exc}"
                ) from exc
            await db.execute(
                "INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)",
                (migration.id, migration.name, format_ts(utcnow())),
            )
        applied.append(migration.id)
        logger.info("applied migration %04d_%s", migration.id, migration.name)
    return applied

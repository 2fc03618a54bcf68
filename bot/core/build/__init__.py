"""The build pipeline: from an archive folder to a saved, loadable index.

    scan(source, previous) -> Scan             what is on disk (hashing only changed files)
    plan(scan, previous)   -> BuildPlan        pure: reuse, add, change, reparse; removed
    execute(plan, ...)     -> Iterator[ParsedFile]   parse + tokenize + quotations per file
    assemble(parsed, ...)  -> ArchiveIndex     duplicate ids, metadata, BM25, quotations

:func:`run` runs the four over a :class:`Source` (the one ingestion path: tests and
production alike); :func:`build` runs them over the archive the settings name;
:func:`open_archive` loads a saved index that still matches, and builds and saves otherwise.

Parallelism, the index folder's lock and heap trimming are the runtime's to lend
(:class:`~bot.core.build.host.Host`; :data:`bot.runtime.workers.HOST`): the core is serial.
"""

from __future__ import annotations

from bot.core.build.assemble import assemble
from bot.core.build.execute import BuildError, execute
from bot.core.build.host import SERIAL, Host
from bot.core.build.pipeline import (
    INGEST_VERSION,
    build,
    fingerprint_now,
    ingest_params,
    open_archive,
    run,
)
from bot.core.build.plan import BuildPlan, FileTask, plan
from bot.core.build.report import BuildReport, all_skipped
from bot.core.build.scan import Scan, Source, scan

__all__ = [
    "INGEST_VERSION",
    "SERIAL",
    "BuildError",
    "BuildPlan",
    "BuildReport",
    "FileTask",
    "Host",
    "Scan",
    "Source",
    "all_skipped",
    "assemble",
    "build",
    "execute",
    "fingerprint_now",
    "ingest_params",
    "open_archive",
    "plan",
    "run",
    "scan",
]

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

The names below are imported on first use, so loading a saved index (a one-shot search)
does not import the parsers and the quotation extractor it does not run.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "assemble": "assemble",
    "BuildError": "execute",
    "execute": "execute",
    "SERIAL": "host",
    "Host": "host",
    "INGEST_VERSION": "pipeline",
    "build": "pipeline",
    "fingerprint_now": "pipeline",
    "ingest_params": "pipeline",
    "open_archive": "pipeline",
    "run": "pipeline",
    "BuildPlan": "plan",
    "FileTask": "plan",
    "plan": "plan",
    "BuildReport": "report",
    "all_skipped": "report",
    "Scan": "scan",
    "Source": "scan",
    "scan": "scan",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)

"""From an archive folder to a ready :class:`~bot.core.search.Archive`: the whole build.

``open_archive`` is what start-up calls: it loads the saved index when its parameters and
the archive's content fingerprint still match, and otherwise (no index, a corrupt or foreign
one, a changed archive) builds a new one and saves it. ``build`` is incremental: a file whose
content hash is unchanged reuses its parsed paragraphs, terms and quotations.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bot.config import BM25Settings, Settings
from bot.core.build import report as reports
from bot.core.build.host import SERIAL, Host
from bot.core.build.plan import BuildPlan, plan
from bot.core.build.report import BuildReport
from bot.core.build.scan import Source, scan
from bot.core.index import ArchiveIndex, Progress, index_params
from bot.core.search import Archive
from bot.core.storage import load_index, save_index, verify_index
from bot.core.tokenize import Tokenizer
from bot.errors import IndexFormatError

log = logging.getLogger(__name__)

# Bumped when ingestion changes what it makes of the same files (v2: control characters
# and bidi overrides stripped, paragraphs capped; v3: HTML through trafilatura, encodings
# detected, WARC and .gz read), so an index built before is re-parsed.
INGEST_VERSION = 3


def ingest_params(settings: Settings) -> dict[str, Any]:
    """The ingestion settings an index was built with; a change re-parses every file."""
    return {"version": INGEST_VERSION,
            "max_paragraph_chars": settings.archive.max_paragraph_chars,
            "date_day_first": settings.archive.date_day_first}


def fingerprint_now(settings: Settings, previous: ArchiveIndex | None = None) -> str:
    """The archive's content fingerprint as it is on disk now."""
    return scan(Source.of(settings.archive), previous).fingerprint


def run(
    source: Source,
    tokenizer: Tokenizer,
    bm25: BM25Settings,
    previous: ArchiveIndex | None = None,
    *,
    ingest_params: dict[str, Any] | None = None,
    full: bool = False,
    progress: Progress | None = None,
    host: Host = SERIAL,
) -> tuple[ArchiveIndex, BuildPlan]:
    """Scan ``source``, plan (incremental against ``previous`` unless ``full``), execute
    (parse the files that need it through ``host.parse_map``) and assemble: the index, and
    the plan it followed."""
    # The parsers and the quotation extractor, imported only when files are parsed: a load
    # of a saved index (a one-shot search) does not pay for them.
    from bot.core import ingest
    from bot.core.build.analyse import Analysis
    from bot.core.build.assemble import assemble
    from bot.core.build.execute import byte_progress, execute

    ingested = ingest_params if ingest_params is not None else {}
    scanned = scan(source, previous, map_files=host.verify_map)
    planned = plan(scanned, previous, params=index_params(tokenizer, bm25), ingest=ingested,
                   full=full)
    if planned.full_reason is not None:
        log.info("parsing every file: %s", planned.full_reason)
    meta_file = scanned.metadata
    metadata = (ingest.load_metadata(meta_file, scanned.metadata_name(),
                                     day_first=source.date_day_first)
                if meta_file is not None else ingest.Metadata())
    analysis = Analysis(source.root, tokenizer, source.max_paragraph_chars,
                        day_first=source.date_day_first)
    parsed = execute(planned, analysis, previous if planned.full_reason is None else None,
                     parse_map=host.parse_map, on_done=byte_progress(planned, progress))
    index = assemble(parsed, scanned, metadata, tokenizer, bm25, ingest_params=ingested,
                     progress=progress, release_memory=host.release_memory)
    return index, planned


def build(
    settings: Settings,
    tokenizer: Tokenizer,
    previous: ArchiveIndex | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    reason: str | None = None,
    host: Host = SERIAL,
) -> tuple[ArchiveIndex, BuildReport]:
    """Build an index of the archive the settings name (:func:`run`), and its report."""
    started = time.perf_counter()
    index, planned = run(Source.of(settings.archive), tokenizer, settings.bm25, previous,
                         ingest_params=ingest_params(settings), full=full, progress=progress,
                         host=host)
    report = reports.built(index, planned, reason=reason,
                           seconds=time.perf_counter() - started)
    return index, report


def _stale(settings: Settings, tokenizer: Tokenizer, previous: ArchiveIndex) -> str | None:
    """Why the saved index cannot serve as it is (None: it matches the archive)."""
    if previous.params != index_params(tokenizer, settings.bm25):
        return "index parameters changed"
    if previous.extras.get("ingest") != ingest_params(settings):
        return "ingestion settings changed"
    if fingerprint_now(settings, previous) != previous.fingerprint:
        return "archive changed"
    return None


def open_archive(
    settings: Settings,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    full: bool = False,
    host: Host = SERIAL,
    verify: bool = True,
) -> tuple[Archive, BuildReport]:
    """Load the saved index if it still matches the archive, else build and save one.

    ``verify=False`` is the fast start: the saved files are mapped, their sizes and shapes
    checked, and their checksums left to :func:`bot.core.storage.verify_index` (the bot runs
    it in the background). An index that is stale is always verified before a rebuild
    reuses any of it."""
    tokenizer = Tokenizer(settings.tokenizer)
    started = time.perf_counter()
    folder = settings.index.path
    previous: ArchiveIndex | None = None
    reason: str | None = None
    try:
        previous = load_index(folder, map_files=host.verify_map, verify=verify)
    except IndexFormatError as exc:
        log.warning("index unusable, rebuilding: %s", exc)
        reason = str(exc)
    if previous is not None and not rebuild:
        reason = _stale(settings, tokenizer, previous)
        if reason is None:
            report = reports.loaded(previous, seconds=time.perf_counter() - started)
            return Archive(previous, settings, tokenizer), report
    if previous is not None:
        try:  # what a rebuild reuses must be sound
            verify_index(previous, map_files=host.verify_map)
        except IndexFormatError as exc:
            log.warning("index unusable, rebuilding: %s", exc)
            previous, reason = None, str(exc)
    index, report = build(settings, tokenizer, previous, full=full, progress=progress,
                          reason=reason or ("requested" if rebuild else None), host=host)
    if progress is not None:
        progress("save", 0, 1)
    save_index(index, folder, lock=host.lock, map_files=host.verify_map)
    if progress is not None:
        progress("save", 1, 1)
    return Archive(index, settings, tokenizer), report

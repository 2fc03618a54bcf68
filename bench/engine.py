"""Engine benchmark: index build, start-up load, memory and query latency per archive size.

Usage::

    python -m bench engine --paragraphs 100k --json     # one size, one JSON object on stdout
    python -m bench engine --all                        # 10k, 100k, 1M -> bench/results.{md,json}
    python -m bench engine --paragraphs 1M --profile build|load|query   # cProfile a phase
    python -m bench engine --paragraphs 100k --competitors-only  # tantivy, bm25s beside ours
    python -m bench engine --paragraphs 10M --mixes      # ours alone, both query mixes

With the ``bench`` extra installed (``pip install -e '.[bench]'``) every run also measures
tantivy and bm25s side by side (``--no-competitors`` skips them): see
:mod:`bench.competitors_bench`; ``--all`` adds their section to results.md and draws
bench/engine-scaling.png.

For each size the synthetic archive is generated (or reused, see :mod:`bench.generate`), then

1. a fresh child process builds the index from the raw files (``open_archive`` with an empty
   index folder: scan + ingest + tokenize + matrices + save) and reports its own peak RSS
   (``ru_maxrss``), so the peak belongs to that size alone;
2. another fresh child loads the saved index as start-up does (``open_archive``: read,
   SHA-256 verification, decode, archive scan, ``Archive`` set-up), then times 200 fixed
   queries through ``Archive.search`` (limit 10), ``ask`` and quote lookup, and finally
   the same query tokens through rank-bm25's ``BM25Okapi.get_scores`` + an ``np.argsort``
   top-10 (up to ``--rank-bm25-max`` paragraphs), comparing top-10 sets.

Queries are deterministic for a given archive: 1-5 words drawn from the generator's own
vocabulary and names, mixing common (the 300 most frequent), mid-frequency and rare (in at
most 5 paragraphs) terms, sometimes with stop words; ``queries_sha256`` identifies the set.
Timings use ``time.perf_counter`` after a few warm-up queries.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import importlib
import inspect
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.competitors import COMPETITOR_PHASES
from bench.generate import OUT, Params, archive_dir, generate, parse_size, vocabulary

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
SIZES = (10_000, 100_000, 1_000_000)
N_QUERIES = 200
WARMUP = 5
TOP = 10
TIE = 1e-9
RANK_BM25_MAX = 100_000
QUERY_SEED = 7
TARGETS = {
    "search_p50_ms_1M": 5.0,
    "search_p99_ms_1M": 50.0,
    "build_s_1M": 180.0,
    "load_s_1M": 5.0,
    "rss_mb_1M": 2048.0,
    "speedup_100k": 100.0,
}


# ---------------------------------------------------------------------------------- helpers
def rss_mb(pid: int | str = "self") -> float:
    """Current resident set size of a process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (worker pools, their resource trackers...)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
                parent[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def tree_rss_mb() -> float:
    """RSS of this process plus all its descendants (a build may use worker processes)."""
    return rss_mb() + sum(rss_mb(c) for c in descendants(os.getpid()))


class TreeRss:
    """:func:`tree_rss_mb` for a sampler: the descendants are listed again (a scan of every
    process in /proc, milliseconds of the GIL) only every ``rescan`` calls, and in between
    only their ``statm`` is read. Sampled every 50 ms, a full scan each time took a tenth of
    a core from the build it measured. Worker pools start once; a process that appears is
    seen within ``rescan`` samples."""

    def __init__(self, rescan: int = 20) -> None:
        self.rescan, self._calls, self._pids = rescan, 0, list[int]()

    def __call__(self) -> float:
        if self._calls % self.rescan == 0:
            self._pids = descendants(os.getpid())
        self._calls += 1
        return rss_mb() + sum(rss_mb(c) for c in self._pids)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_children_rss_mb() -> float:
    """Largest peak RSS of any finished child process (RUSAGE_CHILDREN keeps the maximum)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def pct(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "p99": round(float(p99), 3)}


# ---------------------------------------------------------------------------------- stages
@dataclass(frozen=True)
class Stage:
    """One timed stage: ``function`` (a dotted path inside ``module``, e.g. ``scan`` or
    ``IndexBuilder.add``) is replaced, in ``module``'s namespace, by a timed wrapper. Wrap
    the name where the caller looks it up (``library.scan``, not where it is defined)."""

    label: str
    module: str
    function: str
    note: str = ""


# The stages of a build from raw files (``open_archive`` on an empty index folder). Each
# function's *own* time is its stage (time in other wrapped functions it calls is theirs),
# so the stages never overlap and ``other`` (the rest of the build) cannot be negative.
# When the build code moves, change this table: a function that no longer exists stops the
# benchmark with its name instead of timing as zero.
BUILD_STAGES: tuple[Stage, ...] = (
    Stage("scan", "bot.core.build.pipeline", "scan", "scan (list and hash files)"),
    # execute and assemble are imported by pipeline.run when it runs: timed where defined
    Stage("parse", "bot.core.build.execute", "execute",
          "parse + tokenize + quotes (waiting for the workers)"),
    Stage("bookkeeping", "bot.core.build.pipeline", "build", "reuse, ids, metadata, report"),
    Stage("bookkeeping", "bot.core.build.assemble", "assemble"),
    Stage("index_terms", "bot.core.index", "IndexBuilder.add",
          "term ids, texts compressed in blocks, quotation tables"),
    Stage("postings", "bot.core.index", "IndexBuilder._postings",
          "vocabulary, term-major postings"),
    Stage("assemble", "bot.core.index", "IndexBuilder.finish", "assemble the index"),
    Stage("save", "bot.core.build.pipeline", "save_index", "save (serialise, sha256, fsync)"),
)
# Start-up: loading the saved index (``open_archive`` when the fingerprint matches).
LOAD_STAGES: tuple[Stage, ...] = (
    Stage("read_verify", "bot.core.build.pipeline", "load_index",
          "read manifest, map + sha256 files (2 threads)"),
    Stage("decode", "bot.core.storage", "_decode", "decode arrays/json"),
    Stage("scan", "bot.core.build.pipeline", "scan", "scan the archive (fingerprint)"),
    Stage("archive_init", "bot.core.build.pipeline", "Archive", "Archive set-up"),
)
# Wrapped functions called from other threads: their time overlaps the main thread's
# stages (here, inside ``read_verify``), so it is reported beside them, never summed.
LOAD_THREAD_STAGES: tuple[Stage, ...] = (
    Stage("map_verify_threads", "bot.core.storage", "_map",
          "map + sha256, summed over the threads"),
)
# Allowed rounding error when checking that the stages fit in the measured total.
OTHER_TOLERANCE_S = 0.005


class StageError(RuntimeError):
    """A stage cannot be timed (its function is gone) or the stage times do not add up."""


class Timers:
    """Wall time spent in named functions, by wrapping them in their modules (measurement
    only: the wrapped code runs unchanged). A name a module does not have is an error.

    Each call's *own* time (its duration minus that of wrapped calls inside it, on the same
    thread) is added to its label, so on one thread the labels' times never overlap. A
    wrapped generator function is timed per ``next()``: the time spent producing each item,
    not the time the consumer holds it. Calls on other threads than the one that created the
    timers go to :attr:`threaded` instead (they overlap the main thread's time). With
    ``sample_rss`` a thread samples the RSS of the whole process tree (this process plus any
    worker processes) every 50 ms and keeps the peak, also per innermost wrapped label."""

    def __init__(self, sample_rss: bool = False) -> None:
        self.seconds: dict[str, float] = {}  # own time per label, main thread
        self.threaded: dict[str, float] = {}  # own time per label, other threads (summed)
        self.calls: dict[str, int] = {}
        self.peak_mb: dict[str, float] = {}
        self.tree_peak_mb = 0.0
        self._undo: list[tuple[Any, str, Any]] = []
        self._main = threading.get_ident()
        self._local = threading.local()
        self._main_stack: list[list[Any]] = []  # [label, started, time in wrapped callees]
        self._stop = threading.Event()
        if sample_rss:
            threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        tree = TreeRss()
        while not self._stop.wait(0.05):
            stack = self._main_stack
            key, now = (stack[-1][0] if stack else "other"), tree()
            self.tree_peak_mb = max(self.tree_peak_mb, now)
            if now > self.peak_mb.get(key, 0.0):
                self.peak_mb[key] = now

    def _stack(self) -> list[list[Any]]:
        if threading.get_ident() == self._main:
            return self._main_stack
        stack: list[list[Any]] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _enter(self, label: str) -> None:
        self._stack().append([label, time.perf_counter(), 0.0])

    def _exit(self) -> None:
        stack = self._stack()
        label, started, inner = stack.pop()
        took = time.perf_counter() - started
        if stack:
            stack[-1][2] += took
        into = self.seconds if stack is self._main_stack else self.threaded
        into[label] = into.get(label, 0.0) + took - inner
        self.calls[label] = self.calls.get(label, 0) + 1

    def _timed_items(self, label: str, items: Iterator[Any]) -> Iterator[Any]:
        try:
            while True:
                self._enter(label)
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self._exit()
                yield item
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        """Time ``owner.name`` under ``label`` (default ``name``); raise if there is none."""
        original = getattr(owner, name, None)
        where = getattr(owner, "__name__", repr(owner))
        if original is None or not callable(original):
            raise StageError(f"cannot time {where}.{name}: no such function (update the "
                             "stage table in bench/engine.py)")
        key = label or name
        generator = inspect.isgeneratorfunction(original)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if generator:
                return self._timed_items(key, original(*args, **kwargs))
            self._enter(key)
            try:
                return original(*args, **kwargs)
            finally:
                self._exit()

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def wrap_stages(self, stages: tuple[Stage, ...]) -> None:
        for stage in stages:
            owner: Any = importlib.import_module(stage.module)
            *path, name = stage.function.split(".")
            for part in path:
                inner = getattr(owner, part, None)
                if inner is None:
                    raise StageError(f"cannot time {stage.module}.{stage.function}: "
                                     f"{owner.__name__} has no {part}")
                owner = inner
            self.wrap(owner, name, stage.label)

    def restore(self) -> None:
        self._stop.set()
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def stages(self, stages: tuple[Stage, ...], total: float) -> dict[str, float]:
        """Each label's own time, then ``other``: the part of ``total`` no stage covers.
        Raises :class:`StageError` when the stages add up to more than ``total``."""
        out = {s.label: self.seconds.get(s.label, 0.0) for s in stages}
        other = total - sum(out.values())
        if other < -OTHER_TOLERANCE_S:
            raise StageError(f"stage times {out} add up to more than the total {total:.3f} s")
        out["other"] = max(other, 0.0)
        return out


def bench_settings(paragraphs: int) -> Any:
    """Default settings (the repository's config when present) on the bench folders."""
    from bot.config import Settings, load_settings, with_section

    config = REPO / "config" / "config.yaml"
    base = load_settings(config, environ={}) if config.exists() else Settings()
    settings = with_section(base, "archive", path=archive_dir(paragraphs), metadata=None)
    settings = with_section(settings, "index", path=index_dir(paragraphs), engine="matrix")
    return with_section(settings, "querylog", path=OUT / "querylog.sqlite3")


def index_dir(paragraphs: int) -> Path:
    return OUT / f"index-{paragraphs}"


def dir_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


# ---------------------------------------------------------------------------------- queries
def make_queries(index: Any, tokenizer: Any, n: int = N_QUERIES, seed: int = QUERY_SEED,
                 ) -> list[str]:
    """``n`` search queries of 1-5 words, deterministic for a given index."""
    p = Params(index.n_paragraphs)
    v = vocabulary(p.seed, p.vocab_size, p.zipf_s)
    df = index.postings.df()  # paragraphs per term
    pool: dict[int, str] = {}  # term id -> one surface word (first in generator order)
    for word in [*v.pseudo, *(s.lower() for s in v.last_names.tolist())]:
        terms = tokenizer(word)
        if len(terms) == 1:
            tid = index.vocab.get(terms[0], -1)
            if tid >= 0 and tid not in pool:
                pool[tid] = word
    ids = np.fromiter(pool, dtype=np.int64, count=len(pool))
    order = ids[np.lexsort((ids, -df[ids]))]  # by df descending, ties by term id
    common = order[:300]
    rare = order[df[order] <= 5]
    mid = order[300 : len(order) - len(rare)]
    tiers = [t for t in (common, mid, rare) if len(t)]
    probs = np.array([0.35, 0.40, 0.25][: len(tiers)])
    rng = np.random.default_rng(seed)
    stop = ["the", "of", "what", "about", "in", "did", "and"]
    queries = []
    for _ in range(n):
        words = []
        for _ in range(int(rng.integers(1, 6))):
            tier = tiers[int(rng.choice(len(tiers), p=probs / probs.sum()))]
            words.append(pool[int(tier[rng.integers(0, len(tier))])])
        if rng.random() < 0.2:
            words.insert(int(rng.integers(0, len(words) + 1)), stop[rng.integers(0, len(stop))])
        queries.append(" ".join(words))
    return queries


def make_questions(queries: list[str], index: Any, seed: int = QUERY_SEED) -> list[str]:
    """Natural-language questions around the search queries (for ``ask``)."""
    rng = np.random.default_rng([seed, 1])
    p = Params(index.n_paragraphs)
    names = vocabulary(p.seed, p.vocab_size, p.zipf_s).last_names
    forms = ("What did {name} say about {q}?", "What happened with {q}?",
             "Who was behind {q}?", "How many {q} were there?", "When did {q} start?")
    out = []
    for q in queries:
        form = forms[int(rng.integers(0, len(forms)))]
        out.append(form.format(q=q, name=names[int(rng.integers(0, 200))]))
    return out


def make_quotes(index: Any, n: int = N_QUERIES, seed: int = QUERY_SEED) -> list[str]:
    """Fragments of quoted statements found in the archive (half exact, half altered)."""
    rng = np.random.default_rng([seed, 2])
    out: list[str] = []
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        text = index.text(int(rng.integers(0, index.n_paragraphs)))
        start = text.find("\u201c")
        end = text.find("\u201d", start + 1)
        if start < 0 or end < 0:
            continue
        words = text[start + 1 : end].rstrip(",").split()
        if len(words) < 6:
            continue
        k = int(rng.integers(6, min(12, len(words)) + 1))
        a = int(rng.integers(0, len(words) - k + 1))
        frag = words[a : a + k]
        if rng.random() < 0.5:  # a misremembered quote: one word dropped
            del frag[int(rng.integers(0, len(frag)))]
        out.append(" ".join(frag))
    return out


def queries_digest(queries: list[str]) -> str:
    return hashlib.sha256("\n".join(queries).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------- phases
def phase_build(paragraphs: int) -> dict[str, Any]:
    """Child process: build the index from the raw files into an empty folder."""
    from bot.runtime.workers import open_archive

    settings = bench_settings(paragraphs)
    shutil.rmtree(settings.index.path, ignore_errors=True)
    base_rss = rss_mb()
    timers = Timers(sample_rss=True)
    timers.wrap_stages(BUILD_STAGES)
    started = time.perf_counter()
    try:
        archive, report = open_archive(settings)
        build_s = time.perf_counter() - started
    finally:
        timers.restore()
    if report.action not in ("built", "rebuilt"):
        raise SystemExit(f"expected a fresh build, got {report.action}")
    stages = timers.stages(BUILD_STAGES, build_s)
    index = archive.index
    return {
        "build_s": round(build_s, 3),
        "build_stages_s": {k: round(v, 3) for k, v in stages.items()},
        "build_peak_rss_by_stage_mb": {k: round(v) for k, v in timers.peak_mb.items()},
        # Whole process tree (main + worker processes), sampled every 50 ms:
        "peak_rss_mb": round(max(timers.tree_peak_mb, peak_rss_mb()), 1),
        "peak_rss_main_mb": round(peak_rss_mb(), 1),
        "peak_rss_worker_mb": round(peak_children_rss_mb(), 1),
        "base_rss_mb": round(base_rss, 1),
        "articles": len(index.docs),
        "indexed_paragraphs": index.n_paragraphs,
        "terms": len(index.vocab),
        "postings": int(index.postings.nnz),
    }


def _top_agree(ours: list[int], scores: np.ndarray, k: int = TOP) -> bool:
    """Tie-aware top-k equality against rank-bm25's full score vector: same size, every one
    of ours scores at least the reference k-th best (within TIE), and every reference entry
    strictly above the k-th best is ours."""
    order = np.argsort(-scores, kind="stable")[:k]
    ref = [int(i) for i in order if scores[i] > 0]
    if len(ours) != len(ref):
        return False
    if not ref:
        return True
    kth = float(scores[ref[-1]])
    mine = set(ours)
    return all(scores[i] >= kth - TIE for i in ours) and all(
        i in mine for i in ref if scores[i] > kth + TIE
    )


def phase_mixes(paragraphs: int, *, n_queries: int, rounds: int) -> dict[str, Any]:
    """Ours alone, both query mixes (short: the serve phase's queries; natural: questions
    around them), end to end (``Archive.search``, with the hits' texts) and ranking alone
    (``Archive.top``), ``rounds`` interleaved rounds in one process: the side-by-side
    figures of a size the competitors are too big to run at (10M)."""
    from bot.runtime.workers import open_archive

    started = time.perf_counter()
    archive, report = open_archive(bench_settings(paragraphs))
    load_s = time.perf_counter() - started
    index, tokenizer = archive.index, archive.tokenizer
    short = make_queries(index, tokenizer, n_queries)
    mixes = {"short": short, "natural": make_questions(short, index)}
    warm = make_queries(index, tokenizer, WARMUP, seed=QUERY_SEED + 1000)
    ways: dict[str, Callable[[str], object]] = {
        "search": lambda q: archive.search(q, limit=10), "ranking": lambda q: archive.top(q, 10)}
    for q in warm + make_questions(warm, index):
        for way in ways.values():
            way(q)
    ms: dict[str, list[float]] = {f"{w}_{m}": [] for w in ways for m in mixes}
    for _ in range(rounds):
        for mix, queries in mixes.items():
            for q in queries:
                for name, way in ways.items():
                    t0 = time.perf_counter()
                    way(q)
                    ms[f"{name}_{mix}"].append((time.perf_counter() - t0) * 1000)
    return {"paragraphs": paragraphs, "index_action": report.action,
            "load_s": round(load_s, 3), "rounds": rounds, "queries": len(short),
            "ms": {key: pct(values) for key, values in ms.items()},
            "rss_mb": round(rss_mb(), 1)}


def phase_workload(paragraphs: int, *, n_queries: int) -> dict[str, Any]:
    """Child process: the serve phase's queries, questions and quotes (and their warm-ups),
    made from the saved index here, so that making them (the generator's vocabulary, a
    tokenizer cache full of its words) is not charged to the serving process's memory."""
    from bot.runtime.workers import open_archive

    archive, _ = open_archive(bench_settings(paragraphs))
    index = archive.index
    queries = make_queries(index, archive.tokenizer, n_queries)
    warm = make_queries(index, archive.tokenizer, WARMUP, seed=QUERY_SEED + 1000)
    return {"queries": queries, "warm": warm,
            "questions": make_questions(queries, index),
            "warm_questions": make_questions(warm, index),
            "quotes": make_quotes(index, n_queries)}


def phase_serve(paragraphs: int, *, rank_bm25: bool, n_queries: int) -> dict[str, Any]:
    """Child process: start-up load, then query latencies (ours, ask, quotes, rank-bm25)."""
    from bot.core.answers.ask import ask
    from bot.core.bm25 import top_k
    from bot.core.requests import AskRequest
    from bot.core.snapshot import Snapshot
    from bot.runtime.workers import open_archive

    settings = bench_settings(paragraphs)
    work = child(["--phase", "workload", "--paragraphs", str(paragraphs),
                  "--queries", str(n_queries)])
    base_rss = rss_mb()
    timers = Timers()
    timers.wrap_stages(LOAD_STAGES + LOAD_THREAD_STAGES)
    started = time.perf_counter()
    try:
        archive, report = open_archive(settings)
        load_s = time.perf_counter() - started
    finally:
        timers.restore()
    if report.action != "loaded":
        raise SystemExit(f"expected to load the saved index, got {report.action}")
    load_stages = timers.stages(LOAD_STAGES, load_s)
    out: dict[str, Any] = {
        "load_s": round(load_s, 3),
        "load_stages_s": {k: round(v, 3) for k, v in load_stages.items()},
        "load_thread_stages_s": {s.label: round(timers.threaded.get(s.label, 0.0), 3)
                                 for s in LOAD_THREAD_STAGES},
        "load_peak_rss_mb": round(peak_rss_mb(), 1),
        "loaded_rss_mb": round(rss_mb(), 1),
        "serve_base_rss_mb": round(base_rss, 1),
    }
    index = archive.index
    snapshot = Snapshot(archive)  # what the bot serves: retrieval plus the answer caches
    t0 = time.perf_counter()  # the quote book is set up on first use: time that use
    book = snapshot.quotes
    out["quotes_init_s"] = round(time.perf_counter() - t0, 3)
    out["quotes_indexed"] = len(book)
    out["quotes_init_rss_mb"] = round(rss_mb(), 1)
    queries, warm = work["queries"], work["warm"]
    out["queries"] = len(queries)
    out["queries_sha256"] = queries_digest(queries)
    out["query_examples"] = queries[:5]

    # --- our search, end to end (validation, tokenize, score, top-k, hits with text)
    for q in warm:
        archive.search(q, limit=TOP)
    search_ms, score_ms, matched = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        result = archive.search(q, limit=TOP)
        search_ms.append((time.perf_counter() - t0) * 1000)
        matched.append(result.total)
    for q in queries:  # the engine core alone: score + top-k, no tokenize/hit building
        ids = index.term_ids(archive.tokenizer(q))
        t0 = time.perf_counter()
        paras, scores = archive.scorer.score(ids)
        top_k(paras, scores, TOP)
        score_ms.append((time.perf_counter() - t0) * 1000)
    out["query_ms"] = pct(search_ms)
    out["score_ms"] = pct(score_ms)
    out["query_max_ms"] = round(max(search_ms), 3)
    out["matched_paragraphs"] = {"p50": float(np.median(matched)), "max": int(max(matched))}

    # --- ask
    questions = work["questions"]
    for q in work["warm_questions"]:
        ask(snapshot, AskRequest(q))
    ask_ms, found = [], 0
    for q in questions:
        t0 = time.perf_counter()
        answer = ask(snapshot, AskRequest(q))
        ask_ms.append((time.perf_counter() - t0) * 1000)
        found += answer.found
    out["ask_ms"] = pct(ask_ms)
    out["ask_note"] = f"{found}/{len(questions)} answered"

    # --- quote lookup
    quotes = work["quotes"]
    a = settings.answers
    for q in quotes[:WARMUP]:
        book.lookup(q, a.quote_limit, a.quote_min_match)
    quote_ms, hits = [], 0
    for q in quotes:
        t0 = time.perf_counter()
        hit = book.lookup(q, a.quote_limit, a.quote_min_match)
        quote_ms.append((time.perf_counter() - t0) * 1000)
        hits += bool(hit)
    out["quote_ms"] = pct(quote_ms)
    out["quote_note"] = f"{hits}/{len(quotes)} found"
    out["serve_rss_mb"] = round(rss_mb(), 1)
    out["serve_peak_rss_mb"] = round(peak_rss_mb(), 1)

    # --- rank-bm25 on the same tokens
    out.update(rank_bm25_query_ms=None, speedup_p50=None, top10_agreement=None)
    if not rank_bm25:
        return out
    from bot.core.bm25 import RankBM25Scorer

    # Memory first, traced (RSS deltas are blurred by freed arenas being reused), then a
    # clean, untraced build for the timings.
    gc.collect()
    tracemalloc.start()
    traced = RankBM25Scorer(index.tf, index.doc_len, index.vocab, settings.bm25)
    model_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del traced
    gc.collect()
    t0 = time.perf_counter()
    reference = RankBM25Scorer(index.tf, index.doc_len, index.vocab, settings.bm25)
    out["rank_bm25_build_s"] = round(time.perf_counter() - t0, 3)
    out["rank_bm25_rss_mb"] = round(model_bytes / 2**20, 1)
    model = reference.model
    tokens = [archive.tokenizer(q) for q in queries]
    for q in warm:
        np.argsort(model.get_scores(archive.tokenizer(q)))[::-1][:TOP]
    rank_ms, agree, strict, diffs = [], 0, 0, []
    for q, toks in zip(queries, tokens, strict=True):
        t0 = time.perf_counter()
        scores = model.get_scores(toks)
        top = np.argsort(scores)[::-1][:TOP]
        rank_ms.append((time.perf_counter() - t0) * 1000)
        ours = [p for p, _ in archive.best(archive.rank(q), TOP)]
        ok = _top_agree(ours, scores)
        agree += ok
        strict += set(ours) == {int(i) for i in top if scores[i] > 0}
        mine = archive.best(archive.rank(q), TOP)
        diffs += [abs(s - float(scores[p])) for p, s in mine]
    speedups = [r / o for r, o in zip(rank_ms, search_ms, strict=True)]
    out["rank_bm25_query_ms"] = pct(rank_ms)
    out["speedup_p50"] = round(float(np.median(speedups)), 1)
    out["speedup_min"] = round(float(min(speedups)), 1)
    out["top10_agreement"] = agree / len(queries)
    out["top10_strict_set_agreement"] = strict / len(queries)
    out["max_abs_score_diff"] = float(max(diffs)) if diffs else 0.0
    return out


# ---------------------------------------------------------------------------------- driver
def child(args: list[str]) -> dict[str, Any]:
    """Run ``python -m bench engine --phase ...`` in a fresh interpreter; parse its JSON."""
    cmd = [sys.executable, "-m", "bench", "engine", *args]
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_size(paragraphs: int, *, rank_bm25_max: int, n_queries: int,
             reference: dict[str, Any] | None = None, competitors: bool = False,
             rounds: int = 3) -> dict[str, Any]:
    """Everything for one archive size, each measured phase in its own process."""
    p = Params(paragraphs)
    log(f"{paragraphs}: generating archive (reused when current)")
    manifest = generate(p, archive_dir(paragraphs), jobs=min(2, os.cpu_count() or 1))
    log(f"{paragraphs}: building index in a fresh process")
    built = child(["--phase", "build", "--paragraphs", str(paragraphs)])
    folder = index_dir(paragraphs)
    index_mb = dir_mb(folder / (folder / "CURRENT").read_text().strip())
    with_rank = paragraphs <= rank_bm25_max
    log(f"{paragraphs}: load + queries in a fresh process (rank-bm25: {with_rank})")
    served = child(["--phase", "serve", "--paragraphs", str(paragraphs), "--queries",
                    str(n_queries),
                    *([] if with_rank else ["--no-rank-bm25"])])
    result: dict[str, Any] = {
        "paragraphs": paragraphs,
        "build_s": built["build_s"],
        "load_s": served["load_s"],
        "peak_rss_mb": built["peak_rss_mb"],
        "index_mb": round(index_mb, 1),
        "query_ms": served["query_ms"],
        "ask_ms": served["ask_ms"],
        "quote_ms": served["quote_ms"],
        "rank_bm25_query_ms": served["rank_bm25_query_ms"],
        "speedup_p50": served["speedup_p50"],
        "top10_agreement": served["top10_agreement"],
    }
    result["archive_mb"] = round(sum(f["size"] for f in manifest["files"].values()) / 2**20, 1)
    result.update({k: v for k, v in built.items() if k not in result})
    result.update({k: v for k, v in served.items() if k not in result})
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    if not with_rank:
        result["rank_bm25_note"] = skipped_note(paragraphs, reference)
    if competitors:
        from bench.competitors_bench import run_competitors

        result["competitors"] = run_competitors(paragraphs, n_queries=n_queries, rounds=rounds,
                                                ours=result)
    return result


def skipped_note(paragraphs: int, reference: dict[str, Any] | None) -> str:
    """Why rank-bm25 was not run, with a linear extrapolation from a measured smaller size
    (its memory and its per-query cost both grow with the number of paragraphs)."""
    if not reference or not reference.get("rank_bm25_query_ms"):
        return f"skipped: above --rank-bm25-max={RANK_BM25_MAX}"
    f = paragraphs / reference["paragraphs"]
    gb = reference["rank_bm25_rss_mb"] * f / 1024
    per_q = reference["rank_bm25_query_ms"]["p50"] * f / 1000
    build = reference["rank_bm25_build_s"] * f
    return (f"skipped: rank-bm25 needs ~{gb:.1f} GB / ~{per_q:.1f} s per query (p50) "
            f"and ~{build:.0f} s to build (linear from {reference['paragraphs']:,} paragraphs)")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                                capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot"], cwd=REPO,
                               text=True, capture_output=True, check=True).stdout.strip()
        if dirty:
            commit += " (+ uncommitted changes in bot/)"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    import numpy
    import scipy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram, 1),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt_ms(d: dict[str, float] | None) -> str:
    return "n/a" if d is None else f"{d['p50']:.2f} / {d['p95']:.2f} / {d['p99']:.2f}"


def targets(results: list[dict[str, Any]]) -> list[tuple[str, str, str, bool | None]]:
    by = {r["paragraphs"]: r for r in results}
    rows: list[tuple[str, str, str, bool | None]] = []
    m = by.get(1_000_000)
    if m:
        q = m["query_ms"]
        rows += [
            ("1M search p50", "< 5 ms", f"{q['p50']:.2f} ms",
             q["p50"] < TARGETS["search_p50_ms_1M"]),
            ("1M search p99", "< 50 ms", f"{q['p99']:.2f} ms",
             q["p99"] < TARGETS["search_p99_ms_1M"]),
            ("1M build from raw files", "< 180 s", f"{m['build_s']:.1f} s",
             m["build_s"] < TARGETS["build_s_1M"]),
            ("1M load at start-up", "< 5 s", f"{m['load_s']:.2f} s",
             m["load_s"] < TARGETS["load_s_1M"]),
            ("1M peak RSS, build", "< 2048 MB", f"{m['peak_rss_mb']:.0f} MB",
             m["peak_rss_mb"] < TARGETS["rss_mb_1M"]),
            ("1M peak RSS, start-up load", "< 2048 MB", f"{m['load_peak_rss_mb']:.0f} MB",
             m["load_peak_rss_mb"] < TARGETS["rss_mb_1M"]),
            ("1M RSS while serving", "< 2048 MB", f"{m['serve_rss_mb']:.0f} MB",
             m["serve_rss_mb"] < TARGETS["rss_mb_1M"]),
        ]
        if m.get("quotes_init_s") is not None:
            rows.append(("1M first quote lookup after start-up (book set-up)",
                         "< 3 s (Discord)", f"{m['quotes_init_s']:.1f} s",
                         m["quotes_init_s"] < 3.0))
    h = by.get(100_000)
    if h and h.get("speedup_p50") is not None:
        rows += [
            ("100k speedup vs rank-bm25 (median)", ">= 100x", f"{h['speedup_p50']:.0f}x",
             h["speedup_p50"] >= TARGETS["speedup_100k"]),
            ("100k identical top-10 (tie-aware)", "100%", f"{h['top10_agreement']:.1%}",
             h["top10_agreement"] == 1.0),
        ]
    return rows


def write_results(results: list[dict[str, Any]], info: dict[str, Any]) -> None:
    (ROOT / "results.json").write_text(
        json.dumps({"machine": info, "results": results}, indent=2) + "\n", encoding="utf-8"
    )
    cols = [r for r in results]
    head = "| metric | " + " | ".join(f"{r['paragraphs']:,} ¶" for r in cols) + " |"
    sep = "|---|" + "---:|" * len(cols)

    def row(name: str, fn: Callable[[dict[str, Any]], str]) -> str:
        return f"| {name} | " + " | ".join(fn(r) for r in cols) + " |"

    def stage(key: str, name: str) -> Callable[[dict[str, Any]], str]:
        # "—": a row measured before this stage was in the table (an older results.json)
        return lambda r: "—" if name not in r[key] else f"{r[key][name]:.2f}"

    def stage_rows(key: str, stages: tuple[Stage, ...]) -> list[str]:
        """One row per stage label (in table order), then ``other``: they sum to the total."""
        notes: dict[str, str] = {}
        for s in stages:
            notes.setdefault(s.label, s.note or s.label)
        return [row(f"&nbsp; {note}", stage(key, label))
                for label, note in [*notes.items(), ("other", "other")]]

    lines = [
        "# archive-bot engine benchmark",
        "",
        f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GiB RAM "
        f"(load average at start {info['loadavg_at_start']})",
        f"- date: {info['date']}",
        f"- git commit: {info['commit']}",
        f"- python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}",
        *(f"- the {r['paragraphs']:,} column re-measured on its own (`--paragraphs N --write`): "
          f"{r['measured']['date']}, commit {r['measured']['commit']}, load average at start "
          f"{r['measured']['loadavg_at_start']}" for r in results if r.get("measured")),
        "- re-run one point: `python -m bench engine --paragraphs 100k --json`; "
        "all: `python -m bench engine --all`",
        "",
        "Latencies are p50 / p95 / p99 in ms over the same "
        f"{results[0].get('queries', N_QUERIES)} fixed queries per size (1-5 words, common, "
        "mid-frequency and rare terms). `search` is `Archive.search(q, limit=10)` end to end; "
        "`score` is the engine core alone (`scorer.score` + `top_k`); rank-bm25 is "
        "`BM25Okapi.get_scores` + `np.argsort` top-10 on the same tokens. Build and its peak "
        "memory come from a fresh process per size (RSS of that process plus its worker "
        "processes, sampled every 50 ms, and `ru_maxrss`), load from another fresh process "
        "(`open_archive` on the saved index, checksums verified; page cache warm). The "
        "machine was shared with other jobs during the run (load averages above and in "
        "results.json), so timings carry some noise.",
        "",
        head,
        sep,
        row("articles", lambda r: f"{r['articles']:,}"),
        row("terms / postings", lambda r: f"{r['terms']:,} / {r['postings']:,}"),
        row("raw archive (MB)", lambda r: f"{r['archive_mb']:.0f}"),
        row("**index build from raw files (s)**", lambda r: f"{r['build_s']:.1f}"),
        *stage_rows("build_stages_s", BUILD_STAGES),
        row("**peak RSS during build (MB, all processes)**",
            lambda r: f"{r['peak_rss_mb']:.0f}"),
        row("&nbsp; main process / largest worker",
            lambda r: f"{r.get('peak_rss_main_mb', 0):.0f} / {r.get('peak_rss_worker_mb', 0):.0f}"),
        row("**index on disk (MB)**", lambda r: f"{r['index_mb']:.0f}"),
        row("**load at start-up (s)**", lambda r: f"{r['load_s']:.2f}"),
        *stage_rows("load_stages_s", LOAD_STAGES),
        *(row(f"&nbsp; &nbsp; (in {s.note})", stage("load_thread_stages_s", s.label))
          for s in LOAD_THREAD_STAGES),
        row("peak RSS during load (MB)", lambda r: f"{r['load_peak_rss_mb']:.0f}"),
        row("RSS while serving (MB)", lambda r: f"{r['serve_rss_mb']:.0f}"),
        row("**search (ms)**", lambda r: _fmt_ms(r["query_ms"])),
        row("score core (ms)", lambda r: _fmt_ms(r["score_ms"])),
        row("ask (ms)", lambda r: _fmt_ms(r["ask_ms"])),
        row("quote book set-up at first use (s)",
            lambda r: "n/a" if r.get("quotes_init_s") is None else f"{r['quotes_init_s']:.2f}"),
        row("quote lookup (ms)", lambda r: _fmt_ms(r["quote_ms"])),
        row("rank-bm25 (ms)", lambda r: _fmt_ms(r["rank_bm25_query_ms"])
            if r["rank_bm25_query_ms"] else "skipped"),
        row("**speedup vs rank-bm25 (median)**",
            lambda r: "—" if r["speedup_p50"] is None else f"{r['speedup_p50']:.0f}x"),
        row("**top-10 agreement (tie-aware)**",
            lambda r: "—" if r["top10_agreement"] is None else f"{r['top10_agreement']:.1%}"),
        "",
    ]
    notes = [f"- {r['paragraphs']:,}: {r['rank_bm25_note']}" for r in cols
             if r.get("rank_bm25_note")]
    notes += [f"- ask: {r['ask_note']} ({r['paragraphs']:,})" for r in cols if r.get("ask_note")]
    notes += [f"- quote: {r['quote_note']} ({r['paragraphs']:,})" for r in cols
              if r.get("quote_note")]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    from bench.competitors_report import chart, section

    png = ROOT / "engine-scaling.png"
    drawn = chart(results, png)
    lines += section(results, png.name if drawn else None)
    rows = targets(results)
    if rows:
        lines += ["## Targets", "", "| target | goal | measured | met |", "|---|---|---:|---|"]
        lines += [f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows]
        lines.append("")
    (ROOT / "results.md").write_text("\n".join(lines), encoding="utf-8")


@contextmanager
def profiled(path: Path) -> Iterator[None]:
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)
        stats = pstats.Stats(str(path), stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)


def profile(paragraphs: int, what: str) -> None:
    """cProfile one phase (in this process) and print the top functions to stderr."""
    from bot.core.requests import AskRequest
    from bot.core.snapshot import Snapshot
    from bot.runtime.workers import open_archive

    settings = bench_settings(paragraphs)
    generate(Params(paragraphs), archive_dir(paragraphs), jobs=2)
    path = OUT / f"profile-{what}-{paragraphs}.prof"
    if what == "build":
        shutil.rmtree(settings.index.path, ignore_errors=True)
        with profiled(path):
            open_archive(settings)
    elif what == "load":
        if not (settings.index.path / "CURRENT").exists():
            open_archive(settings)
        with profiled(path):
            open_archive(settings)
    elif what == "quotes":  # the quote book's set-up at first use, then lookups
        archive, _ = open_archive(settings)
        quotes = make_quotes(archive.index)
        a = settings.answers
        with profiled(path):
            book = Snapshot(archive).quotes
            for q in quotes:
                book.lookup(q, a.quote_limit, a.quote_min_match)
    elif what == "ask":
        from bot.core.answers.ask import ask

        archive, _ = open_archive(settings)
        snapshot = Snapshot(archive)
        questions = make_questions(make_queries(archive.index, archive.tokenizer), archive.index)
        with profiled(path):
            for q in questions:
                ask(snapshot, AskRequest(q))
    else:
        archive, _ = open_archive(settings)
        queries = make_queries(archive.index, archive.tokenizer)
        with profiled(path):
            for _ in range(5):
                for q in queries:
                    archive.search(q, limit=TOP)
    log(f"profile written to {path} (peak RSS {peak_rss_mb():.0f} MB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench engine", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=parse_size, help="archive size: 10k, 100k, 1M, ...")
    ap.add_argument("--all", action="store_true", help="10k, 100k and 1M; write bench/results.*")
    ap.add_argument("--json", action="store_true", help="print one JSON object (one size)")
    ap.add_argument("--queries", type=int, default=N_QUERIES)
    ap.add_argument("--rank-bm25-max", type=parse_size, default=RANK_BM25_MAX,
                    help="largest size compared with rank-bm25 (default 100k)")
    ap.add_argument("--profile", choices=("build", "load", "query", "quotes", "ask"))
    ap.add_argument("--competitors", action=argparse.BooleanOptionalAction, default=None,
                    help="also measure tantivy and bm25s side by side (default: when the "
                         "bench extra is installed, pip install -e '.[bench]')")
    ap.add_argument("--competitors-only", action="store_true",
                    help="reuse our saved index; measure the competitors only (one size)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved query rounds of the side-by-side comparison")
    ap.add_argument("--write", action="store_true",
                    help="one size: put the result into bench/results.json (that size's "
                         "row; with --competitors-only the competitors' figures only) and "
                         "regenerate results.md and the chart")
    ap.add_argument("--mixes", action="store_true",
                    help="one size, ours alone: both query mixes end to end and ranking "
                         "alone, --rounds interleaved rounds (for 10M, where the "
                         "competitors do not fit)")
    ap.add_argument("--phase", choices=("build", "serve", "mixes", "workload",
                                        *COMPETITOR_PHASES),
                    help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--no-rank-bm25", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        if args.phase in COMPETITOR_PHASES:
            from bench.competitors_bench import competitor_phase

            out = competitor_phase(args)
        elif args.phase == "build":
            out = phase_build(args.paragraphs)
        elif args.phase == "mixes":
            out = phase_mixes(args.paragraphs, n_queries=args.queries, rounds=args.rounds)
        elif args.phase == "workload":
            out = phase_workload(args.paragraphs, n_queries=args.queries)
        else:
            out = phase_serve(args.paragraphs, rank_bm25=not args.no_rank_bm25,
                              n_queries=args.queries)
        print(json.dumps(out))
        return 0
    if args.mixes:
        if not args.paragraphs:
            ap.error("--mixes needs --paragraphs (one size)")
        print(json.dumps(child(["--phase", "mixes", "--paragraphs", str(args.paragraphs),
                                "--queries", str(args.queries), "--rounds", str(args.rounds)])))
        return 0
    if args.profile:
        if not args.paragraphs:
            ap.error("--profile needs --paragraphs")
        profile(args.paragraphs, args.profile)
        return 0
    from bench.competitors_bench import run_competitors, want_competitors
    from bench.competitors_report import merge_competitors, print_side_by_side

    competitors = want_competitors(args.competitors)
    if args.competitors_only:
        if args.all or not args.paragraphs:
            ap.error("--competitors-only needs --paragraphs (one size), not --all")
        if not competitors:
            ap.error("--competitors-only needs the bench extra (pip install -e '.[bench]')")
        r = {"paragraphs": args.paragraphs, "competitors": run_competitors(
            args.paragraphs, n_queries=args.queries, rounds=args.rounds)}
        print_side_by_side(r)
        print(json.dumps(r) if args.json else json.dumps(r, indent=2))
        if args.write:
            merge_competitors(r)
        return 0
    if args.all:
        info = machine()
        results: list[dict[str, Any]] = []
        reference = None
        for n in SIZES:
            r = run_size(n, rank_bm25_max=args.rank_bm25_max, n_queries=args.queries,
                         reference=reference, competitors=competitors, rounds=args.rounds)
            if r.get("rank_bm25_query_ms"):
                reference = r
            results.append(r)
            log(f"{n}: done: {json.dumps({k: r[k] for k in list(r)[:11]})}")
        write_results(results, info)
        log(f"wrote {ROOT / 'results.md'} and {ROOT / 'results.json'}")
        print((ROOT / "results.md").read_text(encoding="utf-8"))
        return 0
    if not args.paragraphs:
        ap.error("give --paragraphs N (with --json) or --all")
    reference = None
    if args.paragraphs > args.rank_bm25_max:  # extrapolate from an earlier --all run
        try:
            earlier = json.loads((ROOT / "results.json").read_text(encoding="utf-8"))
            measured = [r for r in earlier["results"] if r.get("rank_bm25_query_ms")]
            reference = max(measured, key=lambda r: r["paragraphs"]) if measured else None
        except (OSError, ValueError, KeyError):
            reference = None
    r = run_size(args.paragraphs, rank_bm25_max=args.rank_bm25_max, n_queries=args.queries,
                 reference=reference, competitors=competitors, rounds=args.rounds)
    print_side_by_side(r)
    if args.json:
        print(json.dumps(r))
    else:
        print(json.dumps(r, indent=2))
    if args.write:
        write_size(r)
    return 0


def write_size(result: dict[str, Any]) -> None:
    """Put one size's whole row (ours and, when measured, the competitors') into
    bench/results.json in place of the earlier one, the run's own commit, date and load
    average recorded in the row (the other sizes keep theirs), and regenerate results.md and
    the chart."""
    path = ROOT / "results.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    info = machine()
    result["measured"] = {k: info[k] for k in ("date", "commit", "loadavg_at_start")}
    rows = [r for r in saved["results"] if r["paragraphs"] != result["paragraphs"]]
    rows = sorted([*rows, result], key=lambda r: int(r["paragraphs"]))
    write_results(rows, saved["machine"])
    log(f"wrote {ROOT / 'results.md'} and {path}: the {result['paragraphs']:,} row re-measured")


if __name__ == "__main__":
    sys.exit(main())


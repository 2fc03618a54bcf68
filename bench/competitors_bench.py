"""tantivy and bm25s beside our engine in ``python -m bench engine`` (issue #15).

For one archive size, each step in a fresh child process (as the engine bench does ours):

1. ``tokens``: our saved index's paragraphs through our tokenizer, once, into
   ``bench/out/tokens-N.txt`` (reused while the index fingerprint, tokenizer and paragraph
   count match), with the query sets: the short 1-5 word mix (``make_queries``) and the
   natural 8-15 word questions around it (``make_questions``);
2. ``build`` per competitor from that file (reading it is part of their build time; our
   build is the engine bench's, from the raw files: parsing and tokenizing included): time,
   peak RSS (``ru_maxrss`` and the process tree sampled every 50 ms), size on disk;
3. ``load`` per engine, ours included: load time, RSS after loading and after answering
   every query once (RSS while serving search);
4. ``compare``: the three engines loaded in one process answer the same queries, query by
   query in a rotating order, ``--rounds`` times, so machine noise hits all alike; then the
   top-10 overlap of theirs with ours (BM25 variants differ: reported, not asserted);
5. ``one-shot``: a fresh shell process that loads and answers one query (ours
   ``archive-bot search --json``, theirs ``python -m bench.competitors``), median of 5.

What is timed per query: ours ``Archive.search(q, limit=10)`` end to end (tokenize, score,
exhaustive count, top 10 with their text), and ours ranking alone, ``Archive.top(q, 10)``
(the same without the hits' text and citation fields); theirs our tokenizer on ``q``, then
the engine's search for the 10 best paragraph numbers (tantivy with its exhaustive count).
The like-for-like comparison is ours ranking alone against theirs: neither builds hits.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.competitors import (
    ALL,
    ENGINES,
    INSTALL_HINT,
    METRICS,
    MIXES,
    Hits,
    build_engine,
    dir_mb,
    engine_dir,
    load_engine,
    missing,
    overlap,
    read_docs,
    tokens_path,
)
from bench.engine import (
    QUERY_SEED,
    REPO,
    TOP,
    WARMUP,
    Timers,
    bench_settings,
    child,
    index_dir,
    log,
    machine,
    make_queries,
    make_questions,
    pct,
    peak_rss_mb,
    rss_mb,
)
from bench.generate import OUT, archive_dir

ROUNDS = 3
RANKED = "ours_ranked"
ONESHOT_RUNS = 5
# What each engine's load needs imported (not timed as load; the one-shot pays for it).
LOAD_IMPORTS = {
    "ours": ("bot.runtime.workers",),
    "tantivy": ("tantivy", "bot.core.tokenize"),
    "bm25s": ("bm25s", "bot.core.tokenize"),
}


def meta_path(paragraphs: int) -> Path:
    return OUT / f"tokens-{paragraphs}.json"


def read_meta(paragraphs: int) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(meta_path(paragraphs).read_text(encoding="utf-8"))
    return meta


# ---------------------------------------------------------------------------- child phases
def phase_tokens(paragraphs: int, n_queries: int) -> dict[str, Any]:
    """Our tokens of every paragraph, one line each, and the query sets (reused when current)."""
    from bot.runtime.workers import open_archive

    archive, report = open_archive(bench_settings(paragraphs))
    index, tokenizer = archive.index, archive.tokenizer
    key = {"fingerprint": index.fingerprint, "tokenizer": tokenizer.fingerprint(),
           "paragraphs": index.n_paragraphs, "queries": n_queries}
    path = tokens_path(paragraphs)
    try:
        meta = read_meta(paragraphs)
        if meta["key"] == key and path.exists():
            return {**meta, "queries": None, "reused": True}
    except (OSError, ValueError, KeyError):
        pass
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as fh:
        for para in range(index.n_paragraphs):
            fh.write(" ".join(tokenizer(index.text(para))) + "\n")
    partial.replace(path)
    tokenize_s = time.perf_counter() - started
    short = make_queries(index, tokenizer, n_queries)
    warm = make_queries(index, tokenizer, WARMUP, seed=QUERY_SEED + 1000)
    meta = {
        "key": key,
        "index_action": report.action,
        "tokenize_s": round(tokenize_s, 3),
        "tokens_mb": round(path.stat().st_size / 2**20, 1),
        "queries": {"short": short, "natural": make_questions(short, index),
                    "warm_short": warm, "warm_natural": make_questions(warm, index)},
    }
    meta_path(paragraphs).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return {**meta, "queries": None, "reused": False}


def phase_build(paragraphs: int, engine: str) -> dict[str, Any]:
    """Build one competitor's index from the tokens file into an empty folder."""
    bm25 = bench_settings(paragraphs).bm25
    folder = engine_dir(engine, paragraphs)
    shutil.rmtree(folder, ignore_errors=True)
    base = rss_mb()
    timers = Timers(sample_rss=True)  # nothing wrapped: the RSS sampler only
    started = time.perf_counter()
    try:
        docs = build_engine(engine, read_docs(tokens_path(paragraphs)), folder,
                            k1=bm25.k1, b=bm25.b)
        build_s = time.perf_counter() - started
    finally:
        timers.restore()
    return {"build_s": round(build_s, 3), "docs": docs, "base_rss_mb": round(base, 1),
            "build_peak_rss_mb": round(max(timers.tree_peak_mb, peak_rss_mb()), 1),
            "disk_mb": round(dir_mb(folder), 1)}


@dataclass(frozen=True)
class Contender:
    """One engine as the bench drives it: ``timed`` is what a query's latency measures,
    ``ids`` its top-10 paragraph numbers (and match count) for the agreement figures."""

    name: str
    timed: Callable[[str], object]
    ids: Callable[[str], Hits]
    # Ours only: the ranking alone, what theirs are timed on (no hit text built).
    ranking: Callable[[str], object] | None = None


def open_contender(name: str, paragraphs: int) -> Contender:
    settings = bench_settings(paragraphs)
    if name == "ours":
        from bot.runtime.workers import open_archive

        archive, report = open_archive(settings)
        if report.action != "loaded":
            raise SystemExit(f"expected to load our saved index, got {report.action}")

        def ours(q: str) -> Hits:
            best = archive.top(q, TOP)
            return Hits([p for p, _ in best.pairs], best.total)

        return Contender(name, lambda q: archive.search(q, limit=TOP), ours,
                         ranking=lambda q: archive.top(q, TOP))
    from bot.core.tokenize import Tokenizer

    tokenizer = Tokenizer(settings.tokenizer)
    engine = load_engine(name, engine_dir(name, paragraphs))

    def theirs(q: str) -> Hits:
        return engine.search(tokenizer(q), TOP)

    return Contender(name, theirs, theirs)


def phase_load(paragraphs: int, name: str) -> dict[str, Any]:
    """Load one engine in a fresh process, then answer every query once: RSS serving."""
    queries = read_meta(paragraphs)["queries"]
    for module in LOAD_IMPORTS[name]:  # imported before the clock starts, as start-up does
        importlib.import_module(module)
    base = rss_mb()
    started = time.perf_counter()
    contender = open_contender(name, paragraphs)
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    for mix in MIXES:
        for q in queries[mix]:
            contender.timed(q)
    return {"load_s": round(load_s, 3), "base_rss_mb": round(base, 1),
            "loaded_rss_mb": round(loaded, 1), "serve_rss_mb": round(rss_mb(), 1),
            "serve_peak_rss_mb": round(peak_rss_mb(), 1)}


def phase_first(paragraphs: int) -> dict[str, Any]:
    """Ours in a fresh process, as the bot starts: the index mapped with its checksums left
    to the background (``verify=False``), then the first query answered: the time from
    start to that answer (imports before the clock, as in :func:`phase_load`)."""
    from bot.runtime.workers import open_archive

    query = read_meta(paragraphs)["queries"]["short"][0]
    started = time.perf_counter()
    archive, report = open_archive(bench_settings(paragraphs), verify=False)
    if report.action != "loaded":
        raise SystemExit(f"expected to load our saved index, got {report.action}")
    archive.search(query, limit=TOP)
    return {"first_answer_s": round(time.perf_counter() - started, 3)}


def phase_compare(paragraphs: int, rounds: int) -> dict[str, Any]:
    """The three engines (and ours ranking alone, ``Archive.top``) in one process, query by
    query in a rotating order."""
    queries = read_meta(paragraphs)["queries"]
    engines = [open_contender(name, paragraphs) for name in ALL]
    # Ours ranking alone (Archive.top: tokenize, score, exhaustive count, top 10 numbers, no
    # hit text): what tantivy and bm25s are timed on, so the like-for-like comparison.
    ranking = engines[0].ranking
    if ranking is None:
        raise SystemExit("our contender has no ranking-only path")
    contenders = [*engines, Contender(RANKED, ranking, engines[0].ids)]
    n = len(contenders)
    for c in contenders:
        for q in queries["warm_short"] + queries["warm_natural"]:
            c.timed(q)
    ms: dict[str, dict[str, list[float]]] = {c.name: {m: [] for m in MIXES} for c in contenders}
    turn = 0
    for _ in range(rounds):
        for mix in MIXES:
            for q in queries[mix]:
                turn += 1
                for c in contenders[turn % n :] + contenders[: turn % n]:
                    t0 = time.perf_counter()
                    c.timed(q)
                    ms[c.name][mix].append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"rounds": rounds, "ms": {
        name: {mix: pct(values) for mix, values in by.items()} for name, by in ms.items()}}
    out["agreement"] = agreement(engines, queries)
    return out


def agreement(contenders: list[Contender], queries: dict[str, list[str]]) -> dict[str, Any]:
    """Theirs against ours per mix: mean top-10 overlap, same best paragraph, same count."""
    ours, *others = contenders
    out: dict[str, Any] = {}
    for c in others:
        out[c.name] = {}
        for mix in MIXES:
            pairs = [(ours.ids(q), c.ids(q)) for q in queries[mix]]
            counted = [(a, b) for a, b in pairs if b.total is not None]
            out[c.name][mix] = {
                "top10_overlap": round(sum(overlap(a.ids, b.ids) for a, b in pairs)
                                       / len(pairs), 4),
                "same_top1": round(sum(a.ids[:1] == b.ids[:1] for a, b in pairs)
                                   / len(pairs), 4),
                "same_count": (round(sum(a.total == b.total for a, b in counted)
                                     / len(counted), 4) if counted else None),
            }
    return out


# ---------------------------------------------------------------------------------- driver
def oneshot_commands(paragraphs: int, query: str) -> dict[str, list[str]]:
    bot_cli = Path(sys.executable).with_name("archive-bot")
    ours = [str(bot_cli), "search", "--archive", str(archive_dir(paragraphs)),
            "--index", str(index_dir(paragraphs)), "--limit", str(TOP), "--json", query]
    tokenizer = json.dumps(bench_settings(paragraphs).tokenizer.model_dump())
    theirs = {name: [sys.executable, "-m", "bench.competitors", "--engine", name,
                     "--paragraphs", str(paragraphs), "--limit", str(TOP),
                     "--tokenizer", tokenizer, query]
              for name in ENGINES}
    # The interpreter's own start-up, for scale (not an engine: no ratio).
    python = [sys.executable, "-c", "print('{}')"]
    return {"ours": ours, **theirs, "python": python}


def oneshot(paragraphs: int, query: str, runs: int = ONESHOT_RUNS) -> dict[str, float]:
    """Median wall time of a fresh process that loads and answers ``query`` (after one
    unmeasured run each to warm the page cache), the engines alternating."""
    # Bytecode as a user's machine has it (pip compiles an installed package; an editable
    # one is compiled on its first run, the unmeasured one here): a PYTHONDONTWRITEBYTECODE
    # in this shell would make every measured run compile every module again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"ARCHIVE_BOT_INDEX__ENGINE": "matrix",
            "ARCHIVE_BOT_QUERYLOG__PATH": str(OUT / "querylog.sqlite3")}
    cmds = oneshot_commands(paragraphs, query)
    took: dict[str, list[float]] = {name: [] for name in cmds}
    names = [*ALL, "python"]
    for run in range(runs + 1):
        for name in names[run % 4 :] + names[: run % 4]:
            t0 = time.perf_counter()
            proc = subprocess.run(cmds[name], cwd=REPO, env=env, capture_output=True,
                                  text=True, check=False)
            wall = time.perf_counter() - t0
            if proc.returncode != 0 or "rebuild" in proc.stderr:
                raise SystemExit(f"one-shot {name} failed or rebuilt (exit {proc.returncode}): "
                                 f"{' '.join(cmds[name])}\n{proc.stderr[-2000:]}")
            json.loads(proc.stdout)
            if run:
                took[name].append(wall)
    return {name: round(sorted(v)[len(v) // 2], 3) for name, v in took.items()}


def run_competitors(paragraphs: int, *, n_queries: int, rounds: int = ROUNDS,
                    ours: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every competitor step for one size; ``ours`` carries our build figures (build_s,
    peak_rss_mb, index_mb) when the engine bench measured them in this run."""
    info = machine()
    measured = {"date": info["date"], "commit": info["commit"],
                "loadavg_at_start": info["loadavg_at_start"]}
    size = ["--paragraphs", str(paragraphs)]
    log(f"{paragraphs}: competitors: our tokens of every paragraph (reused when current)")
    tokens = child(["--phase", "competitor-tokens", *size, "--queries", str(n_queries)])
    engines: dict[str, dict[str, Any]] = {name: {} for name in ALL}
    for name in ENGINES:
        log(f"{paragraphs}: competitors: building {name} in a fresh process")
        engines[name].update(child(["--phase", "competitor-build", "--engine", name, *size]))
    for name in ALL:
        log(f"{paragraphs}: competitors: loading {name} in a fresh process")
        engines[name].update(child(["--phase", "competitor-load", "--engine", name, *size]))
    log(f"{paragraphs}: competitors: ours, first answer after a fast start")
    engines["ours"].update(child(["--phase", "competitor-first", *size]))
    log(f"{paragraphs}: competitors: {rounds} interleaved query rounds in one process")
    compared = child(["--phase", "competitor-compare", "--rounds", str(rounds), *size])
    first = read_meta(paragraphs)["queries"]["short"][0]
    log(f"{paragraphs}: competitors: one-shot search from the shell ({first!r})")
    shots = oneshot(paragraphs, first)
    folder = index_dir(paragraphs)
    engines["ours"]["disk_mb"] = round(dir_mb(folder / (folder / "CURRENT").read_text().strip()), 1)
    if ours:  # measured by the engine bench in this run, from the raw files
        engines["ours"].update(build_s=ours.get("build_s"),
                               build_peak_rss_mb=ours.get("peak_rss_mb"))
    for name in ALL:
        for mix in MIXES:
            d = compared["ms"][name][mix]
            engines[name].update({f"{mix}_ms": d, f"{mix}_p50_ms": d["p50"],
                                  f"{mix}_p99_ms": d["p99"]})
        engines[name]["oneshot_s"] = shots[name]
    engines["ours"]["ranked_ms"] = {mix: compared["ms"][RANKED][mix] for mix in MIXES}
    measured["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return {
        "measured": measured,
        "oneshot_python_startup_s": shots["python"],
        "tokens": {k: tokens[k] for k in ("tokenize_s", "tokens_mb", "reused")},
        "rounds": rounds,
        "oneshot_query": first,
        "engines": engines,
        "ratios": {name: ratios(engines["ours"], engines[name]) for name in ENGINES},
        "agreement": compared["agreement"],
    }


def ratios(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    """ours / theirs per metric (None when either side was not measured)."""
    out: dict[str, float | None] = {}
    for key, _ in METRICS:
        a, b = ours.get(key), theirs.get(key)
        out[key] = round(a / b, 3) if a is not None and b else None
    return out


def competitor_phase(args: argparse.Namespace) -> dict[str, Any]:
    """A child process of the side-by-side comparison (see :mod:`bench.competitors_bench`)."""
    if args.phase == "competitor-tokens":
        return phase_tokens(args.paragraphs, args.queries)
    if args.phase == "competitor-build":
        return phase_build(args.paragraphs, args.engine)
    if args.phase == "competitor-load":
        return phase_load(args.paragraphs, args.engine)
    if args.phase == "competitor-first":
        return phase_first(args.paragraphs)
    return phase_compare(args.paragraphs, args.rounds)


def want_competitors(flag: bool | None) -> bool:
    """``--competitors`` / ``--no-competitors``, else on exactly when the bench extra is
    installed (a missing package is one clear line, or an error when asked for)."""
    gone = missing()
    if flag is False:
        return False
    if gone:
        if flag:
            raise SystemExit(f"--competitors: {', '.join(gone)} not installed ({INSTALL_HINT})")
        log(f"competitors: skipped, {', '.join(gone)} not installed ({INSTALL_HINT})")
        return False
    return True

"""Sharded index benchmark: the ray engine's fan-out over 1, 2 and 4 shards of the 1M archive.

Usage::

    python -m bench shards                       # 1M, 1/2/4 shards, 200 queries
    python -m bench shards --shards 1,2 --queries 50 --paragraphs 100k
    python -m bench shards --write               # also bench/results-shards.{md,json}

Reads the saved index (``bench/out/index-<N>``: never rebuilt or modified; build it with
``python -m bench engine``) and writes its shards to ``bench/out/shards-<N>-<S>`` (reused
while they are of that index). One local Ray (2 CPUs), then for each shard count:

* the split (when not reused) and each shard's size on disk;
* the actors' start (each maps its shard);
* the same queries as ``bench engine`` (limit 10), each run three ways in turn: the single
  index in this process (``Archive.search``), the shards in this process one after the other
  (no Ray: what sharding costs by itself), and the ray engine (tokenize, fan out, merge,
  hits): per-query latency p50/p99 and the ray engine's overhead over the single index
  (paired per query); every ray answer is checked equal to the single index's;
* each actor's resident memory after the queries (anonymous and file-backed pages).

From those it writes a plan for 100M paragraphs on paper (see :func:`plan`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine import (
    N_QUERIES,
    QUERY_SEED,
    TOP,
    WARMUP,
    bench_settings,
    index_dir,
    make_queries,
    pct,
)
from bench.generate import OUT, parse_size

ROOT = Path(__file__).resolve().parent
RESULTS_MD = ROOT / "results-shards.md"
RESULTS_JSON = ROOT / "results-shards.json"
TARGET_PARAGRAPHS = 100_000_000


def proc_rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process: anonymous (its own) and file-backed (mapped shard)."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def dir_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def run_count(archive: Any, settings: Any, queries: list[str], n_shards: int,
              paragraphs: int) -> dict[str, Any]:
    from bot.core.shard_storage import current_generation, open_generation
    from bot.core.shards import ShardArchive, merge, read_corpus
    from bot.runtime.ray_engine import RayEngine, ShardedSnapshot

    index = archive.index
    root = OUT / f"shards-{paragraphs}-{n_shards}"
    before = current_generation(root) if root.exists() else None
    t0 = time.perf_counter()
    gen = open_generation(index, n_shards, root)
    split_s = None if gen == before else round(time.perf_counter() - t0, 2)  # None: reused
    corpus = read_corpus(gen)
    t0 = time.perf_counter()
    engine = RayEngine.start(settings, gen)
    start_s = time.perf_counter() - t0
    snap = ShardedSnapshot(archive, engine=engine)
    local = [ShardArchive.load(gen, i, settings) for i in range(n_shards)]

    def in_process(q: str) -> Any:
        ids = index.term_ids(archive.tokenizer(q))
        return merge([s.answer(ids, TOP) for s in local], TOP)

    for q in make_queries(index, archive.tokenizer, WARMUP, seed=QUERY_SEED + 1000):
        archive.search(q, TOP), snap.search(q, TOP), in_process(q)
    single_ms, local_ms, ray_ms, overhead_ms, cpu_ms, mismatches = [], [], [], [], [], 0
    for q in queries:
        t0 = time.perf_counter()
        want = archive.search(q, TOP)
        t1 = time.perf_counter()
        in_process(q)
        t2, c2 = time.perf_counter(), time.process_time()
        got = snap.search(q, TOP)
        t3, c3 = time.perf_counter(), time.process_time()
        cpu_ms.append((c3 - c2) * 1000)  # the coordinator's own CPU (all its threads)
        single_ms.append((t1 - t0) * 1000)
        local_ms.append((t2 - t1) * 1000)
        ray_ms.append((t3 - t2) * 1000)
        overhead_ms.append((t3 - t2 - (t1 - t0)) * 1000)
        mismatches += (got.total, got.hits) != (want.total, want.hits)
    ray = engine_module()
    pids = ray.get([a.pid.remote() for a in engine.actors])
    memory = [proc_rss_mb(p) for p in pids]
    engine.retire(0)
    return {
        "shards": n_shards,
        "paragraphs_per_shard": list(corpus.shard_paragraphs),
        "split_s": split_s,
        "generation": gen.name,
        "shard_disk_mb": [round(dir_mb(gen / f"shard-{i}"), 1) for i in range(n_shards)],
        "corpus_file_kb": round(((gen / "corpus.json").stat().st_size
                                 + (gen / "df.npy").stat().st_size) / 1024, 1),
        "actors_start_s": round(start_s, 2),
        "single_ms": pct(single_ms),
        "in_process_shards_ms": pct(local_ms),
        "ray_ms": pct(ray_ms),
        "ray_overhead_ms": pct(overhead_ms),
        "coordinator_cpu_ms": pct(cpu_ms),
        "mismatches": mismatches,
        "actor_rss_mb": memory,
    }


def engine_module() -> Any:
    from bot.runtime.ray_engine import import_ray

    return import_ray()


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares ``y = a + b x`` (``b`` 0 from a single point)."""
    if len(set(xs)) < 2:
        return float(np.mean(ys)), 0.0
    b, a = np.polyfit(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), 1)
    return float(a), float(b)


def plan(runs: list[dict[str, Any]], paragraphs: int) -> dict[str, Any]:
    """100M paragraphs on paper, from the measured runs. Assumptions (stated in the report):
    a shard actor's memory is its process's own (anonymous) pages, measured, plus its whole
    shard resident (disk size per million paragraphs, measured: a cold page is a disk read in
    the p99); a shard's scoring time grows linearly with its paragraphs (the postings a query
    walks), from the single index's search (the median of the runs); the coordinator waits
    for the slowest shard, and the shards of one query move together (same terms), so one
    shard's p99 stands for the slowest. The fan-out overhead on a cluster (a core per actor):
    one shard's measured round trip plus the coordinator's measured CPU per further shard;
    beside it the overhead as measured here, fitted linear in the number of shards
    (pessimistic: here every actor shares the same 2 cores)."""
    actors = [m for r in runs for m in r["actor_rss_mb"]]
    anon_mb = float(np.mean([m.get("RssAnon", 0.0) for m in actors]))
    disk_per_m = float(np.mean([d / (p / 1e6) for r in runs for d, p in
                                zip(r["shard_disk_mb"], r["paragraphs_per_shard"],
                                    strict=True)]))
    resident = fit([p / 1e6 for r in runs for p in r["paragraphs_per_shard"]],
                   [m.get("RssAnon", 0.0) + m.get("RssFile", 0.0) for r in runs
                    for m in r["actor_rss_mb"]])
    one = next((r for r in runs if r["shards"] == 1), runs[0])
    # one shard of all the paragraphs is the single index: its search, measured in every run
    # (the median of the runs, so one noisy tail does not set the plan)
    ms_per_m = {k: float(np.median([r["single_ms"][k] for r in runs])) / (paragraphs / 1e6)
                for k in ("p50", "p99")}
    overhead = {k: fit([r["shards"] for r in runs], [r["ray_overhead_ms"][k] for r in runs])
                for k in ("p50", "p99")}
    # on a cluster (a core per actor): one shard's round trip, plus the coordinator's own CPU
    # per further shard (it submits each task and decodes each answer)
    cpu = {k: fit([r["shards"] for r in runs], [r["coordinator_cpu_ms"][k] for r in runs])
           for k in ("p50", "p99")}
    trip = {k: one["ray_overhead_ms"][k] for k in ("p50", "p99")}
    options = []
    for shard_m in (2, 5, 10):
        n = TARGET_PARAGRAPHS // (shard_m * 1_000_000)
        shard_gb = (anon_mb + shard_m * disk_per_m) / 1024
        for per_node in (4, 8):
            fan = {k: trip[k] + max(cpu[k][1], 0.0) * (n - one["shards"]) for k in trip}
            contended = {k: a + b * n for k, (a, b) in overhead.items()}
            options.append({
                "shard_paragraphs_m": shard_m, "shards": n, "shards_per_node": per_node,
                "nodes": -(-n // per_node),
                "memory_per_node_gb": round(per_node * shard_gb * 1.3 + 2, 1),
                "disk_per_node_gb": round(per_node * shard_m * disk_per_m / 1024, 1),
                "cores_per_node": per_node + 2,
                "expected_p50_ms": round(shard_m * ms_per_m["p50"] + fan["p50"], 1),
                "expected_p99_ms": round(shard_m * ms_per_m["p99"] + fan["p99"], 1),
                "contended_p99_ms": round(shard_m * ms_per_m["p99"] + contended["p99"], 1),
            })
    return {"actor_anon_mb": round(anon_mb, 1), "disk_mb_per_million": round(disk_per_m, 1),
            "resident_fit_mb": {"base": round(resident[0], 1),
                                "per_million": round(resident[1], 1)},
            "score_ms_per_million": {k: round(v, 2) for k, v in ms_per_m.items()},
            "overhead_fit_ms": {k: {"base": round(a, 2), "per_shard": round(b, 2)}
                                for k, (a, b) in overhead.items()},
            "round_trip_ms": trip,
            "coordinator_cpu_per_shard_ms": {k: round(b, 3) for k, (_, b) in cpu.items()},
            "options": options}


def report_md(out: dict[str, Any]) -> str:
    lines = [
        f"# Sharded index on Ray: {out['paragraphs']:,} paragraphs", "",
        f"`python -m bench shards --write` on {out['machine']}, {out['date']}; "
        f"{out['queries']} queries (limit {TOP}) as `bench engine`, Ray {out['ray']} local "
        "(2 CPUs), the machine shared with other jobs. Latencies in ms, p50 / p99.", "",
        "| shards | single index | shards in process | ray engine | ray overhead | "
        "coordinator CPU | mismatches | actors start s | split s | "
        "actor RSS MB (anon + file) | disk MB/shard |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["runs"]:
        def pp(key: str, r: dict[str, Any] = r) -> str:
            return f"{r[key]['p50']:.2f} / {r[key]['p99']:.2f}"
        rss = ", ".join(f"{m.get('RssAnon', 0):.0f}+{m.get('RssFile', 0):.0f}"
                        for m in r["actor_rss_mb"])
        disk = ", ".join(f"{d:.0f}" for d in r["shard_disk_mb"])
        lines.append(f"| {r['shards']} | {pp('single_ms')} | {pp('in_process_shards_ms')} | "
                     f"{pp('ray_ms')} | {pp('ray_overhead_ms')} | {pp('coordinator_cpu_ms')} | "
                     f"{r['mismatches']} | {r['actors_start_s']} | "
                     f"{'reused' if r['split_s'] is None else r['split_s']} | {rss} | {disk} |")
    p = out["plan"]
    fo = p["overhead_fit_ms"]
    lines += [
        "", "## 100M paragraphs on paper", "",
        f"Measured: a shard actor's own memory {p['actor_anon_mb']} MB (the Ray worker, "
        "numpy, the shard's small arrays), its shard on disk "
        f"{p['disk_mb_per_million']} MB per million paragraphs (resident after the queries: "
        f"{p['resident_fit_mb']['base']} MB + {p['resident_fit_mb']['per_million']} MB per "
        "million, fitted); one shard's search (the single index's, median of the runs) "
        f"{p['score_ms_per_million']['p50']} / {p['score_ms_per_million']['p99']} ms "
        "(p50 / p99) per million paragraphs; one shard's round trip (ray overhead, 1 shard) "
        f"{p['round_trip_ms']['p50']} / {p['round_trip_ms']['p99']} ms; the coordinator's CPU "
        f"per further shard {p['coordinator_cpu_per_shard_ms']['p50']} / "
        f"{p['coordinator_cpu_per_shard_ms']['p99']} ms; the overhead as measured here fitted "
        f"as {fo['p50']['base']} + {fo['p50']['per_shard']} ms per shard (p50) and "
        f"{fo['p99']['base']} + {fo['p99']['per_shard']} ms per shard (p99).", "",
        "Assumed: each shard wholly resident (a cold page is a disk read in the p99), 30% "
        "headroom and 2 GB for the node; scoring time linear in a shard's paragraphs (the "
        "postings a query walks); the shards of one query move together (same terms), so the "
        "slowest shard's p99 is one shard's p99; on nodes with a core per actor the fan-out "
        "costs one round trip plus the coordinator's CPU per further shard (expected p50 / "
        "p99); the last column instead extrapolates the overhead as measured here, where "
        "every actor shares 2 cores with the coordinator and other jobs (an upper bound); a "
        "core per shard actor plus two for the coordinator and Ray.", "",
        "| paragraphs/shard | shards | shards/node | nodes | memory/node GB | disk/node GB | "
        "cores/node | expected p50 ms | expected p99 ms | p99 ms, overhead as on 2 cores |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in p["options"]:
        lines.append(f"| {o['shard_paragraphs_m']}M | {o['shards']} | {o['shards_per_node']} | "
                     f"{o['nodes']} | {o['memory_per_node_gb']} | {o['disk_per_node_gb']} | "
                     f"{o['cores_per_node']} | {o['expected_p50_ms']} | "
                     f"{o['expected_p99_ms']} | {o['contended_p99_ms']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    from bot.config import with_section
    from bot.core.search import Archive
    from bot.core.storage import load_index
    from bot.core.tokenize import Tokenizer

    ap = argparse.ArgumentParser(prog="python -m bench shards")
    ap.add_argument("--paragraphs", type=parse_size, default=1_000_000)
    ap.add_argument("--shards", default="1,2,4", help="shard counts, comma-separated")
    ap.add_argument("--queries", type=int, default=N_QUERIES)
    ap.add_argument("--write", action="store_true", help="write bench/results-shards.{md,json}")
    ap.add_argument("--plan-only", action="store_true",
                    help="recompute the plan and the report from bench/results-shards.json")
    args = ap.parse_args(argv)
    if args.plan_only:
        saved = json.loads(RESULTS_JSON.read_text())
        saved["plan"] = plan(saved["runs"], saved["paragraphs"])
        return finish(saved, args.write)
    counts = [int(c) for c in args.shards.split(",")]
    settings = with_section(bench_settings(args.paragraphs), "index", engine="postings")
    settings = with_section(settings, "ray", num_cpus=2, timeout_seconds=60.0)
    index = load_index(index_dir(args.paragraphs), verify=False)
    if index is None:
        raise SystemExit(f"no index at {index_dir(args.paragraphs)}: run python -m bench engine")
    archive = Archive(index, settings, Tokenizer(settings.tokenizer))
    queries = make_queries(index, archive.tokenizer, args.queries)
    ray = engine_module()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    runs = []
    try:
        for n in counts:
            run = run_count(archive, settings, queries, n, args.paragraphs)
            print(json.dumps(run), flush=True)
            runs.append(run)
    finally:
        ray.shutdown()
    out = {"paragraphs": args.paragraphs, "queries": len(queries), "runs": runs,
           "plan": plan(runs, args.paragraphs), "ray": ray.__version__,
           "machine": f"{platform.machine()} {os.cpu_count()} cores",
           "date": dt.date.today().isoformat()}
    return finish(out, args.write)


def finish(out: dict[str, Any], write: bool) -> int:
    text = report_md(out)
    print(text)
    if write:
        RESULTS_JSON.write_text(json.dumps(out, indent=2) + "\n")
        RESULTS_MD.write_text(text)
    return 0

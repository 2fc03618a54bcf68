"""Scoring kernels side by side on one saved index: the compiled postings kernel (with its
MaxScore pruning, and without), the same algorithm in numpy, and the float64 score matrix
earlier versions stored (MatrixScorer).

Usage::

    python -m bench kernel --index DIR [--paragraphs 1M] [--rounds 3] [--write]

The index is one the engine bench built (``bench/out/index-N`` by default). The
engines answer the same queries (the engine bench's short mix and natural questions), in
alternating rounds so that machine noise falls on all of them alike; each query's top 10 and
match count must agree exactly (scores bit for bit), or the run stops. Times are for the
ranking alone (top 10 and the count), not for the texts of the hits.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine import bench_settings, index_dir, make_queries, make_questions
from bench.generate import parse_size

ROOT = Path(__file__).resolve().parent
Ranker = Callable[[Sequence[int]], tuple[list[int], list[float], int]]


def rankers(index: Any) -> dict[str, Ranker]:
    from bot.core.bm25 import MatrixScorer, top_k
    from bot.core.postings import PostingsScorer, compiled_kernel

    params = index.bm25_settings()
    engines: dict[str, Ranker] = {}
    if compiled_kernel() is not None:
        compiled = PostingsScorer(index.postings, index.doc_len, params, kernel=True)
        engines["compiled"] = lambda ids: _top(compiled.top(ids, 10))
        unpruned = PostingsScorer(index.postings, index.doc_len, params, kernel=True,
                                  prune=False)
        engines["compiled, unpruned"] = lambda ids: _top(unpruned.top(ids, 10))
    numpy_ = PostingsScorer(index.postings, index.doc_len, params, kernel=False)
    engines["numpy"] = lambda ids: _top(numpy_.top(ids, 10))
    matrix = MatrixScorer(index.scores)  # computed here from the counts: the old format

    def old(ids: Sequence[int]) -> tuple[list[int], list[float], int]:
        paras, scores = matrix.score(ids)
        pos = top_k(paras, scores, 10)
        return paras[pos].tolist(), scores[pos].tolist(), len(paras)

    engines["score matrix (v3)"] = old
    return engines


def _top(found: Any) -> tuple[list[int], list[float], int]:
    return found.paragraphs.tolist(), found.scores.tolist(), int(found.total)


def run(index_path: Path, paragraphs: int, rounds: int) -> dict[str, Any]:
    from bot.core.storage import load_index
    from bot.core.tokenize import Tokenizer
    from bot.errors import IndexFormatError

    try:
        index = load_index(index_path, verify=False)
    except IndexFormatError as exc:
        raise SystemExit(f"{exc}: rebuild it with python -m bench engine") from None
    if index is None:
        raise SystemExit(f"no index in {index_path}: run python -m bench engine first")
    settings = bench_settings(paragraphs)
    tokenizer = Tokenizer(settings.tokenizer)
    short = make_queries(index, tokenizer)
    mixes = {"short": short, "natural": make_questions(short, index)}
    engines = rankers(index)
    out: dict[str, Any] = {"paragraphs": index.n_paragraphs, "postings": index.postings.nnz,
                           "rounds": rounds, "mixes": {}}
    for mix, queries in mixes.items():
        ids = [index.term_ids(tokenizer(q)) for q in queries]
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(rounds):
            for name, rank in engines.items():
                for q in ids:
                    started = time.perf_counter()
                    rank(q)
                    times[name].append((time.perf_counter() - started) * 1000)
        reference = engines["score matrix (v3)"]
        for q in ids:
            want = reference(q)
            for name, rank in engines.items():
                if rank(q) != want:
                    raise SystemExit(f"{name} differs from the score matrix on {q}")
        out["mixes"][mix] = {
            name: {"p50": float(np.percentile(t, 50)), "p99": float(np.percentile(t, 99))}
            for name, t in times.items()
        }
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"{result['paragraphs']:,} paragraphs, {result['postings']:,} postings, "
             f"{result['rounds']} alternating rounds; the same top 10 and counts from all.",
             "", "| mix | engine | p50 ms | p99 ms | p50 vs score matrix |",
             "|---|---|---:|---:|---:|"]
    for mix, engines in result["mixes"].items():
        base = engines["score matrix (v3)"]["p50"]
        for name, t in engines.items():
            lines.append(f"| {mix} | {name} | {t['p50']:.3f} | {t['p99']:.3f} | "
                         f"{base / t['p50']:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench kernel", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=parse_size, default=1_000_000)
    ap.add_argument("--index", type=Path, help="index folder (default bench/out/index-N)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="write bench/results-kernel.md/.json")
    args = ap.parse_args(argv)
    result = run(args.index or index_dir(args.paragraphs), args.paragraphs, args.rounds)
    text = table(result)
    print(text)
    if args.write:
        (ROOT / "results-kernel.md").write_text("# Scoring kernels side by side\n\n"
                                                "`python -m bench kernel`\n\n" + text + "\n")
        (ROOT / "results-kernel.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0

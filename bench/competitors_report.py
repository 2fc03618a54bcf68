"""The side-by-side section of bench/results.md and bench/engine-scaling.png (issue #15):
ours beside tantivy and bm25s per archive size (see :mod:`bench.competitors_bench`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.competitors import ALL, ENGINES, METRICS, MIXES


def _cell(value: Any, fmt: str = "{:.2f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def section(results: list[dict[str, Any]], chart: str | None) -> list[str]:
    """The results.md section: one side-by-side table per size measured with competitors."""
    measured = [r for r in results if r.get("competitors")]
    if not measured:
        return []
    lines = [
        "## Beside tantivy and bm25s (issue #15)",
        "",
        "The same tokens for all three engines (our tokenizer, once per paragraph; the "
        "other two index those tokens). Query latencies from one process holding the three "
        "engines, answering each query in turn in a rotating order (`rounds` times); ours is "
        "`Archive.search(q, limit=10)` end to end with the hits' text, theirs our tokenizer "
        "+ their top-10 paragraph numbers (tantivy: `searcher.search(q, 10, count=True)`, an "
        "exhaustive count like ours; bm25s: `retrieve(k=10)`, method robertson, our k1/b). "
        "Build: ours from the raw files (scan, parse, tokenize, matrices, save), theirs from "
        "our tokens file (tokenizing it is the `tokenize` line, not in their build). Load and "
        "RSS while serving search: a fresh process per engine that loads, then answers every "
        "query once. One-shot: a fresh shell process that loads and answers one query "
        "(`archive-bot search --json` / `python -m bench.competitors`), median of 5. tantivy "
        "stores no text (ours does: the hits' paragraphs), bm25s neither. Ratios are ours / "
        "theirs (below 1: ours is smaller or faster). BM25 variants differ (tantivy k1 = 1.2 "
        "and Lucene's idf; rank-bm25's epsilon idf floor for ours), so top-10 overlap is "
        "reported, not expected to be 100%.",
        "",
    ]
    if chart:
        lines += [f"![query p50 against corpus size]({chart})", ""]
    for r in measured:
        c = r["competitors"]
        e, q = c["engines"], c["ratios"]
        lines += [
            f"### {r['paragraphs']:,} paragraphs",
            "",
            *([f"measured {m['date']} at {m['commit']} (load average {m['loadavg_at_start']}"
               f" -> {m['loadavg_after']})", ""] if (m := c.get("measured")) else []),
            f"tokenize once for them: {c['tokens']['tokenize_s']:.1f} s "
            f"({c['tokens']['tokens_mb']:.0f} MB of tokens); {c['rounds']} rounds; one-shot "
            f"query {c['oneshot_query']!r} (a bare `python -c` start-up takes "
            f"{_cell(c.get('oneshot_python_startup_s'))} s)",
            "",
            "| metric | ours | tantivy | bm25s | ours / tantivy | ours / bm25s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, label in METRICS:
            lines.append(f"| {label} | " + " | ".join(_cell(e[n].get(key)) for n in ALL)
                         + " | " + " | ".join(_cell(q[n][key], "{:.2f}x") for n in ENGINES)
                         + " |")
        if (first := e["ours"].get("first_answer_s")) is not None:
            lines.append("| ours: first answer after start, checksums left to the background "
                         f"(`verify=False`, as the bot starts) (s) | {first:.3f} | | | | |")
        for mix in MIXES:
            lines.append(f"| {mix} p50 / p95 / p99 (ms) | " + " | ".join(
                "{p50:.2f} / {p95:.2f} / {p99:.2f}".format(**e[n][f"{mix}_ms"]) for n in ALL)
                + " | | |")
        ranked = e["ours"].get("ranked_ms")
        if ranked:  # like for like: ours ranking alone, as theirs are timed (no hit text)
            for mix in MIXES:
                mine = ranked[mix]
                lines.append(
                    f"| {mix}, ours ranking alone (`Archive.top`, no hit text) p50 / p95 / p99 "
                    "(ms) | {p50:.2f} / {p95:.2f} / {p99:.2f} | | | ".format(**mine)
                    + " | ".join(
                        "{:.2f}x / {:.2f}x".format(mine["p50"] / e[n][f"{mix}_ms"]["p50"],
                                                   mine["p99"] / e[n][f"{mix}_ms"]["p99"])
                        for n in ENGINES) + " |")
        a = c["agreement"]
        for mix in MIXES:
            lines.append(
                f"| {mix}: top-10 overlap with ours / same best paragraph | — | "
                + " | ".join(f"{a[n][mix]['top10_overlap']:.1%} / {a[n][mix]['same_top1']:.1%}"
                             for n in ENGINES) + " | | |")
        lines.append("| same match count as ours (short / natural) | — | " + " | ".join(
            " / ".join(_cell(a[n][m]["same_count"], "{:.1%}") for m in MIXES)
            for n in ENGINES) + " | | |")
        lines.append("")
    return lines


def chart(results: list[dict[str, Any]], path: Path) -> bool:
    """Log-log PNG of query p50 (both mixes) against corpus size for the three engines."""
    measured = [r for r in results if r.get("competitors")]
    if not measured:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["paragraphs"] for r in measured]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for name, color in zip(ALL, ("tab:blue", "tab:orange", "tab:green"), strict=True):
        for mix, style in zip(MIXES, ("-", "--"), strict=True):
            ys = [r["competitors"]["engines"][name][f"{mix}_p50_ms"] for r in measured]
            ax.plot(sizes, ys, style, color=color, marker="o", label=f"{name}, {mix}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("paragraphs")
    ax.set_ylabel("query p50 (ms)")
    ax.set_title("Query time against corpus size (short: 1-5 words, natural: questions)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def print_side_by_side(result: dict[str, Any]) -> None:
    """The competitor table of one size on stderr (stdout stays one JSON object)."""
    lines = section([result], None)
    start = next((i for i, x in enumerate(lines) if x.startswith("### ")), None)
    if start is None:  # measured without competitors (--no-competitors): nothing to print
        return
    for line in lines[start:]:
        print(line, file=sys.stderr)


def merge_competitors(result: dict[str, Any]) -> None:
    """Put one size's competitor figures into bench/results.json (beside our figures of an
    earlier ``--all`` run, which keep their own commit and date) and regenerate results.md
    and the chart."""
    from bench.engine import ROOT, log, write_results

    path = ROOT / "results.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    rows = [r for r in saved["results"] if r["paragraphs"] == result["paragraphs"]]
    if not rows:
        raise SystemExit(f"no {result['paragraphs']:,}-paragraph row in {path}: run "
                         "python -m bench engine --all first")
    rows[0]["competitors"] = result["competitors"]
    write_results(saved["results"], saved["machine"])
    log(f"wrote {ROOT / 'results.md'}, {path} and {ROOT / 'engine-scaling.png'}")

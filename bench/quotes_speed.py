"""Quotation extraction speed: CPU µs per paragraph on articles of the synthetic archive.

Usage::

    python -m bench quotes --speed                       # this tree
    python -m bench quotes --speed --against /tmp/before  # ... beside another tree

``--against DIR`` names a copy of the package at another revision (``git archive <rev> bot |
tar -x -C DIR``); both trees are timed in child processes on the same articles, alternately
(``--rounds`` each), and printed side by side. The articles are the first ``--articles`` of
``bench/out/archive-100000`` (``python -m bench generate --paragraphs 100000``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ARCHIVE = ROOT / "out" / "archive-100000" / "part-0001.jsonl"

_CHILD = r"""
import json, sys, time
from bot.core.answers.quotes import extract_article
path, n = sys.argv[1], int(sys.argv[2])
arts = []
with open(path, encoding="utf-8") as f:
    for line in f:
        arts.append([p for p in json.loads(line)["text"].split("\n\n") if p.strip()])
        if len(arts) >= n:
            break
for a in arts[:50]:
    extract_article(a)
paras = sum(map(len, arts))
t = time.process_time()
found = sum(len(extract_article(a)) for a in arts)
cpu = time.process_time() - t
print(json.dumps({"paragraphs": paras, "quotations": found, "us": 1e6 * cpu / paras}))
"""


def _run(tree: Path, archive: Path, articles: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(archive), str(articles)],
                         cwd=tree, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


def speed(against: Path | None, articles: int = 1200, rounds: int = 2,
          archive: Path = ARCHIVE) -> int:
    if not archive.exists():
        print(f"bench quotes: {archive} missing (python -m bench generate --paragraphs "
              "100000)", file=sys.stderr)
        return 2
    trees = {"this tree": ROOT.parent}
    if against is not None:
        if not (against / "bot").is_dir():
            print(f"bench quotes: {against} holds no bot/ package", file=sys.stderr)
            return 2
        trees = {f"{against}": against, **trees}
    best: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for label, tree in trees.items():
            got = _run(tree, archive, articles)
            if label not in best or got["us"] < best[label]["us"]:
                best[label] = got
    print(f"{articles} articles of {archive.parent.name}, best of {rounds} rounds "
          "(CPU µs per paragraph)")
    print("| tree | paragraphs | quotations | µs/paragraph |\n|---|---|---|---|")
    for label, got in best.items():
        print(f"| {label} | {got['paragraphs']:.0f} | {got['quotations']:.0f} | "
              f"{got['us']:.1f} |")
    return 0

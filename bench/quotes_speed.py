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
          archive: Path = ARCHIVE, write: bool = False) -> int:
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
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(rounds):  # alternately, so that a busy machine slows both alike
        for label, tree in trees.items():
            runs[label].append(_run(tree, archive, articles))
    lines = [f"{articles} articles of {archive.parent.name}, {rounds} rounds each, "
             "alternating (CPU µs per paragraph: the best round, and the median)", "",
             "| tree | paragraphs | quotations | µs/paragraph best | median |",
             "|---|---|---|---|---|"]
    for label, got in runs.items():
        us = sorted(g["us"] for g in got)
        lines.append(f"| {label} | {got[0]['paragraphs']:.0f} | {got[0]['quotations']:.0f} | "
                     f"{us[0]:.1f} | {us[len(us) // 2]:.1f} |")
    print("\n".join(lines))
    if write:
        (ROOT / "results-quotes-speed.md").write_text(
            "# Quotation extraction speed\n\nProduced by `python -m bench quotes --speed "
            "--against DIR --rounds N --write` (see bench/quotes_speed.py).\n\n"
            + "\n".join(lines) + "\n", encoding="utf-8")
    return 0

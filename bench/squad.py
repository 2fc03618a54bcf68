"""``/ask`` quality on SQuAD v2.0 dev: accuracy, abstention, citations, failure kinds.

Usage::

    python -m bench squad --data DIR               # whole set -> bench/results-squad.{md,json}
    python -m bench squad --data DIR --split test  # only the held-out articles (no files)
    python -m bench squad --data DIR --no-write    # print only
    python -m bench squad --data DIR --train       # fit the ranker (bench/squad_train.py)

``DIR`` is the squad-v2-dev folder (``questions.jsonl`` and ``archive/``), or set
``$SQUAD_V2_DEV`` to it. The data is not part of the repository.

The data (see its README) is indexed into a temporary folder with the library's own build
(:func:`bot.core.build.open_archive`), then every question goes through the CLI's path:
``AskRequest.parse(settings, question)`` and ``ask(Snapshot(archive), request)``. Metrics
as the data's README defines them (SQuAD's normalisation; "contains gold" = the normalised
answer holds one normalised gold answer as whole tokens; "not found" = ``found`` false).

Articles are split by their order in the archive: even positions (18) are ``train`` (what
settings and weights may be tuned on), odd ones (17) ``test``. Figures are printed for
all three. The data is for measurement only: neither the product nor the tests read it.

For the answerable misses a failure kind is given (first that applies): retrieval (gold
paragraph not among the passages), vetoed (the sentence holding the gold answer was no
candidate: the name check or the length filter dropped it), spans sentences (no single
sentence holds the gold answer), below threshold (a candidate held it but the answer was
"not found"), wrong sentence (right paragraph cited), other paragraph (gold on top / lower).

The trade-off curve moves the not-found threshold over the answers' ``confidence`` and plots
answerable accuracy against unanswerable abstention (bench/squad-curve.png).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA_ENV = "SQUAD_V2_DEV"  # where the data is when --data is not given
# The whole set before issue #13 (commit 7f3fd3f: hand-set weights, the name filter).
BEFORE = {"answerable_contains_gold": 74.4, "first_sentence_contains_gold": 71.3,
          "cites_gold": 81.4, "false_not_found": 7.9, "unanswerable_not_found": 15.4,
          "overall_accuracy": 44.9, "sentences_per_answer": 1.18}
TARGETS = {"answerable": 85.0, "unanswerable_not_found": 40.0, "false_not_found": 5.0,
           "sentences": 1.6}

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """As the official SQuAD script: lower case, no punctuation, no articles, one space."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def contains(answer: str, golds: list[str]) -> bool:
    """Whether normalised ``answer`` holds one normalised gold answer as whole tokens."""
    have = " " + normalize(answer) + " "
    return any(g and f" {g} " in have for g in (normalize(x) for x in golds))


@dataclass
class Row:
    """One question's outcome."""

    qid: str
    split: str
    answerable: bool
    found: bool
    correct: bool = False
    first_correct: bool = False
    cites_gold: bool = False
    sentences: int = 0
    confidence: float | None = None
    rank1: bool = False
    top3: bool = False
    in_passages: bool = False
    kind: str = ""  # failure kind of an answerable miss
    ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def load(data: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    questions = [json.loads(line) for line in
                 (data / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    ids = [json.loads(line)["id"] for line in
           (data / "archive" / "squad_v2_dev.jsonl").read_text(encoding="utf-8").splitlines()
           if line]
    split = {doc: ("train" if i % 2 == 0 else "test") for i, doc in enumerate(ids)}
    return questions, split


def open_squad(data: Path, index: Path) -> Any:
    from bot.config import Settings, load_settings, with_section
    from bot.core.build import open_archive

    config = REPO / "config" / "config.yaml"
    base = load_settings(config, environ={}) if config.exists() else Settings()
    settings = with_section(base, "archive", path=data / "archive", metadata=None)
    settings = with_section(settings, "index", path=index)
    settings = with_section(settings, "querylog", path=index / "querylog.sqlite3")
    archive, _ = open_archive(settings)
    return archive


def failure_kind(snapshot: Any, question: str, golds: list[str], gold: tuple[str, int],
                 answer: Any) -> str:
    """Why an answerable question was missed (see the module docstring)."""
    from bot.core.answers.sentences import split_sentences

    ask_mod = importlib.import_module("bot.core.answers.ask")

    passages = [(p.doc_id, p.paragraph) for p in answer.passages]
    if gold not in passages:
        return "retrieval"
    hit = answer.passages[passages.index(gold)]
    if not any(contains(s.text, golds) for s in split_sentences(hit.text)):
        return "spans sentences"
    q = ask_mod.parse_question(snapshot, question)
    scored = ask_mod.score_sentences(snapshot, q, list(answer.passages))
    if not any((s.hit.doc_id, s.hit.paragraph) == gold and contains(s.span.text, golds)
               for s in scored):
        return "vetoed"
    if not answer.found:
        return "below threshold"
    cited = [(s.citation.doc_id, s.citation.paragraph) for s in answer.sentences]
    if gold in cited:
        return "wrong sentence"
    return "other paragraph (gold on top)" if passages[0] == gold else "other paragraph"


def run(data: Path, only: str) -> list[Row]:
    from bot.core.answers import ask
    from bot.core.requests import AskRequest
    from bot.core.snapshot import Snapshot
    from bot.errors import QueryError

    questions, split = load(data)
    with tempfile.TemporaryDirectory(prefix="squad-index-") as tmp:
        started = time.perf_counter()
        archive = open_squad(data, Path(tmp))
        print(f"indexed {len(archive.index.docs)} articles, {archive.index.n_paragraphs} "
              f"paragraphs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        snapshot = Snapshot(archive)
        rows = []
        for n, item in enumerate(questions):
            part = split[item["doc_id"]]
            if only != "all" and part != only:
                continue
            if n % 2000 == 0:
                print(f"  {n}/{len(questions)}", file=sys.stderr)
            golds, gold = item["answers"], (item["doc_id"], item["paragraph"])
            try:
                request = AskRequest.parse(archive.settings, item["question"])
            except QueryError:
                continue
            t0 = time.perf_counter()
            answer = ask(snapshot, request)
            ms = (time.perf_counter() - t0) * 1000
            row = Row(item["id"], part, not item["is_impossible"], answer.found, ms=ms,
                      confidence=getattr(answer, "confidence", None),
                      sentences=len(answer.sentences))
            if row.answerable:
                passages = [(p.doc_id, p.paragraph) for p in answer.passages]
                hits = snapshot.search(request.question, limit=3).hits
                ranked = [(h.doc_id, h.paragraph) for h in hits]
                row.rank1, row.top3 = ranked[:1] == [gold], gold in ranked
                row.in_passages = gold in passages
                if answer.found:
                    row.correct = contains(answer.message, golds)
                    row.first_correct = contains(answer.sentences[0].text, golds)
                    row.cites_gold = gold in [(s.citation.doc_id, s.citation.paragraph)
                                              for s in answer.sentences]
                if not row.correct:
                    row.kind = failure_kind(snapshot, item["question"], golds, gold, answer)
            rows.append(row)
    return rows


def pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def figures(rows: list[Row]) -> dict[str, Any]:
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    found = [r for r in ans if r.found]
    kinds = Counter(r.kind for r in ans if not r.correct)
    return {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "answerable_contains_gold": pct(sum(r.correct for r in ans), len(ans)),
        "first_sentence_contains_gold": pct(sum(r.first_correct for r in ans), len(ans)),
        "cites_gold": pct(sum(r.cites_gold for r in ans), len(ans)),
        "false_not_found": pct(sum(not r.found for r in ans), len(ans)),
        "unanswerable_not_found": pct(sum(not r.found for r in una), len(una)),
        "overall_accuracy": pct(sum(r.correct for r in ans) + sum(not r.found for r in una),
                                len(rows)),
        "sentences_per_answer": round(statistics.fmean([r.sentences for r in found]), 2)
        if found else 0.0,
        "search_rank1": pct(sum(r.rank1 for r in ans), len(ans)),
        "search_top3": pct(sum(r.top3 for r in ans), len(ans)),
        "gold_in_passages": pct(sum(r.in_passages for r in ans), len(ans)),
        "ask_p50_ms": round(statistics.median([r.ms for r in rows]), 2) if rows else 0.0,
        "misses_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def curve(rows: list[Row]) -> list[dict[str, float]]:
    """(threshold, answerable accuracy, unanswerable abstention) as the threshold moves."""
    scored = sorted({round(r.confidence, 3) for r in rows
                     if r.found and r.confidence is not None})
    if not scored:
        return []
    step = max(1, len(scored) // 60)
    points = []
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    for t in [0.0, *scored[::step], scored[-1] + 1e-3]:
        def kept(r: Row, t: float = t) -> bool:
            return r.found and r.confidence is not None and r.confidence >= t
        points.append({
            "threshold": t,
            "answerable": pct(sum(r.correct and kept(r) for r in ans), len(ans)),
            "abstain": pct(sum(not kept(r) for r in una), len(una)),
            "false_not_found": pct(sum(not kept(r) for r in ans), len(ans)),
        })
    return points


def draw(points: list[dict[str, float]], shipped: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.plot([p["abstain"] for p in points], [p["answerable"] for p in points], "-",
            label="not-found threshold moved (confidence)")
    ax.plot([shipped["unanswerable_not_found"]], [shipped["answerable_contains_gold"]], "o",
            color="C3", label="shipped setting")
    ax.axhline(TARGETS["answerable"], color="grey", ls=":", lw=1)
    ax.axvline(TARGETS["unanswerable_not_found"], color="grey", ls=":", lw=1)
    ax.set_xlabel("unanswerable questions answered \"not found\" (%)")
    ax.set_ylabel("answerable questions: answer contains gold (%)")
    ax.set_title("/ask on SQuAD v2.0 dev (11,873 questions)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


LABELS = (
    ("answerable_contains_gold", "answerable: answer contains gold (%)"),
    ("first_sentence_contains_gold", "answerable: first sentence contains gold (%)"),
    ("cites_gold", "answerable: cites the gold paragraph (%)"),
    ("false_not_found", "answerable: false \"not found\" (%)"),
    ("unanswerable_not_found", "unanswerable: \"not found\" (%)"),
    ("overall_accuracy", "overall accuracy (%)"),
    ("sentences_per_answer", "sentences per answer (answerable, found)"),
    ("search_rank1", "search: gold paragraph at rank 1 (%)"),
    ("search_top3", "search: gold paragraph in top 3 (%)"),
    ("gold_in_passages", "ask: gold paragraph among the passages (%)"),
    ("ask_p50_ms", "ask p50 (ms, this machine)"),
)


def table(results: dict[str, dict[str, Any]]) -> str:
    parts = list(results)
    lines = ["| metric | " + " | ".join(parts) + " |", "| --- |" + " ---: |" * len(parts)]
    for key, label in LABELS:
        lines.append(f"| {label} | " + " | ".join(str(results[p][key]) for p in parts) + " |")
    kinds = sorted({k for p in parts for k in results[p]["misses_by_kind"]},
                   key=lambda k: -results[parts[0]]["misses_by_kind"].get(k, 0))
    for k in kinds:
        lines.append(f"| miss: {k} | "
                     + " | ".join(str(results[p]["misses_by_kind"].get(k, 0)) for p in parts)
                     + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench squad", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=os.environ.get(DATA_ENV),
                    help=f"the squad-v2-dev folder (default ${DATA_ENV})")
    ap.add_argument("--split", choices=("all", "train", "test"), default="all")
    ap.add_argument("--no-write", action="store_true",
                    help="print only (with --split all, results and the curve are written)")
    ap.add_argument("--dump", type=Path, help="write every question's outcome here (jsonl)")
    ap.add_argument("--train", action="store_true",
                    help="train the ranker on the train articles (bench/squad_train.py)")
    args = ap.parse_args(argv)
    if args.data is None:
        print(f"bench squad: give --data DIR (the squad-v2-dev folder) or set ${DATA_ENV}",
              file=sys.stderr)
        return 2
    if not (args.data / "questions.jsonl").is_file():
        print(f"no questions.jsonl in {args.data}", file=sys.stderr)
        return 2
    if args.train:
        from bench.squad_train import train

        return train(args.data)
    rows = run(args.data, args.split)
    results = {"all": figures(rows)}
    for part in ("train", "test"):
        subset = [r for r in rows if r.split == part]
        if subset and args.split == "all":
            results[part] = figures(subset)
    text = table(results)
    print(text)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps(r.__dict__) + "\n")
    if args.split != "all" or args.no_write:
        return 0
    points = curve(rows)
    if points:
        draw(points, results["all"], ROOT / "squad-curve.png")
    payload = {"data": str(args.data.name), "split": "articles at even positions train, odd "
               "test", "targets": TARGETS, "results": results, "curve": points}
    (ROOT / "results-squad.json").write_text(json.dumps(payload, indent=1) + "\n",
                                             encoding="utf-8")
    before = ["| metric | before (7f3fd3f) | now | target |", "| --- | ---: | ---: | ---: |"]
    goal = {"answerable_contains_gold": ">= 85", "false_not_found": "<= 5",
            "unanswerable_not_found": ">= 40", "sentences_per_answer": "<= 1.6"}
    for key, label in LABELS:
        if key in BEFORE:
            before.append(f"| {label} | {BEFORE[key]} | {results['all'][key]} | "
                          f"{goal.get(key, '')} |")
    md = ["# /ask on SQuAD v2.0 dev", "", "`python -m bench squad` (see bench/squad.py). The "
          "ranker is trained on the `train` articles only (`python -m bench squad --train`); "
          "`test` is the held-out half.", "", "## Whole set, before and after", "",
          *before, "", "## By split, with the misses by kind", "", text, ""]
    if points:
        md += ["![trade-off curve](squad-curve.png)", ""]
    (ROOT / "results-squad.md").write_text("\n".join(md), encoding="utf-8")
    print(f"wrote {ROOT / 'results-squad.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

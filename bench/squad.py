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

Every question is scored by a model that never saw its article (``--model crossfit``, the
default): ``python -m bench squad --train`` (bench/squad_train.py) trains one model per fold
of articles (position mod 5) on the other folds and writes them to bench/squad-folds.json,
and the shipped model (``ask_weights.json``) on all articles. ``--model shipped`` measures
the shipped weights instead (in sample: they were trained on these articles). The columns
``train`` / ``test`` are the articles at even / odd positions (the split of the first
trained ranker, kept for comparison). The data is for measurement only: neither the
product nor the tests read it.

For the answerable misses a failure kind is given (first that applies): retrieval (gold
paragraph not among the passages), vetoed (the sentence holding the gold answer was no
candidate: the name check or the length filter dropped it), spans sentences (no single
sentence holds the gold answer), below threshold (a candidate held it but the answer was
"not found"), wrong sentence (right paragraph cited), other paragraph (gold on top / lower).

The trade-off curve moves the not-found threshold over the answers' ``confidence`` (the
cross-fitted ones) and plots answerable accuracy against unanswerable abstention
(bench/squad-curve.png), marking the shipped threshold.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.squad_report import ROOT, Row, figures, table, write_results

REPO = ROOT.parent
FOLDS_FILE = ROOT / "squad-folds.json"  # the cross-fitted models (bench/squad_train.py)
DATA_ENV = "SQUAD_V2_DEV"  # where the data is when --data is not given
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """As the official SQuAD script: lower case, no punctuation, no articles, one space."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def contains(answer: str, golds: list[str]) -> bool:
    """Whether normalised ``answer`` holds one normalised gold answer as whole tokens."""
    have = " " + normalize(answer) + " "
    return any(g and f" {g} " in have for g in (normalize(x) for x in golds))


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
                 answer: Any, weights: Any = None) -> str:
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
    scored = ask_mod.score_sentences(snapshot, q, list(answer.passages), None, weights)
    if not any((s.hit.doc_id, s.hit.paragraph) == gold and contains(s.span.text, golds)
               for s in scored):
        return "vetoed"
    if not answer.found:
        return "below threshold"
    cited = [(s.citation.doc_id, s.citation.paragraph) for s in answer.sentences]
    if gold in cited:
        return "wrong sentence"
    return "other paragraph (gold on top)" if passages[0] == gold else "other paragraph"


def models(kind: str) -> tuple[dict[str, int], list[Any]] | None:
    """The cross-fitted models (bench/squad-folds.json: each article's fold, a model per
    fold) for ``kind`` "crossfit", None (the shipped weights) for "shipped"."""
    from bot.core.answers.ranker import parse_weights

    if kind == "shipped":
        return None
    data = json.loads(FOLDS_FILE.read_text(encoding="utf-8"))
    return data["fold_of"], [parse_weights(json.dumps(m)) for m in data["models"]]


def run(data: Path, only: str, kind: str = "crossfit") -> list[Row]:
    from bot.core.answers import ask
    from bot.core.requests import AskRequest
    from bot.core.snapshot import Snapshot
    from bot.errors import QueryError

    questions, split = load(data)
    folds = models(kind)
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
            weights = folds[1][folds[0][item["doc_id"]]] if folds else None
            t0 = time.perf_counter()
            answer = ask(snapshot, request, None, weights)
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
                    row.kind = failure_kind(snapshot, item["question"], golds, gold, answer,
                                            weights)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench squad", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=os.environ.get(DATA_ENV),
                    help=f"the squad-v2-dev folder (default ${DATA_ENV})")
    ap.add_argument("--split", choices=("all", "train", "test"), default="all")
    ap.add_argument("--model", choices=("crossfit", "shipped"), default="crossfit",
                    help="crossfit: each question scored by the model of its article's fold "
                    "(never trained on it; the headline); shipped: ask_weights.json (trained "
                    "on every article: in-sample)")
    ap.add_argument("--no-write", action="store_true",
                    help="print only (with --split all, results and the curve are written)")
    ap.add_argument("--dump", type=Path, help="write every question's outcome here (jsonl)")
    ap.add_argument("--train", action="store_true",
                    help="train the ranker, cross-fitted by article (bench/squad_train.py)")
    ap.add_argument("--trees", action="store_true",
                    help="with --train: also try gradient-boosted trees for the abstention "
                    "model (needs scikit-learn, the dev extra)")
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

        return train(args.data, args.trees)
    rows = run(args.data, args.split, args.model)
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
    write_results(args.data, args.model, rows, results, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the ``/ask`` ranker on SQuAD v2.0 dev, cross-fitted by article.

    python -m bench squad --data DIR --train   # -> bot/core/answers/ask_weights.json
                                               #    and bench/squad-folds.json

The 35 articles fall in :data:`FOLDS` folds by their position in the archive (position
mod 5). For each fold a model is trained on the other four folds' articles only; ``python -m
bench squad`` scores every question with the model of its article's fold (one that never
saw the article): the whole-set figures are held-out figures. The shipped model
(``ask_weights.json``) is trained the same way on all articles.

A model is three steps, each on its training articles only:

1. the sentence model: logistic regression (Newton's method, L2) over every candidate
   sentence of every answerable question, label "the sentence holds a gold answer";
2. the abstention model: logistic regression over one row per question (the best
   candidate's features, its margin, what the paragraph and article lack, ...), label
   "answerable and the best sentence holds a gold answer";
3. ``follow`` (second sentence): the most answers right with at most :data:`MAX_SENTENCES`
   sentences per answer on average; ``threshold`` (not found): the highest that keeps false
   "not found" at most :data:`MAX_FALSE_NOT_FOUND` % of the answerable questions.

The shipped threshold is picked the same way on the cross-fitted outcomes (each question
under its fold's model), not on the model's own training questions.

Features are computed once per question (the product's own ``prepare``); only the weights
change between folds, so the whole run takes a few minutes.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.squad import REPO, contains, load, open_squad
from bench.squad_fit import boost, calibrate, fit, fit_listwise
from bench.squad_report import ROOT

WEIGHTS = REPO / "bot" / "core" / "answers" / "ask_weights.json"
FOLDS_FILE = ROOT / "squad-folds.json"
FOLDS = 5
MAX_FALSE_NOT_FOUND = 4.5
MAX_SENTENCES = 1.58
FOLLOWS = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)


def fold_of(ids: list[str]) -> dict[str, int]:
    """Each article's fold: its position in the archive mod :data:`FOLDS`."""
    return {doc: i % FOLDS for i, doc in enumerate(ids)}


@dataclass
class Item:
    """One question with its passages and candidates (computed once)."""

    data: dict[str, Any]
    fold: int
    request: Any
    q: Any
    hits: list[Any]
    prepared: Any

    @property
    def answerable(self) -> bool:
        return not self.data["is_impossible"]


@dataclass
class Outcome:
    """A question's answer with no threshold (``found``: an answer was given at all)."""

    answerable: bool
    found: bool
    correct: bool
    sentences: int
    confidence: float

    def at(self, threshold: float) -> Outcome:
        """The outcome under ``threshold``."""
        if self.confidence >= threshold:
            return self
        return Outcome(self.answerable, False, False, 0, self.confidence)


def _block(names: tuple[str, ...], w: np.ndarray) -> dict[str, Any]:
    return {"features": list(names), "weights": [round(float(v), 5) for v in w]}


class Trainer:
    """The three steps over the questions of some folds."""

    def __init__(self, snapshot: Any, items: list[Item]) -> None:
        self.snapshot = snapshot
        self.items = items
        self.ask = importlib.import_module("bot.core.answers.ask")
        ranker = importlib.import_module("bot.core.answers.ranker")
        self.Weights, self.sigmoid = ranker.Weights, ranker.sigmoid
        self.n_abstain = len(ranker.ABSTAIN)

    def sentence_model(self, train: list[Item]) -> np.ndarray:
        rows, labels, groups = [], [], []
        for n, it in enumerate(train):
            if not it.answerable:
                continue
            for c in it.prepared.cands:
                rows.append(c.features)
                labels.append(float(contains(c.span.text, it.data["answers"])))
                groups.append(n)
        x, y = np.array(rows), np.array(labels)
        return calibrate(x, y, fit_listwise(x, y, np.array(groups)))

    def choices(self, weights: Any, items: list[Item]) -> list[Any]:
        return [self.ask.choose(self.snapshot, it.q, it.hits, None, weights, it.prepared)
                for it in items]

    def abstain_model(self, train: list[Item], choices: list[Any]) -> np.ndarray:
        rows, labels = [], []
        for it, choice in zip(train, choices, strict=True):
            if not choice.ranked:
                continue
            rows.append(choice.abstain)
            labels.append(float(it.answerable and contains(choice.ranked[0].cand.span.text,
                                                           it.data["answers"])))
        return fit(np.array(rows), np.array(labels))

    def outcomes(self, weights: Any, items: list[Item], choices: list[Any]) -> list[Outcome]:
        """Each question's answer under ``weights`` but with no threshold."""
        weights = replace(weights, threshold=0.0)
        out = []
        for it, choice in zip(items, choices, strict=True):
            if choice.ranked:
                choice = choice._replace(confidence=weights.confidence(choice.abstain))
            answer = self.ask.respond(self.snapshot, it.request, choice, weights)
            out.append(Outcome(it.answerable, answer.found,
                               answer.found and contains(answer.message, it.data["answers"]),
                               len(answer.sentences), answer.confidence))
        return out

    def model(self, train: list[Item], trees: bool = False) -> Any:
        """The weights trained on ``train`` (follow and threshold picked on it too; with
        ``trees``, the abstention model is gradient-boosted trees and the threshold is
        picked on their out-of-fold confidences, by article, within ``train``)."""
        sentence = self.sentence_model(train)
        first = self.Weights(tuple(sentence.tolist()), (0.0,) * self.n_abstain, 0.0, 1.1)
        choices = self.choices(first, train)
        abstain = self.abstain_model(train, choices)
        best: tuple[int, Any, list[Outcome]] | None = None
        for follow in FOLLOWS:
            trial = self.Weights(first.sentence, tuple(abstain.tolist()), 0.0, follow)
            outs = self.outcomes(trial, train, choices)
            found = [o for o in outs if o.answerable and o.found]
            mean = sum(o.sentences for o in found) / max(len(found), 1)
            right = sum(o.correct for o in outs)
            if mean <= MAX_SENTENCES and (best is None or right > best[0]):
                best = (right, trial, outs)
        if best is None:
            raise SystemExit("no follow ratio keeps the sentences per answer low enough")
        _, trial, outs = best
        if not trees:
            return replace(trial, threshold=pick_threshold(outs))
        forest, oof = boost(train, choices)
        outs = [replace(o, confidence=c) for o, c in zip(outs, oof, strict=True)]
        return replace(trial, threshold=pick_threshold(outs), abstain_trees=forest)


def pick_threshold(outs: list[Outcome]) -> float:
    """The highest threshold keeping false "not found" under :data:`MAX_FALSE_NOT_FOUND`
    (it says "not found" to the most unanswerable questions within that bound)."""
    n_answerable = max(sum(o.answerable for o in outs), 1)
    base = sum(o.answerable and not o.found for o in outs)
    budget = MAX_FALSE_NOT_FOUND / 100 * n_answerable - base
    kept = sorted(o.confidence for o in outs if o.answerable and o.found)
    if budget < 1 or not kept:
        return 0.0
    return float(kept[int(budget) - 1]) + 1e-6 if int(budget) <= len(kept) else 1.0


def payload(w: Any, note: str) -> dict[str, Any]:
    from bot.core.answers.candidates import FEATURES
    from bot.core.answers.ranker import ABSTAIN

    out = {"note": note, "sentence": _block(FEATURES, np.array(w.sentence)),
           "abstain": _block(ABSTAIN, np.array(w.abstain)),
           "threshold": round(w.threshold, 6), "follow": w.follow}
    if w.abstain_trees is not None:
        f = w.abstain_trees
        out["abstain_trees"] = {"init": f.init, "rate": f.rate, "trees": [
            {"feature": list(t.feature), "threshold": list(t.threshold),
             "left": list(t.left), "right": list(t.right),
             "value": list(t.value)} for t in f.trees]}
    return out


def summary(outs: list[Outcome]) -> str:
    ans = [o for o in outs if o.answerable]
    una = [o for o in outs if not o.answerable]
    found = [o for o in ans if o.found]
    return (f"answerable {100 * sum(o.correct for o in ans) / len(ans):.1f}%, false not "
            f"found {100 * sum(not o.found for o in ans) / len(ans):.1f}%, unanswerable not "
            f"found {100 * sum(not o.found for o in una) / max(len(una), 1):.1f}%, "
            f"{sum(o.sentences for o in found) / max(len(found), 1):.2f} sentences")


def prepare(snapshot: Any, questions: list[dict[str, Any]], folds: dict[str, int]) -> list[Item]:
    from bot.core.requests import AskRequest

    ask_mod = importlib.import_module("bot.core.answers.ask")
    passages = snapshot.settings.answers.passages
    items = []
    for n, data in enumerate(questions):
        if n % 2000 == 0:
            print(f"  features {n}/{len(questions)}", file=sys.stderr)
        request = AskRequest.parse(snapshot.settings, data["question"])
        q = ask_mod.parse_question(snapshot, request.question)
        best = snapshot.best(snapshot.rank(q.search, request.filters), passages)
        hits = [snapshot.hit(p, s) for p, s in best]
        items.append(Item(data, folds[data["doc_id"]], request, q, hits,
                          ask_mod.prepare(snapshot, q, hits)))
    return items


def crossfit(trainer: Trainer, items: list[Item], trees: bool) -> tuple[list[Any],
                                                                          list[Outcome]]:
    """A model per fold (trained on the other folds) and each question's outcome under the
    model of its own fold (no threshold), in the order of ``items``."""
    models, held_out = [], [Outcome(False, False, False, 0, 0.0)] * len(items)
    for k in range(FOLDS):
        w = trainer.model([it for it in items if it.fold != k], trees)
        at = [i for i, it in enumerate(items) if it.fold == k]
        test = [items[i] for i in at]
        outs = trainer.outcomes(w, test, trainer.choices(w, test))
        print(f"fold {k}: follow {w.follow}, threshold {w.threshold:.4f}: "
              f"{summary([o.at(w.threshold) for o in outs])}", file=sys.stderr)
        models.append(w)
        for i, o in zip(at, outs, strict=True):
            held_out[i] = o
    own = [o.at(models[it.fold].threshold) for it, o in zip(items, held_out, strict=True)]
    print(f"cross-fitted ({'trees' if trees else 'logistic'}), fold thresholds: "
          f"{summary(own)}", file=sys.stderr)
    return models, held_out


def train(data: Path, with_trees: bool = False) -> int:
    """Cross-fit, then train the shipped model; ``with_trees``: also cross-fit the
    gradient-boosted abstention model and ship it if it abstains more (at the same bound
    on false "not found")."""
    from bot.core.snapshot import Snapshot

    questions, _ = load(data)
    ids = [json.loads(line)["id"] for line in
           (data / "archive" / "squad_v2_dev.jsonl").read_text(encoding="utf-8").splitlines()
           if line]
    folds = fold_of(ids)
    with tempfile.TemporaryDirectory(prefix="squad-train-") as tmp:
        snapshot = Snapshot(open_squad(data, Path(tmp)))
        items = prepare(snapshot, questions, folds)
        trainer = Trainer(snapshot, items)
        runs = {trees: crossfit(trainer, items, trees) for trees in (False, True)
                if trees in (False, with_trees)}
        for trees, (_, held_out) in runs.items():
            t = pick_threshold(held_out)
            print(f"{'trees' if trees else 'logistic'}, one threshold {t:.4f} on the "
                  f"cross-fitted outcomes: {summary([o.at(t) for o in held_out])}",
                  file=sys.stderr)
        trees = with_trees and abstained(runs[True][1]) > abstained(runs[False][1])
        models, held_out = runs[trees]
        threshold = pick_threshold(held_out)
        shipped = replace(trainer.model(items, trees), threshold=threshold)
        outs = trainer.outcomes(shipped, items, trainer.choices(shipped, items))
        print(f"shipped ({'trees' if trees else 'logistic'}, in sample): "
              f"{summary([o.at(threshold) for o in outs])}", file=sys.stderr)
    note = ("trained by python -m bench squad --train (bench/squad_train.py) on all 35 "
            "SQuAD v2.0 dev articles; threshold from the cross-fitted outcomes; see "
            "bench/results-squad.md")
    WEIGHTS.write_text(json.dumps(payload(shipped, note), indent=1) + "\n", encoding="utf-8")
    FOLDS_FILE.write_text(json.dumps({
        "note": "fold k's model never saw the articles of fold k (bench/squad_train.py)",
        "fold_of": folds,
        "models": [payload(w, f"trained on the folds other than {k}")
                   for k, w in enumerate(models)]}) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS} and {FOLDS_FILE}", file=sys.stderr)
    return 0


def abstained(outs: list[Outcome]) -> float:
    """Unanswerable questions "not found" under the threshold :func:`pick_threshold` picks."""
    t = pick_threshold(outs)
    return sum(not o.answerable and not o.at(t).found for o in outs) / max(len(outs), 1)

"""The fits behind ``python -m bench squad --train`` (bench/squad_train.py): logistic
regression by Newton's method, the listwise (softmax per question) sentence model and its
calibration, and gradient-boosted trees for the abstention model (scikit-learn, the dev
extra), exported to :class:`bot.core.answers.trees.Trees`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bench.squad import contains

if TYPE_CHECKING:
    from bench.squad_train import Item

L2 = 1.0
LISTWISE_L2 = 1.0
BOOST = {"n_estimators": 120, "max_depth": 3, "learning_rate": 0.08, "min_samples_leaf": 20,
         "init": "zero", "random_state": 0}


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, rounds: int = 30) -> np.ndarray:
    """Logistic regression weights by Newton's method (the bias, column 0, unpenalised)."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_listwise(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                 l2: float = LISTWISE_L2) -> np.ndarray:
    """Conditional logit: the weights maximising, per question (``groups``), the softmax
    probability of its candidates holding the answer (questions with none left out; the
    bias, column 0, stays 0: a softmax cannot see it). Cross-fitted top-1 sentence: 75.9%
    against 73.5% for the pointwise logistic on the same features."""
    from scipy.optimize import minimize

    _, inv = np.unique(groups, return_inverse=True)
    has = np.bincount(inv, weights=y)
    keep = has[inv] > 0
    x, y = x[keep], y[keep]
    inv = np.unique(inv[keep], return_inverse=True)[1]
    n = int(inv.max()) + 1

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, inv, s)
        e = np.exp(s - top[inv])
        z, zp = np.bincount(inv, weights=e, minlength=n), np.bincount(inv, weights=e * y,
                                                                       minlength=n)
        value = -float((np.log(zp) - np.log(z)).sum()) + 0.5 * l2 * float((w[1:] ** 2).sum())
        grad = x.T @ (e / z[inv] - e * y / zp[inv])
        grad[1:] += l2 * w[1:]
        return value, grad

    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000})
    return np.asarray(result.x)


def calibrate(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w`` scaled and shifted so that ``sigmoid(x @ w)`` is a probability (a logistic
    fit of the labels on the listwise score: the product's ``p`` and ``follow`` read it)."""
    s = x @ w
    ab = fit(np.column_stack([np.ones_like(s), s]), y, l2=0.0)
    out = w * ab[1]
    out[0] += ab[0]
    return np.asarray(out)


def _rows(train: list[Item], choices: list[Any]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    keep = [i for i, c in enumerate(choices) if c.ranked]
    x = np.array([choices[i].abstain for i in keep])
    y = np.array([float(train[i].answerable and contains(
        choices[i].ranked[0].cand.span.text, train[i].data["answers"])) for i in keep])
    return x, y, keep


def _forest(clf: Any) -> Any:
    from bot.core.answers.trees import Tree, Trees

    trees = []
    for est in clf.estimators_[:, 0]:
        t = est.tree_
        trees.append(Tree(tuple(int(v) for v in t.feature),
                          tuple(float(v) for v in t.threshold),
                          tuple(int(v) for v in t.children_left),
                          tuple(int(v) for v in t.children_right),
                          tuple(float(v) for v in t.value[:, 0, 0])))
    return Trees(0.0, float(clf.learning_rate), tuple(trees))


def boost(train: list[Item], choices: list[Any]) -> tuple[Any, list[float]]:
    """Gradient-boosted trees for the abstention rows of ``train`` (scikit-learn, the dev
    extra) and each question's out-of-fold confidence (grouped by article)."""
    from sklearn.ensemble import GradientBoostingClassifier  # type: ignore[import-untyped]
    from sklearn.model_selection import (  # type: ignore[import-untyped]
        GroupKFold,
        cross_val_predict,
    )

    from bot.core.answers.ranker import sigmoid

    x, y, keep = _rows(train, choices)
    groups = [train[i].data["doc_id"] for i in keep]
    clf = GradientBoostingClassifier(**BOOST)
    raw = cross_val_predict(clf, x, y, groups=groups, cv=GroupKFold(4),
                            method="decision_function")
    clf.fit(x, y)
    forest = _forest(clf)
    gap = max(abs(forest.score(tuple(r)) - d)
              for r, d in zip(x[:200].tolist(), clf.decision_function(x[:200]), strict=True))
    if gap > 1e-4:
        raise SystemExit(f"exported trees differ from scikit-learn's by {gap}")
    oof = [0.0] * len(train)
    for i, v in zip(keep, raw, strict=True):
        oof[i] = sigmoid(float(v))
    return forest, oof



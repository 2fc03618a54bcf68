"""Gradient-boosted regression trees shipped as JSON, evaluated in pure Python.

The abstention model may be a small ensemble of trees (trained by ``python -m bench squad
--train`` with scikit-learn, a development dependency only): one row of features per
question, so a hundred depth-3 trees cost a few hundred comparisons per answer. Each tree
is four parallel arrays as scikit-learn stores them: ``feature`` (-2 at a leaf),
``threshold`` (go left when the value is at most it), ``left``/``right`` (child node
indices, -1 at a leaf) and ``value`` (a leaf's output). The score is ``init`` plus
``rate`` times the sum of the leaves reached (log-odds).
"""

from __future__ import annotations

from dataclasses import dataclass


class TreesError(ValueError):
    """The trees in the weights file are malformed."""


@dataclass(frozen=True, slots=True)
class Tree:
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def leaf(self, x: tuple[float, ...]) -> float:
        node = 0
        left, right, feature, threshold = self.left, self.right, self.feature, self.threshold
        while left[node] >= 0:
            node = left[node] if x[feature[node]] <= threshold[node] else right[node]
        return self.value[node]


@dataclass(frozen=True, slots=True)
class Trees:
    """An ensemble: log-odds ``init + rate * sum(tree.leaf(x))``."""

    init: float
    rate: float
    trees: tuple[Tree, ...]

    def score(self, x: tuple[float, ...]) -> float:
        return self.init + self.rate * sum(t.leaf(x) for t in self.trees)


def _ints(raw: object, n: int, what: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or len(raw) != n:
        raise TreesError(f"{what}: expected {n} values")
    return tuple(int(v) for v in raw)


def parse_tree(raw: object, n_features: int) -> Tree:
    """One tree from its JSON object, checked (indices in range, features known)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), list):
        raise TreesError("a tree must be an object with feature/threshold/left/right/value")
    n = len(raw["value"])
    left, right = _ints(raw.get("left"), n, "left"), _ints(raw.get("right"), n, "right")
    feature = _ints(raw.get("feature"), n, "feature")
    thresholds = raw.get("threshold")
    if not isinstance(thresholds, list) or len(thresholds) != n:
        raise TreesError(f"threshold: expected {n} values")
    for node in range(n):
        if left[node] >= 0 and not (node < left[node] < n and node < right[node] < n
                                    and 0 <= feature[node] < n_features):
            raise TreesError(f"node {node}: child or feature out of range")
    return Tree(feature, tuple(float(v) for v in thresholds), left, right,
                tuple(float(v) for v in raw["value"]))


def parse_trees(raw: object, n_features: int) -> Trees:
    if not isinstance(raw, dict) or not isinstance(raw.get("trees"), list):
        raise TreesError("expected an object with init, rate and trees")
    return Trees(float(raw.get("init", 0.0)), float(raw.get("rate", 1.0)),
                 tuple(parse_tree(t, n_features) for t in raw["trees"]))

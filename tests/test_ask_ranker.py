"""The ranker's weights file: logistic vectors, optional boosted trees, malformed input."""

from __future__ import annotations

import json

import pytest

from bot.core.answers.abstain import ABSTAIN
from bot.core.answers.candidates import FEATURES
from bot.core.answers.ranker import WeightsError, parse_weights, shipped_weights, sigmoid
from bot.core.answers.trees import Tree, Trees, TreesError, parse_tree

# One split on feature 1 at 0.5: left leaf -1.0, right leaf 2.0.
STUMP = {"feature": [1, -2, -2], "threshold": [0.5, -2.0, -2.0], "left": [1, -1, -1],
         "right": [2, -1, -1], "value": [0.0, -1.0, 2.0]}


def weights_text(**extra: object) -> str:
    data: dict[str, object] = {
        "sentence": {"features": list(FEATURES), "weights": [0.0] * len(FEATURES)},
        "abstain": {"features": list(ABSTAIN), "weights": [0.5] + [0.0] * (len(ABSTAIN) - 1)},
        "threshold": 0.2, "follow": 0.4, **extra}
    return json.dumps(data)


def test_a_stump_goes_left_at_or_under_its_threshold() -> None:
    tree = parse_tree(STUMP, 3)
    assert tree.leaf((0.0, 0.5, 0.0)) == -1.0
    assert tree.leaf((0.0, 0.51, 0.0)) == 2.0
    forest = Trees(0.25, 0.5, (tree, tree))
    assert forest.score((0.0, 0.9, 0.0)) == pytest.approx(0.25 + 0.5 * 4.0)


def test_a_deeper_tree_follows_both_levels() -> None:
    tree = Tree(feature=(0, 1, -2, -2, -2), threshold=(1.0, 2.0, 0.0, 0.0, 0.0),
                left=(1, 2, -1, -1, -1), right=(4, 3, -1, -1, -1),
                value=(0.0, 0.0, 10.0, 20.0, 30.0))
    assert [tree.leaf(x) for x in ((0.0, 1.0), (0.0, 3.0), (2.0, 0.0))] == [10.0, 20.0, 30.0]


def test_logistic_confidence_without_trees() -> None:
    w = parse_weights(weights_text())
    assert w.abstain_trees is None
    row = (1.0,) + (0.0,) * (len(ABSTAIN) - 1)
    assert w.confidence(row) == pytest.approx(sigmoid(0.5))
    assert (w.threshold, w.follow) == (0.2, 0.4)


def test_trees_replace_the_logistic_abstention() -> None:
    w = parse_weights(weights_text(abstain_trees={"init": 0.0, "rate": 1.0,
                                                  "trees": [STUMP]}))
    low = (1.0, 0.1) + (0.0,) * (len(ABSTAIN) - 2)
    high = (1.0, 0.9) + (0.0,) * (len(ABSTAIN) - 2)
    assert w.confidence(low) == pytest.approx(sigmoid(-1.0))
    assert w.confidence(high) == pytest.approx(sigmoid(2.0))


@pytest.mark.parametrize("bad", [
    {"feature": [1], "threshold": [0.5], "left": [1], "right": [2], "value": [0.0]},
    {**STUMP, "feature": [99, -2, -2]},
    {**STUMP, "left": [0, -1, -1]},
    {**STUMP, "value": [0.0, 1.0]},
    ["not", "a", "tree"],
])
def test_malformed_trees_are_refused(bad: object) -> None:
    with pytest.raises(TreesError):
        parse_tree(bad, 3)
    with pytest.raises(WeightsError, match="abstain_trees"):
        parse_weights(weights_text(abstain_trees={"trees": [bad]}))


def test_features_must_match_the_code() -> None:
    data = json.loads(weights_text())
    data["abstain"]["features"] = data["abstain"]["features"][:-1]
    with pytest.raises(WeightsError, match="abstain"):
        parse_weights(json.dumps(data))


def test_the_shipped_weights_load() -> None:
    w = shipped_weights()
    assert len(w.sentence) == len(FEATURES) and len(w.abstain) == len(ABSTAIN)
    assert 0.0 < w.threshold < 1.0 and 0.0 < w.follow <= 1.0

"""The answer ranker's weights: a small logistic model, shipped as JSON (no pickle).

``ask_weights.json`` (package data beside this module) holds two weight vectors, trained
by ``python -m bench squad --train`` on the SQuAD v2.0 dev articles of the ``train`` split
(see bench/squad.py) and checked on the other articles:

* ``sentence``: over :data:`~bot.core.answers.candidates.FEATURES`, how likely a sentence
  holds the answer;
* ``abstain``: over :data:`ABSTAIN`, how likely the best sentence answers at all; under
  ``threshold`` the answer is "not found". When the file holds ``abstain_trees``
  (gradient-boosted trees, :mod:`bot.core.answers.trees`), they are the abstention model
  instead.

``follow`` is how close (as a probability ratio) a second sentence must come to the best
one to join it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.core.answers.abstain import ABSTAIN
from bot.core.answers.candidates import FEATURES
from bot.core.answers.trees import Trees, TreesError, parse_trees

__all__ = ["ABSTAIN", "FEATURES", "Weights", "WeightsError", "parse_weights",
           "shipped_weights", "sigmoid"]
WEIGHTS_FILE = "ask_weights.json"


class WeightsError(ValueError):
    """The weights file does not match the features this code computes."""


@dataclass(frozen=True, slots=True)
class Weights:
    sentence: tuple[float, ...]
    abstain: tuple[float, ...]
    threshold: float
    follow: float
    abstain_trees: Trees | None = None  # when given, the abstention model (not ``abstain``)

    def confidence(self, features: tuple[float, ...]) -> float:
        """The abstention model's probability that the best candidate answers."""
        if self.abstain_trees is not None:
            return sigmoid(self.abstain_trees.score(features))
        return sigmoid(math.fsum(w * f for w, f in zip(self.abstain, features, strict=True)))


def sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def _vector(data: dict[str, object], key: str, names: tuple[str, ...]) -> tuple[float, ...]:
    block = data.get(key)
    if not isinstance(block, dict) or block.get("features") != list(names):
        raise WeightsError(f"{WEIGHTS_FILE}: {key}: features differ from {names}")
    values = block.get("weights")
    if not isinstance(values, list) or len(values) != len(names):
        raise WeightsError(f"{WEIGHTS_FILE}: {key}: expected {len(names)} weights")
    return tuple(float(v) for v in values)


def parse_weights(text: str) -> Weights:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise WeightsError(f"{WEIGHTS_FILE}: expected an object")
    trees = None
    if "abstain_trees" in data:
        try:
            trees = parse_trees(data["abstain_trees"], len(ABSTAIN))
        except TreesError as e:
            raise WeightsError(f"{WEIGHTS_FILE}: abstain_trees: {e}") from None
    return Weights(_vector(data, "sentence", FEATURES), _vector(data, "abstain", ABSTAIN),
                   float(data.get("threshold", 0.5)), float(data.get("follow", 0.9)), trees)


@cache
def shipped_weights() -> Weights:
    """The weights shipped with the package (read once; immutable)."""
    text = resources.files("bot.core.answers").joinpath(WEIGHTS_FILE).read_text("utf-8")
    return parse_weights(text)

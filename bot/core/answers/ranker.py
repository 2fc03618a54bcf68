"""The answer ranker's weights: a small logistic model, shipped as JSON (no pickle).

``ask_weights.json`` (package data beside this module) holds two weight vectors, trained
by ``python -m bench squad --train`` on the SQuAD v2.0 dev articles of the ``train`` split
(see bench/squad.py) and checked on the other articles:

* ``sentence``: over :data:`~bot.core.answers.candidates.FEATURES`, how likely a sentence
  holds the answer;
* ``abstain``: over :data:`ABSTAIN`, how likely the best sentence answers at all; under
  ``threshold`` the answer is "not found".

``follow`` is how close (as a probability ratio) a second sentence must come to the best
one to join it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.core.answers.candidates import FEATURES

ABSTAIN = ("bias", "best", "margin", "cov", "ctx", "names_s", "names_c", "typ", "untyped",
           "missing", "unseen", "para_score", "single")
WEIGHTS_FILE = "ask_weights.json"


class WeightsError(ValueError):
    """The weights file does not match the features this code computes."""


@dataclass(frozen=True, slots=True)
class Weights:
    sentence: tuple[float, ...]
    abstain: tuple[float, ...]
    threshold: float
    follow: float


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
    return Weights(_vector(data, "sentence", FEATURES), _vector(data, "abstain", ABSTAIN),
                   float(data.get("threshold", 0.5)), float(data.get("follow", 0.9)))


@cache
def shipped_weights() -> Weights:
    """The weights shipped with the package (read once; immutable)."""
    text = resources.files("bot.core.answers").joinpath(WEIGHTS_FILE).read_text("utf-8")
    return parse_weights(text)

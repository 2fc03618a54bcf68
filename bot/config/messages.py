"""One line for a :class:`pydantic.ValidationError`: where (the file or the variable), the
dotted key, and what is wrong, in words that fit a config file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel
from pydantic_core import ErrorDetails

if TYPE_CHECKING:
    from bot.config.sources import Load


def describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_EXPECTED = {
    "int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
    "string_type": "a string", "list_type": "a list", "path_type": "a path",
    "model_type": "a mapping", "dict_type": "a mapping", "model_attributes_type": "a mapping",
}
_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _bounds(root: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """``between 0 and 1`` or ``at least 1``: the ``Field`` constraints of the key at ``loc``."""
    section: type[BaseModel] = root.model_fields[str(loc[0])].annotation  # type: ignore[assignment]
    limits = {k: getattr(m, k) for m in section.model_fields[str(loc[1])].metadata
              for k in ("ge", "gt", "le", "lt") if hasattr(m, k)}
    low, high = limits.get("ge", limits.get("gt")), limits.get("le", limits.get("lt"))
    return f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"


def _problem(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind, got = error["type"], describe(error["input"])
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind == "literal_error":
        choices = ", ".join(str(error.get("ctx", {})["expected"]).rsplit(" or ", 1))
        return f"expected one of {choices}, got {got}"
    if kind in _BOUNDS:
        return f"must be {_bounds(root, error['loc'])}, got {got}"
    return error["msg"][:1].lower() + error["msg"][1:]


def explain(error: ErrorDetails, load: Load, root: type[BaseModel]) -> str:
    """One line for the first validation error: where, the dotted key, and what is wrong."""
    loc = error["loc"]
    if error["type"] == "not_above":
        loc = (*loc, error.get("ctx", {})["key"])
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    where = (load.origin(loc) if loc else None) or load.where
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key {key!r}"
    return f"{where}: {key}: {_problem(error, root)}"

"""The optional C helpers of ``bot/core/_tokens.c``, each standing in for a Python reference.

The extension is built by pip when a C compiler is there (``setup.py``, ``optional=True``);
without it every caller runs its reference, with the same results (parity tests beside
each caller).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def helper(name: str) -> Any:
    """``bot.core._tokens.<name>``, or None when the extension is not built."""
    try:
        module = importlib.import_module("bot.core._tokens")
    except ImportError:
        return None
    return getattr(module, name)


def or_reference(name: str, reference: F) -> F:
    """``bot.core._tokens.<name>`` when the extension is built, else ``reference``."""
    found = helper(name)
    return reference if found is None else cast(F, found)

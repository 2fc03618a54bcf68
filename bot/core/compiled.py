"""The optional C extensions of ``bot.core``: the postings kernel (``_postings.c``) and the
helpers of ``_tokens.c``, each standing in for a Python reference.

The extensions are built by pip when a C compiler is there (``setup.py``, ``optional=True``);
without them every caller runs its reference, with the same results (parity tests beside
each caller).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def extension(name: str) -> ModuleType | None:
    """The extension ``bot.core.<name>``, or None when it is not built."""
    try:
        return importlib.import_module(f"bot.core.{name}")
    except ImportError:
        return None


def helper(name: str) -> Any:
    """``bot.core._tokens.<name>``, or None when the extension is not built."""
    module = extension("_tokens")
    return None if module is None else getattr(module, name)


def or_reference(name: str, reference: F) -> F:
    """``bot.core._tokens.<name>`` when the extension is built, else ``reference``."""
    found = helper(name)
    return reference if found is None else cast(F, found)

"""The shape of the code, checked: the layers' import rules, no import cycles, no ``assert``
in the product, no function of complexity rank E or worse (radon: more than 30)."""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "bot"
# The pure core: ingest, tokenize, index, answer. No Discord, no concurrency, no OS tricks,
# no plotting: the runtime and presentation layers around it own those.
CORE_FORBIDDEN = ("discord", "aiohttp", "threading", "multiprocessing", "concurrent",
                  "asyncio", "ctypes", "fcntl", "matplotlib", "signal", "subprocess")
MAX_COMPLEXITY = 30  # radon rank E starts at 31


@functools.cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, *, top_level_only: bool) -> set[str]:
    """Modules ``name`` imports (absolute names), at module level only if asked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    known = set(modules())
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = {f"{base}.{alias.name}" for alias in node.names}
            found.update(names)
            if not names <= known:  # not only submodules (``from . import spec``): base too
                found.add(base)
    return found


def test_the_core_imports_no_runtime_or_presentation_library() -> None:
    for name, path in modules().items():
        if not name.startswith("bot.core"):
            continue
        for imported in imports_of(name, path, top_level_only=False):
            root = imported.split(".")[0]
            assert root not in CORE_FORBIDDEN, f"{name} imports {imported}"
            assert not imported.startswith(("bot.app", "bot.exts", "bot.cli", "bot.runtime",
                                            "bot.store", "bot.testing")), (name, imported)


def test_no_import_cycles_between_modules() -> None:
    mods = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        for imported in imports_of(name, path, top_level_only=True):
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "bot":
                graph[name].add(imported)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(mods):
        if name not in state:
            visit(name, [name])


def test_no_assert_in_the_product() -> None:
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
        assert not asserts, f"{name}: assert on lines {asserts} (raise an error instead)"


def test_no_function_of_complexity_rank_e_or_worse() -> None:
    from radon.complexity import cc_visit

    worst = []
    for name, path in modules().items():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                worst.append(f"{name}.{block.name}: {block.complexity}")
    assert not worst, worst


# The packages from the bottom up: a module may import its own package and the layers below
# its own, never a layer above nor another package of its layer (store and runtime are
# independent of each other). Function-level imports count too.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.errors", "bot.logsafety"),  # leaves: errors both config and core raise, log redaction
    ("bot.config",),
    ("bot.core",),  # with bot.core.answers
    ("bot.store", "bot.runtime", "bot.health"),
    ("bot.app",),
    ("bot.exts",),
    ("bot.cli",),
    ("bot.__main__",),
)
TESTING = "bot.testing"  # may import anything; nothing in the product imports it


def package_of(module: str) -> str | None:
    """The layer package holding ``module`` (``bot.testing`` too), None for ``bot`` itself."""
    for name in (*(p for layer in LAYERS for p in layer), TESTING):
        if module == name or module.startswith(name + "."):
            return name
    return None


def test_packages_import_only_the_layers_below_them() -> None:
    layer_of = {p: n for n, layer in enumerate(LAYERS) for p in layer}
    mods = modules()
    unplaced = [m for m in mods if m != "bot" and package_of(m) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS): {unplaced}"
    wrong = []
    for name, path in mods.items():
        own = package_of(name)
        if own is None or own == TESTING:
            continue
        for imported in sorted(imports_of(name, path, top_level_only=False)):
            other = package_of(imported) if imported.startswith("bot.") else None
            if other is None or other == own:
                continue
            if other == TESTING or layer_of[other] >= layer_of[own]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, wrong

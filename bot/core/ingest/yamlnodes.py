"""YAML read as nodes, for the metadata file and markdown front matter.

Metadata and front matter are read as YAML *nodes*, not constructed objects: the values are
fields of text, so a plain scalar is taken as the text it is (an unquoted 2019-02-30 is the
text "2019-02-30", not a ValueError from the date constructor), and every node keeps its line
for the warning. Nesting deeper than a few levels is one bad value, never a RecursionError.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.core.cleaning import normalize_space, strip_controls
from bot.errors import IngestError

# The composer is the only recursive part of PyYAML (the
# scanner and parser keep explicit stacks); ours stops descending at _YAML_MAX_DEPTH and
# consumes a deeper collection's events in a loop, so 10k-deep nesting is one bad value.
_YAML_MAX_DEPTH = 4
TOO_DEEP = "tag:archive-bot,2026:too-deep"
NULL = "tag:yaml.org,2002:null"
_COLLECTION_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_COLLECTION_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _NodeLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self._depth >= _YAML_MAX_DEPTH and self.check_event(*_COLLECTION_START):
            next_event: Any = self.get_event  # untyped in the stubs
            start = end = next_event()
            level = 1
            while level:
                end = next_event()
                if isinstance(end, _COLLECTION_START):
                    level += 1
                elif isinstance(end, _COLLECTION_END):
                    level -= 1
            node = yaml.ScalarNode(TOO_DEEP, "", start.start_mark, end.end_mark)
            if start.anchor is not None:
                self.anchors[start.anchor] = node
            return node
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FLOW_BRACKET = re.compile(r"[\[\]{}]")
_FLOW_MAX_DEPTH = 64


def _defuse_deep_flow(text: str) -> str:
    """``text`` with every flow collection (``[...]``, ``{...}``) nested deeper than
    _FLOW_MAX_DEPTH replaced by a null, its newlines kept (so are all line numbers).

    PyYAML's scanner is quadratic in flow nesting (10k-deep ``[[[...]]]`` takes ~30 s),
    so such a value is cut before parsing; the composer then reports the value, still a
    collection, as the bad field it is. Brackets are counted without regard to quoting:
    only text with 64 unmatched opening brackets in a row can be cut wrongly."""
    if text.count("[") + text.count("{") <= _FLOW_MAX_DEPTH:
        return text
    parts: list[str] = []
    depth, cut_from, done = 0, -1, 0
    for match in _FLOW_BRACKET.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth == _FLOW_MAX_DEPTH + 1:
                cut_from = match.start()
        else:
            depth = max(0, depth - 1)
            if depth == _FLOW_MAX_DEPTH and cut_from >= 0:
                parts += [text[done:cut_from], "~", "\n" * text.count("\n", cut_from, match.end())]
                done, cut_from = match.end(), -1
    if cut_from >= 0:
        parts += [text[done:cut_from], "~", "\n" * text.count("\n", cut_from)]
        done = len(text)
    return "".join(parts) + text[done:]


def yaml_root(text: str) -> yaml.Node | None:
    """The document's root node (None for an empty document); raises IngestError."""
    loader = _NodeLoader(_defuse_deep_flow(text))
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid YAML ({yaml_problem(exc)})", yaml_line(exc)) from None
    except RecursionError:  # pragma: no cover - the composer above does not recurse deeply
        raise IngestError("invalid YAML (nested too deeply)") from None
    finally:
        loader.dispose()


def flatten(node: yaml.MappingNode) -> None:
    """Apply YAML merge keys (``<<: *defaults``) in place, as the safe loader does."""
    loader = _NodeLoader("")
    try:
        loader.flatten_mapping(node)
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid merge key ({yaml_problem(exc)})") from None
    except RecursionError:
        raise IngestError("merge keys nested too deeply (or recursive)") from None
    finally:
        loader.dispose()


def kind_of(node: yaml.Node) -> str:
    if node.tag == TOO_DEEP:
        return "a collection nested too deeply"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a single value"


def node_text(node: yaml.Node) -> str | None:
    """A field's value: the scalar's text, whitespace normalised; None for null."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == TOO_DEEP:
        raise IngestError(f"expected text, got {kind_of(node)}")
    if node.tag == NULL:
        return None
    return normalize_space(str(node.value)) or None


def node_key(node: yaml.Node) -> str | None:
    """A mapping key as text (a doc id or a field name), or None when it is not a scalar."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == TOO_DEEP:
        return None
    return strip_controls(str(node.value)).strip()


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong, without where (the line travels separately)."""
    return str(getattr(exc, "problem", None) or str(exc).splitlines()[0])


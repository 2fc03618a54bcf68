"""Validate REST bodies against Discord's OpenAPI spec and Discord's documented message limits.

The spec ships beside this module, ``spec/openapi.json`` (MIT, its LICENSE and
upstream commit beside it); ``$DISCORD_API_SPEC`` names another copy. A missing or unreadable
spec fails at once with its path (:class:`SpecMissing`), never a hang.
`check_request()` returns (kind, message) problems; FakeDiscord records them as violations.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(os.environ.get("DISCORD_API_SPEC")
                 or Path(__file__).resolve().parent / "spec" / "openapi.json")
_SPEC_URI = "urn:discord-api-spec"
Problem = tuple[str, str]  # (kind, message)


class SpecMissing(RuntimeError):
    """Discord's OpenAPI spec, which the fake Discord validates against, cannot be read."""


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    try:
        with SPEC_PATH.open(encoding="utf-8") as fh:
            return json.load(fh)  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise SpecMissing(f"Discord's OpenAPI spec cannot be read at {SPEC_PATH}: {exc}") from exc


@lru_cache(maxsize=1)
def _registry() -> Registry:
    spec = load_spec()
    # Docs over spec: Discord accepts integer snowflakes, and discord.py sends them (e.g.
    # message_reference ids, attachments[].id = upload index). The spec says string-only.
    relaxed = {**spec, "components": {**spec["components"], "schemas": {
        **spec["components"]["schemas"],
        "SnowflakeType": {"type": ["string", "integer"], "pattern": "^(0|[1-9][0-9]*)$",
                          "minimum": 0, "format": "snowflake"}}}}
    registry: Registry = Registry().with_resource(_SPEC_URI, DRAFT202012.create_resource(relaxed))
    return registry


@lru_cache(maxsize=1)
def _path_matchers() -> list[tuple[re.Pattern[str], str]]:
    matchers = []
    for template in load_spec()["paths"]:
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        matchers.append((re.compile(f"^{regex}$"), template))
    # most literal first: /messages/@original must win over /messages/{message_id}
    matchers.sort(key=lambda m: m[1].count("{"))
    return matchers


def match_route(path: str) -> str | None:
    """The spec path template for a concrete path (without the /api/v10 prefix)."""
    for regex, template in _path_matchers():
        if regex.match(path):
            return template
    return None


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _validator(template: str, method: str) -> Draft202012Validator | None:
    operation = load_spec()["paths"].get(template, {}).get(method.lower())
    content = ((operation or {}).get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return None
    ref = f"{_SPEC_URI}#/" + _pointer("paths", template, method.lower(), "requestBody",
                                      "content", "application/json", "schema")
    return Draft202012Validator({"$ref": ref}, registry=_registry())


def _explain(error: ValidationError) -> Iterator[ValidationError]:
    """Descend into anyOf/oneOf: pick the branch whose discriminating `type` matches."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    groups: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        groups[sub.relative_schema_path[0]].append(sub)

    def wrong_kind(group: list[ValidationError]) -> bool:
        return any((list(e.relative_path) == ["type"] and e.validator in ("enum", "const"))
                   or (e.validator == "type" and not e.relative_path) for e in group)

    def null_branch(group: list[ValidationError]) -> bool:
        return any(e.validator == "type" and e.validator_value == "null" for e in group)

    best = min(groups.values(), key=lambda g: (wrong_kind(g), null_branch(g)))
    for sub in best:
        yield from _explain(sub)


def schema_problems(method: str, template: str, body: Any) -> list[Problem]:
    validator = _validator(template, method)
    if validator is None:
        return []
    problems = []
    for error in validator.iter_errors(body):
        for leaf in _explain(error):
            where = "/".join(str(p) for p in leaf.absolute_path) or "(body)"
            problems.append(("schema", f"{where}: {leaf.message[:300]}"))
    return problems


# --- Discord's documented limits (independent of the spec) ------------------------------

def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _embed_problems(embeds: list[Any]) -> list[str]:
    out = []
    if len(embeds) > 10:
        out.append(f"{len(embeds)} embeds (max 10)")
    total = 0
    for i, e in enumerate(e for e in embeds if isinstance(e, dict)):
        fields = e.get("fields") or []
        footer, author = e.get("footer") or {}, e.get("author") or {}
        for label, value, limit in (("title", e.get("title"), 256),
                                    ("description", e.get("description"), 4096),
                                    ("footer.text", footer.get("text"), 2048),
                                    ("author.name", author.get("name"), 256)):
            if _len(value) > limit:
                out.append(f"embeds[{i}].{label} is {_len(value)} chars (max {limit})")
            total += _len(value)
        if len(fields) > 25:
            out.append(f"embeds[{i}] has {len(fields)} fields (max 25)")
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if _len(name) > 256:
                out.append(f"embeds[{i}].fields[{j}].name is {_len(name)} chars (max 256)")
            if _len(value) > 1024:
                out.append(f"embeds[{i}].fields[{j}].value is {_len(value)} chars (max 1024)")
            total += _len(name) + _len(value)
    if total > 6000:
        out.append(f"embeds total {total} chars (max 6000)")
    return out


def _component_problems(components: list[Any], flags: int) -> list[str]:
    out = []
    if not flags & (1 << 15) and len(components) > 5:  # legacy (non components-v2) messages
        out.append(f"{len(components)} action rows (max 5)")
    for r, row in enumerate(c for c in components if isinstance(c, dict)):
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        if row.get("type") == 1 and len(buttons) > 5:
            out.append(f"components[{r}] has {len(buttons)} buttons (max 5)")
        for c, child in enumerate(children):
            where = f"components[{r}].components[{c}]"
            if _len(child.get("custom_id")) > 100:
                out.append(f"{where}.custom_id is {_len(child['custom_id'])} chars (max 100)")
            if _len(child.get("label")) > 80:
                out.append(f"{where}.label is {_len(child['label'])} chars (max 80)")
            if len(child.get("options") or []) > 25:
                out.append(f"{where} has {len(child['options'])} select options (max 25)")
    return out


def message_problems(body: Any) -> list[Problem]:
    """Limits + the project rule: every message body carries allowed_mentions {"parse": []}."""
    if not isinstance(body, dict):
        return [("limits", "message body is not an object")]
    problems: list[Problem] = []
    if _len(body.get("content")) > 2000:
        problems.append(("limits", f"content is {_len(body['content'])} chars (max 2000)"))
    problems += [("limits", p) for p in _embed_problems(body.get("embeds") or [])]
    problems += [("limits", p) for p in _component_problems(body.get("components") or [],
                                                            body.get("flags") or 0)]
    am = body.get("allowed_mentions")
    if not isinstance(am, dict):
        problems.append(("allowed-mentions", 'no allowed_mentions (must be {"parse": []})'))
    else:
        if am.get("parse") != []:
            problems.append(("allowed-mentions", f"allowed_mentions.parse is {am.get('parse')!r}"
                             " (must be [])"))
        for key in ("users", "roles"):
            if am.get(key):
                problems.append(("allowed-mentions", f"allowed_mentions.{key} is {am[key]!r}"))
    return problems


def autocomplete_problems(data: Any) -> list[Problem]:
    choices = (data or {}).get("choices") or []
    problems: list[Problem] = []
    if len(choices) > 25:
        problems.append(("limits", f"{len(choices)} autocomplete choices (max 25)"))
    for i, choice in enumerate(choices):
        if _len(choice.get("name")) > 100:
            problems.append(("limits", f"choices[{i}].name is {_len(choice['name'])} chars"
                             " (max 100)"))
        if _len(choice.get("value")) > 100:
            problems.append(("limits", f"choices[{i}].value is {_len(choice['value'])} chars"
                             " (max 100)"))
    return problems


_MESSAGE_ROUTES = {
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
}
_CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


def check_request(method: str, template: str | None, body: Any) -> list[Problem]:
    """All problems with one REST request body (schema, limits, allowed mentions)."""
    if template is None or body is None:
        return []
    problems = schema_problems(method, template, body)
    if (method, template) in _MESSAGE_ROUTES:
        problems += message_problems(body)
    elif (method, template) == ("POST", _CALLBACK) and isinstance(body, dict):
        if body.get("type") in (4, 7):
            problems += message_problems(body.get("data"))
        elif body.get("type") == 8:
            problems += autocomplete_problems(body.get("data"))
    return problems

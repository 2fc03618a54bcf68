"""INTERACTION_CREATE payload builders and the handle a test awaits the bot's answer on."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from .factories import World, snowflake

if TYPE_CHECKING:
    from .records import RecordedRequest
    from .server import FakeDiscord

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 2, 3, 4
_OPTION_TYPES = {str: 3, bool: 5, int: 4, float: 10}


def interaction_payload(world: World, *, type: int, data: dict[str, Any],
                        user: dict[str, Any] | None = None, channel_id: str | None = None,
                        message: dict[str, Any] | None = None, locale: str = "en-US",
                        thread: dict[str, Any] | None = None) -> dict[str, Any]:
    """A guild INTERACTION_CREATE payload (member carries the total `permissions` string);
    `thread`: a thread channel (e.g. from `fake.messages.threads`) it is sent from."""
    channel = thread or world.channel(channel_id or world.channel_id)
    if channel is None:
        raise ValueError(f"unknown channel {channel_id}")
    payload: dict[str, Any] = {
        "id": snowflake(), "application_id": world.application_id, "type": type, "data": data,
        "guild_id": world.guild_id,
        "guild": {"id": world.guild_id, "locale": "en-US", "features": []},
        "channel_id": channel["id"], "channel": channel,
        "member": world.interaction_member(user or world.user),
        "token": "fake-" + secrets.token_urlsafe(48), "version": 1,
        "app_permissions": str(world.permissions_for(world.bot["id"])),
        "locale": locale, "guild_locale": "en-US", "entitlements": [],
        "authorizing_integration_owners": {"0": world.guild_id}, "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message is not None:
        payload["message"] = message
    return payload


def _find(options: list[dict[str, Any]], name: str, kinds: tuple[int, ...]) -> dict[str, Any]:
    for opt in options:
        if opt["name"] == name and opt.get("type") in kinds:
            return opt
    raise ValueError(f"the registered command has no option {name!r} of type {kinds}")


def command_data(command: dict[str, Any], options: dict[str, Any] | None = None, *,
                 group: str | None = None, subcommand: str | None = None,
                 focused: str | None = None, world: World | None = None) -> dict[str, Any]:
    """`data` for a CHAT_INPUT interaction, typed from the command the bot registered."""
    defs = command.get("options") or []
    if group is not None:
        defs = _find(defs, group, (2,)).get("options") or []
    if subcommand is not None:
        defs = _find(defs, subcommand, (1,)).get("options") or []
    options = dict(options or {})
    built: list[dict[str, Any]] = []
    resolved: dict[str, dict[str, Any]] = {}
    for name, value in options.items():
        spec = next((d for d in defs if d["name"] == name), None)
        if spec is None:
            raise ValueError(f"/{command['name']} has no option {name!r}; has {defs}")
        opt: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
        if spec["type"] == 6 and isinstance(value, dict):  # a user payload
            opt["value"] = value["id"]
            resolved.setdefault("users", {})[value["id"]] = value
            if world is not None and value["id"] in world.members:
                member = {k: v for k, v in world.interaction_member(value).items() if k != "user"}
                resolved.setdefault("members", {})[value["id"]] = member
        elif spec["type"] == 7 and isinstance(value, dict):  # a channel payload
            opt["value"] = value["id"]
            resolved.setdefault("channels", {})[value["id"]] = {**value, "permissions": "0"}
        if name == focused:
            opt["focused"] = True
        built.append(opt)
    if focused is None:
        missing = [d["name"] for d in defs if d.get("required") and d["name"] not in options]
        if missing:
            raise ValueError(f"/{command['name']}: required options missing: {missing}")
    elif focused not in options:
        raise ValueError(f"focused option {focused!r} needs a (partial) value in options")
    if subcommand is not None:
        built = [{"name": subcommand, "type": 1, "options": built}]
    if group is not None:
        built = [{"name": group, "type": 2, "options": built}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"],
                            "type": command.get("type", 1), "options": built}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def find_component(message: dict[str, Any], *, custom_id: str | None = None,
                   label: str | None = None) -> dict[str, Any]:
    """The clickable component of `message` with this custom_id or label."""
    stack: list[dict[str, Any]] = list(message.get("components") or [])
    while stack:
        comp = stack.pop(0)
        stack.extend(comp.get("components") or [])
        if comp.get("accessory"):
            stack.append(comp["accessory"])
        if "custom_id" not in comp:
            continue
        if (custom_id is not None and comp["custom_id"] == custom_id) or (
                label is not None and comp.get("label") == label):
            if comp.get("disabled"):
                raise ValueError(f"component {comp['custom_id']!r} is disabled")
            return comp
    raise ValueError(f"message {message.get('id')} has no component custom_id={custom_id!r}"
                     f" label={label!r}")


class InteractionHandle:
    """One dispatched interaction; await what the bot did with it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self.fake, self.payload = fake, payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.message: dict[str, Any] | None = payload.get("message")  # component's message
        self.dispatched_at: float = 0.0
        self.seq: int | None = None
        self.response_type: int | None = None  # the callback type the bot acknowledged with
        self.original: dict[str, Any] | None = None  # the @original message, if any
        self.followups: list[dict[str, Any]] = []
        self.callback: RecordedRequest | None = None

    def _path(self, suffix: str) -> str:
        return f"^/webhooks/{self.fake.world.application_id}/{re.escape(self.token)}{suffix}$"

    async def wait_response(self, timeout: float = 10.0) -> RecordedRequest:
        """The first successful (2xx) interaction callback."""
        self.callback = await self.fake.wait_for_request(
            "POST", rf"^/interactions/{self.id}/{re.escape(self.token)}/callback$",
            predicate=lambda r: r.ok, timeout=timeout)
        return self.callback

    @property
    def response_delay(self) -> float:
        """Seconds between the dispatch and the arrival of the successful callback."""
        if self.callback is None:
            raise RuntimeError("await wait_response() first")
        return self.callback.time - self.dispatched_at

    async def wait_followup(self, timeout: float = 10.0, since: int = 0) -> RecordedRequest:
        return await self.fake.wait_for_request("POST", self._path(""), predicate=lambda r: r.ok,
                                                timeout=timeout, since=since)

    async def wait_edit(self, timeout: float = 10.0, since: int = 0) -> RecordedRequest:
        """A successful PATCH of the original response (e.g. after defer())."""
        return await self.fake.wait_for_request("PATCH", self._path("/messages/@original"),
                                                predicate=lambda r: r.ok, timeout=timeout,
                                                since=since)

"""Stateful REST routes: application commands, interaction callbacks, webhooks, messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import factories as f
from .records import RecordedRequest
from .rest import ApiError

if TYPE_CHECKING:
    from .interactions import InteractionHandle
    from .server import FakeDiscord

Result = tuple[int, Any]
_TRUE = ("1", "true", "True")


class MessageStore:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.commands: dict[str | None, list[dict[str, Any]]] = {}  # guild id (None=global)
        self.interactions: dict[str, InteractionHandle] = {}  # interaction id -> handle
        self.by_token: dict[str, InteractionHandle] = {}
        self.channel_messages: dict[str, dict[str, Any]] = {}  # message id -> message
        self.threads: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}  # attachment path -> bytes

    # --- helpers ---------------------------------------------------------------------------
    def _attachments(self, req: RecordedRequest, channel_id: str) -> list[dict[str, Any]]:
        out = []
        for file in req.files:
            att_id, name = f.snowflake(), file.filename or "file"
            key = f"{channel_id}/{att_id}/{name}"
            self.files[key] = file.data
            url = f"{self.fake.http_url}/attachments/{key}"
            out.append({"id": att_id, "filename": name, "size": len(file.data), "url": url,
                        "proxy_url": url, "content_type": file.content_type})
        return out

    def build_message(self, req: RecordedRequest, channel_id: str, *, type: int = 0,
                      flags: int = 0, webhook: bool = False,
                      body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message from a create body (`body`, default: the request's JSON)."""
        world = self.fake.world
        body = (req.json or {}) if body is None else body
        msg = f.message(
            channel_id=channel_id, author=world.bot, content=body.get("content") or "",
            guild_id=world.guild_id,
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            components=body.get("components") or [], type=type,
            attachments=self._attachments(req, channel_id),
            flags=(body.get("flags") or 0) | flags,
            webhook_id=world.application_id if webhook else None,
            application_id=world.application_id if webhook else None,
            message_reference=body.get("message_reference"),
            member_payload=None if webhook else world.members.get(world.bot["id"]))
        return msg

    @staticmethod
    def apply_edit(msg: dict[str, Any], body: dict[str, Any], attachments: list[Any]) -> None:
        for key in ("content", "components", "flags"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "embeds" in body:
            msg["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "attachments" in body or attachments:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept] + attachments
        msg["flags"] = (msg.get("flags") or 0) & ~f.LOADING
        msg["edited_timestamp"] = f.iso_now()

    def _handle(self, app: str, token: str) -> InteractionHandle:
        handle = self.by_token.get(token)
        if handle is None or app != self.fake.world.application_id:
            raise ApiError(404, "Unknown Webhook", 10015,
                           violation="webhook token/application of no dispatched interaction")
        if handle.response_type is None:
            raise ApiError(404, "Unknown Webhook", 10015,
                           violation="webhook call before the interaction was acknowledged")
        return handle

    # --- application commands ---------------------------------------------------------------
    def _check_app(self, p: dict[str, str]) -> str | None:
        if p["app"] != self.fake.world.application_id:
            raise ApiError(403, "Missing Access", 50001, violation="wrong application id")
        return p.get("guild")

    def _store_command(self, guild: str | None, cmd: dict[str, Any],
                       old: list[dict[str, Any]]) -> dict[str, Any]:
        prev = next((c for c in old if c["name"] == cmd["name"]
                     and c.get("type", 1) == cmd.get("type", 1)), None)
        stored = {"options": [], "default_member_permissions": None, "nsfw": False,
                  "contexts": None, "integration_types": [0], **cmd,
                  "id": prev["id"] if prev else f.snowflake(), "type": cmd.get("type", 1),
                  "application_id": self.fake.world.application_id, "version": f.snowflake()}
        if guild is not None:
            stored["guild_id"] = guild
        return stored

    async def get_commands(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        return 200, self.commands.get(self._check_app(p), [])

    async def put_commands(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        guild = self._check_app(p)
        old = self.commands.get(guild, [])
        self.commands[guild] = [self._store_command(guild, c, old) for c in req.json or []]
        return 200, self.commands[guild]

    async def post_command(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        guild = self._check_app(p)
        old = self.commands.get(guild, [])
        cmd = self._store_command(guild, req.json or {}, old)
        self.commands[guild] = [c for c in old if c["id"] != cmd["id"]] + [cmd]
        return 201, cmd

    # --- interactions and their webhooks -----------------------------------------------------
    async def callback(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        handle = self.interactions.get(p["iid"])
        if handle is None or handle.token != p["token"]:
            raise ApiError(404, "Unknown interaction", 10062,
                           violation="callback for an interaction that was never dispatched")
        deadline = self.fake.interaction_deadline
        late = req.time - handle.dispatched_at
        if deadline is not None and late > deadline:
            raise ApiError(404, "Unknown interaction", 10062,
                           violation=f"callback {late:.2f}s after dispatch (deadline {deadline}s)")
        if handle.response_type is not None:
            raise ApiError(400, "Interaction has already been acknowledged.", 40060,
                           violation="interaction acknowledged twice")
        body = req.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        handle.response_type = kind
        ephemeral = bool((data.get("flags") or 0) & f.EPHEMERAL)
        info: dict[str, Any] = {"id": handle.id, "type": handle.type,
                                "response_message_loading": kind == 5,
                                "response_message_ephemeral": ephemeral}
        result: dict[str, Any] = {"interaction": info}
        channel_id = handle.payload["channel_id"]
        if kind in (4, 5):
            msg = self.build_message(req, channel_id, webhook=True, body=data,
                                     type=20 if handle.type == 2 else 0,
                                     flags=f.LOADING if kind == 5 else 0)
            if kind == 5:
                msg.update(content="", embeds=[], components=[])
            handle.original = msg
            if not ephemeral:  # a public response is a channel message (threads start on it)
                self.channel_messages[msg["id"]] = msg
            info["response_message_id"] = msg["id"]
            result["resource"] = {"type": kind, "message": msg}
        elif kind in (6, 7) and handle.message is not None:
            handle.original = handle.message  # @original is now the component's message
            if kind == 7:
                self.apply_edit(handle.message, data, self._attachments(req, channel_id))
                info["response_message_id"] = handle.message["id"]
                result["resource"] = {"type": kind, "message": handle.message}
        if req.query.get("with_response") not in _TRUE:
            return 204, None
        return 200, result

    async def followup(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        handle = self._handle(p["app"], p["token"])
        msg = self.build_message(req, handle.payload["channel_id"], webhook=True, type=20)
        handle.followups.append(msg)
        if req.query.get("wait") not in _TRUE:
            return 204, None
        return 200, msg

    def _webhook_message(self, handle: InteractionHandle, message: str) -> dict[str, Any]:
        if message == "@original" or (handle.original and handle.original["id"] == message):
            if handle.original is None:
                raise ApiError(404, "Unknown Message", 10008,
                               violation="no original response message to use")
            return handle.original
        for msg in handle.followups:
            if msg["id"] == message:
                return msg
        raise ApiError(404, "Unknown Message", 10008, violation=f"unknown message {message}")

    async def webhook_get(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        return 200, self._webhook_message(self._handle(p["app"], p["token"]), p["message"])

    async def webhook_edit(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        handle = self._handle(p["app"], p["token"])
        msg = self._webhook_message(handle, p["message"])
        self.apply_edit(msg, req.json or {}, self._attachments(req, msg["channel_id"]))
        return 200, msg

    async def webhook_delete(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        handle = self._handle(p["app"], p["token"])
        msg = self._webhook_message(handle, p["message"])
        if msg is handle.original:
            handle.original = None
        else:
            handle.followups.remove(msg)
        return 204, None

    # --- channel messages --------------------------------------------------------------------
    def _channel(self, channel_id: str) -> str:
        if self.fake.world.channel(channel_id) is None and channel_id not in self.threads:
            raise ApiError(404, "Unknown Channel", 10003, violation=f"unknown channel {channel_id}")
        return channel_id

    def _message(self, p: dict[str, str]) -> dict[str, Any]:
        msg = self.channel_messages.get(p["message"])
        if msg is None or msg["channel_id"] != p["channel"]:
            raise ApiError(404, "Unknown Message", 10008, violation=f"unknown message {p}")
        return msg

    async def channel_post(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        msg = self.build_message(req, self._channel(p["channel"]),
                                 type=19 if (req.json or {}).get("message_reference") else 0)
        self.channel_messages[msg["id"]] = msg
        return 200, msg

    async def channel_get(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        return 200, self._message(p)

    async def channel_edit(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        msg = self._message(p)
        self.apply_edit(msg, req.json or {}, self._attachments(req, p["channel"]))
        return 200, msg

    async def channel_delete(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        self.channel_messages.pop(self._message(p)["id"])
        return 204, None

    async def start_thread(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        self._channel(p["channel"])
        if p["message"] not in self.channel_messages:
            raise ApiError(404, "Unknown Message", 10008, violation="thread on unknown message")
        world = self.fake.world
        thread = f.thread_channel((req.json or {}).get("name") or "thread", id=p["message"],
                                  parent_id=p["channel"], guild_id=world.guild_id,
                                  owner_id=world.bot["id"])
        self.threads[thread["id"]] = thread
        return 201, thread

"""The fake REST API under /api/v10: the routes discord.py uses for a slash-command bot."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import validate
from .records import RecordedFile, RecordedRequest, Violation, now

if TYPE_CHECKING:
    from .factories import World
    from .server import FakeDiscord

API_PREFIX = "/api/v10"
Handler = Callable[[RecordedRequest, dict[str, str]], Awaitable[tuple[int, Any]]]


def json_response(payload: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Content-Type exactly `application/json` (discord.py compares it verbatim)."""
    return web.Response(body=json.dumps(payload).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


class ApiError(Exception):
    """An error response (Discord's JSON error shape), optionally also a violation."""

    def __init__(self, status: int, message: str, code: int = 0,
                 violation: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.violation = status, message, code, violation


class Fault:
    def __init__(self, method: str | None, path_regex: str, *, status: int | None = None,
                 retry_after: float = 0.0, is_global: bool = False, delay: float = 0.0,
                 times: int | None = 1) -> None:
        self.method = method.upper() if method else None
        self.pattern = re.compile(path_regex)
        self.status, self.retry_after, self.is_global = status, retry_after, is_global
        self.delay, self.times = delay, times

    def take(self, method: str, path: str) -> bool:
        if self.times == 0 or (self.method and self.method != method):
            return False
        if not self.pattern.search(path):
            return False
        if self.times is not None:
            self.times -= 1
        return True

    def response(self) -> web.Response:
        headers = {"Via": "1.1 google"}  # discord.py treats a 429 without Via as Cloudflare
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after,
                    "global": self.is_global}
            headers.update({
                "Retry-After": str(math.ceil(self.retry_after)), "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
                "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakediscord-bucket",
                "X-RateLimit-Scope": "global" if self.is_global else "user"})
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
        else:
            body = {"message": f"{self.status}: fakediscord injected failure", "code": 0}
        return json_response(body, status=self.status or 500, headers=headers)


class Rest:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.faults: list[Fault] = []
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._auth_free = re.compile(r"^/(interactions|webhooks)/")
        m, tok = fake.messages, r"(?P<token>[^/]+)"
        app, guild = r"(?P<app>\d+)", r"(?P<guild>\d+)"
        chan, mid = r"(?P<channel>\d+)", r"(?P<message>\d+)"
        for method, path, handler in [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", f"/applications/{app}/commands", m.get_commands),
            ("PUT", f"/applications/{app}/commands", m.put_commands),
            ("POST", f"/applications/{app}/commands", m.post_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands", m.get_commands),
            ("PUT", f"/applications/{app}/guilds/{guild}/commands", m.put_commands),
            ("POST", f"/applications/{app}/guilds/{guild}/commands", m.post_command),
            ("POST", rf"/interactions/(?P<iid>\d+)/{tok}/callback", m.callback),
            ("POST", f"/webhooks/{app}/{tok}", m.followup),
            ("GET", f"/webhooks/{app}/{tok}/messages/(?P<message>@original|\\d+)", m.webhook_get),
            ("PATCH", f"/webhooks/{app}/{tok}/messages/(?P<message>@original|\\d+)",
             m.webhook_edit),
            ("DELETE", f"/webhooks/{app}/{tok}/messages/(?P<message>@original|\\d+)",
             m.webhook_delete),
            ("POST", "/users/@me/channels", fake.dms.create),
            ("GET", f"/channels/{chan}", self.get_channel),
            ("POST", f"/channels/{chan}/messages", fake.dms.post),  # others: m.channel_post
            ("GET", f"/channels/{chan}/messages/{mid}", m.channel_get),
            ("PATCH", f"/channels/{chan}/messages/{mid}", m.channel_edit),
            ("DELETE", f"/channels/{chan}/messages/{mid}", m.channel_delete),
            ("POST", f"/channels/{chan}/messages/{mid}/threads", m.start_thread),
            ("POST", f"/channels/{chan}/typing", self.no_content),
            ("PUT", f"/channels/{chan}/messages/{mid}/reactions/[^/]+/@me", self.no_content),
            ("DELETE", f"/channels/{chan}/messages/{mid}/reactions/[^/]+/@me", self.no_content),
            ("GET", f"/guilds/{guild}", self.get_guild),
            ("GET", f"/guilds/{guild}/channels", self.get_guild_channels),
            ("GET", f"/guilds/{guild}/members/(?P<user>\\d+)", self.get_member),
        ]:
            self.routes.append((method, re.compile(f"^{path}$"), handler))

    # --- plumbing --------------------------------------------------------------------------
    async def _read(self, request: web.Request) -> tuple[Any, list[RecordedFile], bool]:
        if request.content_type == "multipart/form-data":
            body, files = None, []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(RecordedFile(part.name or "", part.filename,
                                              part.headers.get("Content-Type"),
                                              bytes(await part.read())))
            return body, files, True
        raw = await request.read()
        if not raw:
            return None, [], False
        return json.loads(raw), [], False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        rec = self.fake.recorder
        path = request.path.removeprefix(API_PREFIX)
        arrived = now()
        try:
            body, files, multipart = await self._read(request)
            bad_body = None
        except ValueError as exc:
            body, files, multipart, bad_body = None, [], False, str(exc)
        req = RecordedRequest(rec.next_index(), request.method, path, dict(request.query),
                              dict(request.headers), body, files, arrived, multipart=multipart)
        rec.add_request(req)
        try:
            response = await self._respond(request, req, bad_body)
        finally:
            rec.complete_request(req)
        return response

    def _violate(self, kind: str, message: str, req: RecordedRequest) -> None:
        self.fake.recorder.add_violation(Violation(kind, message, request=req))

    async def _respond(self, request: web.Request, req: RecordedRequest,
                       bad_body: str | None) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            self._violate("unknown-route", f"not under {API_PREFIX}", req)
            return self._error(req, ApiError(404, "404: Not Found"))
        if bad_body is not None:
            self._violate("schema", f"undecodable body: {bad_body}", req)
            return self._error(req, ApiError(400, "400: Bad Request", 50109))
        req.route = validate.match_route(req.path)
        if self.fake.validate:
            for kind, problem in validate.check_request(req.method, req.route, req.json):
                self._violate(kind, problem, req)
        for fault in self.faults:
            if fault.delay and fault.take(req.method, req.path):
                await asyncio.sleep(fault.delay)  # the injected slowness, not synchronisation
        for fault in self.faults:
            if fault.status and fault.take(req.method, req.path):
                req.status, req.response = fault.status, "injected fault"
                return fault.response()
        auth = request.headers.get("Authorization")
        if not self._auth_free.match(req.path) and not self._auth_ok(auth):
            self._violate("auth", f"bad Authorization header {auth!r}", req)
            return self._error(req, ApiError(401, "401: Unauthorized"))
        for method, pattern, handler in self.routes:
            match = pattern.match(req.path)
            if match and method == req.method:
                try:
                    status, payload = await handler(req, match.groupdict())
                except ApiError as exc:
                    return self._error(req, exc)
                req.status, req.response = status, payload
                if status == 204:
                    return web.Response(status=204)
                return json_response(payload, status=status)
        self._violate("unknown-route", "route not implemented by fakediscord", req)
        return self._error(req, ApiError(404, "404: Not Found"))

    def _auth_ok(self, auth: str | None) -> bool:
        if not auth or not auth.startswith("Bot "):
            return False
        return self.fake.token is None or auth == f"Bot {self.fake.token}"

    def _error(self, req: RecordedRequest, exc: ApiError) -> web.Response:
        if exc.violation:
            self._violate("interaction", exc.violation, req)
        body = {"message": exc.message, "code": exc.code}
        req.status, req.response = exc.status, body
        return json_response(body, status=exc.status)

    # --- simple routes ---------------------------------------------------------------------
    async def no_content(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        return 204, None

    async def get_me(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        return 200, {**self.fake.world.bot, "verified": True, "mfa_enabled": False}

    async def get_application(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        return 200, self.fake.application_payload()

    async def get_gateway(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0,
                 "max_concurrency": self.fake.max_concurrency}
        return 200, {"url": self.fake.gateway_url, "shards": self.fake.shards,
                     "session_start_limit": limit}

    async def get_channel(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        channel = self.fake.world.channel(p["channel"]) or self.fake.messages.threads.get(
            p["channel"])
        if channel is None:
            raise ApiError(404, "Unknown Channel", 10003)
        return 200, channel

    def _guild(self, guild_id: str) -> World:
        world = self.fake.world.guild(guild_id)
        if world is None:
            raise ApiError(404, "Unknown Guild", 10004)
        return world

    async def get_guild(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        payload = self._guild(p["guild"]).guild_payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key)
        return 200, payload

    async def get_guild_channels(self, req: RecordedRequest, p: dict[str, str],
                                 ) -> tuple[int, Any]:
        world = self._guild(p["guild"])
        return 200, [world.channel(c["id"]) for c in world.channels]

    async def get_member(self, req: RecordedRequest, p: dict[str, str]) -> tuple[int, Any]:
        member = self._guild(p["guild"]).members.get(p["user"])
        if member is None:
            raise ApiError(404, "Unknown Member", 10007)
        return 200, member

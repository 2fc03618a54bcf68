"""FakeDiscord: a local Discord (REST under /api/v10 + gateway) for end-to-end bot tests."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from . import validate
from .dm import DirectMessages
from .factories import World, message
from .gateway import Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    COMPONENT,
    InteractionHandle,
    command_data,
    find_component,
    interaction_payload,
)
from .messages import MessageStore
from .records import GatewayFrame, RecordedRequest, Recorder, Violation, now, request_matcher
from .rest import Fault, Rest
from .shards import IdentifyRecord


class FakeDiscord:
    """Serve Discord's REST API and gateway on 127.0.0.1 (a free port), recording everything."""

    def __init__(self, *, world: World | None = None, token: str | None = None,
                 heartbeat_interval: int = 45_000, interaction_deadline: float | None = 3.0,
                 validate: bool = True, shards: int = 1, max_concurrency: int = 1,
                 identify_interval: float | None = None) -> None:
        self.world = world or World.default()
        # GET /gateway/bot: the recommended shard count and session_start_limit's
        # max_concurrency (identify buckets); identify_interval: the least time between two
        # IDENTIFYs of one bucket (Discord: 5 s), None: not checked (shards.py)
        self.shards, self.max_concurrency = shards, max_concurrency
        self.identify_interval = identify_interval
        self.token = token  # None: accept any bot token
        self.heartbeat_interval = heartbeat_interval  # ms, sent in HELLO
        self.interaction_deadline = interaction_deadline  # Discord's 3 s to acknowledge
        self.validate = validate
        self.ack_heartbeats = True
        self.recorder = Recorder()
        self.messages = MessageStore(self)
        self.dms = DirectMessages(self)
        self.rest = Rest(self)
        self.gateway = Gateway(self)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        # Read the spec first: without it every request would fail inside the server and the
        # bot would retry until a timeout. SpecMissing fails the test at once, with the path.
        validate.load_spec()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{key:.+}", self._attachment)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.messages.files.get(request.match_info["key"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    # --- addresses -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.http_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/resume"

    @contextlib.contextmanager
    def redirect_discord_py(self) -> Iterator[None]:
        """Point discord.py (process-wide class attributes) at this fake; restore on exit."""
        import discord.gateway
        import discord.http
        import yarl

        route, ws = discord.http.Route, discord.gateway.DiscordWebSocket
        saved = route.BASE, ws.DEFAULT_GATEWAY
        route.BASE, ws.DEFAULT_GATEWAY = self.api_base_url, yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            route.BASE, ws.DEFAULT_GATEWAY = saved

    # --- state -----------------------------------------------------------------------------
    @property
    def bot_user(self) -> dict[str, Any]:
        return self.world.bot

    @property
    def application_id(self) -> str:
        return self.world.application_id

    @property
    def commands(self) -> dict[str | None, list[dict[str, Any]]]:
        """Registered application commands by guild id (None = global)."""
        return self.messages.commands

    def application_payload(self) -> dict[str, Any]:
        from .factories import application

        return application(self.world.application_id, owner=self.world.owner,
                           bot_user=self.world.bot)

    def find_command(self, name: str, guild_id: str | None = None) -> dict[str, Any]:
        for guild in (guild_id or self.world.guild_id, None):
            for cmd in self.messages.commands.get(guild, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        raise LookupError(f"/{name} is not registered (did the bot sync its command tree?)")

    # --- records and waiting ---------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    @property
    def frames(self) -> list[GatewayFrame]:
        return self.recorder.frames

    @property
    def violations(self) -> list[Violation]:
        return self.recorder.violations

    def mark(self) -> int:
        """A cursor for `since=`: later waits only match records made after this call."""
        return self.recorder.mark()

    def requests_matching(self, method: str | None, path_regex: str) -> list[RecordedRequest]:
        match = request_matcher(method, path_regex)
        return [r for r in self.recorder.requests if r.done and match(r)]

    async def wait_for_request(self, method: str | None, path_regex: str,
                               predicate: Callable[[RecordedRequest], bool] | None = None,
                               timeout: float = 10.0, since: int = 0) -> RecordedRequest:
        """The first completed request (any status) matching; resolves as requests arrive."""
        desc = f"{method or '*'} {path_regex}"
        found: RecordedRequest = await self.recorder.wait(
            "request", request_matcher(method, path_regex, predicate), since=since,
            timeout=timeout, description=desc)
        return found

    async def wait_for_frame(self, *, direction: str | None = None, op: int | None = None,
                             event: str | None = None,
                             predicate: Callable[[GatewayFrame], bool] | None = None,
                             timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        def match(fr: GatewayFrame) -> bool:
            return ((direction is None or fr.direction == direction)
                    and (op is None or fr.op == op) and (event is None or fr.t == event)
                    and (predicate is None or bool(predicate(fr))))

        desc = f"gateway frame direction={direction} op={op} t={event}"
        frame: GatewayFrame = await self.recorder.wait("frame", match, since=since,
                                                       timeout=timeout, description=desc)
        return frame

    async def wait_for_identify(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        return await self.wait_for_frame(direction="in", op=2, timeout=timeout, since=since)

    async def wait_for_shard_ready(self, shard_id: int, timeout: float = 10.0,
                                   since: int = 0) -> GatewayFrame:
        """READY (and the shard's GUILD_CREATE burst, sent with it) went out on shard
        ``shard_id``'s session (returns the READY frame)."""
        return await self.wait_for_frame(
            direction="out", event="READY", timeout=timeout, since=since,
            predicate=lambda fr: not fr.replayed and fr.d["shard"][0] == shard_id)

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Every IDENTIFY accepted, in order: shard, bucket, arrival time."""
        return self.gateway.shards.identifies

    async def wait_for_resume(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        return await self.wait_for_frame(direction="in", op=6, timeout=timeout, since=since)

    async def wait_for_ready(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        """READY and the GUILD_CREATE burst were sent (returns the GUILD_CREATE frame)."""
        return await self.wait_for_frame(direction="out", event="GUILD_CREATE",
                                         predicate=lambda fr: not fr.replayed,
                                         timeout=timeout, since=since)

    async def wait_for_resumed(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        return await self.wait_for_frame(direction="out", event="RESUMED", timeout=timeout,
                                         since=since)

    async def wait_for_heartbeat(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        return await self.wait_for_frame(direction="in", op=1, timeout=timeout, since=since)

    async def wait_for_heartbeat_ack(self, timeout: float = 10.0, since: int = 0) -> GatewayFrame:
        return await self.wait_for_frame(direction="out", op=11, timeout=timeout, since=since)

    async def wait_for_command_sync(self, guild_id: str | None = None, timeout: float = 10.0,
                                    since: int = 0) -> RecordedRequest:
        scope = f"/guilds/{guild_id}" if guild_id else ""
        path = rf"^/applications/\d+{scope}/commands$"
        return await self.wait_for_request("PUT", path, predicate=lambda r: r.ok,
                                           timeout=timeout, since=since)

    # --- violations ------------------------------------------------------------------------------
    def take_violations(self, pattern: str = "") -> list[Violation]:
        """Remove and return the violations whose text matches `pattern` (expected ones)."""
        regex = re.compile(pattern)
        taken = [v for v in self.recorder.violations if regex.search(str(v))]
        self.recorder.violations[:] = [v for v in self.recorder.violations if v not in taken]
        return taken

    def assert_no_violations(self) -> None:
        if self.recorder.violations:
            lines = "\n".join(f"  - {v}" for v in self.recorder.violations)
            raise AssertionError(f"{len(self.recorder.violations)} Discord API violation(s):\n"
                                 f"{lines}")

    # --- faults ------------------------------------------------------------------------------
    def fail_next(self, method: str | None, path_regex: str, status: int = 429, *,
                  retry_after: float = 0.2, times: int = 1, is_global: bool = False) -> None:
        """The next `times` matching requests get `status` (429s carry Discord's headers/body)."""
        self.rest.faults.append(Fault(method, path_regex, status=status, retry_after=retry_after,
                                      is_global=is_global, times=times))

    def slow_route(self, path_regex: str, delay: float, *, method: str | None = None,
                   times: int | None = None) -> None:
        """Delay the server's response on matching routes (times=None: until clear_faults())."""
        self.rest.faults.append(Fault(method, path_regex, delay=delay, times=times))

    def clear_faults(self) -> None:
        self.rest.faults.clear()

    async def drop_connection(self, code: int = 4000, *, abort: bool = False,
                              shard: int | None = None) -> None:
        """Close the live gateway websocket (abort=True: kill the TCP connection instead);
        ``shard``: that shard's (default: the last identified or resumed session's)."""
        await self.gateway.drop(code, abort=abort, shard=shard)

    async def gateway_outage(self, mode: str | None = "refuse", *, drop: bool = True) -> None:
        """Start (``"refuse"``: HTTP 503 on connect; ``"silent"``: no HELLO) or end
        (``None``) a gateway outage; ``drop`` also closes the live connection (1011)."""
        self.gateway.outage = mode
        if mode is not None and drop:
            await self.gateway.drop(1011)

    async def wait_for_gateway_attempts(self, count: int, timeout: float = 30.0) -> None:
        """Until the bot has tried to connect ``count`` times in all (READY included)."""
        await self.gateway.wait_for_attempts(count, timeout)

    @property
    def gateway_attempts(self) -> int:
        return self.gateway.attempts

    async def send_reconnect(self, shard: int | None = None) -> None:
        await self.gateway.reconnect(shard)

    async def send_invalid_session(self, resumable: bool, shard: int | None = None) -> None:
        await self.gateway.invalid_session(resumable, shard)

    async def request_heartbeat(self) -> None:
        await self.gateway.request_heartbeat()

    # --- dispatch helpers ------------------------------------------------------------------------
    async def dispatch(self, event: str, data: Any) -> int:
        """Send any DISPATCH event; returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        """Dispatch a prebuilt INTERACTION_CREATE payload (see interactions.interaction_payload)."""
        handle = InteractionHandle(self, payload)
        self.messages.interactions[handle.id] = handle
        self.messages.by_token[handle.token] = handle
        handle.dispatched_at = now()
        handle.seq = await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return handle

    async def send_slash_command(self, name: str, options: dict[str, Any] | None = None, *,
                                 group: str | None = None, subcommand: str | None = None,
                                 user: dict[str, Any] | None = None,
                                 channel_id: str | None = None, locale: str = "en-US",
                                 guild: World | None = None) -> InteractionHandle:
        """Invoke a registered slash command as `user` (default: world.user) in `guild`
        (default: the world's own; another from `world.add_guild`)."""
        where = guild or self.world
        data = command_data(self.find_command(name, where.guild_id), options, group=group,
                            subcommand=subcommand, world=where)
        return await self.send_interaction(interaction_payload(
            where, type=APPLICATION_COMMAND, data=data, user=user, channel_id=channel_id,
            locale=locale))

    async def send_autocomplete(self, name: str, focused: str, value: str,
                                options: dict[str, Any] | None = None, *,
                                group: str | None = None, subcommand: str | None = None,
                                user: dict[str, Any] | None = None) -> InteractionHandle:
        """Autocomplete for option `focused` whose partial input is `value`."""
        data = command_data(self.find_command(name), {**(options or {}), focused: value},
                            group=group, subcommand=subcommand, focused=focused, world=self.world)
        return await self.send_interaction(interaction_payload(
            self.world, type=AUTOCOMPLETE, data=data, user=user))

    async def send_component(self, message_payload: dict[str, Any], *,
                             custom_id: str | None = None, label: str | None = None,
                             values: list[str] | None = None,
                             user: dict[str, Any] | None = None,
                             guild: World | None = None) -> InteractionHandle:
        """Click a button (or pick `values` in a select) present on `message_payload`."""
        comp = find_component(message_payload, custom_id=custom_id, label=label)
        data: dict[str, Any] = {"custom_id": comp["custom_id"], "component_type": comp["type"]}
        if values is not None:
            data["values"] = values
        return await self.send_interaction(interaction_payload(
            guild or self.world, type=COMPONENT, data=data, user=user,
            channel_id=message_payload["channel_id"], message=message_payload))

    async def send_message_create(self, content: str, *, author: dict[str, Any] | None = None,
                                  mention_bot: bool = False,
                                  mentions: list[dict[str, Any]] | None = None,
                                  channel_id: str | None = None) -> dict[str, Any]:
        """A user posts a message (mention_bot=True prefixes <@bot> and fills `mentions`)."""
        author = author or self.world.user
        mentions = list(mentions or [])
        if mention_bot:
            content = f"<@{self.world.bot['id']}> {content}"
            mentions.append(self.world.bot)
        members = self.world.members
        mentions = [{**m, "member": {k: v for k, v in members[m["id"]].items() if k != "user"}}
                    if m["id"] in members else m for m in mentions]
        msg = message(channel_id=channel_id or self.world.channel_id, author=author,
                      content=content, guild_id=self.world.guild_id, mentions=mentions,
                      member_payload=self.world.members.get(author["id"]))
        self.messages.channel_messages[msg["id"]] = msg
        await self.gateway.dispatch("MESSAGE_CREATE", msg)
        return msg

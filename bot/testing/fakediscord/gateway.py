"""The fake gateway: one websocket endpoint speaking Discord's v10 JSON gateway protocol.

Supports HELLO/HEARTBEAT/ACK, IDENTIFY -> READY + GUILD_CREATE, RESUME -> replay + RESUMED,
shards (IDENTIFY with ``shard: [id, count]``: one session per shard, each guild's events on its
shard's session, the identify rate per bucket checked; see shards.py),
REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK, `compress=zlib-stream` and `compress=zstd-stream`
transport compression, and the server-side faults RECONNECT (op 7), INVALID_SESSION (op 9) and
dropped connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from typing import TYPE_CHECKING, Any

import zstandard
from aiohttp import WSMsgType, web

from .records import GatewayFrame, Violation, now
from .shards import UNSHARDED, Shard, Shards, requested_shard

if TYPE_CHECKING:
    from .server import FakeDiscord

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE, RESUME = 0, 1, 2, 3, 4, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11


class GatewaySession:
    def __init__(self, identify: dict[str, Any], shard: Shard = UNSHARDED) -> None:
        self.id = secrets.token_hex(16)
        self.identify = identify
        self.shard = shard
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []  # every dispatch, for RESUME replay
        self.connection: GatewayConnection | None = None
        self.lock = asyncio.Lock()
        self.invalid = False


class GatewayConnection:
    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, request: web.Request,
                 conn_id: int) -> None:
        self.gateway, self.ws, self.request, self.id = gateway, ws, request, conn_id
        self.path = request.path
        self.query = dict(request.query)
        self.compression = self.query.get("compress")
        self._zlib = zlib.compressobj() if self.compression == "zlib-stream" else None
        # zstd-stream (what discord.py asks for when zstandard is installed): one stream,
        # each message flushed as a block
        self._zstd = (zstandard.ZstdCompressor().compressobj()
                      if self.compression == "zstd-stream" else None)
        self.session: GatewaySession | None = None
        self.send_lock = asyncio.Lock()
        self.closed = False
        self.close_code: int | None = None  # aiohttp's final close code for the socket
        self.dropped_with: int | str | None = None  # set by Gateway.drop(): code or "abort"
        self.opened_at = now()

    async def send(self, payload: dict[str, Any], *, replayed: bool = False) -> None:
        raw = json.dumps(payload, separators=(",", ":"))
        async with self.send_lock:
            if self.closed or self.ws.closed:
                return
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                elif self._zstd is not None:
                    data = self._zstd.compress(raw.encode()) + self._zstd.flush(
                        zstandard.COMPRESSOBJ_FLUSH_BLOCK)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(raw)
            except (ConnectionError, RuntimeError):
                return  # closing underneath us; dispatches stay buffered for RESUME
            self.gateway.record("out", self, payload, replayed=replayed)


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, GatewaySession] = {}
        self.active: GatewaySession | None = None  # the last identified or resumed session
        self.shards = Shards(fake)  # the session per shard id, every IDENTIFY
        self.connections: list[GatewayConnection] = []
        self.refuse_identify: int | None = None  # close every IDENTIFY with this code
        # An outage: "refuse" answers every connection attempt with HTTP 503 (the bot backs
        # off and retries), "silent" accepts the websocket but never sends HELLO.
        self.outage: str | None = None
        self.attempts = 0  # connection attempts (the websocket endpoint was hit)
        self._attempted = asyncio.Condition()

    async def wait_for_attempts(self, count: int, timeout: float = 30.0) -> None:
        """Until ``count`` connection attempts have been made in all."""
        async with self._attempted:
            await asyncio.wait_for(
                self._attempted.wait_for(lambda: self.attempts >= count), timeout)

    async def _attempt(self) -> None:
        async with self._attempted:
            self.attempts += 1
            self._attempted.notify_all()

    # --- recording -------------------------------------------------------------------
    def record(self, direction: str, conn: GatewayConnection, payload: Any,
               replayed: bool = False) -> GatewayFrame:
        rec = self.fake.recorder
        p = payload if isinstance(payload, dict) else {}
        frame = GatewayFrame(rec.next_index(), direction, conn.id, p.get("op"), p.get("t"),
                             p.get("s"), p.get("d"), now(), replayed=replayed)
        rec.add_frame(frame)
        return frame

    def violation(self, message: str, frame: GatewayFrame | None = None) -> None:
        self.fake.recorder.add_violation(Violation("gateway", message, frame=frame))

    # --- the websocket endpoint ----------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        await self._attempt()
        if self.outage == "refuse":
            return web.Response(status=503, text="fakediscord: gateway unavailable")
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=0)
        await ws.prepare(request)
        if self.outage == "silent":
            async for _ in ws:  # never a HELLO: the client waits until it gives up
                pass
            return ws
        conn = GatewayConnection(self, ws, request, len(self.connections) + 1)
        self.connections.append(conn)
        if conn.query.get("v") != "10":
            self.violation(f"connected with v={conn.query.get('v')!r} (expected 10)")
        if conn.query.get("encoding", "json") != "json":
            self.violation(f"encoding={conn.query['encoding']!r} unsupported (use json)")
            await ws.close(code=4002)
            return ws
        await conn.send({"op": HELLO, "d": {"heartbeat_interval": self.fake.heartbeat_interval},
                         "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        self.violation(f"undecodable frame {msg.data[:100]!r}")
                        await ws.close(code=4002)
                        break
                    await self._on_frame(conn, payload, self.record("in", conn, payload))
                elif msg.type is WSMsgType.BINARY:
                    self.violation("binary frame from client (expected JSON text)")
        finally:
            conn.closed = True
            conn.close_code = ws.close_code
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        return ws

    async def _on_frame(self, conn: GatewayConnection, payload: Any, frame: GatewayFrame) -> None:
        op = payload.get("op") if isinstance(payload, dict) else None
        d = payload.get("d") if isinstance(payload, dict) else None
        if op == HEARTBEAT:
            if self.fake.ack_heartbeats:
                await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, d or {}, frame)
        elif op == RESUME:
            await self._resume(conn, d or {}, frame)
        elif op == REQUEST_MEMBERS and conn.session is not None:
            await self._request_members(conn.session, d or {})
        elif op not in (PRESENCE, VOICE_STATE, REQUEST_MEMBERS):
            self.violation(f"unexpected op {op!r} from client", frame)

    def _token_ok(self, token: Any) -> bool:
        return self.fake.token is None or token == self.fake.token

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any],
                        frame: GatewayFrame) -> None:
        if self.refuse_identify is not None:  # a test's fault: e.g. 4004, 4014
            await conn.ws.close(code=self.refuse_identify)
            return
        if conn.session is not None:
            self.violation("IDENTIFY on an already identified connection", frame)
            await conn.ws.close(code=4005)
            return
        if not self._token_ok(d.get("token")):
            self.violation("IDENTIFY with a wrong token", frame)
            await conn.ws.close(code=4004)
            return
        if "intents" not in d:
            self.violation("IDENTIFY without intents", frame)
        shard = requested_shard(d)
        if shard is None:
            self.violation(f"IDENTIFY with an invalid shard {d.get('shard')!r}", frame)
            await conn.ws.close(code=4010)  # Discord: "Invalid shard"
            return
        for problem in self.shards.identified(shard, frame.time, conn.id):
            self.violation(problem, frame)
        session = GatewaySession(d, shard)
        self.sessions[session.id] = session
        self.shards.sessions[shard.id] = self.active = session
        world = self.fake.world
        guilds = self.shards.guilds(world, shard)
        ready = {
            "v": 10, "user": world.bot, "session_id": session.id, "session_type": "normal",
            "resume_gateway_url": self.fake.resume_gateway_url,
            "guilds": [{"id": g.guild_id, "unavailable": True} for g in guilds],
            "application": {"id": world.application_id, "flags": 0},
            "shard": shard.as_list(), "private_channels": [], "presences": [],
            "relationships": [], "guild_join_requests": [], "user_settings": {},
            "geo_ordered_rtc_regions": [], "_trace": ["fakediscord"],
        }
        async with session.lock:  # READY + GUILD_CREATE go out as one burst
            session.connection, conn.session = conn, session
            await self._dispatch_locked(session, "READY", ready)
            for guild in guilds:
                await self._dispatch_locked(session, "GUILD_CREATE", guild.guild_payload())

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any],
                      frame: GatewayFrame) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq")
        if (session is None or session.invalid or not self._token_ok(d.get("token"))
                or not isinstance(seq, int) or seq > session.seq):
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            old, session.connection, conn.session = session.connection, conn, session
            self.active = self.shards.sessions[session.shard.id] = session
            for missed in session.buffer:
                if missed["s"] > seq:
                    await conn.send(missed, replayed=True)
            await self._dispatch_locked(session, "RESUMED", {"_trace": ["fakediscord"]})
        if old is not None and old is not conn and not old.ws.closed:
            await old.ws.close(code=4000)  # a session has at most one live connection

    async def _request_members(self, session: GatewaySession, d: dict[str, Any]) -> None:
        world = self.fake.world
        query, ids = d.get("query") or "", {str(i) for i in d.get("user_ids") or []}
        members = [m for uid, m in world.members.items()
                   if (uid in ids) or (not ids and m["user"]["username"].startswith(query))]
        chunk = {"guild_id": world.guild_id, "members": members, "chunk_index": 0,
                 "chunk_count": 1, "not_found": [], "nonce": d.get("nonce")}
        async with session.lock:
            await self._dispatch_locked(session, "GUILD_MEMBERS_CHUNK", chunk)

    # --- dispatching and faults ----------------------------------------------------------
    async def _dispatch_locked(self, session: GatewaySession, event: str, data: Any) -> int:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if session.connection is not None:
            await session.connection.send(frame)
        return session.seq

    def _require_session(self, shard: int | None = None) -> GatewaySession:
        if self.active is None:
            raise RuntimeError("no identified gateway session (wait_for_ready() first)")
        if shard is None or self.active.shard.count == 1:
            return self.active
        return self._shard(shard)

    def _shard(self, shard: int) -> GatewaySession:
        session = self.shards.sessions.get(shard)
        if session is None or session.invalid:
            raise RuntimeError(f"no identified gateway session for shard {shard}")
        return session

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a DISPATCH on the session of the shard of ``data``'s guild (shard 0 without
        one; unsharded: the active session), buffered for RESUME if disconnected."""
        session = self._require_session()
        if session.shard.count > 1:
            session = self.shards.session_for(data, session.shard.count)
        async with session.lock:
            return await self._dispatch_locked(session, event, data)

    async def _op_and_detach(self, payload: dict[str, Any],
                             shard: int | None = None) -> GatewayConnection:
        session = self._require_session(shard)
        async with session.lock:
            conn = session.connection
            if conn is None:
                raise RuntimeError("the active session has no live connection")
            await conn.send(payload)
            session.connection = None  # from now on dispatches are buffered for RESUME
        return conn

    async def drop(self, code: int = 4000, *, abort: bool = False,
                   shard: int | None = None) -> None:
        session = self._require_session(shard)
        async with session.lock:
            conn, session.connection = session.connection, None
        if conn is None:
            raise RuntimeError("the active session has no live connection")
        conn.dropped_with = "abort" if abort else code
        if abort and conn.request.transport is not None:
            conn.request.transport.abort()
        else:
            await conn.ws.close(code=code, message=b"fakediscord: dropped")

    async def reconnect(self, shard: int | None = None) -> None:
        await self._op_and_detach({"op": RECONNECT, "d": None, "s": None, "t": None}, shard)

    async def invalid_session(self, resumable: bool, shard: int | None = None) -> None:
        session = self._require_session(shard)
        await self._op_and_detach({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None},
                                  shard)
        if not resumable:
            session.invalid = True
            if self.active is session:  # another shard's live session, if any, stays usable
                self.active = next(iter(self.shards.live()), None)

    async def request_heartbeat(self) -> None:
        session = self._require_session()
        if session.connection is None:
            raise RuntimeError("the active session has no live connection")
        await session.connection.send({"op": HEARTBEAT, "d": None, "s": None, "t": None})

    async def close_all(self) -> None:
        for conn in self.connections:
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001)

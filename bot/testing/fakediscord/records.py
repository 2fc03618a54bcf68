"""What FakeDiscord records (REST requests, gateway frames, violations) and event-driven waiting."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordedFile:
    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    index: int
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    headers: dict[str, str]
    json: Any  # parsed JSON body, or the parsed payload_json of a multipart body
    files: list[RecordedFile]
    time: float  # time.monotonic() at arrival
    route: str | None = None  # OpenAPI path template, e.g. /interactions/{interaction_id}/...
    status: int | None = None  # set once the response is decided
    response: Any = None
    multipart: bool = False
    done: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class GatewayFrame:
    index: int
    direction: str  # "in" (client -> fake) or "out" (fake -> client)
    connection_id: int
    op: int | None
    t: str | None
    s: int | None
    d: Any
    time: float
    replayed: bool = False
    done: bool = True

    def __str__(self) -> str:
        arrow = "<-" if self.direction == "in" else "->"
        return f"gateway#{self.connection_id} {arrow} op={self.op} t={self.t} s={self.s}"


@dataclass
class Violation:
    kind: str  # "unknown-route", "schema", "limits", "allowed-mentions", "interaction", "gateway"
    message: str
    request: RecordedRequest | None = None
    frame: GatewayFrame | None = None

    def __str__(self) -> str:
        where = f"{self.request.method} {self.request.path}: " if self.request else ""
        if self.frame is not None:
            where = f"{self.frame}: "
        return f"[{self.kind}] {where}{self.message}"


@dataclass
class _Waiter:
    kind: str
    predicate: Callable[[Any], bool]
    since: int
    future: asyncio.Future[Any]


@dataclass
class Recorder:
    requests: list[RecordedRequest] = field(default_factory=list)
    frames: list[GatewayFrame] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    _counter: int = 0
    _waiters: list[_Waiter] = field(default_factory=list)

    def next_index(self) -> int:
        self._counter += 1
        return self._counter

    def mark(self) -> int:
        """A cursor: pass it as `since=` to only match records made after this call."""
        return self._counter + 1

    def add_request(self, req: RecordedRequest) -> None:
        self.requests.append(req)

    def complete_request(self, req: RecordedRequest) -> None:
        req.done = True
        self._notify("request", req)

    def add_frame(self, frame: GatewayFrame) -> None:
        self.frames.append(frame)
        self._notify("frame", frame)

    def add_violation(self, violation: Violation) -> None:
        self.violations.append(violation)

    def _notify(self, kind: str, item: Any) -> None:
        for waiter in list(self._waiters):
            if waiter.kind != kind or waiter.future.done() or item.index < waiter.since:
                continue
            try:
                matched = waiter.predicate(item)
            except Exception as exc:  # noqa: BLE001 - a broken predicate fails the waiting test
                waiter.future.set_exception(exc)
                continue
            if matched:
                waiter.future.set_result(item)

    async def wait(self, kind: str, predicate: Callable[[Any], bool], *, since: int,
                   timeout: float, description: str) -> Any:
        items = self.requests if kind == "request" else self.frames
        for item in items:
            if item.done and item.index >= since and predicate(item):
                return item
        waiter = _Waiter(kind, predicate, since, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            recent = "\n  ".join(str(x) for x in items[-15:]) or "(nothing)"
            raise AssertionError(
                f"timed out after {timeout}s waiting for {description}; last {kind}s:\n  {recent}"
            ) from None
        finally:
            self._waiters.remove(waiter)


def request_matcher(method: str | None, path_regex: str,
                    predicate: Callable[[RecordedRequest], bool] | None = None,
                    ) -> Callable[[RecordedRequest], bool]:
    pattern = re.compile(path_regex)

    def match(req: RecordedRequest) -> bool:
        if method is not None and req.method != method.upper():
            return False
        if not pattern.search(req.path):
            return False
        return predicate is None or bool(predicate(req))

    return match


def now() -> float:
    return time.monotonic()

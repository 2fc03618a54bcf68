"""A query log row as the caller records it, and as the writer keeps it until it is written."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.store.backend import utcnow


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class QueryRecord:
    """One answered (or failed) query, as the caller saw it. ``user_id`` is the raw id."""

    command: str
    query: str
    ts: datetime = field(default_factory=utcnow)
    guild_id: int | str | None = None
    channel_id: int | str | None = None
    user_id: int | str | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)
    result_count: int = 0
    found: bool = False
    top_hits: Sequence[tuple[str, int]] = ()
    latency_ms: float | None = None
    error_id: str | None = None
    # The bot refused the request (bad option, cooldown, disabled channel, no admin rights):
    # not an archive gap.
    refused: bool = False
    request_id: str = field(default_factory=new_request_id)


@dataclass
class QueryLogStats:
    recorded: int = 0
    written: int = 0
    batches: int = 0  # successful write transactions
    retries: int = 0
    failures: int = 0  # batches still failing after every retry (rows kept)
    dropped: int = 0  # rows not kept: max_pending rows were already waiting


@dataclass(eq=False)
class _Pending:
    """A recorded row not yet committed; feedback may still be set on it."""

    request_id: str
    user_id: int | str | None
    values: tuple[Any, ...]  # ts .. refused, without user_key
    feedback: int | None = None
    feedback_at: str | None = None
    in_flight: bool = False


def _opt_str(value: int | str | None) -> str | None:
    return None if value is None else str(value)

"""The liveness signal: the running bot touches a heartbeat file; ``archive-bot health``
(the container healthcheck) checks its age.

The file lives beside the query log (``<querylog.path folder>/heartbeat``), so it follows the
configured paths wherever the data volume is mounted.
"""

from __future__ import annotations

import time
from pathlib import Path

from bot.config import Settings

HEARTBEAT_SECONDS = 30.0
# Stale after three missed beats: a reconnect or a long reindex is not a failure.
MAX_AGE_SECONDS = 3 * HEARTBEAT_SECONDS


def heartbeat_path(settings: Settings) -> Path:
    return settings.querylog.path.parent / "heartbeat"


def heartbeat_age(settings: Settings, now: float | None = None) -> float | None:
    """Seconds since the last beat, or None when the bot never wrote one."""
    try:
        mtime = heartbeat_path(settings).stat().st_mtime
    except OSError:
        return None
    return max(0.0, (time.time() if now is None else now) - mtime)

"""``archive-bot health``: exit 0 while the running bot's heartbeat is fresh, 1 otherwise.

The container healthcheck (Dockerfile, docker-compose.yml) runs it, so it reads the same
config as the bot and checks the heartbeat where that config puts it.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import settings_from
from bot.health import MAX_AGE_SECONDS, heartbeat_age, heartbeat_path


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "health", parents=[parent], help="is the running bot connected? (exit 0 or 1)",
        description="Exit 0 if the running bot touched its heartbeat file (beside the query "
                    "log) recently, 1 if not: the container healthcheck.",
    )
    p.add_argument("--max-age", type=float, default=MAX_AGE_SECONDS, metavar="SECONDS",
                   help=f"oldest acceptable heartbeat (default {MAX_AGE_SECONDS:g})")
    p.set_defaults(handler=cmd_health)


def cmd_health(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    age = heartbeat_age(settings)
    path = heartbeat_path(settings)
    if age is None:
        print(f"unhealthy: no heartbeat at {path} (is the bot running and connected?)")
        return 1
    if age > args.max_age:
        print(f"unhealthy: last heartbeat {age:.0f} s ago ({path})")
        return 1
    print(f"healthy: last heartbeat {age:.0f} s ago")
    return 0

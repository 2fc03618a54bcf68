"""A local, recording Discord (REST + gateway) for end-to-end tests of a discord.py bot.

See README.md in this directory for what a bot must override to talk to it.
"""

from . import factories
from .factories import World
from .harness import run_client
from .interactions import InteractionHandle, command_data, interaction_payload
from .records import GatewayFrame, RecordedFile, RecordedRequest, Violation
from .server import FakeDiscord

__all__ = [
    "FakeDiscord",
    "GatewayFrame",
    "InteractionHandle",
    "RecordedFile",
    "RecordedRequest",
    "Violation",
    "World",
    "command_data",
    "factories",
    "interaction_payload",
    "run_client",
]

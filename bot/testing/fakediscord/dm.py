"""Direct messages: ``POST /users/@me/channels`` (open a DM channel) and messages posted in it.

``fake.dms.messages(user_id)`` lists what the bot sent a user; ``fake.dms.closed`` holds users
who do not accept DMs (a post to them is Discord's 403, code 50007).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import factories as f
from .records import RecordedRequest
from .rest import ApiError

if TYPE_CHECKING:
    from .server import FakeDiscord

Result = tuple[int, Any]


class DirectMessages:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.channels: dict[str, dict[str, Any]] = {}  # DM channel id -> channel
        self.by_user: dict[str, str] = {}  # user id -> DM channel id
        self.closed: set[str] = set()  # users whose DMs are closed to the bot
        self.sent: dict[str, list[dict[str, Any]]] = {}  # DM channel id -> messages

    def _user(self, user_id: str) -> dict[str, Any]:
        """A member of one of the bot's guilds, or (a user who only used a command) a user
        of that id."""
        if not user_id.isdigit():
            raise ApiError(400, "Invalid Form Body", 50035, violation="DM without recipient_id")
        for guild in self.fake.world.guilds():
            member = guild.members.get(user_id)
            if member is not None:
                return dict(member["user"])
        return f.user("someone", id=user_id)

    async def create(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        recipient = str((req.json or {}).get("recipient_id") or "")
        user = self._user(recipient)
        channel_id = self.by_user.get(recipient)
        if channel_id is None:
            channel_id = f.snowflake()
            self.by_user[recipient] = channel_id
            self.channels[channel_id] = {"id": channel_id, "type": 1, "last_message_id": None,
                                         "recipients": [user], "flags": 0}
            self.sent[channel_id] = []
        return 200, self.channels[channel_id]

    async def post(self, req: RecordedRequest, p: dict[str, str]) -> Result:
        """A message in a DM channel; any other channel's goes to the message store."""
        channel = self.channels.get(p["channel"])
        if channel is None:
            return await self.fake.messages.channel_post(req, p)
        if channel["recipients"][0]["id"] in self.closed:
            raise ApiError(403, "Cannot send messages to this user", 50007)
        msg = self.fake.messages.build_message(req, p["channel"])
        msg.pop("guild_id", None)
        msg.pop("member", None)
        self.sent[p["channel"]].append(msg)
        self.fake.messages.channel_messages[msg["id"]] = msg
        return 200, msg

    def messages(self, user_id: str) -> list[dict[str, Any]]:
        """What the bot sent ``user_id`` by DM, oldest first."""
        channel_id = self.by_user.get(str(user_id))
        return [] if channel_id is None else list(self.sent[channel_id])

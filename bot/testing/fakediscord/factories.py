"""Payload factories: snowflakes, users, members, roles, channels, guilds, messages.

Everything returns plain JSON-able dicts shaped like Discord's v10 payloads (ids are strings).
`World` bundles one small guild (owner, an admin, a plain user, the bot) that FakeDiscord serves;
`World.add_guild` gives the same bot a further guild (another `World` sharing bot and app).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
_increment = itertools.count()

# Permission bits (https://discord.com/developers/docs/topics/permissions)
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
    | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
)

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15


def snowflake(at: float | None = None) -> str:
    """A fresh, unique, time-ordered snowflake (as Discord sends them: a string)."""
    ms = int((time.time() if at is None else at) * 1000)
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(_increment) & 0xFFF))


def iso_now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat()


def user(username: str = "user", *, id: str | None = None, bot: bool = False,
         global_name: str | None = None) -> dict[str, Any]:
    return {
        "id": id or snowflake(), "username": username, "discriminator": "0",
        "global_name": global_name, "avatar": None, "bot": bot, "system": False,
        "public_flags": 0, "flags": 0, "banner": None, "accent_color": None,
    }


def role(name: str, permissions: int, *, id: str | None = None, position: int = 0,
         managed: bool = False) -> dict[str, Any]:
    return {
        "id": id or snowflake(), "name": name, "color": 0, "hoist": False, "icon": None,
        "unicode_emoji": None, "position": position, "permissions": str(permissions),
        "managed": managed, "mentionable": False, "flags": 0,
    }


def member(user_payload: dict[str, Any], *, roles: list[str] | tuple[str, ...] = (),
           permissions: int | None = None, nick: str | None = None) -> dict[str, Any]:
    """A guild member; `permissions` (a total, as a string) only appears in interactions."""
    data: dict[str, Any] = {
        "user": user_payload, "nick": nick, "avatar": None, "roles": list(roles),
        "joined_at": iso_now(), "premium_since": None, "deaf": False, "mute": False,
        "flags": 0, "pending": False, "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def text_channel(name: str = "general", *, id: str | None = None, guild_id: str | None = None,
                 position: int = 0, parent_id: str | None = None, topic: str | None = None,
                 ) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": id or snowflake(), "type": 0, "name": name, "position": position,
        "permission_overwrites": [], "topic": topic, "nsfw": False, "last_message_id": None,
        "rate_limit_per_user": 0, "parent_id": parent_id, "flags": 0,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data


def thread_channel(name: str, *, parent_id: str, guild_id: str, owner_id: str,
                   id: str | None = None) -> dict[str, Any]:
    return {
        "id": id or snowflake(), "type": 11, "name": name, "guild_id": guild_id,
        "parent_id": parent_id, "owner_id": owner_id, "last_message_id": None,
        "rate_limit_per_user": 0, "message_count": 0, "member_count": 1, "flags": 0,
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "locked": False,
                            "archive_timestamp": iso_now()},
    }


def message(*, channel_id: str, author: dict[str, Any], content: str = "",
            guild_id: str | None = None, embeds: list[Any] | None = None,
            components: list[Any] | None = None, attachments: list[Any] | None = None,
            mentions: list[dict[str, Any]] | None = None, type: int = 0, flags: int = 0,
            webhook_id: str | None = None, application_id: str | None = None,
            message_reference: dict[str, Any] | None = None,
            member_payload: dict[str, Any] | None = None, id: str | None = None,
            ) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": id or snowflake(), "channel_id": channel_id, "type": type, "content": content,
        "author": author, "timestamp": iso_now(), "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": list(mentions or []), "mention_roles": [],
        "attachments": list(attachments or []), "embeds": list(embeds or []),
        "components": list(components or []), "pinned": False, "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if member_payload is not None:
        data["member"] = {k: v for k, v in member_payload.items() if k != "user"}
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if application_id is not None:
        data["application_id"] = application_id
    if message_reference is not None:
        data["message_reference"] = message_reference
    return data


def application(app_id: str, *, owner: dict[str, Any], bot_user: dict[str, Any],
                name: str = "archive-bot") -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": app_id, "name": name, "icon": None, "description": "", "summary": "",
        "type": None, "bot_public": False, "bot_require_code_grant": False, "bot": bot_user,
        "owner": owner, "team": None, "verify_key": "0" * 64, "flags": 0, "tags": [],
        "redirect_uris": [], "interactions_endpoint_url": None, "rpc_origins": [],
        "approximate_guild_count": 1,
    }


@dataclass
class World:
    """The state served by FakeDiscord: one bot, one guild, three humans."""

    application_id: str
    bot: dict[str, Any]
    owner: dict[str, Any]
    admin: dict[str, Any]
    user: dict[str, Any]
    guild_id: str
    channel_id: str
    roles: dict[str, dict[str, Any]]  # name -> role ("@everyone", "Admin", "Bot")
    channels: list[dict[str, Any]]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> member
    guild_name: str = "Archive Test Guild"
    other_guilds: list[World] = field(default_factory=list)  # further guilds of the same bot

    @classmethod
    def default(cls, bot: dict[str, Any] | None = None,
                guild_name: str = "Archive Test Guild") -> World:
        bot = bot or user("archive-bot", bot=True)
        guild_id = snowflake()
        roles = {
            "@everyone": role("@everyone", EVERYONE_PERMISSIONS, id=guild_id),
            "Admin": role("Admin", MANAGE_GUILD | MANAGE_MESSAGES, position=2),
            "Bot": role("archive-bot", EVERYONE_PERMISSIONS | MANAGE_MESSAGES, position=1,
                        managed=True),
        }
        general = text_channel("general", position=0)
        world = cls(
            application_id=bot["id"], bot=bot, owner=user("owner"), admin=user("admin"),
            user=user("reader"), guild_id=guild_id, channel_id=general["id"], roles=roles,
            channels=[general, text_channel("archive-questions", position=1)],
            guild_name=guild_name,
        )
        world.add_member(world.owner)
        world.add_member(world.admin, roles=[roles["Admin"]["id"]])
        world.add_member(world.user)
        world.add_member(bot, roles=[roles["Bot"]["id"]])
        return world

    def add_guild(self, name: str) -> World:
        """Another guild the bot is in (own owner, admin, reader, roles and channels); sent
        in READY and with its own GUILD_CREATE. Pass it as `guild=` to the send_* helpers."""
        other = World.default(self.bot, guild_name=name)
        other.application_id = self.application_id
        self.other_guilds.append(other)
        return other

    def guilds(self) -> list[World]:
        return [self, *self.other_guilds]

    def guild(self, guild_id: str) -> World | None:
        return next((g for g in self.guilds() if g.guild_id == str(guild_id)), None)

    def add_member(self, user_payload: dict[str, Any], roles: list[str] | None = None,
                   ) -> dict[str, Any]:
        self.members[user_payload["id"]] = m = member(user_payload, roles=roles or [])
        return m

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        for ch in self.channels:
            if ch["id"] == str(channel_id):
                return {**ch, "guild_id": self.guild_id}
        return None

    def permissions_for(self, user_id: str) -> int:
        if user_id == self.owner["id"]:
            return ALL_PERMISSIONS
        m = self.members.get(user_id)
        perms = int(self.roles["@everyone"]["permissions"])
        by_id = {r["id"]: r for r in self.roles.values()}
        for rid in (m["roles"] if m else []):
            perms |= int(by_id[rid]["permissions"]) if rid in by_id else 0
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def interaction_member(self, user_payload: dict[str, Any]) -> dict[str, Any]:
        """The `member` object of an INTERACTION_CREATE, with the total `permissions` string."""
        uid = user_payload["id"]
        base = self.members.get(uid) or self.add_member(user_payload)
        return {**base, "permissions": str(self.permissions_for(uid))}

    def guild_payload(self) -> dict[str, Any]:
        """The full GUILD_CREATE payload."""
        return {
            "id": self.guild_id, "name": self.guild_name, "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": self.owner["id"], "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 1,
            "explicit_content_filter": 0, "roles": list(self.roles.values()), "emojis": [],
            "stickers": [], "features": [], "mfa_level": 0, "application_id": None,
            "system_channel_id": self.channel_id, "system_channel_flags": 0,
            "rules_channel_id": None, "max_members": 500000, "vanity_url_code": None,
            "description": None, "banner": None, "premium_tier": 0,
            "premium_subscription_count": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0,
            "premium_progress_bar_enabled": False, "safety_alerts_channel_id": None,
            "joined_at": iso_now(), "large": False, "unavailable": False,
            "member_count": len(self.members), "voice_states": [],
            "members": list(self.members.values()), "channels": [dict(c) for c in self.channels],
            "threads": [], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
        }

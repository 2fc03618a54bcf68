"""Slash-command option ranges and contexts from the settings, not from decorators.

``app_commands.Range[int, 1, 100]`` fixes its bounds at import time, so Discord would offer
values the configuration then refuses. :func:`configure_commands` rewrites each bounded
option of a cog's commands from the settings (``/search limit`` up to
``limits.max_results``, ``/summary sentences`` up to ``answers.summary_max_sentences``)
and makes the user commands guild-only unless ``discord.allow_dms`` is set.

The cog's commands are per-instance copies (``Cog.__new__``), but their parameters are shared
with the class, so a parameter is replaced, never changed in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from discord import app_commands
from discord.ext import commands

from bot.config import Settings


def option_ranges(settings: Settings) -> Mapping[tuple[str, str], tuple[int, int]]:
    """(command, option) -> (lowest, highest) allowed value, from the settings."""
    return {
        ("search", "limit"): (1, settings.limits.max_results),
        ("summary", "sentences"): (1, settings.answers.summary_max_sentences),
    }


def configure_commands(cog: commands.Cog, settings: Settings) -> None:
    """Apply the configured option ranges and DM policy to ``cog``'s slash commands."""
    ranges = option_ranges(settings)
    for command in cog.walk_app_commands():
        if not isinstance(command, app_commands.Command):
            continue
        if not settings.discord.allow_dms:
            command.guild_only = True
            command.allowed_contexts = app_commands.AppCommandContext(
                guild=True, dm_channel=False, private_channel=False)
        params = command._params  # discord.py has no public setter
        for name, param in list(params.items()):
            bounds = ranges.get((command.qualified_name, name))
            if bounds is not None:
                params[name] = dataclasses.replace(param, min_value=bounds[0],
                                                   max_value=bounds[1])

"""Slash-command option ranges and the DM policy come from the settings (bot/app/options.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app.client import ArchiveBot
from bot.config import Settings, with_section
from bot.core.search import Archive
from bot.exts import answers as answers_ext
from bot.exts import search as search_ext
from tests.fakes import make_services, seeds_settings


def with_limits(settings: Settings, *, max_results: int, summary_max: int) -> Settings:
    settings = with_section(settings, "limits", max_results=max_results,
                            default_results=min(settings.limits.default_results, max_results))
    return with_section(settings, "answers", summary_max_sentences=summary_max,
                        summary_sentences=min(settings.answers.summary_sentences, summary_max))


async def registered(settings: Settings, archive: Archive) -> dict[str, dict[str, Any]]:
    """What the bot would upload to Discord for its user commands."""
    async with make_services(settings, archive) as services:
        bot = ArchiveBot(services, extensions=[])
        try:
            for module in (search_ext, answers_ext):
                await module.setup(bot)
            return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
        finally:
            await bot.close()


def option(command: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in command["options"] if o["name"] == name)


async def test_ranges_follow_the_settings(tmp_path: Path, seed_settings: Settings,
                                          seed_archive: Archive) -> None:
    settings = with_limits(seeds_settings(tmp_path, seed_settings), max_results=7,
                           summary_max=4)
    commands = await registered(settings, seed_archive)
    limit = option(commands["search"], "limit")
    assert (limit["min_value"], limit["max_value"]) == (1, 7)
    sentences = option(commands["summary"], "sentences")
    assert (sentences["min_value"], sentences["max_value"]) == (1, 4)


async def test_two_bots_with_other_settings_do_not_share_ranges(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive
) -> None:
    small = with_limits(seeds_settings(tmp_path / "a", seed_settings), max_results=3,
                        summary_max=2)
    (tmp_path / "a").mkdir()
    first = await registered(small, seed_archive)
    (tmp_path / "b").mkdir()
    default = await registered(seeds_settings(tmp_path / "b", seed_settings), seed_archive)
    assert option(first["search"], "limit")["max_value"] == 3
    assert option(default["search"], "limit")["max_value"] == seed_settings.limits.max_results
    assert (option(default["summary"], "sentences")["max_value"]
            == seed_settings.answers.summary_max_sentences)


async def test_user_commands_are_guild_only_unless_dms_are_allowed(
    tmp_path: Path, seed_settings: Settings, seed_archive: Archive
) -> None:
    commands = await registered(seeds_settings(tmp_path, seed_settings), seed_archive)
    for payload in commands.values():
        assert payload["dm_permission"] is False and payload["contexts"] == [0]
    allowed = await registered(seeds_settings(tmp_path, seed_settings, allow_dms=True),
                               seed_archive)
    for payload in allowed.values():
        assert payload["dm_permission"] is True

"""Export attachments in Discord: file names, the note, one file per message, no pings."""

from __future__ import annotations

from typing import Any

import discord

from bot.app.exports import Export, send_export
from bot.core.export import CsvExport, CsvPart
from tests.fakes import fake_interaction, message_calls, no_pings


def export_of(parts: int, rows: int = 10, given: int = 12, total: int = 40) -> Export:
    csv = CsvExport(tuple(CsvPart(f"part {i}".encode(), rows // max(parts, 1))
                          for i in range(parts)), rows, given, total)
    return Export(csv, "search-20260101-000000", "matching paragraphs")


def test_names_and_note() -> None:
    one = export_of(1, rows=5, given=5, total=5)
    assert one.filenames() == ["search-20260101-000000.csv"]
    assert one.note() == "CSV export: 5 matching paragraphs."
    three = export_of(3)
    assert three.filenames() == [f"search-20260101-000000-part{i}.csv" for i in (1, 2, 3)]
    assert three.note() == ("CSV export: the first 10 of 40 matching paragraphs; the other 2 "
                            "are over the attachment size limit, in 3 files.")
    [file] = one.files()
    assert isinstance(file, discord.File) and file.fp.read() == b"part 0"


async def test_first_file_in_the_reply_the_rest_as_private_follow_ups() -> None:
    interaction = fake_interaction(discord.Client(intents=discord.Intents.none()))
    await send_export(interaction, export_of(3))
    calls: list[tuple[str, dict[str, Any]]] = message_calls(interaction)
    assert [name for name, _ in calls] == ["edit_original_response", "followup.send",
                                           "followup.send"]
    first = calls[0][1]
    assert first["content"].startswith("CSV export: the first 10 of 40")
    assert [f.filename for f in first["attachments"]] == ["search-20260101-000000-part1.csv"]
    for i, (_, kwargs) in enumerate(calls[1:], start=2):
        assert kwargs["ephemeral"] is True and kwargs["content"] == f"Part {i} of 3."
        assert kwargs["file"].filename == f"search-20260101-000000-part{i}.csv"
    assert all(no_pings(kwargs) for _, kwargs in calls)


async def test_nothing_to_export_says_so_without_a_file() -> None:
    interaction = fake_interaction(discord.Client(intents=discord.Intents.none()))
    await send_export(interaction, export_of(1, rows=0, given=0, total=0))
    [(name, kwargs)] = message_calls(interaction)
    assert name == "edit_original_response" and "attachments" not in kwargs
    assert kwargs["content"] == "Nothing to export: CSV export: 0 matching paragraphs."
    assert no_pings(kwargs)


def _page() -> discord.Embed:
    return discord.Embed(title="page", description="text")


async def test_a_single_pages_export_button_is_disabled_on_timeout_feedback_is_not() -> None:
    from bot.app.itemviews import ItemsView
    from bot.app.views import build_view
    from tests.fakes import USER_ID, fake_message

    export = discord.ui.Button[discord.ui.View](label="Export CSV")
    view = build_view([_page()], owner_id=USER_ID, timeout=60, request_id="c" * 32,
                      extra=[export])
    assert isinstance(view, ItemsView)
    labels = [getattr(i, "label", None) for i in view.children]
    assert labels == ["Export CSV", "Helpful", "Not helpful"]
    view.message = message = fake_message()
    await view.on_timeout()
    assert export.disabled
    assert not any(getattr(i, "disabled", True) for i in view.children[1:])
    kwargs = message.edit.await_args.kwargs
    assert kwargs["view"] is view and no_pings(kwargs)
    view.stop()
    assert build_view([_page()], owner_id=USER_ID, timeout=60, request_id=None) is None


async def test_a_paginators_export_button_checks_its_own_clicks() -> None:
    from bot.app.views import Paginator
    from tests.fakes import OTHER_USER_ID, USER_ID

    client = discord.Client(intents=discord.Intents.none())
    export = discord.ui.Button[discord.ui.View](label="Export CSV", custom_id="export-1")
    view = Paginator([_page(), _page()], owner_id=USER_ID, timeout=60, extra=[export])
    stranger = fake_interaction(client, user_id=OTHER_USER_ID)
    stranger.data = {"custom_id": "export-1", "component_type": 2}
    assert await view.interaction_check(stranger) is True  # the button answers it
    stranger.response.send_message.assert_not_awaited()
    paging = fake_interaction(client, user_id=OTHER_USER_ID)
    paging.data = {"custom_id": view.next.custom_id, "component_type": 2}
    assert await view.interaction_check(paging) is False
    view.stop()

"""``/timeline`` against the real bot and the local Discord: a PNG chart attached that
decodes, the busiest period's top articles cited, undated articles said, nothing drawn for a
topic that matches nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bot.testing.fakediscord import FakeDiscord
from tests.e2e.botproc import (
    DEFERRED,
    answer_of,
    build_index,
    citations,
    query_rows,
    text_of,
    write_config,
)
from tests.e2e.conftest import Indexed, StartBot
from tests.test_timeline import png_size, write_timeline_archive


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The timeline test archive (dated articles and one undated), indexed once."""
    root = tmp_path_factory.mktemp("e2e-timeline")
    archive = write_timeline_archive(root / "archive")
    config = write_config(root / "config.yaml", archive=archive, index=root / "index",
                          querylog=root / "querylog.sqlite3", guild_id="1")
    build_index(config, root)
    return Indexed(archive, root / "index")


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("\u200b", ""))


async def test_timeline_attaches_a_chart_and_cites_the_busiest_month(
        fake: FakeDiscord, start_bot: StartBot, dated: Indexed) -> None:
    bot = await start_bot(archive=dated)
    handle = await fake.send_slash_command("timeline", {"topic": "chlorine"})
    message = await answer_of(handle)
    edit = await handle.wait_edit()
    [chart] = edit.files
    assert chart.filename == "timeline.png" and png_size(chart.data) == (900, 360)
    assert message["attachments"][0]["filename"] == "timeline.png"
    [embed] = message["embeds"]
    assert embed["image"]["url"] == "attachment://timeline.png"
    text = unescaped(text_of(message))
    assert "Articles matching 'chlorine' per month, 2016" in text
    assert "Busiest month: **2016-01**, 2 articles (3 paragraphs)." in text
    assert "1 undated article not shown." in text
    assert "4 matching articles (5 paragraphs) in 12 months." in text
    cited = citations(message)
    assert {title for title, _ in cited} == {"Report tl-a", "Report tl-b"}
    assert "Harbour Gazette, 2016-01-05, ¶" in text  # /search's citation style

    # The paragraphs behind the chart, privately, as /search exports them.
    click = await fake.send_component(message, label="Export CSV", user=fake.world.user)
    assert (await click.wait_response()).json["type"] == DEFERRED
    [export] = (await click.wait_edit()).files
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 6 and {r[0] for r in rows[1:]} == {
        "tl-a", "tl-b", "tl-c", "tl-d", "tl-e"}

    # From / to: weeks; the undated article is left out, as /search leaves it out.
    weeks = await answer_of(await fake.send_slash_command(
        "timeline", {"topic": "chlorine", "from": "2016-01-01", "to": "2016-02-15"}))
    assert "per week, 2015–2016" in unescaped(text_of(weeks))
    assert "undated" not in text_of(weeks)

    # Nothing matches: said plainly, no chart.
    nothing = await fake.send_slash_command("timeline", {"topic": "zeppelin"})
    empty = await answer_of(nothing)
    assert not (await nothing.wait_edit()).files and not empty.get("attachments")
    assert "No dated article matches **zeppelin** (searched 6 articles)." in text_of(empty)
    assert not empty["embeds"][0].get("image")

    # A bad option: a private refusal, nothing deferred.
    bad = await fake.send_slash_command("timeline", {"topic": "chlorine", "from": "2016-13-01"})
    callback = await bad.wait_response()
    assert callback.json["type"] == 4 and "is not a date" in callback.json["data"]["content"]

    assert await bot.terminate() == 0
    rows = [r for r in query_rows(bot.db) if r["command"] == "timeline"]
    assert [(r["query"], r["result_count"], r["found"]) for r in rows] == [
        ("chlorine", 4, 1), ("chlorine", 2, 1), ("zeppelin", 0, 0), ("chlorine", 0, 0)]
    fake.assert_no_violations()


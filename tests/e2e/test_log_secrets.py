"""At ``-vv`` (discord.py's and aiohttp's debug logs: every request URL, every gateway event)
the log holds no interaction token and no bot token."""

from __future__ import annotations

from bot.testing.fakediscord import FakeDiscord, InteractionHandle
from tests.e2e.botproc import answer_of
from tests.e2e.conftest import StartBot

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


async def test_debug_log_holds_no_token(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot(verbose="-vv")
    handles: list[InteractionHandle] = []
    handles.append(search := await fake.send_slash_command("search", {"query": "Astana talks"}))
    await answer_of(search)
    ask = await fake.send_slash_command("ask", {"question": "Who chaired the opposition "
                                                            "delegation in Astana?"})
    handles.append(ask)
    answer = await answer_of(ask)
    click = await fake.send_component(answer, label="Helpful")  # a component's callback
    handles.append(click)
    await click.wait_response()
    fake.fail_next("POST", CALLBACK, status=429, retry_after=0.2)  # rate-limit warnings too
    handles.append(limited := await fake.send_slash_command("search", {"query": "Idlib"}))
    await answer_of(limited)
    refused = await fake.send_slash_command("summary", {"article": "no-such-article"})
    handles.append(refused)
    await refused.wait_response()
    await fake.send_message_create("Who threatened the Syrian opposition?", mention_bot=True)
    await fake.wait_for_request("POST", r"^/channels/\d+/messages$", predicate=lambda r: r.ok)
    assert await bot.terminate() == 0

    log = bot.stderr_path.read_text(encoding="utf-8", errors="replace")
    assert "WebSocket Event" in log and "/webhooks/" in log  # the debug lines are there
    leaked = [h.id for h in handles if h.token in log]
    bot_token_lines = sum(bot.token in line for line in log.splitlines())
    print(f"\n-vv log: {len(log.splitlines())} lines, interaction tokens leaked: "
          f"{len(leaked)} of {len(handles)}, lines with the bot token: {bot_token_lines}")
    assert leaked == []
    assert bot_token_lines == 0
    assert "<redacted>" in log

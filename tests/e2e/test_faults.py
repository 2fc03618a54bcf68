"""Faults on Discord's side: the bot survives each one, keeps answering, and logs every query."""

from __future__ import annotations

from bot.testing.fakediscord import FakeDiscord, InteractionHandle
from tests.e2e.botproc import answer_of, citations, query_rows
from tests.e2e.conftest import StartBot

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
EDIT = r"^/webhooks/\d+/[^/]+/messages/@original$"
TITLE = "US calls for end to Russian-backed air strikes in Syria’s Idlib"


async def search(fake: FakeDiscord, query: str = "air strikes Idlib") -> InteractionHandle:
    return await fake.send_slash_command("search", {"query": query})


async def assert_answered(handle: InteractionHandle) -> None:
    """Acknowledged within 3 s, then the final answer with its citations."""
    message = await answer_of(handle, timeout=15)
    assert citations(message), message


def failed(fake: FakeDiscord, method: str, path: str, status: int) -> list[str]:
    return [r.path for r in fake.requests_matching(method, path) if r.status == status]


async def test_faults_survived(fake: FakeDiscord, start_bot: StartBot) -> None:
    bot = await start_bot()
    sent: list[InteractionHandle] = []

    # 1. A 429 with retry_after on the interaction callback: retried after retry_after.
    fake.fail_next("POST", CALLBACK, status=429, retry_after=0.5)
    sent.append(handle := await search(fake))
    await assert_answered(handle)
    assert len(failed(fake, "POST", CALLBACK, 429)) == 1
    assert handle.response_delay >= 0.5  # it did wait as told

    # 2. A 500 on the edit of the deferred response (the answer itself): retried.
    fake.fail_next("PATCH", EDIT, status=500)
    sent.append(handle := await fake.send_slash_command(
        "ask", {"question": "How many civilians were killed in ten days of air strikes?"}))
    await assert_answered(handle)
    assert len(failed(fake, "PATCH", EDIT, 500)) == 1

    # 3. A slow callback endpoint: that answer arrives late, others are not held up.
    fake.slow_route(CALLBACK, 1.0, method="POST", times=1)
    slow = await search(fake, "Aleppo withdrawal")
    other = await search(fake, "Astana talks")
    sent += [slow, other]
    await assert_answered(other)
    await assert_answered(slow)

    # 4. The websocket drops (close 4000): RESUME with the session id, replayed dispatches.
    ready = await fake.wait_for_frame(direction="out", event="READY")
    session_id = ready.d["session_id"]
    since = fake.mark()
    await fake.drop_connection(4000)
    sent.append(missed := await search(fake, "peace talks"))  # sent while disconnected
    resume = await fake.wait_for_resume(since=since)
    assert resume.d["session_id"] == session_id
    assert missed.seq is not None
    assert resume.d["seq"] == missed.seq - 1  # everything before the drop was seen
    resumed_with_token = bot.has_token(resume.d["token"])
    assert resumed_with_token
    await fake.wait_for_resumed(since=since)
    await assert_answered(missed)
    assert any(fr.replayed and fr.s == missed.seq for fr in fake.frames)
    sent.append(handle := await search(fake, "Lavrentyev"))
    await assert_answered(handle)

    # 5. INVALID_SESSION, not resumable: a fresh IDENTIFY (after discord.py's 5 s wait).
    since = fake.mark()
    await fake.send_invalid_session(resumable=False)
    identify = await fake.wait_for_identify(since=since, timeout=20)
    identified_with_token = bot.has_token(identify.d["token"])
    assert identified_with_token
    await fake.wait_for_ready(since=since)
    assert not fake.requests_matching("PUT", r"/commands$")[1:]  # no re-sync on reconnect
    sent.append(handle := await search(fake, "Idlib offensive"))
    await assert_answered(handle)

    # Everything was logged, once, without an error id.
    assert await bot.terminate() == 0
    rows = query_rows(bot.db)
    assert len(rows) == len(sent)
    assert sorted(r["command"] for r in rows) == sorted(
        h.payload["data"]["name"] for h in sent)
    assert all(r["error_id"] is None and r["found"] == 1 for r in rows), rows
    fake.assert_no_violations()

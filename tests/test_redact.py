"""The log filter: interaction tokens and the bot token never reach a handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logsafety
from bot.logsafety import REDACTED, RedactSecrets

BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
REAL_INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OmFiY2RlZmdoaWprbG1ub3A"
FAKE_TOKEN = "fake-Zm9vYmFyYmF6_quux-1234567890abcdefghij"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler has the filter installed, as ``main()`` installs it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    owner = logging.getLogger("test-redact-owner")
    owner.handlers = [handler]
    owner.setLevel(logging.DEBUG)
    owner.propagate = False
    logsafety.install(owner, environ={"DISCORD_TOKEN": BOT_TOKEN})
    try:
        yield owner, stream
    finally:
        owner.handlers = []


def test_webhook_and_callback_urls_keep_the_id_not_the_token() -> None:
    redact = RedactSecrets().redact
    assert redact(f"POST https://discord.com/api/v10/interactions/123/{FAKE_TOKEN}/callback "
                  "has returned 204") == (f"POST https://discord.com/api/v10/interactions/123/"
                                          f"{REDACTED}/callback has returned 204")
    assert redact(f"PATCH http://x/api/v10/webhooks/42/{FAKE_TOKEN}/messages/@original") == (
        f"PATCH http://x/api/v10/webhooks/42/{REDACTED}/messages/@original")
    assert redact(f"/webhooks/42/{FAKE_TOKEN}?wait=1") == f"/webhooks/42/{REDACTED}?wait=1"


def test_token_fields_real_tokens_and_bot_tokens() -> None:
    redact = RedactSecrets().redact
    event = {"t": "INTERACTION_CREATE", "d": {"id": "1", "token": FAKE_TOKEN}}
    assert FAKE_TOKEN not in redact(str(event))
    assert FAKE_TOKEN not in redact(f'{{"token": "{FAKE_TOKEN}"}}')
    assert redact(f"see {REAL_INTERACTION_TOKEN} here") == f"see {REDACTED} here"
    assert redact(f"Authorization: Bot {BOT_TOKEN}") == f"Authorization: Bot {REDACTED}"
    assert BOT_TOKEN not in redact(f"token={BOT_TOKEN}")
    assert redact("nothing secret: /channels/1/messages") == "nothing secret: /channels/1/messages"


def test_secrets_from_the_environment_are_looked_up_per_record() -> None:
    env: dict[str, str] = {}
    redactor = RedactSecrets(environ=env)
    assert redactor.redact("plain-secret-value") == "plain-secret-value"
    env["DISCORD_TOKEN"] = "plain-secret-value"  # a .env read after logging was set up
    assert redactor.redact("x plain-secret-value y") == f"x {REDACTED} y"


def test_messages_args_tracebacks_and_stacks_are_redacted(
        logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.debug("%s %s with %s has returned %s", "POST",
                 f"http://h/api/v10/interactions/9/{FAKE_TOKEN}/callback", None, 204)
    logger.debug("For Shard ID %s: WebSocket Event: %s", None, {"d": {"token": FAKE_TOKEN}})
    try:
        raise RuntimeError(f"failed on /webhooks/1/{FAKE_TOKEN}/messages/@original")
    except RuntimeError:
        logger.exception("request failed")
    logger.info("the bot token %s", BOT_TOKEN, stack_info=True)
    out = stream.getvalue()
    assert FAKE_TOKEN not in out and BOT_TOKEN not in out
    assert out.count(REDACTED) >= 4
    assert "Traceback" in out and "RuntimeError" in out


def test_install_once_per_handler(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, _ = logged
    logsafety.install(logger)
    for handler in logger.handlers:
        assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1


def test_a_broken_format_string_still_reaches_the_handler(
        logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, _ = logged
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "%d", ("x",), None)
    assert RedactSecrets().filter(record)

"""Secrets never reach the log: a filter that redacts them from every record.

At ``-vv`` discord.py and aiohttp log request URLs and gateway payloads, and those carry
secrets: interaction tokens (valid for 15 minutes: anyone holding one can answer, edit or
delete as the bot) in ``/interactions/<id>/<token>/callback`` and
``/webhooks/<application id>/<token>/...`` and in the ``"token"`` field of an
``INTERACTION_CREATE`` payload, and the bot token. :class:`RedactSecrets` rewrites each
record's message (arguments merged in), its traceback and its stack before any handler
formats it; :func:`install` puts it on every handler of the root logger, which every
library's records reach.

What is redacted: the paths above (the id is kept: it ties log lines together), ``token``
fields in JSON and in Python reprs, anything shaped like a bot token, Discord's interaction
tokens wherever they appear (they start with ``aW50ZXJhY3Rpb246``, "interaction:" in base64),
and the exact secrets it is given or finds in the environment (``DISCORD_TOKEN``, looked up
per record: a ``.env`` read after logging was set up still counts).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "<redacted>"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(/interactions/\d+/)[^/\s?#'\"]+"), rf"\1{REDACTED}"),
    (re.compile(r"(/webhooks/\d+/)[^/\s?#'\"]+"), rf"\1{REDACTED}"),
    # "token": "..." (JSON) and 'token': '...' (a dict's repr), also "resume token" fields.
    (re.compile(r"""(["']token["']\s*:\s*["'])[^"']*"""), rf"\1{REDACTED}"),
    # Authorization: Bot <token>
    (re.compile(r"(\bBot\s+)[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}"),
     rf"\1{REDACTED}"),
    # A bot token anywhere: base64(user id) . base64(timestamp) . HMAC.
    (re.compile(r"\b[A-Za-z0-9_\-]{23,28}\.[A-Za-z0-9_\-]{6,7}\.[A-Za-z0-9_\-]{27,}"), REDACTED),
    # Discord's interaction tokens: base64url of "interaction:<id>:<secret>".
    (re.compile(r"aW50ZXJhY3Rpb246[A-Za-z0-9_\-]+"), REDACTED),
)

SECRET_ENV = ("DISCORD_TOKEN",)


class RedactSecrets(logging.Filter):
    """Redacts secrets from a record's message, traceback and stack (see the module)."""

    def __init__(
        self, secrets: Iterable[str] = (), *, environ: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._environ = environ
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Redact this exact string too (short strings are ignored: they would redact
        ordinary words)."""
        secret = secret.strip()
        if len(secret) >= 8:
            self._secrets.add(secret)

    def secrets(self) -> set[str]:
        found = set(self._secrets)
        if self._environ is not None:
            for name in SECRET_ENV:
                value = (self._environ.get(name) or "").strip()
                if len(value) >= 8:
                    found.add(value)
        return found

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: leave it to the handler
            return True
        cleaned = self.redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # What Formatter.format would cache there, redacted first.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(
    logger: logging.Logger | None = None, *, environ: Mapping[str, str] | None = None
) -> RedactSecrets:
    """Put one :class:`RedactSecrets` (watching the secrets in ``environ``, by default the
    process environment) on every handler of ``logger`` (the root logger by default) and
    return it."""
    redactor = RedactSecrets(environ=os.environ if environ is None else environ)
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(redactor)
    return redactor

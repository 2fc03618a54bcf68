"""Starting and stopping the real bot process (``python -m bot run``) against a FakeDiscord.

The bot is started exactly as a user starts it: ``archive-bot run --config <file>`` with the
token and the Discord URLs in the environment. Its stderr (the log, at INFO with ``-v``) goes
to a file, read back for debugging when a test fails; the token is never printed (it is
scrubbed from anything shown).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.testing.fakediscord import FakeDiscord, InteractionHandle

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
DEFERRED = 5  # interaction callback type: deferred channel message
STOP_TIMEOUT = 20.0  # the bot drains handlers for up to 10 s before closing


def fake_token(application_id: str) -> str:
    """A token of the right shape: base64url(app id) . base64url(6 bytes) . base64url(27 bytes)."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return ".".join((b64(application_id.encode()), b64(secrets.token_bytes(6)),
                     b64(secrets.token_bytes(27))))


def write_config(path: Path, *, index: Path, querylog: Path, guild_id: str,
                 archive: Path = SEEDS, discord: Mapping[str, Any] | None = None,
                 querylog_settings: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """A config file: the archive (the repo's seeds), this index and query log, commands
    synced to the guild.

    The Discord URLs are deliberately *not* here: they come from the environment, as the
    issue requires (``DISCORD_API_BASE_URL`` / ``DISCORD_GATEWAY_URL``).
    """
    data = {
        "archive": {"path": str(archive)},
        "index": {"path": str(index)},
        "querylog": {"path": str(querylog), "flush_interval_seconds": 0.2,
                     **(querylog_settings or {})},
        "discord": {"guild_ids": [int(guild_id)], "cooldown_rate": 1000,
                    "cooldown_seconds": 1.0, **(discord or {})},
    }
    for section, values in (settings or {}).items():  # any other settings, by section
        data.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class BotProcess:
    """One ``python -m bot run`` child process talking to ``fake``."""

    def __init__(self, fake: FakeDiscord, config: Path, token: str, workdir: Path,
                 db: Path, name: str = "bot", verbose: str = "-v") -> None:
        self.fake, self.config, self.token, self.workdir = fake, config, token, workdir
        self.db = db  # the query log (SQLite), read after the process exited
        self.verbose = verbose  # "-v": INFO; "-vv": DEBUG (discord.py's request and event logs)
        self.stderr_path = workdir / f"{name}.stderr.log"
        self.proc: asyncio.subprocess.Process | None = None
        self._stderr_file: Any = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DISCORD_", "ARCHIVE_BOT_"))}
        env.update({
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE_URL": self.fake.api_base_url,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
            "PYTHONUNBUFFERED": "1",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(self.workdir / "mpl"),
        })
        return env

    async def start(self) -> BotProcess:
        self._stderr_file = self.stderr_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", self.verbose, "run", "--config", str(self.config),
            env=self.env(), cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL,
            stdout=self._stderr_file, stderr=self._stderr_file,
        )
        return self

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    async def wait_ready(self, timeout: float = 20.0, since: int = 0,
                         shards: Sequence[int] = ()) -> None:
        """Wait until the fake sent READY + GUILD_CREATE (on each of ``shards``' sessions,
        when given); fail fast if the bot exits first."""
        assert self.proc is not None, "start() first"
        ready = asyncio.create_task(self._ready(timeout, since, shards))
        exited = asyncio.create_task(self.proc.wait())
        try:
            await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                raise AssertionError(
                    f"the bot exited with {self.proc.returncode} before READY:\n{self.stderr()}"
                )
            ready.result()
        finally:
            for task in (ready, exited):
                task.cancel()
            await asyncio.gather(ready, exited, return_exceptions=True)

    async def _ready(self, timeout: float, since: int, shards: Sequence[int]) -> None:
        if not shards:
            await self.fake.wait_for_ready(timeout=timeout, since=since)
        for shard in shards:
            await self.fake.wait_for_shard_ready(shard, timeout=timeout, since=since)

    async def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as a supervisor stops it; the exit status (waits for the exit)."""
        assert self.proc is not None, "start() first"
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        self._close_file()
        return code

    async def kill(self) -> None:
        """Make sure the process is gone (fixture teardown, even after a failure)."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.proc.wait(), 10)
        self._close_file()

    def _close_file(self) -> None:
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def has_token(self, value: object) -> bool:
        """Whether ``value`` is this bot's token (assert on the result: never on the token
        itself, whose value pytest would print on a failure)."""
        return isinstance(value, str) and hmac.compare_digest(value, self.token)

    def stderr(self) -> str:
        """The bot's log so far, with the token scrubbed."""
        try:
            text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no stderr)"
        return text.replace(self.token, "<token>")


def synthetic_archive(folder: Path, documents: int, paragraphs: int = 20) -> Path:
    """The seeds plus ``documents`` made-up articles (one jsonl file) of ``paragraphs`` seed
    paragraphs each: an archive big enough for a reindex to take a while."""
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("README*"))
    pool = [block for path in sorted(SEEDS.glob("*.txt"))
            for block in path.read_text(encoding="utf-8").split("\n\n") if len(block) > 120]
    rng = random.Random(20181605)
    with (folder / "synthetic.jsonl").open("w", encoding="utf-8") as out:
        for i in range(documents):
            text = "\n\n".join(rng.choice(pool) for _ in range(paragraphs))
            out.write(json.dumps({"id": f"synthetic-{i:05d}", "title": f"Synthetic dispatch {i}",
                                  "date": "2015-06-01", "source": "Synthetic Wire",
                                  "text": text}) + "\n")
    return folder


# Words found nowhere in the seeds: searches for seed topics never match filler text.
_FIRST = "Zorvan Maelis Quendra Ithar Belkor Sunniva Orrick Tamsel Yvaine Corwith".split()
_LAST = "Halvardsen Okonkwo Mirrowby Quillfeather Dunmarrow Estervane".split()
_PLACES = "Tarsk Velmora Quillhaven Ostmark Brindleford Carrowmere Eskdale".split()
_NOUNS = "granary caravan orchard ledger lantern windmill aqueduct beehive tannery".split()
_VERBS = "counted mended carried painted weighed ferried stacked polished".split()


def filler_text(size: int, seed: int = 5) -> str:
    """About ``size`` characters of made-up sentences (names, places, numbers) on one line."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = (f"{rng.choice(_FIRST)} {rng.choice(_LAST)} noted that the "
                    f"{rng.choice(_NOUNS)} near {rng.choice(_PLACES)} was {rng.choice(_VERBS)} "
                    f"by {rng.randint(2, 900)} {rng.choice(_NOUNS)}s on the "
                    f"{rng.randint(1, 28)}th day of the harvest.")
        parts.append(sentence)
        total += len(sentence) + 1
    return " ".join(parts)


def build_index(config: Path, cwd: Path) -> None:
    """``archive-bot index --config <config>`` (blocking; session fixtures)."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "index", "--config", str(config)],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, f"archive-bot index failed:\n{done.stdout}\n{done.stderr}"


def query_rows(db: Path, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of the ``queries`` table (read after the bot exited)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        sql = "SELECT * FROM queries" + (f" WHERE {where}" if where else "") + " ORDER BY id"
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


# --- reading what the bot sent --------------------------------------------------------------

DEADLINE = 3.0  # Discord's window for the initial interaction response
_CITATION = re.compile(r"^\*\*\[(?P<n>\d+)\]\*\* (?P<title>.+?) — (?:[^\n]*?, )?¶(?P<para>\d+)",
                       re.MULTILINE)


async def answer_of(handle: InteractionHandle, timeout: float = 10.0) -> dict[str, Any]:
    """The message a slash command ended with: the callback within Discord's 3 s, then,
    after a deferral (type 5), the edit of ``@original``. Returns the fake's stored message."""
    callback = await handle.wait_response(timeout)
    assert handle.response_delay < DEADLINE, f"answered after {handle.response_delay:.2f} s"
    if callback.json["type"] == DEFERRED:
        await handle.wait_edit(timeout)
    assert handle.original is not None, f"no message for callback {callback.json}"
    return handle.original


def text_of(message: Mapping[str, Any]) -> str:
    """Content plus every embed's title, description, fields and footer, one per line."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for fld in embed.get("fields") or []:
            parts += [fld.get("name") or "", fld.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("\u200b", ""))


def citations(message: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(title, paragraph)`` of every citation line (``**[n]** Title — Source, date, ¶p``)."""
    out = []
    for match in _CITATION.finditer(text_of(message)):
        title = unescape(match["title"])
        link = re.fullmatch(r"\[(.+)\]\(\S+\)", title)  # [Title](url) when the doc has a URL
        out.append((link[1] if link else title, int(match["para"])))
    return out


def buttons(message: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by label."""
    out = {}
    for row in message.get("components") or []:
        for comp in row.get("components") or []:
            if comp.get("type") == 2:
                out[comp.get("label")] = comp
    return out

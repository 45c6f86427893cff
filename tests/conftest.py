"""Session fixtures shared by every test: store URLs on SQLite and on a real PostgreSQL.

The PostgreSQL server is started once per test session from the machine's own binaries
(``initdb``/``pg_ctl``: found through ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin`` or
PATH) in a temporary directory, on a free port, with fsync off, and stopped at the end. As root
it runs as the ``postgres`` user, because PostgreSQL refuses to run as root. Each test that asks
for a PostgreSQL URL gets a database of its own. Where the binaries are missing the PostgreSQL
tests skip and say why; where they exist but fail to start, the tests fail with the server log.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Where the test session's PostgreSQL start-up time is kept for the terminal summary.
_STARTUP_KEY = pytest.StashKey[str]()
_database_numbers = itertools.count(1)


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away PostgreSQL server (trust authentication, user ``postgres``)."""

    host: str
    port: int
    version: str

    def url(self, database: str = "postgres", schema: str | None = None) -> str:
        """SQLAlchemy URL of ``database`` on this server, optionally confined to ``schema``."""
        url = f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"
        # libpq's "options" sets the search_path, so every unqualified table lives in ``schema``.
        return f"{url}?options=-csearch_path%3D{schema}" if schema else url

    def admin(self, sql: str) -> None:
        """Run one statement on the ``postgres`` database, outside a transaction."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(b"SET lock_timeout = '10s'")
            conn.execute(sql.encode())


def _find_binaries() -> tuple[str, str] | None:
    """``(initdb, pg_ctl)`` paths, or ``None`` when this machine has no PostgreSQL server."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(
        versions, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True
    )
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return str(bindir / "initdb"), str(bindir / "pg_ctl")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return (initdb, pg_ctl) if initdb and pg_ctl else None


def _run_as_prefix(base: Path) -> list[str]:
    """``runuser -u postgres --`` as root (and hand ``base`` to that user); nothing otherwise."""
    if os.geteuid() != 0:
        return []
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL refuses to run as root and this machine has no 'postgres' user")
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL refuses to run as root and 'runuser' is not installed")
    for path in [base, *base.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)
    return [runuser, "-u", "postgres", "--"]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], log: Path | None = None) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"}
    )
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        pytest.fail(
            f"PostgreSQL for the tests did not start: {' '.join(command)} exited "
            f"{done.returncode}\n{done.stderr[-2000:]}\n{server_log}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """Start a real PostgreSQL for the session; stop it and delete its files at the end."""
    binaries = _find_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found via pg_config, "
            "/usr/lib/postgresql/*/bin or PATH; install them with: apt-get install -y postgresql"
        )
    initdb, pg_ctl = binaries
    # Not pytest's tmp_path: its parents are mode 0700 root-owned, out of the postgres user's reach.
    base = Path(tempfile.mkdtemp(prefix="changegate-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    prefix = _run_as_prefix(base)
    port = _free_port()
    # A session killed by `timeout` or CI gets SIGTERM, which would skip the teardown and leave
    # the server running; as a KeyboardInterrupt it unwinds through the `finally` below.
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    try:
        _run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--no-locale",
                "-E",
                "UTF8",
            ]
        )
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        _run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(log),
                "-o",
                options,
                "start",
            ],
            log,
        )
        elapsed = time.perf_counter() - started
        version = (data / "PG_VERSION").read_text().strip()
        request.config.stash[_STARTUP_KEY] = (
            f"PostgreSQL {version} for the store tests: initdb + start took {elapsed:.2f} s "
            f"(port {port})"
        )
        yield PostgresServer("127.0.0.1", port, version)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "stop", "-m", "immediate"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the session server's ``postgres`` database (for tests that manage their own)."""
    return postgres_server.url()


@pytest.fixture
def postgres_db_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty store on the session server, removed after the test.

    Each test gets a schema of its own (the URL's search_path points at it), which isolates it
    like a new database does: CREATE DATABASE costs about 0.4 s here, CREATE SCHEMA almost
    nothing.
    """
    schema = f"test_{os.getpid()}_{next(_database_numbers)}"
    postgres_server.admin(f'CREATE SCHEMA "{schema}"')
    yield postgres_server.url(schema=schema)
    postgres_server.admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store in a directory that does not exist yet (``open_store`` creates it)."""
    return f"sqlite:///{tmp_path / 'state' / 'changegate.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest) -> str:
    """An empty store URL, once on SQLite and once on the session's PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_db_url"
    return str(request.getfixturevalue(fixture))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how long the session's PostgreSQL took to start, when one was started."""
    line = terminalreporter.config.stash.get(_STARTUP_KEY, None)
    if line:
        terminalreporter.write_line(line)

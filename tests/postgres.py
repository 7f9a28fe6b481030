"""Throwaway PostgreSQL clusters for tests (Debian's `postgresql` package).

`initdb` in a temporary folder, a free port on 127.0.0.1, `pg_ctl` to start and stop; as
root both run as the `postgres` user (initdb refuses root). When the server programs are
missing the tests are skipped, except under CI (`CI` set), where a skip would hide that
nothing was tested: there they fail, and `.ci/run` installs the package first.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["PostgresCluster", "own_postgres", "pg_url", "postgres"]

_names = itertools.count(1)


def _bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _required() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """One cluster in a temporary folder, trusting local connections."""

    def __init__(self) -> None:
        """Create the cluster (initdb); `start` runs it.

        Raises:
            RuntimeError: The server programs are missing or initdb failed.
        """
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server programs not found (apt-get install postgresql)")
        self.bindir = bindir
        # Short path under /tmp: the socket path must fit in 107 bytes, and the postgres
        # user must be able to reach it (pytest's own folders are root-only).
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        # --no-sync: a throwaway cluster need not wait for its files to reach the disk
        # (seconds on a busy one).
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60 -c shared_buffers=16MB"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: open connections are cut, as in an outage)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop")

    def url(self, database: str = "postgres") -> str:
        """A URL for one database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create a new, empty database and return its URL."""
        import psycopg

        name = f"faqbot_test_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        """Stop (if running) and delete the cluster's folder."""
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")  # a throwaway cluster needs no clean shutdown
        shutil.rmtree(self.root, ignore_errors=True)


def _cluster_or_skip() -> PostgresCluster:
    try:
        cluster = PostgresCluster()
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if _required():
            pytest.fail(f"PostgreSQL is required under CI but could not start: {exc}")
        pytest.skip(f"no PostgreSQL server here: {exc}")
    return cluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One cluster for the whole session (each test gets its own database)."""
    cluster = _cluster_or_skip()
    yield cluster
    cluster.remove()


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    """The URL of a fresh, empty database."""
    return postgres.create_database()


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A cluster of the test's own, which it may stop and start (outage tests)."""
    cluster = _cluster_or_skip()
    yield cluster
    cluster.remove()

"""A throwaway PostgreSQL server on loopback for the tests.

The KPI suite runs on PostgreSQL too. The tests start a cluster of their own with the
machine's PostgreSQL programs (``initdb``, ``pg_ctl``: on the ``PATH``, else Debian's
``/usr/lib/postgresql/<version>/bin``) in a temporary folder, on a free port of
127.0.0.1, with trust authentication and no durability (``fsync=off``), and stop it when
the session ends. ``initdb`` refuses to run as root: as root, the cluster belongs to the
``postgres`` user, as Debian's package creates it.

Without those programs the PostgreSQL tests are skipped, unless
``SUPPORTKPI_REQUIRE_POSTGRES`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REQUIRE = "SUPPORTKPI_REQUIRE_POSTGRES"
USER = "supportkpi"


class Unavailable(RuntimeError):
    """PostgreSQL's server programs are not on this machine."""


def _bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    raise Unavailable("PostgreSQL's initdb is neither on the PATH nor in /usr/lib/postgresql")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    folder: Path
    port: int
    bindir: Path
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(
            self.url.replace("postgres://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{name}"')  # name chosen by the tests, never user text
        return self.database_url(name)

    def stop(self) -> None:
        pg_ctl = [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data")]
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """Start a fresh cluster; raises :class:`Unavailable` when PostgreSQL is not installed."""
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="supportkpi-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise Unavailable("running as root and there is no 'postgres' user") from exc
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    initdb = [*run_as, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER]
    subprocess.run([*initdb, "-E", "UTF8", "--no-sync", "--locale", "C"], check=True,
                   capture_output=True)  # fmt: skip
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC"
    )
    pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", options]
    log = ["-l", str(folder / "server.log")]
    subprocess.run([*pg_ctl, *log, "-w", "-t", "60", "start"], check=True, capture_output=True)
    return Server(folder, port, bindir, run_as)

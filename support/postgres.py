"""A throw-away PostgreSQL cluster (Debian's package) on a free loopback port, for the tests
and the benchmarks.

``initdb`` refuses to run as root, so when this process is root the cluster is made and
run as the ``postgres`` user (``runuser``), in a temporary directory that user owns.
Authentication is ``trust`` on loopback; the URL is ``postgresql://postgres@127.0.0.1:<port>/postgres``.
``durable=False`` (the tests) turns fsync off; the benchmark keeps PostgreSQL's defaults.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from dashboard.redis_server import free_port
from support.processes import wait_for

DEBIAN_BIN = "/usr/lib/postgresql/*/bin"


def postgres_bin() -> Path:
    """The newest of Debian's PostgreSQL binaries directories."""
    found = sorted(glob.glob(DEBIAN_BIN), key=lambda p: int(Path(p).parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `make postgres` installs Debian's package")
    return Path(found[-1])


class PostgresCluster:
    """``initdb`` + ``postgres`` in a temporary directory; :meth:`stop` removes it."""

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cn-postgres-"))
        self.data = self.root / "data"
        self.durable = durable
        self.process: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresCluster:
        """Make the cluster and start it."""
        subprocess.run([*self._as, str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        return self.resume()

    def resume(self) -> PostgresCluster:
        """Start the server on the cluster (again, after :meth:`halt`), on the same port."""
        options = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
                   "-c", "max_connections=50", "-c", "shared_buffers=128MB"]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        with (self.root / "postgres.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*self._as, str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 *options], stdout=log, stderr=subprocess.STDOUT)

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'postgres.log').read_text()[-2000:]}")
            done = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                  capture_output=True)
            return done.returncode == 0

        wait_for(ready, 30, interval=0.1, message="PostgreSQL accepting connections")
        return self

    def halt(self) -> None:
        """A fast shutdown (SIGINT to the postmaster named in ``postmaster.pid``: open
        connections are ended); the cluster stays for :meth:`resume`."""
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(postmaster, signal.SIGINT)
        if self.process is not None:
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None

    def stop(self) -> None:
        """:meth:`halt`, then the directory goes."""
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

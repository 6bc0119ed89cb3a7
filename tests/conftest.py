"""Shared fixtures: a real redis-server on a free port, real dashboard processes.

Every dashboard process gets its own users file (a copy of one made once per session, so
argon2 hashing is paid once) with these users and one wall token:

* ``admin`` (admin), ``officer`` (officer, whole district), ``jiangsu`` (officer scoped to
  江苏路街道), ``visitor`` (visitor); passwords in :data:`PASSWORDS`;
* a wall token for a 1920×1080 wall (``DashboardProcess.wall_token``), which the wall URL
  and the /live URL of a process carry, as a kiosk's would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from dashboard.redis_server import EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PASSWORDS = {"admin": "admin-pass-1", "officer": "officer-pass-1", "jiangsu": "jiangsu-pass-1",
             "visitor": "visitor-pass-1"}
_TEMPLATE: dict[str, Any] = {}


def users_template() -> tuple[Path, str]:
    """The session's users file (made on first use) and its wall token."""
    if not _TEMPLATE:
        from dashboard.auth import UserStore

        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"users-template-{os.getpid()}.json"
        path.unlink(missing_ok=True)
        store = UserStore(path)
        store.create()
        store.add_user("admin", "admin", PASSWORDS["admin"])
        store.add_user("officer", "officer", PASSWORDS["officer"])
        store.add_user("jiangsu", "officer", PASSWORDS["jiangsu"], scope="jiangsulu")
        store.add_user("visitor", "visitor", PASSWORDS["visitor"])
        _TEMPLATE.update(path=path, token=store.add_wall("test-wall", "1920x1080"))
    return _TEMPLATE["path"], _TEMPLATE["token"]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
             message: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
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


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    """One redis-server for the session; tests get it flushed (see ``redis_url``)."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def rclient(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def with_query(url: str, raw: str = "", **params: str | None) -> str:
    """``url`` with query parameters added (``None`` values skipped), whatever it holds."""
    parts = [raw.lstrip("?&")] if raw else []
    parts += [f"{k}={v}" for k, v in params.items() if v is not None]
    if not parts:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(parts)


class DashboardProcess:
    """``python -m dashboard run`` as a child process on a free port."""

    def __init__(self, redis_url: str, **env: Any) -> None:
        self.port = free_port()
        self.redis_url = redis_url
        template, self.wall_token = users_template()
        self.users_file = ARTIFACTS / f"users-{self.port}.json"
        shutil.copyfile(template, self.users_file)
        self.audit_spool = ARTIFACTS / f"audit-spool-{self.port}.jsonl"
        self.audit_spool.unlink(missing_ok=True)
        self.env = {**os.environ, "CN_REDIS_URL": redis_url, "CN_PORT": str(self.port),
                    "CN_LOG_LEVEL": "warning", "CN_USERS_FILE": str(self.users_file),
                    "CN_AUDIT_SPOOL": str(self.audit_spool), **{k: str(v) for k, v in env.items()}}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = ARTIFACTS / f"dashboard-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The /live URL a wall device uses, with its token (add parameters with
        :func:`with_query`)."""
        return f"ws://127.0.0.1:{self.port}/live?token={self.wall_token}"

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
        ARTIFACTS.mkdir(exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "run"], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.health(timeout=1.0), timeout, message=f"dashboard on {self.port}")
        return self

    def health(self, timeout: float = 5.0) -> dict[str, Any]:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"dashboard exited with {self.process.returncode}; "
                               f"see {self.log_path}")
        return httpx.get(f"{self.url}/healthz", timeout=timeout).json()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def dashboards(redis_url: str) -> Iterator[Callable[..., DashboardProcess]]:
    """Factory: ``dashboards(**env)`` starts a dashboard on the test's Redis."""
    started: list[DashboardProcess] = []

    def start(url: str | None = None, **env: Any) -> DashboardProcess:
        process = DashboardProcess(url or redis_url, **env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        with contextlib.suppress(Exception):
            process.stop()


@pytest.fixture
def dashboard(dashboards: Callable[..., DashboardProcess]) -> DashboardProcess:
    return dashboards()


def metric(url: str, name: str) -> float:
    """The value of one sample from a /metrics endpoint (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return 0.0

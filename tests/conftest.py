"""Shared fixtures: a real redis-server on a free port, real dashboard processes."""

from __future__ import annotations

import contextlib
import os
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
        self.env = {**os.environ, "CN_REDIS_URL": redis_url, "CN_PORT": str(self.port),
                    "CN_LOG_LEVEL": "warning", **{k: str(v) for k, v in env.items()}}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = ARTIFACTS / f"dashboard-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The /live URL a wall device uses (add parameters with :func:`with_query`)."""
        return f"ws://127.0.0.1:{self.port}/live"

    def live_url(self, scope: str | None = None) -> str:
        return with_query(self.ws_url, scope=scope)

    def wall_url(self, query: str = "") -> str:
        """The wall page as a kiosk opens it; ``query`` like ``"lang=en&wall=5760x1080"``."""
        return with_query(f"{self.url}/", raw=query)

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

"""Shared fixtures: a real redis-server on a free port, real dashboard processes.

The processes, their users and wall token, and ``wait_for`` are in
:mod:`support.processes`, which the benchmarks use too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from dashboard.redis_server import EmbeddedRedis
from support.processes import DashboardProcess


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

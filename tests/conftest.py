"""Shared fixtures: a real redis-server on a free port, real dashboard processes.

Two kinds of dashboard:

* ``dashboard`` / ``dashboards(**env)``: fresh processes for one test, on the session's
  Redis, which is flushed before every test (``redis_url``, ``rclient``);
* ``shared_dashboard``: one process per module with default settings, on a Redis of
  the module's own (``shared_rclient``) that is never flushed while the module runs.
  Starting a dashboard costs about two seconds, so tests that only need *a* dashboard
  share it; in exchange they write ids of their own and count from what was there
  before (``DashboardProcess.applied()``), never from zero.

The processes, their users and wall token, and ``wait_for`` are in
:mod:`support.processes`, which the benchmarks use too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis
from support.processes import DashboardProcess


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    """One redis-server for the session; tests get it flushed (see ``redis_url``)."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    client = sync_client(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def rclient(redis_url: str) -> Iterator[redis.Redis]:
    client = sync_client(redis_url)
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
    for process in started:  # all at once: each takes a moment to shut down
        process.interrupt()
    for process in started:
        with contextlib.suppress(Exception):
            process.stop()


@pytest.fixture
def dashboard(dashboards: Callable[..., DashboardProcess]) -> DashboardProcess:
    """A fresh dashboard of the test's own (default settings) on the flushed Redis."""
    return dashboards()


@pytest.fixture(scope="module")
def module_redis() -> Iterator[EmbeddedRedis]:
    """The shared dashboard's redis-server: one per module, never flushed meanwhile."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture(scope="module")
def shared_dashboard(module_redis: EmbeddedRedis) -> Iterator[DashboardProcess]:
    """One dashboard (default settings) for the module's tests that ask for it; its state
    and its Redis carry over from test to test (see the module docstring)."""
    process = DashboardProcess(module_redis.url).start()
    yield process
    process.stop()


@pytest.fixture
def shared_rclient(module_redis: EmbeddedRedis) -> Iterator[redis.Redis]:
    """A client of the shared dashboard's Redis."""
    client = sync_client(module_redis.url)
    yield client
    client.close()

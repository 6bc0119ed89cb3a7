"""Restarts: snapshot + replay, twins agree, Redis going away loses nothing."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator

import pytest
import redis

from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis
from support.log import xadd_all
from support.processes import DashboardProcess, metric, wait_for
from tests.integration.streams import mixed_events

FAST_SNAPSHOTS = {"CN_SNAPSHOT_EVERY_S": "1", "CN_SNAPSHOT_EVERY_EVENTS": "500"}
CATCH_UP_S = 30  # generous: thousands of events replayed on a busy machine


def settled(dashboard: DashboardProcess, client: redis.Redis) -> Callable[[], dict | None]:
    """Health once the instance has applied the log's last entry."""
    def check() -> dict | None:
        last = client.xinfo_stream("cn:events")["last-generated-id"].decode()
        health = dashboard.health(digest=True)
        return health if health["last_id"] == last else None
    return check


def test_two_instances_on_one_log_report_the_same_digest(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """Two instances started on the same log agree on the digest after the same last id."""
    xadd_all(rclient, mixed_events(3000))
    first = dashboards()
    second = dashboards()
    xadd_all(rclient, mixed_events(2000, offset=3000))
    a = wait_for(settled(first, rclient), timeout=CATCH_UP_S, message="first caught up")
    b = wait_for(settled(second, rclient), timeout=CATCH_UP_S, message="second caught up")
    assert (a["applied"], a["digest"]) == (b["applied"], b["digest"])
    assert a["applied"] == 5000


def test_restart_restores_snapshot_and_replays_to_same_digest(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """An instance killed and restarted (snapshot + replay) matches a twin that kept running."""
    twin = dashboards(**FAST_SNAPSHOTS)
    victim = dashboards(**FAST_SNAPSHOTS)
    xadd_all(rclient, mixed_events(4000))
    wait_for(settled(victim, rclient), timeout=CATCH_UP_S, message="victim caught up")
    wait_for(lambda: rclient.hget("cn:snapshot", "id"), message="a snapshot")
    victim.kill()
    xadd_all(rclient, mixed_events(3000, offset=4000))
    victim.start()
    restored = wait_for(settled(victim, rclient), timeout=CATCH_UP_S, message="victim replayed")
    kept = wait_for(settled(twin, rclient), timeout=CATCH_UP_S, message="twin caught up")
    assert restored["snapshot_id"] != "0-0"
    assert (restored["applied"], restored["digest"]) == (kept["applied"], kept["digest"])
    assert restored["applied"] == 7000


def test_an_instance_left_behind_a_log_trim_reloads_the_snapshot(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """An instance paused while its twin snapshots and trims the log must not skip the
    trimmed entries on waking up: it reloads the newest snapshot and ends equal to the twin."""
    settings = {"CN_SNAPSHOT_EVERY_S": "1", "CN_SNAPSHOT_EVERY_EVENTS": "500", "CN_LOG_MAX_LEN": "1000"}
    twin, sleeper = dashboards(**settings), dashboards(**settings)
    xadd_all(rclient, mixed_events(600))
    paused_at = wait_for(settled(sleeper, rclient), timeout=CATCH_UP_S,
                         message="sleeper caught up")["last_id"]
    assert sleeper.process is not None
    sleeper.process.send_signal(signal.SIGSTOP)
    try:
        xadd_all(rclient, mixed_events(6000, offset=600))
        last = wait_for(settled(twin, rclient), timeout=CATCH_UP_S, message="twin caught up")["last_id"]
        wait_for(lambda: rclient.hget("cn:snapshot", "id") == last.encode(), timeout=CATCH_UP_S,
                 message="the twin's snapshot of everything")  # no further trim after this

        def trimmed_past_the_sleeper() -> bool:
            head = rclient.xrange("cn:events", count=1)[0][0].decode()
            return tuple(map(int, head.split("-"))) > tuple(map(int, paused_at.split("-")))

        wait_for(trimmed_past_the_sleeper, timeout=CATCH_UP_S, message="the twin trimmed the log")
    finally:
        sleeper.process.send_signal(signal.SIGCONT)
    woke = wait_for(settled(sleeper, rclient), timeout=CATCH_UP_S, message="sleeper caught up again")
    kept = wait_for(settled(twin, rclient), timeout=CATCH_UP_S, message="twin settled")
    assert (woke["applied"], woke["digest"]) == (kept["applied"], kept["digest"]) == (6600, kept["digest"])
    assert metric(sleeper.url, "cn_log_trim_gaps_total") == 1


@pytest.fixture
def persistent_redis() -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(persistent=True).start()
    yield server
    server.cleanup()


def test_redis_restart_mid_stream_loses_nothing(
    dashboards: Callable[..., DashboardProcess], persistent_redis: EmbeddedRedis
) -> None:
    """Redis killed and restarted mid-stream: every event applied exactly once."""
    client = sync_client(persistent_redis.url)
    dashboard = dashboards(persistent_redis.url)
    xadd_all(client, mixed_events(2000))
    wait_for(settled(dashboard, client), timeout=CATCH_UP_S, message="first half applied")
    persistent_redis.kill()
    wait_for(lambda: dashboard.health()["redis"] == "down", message="redis reported down")
    assert dashboard.health()["applied"] == 2000  # still serving its last state
    persistent_redis.start()
    client = sync_client(persistent_redis.url)
    xadd_all(client, mixed_events(2000, offset=2000))
    health = wait_for(settled(dashboard, client), timeout=CATCH_UP_S, message="caught up after restart")
    assert health["redis"] == "up" and health["applied"] == 4000
    fresh = dashboards(persistent_redis.url)
    replica = wait_for(settled(fresh, client), timeout=CATCH_UP_S, message="fresh replica")
    assert replica["digest"] == health["digest"]

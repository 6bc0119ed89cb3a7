"""Restart recovery: a snapshot plus 100,000 events to replay.

100,000 events are XADDed; a dashboard with ``CN_SNAPSHOT_EVERY_S=1`` applies them and
writes a snapshot covering all of them; it is stopped; 100,000 more are XADDed; a new
dashboard is spawned and timed until /healthz reports all 200,000 applied.  The
reference is the same restart without a snapshot (the whole log replayed).

Budget (DESIGN.md): restart with snapshot + 100,000 events to replay: state restored <= 5 s.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from bench.common import (
    SNAPSHOT_KEY,
    Budget,
    Dashboard,
    Row,
    district_events,
    fresh_redis,
    progress,
    running,
    wait_for,
    xadd_pipelined,
)

RESTORE_BUDGET = Budget("<=", 5.0, "<= 5 s")


def _timed_start(url: str, count: int) -> dict[str, Any]:
    """Spawn a dashboard, wait until ``count`` entries are applied; the timings."""
    with running(Dashboard(url)) as dashboard:
        dashboard.start(timeout=120)
        dashboard.wait_applied(count)
        health = dashboard.health(digest=True)
        assert dashboard.spawned_at is not None
        wall = time.monotonic() - dashboard.spawned_at
        return {"spawn_to_restored_s": wall, "restore_seconds_metric": dashboard.metric("cn_restore_seconds"),
                "rss_bytes": dashboard.rss_bytes(), "health": health}


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    half = 20_000 if quick else 100_000
    events = district_events(2 * half)
    with fresh_redis() as (server, client):
        first_last = xadd_pipelined(client, events[:half])
        progress(f"restart: {half:,} events in the log; first dashboard, snapshot every 1 s")
        with running(Dashboard(server.url, CN_SNAPSHOT_EVERY_S=1)) as first:
            first.start(timeout=120)
            first.wait_applied(half)
            wait_for(lambda: _snapshot_id(client) == first_last, 60, interval=0.05,
                     message=f"a snapshot at {first_last}")
            snapshot_bytes = first.metric("cn_snapshot_bytes")
        compressed = client.hstrlen(SNAPSHOT_KEY, "state")
        second_last = xadd_pipelined(client, events[half:])
        progress(f"restart: snapshot at {first_last} ({snapshot_bytes / 2**20:.1f} MB JSON, "
                 f"{compressed / 2**20:.1f} MB stored); {half:,} more XADDed; restarting")
        restored = _timed_start(server.url, 2 * half)
        progress(f"restart: restored in {restored['spawn_to_restored_s']:.2f} s from spawn "
                 f"(restore {restored['restore_seconds_metric']:.2f} s); reference: no snapshot")
        client.delete(SNAPSHOT_KEY)
        cold = _timed_start(server.url, 2 * half)
        progress(f"restart: without snapshot {cold['spawn_to_restored_s']:.2f} s from spawn")
    for record in (restored, cold):
        if record["health"]["last_id"] != second_last or record["health"]["applied"] != 2 * half:
            raise RuntimeError(f"restart did not reach {2 * half} applied at {second_last}: "
                               f"{record['health']}")
    if restored["health"]["snapshot_id"] != first_last:
        raise RuntimeError(f"restart did not start from the snapshot {first_last}: {restored['health']}")
    if restored["health"]["digest"] != cold["health"]["digest"]:
        raise RuntimeError("snapshot restore and full replay disagree on the state digest")
    data = {"events_before_snapshot": half, "events_to_replay": half, "snapshot_id": first_last,
            "snapshot_json_bytes": snapshot_bytes, "snapshot_stored_bytes": compressed,
            "with_snapshot": restored, "without_snapshot": cold}
    ref = "no snapshot: full replay"
    rows = [
        Row("restart.spawn_to_restored", f"restart, snapshot + {half:,} to replay: spawn → restored",
            "s", restored["spawn_to_restored_s"], cold["spawn_to_restored_s"], ref, RESTORE_BUDGET),
        Row("restart.restore", "  restore only (cn_restore_seconds)", "s",
            restored["restore_seconds_metric"], cold["restore_seconds_metric"], ref, RESTORE_BUDGET),
    ]
    return rows, data


def _snapshot_id(client: redis.Redis) -> str | None:
    value = client.hget(SNAPSHOT_KEY, "id")
    return value.decode() if isinstance(value, bytes) else value

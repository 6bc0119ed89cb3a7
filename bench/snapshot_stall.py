"""Snapshots and the event loop: the longest loop stall while snapshots of a busy state are
written, with the snapshot made by a forked child (the default) and, as the reference in
the same run, made in the loop (``CN_SNAPSHOT_FORK=false``), and with no snapshot at all.

The state: :func:`bench.console_state.incident_history` (100,000 incidents with their
timelines, ~570,000 entries; ``--quick`` 20,000) and the demo's bootstrap (2,000 cameras,
sensors, every indicator).  For each configuration a fresh dashboard replays it, then
events of the demo mix flow at 50 ev/s for ``WINDOW_S`` while snapshots are due every
``SNAPSHOT_EVERY_S`` (the reference without snapshots: every hour, none in the window).
The stall is read from the server's loop monitor (``cn_event_loop_lag_seconds`` histogram
and its max, as in ``console-load``): the longest lateness of a 10 ms tick in the window.
The snapshots written in the window are counted from the snapshot key's id.

Budget (issue #13): no loop stall above 50 ms while a snapshot is written at 100,000
incidents.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
import redis

from bench.common import (
    LOG_KEY,
    SNAPSHOT_KEY,
    Budget,
    Dashboard,
    Row,
    district_schedule,
    fresh_redis,
    progress,
    running,
    xadd_pipelined,
)
from bench.console_figures import lag_metrics, stall
from bench.console_state import incident_history
from dashboard.redis_clients import sync_client
from dashboard.simulator import DistrictSimulator

WINDOW_S = 20.0
SNAPSHOT_EVERY_S = 2
FEED_PER_S = 50
STALL_BUDGET = Budget("<=", 50.0, "<= 50 ms")
CONFIGS: dict[str, dict[str, Any]] = {  # name → the dashboard's settings
    "fork": {"CN_SNAPSHOT_EVERY_S": SNAPSHOT_EVERY_S, "CN_SNAPSHOT_FORK": "true"},
    "in-loop": {"CN_SNAPSHOT_EVERY_S": SNAPSHOT_EVERY_S, "CN_SNAPSHOT_FORK": "false"},
    "none": {"CN_SNAPSHOT_EVERY_S": 3600, "CN_SNAPSHOT_EVERY_EVENTS": 10**9},
}


def _feed(url: str, stop: threading.Event) -> int:
    """Events of the demo mix at FEED_PER_S until ``stop``; how many."""
    client = sync_client(url)
    _, ticks = district_schedule(-int(WINDOW_S * FEED_PER_S / 5) - 50, 5, 100, int(time.time() * 1000))
    sent = 0
    for tick in ticks:
        if stop.is_set():
            break
        xadd_pipelined(client, tick)
        sent += len(tick)
        time.sleep(5 / FEED_PER_S)
    client.close()
    return sent


def _snapshot_id(client: redis.Redis) -> str | None:
    value = client.hget(SNAPSHOT_KEY, "id")
    return value.decode() if isinstance(value, bytes) else value


def _measure(url: str, client: redis.Redis, settings: dict[str, Any], total: int) -> dict[str, Any]:
    with running(Dashboard(url, **settings)) as dashboard:
        dashboard.start(timeout=600)
        dashboard.wait_applied(total, 600)
        time.sleep(2)  # the replay's last batch and the first gc settle
        before = lag_metrics(dashboard.url)
        stop = threading.Event()
        ids: set[str] = set()
        sent = [0]
        feeder = threading.Thread(target=lambda: sent.__setitem__(0, _feed(url, stop)), daemon=True)
        feeder.start()
        deadline = time.monotonic() + WINDOW_S
        first = _snapshot_id(client)
        while time.monotonic() < deadline:
            snapshot = _snapshot_id(client)
            if snapshot and snapshot != first:
                ids.add(snapshot)
            time.sleep(0.05)
        stop.set()
        feeder.join(10)
        after = lag_metrics(dashboard.url)
        return {"stall": stall(before, after), "snapshots_in_window": len(ids), "events_fed": sent[0],
                "snapshot_bytes": dashboard.metric("cn_snapshot_bytes"), "rss_bytes": dashboard.rss_bytes()}


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    incidents = 20_000 if quick else 100_000
    now = int(time.time() * 1000)
    history, facts = incident_history(incidents, now - 60_000)
    simulator = DistrictSimulator(seed=7, video_points=2000, start_ms=now)
    bootstrap = [orjson.dumps(e) for e in simulator.bootstrap()]
    data: dict[str, Any] = {"incidents": incidents, "state": facts, "window_s": WINDOW_S,
                            "snapshot_every_s": SNAPSHOT_EVERY_S, "feed_per_s": FEED_PER_S, "configs": {}}
    for name, settings in CONFIGS.items():
        with fresh_redis() as (server, client):
            xadd_pipelined(client, history + bootstrap)
            total = int(client.xlen(LOG_KEY))
            progress(f"snapshot-stall: {incidents:,} incidents ({total:,} entries), snapshots {name}")
            record = _measure(server.url, client, settings, total)
        data["configs"][name] = record
        progress(f"snapshot-stall: {name}: longest stall {record['stall']['ms']:.0f} ms "
                 f"({record['stall']['how']}); {record['snapshots_in_window']} snapshots in "
                 f"{WINDOW_S:.0f} s")
    fork, loop, none = (data["configs"][n] for n in ("fork", "in-loop", "none"))
    ref = "snapshot made in the loop"
    rows = [
        Row("snapshot.stall_fork", f"{incidents:,} incidents, snapshots every {SNAPSHOT_EVERY_S} s "
            "(forked child): longest loop stall", "ms", fork["stall"]["ms"], loop["stall"]["ms"], ref,
            STALL_BUDGET),
        Row("snapshot.stall_none", "  the same with no snapshot in the window", "ms", none["stall"]["ms"]),
        Row("snapshot.count_fork", "  snapshots written in the window (forked)", "count",
            float(fork["snapshots_in_window"]), float(loop["snapshots_in_window"]), ref),
        Row("snapshot.bytes", "  snapshot size (uncompressed JSON)", "B", fork["snapshot_bytes"]),
    ]
    return rows, data

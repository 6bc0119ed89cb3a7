"""``live-thousand``: one instance, 1,000 ``/live`` clients, 1,000 ev/s of the demo mix.

The clients are the :mod:`bench.live_latency` readers in :data:`CLIENT_PROCESSES` child
processes (each reads and parses every frame, as a wall's browser would); the publisher
XADDs one pipelined batch every 10 ms and stamps it.  Latency is publish → the first
patch (or resync hello) holding the entry, per (event, client) pair; "delivered" counts
the pairs that arrived; a resynchronised or disconnected client is counted from the
server's metrics.  The instance's resident memory is sampled every 0.25 s: memory per
client is (the highest RSS while the clients are connected − the RSS before they came) /
clients, so it includes each client's queued frames under this load.

Budget (issue #13): 1,000 clients at 1,000 ev/s, p99 ≤ 250 ms, none dropped.
"""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any

from bench.common import Budget, Dashboard, Row, fresh_redis, progress, running, xadd_pipelined
from bench.live_latency import ALL_DELIVERED, TICK_S, _report, _schedule, measure

RATE = 1_000
CLIENTS, QUICK_CLIENTS = 1_000, 300
CLIENT_PROCESSES = 2
P99_BUDGET = Budget("<=", 250, "<= 250 ms")
NONE_DROPPED = Budget("<=", 0, "0")


def _sample_rss(dashboard: Dashboard, peak: list[int], stop: threading.Event) -> None:
    while not stop.wait(0.25):
        peak[0] = max(peak[0], dashboard.rss_bytes())


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    clients = QUICK_CLIENTS if quick else CLIENTS
    duration = 5.0 if quick else 15.0
    bootstrap, schedule = _schedule(duration, RATE)
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with running(Dashboard(server.url, CN_LIVE_CONNECTS_PER_MIN=0)) as dashboard:
            dashboard.start()
            dashboard.wait_applied(len(bootstrap), 30)
            before = dashboard.rss_bytes()
            peak, stop = [before], threading.Event()
            sampler = threading.Thread(target=_sample_rss, args=(dashboard, peak, stop), daemon=True)
            sampler.start()
            progress(f"live-thousand: {clients:,} clients, {RATE:,} ev/s for {duration:.0f} s, "
                     f"clients in {CLIENT_PROCESSES} processes")
            assert server.process is not None
            try:
                record = asyncio.run(measure(dashboard.live_url(), server.url, schedule, clients, TICK_S,
                                             {"server": dashboard.pid, "redis": server.process.pid},
                                             CLIENT_PROCESSES))
            finally:
                stop.set()
                sampler.join(5)
            record["server_metrics"] = {name: dashboard.metric(name) for name in (
                "cn_live_patches_total", "cn_live_frames_sent_total", "cn_live_resyncs_total",
                "cn_live_slow_disconnects_total")}
    _report(record)
    per_client = (peak[0] - before) / clients
    record.update({"rss_before_bytes": before, "rss_peak_bytes": peak[0],
                   "rss_per_client_bytes": per_client})
    metrics = record["server_metrics"]
    lost = ("cn_live_resyncs_total", "cn_live_slow_disconnects_total")
    dropped = sum(metrics.get(name) or 0 for name in lost)
    lat = record["latency_ms"]
    progress(f"live-thousand: p50 {lat.get('p50', math.nan):.0f} ms, p99 {lat.get('p99', math.nan):.0f} ms; "
             f"{per_client / 1024:.0f} KiB per client; {dropped:.0f} resynced or dropped")
    rows = [
        Row("thousand.p50", f"publish→/live p50, {clients:,} clients, {RATE:,} ev/s", "ms",
            lat.get("p50", math.nan)),
        Row("thousand.p99", "  p99", "ms", lat.get("p99", math.nan), budget=P99_BUDGET),
        Row("thousand.delivered", f"  delivered of {record['expected']:,} (event, client) pairs", "%",
            record["delivered_percent"], budget=ALL_DELIVERED),
        Row("thousand.dropped", "  clients resynchronised or disconnected", "count", dropped,
            budget=NONE_DROPPED),
        Row("thousand.rss_per_client", "  server memory per client (peak − before, ÷ clients)", "B",
            per_client),
    ]
    return rows, {"rate": RATE, "clients": clients, "duration_s": duration, "dashboard": record}

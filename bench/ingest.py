"""Ingest throughput: ``Replica.process`` in-process, and end to end through Redis.

Budget (DESIGN.md): one instance ingests >= 20,000 events/s sustained, nothing lost.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from typing import Any

from bench.common import (
    Budget,
    Dashboard,
    Row,
    district_events,
    fresh_redis,
    percentiles,
    progress,
    running,
    xadd_pipelined,
)
from dashboard import state as st
from dashboard.bus import Bus, connect
from dashboard.config import Settings
from dashboard.metrics import Metrics
from dashboard.replica import Replica

INGEST_BUDGET = Budget(">=", 20_000, ">= 20,000 ev/s")
BATCH = 2_000  # the replica's read_batch: what one XREAD/XRANGE hands to process()


def _entries(count: int) -> list[tuple[str, bytes | None]]:
    """``count`` realistic log entries with real-looking, increasing stream ids."""
    raws = district_events(count)
    base_ms = int(time.time() * 1000) - count
    return [(f"{base_ms + n // 4}-{n % 4}", raw) for n, raw in enumerate(raws)]


class _Nobody:
    """No /live hub: the benchmark measures the reducer path alone."""

    def on_changes(self, changes: st.Changes) -> None:
        pass

    def on_restore(self, state: st.State) -> None:
        pass


def _replica(settings: Settings) -> Replica:
    # A Bus over a client that never connects: process() does no I/O.
    return Replica(Bus(connect("redis://127.0.0.1:9/0"), settings), settings, Metrics(), st.State(),
                   listener=_Nobody())


def _one_pass(entries: list[tuple[str, bytes | None]], settings: Settings) -> tuple[float, list[float]]:
    replica = _replica(settings)
    batch_seconds = []
    started = time.perf_counter()
    for start in range(0, len(entries), BATCH):
        t = time.perf_counter()
        replica.process(entries[start:start + BATCH])
        batch_seconds.append(time.perf_counter() - t)
    total = time.perf_counter() - started
    if replica.state.applied + replica.state.dead != len(entries):
        raise RuntimeError(f"applied {replica.state.applied} + dead {replica.state.dead} "
                           f"!= {len(entries)} entries")
    return total, batch_seconds


def _profile(entries: list[tuple[str, bytes | None]], settings: Settings,
             top: int = 15) -> list[dict[str, Any]]:
    """Where one pass spends its time (cProfile, by own time; inflated, compare shares)."""
    profiler = cProfile.Profile()
    profiler.enable()
    _one_pass(entries, settings)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{file.rsplit('/', 2)[-1] if '/' in file else file}:{line}:{func}",
                     "calls": calls, "own_s": round(own, 4), "cumulative_s": round(cumulative, 4),
                     "own_share": round(own / total, 4) if total else None})
    rows.sort(key=lambda row: row["own_s"], reverse=True)
    return rows[:top]


def in_process(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    count, runs = (20_000, 3) if quick else (100_000, 3)
    progress(f"ingest-inprocess: generating {count:,} simulator events")
    entries = _entries(count)
    settings = Settings()
    totals: list[float] = []
    batch_seconds: list[float] = []
    for run in range(runs):
        total, batches = _one_pass(entries, settings)
        totals.append(total)
        batch_seconds += batches
        progress(f"ingest-inprocess: run {run + 1}/{runs}: {count / total:,.0f} ev/s")
    rates = [count / total for total in totals]
    profile = _profile(entries, settings)
    median = statistics.median(rates)
    data = {
        "events": count, "batch": BATCH, "runs": runs, "seconds": totals, "events_per_s": rates,
        "median_events_per_s": median,
        "batch_ms": percentiles([s * 1000 for s in batch_seconds]),
        "mean_event_bytes": sum(len(raw or b"") for _, raw in entries) / count,
        "profile_top_own_time": profile,
    }
    rows = [Row("ingest.inprocess", f"Replica.process, batches of {BATCH:,} (median of {runs})",
                "ev/s", median, budget=INGEST_BUDGET)]
    return rows, data


def through_redis(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    count = 40_000 if quick else 200_000
    progress(f"ingest-redis: generating {count:,} simulator events")
    raws = district_events(count)
    with fresh_redis() as (server, client):
        with running(Dashboard(server.url)) as empty:
            empty.start()
            assert empty.spawned_at is not None
            startup_s = time.monotonic() - empty.spawned_at
        progress(f"ingest-redis: start-up on an empty log {startup_s:.2f} s; XADD {count:,} events")
        t = time.perf_counter()
        last_id = xadd_pipelined(client, raws)
        xadd_s = time.perf_counter() - t
        progress(f"ingest-redis: XADD done ({count / xadd_s:,.0f} ev/s); starting the dashboard")
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start(timeout=120)
            health = dashboard.wait_applied(count)
            assert dashboard.spawned_at is not None
            wall_s = time.monotonic() - dashboard.spawned_at
            restore_s = dashboard.metric("cn_restore_seconds")
            rss = dashboard.rss_bytes()
    if health["last_id"] != last_id or health["applied"] != count:
        raise RuntimeError(f"expected {count} applied up to {last_id}, got {health}")
    progress(f"ingest-redis: {count:,} applied {wall_s:.2f} s after spawn (replay {restore_s:.2f} s)")
    sustained = count / max(wall_s - startup_s, 1e-9)
    replay_rate = count / restore_s if restore_s else 0.0
    data: dict[str, Any] = {
        "events": count, "xadd_seconds": xadd_s, "startup_empty_s": startup_s,
        "spawn_to_applied_s": wall_s, "restore_seconds_metric": restore_s,
        "events_per_s_replay": replay_rate,
        "events_per_s_spawn_minus_startup": sustained,
        "events_per_s_spawn_incl_startup": count / wall_s,
        "rss_bytes": rss, "health": health,
    }
    rows = [
        Row("ingest.redis", f"{count:,} via Redis: spawn→applied minus empty start-up", "ev/s",
            sustained, budget=INGEST_BUDGET),
        Row("ingest.redis_replay", "  same, replay time from cn_restore_seconds", "ev/s",
            replay_rate, budget=INGEST_BUDGET),
        Row("ingest.redis_rss", f"  dashboard RSS after {count:,} events", "MB", rss / 2**20),
    ]
    return rows, data

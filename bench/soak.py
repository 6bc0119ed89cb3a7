"""Soak: the wall open in Chromium for ``minutes`` at the demo rate; does anything grow?

One fresh ``redis-server`` fed by the demo simulator (``python -m dashboard simulate
--rate 50``: bootstrap, then ~57 events/s with the cameras' heartbeats), a dashboard that
has applied the log, and one wall page (``wall_url("lang=en")``, headless Chromium,
1920×1080) that stays open all along.  Every :data:`SAMPLE_S` s (from t = 0):

* the server's RSS (psutil), its CPU and the browser's (whole process tree) since the
  last sample, and how busy the page's main thread was (growth of CDP ``TaskDuration``);
* the page's JS heap from CDP ``Performance.getMetrics`` (``JSHeapUsedSize``), then again
  after a forced garbage collection (``HeapProfiler.collectGarbage``: what is retained,
  the figure the growth criterion uses), with the DOM ``Nodes`` and ``JSEventListeners``;
* the page's console errors and uncaught exceptions so far.

Meanwhile, every 2–6 s (random, :data:`PROBE_GAP_S`: about 150 probes in 10 minutes, enough
for a p99), a severity-1 ``incident.reported`` probe is XADDed and timed until its title is
in the page's DOM (the MutationObserver probe of :mod:`bench.visible`): the severe-alarm
latency under the demo feed, not on an idle log (budget: p99 ≤ 30 ms, DESIGN.md v2).

**Verdict** (``met``): no console or page errors, and neither the server RSS nor the
page's retained JS heap grows by more than :data:`GROWTH_LIMIT` (10 %) from the median of
the second quarter of the run to the median of its last quarter (the first quarter is
warm-up).  The linear-fit slopes (MB per hour, over the whole run) are reported beside.
A 10-minute run can show growth, not prove its absence: a slow leak below ~10 % in 5
minutes passes, so read the slopes too.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from typing import Any

import orjson
import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.browser import ARM, PROBE, SEEN, WALL_READY, browser_pid, chromium, clock_offset, open_page, pump
from bench.common import (
    LOG_KEY,
    Budget,
    Dashboard,
    ProcessCpu,
    Row,
    Simulator,
    fresh_redis,
    linear_slope,
    percentiles,
    progress,
    running,
    wait_for,
)
from support.events import incident_reported, now_ms

MINUTES = 10.0
QUICK_MINUTES = 2.0  # only when asked for with --only soak --quick
SAMPLE_S = 30.0
RATE = 50.0
GROWTH_LIMIT = 0.10
SEVERE_BUDGET = Budget("<=", 30, "<= 30 ms")  # DESIGN.md v2 budgets (issue #13 req 7)
PROBE_GAP_S = (2.0, 6.0)  # a severe probe every 2–6 s (random): ~150 in 10 minutes
NO_ERRORS = Budget("<=", 0, "none")
NONE_FAILED = Budget("<=", 0, "0")
GROWTH_BUDGET = Budget("<=", 100 * GROWTH_LIMIT, f"<= {100 * GROWTH_LIMIT:.0f} %")


def quarter_growth(times: list[float], values: list[float]) -> dict[str, float | None]:
    """Medians of the 2nd and 4th quarters of the run (by time) and the growth between."""
    if len(times) < 4:
        return {"q2_median": None, "q4_median": None, "growth": None}
    span = times[-1] - times[0]
    q2 = [v for t, v in zip(times, values, strict=True) if span / 4 <= t - times[0] < span / 2]
    q4 = [v for t, v in zip(times, values, strict=True) if t - times[0] >= 3 * span / 4]
    if not q2 or not q4:
        return {"q2_median": None, "q4_median": None, "growth": None}
    m2, m4 = statistics.median(q2), statistics.median(q4)
    return {"q2_median": m2, "q4_median": m4, "growth": (m4 - m2) / m2 if m2 else None}


def _series(times: list[float], values: list[float]) -> dict[str, Any]:
    growth = quarter_growth(times, values)
    slope = linear_slope(times, values)
    return {"start": values[0], "end": values[-1], "max": max(values), "min": min(values),
            "slope_per_hour": None if slope is None else slope * 3600, **growth,
            "grows": growth["growth"] is not None and growth["growth"] > GROWTH_LIMIT}


def _probe(page: Any, client: Any, n: int, run: str, offset_ms: float) -> float | None:
    """Publish severe probe ``n``; ms until its title is in the page (None if not in 5 s)."""
    title = f"soak probe {run}-{n:04d}"
    event = incident_reported(f"soak-{run}-{n:04d}", domain="safety", title=title, severity=1,
                              event_id=f"bench-soak-{run}-{n}", ts=now_ms(), source="bench",
                              street="jiangsulu")
    page.evaluate(ARM, title)
    stamp = time.monotonic() * 1000
    client.xadd(LOG_KEY, {"event": orjson.dumps(event)})
    try:
        page.wait_for_function(SEEN, timeout=5_000, polling=10)
    except PlaywrightTimeout:
        return None
    return float(page.evaluate("window.__cnProbe.at")) + offset_ms - stamp


def run(quick: bool, minutes: float | None = None) -> tuple[list[Row], dict[str, Any]]:
    minutes = minutes if minutes is not None else (QUICK_MINUTES if quick else MINUTES)
    duration = minutes * 60
    run_tag = f"{int(time.time()) % 100_000:05d}"
    rng = random.Random(7)
    samples: list[dict[str, Any]] = []
    probes: list[float | None] = []
    with fresh_redis() as (server, client), Simulator(server.url, rate=RATE):
        wait_for(lambda: client.xlen(LOG_KEY) > 2_000, 60, message="the simulator's bootstrap")
        with running(Dashboard(server.url)) as dashboard, chromium() as browser:
            dashboard.start()
            wait_for(lambda: dashboard.health()["applied"] >= client.xlen(LOG_KEY) - 2 * RATE, 60,
                     message="the dashboard caught up with the feed")
            watched = open_page(browser, dashboard.wall_url("lang=en"))
            page = watched.page
            page.wait_for_function(WALL_READY, timeout=30_000)
            pump(page, 5.0)
            page.evaluate(PROBE)
            offset = clock_offset(page)
            server_process = psutil.Process(dashboard.pid)
            pid = browser_pid()
            browser_cpu = ProcessCpu({"browser": pid or 0}, tree=True).start()
            last_task = watched.metrics().get("TaskDuration", 0.0)
            progress(f"soak: {minutes:g} min, wall page open, demo feed {RATE:.0f} ev/s; a sample every "
                     f"{SAMPLE_S:.0f} s, a severe probe every 2–6 s")
            started = time.monotonic()
            next_sample, next_probe = started, started + rng.uniform(*PROBE_GAP_S)
            last_cpu, last_t = sum(server_process.cpu_times()[:2]), started
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    raw = watched.metrics()
                    watched.collect_garbage()
                    after_gc = watched.metrics()
                    cpu = sum(server_process.cpu_times()[:2])
                    interval = now - last_t if now - last_t >= 1.0 else math.nan  # nan at t = 0
                    browser = browser_cpu.stop()["browser"]
                    browser_cpu.start()
                    samples.append({
                        "t_s": round(now - started, 1),
                        "server_rss_bytes": server_process.memory_info().rss,
                        "server_cpu_percent": _round(100 * (cpu - last_cpu) / interval),
                        "browser_cpu_percent": _round(100 * browser if interval == interval else math.nan),
                        "page_main_thread_percent": _round(100 * (raw.get("TaskDuration", 0.0) - last_task)
                                                           / interval),
                        "js_heap_used_bytes": raw.get("JSHeapUsedSize"),
                        "js_heap_used_after_gc_bytes": after_gc.get("JSHeapUsedSize"),
                        "js_heap_total_bytes": after_gc.get("JSHeapTotalSize"),
                        "dom_nodes": after_gc.get("Nodes"),
                        "js_event_listeners": after_gc.get("JSEventListeners"),
                        "applied": dashboard.health()["applied"], "page_errors": len(watched.errors)})
                    last_cpu, last_t, last_task = cpu, now, after_gc.get("TaskDuration", 0.0)
                    s = samples[-1]
                    progress(f"soak: t={s['t_s']:.0f} s: server RSS {s['server_rss_bytes'] / 2**20:.1f} MB, "
                             f"CPU {_fmt(s['server_cpu_percent'])} %; JS heap "
                             f"{s['js_heap_used_after_gc_bytes'] / 2**20:.2f} MB after GC; "
                             f"nodes {s['dom_nodes']:.0f}; page main thread "
                             f"{_fmt(s['page_main_thread_percent'])} %, browser CPU "
                             f"{_fmt(s['browser_cpu_percent'])} %; errors {s['page_errors']}")
                    if now - started >= duration:
                        break
                    next_sample += SAMPLE_S
                elif now >= next_probe:
                    probes.append(_probe(page, client, len(probes), run_tag, offset["offset_ms"]))
                    next_probe = time.monotonic() + rng.uniform(*PROBE_GAP_S)
                else:
                    pump(page, max(0.01, min(next_sample, next_probe) - now))
            offset_end = clock_offset(page)
            errors = list(watched.errors)
            health = dashboard.health()
    times = [s["t_s"] for s in samples]
    rss = _series(times, [float(s["server_rss_bytes"]) for s in samples])
    heap = _series(times, [float(s["js_heap_used_after_gc_bytes"]) for s in samples])
    heap_raw = _series(times, [float(s["js_heap_used_bytes"]) for s in samples])
    nodes = _series(times, [float(s["dom_nodes"]) for s in samples])
    # busy figures are per interval: the first sample (t = 0) has none
    main_thread = _series(times[1:], [float(s["page_main_thread_percent"]) for s in samples[1:]])
    browser_use = _series(times[1:], [float(s["browser_cpu_percent"]) for s in samples[1:]])
    seen = [p for p in probes if p is not None]
    failed = [name for name, bad in (("page errors", bool(errors)), ("server RSS grows", rss["grows"]),
                                     ("JS heap grows", heap["grows"])) if bad]
    data = {
        "minutes": minutes, "sample_s": SAMPLE_S, "rate": RATE, "growth_limit": GROWTH_LIMIT,
        "criterion": "met = no page errors and, for server RSS and the page's JS heap after a forced GC, "
                     "median of the last quarter <= 1.10 × median of the second quarter",
        "met": not failed, "failed": failed, "page_errors": errors[:50], "page_error_count": len(errors),
        "server_rss": rss, "js_heap_after_gc": heap, "js_heap_raw": heap_raw, "dom_nodes": nodes,
        "page_main_thread_percent": main_thread, "browser_cpu_percent": browser_use,
        "severe_probe_ms": percentiles(seen), "severe_probes_missed": len(probes) - len(seen),
        "severe_probe_raw_ms": [None if p is None else round(p, 2) for p in probes],
        "clock": {"start": offset, "end": offset_end}, "samples": samples, "health": health,
    }
    progress(f"soak: failed criteria {failed or 'none'}; RSS {rss['start'] / 2**20:.1f} → "
             f"{rss['end'] / 2**20:.1f} MB, heap {heap['start'] / 2**20:.2f} → {heap['end'] / 2**20:.2f} MB; "
             f"severe probes {data['severe_probe_ms']}")
    return _rows(data), data


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def _round(value: float) -> float | None:
    """``value`` to 2 decimals; None for NaN (a per-interval figure at t = 0)."""
    return None if value != value else round(value, 2)


def _rows(data: dict[str, Any]) -> list[Row]:
    rss, heap, probe = data["server_rss"], data["js_heap_after_gc"], data["severe_probe_ms"]
    mb = 2**20

    def pct(growth: float | None) -> float:
        return math.nan if growth is None else 100 * growth

    def slope(value: float | None) -> float:
        return math.nan if value is None else value / mb

    return [
        Row("soak.failed", f"soak {data['minutes']:g} min, wall open, {data['rate']:.0f} ev/s: "
            "criteria failed", "count", float(len(data["failed"])), budget=NONE_FAILED),
        Row("soak.page_errors", "  page console errors", "count", float(data["page_error_count"]),
            budget=NO_ERRORS),
        Row("soak.rss_end", f"  server RSS at end (start {rss['start'] / mb:.0f}, max {rss['max'] / mb:.0f})",
            "MB", rss["end"] / mb),
        Row("soak.rss_growth", "  server RSS, last vs second quarter median", "%", pct(rss["growth"]),
            budget=GROWTH_BUDGET),
        Row("soak.rss_slope", "  server RSS slope (linear fit)", "MB/h", slope(rss["slope_per_hour"])),
        Row("soak.heap_end", f"  JS heap after GC at end (start {heap['start'] / mb:.1f}, "
            f"max {heap['max'] / mb:.1f})", "MB", heap["end"] / mb),
        Row("soak.heap_growth", "  JS heap, last vs second quarter median", "%", pct(heap["growth"]),
            budget=GROWTH_BUDGET),
        Row("soak.heap_slope", "  JS heap slope (linear fit)", "MB/h", slope(heap["slope_per_hour"])),
        Row("soak.main_thread", f"  page main thread busy, 2nd → last quarter median (from "
            f"{_fmt(data['page_main_thread_percent']['q2_median'])} %)", "%",
            data["page_main_thread_percent"]["q4_median"] or math.nan),
        Row("soak.severe_p50", f"  severe incident → on screen under the feed p50 "
            f"({probe.get('count', 0)} probes)", "ms", probe.get("p50", math.nan)),
        Row("soak.severe_p99", "  p99", "ms", probe.get("p99", math.nan), budget=SEVERE_BUDGET),
    ]

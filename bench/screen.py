"""What one screen costs at the demo rate: server CPU and bytes per second, ours and Dash polling.

One fresh ``redis-server`` fed by the demo simulator as the README runs it (``python -m
dashboard simulate --rate 50``: the bootstrap of 2,000 cameras, then 50 events/s of the
typical mix plus every camera's 5-minute heartbeat, ~57 events/s in all), and a headless
Chromium (started first, so its own idle cost is in every phase).  For each server in
turn, ours (a ``Dashboard`` with the whole log applied, its wall at ``wall_url("lang=en")``)
then the Dash polling reference (:mod:`bench.dash_polling`, its page), three phases:

* **0 pages** (baseline, :data:`PHASE_S` s): nothing connected; ours still applies the feed;
* **1 page** (:data:`PHASE_S` s): one page open, ready, then 5 s to settle before the
  window starts; bytes it receives meanwhile are counted by CDP ``Network`` events
  (HTTP responses' encoded length with headers, WebSocket payloads);
* **:data:`MANY` pages** (:data:`MANY_S` s): as many pages open at once.

Each page's main thread is also measured (CDP ``Performance.getMetrics``: the growth of
``TaskDuration``, ``ScriptDuration``, ``LayoutDuration``, ``RecalcStyleDuration`` over
the window ÷ its length): what rendering the screen costs the page itself, whatever the
GPU (rasterising is on other threads).

CPU is process CPU seconds (user + system, psutil, descendants included) ÷ wall
seconds, for the server, Redis, the simulator and the browser's whole process tree, in
% of one core.  "Per added page" is (the N-page phase − the 0-page phase) ÷ N.  The
browser's CPU is in software rasterising (``--disable-gpu``): it is what this harness
pays to draw the pages, an upper bound of a wall PC's cost, and it competes with the
servers for the 2 cores (with :data:`MANY` wall pages it can take both: the per-page
browser figure is from the 1-page phase).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import redis

from bench.browser import WALL_READY, Watched, browser_pid, chromium, open_page, pump
from bench.common import (
    LOG_KEY,
    Dashboard,
    PollingApp,
    ProcessCpu,
    Row,
    Simulator,
    fresh_redis,
    progress,
    running,
    wait_for,
)

RATE = 50.0  # the demo simulator's default rate
PHASE_S, QUICK_PHASE_S = 60.0, 12.0
MANY_S, QUICK_MANY_S = 30.0, 10.0
MANY = 4
SETTLE_S = 5.0
POLLING_READY = "() => document.querySelectorAll('#events li').length > 0"
MAIN_THREAD = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def _phase(seconds: float, pids: dict[str, int], pages: list[Watched]) -> dict[str, Any]:
    """CPU of ``pids`` (trees), bytes received by and main-thread time of ``pages``, over
    ``seconds``."""
    for watched in pages:
        watched.count_bytes()
    before = [w.metrics() for w in pages]
    cpu = ProcessCpu(pids, tree=True).start()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if pages:
            pump(pages[0].page, min(left, 2.0))
        else:
            time.sleep(min(left, 2.0))
        cpu.sample()
    cores = cpu.stop()
    after = [w.metrics() for w in pages]
    wall = cores["wall_s"]
    out: dict[str, Any] = {"pages": len(pages), "seconds": wall,
                           "cpu_percent": {k: round(100 * v, 2) for k, v in cores.items() if k != "wall_s"}}
    if pages:
        out["bytes_per_s"] = [round((w.http_bytes + w.ws_bytes) / wall, 1) for w in pages]
        out["ws_bytes_per_s"] = [round(w.ws_bytes / wall, 1) for w in pages]
        out["http_bytes_per_s"] = [round(w.http_bytes / wall, 1) for w in pages]
        out["ws_frames_per_s"] = [round(w.ws_frames / wall, 2) for w in pages]
        out["http_responses_per_s"] = [round(w.http_responses / wall, 2) for w in pages]
        out["main_thread_percent"] = [
            {name: round(100 * (a.get(name, 0.0) - b.get(name, 0.0)) / wall, 2) for name in MAIN_THREAD}
            for b, a in zip(before, after, strict=True)]
        out["js_heap_used_bytes"] = [a.get("JSHeapUsedSize") for a in after]
        out["page_errors"] = [e for w in pages for e in w.errors]
    return out


def _measure(name: str, browser: Any, url: str, ready: str, pids: dict[str, int],
             durations: tuple[float, float]) -> dict[str, Any]:
    phase_s, many_s = durations
    progress(f"screen: {name}: 0 pages for {phase_s:.0f} s")
    phases = {"0": _phase(phase_s, pids, [])}
    pages: list[Watched] = []
    try:
        for count, seconds in ((1, phase_s), (MANY, many_s)):
            while len(pages) < count:
                watched = open_page(browser, url)
                watched.page.wait_for_function(ready, timeout=30_000)
                pages.append(watched)
            pump(pages[0].page, SETTLE_S)
            progress(f"screen: {name}: {count} page(s) for {seconds:.0f} s")
            phases[str(count)] = _phase(seconds, pids, pages)
    finally:
        for watched in pages:
            watched.page.context.close()
    base, one, many = (phases[k]["cpu_percent"] for k in ("0", "1", str(MANY)))
    return {"url_kind": name, "phases": phases,
            "server_percent_per_added_page": {
                "one": round(one["server"] - base["server"], 3),
                "many": round((many["server"] - base["server"]) / MANY, 3)},
            "redis_percent_per_added_page": round((many["redis"] - base["redis"]) / MANY, 3),
            "browser_percent_one_page": round(one["browser"] - base["browser"], 3),
            "browser_percent_per_page_many": round((many["browser"] - base["browser"]) / MANY, 3)}


def _caught_up(dashboard: Dashboard, client: redis.Redis) -> Callable[[], bool]:
    def check() -> bool:
        health = dashboard.health()
        return bool(health["applied"] + health["dead"] >= client.xlen(LOG_KEY) - 2 * RATE)
    return check


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    durations = (QUICK_PHASE_S, QUICK_MANY_S) if quick else (PHASE_S, MANY_S)
    with fresh_redis() as (server, client), Simulator(server.url, rate=RATE) as simulator, \
            chromium() as browser:
        wait_for(lambda: client.xlen(LOG_KEY) > 2_000, 60, message="the simulator's bootstrap")
        assert server.process is not None
        pid = browser_pid()
        if pid is None:
            raise RuntimeError("no Chromium browser process found among this process's descendants")
        common = {"redis": server.process.pid, "simulator": simulator.pid, "browser": pid}
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start()
            wait_for(_caught_up(dashboard, client), 60, message="the dashboard caught up with the feed")
            ours = _measure("ours", browser, dashboard.wall_url("lang=en"), WALL_READY,
                            {"server": dashboard.pid, **common}, durations)
            ours["server_rss_bytes"] = dashboard.rss_bytes()
            health = dashboard.health()
        with PollingApp(server.url) as polling:
            reference = _measure("dash_polling", browser, polling.page_url, POLLING_READY,
                                 {"server": polling.pid, **common}, durations)
        log_length = client.xlen(LOG_KEY)
    data = {"rate": RATE, "simulator": "python -m dashboard simulate --rate 50 --points 2000 --seed 7",
            "many": MANY, "durations_s": {"0_and_1_pages": durations[0], f"{MANY}_pages": durations[1]},
            "ours": ours, "dash_polling": reference, "log_length_at_end": log_length, "health": health}
    _log(data)
    return _rows(data), data


def _log(data: dict[str, Any]) -> None:
    for name in ("ours", "dash_polling"):
        phases = data[name]["phases"]
        progress(f"screen: {name}: server % core " + ", ".join(
            f"{k} pages {p['cpu_percent']['server']:.2f}" for k, p in phases.items())
            + f"; bytes/s of one page {phases['1'].get('bytes_per_s')}")


def _rows(data: dict[str, Any]) -> list[Row]:
    o, d = data["ours"], data["dash_polling"]
    ref = "Dash dcc.Interval(1 s) polling app"
    rate = f"{data['rate']:.0f} ev/s demo feed"

    def cpu(result: dict[str, Any], pages: str, proc: str = "server") -> float:
        return float(result["phases"][pages]["cpu_percent"].get(proc, math.nan))

    def one_page(result: dict[str, Any], key: str) -> float:
        values = result["phases"]["1"].get(key) or [math.nan]
        return float(values[0])

    def main(result: dict[str, Any]) -> float:
        values = result["phases"]["1"].get("main_thread_percent") or [{}]
        return float(values[0].get("TaskDuration", math.nan))

    many = str(MANY)
    return [
        Row("screen.cpu_0", f"server CPU, 0 pages, {rate}", "% core", cpu(o, "0"), cpu(d, "0"), ref),
        Row("screen.cpu_1", "  1 page connected", "% core", cpu(o, "1"), cpu(d, "1"), ref),
        Row(f"screen.cpu_{many}", f"  {MANY} pages connected", "% core", cpu(o, many), cpu(d, many), ref),
        Row("screen.cpu_per_page", f"  server CPU per added page ({MANY} pages − 0) / {MANY}", "% core",
            o["server_percent_per_added_page"]["many"], d["server_percent_per_added_page"]["many"], ref),
        Row("screen.browser_one_page", "  browser CPU for 1 page (all its processes, software raster)",
            "% core", o["browser_percent_one_page"], d["browser_percent_one_page"], ref),
        Row("screen.page_main_thread", "  the page's main thread busy (CDP TaskDuration)", "%",
            main(o), main(d), ref),
        Row("screen.bytes_per_s", f"bytes/s received by one page, {rate}", "B/s",
            one_page(o, "bytes_per_s"), one_page(d, "bytes_per_s"), ref),
        Row("screen.ws_bytes_per_s", "  of which WebSocket (/live)", "B/s",
            one_page(o, "ws_bytes_per_s"), one_page(d, "ws_bytes_per_s"), ref),
    ]

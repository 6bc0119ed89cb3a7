"""The wall page in a real Chromium: page ready, bytes per camera change, panning, JS heap.

``python -m bench.wall_page [--quick]`` prints a table and writes
``bench/results/wall_page-<UTC time>.json``; :func:`run` returns the same record.

For N = 2,000, 20,000 and 50,000 video points (50,000 skipped with ``--quick``): a fresh
``redis-server`` (``EmbeddedRedis``) and ``python -m dashboard run`` (``support.processes.
DashboardProcess``, as the tests start it), the demo simulator's bootstrap with N points
(cameras, ~N/10 sensors up to 5,000, duty rosters, every indicator) applied, then:

* **page ready** (ms): from ``page.goto`` to the first animation frame at which the map
  shows video clusters, the legend's online count equals the number of online cameras
  and every indicator tile has a value.  Measured in the page (``performance.now()``,
  whose origin is the navigation start), each load in a new browser context (cold
  cache); median of 3 loads.  The wall-clock time seen from Python is kept beside it.
* **bytes per camera change**: a ``websockets`` client on ``/live`` (no compression, as
  the server negotiates none), the hello read, then one ``video.status`` change at a
  time; the UTF-8 length of the first patch frame that carries it (WebSocket header
  excluded; it adds 2 bytes under 126, else 4).  Median and max of 5 changes.
* **panning**: in the page of the last load, a ``requestAnimationFrame`` counter runs
  while Playwright's mouse drags the map to and fro (15 steps per 300 px drag, Leaflet
  re-clusters at each ``moveend``) for ~3 s; frames per second and the longest frame.
  Median of 3 sessions.
* **JS heap**: ``performance.memory.usedJSHeapSize`` after the last load is ready
  (Chromium runs with ``--enable-precise-memory-info``).

Chromium is headless with ``--disable-gpu``, so rasterising is in software: the frame
rate is a lower bound of what a wall PC with a GPU shows.  The DESIGN.md budgets: page
ready with 20,000 video points <= 2.5 s; one camera status change <= 1 KB per client.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import redis
from playwright.sync_api import Browser, Page, sync_playwright
from websockets.sync.client import connect

from bench.common import CpuWatch
from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis
from dashboard.simulator import DistrictSimulator
from support.events import now_ms, video_status
from support.processes import DashboardProcess, wait_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
LOG_DIR = Path(tempfile.gettempdir()) / "cn-bench-logs"
SIZES = (2_000, 20_000, 50_000)
QUICK_SIZES = (2_000, 20_000)
LOADS = 3
PAN_SESSIONS = 3
PAN_SECONDS = 3.0
CHANGES = 5
READY_BUDGET_MS = 2_500.0  # with 20,000 points
WIRE_BUDGET_BYTES = 1_024
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--enable-precise-memory-info"]

#: Installed before the page's own scripts: records in ``window.__cnReady`` the
#: ``performance.now()`` of the first animation frame at which the wall is ready.
READY_PROBE = """(() => {
  const expected = "%(online)d";
  function ready() {
    const legend = document.getElementById("map-legend-count-online");
    if (!legend || legend.textContent.replace(/,/g, "") !== expected) { return false; }
    if (!document.querySelector(".video-cluster")) { return false; }
    const tiles = document.querySelectorAll(".tile-value");
    return tiles.length > 0 && Array.prototype.every.call(tiles, t => t.textContent !== "\\u2014");
  }
  function check() {
    if (ready()) { window.__cnReady = performance.now(); return; }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();"""

PAGE_FACTS = """() => {
  const resources = performance.getEntriesByType("resource");
  const video = resources.filter(r => r.name.includes("/api/video.geojson")).pop();
  const clustered = Array.prototype.reduce.call(document.querySelectorAll(".video-cluster b"),
    (sum, b) => sum + Number(b.textContent), 0);
  const navigation = performance.getEntriesByType("navigation")[0] || {};
  return {
    ready_ms: window.__cnReady,
    dom_content_loaded_ms: navigation.domContentLoadedEventEnd,
    video_geojson_loaded_ms: video ? video.responseEnd : null,
    clusters: document.querySelectorAll(".video-cluster").length,
    clustered_points: clustered,
    transfer_bytes: resources.reduce((sum, r) => sum + (r.transferSize || 0), 0)
      + (navigation.transferSize || 0),
    video_geojson_bytes: video ? video.encodedBodySize : null,
    js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : null,
  };
}"""

FRAME_COUNTER_START = """() => {
  window.__frames = [];
  window.__counting = true;
  const tick = t => { window.__frames.push(t); if (window.__counting) { requestAnimationFrame(tick); } };
  requestAnimationFrame(tick);
}"""

FRAME_COUNTER_STOP = "() => { window.__counting = false; return window.__frames; }"


def progress(message: str) -> None:
    print(f"[wall_page] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------- the district


def district(points: int) -> tuple[list[bytes], dict[str, str]]:
    """The simulator's bootstrap with ``points`` cameras, as raw JSON, and each camera's
    status once it is applied."""
    simulator = DistrictSimulator(seed=7, video_points=points, start_ms=int(time.time() * 1000))
    events = simulator.bootstrap()
    status: dict[str, str] = {}
    for event in events:
        if event["type"] == "video.point":
            status[event["data"]["point_id"]] = event["data"].get("status") or "online"
        elif event["type"] == "video.status":
            status[event["data"]["point_id"]] = event["data"]["status"]
    return [orjson.dumps(event) for event in events], status


def xadd_all(client: redis.Redis, raws: list[bytes], chunk: int = 2_000) -> None:
    for start in range(0, len(raws), chunk):
        pipe = client.pipeline(transaction=False)
        for raw in raws[start:start + chunk]:
            pipe.xadd("cn:events", {"event": raw})
        pipe.execute()


@contextlib.contextmanager
def dashboard_with(points: int) -> Iterator[tuple[DashboardProcess, redis.Redis, dict[str, str]]]:
    """A fresh Redis and dashboard with the bootstrap of ``points`` cameras applied."""
    raws, status = district(points)
    with EmbeddedRedis() as server:
        client = sync_client(server.url)
        process = DashboardProcess(server.url, workdir=LOG_DIR)
        try:
            process.start()
            xadd_all(client, raws)
            wait_for(lambda: (lambda h: h["applied"] + h["dead"] >= len(raws))(process.health()),
                     timeout=120, message=f"{len(raws)} events applied")
            yield process, client, status
        finally:
            with contextlib.suppress(Exception):
                process.stop()
            client.close()


# ---------------------------------------------------------------------- measurements


def bytes_per_change(process: DashboardProcess, client: redis.Redis,
                     status: dict[str, str]) -> dict[str, Any]:
    """UTF-8 bytes of the patch frame carrying each of ``CHANGES`` camera status changes."""
    cameras = sorted(status)
    sizes: list[int] = []
    sections: list[dict[str, int]] = []  # bytes of each part of the frame, to explain outliers
    with connect(process.ws_url, compression=None, max_size=None) as ws:
        hello = ws.recv(timeout=30)
        hello_bytes = len(hello.encode() if isinstance(hello, str) else hello)
        assert orjson.loads(hello)["t"] == "hello"
        # Changes applied just before the hello may still be in the 100 ms conflation
        # window: their patch follows the hello.  Let it pass before measuring.
        settling: list[int] = []
        with contextlib.suppress(TimeoutError):
            while True:
                frame = ws.recv(timeout=0.5)
                settling.append(len(frame.encode() if isinstance(frame, str) else frame))
        for n in range(CHANGES):
            point_id = cameras[(n * 7919) % len(cameras)]
            new = "fault" if status[point_id] != "fault" else "offline"
            status[point_id] = new
            client.xadd("cn:events", {"event": orjson.dumps(video_status(
                point_id, new, event_id=f"bench-wall-{n}", ts=now_ms(), source="bench"))})
            deadline = time.monotonic() + 10
            while True:
                frame = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
                message = orjson.loads(frame)
                if message["t"] == "patch" and message.get("set", {}).get("video", {}).get(point_id) == new:
                    sizes.append(len(frame.encode() if isinstance(frame, str) else frame))
                    sections.append({key: len(orjson.dumps(value)) for key, value in message.items()})
                    break
    return {"patch_bytes": sizes, "patch_bytes_median": median([float(s) for s in sizes]),
            "patch_bytes_max": max(sizes), "patch_sections": sections,
            "hello_bytes": hello_bytes, "frames_before_first_change": settling}


def load_once(browser: Browser, url: str, online: int) -> tuple[Page, dict[str, Any]]:
    """One cold load (a new context); the page stays open for the caller to close."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.add_init_script(READY_PROBE % {"online": online})
    start = time.monotonic()
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__cnReady !== undefined", timeout=120_000, polling=20)
    seen_ms = (time.monotonic() - start) * 1000
    facts = page.evaluate(PAGE_FACTS)
    facts["python_seen_ms"] = round(seen_ms, 1)
    facts["ready_ms"] = round(facts["ready_ms"], 1)
    return page, facts


def pan_session(page: Page, seconds: float) -> dict[str, float]:
    """Drag the map to and fro for ``seconds``; frames per second and the longest frame."""
    box = page.locator(".leaflet-container").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(FRAME_COUNTER_START)
    deadline = time.monotonic() + seconds
    direction = 1
    drags = 0
    while time.monotonic() < deadline:
        page.mouse.move(x - 150 * direction, y - 20 * direction)
        page.mouse.down()
        page.mouse.move(x + 150 * direction, y + 20 * direction, steps=15)
        page.mouse.up()
        direction, drags = -direction, drags + 1
    frames: list[float] = page.evaluate(FRAME_COUNTER_STOP)
    span_ms = frames[-1] - frames[0] if len(frames) > 1 else 0.0
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    return {"fps": round((len(frames) - 1) / (span_ms / 1000), 1) if span_ms else 0.0,
            "longest_frame_ms": round(max(gaps), 1) if gaps else 0.0,
            "frames": len(frames), "drags": drags}


def measure(browser: Browser, points: int) -> dict[str, Any]:
    """Every figure for one district size."""
    progress(f"{points:,} video points: bootstrap")
    with dashboard_with(points) as (process, client, status):
        wire = bytes_per_change(process, client, status)
        online = sum(1 for s in status.values() if s == "online")  # after the changes
        loads: list[dict[str, Any]] = []
        page = None
        for n in range(LOADS):
            if page is not None:
                page.context.close()
            page, facts = load_once(browser, process.wall_url(), online)
            progress(f"{points:,}: load {n + 1}: ready {facts['ready_ms']:.0f} ms (DOMContentLoaded "
                     f"{facts['dom_content_loaded_ms']:.0f} ms, points fetched "
                     f"{facts['video_geojson_loaded_ms'] or 0:.0f} ms)")
            loads.append(facts)
        assert page is not None
        sessions = [pan_session(page, PAN_SECONDS) for _ in range(PAN_SESSIONS)]
        page.context.close()
    ready = [load["ready_ms"] for load in loads]
    return {
        "points": points,
        "online": online,
        "ready_ms": ready,
        "ready_ms_median": median(ready),
        "python_seen_ms": [load["python_seen_ms"] for load in loads],
        "loads": loads,
        "wire": wire,
        "pan": sessions,
        "fps_median": median([s["fps"] for s in sessions]),
        "longest_frame_ms_median": median([s["longest_frame_ms"] for s in sessions]),
        "longest_frame_ms_max": max(s["longest_frame_ms"] for s in sessions),
        "js_heap_bytes": loads[-1]["js_heap_bytes"],
    }


def rows(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summary rows in the shape of ``bench.common.Row.to_json`` (for the main table)."""
    out = []
    for size in sizes:
        n = size["points"]
        budget = ({"op": "<=", "value": READY_BUDGET_MS, "text": "<= 2.5 s"} if n == 20_000 else None)
        ready = size["ready_ms_median"]
        out.append({"name": f"wall_page.ready_{n}", "label": f"page ready, {n:,} video points",
                    "unit": "ms", "ours": ready, "reference": None, "reference_label": None,
                    "ratio": None, "budget": budget,
                    "met": None if budget is None else ready <= READY_BUDGET_MS})
        out.append({"name": f"wall_page.pan_fps_{n}", "label": "  pan frame rate (median of sessions)",
                    "unit": "fps", "ours": size["fps_median"], "reference": None,
                    "reference_label": None, "ratio": None, "budget": None, "met": None})
    wire = max(size["wire"]["patch_bytes_max"] for size in sizes)
    out.append({"name": "wall_page.camera_change_bytes", "label": "one camera change, /live patch",
                "unit": "B/client", "ours": wire, "reference": None, "reference_label": None,
                "ratio": None, "budget": {"op": "<=", "value": WIRE_BUDGET_BYTES, "text": "<= 1 KB"},
                "met": wire <= WIRE_BUDGET_BYTES})
    return out


def table(sizes: list[dict[str, Any]]) -> str:
    header = ("video points", "ready ms (3 loads)", "patch B", "hello KB", "geojson KB",
              "pan fps", "longest frame ms", "JS heap MB")
    lines = [header]
    for s in sizes:
        heap = s["js_heap_bytes"]
        geo = s["loads"][-1]["video_geojson_bytes"]
        lines.append((
            f"{s['points']:,}",
            f"{s['ready_ms_median']:.0f} ({', '.join(f'{v:.0f}' for v in s['ready_ms'])})",
            f"{s['wire']['patch_bytes_median']:.0f} (max {s['wire']['patch_bytes_max']})",
            f"{s['wire']['hello_bytes'] / 1024:.0f}",
            "—" if geo is None else f"{geo / 1024:.0f}",
            f"{s['fps_median']:.1f}",
            f"{s['longest_frame_ms_median']:.0f} (max {s['longest_frame_ms_max']:.0f})",
            "—" if heap is None else f"{heap / 2**20:.1f}",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(line)) for line in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(rendered)


def run(quick: bool = False) -> dict[str, Any]:
    """Measure every size (2,000 and 20,000 only when ``quick``); a JSON-able record with
    every raw figure (``sizes``) and summary ``rows``."""
    started = time.monotonic()
    load_before = list(os.getloadavg())
    cpu = CpuWatch()
    sizes: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for points in QUICK_SIZES if quick else SIZES:
                sizes.append(measure(browser, points))
        finally:
            browser.close()
    return {
        "quick": quick,
        "seconds": round(time.monotonic() - started, 1),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "cpu": cpu.stop(),  # others_cores > 0.25: something else ran, figures are pessimistic
        "chromium": {"path": CHROMIUM, "args": CHROMIUM_ARGS, "viewport": "1920x1080"},
        "method": {"loads": LOADS, "pan_sessions": PAN_SESSIONS, "pan_seconds": PAN_SECONDS,
                   "changes": CHANGES},
        "sizes": sizes,
        "rows": rows(sizes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wall_page", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 points only (~1 min)")
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = run(args.quick)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"wall_page-{stamp}.json"
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"\nWall page{' (quick)' if args.quick else ''}: {result['seconds']:.0f} s, "
          f"load average {result['load_average_before']} → {result['load_average_after']}\n")
    print(table(result["sizes"]))
    if result["cpu"]["others_cores"] >= 0.25:
        print(f"\nWARNING: other work used {result['cpu']['others_cores']} cores during the run; "
              "figures are pessimistic")
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

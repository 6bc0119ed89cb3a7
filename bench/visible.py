"""Publish → visible in a real Chromium: our wall, the Dash polling reference, the relay's page.

One fresh ``redis-server`` with the demo simulator's bootstrap (2,000 cameras, sensors,
rosters, every indicator) in its log, and three servers reading it, side by side:

* **ours**: a dashboard process (``Dashboard``), its wall page (``wall_url("lang=en")``);
* **Dash polling**: :mod:`bench.dash_polling` (``dcc.Interval(interval=1000)`` + a server
  callback reading the newest 20 entries with XREVRANGE into an ``html.Ul``);
* **raw relay**: :mod:`bench.relay` with ``--forward`` and its tiny page that writes
  every frame's text into the DOM (no validation, state or rendering work at all).

One headless Chromium holds the three pages at once (a context each, 1920×1080), each
ready before the first sample.  Then, ``samples`` times, after a random pause of 0–1 s
(so publish times fall uniformly within the 1 s polling period and the 100 ms /live
window), one probe event is XADDed to ``cn:events``, alternately

* an ``indicator.value`` for ``safety.police_calls_hour`` with a value never seen before
  (90,000 + n): visible when the page's text shows it (our tile "90,017"; the polling
  list's "safety.police_calls_hour 90017"; the relay frame's ``"value":90017``);
* a severity-1 ``incident.reported`` titled "bench probe NNNN": visible when that title
  is in the page's text (our feed and banner; the polling list; the relay frame).

**How "visible" is timed.**  Each page has a ``MutationObserver`` on ``document.body``
(subtree, children and text); when a mutation makes ``document.body.textContent``
contain the expected text, it records ``performance.now()`` (and, in the JSON, the time
of the next animation frame callback, i.e. when that DOM is about to be painted).  Page
time is mapped to this process's ``time.monotonic()`` by an offset calibrated before and
after the samples: 25 reads of the page's ``performance.now()``, each between two
``time.monotonic()`` readings; the read with the shortest round trip gives the offset
(page time ↔ the midpoint), with an error of at most half that round trip (both in the
JSON, with the drift between the two calibrations; Chromium's clock and Python's are
both CLOCK_MONOTONIC, so the drift is ~0).  Latency = the page's DOM time mapped to
monotonic − the stamp taken just before the XADD.  No other events are published: this
is latency on an idle system, the floor of what a screen shows, not its value under
load (``latency`` covers load at the /live level; ``soak`` times severe incidents on the
wall at the demo rate).

Budget (DESIGN.md): severe alarm publish → on screen, p99 <= 300 ms (the incident samples).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.browser import ARM, PROBE, SEEN, WALL_READY, Watched, chromium, clock_offset, open_page
from bench.common import (
    LOG_KEY,
    Budget,
    Dashboard,
    PollingApp,
    Relay,
    Row,
    district_schedule,
    fresh_redis,
    percentiles,
    progress,
    running,
    xadd_pipelined,
)
from support.events import incident_reported, indicator_value

SAMPLES, QUICK_SAMPLES = 80, 60  # half indicator values, half severe incidents
INDICATOR = "safety.police_calls_hour"
BASE_VALUE = 90_000
SEVERE_BUDGET = Budget("<=", 300, "<= 300 ms")
TIMEOUT_MS = 5_000


@dataclass
class Target:
    """One page being timed, and what it saw."""

    name: str
    label: str
    watched: Watched
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"indicator": [], "severe": []})
    frame_latencies: list[float] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    calibrations: list[dict[str, float]] = field(default_factory=list)

    def calibrate(self) -> None:
        self.calibrations.append(clock_offset(self.watched.page))

    @property
    def offset_ms(self) -> float:
        return sum(c["offset_ms"] for c in self.calibrations) / len(self.calibrations)


def _probe_event(n: int, run: str) -> tuple[str, bytes, dict[str, str]]:
    """(kind, raw event, the text each page shows for it)."""
    ts = int(time.time() * 1000)
    if n % 2 == 0:
        value = BASE_VALUE + n
        event = indicator_value(INDICATOR, value, event_id=f"bench-vis-{run}-{n}", ts=ts, source="bench")
        return "indicator", orjson.dumps(event), {
            "ours": f"{value:,}", "polling": f"{INDICATOR} {value}", "relay": f'"value":{value}'}
    title = f"bench probe {run}-{n:04d}"
    event = incident_reported(f"bench-{run}-{n:04d}", domain="safety", title=title, severity=1,
                              event_id=f"bench-vis-{run}-{n}", ts=ts, source="bench", street="hongqiao")
    return "severe", orjson.dumps(event), {"ours": title, "polling": title, "relay": title}


def _sample(targets: list[Target], client: Any, n: int,
            run: str) -> tuple[str, float, list[tuple[Target, float, float | None]]]:
    """Publish probe ``n``; (its kind, the publish stamp in monotonic ms, and per page
    that saw it, the page times of the DOM change and of the next frame)."""
    kind, raw, wants = _probe_event(n, run)
    for target in targets:
        target.watched.page.evaluate(ARM, wants[target.name])
    stamp = time.monotonic()
    client.xadd(LOG_KEY, {"event": raw})
    seen: list[tuple[Target, float, float | None]] = []
    for target in targets:
        try:
            target.watched.page.wait_for_function(SEEN, timeout=TIMEOUT_MS, polling=10)
        except PlaywrightTimeout:
            target.missed.append(n)
            continue
        at, frame = target.watched.page.evaluate("() => [window.__cnProbe.at, window.__cnProbe.frame]")
        seen.append((target, at, frame))
    return kind, stamp * 1000, seen


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    samples = QUICK_SAMPLES if quick else SAMPLES
    bootstrap, _ = district_schedule(0, 20, 10, int(time.time() * 1000))
    run_tag = f"{int(time.time()) % 100_000:05d}"
    rng = random.Random(7)
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with running(Dashboard(server.url)) as dashboard, PollingApp(server.url) as polling, \
                Relay(server.url, forward=True) as relay:
            dashboard.start()
            dashboard.wait_applied(len(bootstrap), 30)
            with chromium() as browser:
                targets = [
                    Target("ours", "our wall", open_page(browser, dashboard.wall_url("lang=en"))),
                    Target("polling", "Dash dcc.Interval(1 s) polling", open_page(browser, polling.page_url)),
                    Target("relay", "raw relay + minimal page", open_page(browser, relay.page_url)),
                ]
                ours, polling_page, relay_page = (t.watched.page for t in targets)
                ours.wait_for_function(WALL_READY, timeout=30_000)
                ours.wait_for_function(f"() => document.getElementById('tile-value-"
                                       f"{INDICATOR.replace('.', '-').replace('_', '-')}')"
                                       ".textContent !== '\\u2014'", timeout=30_000)
                polling_page.wait_for_function("() => document.querySelectorAll('#events li').length > 0",
                                               timeout=30_000)
                relay_page.wait_for_function("() => document.getElementById('state').textContent === 'open'",
                                             timeout=30_000)
                visibility = {t.name: t.watched.page.evaluate("document.visibilityState") for t in targets}
                for target in targets:
                    target.watched.page.evaluate(PROBE)
                    target.calibrate()
                progress(f"visible: 3 pages ready ({visibility}); {samples} probes, 0–1 s apart")
                published = []
                for n in range(samples):
                    time.sleep(rng.uniform(0.0, 1.0))
                    published.append(_sample(targets, client, n, run_tag))
                    if (n + 1) % 20 == 0:
                        progress(f"visible: {n + 1}/{samples} probes")
                for target in targets:
                    target.calibrate()
                errors = {t.name: t.watched.errors for t in targets}
    for kind, stamp_ms, seen in published:
        for target, at, frame in seen:
            target.latencies[kind].append(at + target.offset_ms - stamp_ms)
            if frame is not None:
                target.frame_latencies.append(frame + target.offset_ms - stamp_ms)
    data: dict[str, Any] = {
        "samples": samples, "indicator": INDICATOR, "visibility": visibility, "page_errors": errors,
        "method": "MutationObserver on document.body: performance.now() when its text first contains the "
                  "probe's; page time mapped to time.monotonic() by an offset calibrated before and after "
                  "(quickest of 25 reads); idle log (bootstrap only), probes 0-1 s apart at random",
    }
    for t in targets:
        data[t.name] = {
            "label": t.label,
            "indicator_ms": percentiles(t.latencies["indicator"]),
            "severe_ms": percentiles(t.latencies["severe"]),
            "all_ms": percentiles(t.latencies["indicator"] + t.latencies["severe"]),
            "next_frame_ms": percentiles(t.frame_latencies),
            "missed": t.missed,
            "clock": {"calibrations": t.calibrations,
                      "drift_ms": t.calibrations[-1]["offset_ms"] - t.calibrations[0]["offset_ms"]},
            "raw_ms": {kind: [round(v, 2) for v in values] for kind, values in t.latencies.items()},
        }
    for name in ("ours", "polling", "relay"):
        progress(f"visible: {name}: indicator {data[name]['indicator_ms']}; severe {data[name]['severe_ms']}")
    return _rows(data, samples), data


def _rows(data: dict[str, Any], samples: int) -> list[Row]:
    o, d, r = data["ours"], data["polling"], data["relay"]
    polling, relay = "Dash dcc.Interval(1 s) polling app", "raw relay + minimal page"
    half = samples // 2
    rows = []
    for kind, label in (("indicator", f"indicator value publish→visible in Chromium ({half} each)"),
                        ("severe", "severe incident publish→on screen")):
        ours_ms, polling_ms, relay_ms = o[f"{kind}_ms"], d[f"{kind}_ms"], r[f"{kind}_ms"]
        for stat in ("p50", "p95", "p99"):
            budget = SEVERE_BUDGET if kind == "severe" and stat == "p99" else None
            text = f"{label} {stat}" if stat == "p50" else f"  {stat}"
            rows.append(Row(f"visible.{kind}.{stat}", text, "ms", ours_ms.get(stat, math.nan),
                            polling_ms.get(stat), polling, budget))
        rows.append(Row(f"visible.{kind}.p50_vs_relay", "  p50 against the relay", "ms",
                        ours_ms.get("p50", math.nan), relay_ms.get("p50"), relay))
        rows.append(Row(f"visible.{kind}.p99_vs_relay", "  p99 against the relay", "ms",
                        ours_ms.get("p99", math.nan), relay_ms.get("p99"), relay))
    missed = sum(len(data[name]["missed"]) for name in ("ours", "polling", "relay"))
    if missed:
        rows.append(Row("visible.missed", "  probes never seen (ours; ref: polling)", "count",
                        len(o["missed"]), len(d["missed"]), polling))
    return rows

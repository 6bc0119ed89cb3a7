"""``console-load``: officers' consoles must not slow the wall (issue #18 item 3).

For N = 10,000 and 100,000 incidents (:mod:`bench.console_state`: ~10 % open, over the
streets and levels, with timelines) plus the demo simulator's bootstrap
(``DistrictSimulator(seed=7, video_points=2000)``), XADDed pipelined into a fresh
embedded Redis, a first dashboard replays the log and snapshots it.  At the first N of
the run only, the console is opened with it once per view in a real Chromium
(:mod:`bench.console_capture`: every callback request of the initial load and of one
live refresh, as the page sends them at bench time), and the capture serves every N: the
requests are the same but for the pattern-matching id lists of a few bodies, and at
100,000 incidents the page of the current code cannot finish loading.  The street view
is that state's busiest street.  A view that cannot be captured fails its officer rows.

Then each row (K officers × view) gets a fresh ``python -m dashboard run`` (restored from
the snapshot, so its monitors start afresh) and:

* K signed-in officers (``officer-01`` …, role officer, in the users file) in a child
  process (:mod:`bench.console_officers`): each loads the console (the initial requests)
  before the window, then replays the refresh on its /live cues (one in flight, merged);
* during the window (:data:`ROW_S` s, :data:`QUICK_ROW_S` with ``--quick``) a publisher
  thread XADDs the simulator's typical mix at :data:`RATE` events/s (5 every 100 ms,
  clock-paced, each stamped with ``time.monotonic()`` just before its pipeline), one wall
  client on ``/live`` (the wall token) takes the wall's delay as ``latency`` does (publish
  stamp → first patch whose ``last_id`` covers the entry, :mod:`bench.live_latency`), and
  ``/healthz`` is polled every :data:`HEALTHZ_EVERY_S` s on the clock (a slow answer does not
  delay the next poll).

Per row: console callback latency per request (p50/p95/p99, failures: any answer but
200/204, a timeout, or a request left unanswered :data:`DRAIN_S` s after the window),
bytes per refresh (response bodies as they travelled), the wall's delay, /healthz and the
longest event-loop stall, read from the server's ``cn_event_loop_lag_max_seconds`` (grown
during the window: exact) or ``cn_event_loop_lag_seconds`` (histogram diff: an upper
bound), "n/a" when the server has neither.  Periodic snapshots run as configured by
default (every 30 s): one falling in a window is counted (``snapshots_in_window``).  A
row whose officers cannot load their consoles within :data:`READY_TIMEOUT_S` s, or that
outlives :data:`ROW_TIMEOUT_S` s, is reported failed.

``python -m bench.console_load [--quick] [--incidents 10000,...] [--officers 0,1,...]
[--views district,street] [--seconds S]`` runs a subset alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import redis

from bench import console_capture
from bench import console_figures as figures
from bench.common import (
    LOG_DIR,
    LOG_KEY,
    CpuWatch,
    Dashboard,
    ProcessCpu,
    Row,
    fresh_redis,
    percentiles,
    progress,
    running,
    stream_id,
    wait_for,
    xadd_pipelined,
)
from bench.console_state import incident_history
from bench.live_latency import DRAIN_TIMEOUT_S, _latencies, _loop_lag, _open, _publish, _read
from dashboard.simulator import DistrictSimulator
from support.events import duty_shift, hotline_ticket, incident_reported, now_ms
from support.processes import users_template

INCIDENTS, QUICK_INCIDENTS = (10_000, 100_000), (10_000,)
OFFICERS, QUICK_OFFICERS = (0, 1, 5, 20), (0, 5)
VIEWS = ("district", "street")
ROW_S, QUICK_ROW_S = 20.0, 8.0
RATE, TICK_S = 50, 0.1
HEALTHZ_EVERY_S = 0.5
READY_TIMEOUT_S = 150.0
DRAIN_S = 30.0
ROW_TIMEOUT_S = 300.0
PASSWORD = "console-load-pass-1"
RESULTS = Path(__file__).resolve().parent / "results"


def _officers_file(count: int) -> Path:
    """A users file: the tests' users and wall token plus ``officer-01`` … (role officer)."""
    from dashboard.auth import UserStore

    path = LOG_DIR / f"users-console-load-{os.getpid()}.json"
    if not path.exists():
        shutil.copyfile(users_template(LOG_DIR)[0], path)
        store = UserStore(path)
        for k in range(1, max(OFFICERS) + 1):
            store.add_user(f"officer-{k:02d}", "officer", PASSWORD)
    listing = LOG_DIR / f"officers-{os.getpid()}-{count}.json"
    listing.write_bytes(orjson.dumps([[f"officer-{k:02d}", PASSWORD] for k in range(1, count + 1)]))
    return listing


def _burst(client: redis.Redis, sim: DistrictSimulator, street: str) -> None:
    """Events that concern every console area at once (cameras, sensors, indicators,
    a ticket, an incident, a duty shift): the capture's live cue.  Appended in one
    MULTI/EXEC, so the replica reads them in one batch and one patch cues every area
    (a plain pipeline let the first entries out alone: a first cue of one area, and
    the page's refresh came in two rounds)."""
    t = now_ms()
    events = sim.step(t, 30) + [
        dict(incident_reported(f"inc-capture-{t}", title="容量测试", severity=3, street=street, ts=t)),
        dict(hotline_ticket(f"12345-capture-{t}", street=street, ts=t)),
        dict(duty_shift("district", "值班员", "测试员", ts=t)),
    ]
    pipe = client.pipeline(transaction=True)
    for event in events:
        pipe.xadd(LOG_KEY, {"event": orjson.dumps(event)})
    pipe.execute()


async def _ask(child: asyncio.subprocess.Process, message: dict[str, Any] | None,
               timeout: float) -> dict[str, Any]:
    assert child.stdin is not None and child.stdout is not None
    if message is not None:
        child.stdin.write(orjson.dumps(message) + b"\n")
        await child.stdin.drain()
    line = await asyncio.wait_for(child.stdout.readline(), timeout)
    if not line:
        raise RuntimeError(f"the officers' process exited ({await child.wait()})")
    return dict(orjson.loads(line))


async def _poll_health(url: str, samples: list[tuple[float, float, str | None]], stop: asyncio.Event) -> None:
    """GET /healthz every HEALTHZ_EVERY_S s on the clock, as a monitor does (a slow answer
    does not delay the next poll); (sent, seconds or NaN, snapshot id) each."""
    async def one(client: httpx.AsyncClient) -> None:
        start = time.monotonic()
        try:
            snapshot = (await client.get(f"{url}/healthz")).json().get("snapshot_id")
            samples.append((start, time.monotonic() - start, snapshot))
        except httpx.HTTPError:
            samples.append((start, math.nan, None))

    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=None)) as client:
        polls, start, k = [], time.monotonic(), 0
        while not stop.is_set():
            polls.append(asyncio.create_task(one(client)))
            k += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, start + k * HEALTHZ_EVERY_S - time.monotonic()))
        await asyncio.gather(*polls)


OFFICERS_NICE = 10


async def _worker_ready(url: str, timeout: float = 120.0) -> dict[str, Any]:
    """The server's console worker (dashboard/console_worker.py) once it is ready (the
    officers' first requests start it; until it is ready the server serves them itself),
    as /healthz describes it; what it said last after ``timeout``."""
    deadline = time.monotonic() + timeout
    worker: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            worker = (await client.get(f"{url}/healthz")).json().get("console_worker") or {}
            if worker.get("status") in ("ready", None):
                break
            await asyncio.sleep(0.5)
    return worker


async def _measure(dashboard: Dashboard, redis_url: str, redis_pid: int, officers: int,
                   capture_file: Path | None, sim: DistrictSimulator, seconds: float) -> dict[str, Any]:
    child = None
    record: dict[str, Any] = {}
    try:
        if officers:
            assert capture_file is not None
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.console_officers", "--base", dashboard.url,
                "--capture", str(capture_file), "--users", str(_officers_file(officers)),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**31,
                # the officers stand for browsers on other machines: at a lower CPU priority
                # than the server, so the load generator does not take the server's cores
                preexec_fn=lambda: os.nice(OFFICERS_NICE))
            try:
                ready = await _ask(child, None, READY_TIMEOUT_S)
            except TimeoutError:
                raise TimeoutError(f"consoles not loaded within {READY_TIMEOUT_S:.0f} s") from None
            initial = ready["initial"]
            record["initial"] = figures.initial_figures(initial)
            if ready["error"]:
                raise RuntimeError(f"officers not ready: {ready['error']}")
            progress(f"    {officers} officers loaded their consoles: slowest "
                     f"{record['initial']['per_officer_ms'].get('max', math.nan):,.0f} ms")
            record["console_worker"] = worker = await _worker_ready(dashboard.url)
            if worker.get("status") != "ready":
                progress(f"    the console worker is not ready ({worker}): callbacks served in process")
        ws, wall = await _open(dashboard.live_url())
        reader = asyncio.create_task(_read(ws, wall))
        health: list[tuple[float, float, str | None]] = []
        lag: list[float] = []
        stop = asyncio.Event()
        tasks = [asyncio.create_task(_poll_health(dashboard.url, health, stop)),
                 asyncio.create_task(_loop_lag(lag, stop))]
        lag_before = await asyncio.to_thread(figures.lag_metrics, dashboard.url)
        worker_pid = record.get("console_worker", {}).get("pid")
        pids = {"server": dashboard.pid, "redis": redis_pid, "harness": os.getpid(),
                **({"officers": child.pid} if child else {}),
                **({"console_worker": worker_pid} if worker_pid else {})}
        cpu, machine = ProcessCpu(pids).start(), CpuWatch()
        if child:
            assert child.stdin is not None
            child.stdin.write(b'{"t":"go"}\n')
            await child.stdin.drain()
        schedule = _schedule(sim, seconds)  # event times from now on
        old_switch = sys.getswitchinterval()
        sys.setswitchinterval(0.001)  # the publisher thread gets the GIL promptly
        try:
            published = await asyncio.to_thread(_publish, redis_url, schedule, TICK_S)
        finally:
            sys.setswitchinterval(old_switch)
        window_end = time.monotonic()
        record["cpu_cores"], record["machine_cpu"] = cpu.stop(), machine.stop()
        stop.set()
        await asyncio.gather(*tasks)
        lag_after = await asyncio.to_thread(figures.lag_metrics, dashboard.url)
        final = stream_id(published["ids"][-1])
        drained = (await _ask(child, {"t": "stop", "drain_s": DRAIN_S}, DRAIN_S + 60)) if child else {}
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while wall.newest < final and not wall.closed and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await ws.close()
    finally:
        if child is not None and child.returncode is None:
            child.kill()
            await child.wait()
    window = [h for h in health if h[0] <= window_end]
    snapshots = {h[2] for h in window if h[2]}
    wall_record = _latencies(published, [wall])
    record.update({
        "wall": {k: wall_record[k] for k in ("latency_ms", "delivered_percent", "published", "frames",
                                             "timeline")},
        "healthz_ms": percentiles([h[1] * 1000 for h in window if not math.isnan(h[1])]),
        "healthz_failed": sum(1 for h in window if math.isnan(h[1])),
        "stall": figures.stall(lag_before, lag_after),
        "lag_metrics": {"before": lag_before, "after": lag_after},
        "snapshots_in_window": max(0, len(snapshots) - 1),
        "achieved_rate": len(published["ids"]) / published["elapsed_s"],
        "publisher": {k: v for k, v in published.items() if k not in ("ids", "stamps")},
        "harness_loop_lag_ms": percentiles(np.array(lag) * 1000),
    })
    if child:
        record["console"] = figures.console_figures(drained)
    return record


def _schedule(sim: DistrictSimulator, seconds: float) -> list[list[bytes]]:
    start, per_tick = now_ms(), round(RATE * TICK_S)
    return [[orjson.dumps(e) for e in sim.step(start + round(k * TICK_S * 1000), per_tick)]
            for k in range(round(seconds / TICK_S))]


def _row(server_url: str, redis_pid: int, client: redis.Redis, sim: DistrictSimulator, officers: int,
         capture_file: Path | None, seconds: float) -> dict[str, Any]:
    with running(Dashboard(server_url)) as dashboard:
        shutil.copyfile(LOG_DIR / f"users-console-load-{os.getpid()}.json", dashboard.users_file)
        dashboard.start(timeout=120)
        dashboard.wait_applied(int(client.xlen(LOG_KEY)), 120)
        coroutine = _measure(dashboard, server_url, redis_pid, officers, capture_file, sim, seconds)
        record = asyncio.run(asyncio.wait_for(coroutine, ROW_TIMEOUT_S))
        record["server_rss_bytes"] = dashboard.rss_bytes()
    return record


def _scenario(incidents: int, officers: Iterable[int], views: Iterable[str], seconds: float,
              captures: dict[str, Path | str], street: list[str]) -> dict[str, Any]:
    """Every row of one N: load the state, capture the console if not done yet, measure."""
    now = now_ms()
    history, facts = incident_history(incidents, now - 60_000)
    sim = DistrictSimulator(seed=7, video_points=2000, start_ms=now)
    bootstrap = [orjson.dumps(e) for e in sim.bootstrap()]
    street = street or [str(facts["busiest_street"])]
    out: dict[str, Any] = {"incidents": incidents, "state": facts, "street": street[0], "rows": []}
    _officers_file(0)
    with fresh_redis() as (server, client):
        t = time.monotonic()
        last = xadd_pipelined(client, history + bootstrap)
        out["xadd_s"] = time.monotonic() - t
        total = len(history) + len(bootstrap)
        del history
        with running(Dashboard(server.url)) as first:
            shutil.copyfile(LOG_DIR / f"users-console-load-{os.getpid()}.json", first.users_file)
            first.start(timeout=600)
            first.wait_applied(total, 600)
            out["replay_s"] = time.monotonic() - t - out["xadd_s"]
            out["restore_seconds_metric"] = first.metric("cn_restore_seconds")
            wait_for(lambda: streamids_at_least(first.health()["snapshot_id"], last), 300, 0.5, "a snapshot")
            progress(f"console-load: {incidents:,} incidents ({facts['events']:,} events + "
                     f"{len(bootstrap):,} bootstrap) replayed in {out['replay_s']:.1f} s; snapshot written")
            for view in views:
                if view not in captures and any(officers):
                    out.setdefault("captures", {})[view] = _capture(first.url, view, client, sim, street[0],
                                                                    captures)
        assert server.process is not None
        failed: dict[str, int] = {}  # view → the fewest officers that failed it
        for k in officers:
            for view in (views if k else ("—",)):
                progress(f"console-load: {incidents:,} incidents, {k} officers, view {view}, {seconds:.0f} s")
                row: dict[str, Any] = {"officers": k, "view": view, "seconds": seconds}
                try:
                    capture = captures.get(view)
                    if isinstance(capture, str):
                        raise RuntimeError(capture)
                    if view in failed:  # more officers would fail too, only later
                        raise RuntimeError(f"skipped: the row with {failed[view]} officers failed")
                    row.update(_row(server.url, server.process.pid, client, sim, k, capture, seconds))
                    figures.report_row(row)
                except Exception as exc:  # a row that fails is reported, the others still run
                    row["error"] = f"{type(exc).__name__}: {exc}"
                    failed.setdefault(view, k)
                    progress(f"    FAILED: {row['error']}")
                out["rows"].append(row)
    return out


def _capture(url: str, view: str, client: redis.Redis, sim: DistrictSimulator, street: str,
             captures: dict[str, Path | str]) -> dict[str, Any]:
    """Record the console of ``view`` in Chromium into ``captures[view]`` (a file), or the
    reason it could not be recorded (a string: its officer rows fail)."""
    path = "/console" + (f"?street={street}" if view == "street" else "")
    progress(f"console-load: capturing {path} in Chromium")
    try:
        result = console_capture.capture(url, path, lambda: _burst(client, sim, street))
    except Exception as exc:  # the page could not load or refresh: its officer rows fail
        captures[view] = f"no capture of {path}: {type(exc).__name__}: {exc}"
        progress(f"  {captures[view]}")
        return {"path": path, "error": captures[view]}
    file = LOG_DIR / f"console-capture-{os.getpid()}-{view}.json"
    file.write_bytes(orjson.dumps(result.to_json()))
    captures[view] = file
    waves = [1 + max(r.wave for r in phase) for phase in (result.initial, result.refresh)]
    progress(f"  initial: {len(result.initial)} requests in {waves[0]} wave(s), {result.initial_s:.1f} s; "
             f"refresh: {len(result.refresh)} requests in {waves[1]} wave(s); cues {result.cues}")
    return result.summary()


def streamids_at_least(snapshot_id: str | None, last: str) -> bool:
    return bool(snapshot_id) and stream_id(str(snapshot_id)) >= stream_id(last)


def run(quick: bool, incidents: Iterable[int] | None = None, officers: Iterable[int] | None = None,
        views: Iterable[str] = VIEWS, seconds: float | None = None) -> tuple[list[Row], dict[str, Any]]:
    """Every row of :data:`INCIDENTS` × :data:`OFFICERS` × :data:`VIEWS` (``quick``: the
    :data:`QUICK_INCIDENTS` × :data:`QUICK_OFFICERS` ones, :data:`QUICK_ROW_S` s each)."""
    incidents = tuple(incidents or (QUICK_INCIDENTS if quick else INCIDENTS))
    officers = tuple(officers if officers is not None else (QUICK_OFFICERS if quick else OFFICERS))
    seconds = seconds or (QUICK_ROW_S if quick else ROW_S)
    captures: dict[str, Path | str] = {}
    street: list[str] = []
    scenarios = []
    for n in incidents:
        scenarios.append(_scenario(n, officers, tuple(views), seconds, captures, street))
        street = [scenarios[-1]["street"]]
    table = figures.summary(scenarios)
    progress("console-load:\n" + table)
    data = {"rate": RATE, "row_s": seconds, "officers": list(officers), "views": list(views),
            "healthz_every_s": HEALTHZ_EVERY_S, "scenarios": scenarios, "summary_markdown": table}
    return figures.rows_of(scenarios), data


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import table

    def ints(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser = argparse.ArgumentParser(prog="python -m bench.console_load", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--incidents", type=ints, help="e.g. 10000,100000 (the default)")
    parser.add_argument("--officers", type=ints, help="e.g. 0,1,5,20 (the default)")
    parser.add_argument("--views", type=lambda t: [v for v in t.split(",") if v], default=list(VIEWS))
    parser.add_argument("--seconds", type=float, help=f"of each row's window (default {ROW_S:g})")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    rows, data = run(args.quick, args.incidents, args.officers, args.views, args.seconds)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"console-load-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_bytes(orjson.dumps({"started_utc": started.isoformat(), "rows": [r.to_json() for r in rows],
                                   "data": data}, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    print(table({"console-load": {"rows": [r.to_json() for r in rows], "error": None}}))
    print(f"\n{data['summary_markdown']}\n\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Publish → /live client latency, for the dashboard and for the raw relay, measured alike.

``latency`` (the budget row): one process: ``clients`` WebSocket clients on one asyncio
loop read every frame as it comes; a publisher *thread* with its own Redis client XADDs
a small batch every tick (clock-paced, catching up if late) and stamps each returned
entry id with ``time.monotonic()`` taken just before the pipeline is sent.  An event is
delivered to a client when the client receives the first patch (or resync hello) whose
``last_id`` is at or after the event's entry id; latency = that receive time − the
publish stamp.

``latency-load``: the same measurement at 1,000 and 5,000 events/s with 50 and 200
clients, for both servers, but the clients live in :data:`CLIENT_PROCESSES` child
processes (:mod:`bench.live_clients`) and this process only publishes: one Python loop
cannot read the relay's ~100 frames/s × 200 clients (it saturated a core and its loop
lag became the relay's latency).  ``time.monotonic()`` is system-wide, so stamps and
receive times still compare.  The publisher's achieved rate is reported; a rate that
could not be sustained shows in the row's label, not hidden.

Clients decode only what they need (``t``, ``seq``, ``last_id``, found at the frame's
start, since /live encodes them first); the loops' own lag and every process's CPU are
recorded so a saturated measuring process shows up in the JSON.

Budget (DESIGN.md): 2,000 events/s, 50 clients: p50 <= 150 ms, p99 <= 500 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import (
    LOG_KEY,
    ROOT,
    Budget,
    Dashboard,
    Relay,
    Row,
    district_schedule,
    fresh_redis,
    percentiles,
    progress,
    running,
    stream_id,
    xadd_pipelined,
)
from dashboard.redis_clients import sync_client

RATE = 2_000  # events/s
TICK_S = 0.01  # one pipelined XADD batch every 10 ms
CLIENTS = 50
DRAIN_TIMEOUT_S = 15.0
P50_BUDGET = Budget("<=", 150, "<= 150 ms")
P99_BUDGET = Budget("<=", 500, "<= 500 ms")
ALL_DELIVERED = Budget(">=", 100.0, "100 %")
_LAST_ID = b'"last_id":"'
LOAD_RATES = (1_000, 5_000)
LOAD_CLIENTS = (50, 200)
CLIENT_PROCESSES = 2


@dataclass
class Receiver:
    """What one measuring client saw: (receive time, last_id) of every delivering frame."""

    times: list[float] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    hello_id: int = 0
    patches: int = 0
    beats: int = 0
    resync_hellos: int = 0
    other: int = 0
    seq_gaps: int = 0
    bytes: int = 0
    closed: str | None = None
    last_seq: int | None = None

    @property
    def newest(self) -> int:
        return self.ids[-1] if self.ids else self.hello_id


def _patch_fields(frame: bytes) -> tuple[int | None, int]:
    """(seq, last_id) of a patch frame, from its first bytes when /live's order holds."""
    start = frame.find(_LAST_ID, 0, 200)
    if start < 0:
        message = orjson.loads(frame)
        return message.get("seq"), stream_id(message["last_id"])
    start += len(_LAST_ID)
    last_id = stream_id(frame[start:frame.index(b'"', start)])
    seq_at = frame.find(b'"seq":', 0, start)
    seq = int(frame[seq_at + 6:frame.index(b",", seq_at)]) if seq_at >= 0 else None
    return seq, last_id


async def _read(ws: ClientConnection, receiver: Receiver) -> None:
    try:
        while True:
            frame = await ws.recv(decode=False)
            now = time.monotonic()
            assert isinstance(frame, bytes)
            receiver.bytes += len(frame)
            if frame.startswith(b'{"t":"patch"'):
                seq, last_id = _patch_fields(frame)
                if seq is not None and receiver.last_seq is not None and seq != receiver.last_seq + 1:
                    receiver.seq_gaps += 1
                receiver.last_seq = seq
                receiver.patches += 1
                receiver.times.append(now)
                receiver.ids.append(last_id)
            elif frame.startswith(b'{"t":"beat"'):
                receiver.beats += 1
            elif frame.startswith(b'{"t":"hello"'):  # a resync: the hello holds the state
                hello = orjson.loads(frame)
                receiver.resync_hellos += 1
                receiver.last_seq = hello["seq"]
                receiver.times.append(now)
                receiver.ids.append(stream_id(hello["view"]["last_id"]))
            else:
                receiver.other += 1
    except ConnectionClosed as exc:
        receiver.closed = f"{exc.rcvd.code if exc.rcvd else ''} {exc.rcvd.reason if exc.rcvd else ''}"


async def _open(url: str) -> tuple[ClientConnection, Receiver]:
    ws = await connect(url, compression=None, max_size=None, ping_interval=None, open_timeout=20)
    first = orjson.loads(await asyncio.wait_for(ws.recv(decode=False), 20))
    if first.get("t") != "hello":
        raise RuntimeError(f"first frame from {url} is not a hello: {str(first)[:200]}")
    receiver = Receiver(hello_id=stream_id(first["view"]["last_id"]), last_seq=first.get("seq"))
    return ws, receiver


def _publish(redis_url: str, schedule: list[list[bytes]], tick_s: float) -> dict[str, Any]:
    """XADD ``schedule[k]`` at start + k·tick (clock-paced); ids and monotonic stamps."""
    client = sync_client(redis_url)
    ids: list[bytes] = []
    stamps: list[float] = []
    lateness: list[float] = []
    round_trip: list[float] = []
    try:
        client.ping()  # connect before the clock starts
        start = time.monotonic() + 0.02
        for k, batch in enumerate(schedule):
            target = start + k * tick_s
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pipe = client.pipeline(transaction=False)
            for raw in batch:
                pipe.xadd(LOG_KEY, {"event": raw})
            sent = time.monotonic()
            reply = pipe.execute()
            round_trip.append(time.monotonic() - sent)
            lateness.append(sent - target)
            ids += reply
            stamps += [sent] * len(reply)
        elapsed = time.monotonic() - start
    finally:
        client.close()
    return {"ids": ids, "stamps": stamps, "elapsed_s": elapsed,
            "lateness_ms": percentiles(np.array(lateness) * 1000),
            "round_trip_ms": percentiles(np.array(round_trip) * 1000)}


async def _loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t = time.monotonic()
        await asyncio.sleep(0.01)
        samples.append(time.monotonic() - t - 0.01)


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            out[name] = times.user + times.system
    return out


async def measure(ws_url: str, redis_url: str, schedule: list[list[bytes]], clients: int,
                  tick_s: float, pids: dict[str, int], processes: int = 0) -> dict[str, Any]:
    """Connect ``clients``, publish ``schedule``, wait for delivery; the latency record.

    ``processes`` > 0 puts the clients in that many child processes (see
    :func:`_measure_split`); 0 keeps them on this process's loop."""
    if processes:
        return await _measure_split(ws_url, redis_url, schedule, clients, tick_s, pids, processes)
    opened = await asyncio.gather(*(_open(ws_url) for _ in range(clients)))
    progress(f"  {clients} clients connected, hellos received; publishing")
    receivers = [receiver for _, receiver in opened]
    readers = [asyncio.create_task(_read(ws, receiver)) for ws, receiver in opened]
    lag: list[float] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(_loop_lag(lag, stop))
    pids = {"measuring_process": psutil.Process().pid, **pids}
    cpu_before, wall_before = _cpu_seconds(pids), time.monotonic()
    old_switch = sys.getswitchinterval()
    sys.setswitchinterval(0.001)  # the publisher thread gets the GIL promptly
    try:
        published = await asyncio.to_thread(_publish, redis_url, schedule, tick_s)
        final = stream_id(published["ids"][-1])
        progress(f"  published {len(published['ids']):,} in {published['elapsed_s']:.2f} s; draining")
        drain_started = time.monotonic()
        while time.monotonic() - drain_started < DRAIN_TIMEOUT_S:
            if all(r.newest >= final or r.closed for r in receivers):
                break
            await asyncio.sleep(0.01)
        drain_s = time.monotonic() - drain_started
    finally:
        sys.setswitchinterval(old_switch)
        cpu_after, wall_after = _cpu_seconds(pids), time.monotonic()
        stop.set()
        await lag_task
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws, _ in opened), return_exceptions=True)
    record = _latencies(published, receivers)
    wall = wall_after - wall_before
    record.update({
        "clients": clients, "tick_s": tick_s, "drain_s": drain_s,
        "publisher": {k: v for k, v in published.items() if k not in ("ids", "stamps")},
        "achieved_rate": len(published["ids"]) / published["elapsed_s"],
        "client_loop_lag_ms": percentiles(np.array(lag) * 1000),
        "cpu_percent": {name: round(100 * (cpu_after[name] - cpu_before[name]) / wall, 1)
                        for name in cpu_after if name in cpu_before},
        "harness": {"client_processes": 0, "clients_on_publisher_loop": clients},
    })
    return record


async def _measure_split(ws_url: str, redis_url: str, schedule: list[list[bytes]], clients: int,
                         tick_s: float, pids: dict[str, int], processes: int) -> dict[str, Any]:
    """:func:`measure` with the clients in ``processes`` :mod:`bench.live_clients` children;
    this process runs only the publisher thread."""
    sizes = [clients // processes + (1 if k < clients % processes else 0) for k in range(processes)]
    children = []
    try:
        for size in sizes:
            children.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.live_clients", "--url", ws_url, "--clients", str(size),
                cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**31))

        async def ask(child: asyncio.subprocess.Process, message: dict[str, Any] | None,
                      timeout: float) -> dict[str, Any]:
            assert child.stdin is not None and child.stdout is not None
            if message is not None:
                child.stdin.write(orjson.dumps(message) + b"\n")
                await child.stdin.drain()
            line = await asyncio.wait_for(child.stdout.readline(), timeout)
            if not line:
                raise RuntimeError(f"client process {child.pid} exited ({await child.wait()})")
            return dict(orjson.loads(line))

        await asyncio.gather(*(ask(child, None, 60) for child in children))
        progress(f"  {clients} clients connected in {processes} processes ({sizes}); publishing")
        pids = {"publisher": os.getpid(), **{f"clients_{k}": c.pid for k, c in enumerate(children)}, **pids}
        cpu_before, wall_before = _cpu_seconds(pids), time.monotonic()
        published = await asyncio.to_thread(_publish, redis_url, schedule, tick_s)
        final = stream_id(published["ids"][-1])
        progress(f"  published {len(published['ids']):,} in {published['elapsed_s']:.2f} s; draining")
        drained = await asyncio.gather(*(ask(c, {"final": final}, DRAIN_TIMEOUT_S + 30) for c in children))
        cpu_after, wall_after = _cpu_seconds(pids), time.monotonic()
        dumps = await asyncio.gather(*(ask(c, {"t": "dump"}, 120) for c in children))
        await asyncio.gather(*(c.wait() for c in children))
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    receivers = [Receiver(**fields) for dump in dumps for fields in dump["receivers"]]
    lag = [sample for dump in dumps for sample in dump["lag"]]
    record = _latencies(published, receivers)
    wall = wall_after - wall_before
    record.update({
        "clients": clients, "tick_s": tick_s, "drain_s": max(d["drain_s"] for d in drained),
        "publisher": {k: v for k, v in published.items() if k not in ("ids", "stamps")},
        "achieved_rate": len(published["ids"]) / published["elapsed_s"],
        "client_loop_lag_ms": percentiles(np.array(lag) * 1000),
        "cpu_percent": {name: round(100 * (cpu_after[name] - cpu_before[name]) / wall, 1)
                        for name in cpu_after if name in cpu_before},
        "harness": {"client_processes": processes, "clients_per_process": sizes},
    })
    return record


def _latencies(published: dict[str, Any], receivers: list[Receiver]) -> dict[str, Any]:
    event_ids = np.array([stream_id(i) for i in published["ids"]], dtype=np.int64)
    stamps = np.array(published["stamps"], dtype=np.float64)
    if np.any(np.diff(event_ids) <= 0):
        raise RuntimeError("XADD ids are not increasing")
    second_of_event = np.floor(stamps - stamps[0]).astype(np.int64)
    latencies, seconds, per_client = [], [], []
    for receiver in receivers:
        # newest id seen so far, per frame: the first frame reaching an event's id delivers it
        reached_ids = np.maximum.accumulate(np.array(receiver.ids or [0], dtype=np.int64))
        times = np.array(receiver.times or [np.nan], dtype=np.float64)
        index = np.searchsorted(reached_ids, event_ids, side="left")
        reached = index < len(receiver.ids)
        latency_ms = (times[index[reached]] - stamps[reached]) * 1000
        latencies.append(latency_ms)
        seconds.append(second_of_event[reached])
        per_client.append(percentiles(latency_ms))
    latency_ms = np.concatenate(latencies)
    second = np.concatenate(seconds)
    delivered = int(latency_ms.size)
    expected = event_ids.size * len(receivers)
    timeline = []  # how latency evolves over the run, all clients pooled
    for s in range(int(second.max()) + 1 if second.size else 0):
        chunk = latency_ms[second == s]
        if chunk.size:
            p50, p99 = np.percentile(chunk, [50, 99])
            timeline.append({"second": s, "p50_ms": round(float(p50), 2), "p99_ms": round(float(p99), 2)})
    bins = np.arange(0, max(1000.0, float(latency_ms.max()) + 10 if latency_ms.size else 0) + 10, 10)
    counts, _ = np.histogram(latency_ms, bins=bins)
    return {
        "published": int(event_ids.size), "expected": expected, "delivered": delivered,
        "delivered_percent": 100.0 * delivered / expected if expected else 0.0,
        "negative_latencies": int((latency_ms < 0).sum()),
        "latency_ms": percentiles(latency_ms),
        "per_client_ms": {"p50": [round(c.get("p50", float("nan")), 2) for c in per_client],
                          "p99": [round(c.get("p99", float("nan")), 2) for c in per_client]},
        "timeline": timeline,
        "histogram_10ms": {f"{int(bins[i])}": int(n) for i, n in enumerate(counts) if n},
        "frames": {
            "patches_per_client_mean": float(np.mean([r.patches for r in receivers])),
            "beats": sum(r.beats for r in receivers),
            "resync_hellos": sum(r.resync_hellos for r in receivers),
            "seq_gaps": sum(r.seq_gaps for r in receivers),
            "other": sum(r.other for r in receivers),
            "bytes_per_client_mean": float(np.mean([r.bytes for r in receivers])),
            "closed": [r.closed for r in receivers if r.closed],
        },
    }


# ---------------------------------------------------------------------- the benchmark


def _schedule(duration_s: float, rate: int = RATE) -> tuple[list[bytes], list[list[bytes]]]:
    """(bootstrap, one batch per tick) of simulator events with ts around now."""
    per_tick = round(rate * TICK_S)
    ticks = round(duration_s / TICK_S)
    return district_schedule(-ticks, per_tick, round(TICK_S * 1000), int(time.time() * 1000))


def _run_dashboard(bootstrap: list[bytes], schedule: list[list[bytes]], clients: int = CLIENTS,
                   processes: int = 0) -> dict[str, Any]:
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start()
            dashboard.wait_applied(len(bootstrap), 30)
            assert server.process is not None
            record = asyncio.run(measure(dashboard.live_url(), server.url, schedule, clients, TICK_S,
                                         {"server": dashboard.pid, "redis": server.process.pid}, processes))
            record["server_metrics"] = {name: dashboard.metric(name) for name in (
                "cn_live_patches_total", "cn_live_frames_sent_total", "cn_live_resyncs_total",
                "cn_live_slow_disconnects_total")}
            record["server_rss_bytes"] = dashboard.rss_bytes()
    return record


def _run_relay(bootstrap: list[bytes], schedule: list[list[bytes]], clients: int = CLIENTS,
               processes: int = 0) -> dict[str, Any]:
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with Relay(server.url) as relay:
            assert server.process is not None
            return asyncio.run(measure(relay.ws_url, server.url, schedule, clients, TICK_S,
                                       {"server": relay.pid, "redis": server.process.pid}, processes))


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    duration = 10.0 if quick else 20.0
    bootstrap, schedule = _schedule(duration)
    progress(f"latency: dashboard, {CLIENTS} clients, {RATE:,} ev/s for {duration:.0f} s")
    ours = _run_dashboard(bootstrap, schedule)
    _report(ours)
    progress(f"latency: raw relay, {CLIENTS} clients, {RATE:,} ev/s for {duration:.0f} s")
    relay = _run_relay(bootstrap, schedule)
    _report(relay)
    o, r = ours["latency_ms"], relay["latency_ms"]
    ref = "raw Redis→WS relay"
    rows = [
        Row("latency.p50", f"publish→/live p50, {CLIENTS} clients, {RATE:,} ev/s", "ms",
            o.get("p50", float("nan")), r.get("p50"), ref, P50_BUDGET),
        Row("latency.p95", "  p95", "ms", o.get("p95", float("nan")), r.get("p95"), ref),
        Row("latency.p99", "  p99", "ms", o.get("p99", float("nan")), r.get("p99"), ref, P99_BUDGET),
        Row("latency.delivered", f"  delivered of {ours['expected']:,} (event, client) pairs", "%",
            ours["delivered_percent"], relay["delivered_percent"], ref, ALL_DELIVERED),
    ]
    data = {"rate": RATE, "duration_s": duration, "clients": CLIENTS, "dashboard": ours, "relay": relay}
    return rows, data


def load(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """``latency-load``: every (rate, clients) of :data:`LOAD_RATES` × :data:`LOAD_CLIENTS`,
    ours and the relay, clients in :data:`CLIENT_PROCESSES` processes."""
    duration = 5.0 if quick else 15.0
    rows: list[Row] = []
    runs: list[dict[str, Any]] = []
    ref = "raw Redis→WS relay"
    for rate in LOAD_RATES:
        bootstrap, schedule = _schedule(duration, rate)
        for clients in LOAD_CLIENTS:
            records = {}
            for name, runner in (("dashboard", _run_dashboard), ("relay", _run_relay)):
                progress(f"latency-load: {name}, {clients} clients, {rate:,} ev/s for {duration:.0f} s, "
                         f"clients in {CLIENT_PROCESSES} processes")
                records[name] = runner(bootstrap, schedule, clients, CLIENT_PROCESSES)
                _report(records[name])
            o, r = records["dashboard"], records["relay"]
            runs.append({"rate": rate, "clients": clients, "duration_s": duration, **records})
            achieved = min(o["achieved_rate"], r["achieved_rate"])
            short = "" if achieved >= 0.98 * rate else f" (publisher achieved only {achieved:,.0f} ev/s)"
            key = f"latency_load.r{rate}_c{clients}"
            rows += [
                Row(f"{key}.p50", f"publish→/live p50, {clients} clients, {rate:,} ev/s{short}", "ms",
                    o["latency_ms"].get("p50", math.nan), r["latency_ms"].get("p50"), ref),
                Row(f"{key}.p99", "  p99", "ms", o["latency_ms"].get("p99", math.nan),
                    r["latency_ms"].get("p99"), ref),
                Row(f"{key}.delivered", f"  delivered of {o['expected']:,} (event, client) pairs", "%",
                    o["delivered_percent"], r["delivered_percent"], ref, ALL_DELIVERED),
            ]
    data = {"rates": list(LOAD_RATES), "clients": list(LOAD_CLIENTS), "duration_s": duration,
            "client_processes": CLIENT_PROCESSES, "runs": runs}
    return rows, data


def _report(record: dict[str, Any]) -> None:
    lat = record["latency_ms"]
    progress(f"  achieved {record['achieved_rate']:,.0f} ev/s; delivered {record['delivered']:,}/"
             f"{record['expected']:,}; p50 {lat.get('p50', 0):.1f} ms "
             f"p99 {lat.get('p99', 0):.1f} ms; cpu % {record['cpu_percent']}; "
             f"client loop lag p99 {record['client_loop_lag_ms'].get('p99', 0):.1f} ms")

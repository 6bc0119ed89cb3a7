"""Publish → /live client latency, for the dashboard and for the raw relay, measured alike.

One process: ``clients`` WebSocket clients on one asyncio loop read every frame as it
comes; a publisher *thread* with its own Redis client XADDs a small batch every tick
(clock-paced, catching up if late) and stamps each returned entry id with
``time.monotonic()`` taken just before the pipeline is sent.  An event is delivered to a
client when the client receives the first patch (or resync hello) whose ``last_id`` is at
or after the event's entry id; latency = that receive time − the publish stamp.

Clients decode only what they need (``t``, ``seq``, ``last_id``, found at the frame's
start, since /live encodes them first); the loop's own lag and the process's CPU are
recorded so a saturated measuring process shows up in the JSON.

Budget (DESIGN.md): 2,000 events/s, 50 clients: p50 <= 150 ms, p99 <= 500 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import psutil
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import (
    LOG_DIR,
    LOG_KEY,
    ROOT,
    Budget,
    Dashboard,
    Row,
    district_schedule,
    fresh_redis,
    percentiles,
    progress,
    running,
    stream_id,
    wait_for,
    xadd_pipelined,
)
from dashboard.redis_server import free_port

RATE = 2_000  # events/s
TICK_S = 0.01  # one pipelined XADD batch every 10 ms
CLIENTS = 50
DRAIN_TIMEOUT_S = 15.0
P50_BUDGET = Budget("<=", 150, "<= 150 ms")
P99_BUDGET = Budget("<=", 500, "<= 500 ms")
ALL_DELIVERED = Budget(">=", 100.0, "100 %")
_LAST_ID = b'"last_id":"'


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
    client = redis.Redis.from_url(redis_url)
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
                  tick_s: float, pids: dict[str, int]) -> dict[str, Any]:
    """Connect ``clients``, publish ``schedule``, wait for delivery; the latency record."""
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


# ---------------------------------------------------------------------- the relay process


class Relay:
    """``python -m bench.relay`` as a child process on a free loopback port."""

    def __init__(self, redis_url: str) -> None:
        self.port = free_port()
        self.redis_url = redis_url
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = LOG_DIR / f"relay-{self.port}.log"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> Relay:
        LOG_DIR.mkdir(exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.relay", "--redis-url", self.redis_url,
                 "--port", str(self.port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

        def listening() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"relay exited with {self.process.returncode}; see {self.log_path}")
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True

        wait_for(listening, 20, interval=0.01, message=f"relay on {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# ---------------------------------------------------------------------- the benchmark


def _schedule(duration_s: float) -> tuple[list[bytes], list[list[bytes]]]:
    """(bootstrap, one batch per tick) of simulator events with ts around now."""
    per_tick = round(RATE * TICK_S)
    ticks = round(duration_s / TICK_S)
    return district_schedule(-ticks, per_tick, round(TICK_S * 1000), int(time.time() * 1000))


def _run_dashboard(bootstrap: list[bytes], schedule: list[list[bytes]]) -> dict[str, Any]:
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start()
            dashboard.wait_applied(len(bootstrap), 30)
            assert server.process is not None
            record = asyncio.run(measure(dashboard.ws_url, server.url, schedule, CLIENTS, TICK_S,
                                         {"server": dashboard.pid, "redis": server.process.pid}))
            record["server_metrics"] = {name: dashboard.metric(name) for name in (
                "cn_live_patches_total", "cn_live_frames_sent_total", "cn_live_resyncs_total",
                "cn_live_slow_disconnects_total")}
            record["server_rss_bytes"] = dashboard.rss_bytes()
    return record


def _run_relay(bootstrap: list[bytes], schedule: list[list[bytes]]) -> dict[str, Any]:
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        relay = Relay(server.url)
        try:
            relay.start()
            assert server.process is not None and relay.process is not None
            return asyncio.run(measure(relay.ws_url, server.url, schedule, CLIENTS, TICK_S,
                                       {"server": relay.process.pid, "redis": server.process.pid}))
        finally:
            relay.stop()


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


def _report(record: dict[str, Any]) -> None:
    lat = record["latency_ms"]
    progress(f"  delivered {record['delivered']:,}/{record['expected']:,}; p50 {lat.get('p50', 0):.1f} ms "
             f"p99 {lat.get('p99', 0):.1f} ms; cpu % {record['cpu_percent']}; "
             f"client loop lag p99 {record['client_loop_lag_ms'].get('p99', 0):.1f} ms")

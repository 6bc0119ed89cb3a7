"""What every benchmark shares: result rows, statistics, machine facts, realistic events,
fresh Redis servers and dashboard processes on loopback.

Dashboard processes are :class:`support.processes.DashboardProcess` (``python -m dashboard
run`` on a free port, as the tests start them), with their log, users file and audit spool
in a temporary directory instead of the repo; URLs to them are built only with its
``ws_url``/``live_url``/``wall_url``, which carry the wall token.  The references (the raw
relay, the Dash polling app) and the demo simulator are :class:`Child` processes of their own.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psutil
import redis

from dashboard import streamids
from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis, free_port
from support.processes import DashboardProcess, metric, wait_for, with_query

ROOT = Path(__file__).resolve().parent.parent
LOG_KEY = "cn:events"
SNAPSHOT_KEY = "cn:snapshot"
LOG_DIR = Path(tempfile.gettempdir()) / "cn-bench-logs"
_T0 = time.monotonic()

__all__ = ["LOG_DIR", "LOG_KEY", "ROOT", "SNAPSHOT_KEY", "Budget", "Child", "ChildServer", "CpuWatch",
           "Dashboard", "PollingApp", "ProcessCpu", "Relay", "Row", "Simulator", "district_events",
           "district_schedule", "fresh_redis", "linear_slope", "machine_facts", "metric", "percentiles",
           "progress", "running", "stream_id", "wait_for", "with_query", "xadd_pipelined"]


def progress(message: str) -> None:
    """One progress line on stderr, stamped with seconds since the run began."""
    print(f"[bench {time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class Budget:
    """A DESIGN.md budget: ``ours <op> value`` (op is ``>=`` or ``<=``)."""

    op: str
    value: float
    text: str

    def met(self, ours: float) -> bool:
        return ours >= self.value if self.op == ">=" else ours <= self.value


@dataclass
class Row:
    """One line of the table: a figure of ours, beside its reference and budget."""

    name: str  # stable key, e.g. "latency.p99"
    label: str  # what a reader sees
    unit: str
    ours: float
    reference: float | None = None
    reference_label: str | None = None
    budget: Budget | None = None

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.ours / self.reference

    @property
    def met(self) -> bool | None:
        return None if self.budget is None else self.budget.met(self.ours)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["met"] = self.met
        return out


def linear_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of ``ys`` over ``xs`` (None with fewer than 2 distinct xs)."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    return float(np.polyfit(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64), 1)[0])


def percentiles(values: Sequence[float] | np.ndarray) -> dict[str, float | int]:
    """count, min, mean, p50, p95, p99, max of ``values`` (NaN-free; empty gives count 0)."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return {"count": 0}
    p50, p95, p99 = np.percentile(array, [50, 95, 99])
    return {"count": int(array.size), "min": float(array.min()), "mean": float(array.mean()),
            "p50": float(p50), "p95": float(p95), "p99": float(p99), "max": float(array.max())}


# ---------------------------------------------------------------------- machine


def machine_facts() -> dict[str, Any]:
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    git: dict[str, Any] = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True, timeout=5).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=5).stdout
        git["dirty"] = bool(changed.strip())
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_total_bytes": psutil.virtual_memory().total,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": list(os.getloadavg()),
        "git": git,
    }


class CpuWatch:
    """CPU used during a benchmark, in cores (1.0 = one core busy all along): by the whole
    machine, by this process and its descendants, by everything else, and stolen by the
    hypervisor.  Other work skews every figure; this makes it visible in the JSON.

    A descendant's CPU reaches this process's ``children_*`` times only once it is reaped,
    and a browser's processes are reaped by Playwright's driver, if at all; so the
    descendants are also sampled every 0.5 s in a thread, and "ours" is the larger of
    (own + reaped children) and (own + sampled descendants).  Either undercounts a little
    (the last half second of a descendant that exits; a grandchild nobody reaps)."""

    SAMPLE_S = 0.5

    def __init__(self) -> None:
        self._machine = psutil.cpu_times()
        self._ours = self._own_seconds()
        self._self = self._self_seconds()
        self._wall = time.monotonic()
        self._first: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._sample(first=True)
        self._thread = threading.Thread(target=self._sampler, name="cpu-watch", daemon=True)
        self._thread.start()

    @staticmethod
    def _own_seconds() -> float:
        times = psutil.Process().cpu_times()
        return times.user + times.system + times.children_user + times.children_system

    @staticmethod
    def _self_seconds() -> float:
        times = psutil.Process().cpu_times()
        return times.user + times.system

    def _sample(self, first: bool = False) -> None:
        with contextlib.suppress(psutil.Error):
            for process in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    key = (process.pid, process.create_time())
                    t = process.cpu_times()
                    self._last[key] = t.user + t.system
                    if first:
                        self._first[key] = self._last[key]

    def _sampler(self) -> None:
        while not self._stop.wait(self.SAMPLE_S):
            self._sample()

    @staticmethod
    def _busy(t: Any) -> float:
        return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self._sample()
        machine, wall = psutil.cpu_times(), time.monotonic() - self._wall
        busy = self._busy(machine) - self._busy(self._machine)
        steal = getattr(machine, "steal", 0.0) - getattr(self._machine, "steal", 0.0)
        reaped = self._own_seconds() - self._ours
        sampled = self._self_seconds() - self._self + sum(
            seconds - self._first.get(key, 0.0) for key, seconds in self._last.items())
        used = max(reaped, sampled)
        return {"wall_s": round(wall, 2), "machine_busy_cores": round(busy / wall, 2),
                "ours_cores": round(used / wall, 2), "others_cores": round(max(0.0, busy - used) / wall, 2),
                "steal_cores": round(steal / wall, 2),
                "ours_reaped_cores": round(reaped / wall, 2), "ours_sampled_cores": round(sampled / wall, 2)}


# ---------------------------------------------------------------------- events


def stream_id(entry_id: str | bytes) -> int:
    """A Redis stream id ``<ms>-<seq>`` as one integer that orders like the id."""
    if isinstance(entry_id, bytes):
        entry_id = entry_id.decode()
    ms, number = streamids.parse(entry_id)
    if number >= 1 << 20:
        raise ValueError(f"stream id sequence too large to pack: {entry_id}")
    return (ms << 20) | number


_generated: list[bytes] = []


def district_events(count: int) -> list[bytes]:
    """``count`` realistic events from the demo simulator (seed 7, 2,000 cameras), as JSON.

    The bootstrap first (duty rosters, cameras, sensors, every indicator), then the
    typical mix, 20 events per 10 ms of event time.  The largest generation is kept, so
    benchmarks asking for the same or fewer events share it.
    """
    if len(_generated) < count:
        from dashboard.simulator import DEFAULT_START_MS

        bootstrap, ticks = district_schedule(count, 20, 10, DEFAULT_START_MS)
        _generated[:] = bootstrap + [raw for tick in ticks for raw in tick]
    return _generated[:count]


def district_schedule(events: int, per_tick: int, tick_ms: int, start_ms: int,
                      points: int = 2_000, seed: int = 7) -> tuple[list[bytes], list[list[bytes]]]:
    """(bootstrap, ticks): the simulator's opening events, then ``per_tick`` events per
    tick, ``tick_ms`` apart in event time from ``start_ms``, until ``events`` in all
    (bootstrap included) or, if ``events`` is negative, exactly ``-events`` ticks."""
    from dashboard.simulator import DistrictSimulator

    simulator = DistrictSimulator(seed=seed, video_points=points, start_ms=start_ms)
    bootstrap = [orjson.dumps(event) for event in simulator.bootstrap()]
    ticks: list[list[bytes]] = []
    made, now = len(bootstrap), start_ms
    while (made < events) if events >= 0 else (len(ticks) < -events):
        now += tick_ms
        size = per_tick if events < 0 else min(per_tick, events - made)
        ticks.append([orjson.dumps(event) for event in simulator.step(now, size)])
        made += size
    return bootstrap, ticks


def xadd_pipelined(client: redis.Redis, raws: Sequence[bytes], key: str = LOG_KEY,
                   chunk: int = 2_000) -> str:
    """XADD every event (field ``event``), ``chunk`` per round trip; the last entry id."""
    last = b"0-0"
    for start in range(0, len(raws), chunk):
        pipe = client.pipeline(transaction=False)
        for raw in raws[start:start + chunk]:
            pipe.xadd(key, {"event": raw})
        last = pipe.execute()[-1]
    return last.decode() if isinstance(last, bytes) else str(last)


# ---------------------------------------------------------------------- processes


@contextlib.contextmanager
def fresh_redis() -> Iterator[tuple[EmbeddedRedis, redis.Redis]]:
    """A new redis-server on loopback and a client for it; both gone afterwards."""
    server = EmbeddedRedis().start()
    client = sync_client(server.url)
    try:
        yield server, client
    finally:
        client.close()
        server.cleanup()


class Dashboard(DashboardProcess):
    """A dashboard child process whose files go to :data:`LOG_DIR`, not the repo."""

    def __init__(self, redis_url: str, **env: Any) -> None:
        super().__init__(redis_url, workdir=LOG_DIR, **env)

    def rss_bytes(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)


@contextlib.contextmanager
def running(process: Dashboard) -> Iterator[Dashboard]:
    """Stop ``process`` (SIGINT, then SIGKILL) on the way out, whatever happened."""
    try:
        yield process
    finally:
        with contextlib.suppress(Exception):
            process.stop()


class ProcessCpu:
    """CPU seconds used by a set of processes (each with its live descendants) between
    :meth:`start` and :meth:`stop`, as cores (CPU seconds / wall seconds).

    Descendants are looked up at every call, so a browser's renderers count too, as long
    as they are alive when sampled (a renderer that comes and goes between two samples is
    missed: call :meth:`sample` now and then during long windows)."""

    def __init__(self, pids: dict[str, int], tree: bool = False) -> None:
        self.pids = pids
        self.tree = tree
        self._seen: dict[str, dict[int, float]] = {name: {} for name in pids}
        self._start: dict[str, dict[int, float]] = {}
        self._wall = 0.0

    def _now(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, pid in self.pids.items():
            per: dict[int, float] = {}
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                for process in [root, *(root.children(recursive=True) if self.tree else [])]:
                    with contextlib.suppress(psutil.Error):
                        t = process.cpu_times()
                        per[process.pid] = t.user + t.system
            out[name] = per
        return out

    def sample(self) -> None:
        for name, per in self._now().items():
            self._seen[name].update(per)

    def start(self) -> ProcessCpu:
        self._seen = {name: {} for name in self.pids}
        self.sample()
        self._start = {name: dict(per) for name, per in self._seen.items()}
        self._wall = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        """Cores used per name since :meth:`start` (processes born meanwhile count from 0)."""
        self.sample()
        wall = time.monotonic() - self._wall
        out = {}
        for name, per in self._seen.items():
            used = sum(seconds - self._start[name].get(pid, 0.0) for pid, seconds in per.items())
            out[name] = round(used / wall, 4) if wall > 0 else 0.0
        out["wall_s"] = round(wall, 2)
        return out


# ---------------------------------------------------------------------- other children


class Child:
    """A ``python <args>`` child process of the benchmarks, logging to :data:`LOG_DIR`."""

    name = "child"

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = LOG_DIR / f"{self.name}-{os.getpid()}-{id(self):x}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def spawn(self) -> None:
        LOG_DIR.mkdir(exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, *self.args], cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT)

    def check(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")

    def start(self) -> Child:
        self.spawn()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> Child:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ChildServer(Child):
    """A :class:`Child` serving on a free loopback port (passed as ``--port``)."""

    def __init__(self, args: list[str]) -> None:
        self.port = free_port()
        super().__init__([*args, "--port", str(self.port)])
        self.log_path = LOG_DIR / f"{self.name}-{self.port}.log"

    def start(self, timeout: float = 30.0) -> ChildServer:
        self.spawn()

        def listening() -> bool:
            self.check()
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True

        wait_for(listening, timeout, interval=0.01, message=f"{self.name} on {self.port}")
        return self


class Relay(ChildServer):
    """``python -m bench.relay`` (the raw Redis→WebSocket relay) on a free loopback port;
    ``forward`` makes its frames carry the raw events (for its browser page)."""

    name = "relay"

    def __init__(self, redis_url: str, forward: bool = False) -> None:
        super().__init__(["-m", "bench.relay", "--redis-url", redis_url, *(["--forward"] if forward else [])])

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def page_url(self) -> str:
        """The relay's tiny browser page (every frame written to the DOM)."""
        return f"http://127.0.0.1:{self.port}/page"


class PollingApp(ChildServer):
    """``python -m bench.dash_polling`` (the Dash ``dcc.Interval`` reference) on a free port."""

    name = "dash-polling"

    def __init__(self, redis_url: str) -> None:
        super().__init__(["-m", "bench.dash_polling", "--redis-url", redis_url])

    @property
    def page_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> PollingApp:
        super().start(timeout)
        import httpx  # the first request sets Dash up: keep it out of any measurement

        wait_for(lambda: httpx.get(self.page_url, timeout=5).status_code == 200, timeout,
                 message=f"{self.name} page")
        return self


class Simulator(Child):
    """The demo feed, as the README runs it: ``python -m dashboard simulate --rate R`` (the
    simulator's bootstrap first, then ``R`` events/s of the typical mix plus every camera's
    5-minute heartbeat: 2,000 cameras add ~6.7 events/s)."""

    name = "simulator"

    def __init__(self, redis_url: str, rate: float = 50.0, points: int = 2_000, seed: int = 7) -> None:
        super().__init__(["-m", "dashboard", "simulate", "--redis-url", redis_url, "--rate", str(rate),
                          "--points", str(points), "--seed", str(seed), "--log-level", "warning"])
        self.rate = rate
        self.points = points

"""Memory at the DESIGN.md scale: 50,000 video points and 100,000 incidents.

The simulator's bootstrap for 50,000 cameras (duty rosters, every camera, sensors, every
indicator) plus 100,000 ``incident.reported`` events (the eight domains, severities
mostly 3–4 with 2 % severe, addresses, descriptions) and 50,000 lifecycle steps are
XADDed; a dashboard replays them at start-up.  Reported: the process RSS once every
event is applied, and again with 20 wall clients on ``/live`` holding their hello (the
view of the district is then built and encoded), and the size of that hello.  There is
no reference: the raw relay holds no state.

Budget (DESIGN.md): memory, 50,000 points + 100,000 incidents <= 500 MB RSS.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import orjson
import websockets

from bench.common import Budget, Dashboard, Row, fresh_redis, progress, running, xadd_pipelined
from support.events import incident_reported, incident_step

MEMORY_BUDGET = Budget("<=", 500.0, "<= 500 MB")
DOMAINS = ("epidemic", "crowd", "pipeline", "waterway", "care", "antifraud", "environment", "safety")
STREETS = ("huayanglu", "jiangsulu", "xinhualu", "zhoujiaqiao", "tianshanlu", "xianxiaxincun",
           "hongqiao", "chengjiaqiao", "beixinjing", "xinjingzhen", "linkong")


def incident_events(count: int, steps: int, start_ms: int, seed: int = 7) -> list[bytes]:
    """``count`` reported incidents and ``steps`` acknowledgements of the first ones."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        severity = 1 if rng.random() < 0.02 else rng.choice((2, 3, 3, 4, 4, 4))
        street = rng.choice(STREETS)  # drawn before the payload's fields, as it always was
        out.append(orjson.dumps(incident_reported(
            f"mem-{n:06d}", domain=rng.choice(DOMAINS), title=f"道路积水影响通行 第{n}号", severity=severity,
            lat=31.20 + rng.random() * 0.04, lon=121.36 + rng.random() * 0.08,
            address=f"长宁区天山路{rng.randint(1, 999)}号", description="市民来电反映，现场需核实处置。",
            event_id=f"mem-r-{n}", ts=start_ms + n * 10, source="bench", street=street)))
    for n in range(steps):
        out.append(orjson.dumps(incident_step("acknowledged", f"mem-{n:06d}", by="bench", version=1,
                                              event_id=f"mem-a-{n}", ts=start_ms + (count + n) * 10,
                                              source="bench")))
    return out


async def _hold_hellos(url: str, clients: int) -> int:
    """Open ``clients`` /live connections, read each hello; the hello's size in bytes."""
    sockets = [await websockets.connect(url, max_size=None, compression=None) for _ in range(clients)]
    sizes = [len(await ws.recv()) for ws in sockets]
    await asyncio.sleep(1.0)
    for ws in sockets:
        await ws.close()
    return max(sizes)


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    from dashboard.simulator import DistrictSimulator

    points, incidents = (10_000, 20_000) if quick else (50_000, 100_000)
    start_ms = int(time.time() * 1000) - 86_400_000
    sim = DistrictSimulator(seed=7, video_points=points, start_ms=start_ms)
    events = [orjson.dumps(e) for e in sim.bootstrap()]
    events += incident_events(incidents, incidents // 2, start_ms)
    with fresh_redis() as (server, client):
        xadd_pipelined(client, events)
        progress(f"memory: {len(events):,} events ({points:,} cameras, {incidents:,} incidents); starting")
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start(timeout=300)
            health = dashboard.wait_applied(len(events))
            time.sleep(2.0)
            applied_rss = dashboard.rss_bytes()
            hello_bytes = asyncio.run(_hold_hellos(dashboard.live_url(), 20))
            with_clients_rss = dashboard.rss_bytes()
    progress(f"memory: RSS {applied_rss / 2**20:.0f} MB applied, {with_clients_rss / 2**20:.0f} MB with 20 "
             f"clients (hello {hello_bytes / 1024:.0f} KiB)")
    data = {"points": points, "incidents": incidents, "events": len(events), "health": health,
            "rss_applied_bytes": applied_rss, "rss_with_clients_bytes": with_clients_rss,
            "hello_bytes": hello_bytes}
    label = f"{points:,} points + {incidents:,} incidents"
    rows = [
        Row("memory.rss", f"RSS, {label}, all applied", "MB", applied_rss / 2**20, budget=MEMORY_BUDGET),
        Row("memory.rss_clients", "  with 20 /live clients holding their hello", "MB",
            with_clients_rss / 2**20, budget=MEMORY_BUDGET),
        Row("memory.hello", "  the district hello", "KiB", hello_bytes / 1024),
    ]
    return rows, data

"""Bytes on the wire, per /live client, for one camera status change.

2,000 cameras registered (the simulator's bootstrap), one district client connected;
then, one at a time, a ``video.status`` change is XADDed and the first patch frame whose
``last_id`` covers it (checked to carry it) is measured: payload bytes plus the
WebSocket frame header (server frames are unmasked).  The reference is the event itself relayed as is.

Budget (DESIGN.md): one camera status change <= 1 KB on the wire per client.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import orjson
import redis
from websockets.asyncio.client import connect

from bench.common import (
    LOG_KEY,
    Budget,
    Dashboard,
    Row,
    district_schedule,
    fresh_redis,
    progress,
    running,
    stream_id,
    xadd_pipelined,
)
from support.events import now_ms, video_status

WIRE_BUDGET = Budget("<=", 1024, "<= 1 KB")
STATUSES = ("online", "offline", "fault")


def ws_header_bytes(payload: int) -> int:
    """Size of an unmasked (server → client) WebSocket frame header."""
    return 2 if payload < 126 else 4 if payload < 65_536 else 10


def status_change(n: int, point_id: str, status: str) -> bytes:
    return orjson.dumps(video_status(point_id, status, reason="巡检", event_id=f"bench-wire-{n}",
                                     ts=now_ms(), source="bench"))


async def _measure(ws_url: str, client: redis.Redis, cameras: list[str], changes: int) -> dict[str, Any]:
    """Publish ``changes`` status changes one at a time; the patch frame that carries each."""
    carried: list[bytes] = []
    unrelated = 0  # patches with nothing of ours (e.g. the periodic staleness update)
    event_bytes: list[int] = []
    async with connect(ws_url, compression=None, max_size=None, ping_interval=None) as ws:
        hello = orjson.loads(await asyncio.wait_for(ws.recv(decode=False), 20))
        assert hello["t"] == "hello", hello["t"]
        # the hello lists the cameras that are not online
        video = {point_id: hello["view"]["video"].get(point_id, "online") for point_id in cameras}
        for n in range(changes):
            point_id = cameras[(n * 97) % len(cameras)]
            status = next(s for s in STATUSES if s != video[point_id])
            raw = status_change(n, point_id, status)
            entry = stream_id(client.xadd(LOG_KEY, {"event": raw}))
            video[point_id] = status
            event_bytes.append(len(raw))
            deadline = time.monotonic() + 10
            while True:
                frame = await asyncio.wait_for(ws.recv(decode=False), deadline - time.monotonic())
                assert isinstance(frame, bytes)
                if not frame.startswith(b'{"t":"patch"'):
                    continue
                patch = orjson.loads(frame)
                if stream_id(patch["last_id"]) >= entry:
                    if patch.get("set", {}).get("video", {}).get(point_id) != status:
                        raise RuntimeError(f"the patch covering change {n} lacks it: {frame[:300]!r}")
                    carried.append(frame)
                    break
                unrelated += 1
    wire = [len(f) + ws_header_bytes(len(f)) for f in carried]
    return {"cameras": len(cameras), "changes": changes, "wire_bytes": wire,
            "payload_bytes": [len(f) for f in carried], "unrelated_patches": unrelated,
            "event_bytes": event_bytes, "event_wire_bytes": [b + ws_header_bytes(b) for b in event_bytes],
            "example_patch": carried[-1].decode()}


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    changes = 5 if quick else 20
    bootstrap, _ = district_schedule(0, 20, 10, int(time.time() * 1000))
    cameras = sorted({event["data"]["point_id"] for event in map(orjson.loads, bootstrap)
                      if event["type"] == "video.point"})
    with fresh_redis() as (server, client):
        xadd_pipelined(client, bootstrap)
        with running(Dashboard(server.url)) as dashboard:
            dashboard.start()
            dashboard.wait_applied(len(bootstrap), 30)
            progress(f"wire: {len(bootstrap):,} bootstrap events applied; {changes} status changes")
            data = asyncio.run(_measure(dashboard.ws_url, client, cameras, changes))
    progress(f"wire: bytes per change {data['wire_bytes']}")
    worst = max(data["wire_bytes"])
    reference = max(data["event_wire_bytes"])
    data["median_wire_bytes"] = statistics.median(data["wire_bytes"])
    rows = [Row("wire.camera_status", f"one camera status change, {data['cameras']:,} cameras "
                f"(max of {changes})", "B/client", worst, reference, "the event relayed as is",
                WIRE_BUDGET)]
    return rows, data

"""/live: hello, sequenced patches, resync, scope, slow clients."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import orjson
import redis
import websockets

from support.events import video_point, video_status
from support.log import xadd, xadd_all
from support.processes import DashboardProcess, metric, wait_for


async def next_of(ws: Any, kind: str, timeout: float = 5.0) -> dict:
    """The next message of type ``kind`` (beats and others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = orjson.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message["t"] == kind:
            return message


def test_hello_then_consecutive_patches(dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """The first frame is a hello with the view; patches follow with seq+1, seq+2, ..."""
    xadd(rclient, video_point("c1", street="hongqiao"))
    wait_for(lambda: dashboard.health()["applied"] == 1)

    async def scenario() -> None:
        async with websockets.connect(dashboard.ws_url) as ws:
            hello = orjson.loads(await ws.recv())
            assert hello["t"] == "hello"
            assert hello["view"]["summary"]["video"]["total"] == 1
            seq = hello["seq"]
            for n, value in enumerate(["offline", "fault", "online"], start=1):
                xadd(rclient, video_status("c1", value))
                patch = await next_of(ws, "patch")
                assert patch["seq"] == seq + n
                assert patch["set"]["video"]["c1"] == value

    asyncio.run(scenario())


def test_patches_are_conflated_to_ten_per_second(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """1000 changes in about a second arrive in at most ~10 patches per second."""
    xadd_all(rclient, [video_point(f"c{n}", street="hongqiao") for n in range(50)])
    wait_for(lambda: dashboard.health()["applied"] == 50)

    def produce() -> None:
        for burst in range(20):
            xadd_all(rclient, [video_status(f"c{n}", ("offline", "online")[(n + burst) % 2])
                               for n in range(50)])
            time.sleep(0.05)

    async def scenario() -> None:
        async with websockets.connect(dashboard.ws_url) as ws:
            await next_of(ws, "hello")
            producer = asyncio.create_task(asyncio.to_thread(produce))
            arrivals = []
            while not producer.done() or arrivals and time.monotonic() - arrivals[-1] < 0.5:
                try:
                    await next_of(ws, "patch", timeout=0.5)
                except TimeoutError:
                    break
                arrivals.append(time.monotonic())
            await producer
            elapsed = arrivals[-1] - arrivals[0]
            assert elapsed >= 0.5 and len(arrivals) >= 3
            assert len(arrivals) <= 10 * elapsed + 2, (len(arrivals), elapsed)

    asyncio.run(scenario())


def test_resync_returns_a_hello_at_the_current_seq(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """A client asking for resync gets a hello whose seq continues the sequence."""
    xadd(rclient, video_point("c1", street="hongqiao"))

    async def scenario() -> None:
        async with websockets.connect(dashboard.ws_url) as ws:
            await next_of(ws, "hello")
            xadd(rclient, video_status("c1", "offline"))
            patch = await next_of(ws, "patch")
            await ws.send(orjson.dumps({"t": "resync"}).decode())
            hello = await next_of(ws, "hello")
            assert hello["seq"] == patch["seq"]
            assert hello["view"]["video"] == {"c1": "offline"}
            xadd(rclient, video_status("c1", "fault"))
            assert (await next_of(ws, "patch"))["seq"] == hello["seq"] + 1

    asyncio.run(scenario())


def test_scope_filters_patches_to_one_street(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """A client scoped to a street receives only that street's records."""
    xadd_all(rclient, [video_point("h1", street="hongqiao"), video_point("j1", street="jiangsulu")])
    wait_for(lambda: dashboard.health()["applied"] == 2)

    async def scenario() -> None:
        async with websockets.connect(dashboard.live_url("jiangsulu")) as ws:
            hello = await next_of(ws, "hello")
            assert hello["view"]["summary"]["video"]["total"] == 1
            xadd_all(rclient, [video_status("h1", "offline"), video_status("j1", "offline")])
            patch = await next_of(ws, "patch")
            assert patch["set"]["video"] == {"j1": "offline"}

    asyncio.run(scenario())


def test_bad_client_messages_get_an_error_not_a_crash(dashboard: DashboardProcess) -> None:
    """Garbage and unknown scopes are answered with an error frame; oversize closes."""
    async def scenario() -> None:
        async with websockets.connect(dashboard.ws_url) as ws:
            await next_of(ws, "hello")
            await ws.send("not json")
            assert "expected JSON" in (await next_of(ws, "error"))["reason"]
            await ws.send(orjson.dumps({"t": "scope", "scope": "mars"}).decode())
            assert "unknown scope" in (await next_of(ws, "error"))["reason"]
            await ws.send("x" * 10_000)
            await asyncio.wait_for(ws.wait_closed(), 5)
            assert ws.close_code == 1009

    asyncio.run(scenario())


def slow_handled(url: str) -> bool:
    return metric(url, "cn_live_resyncs_total") + metric(url, "cn_live_slow_disconnects_total") > 0


def test_slow_client_is_bounded_and_does_not_slow_others(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """A client that stops reading is resynced or dropped; a reading client keeps pace."""
    dashboard = dashboards(CN_CLIENT_QUEUE_FRAMES="4", CN_CLIENT_SEND_TIMEOUT_S="3")
    xadd_all(rclient, [video_point(f"c{n:05d}", street="hongqiao") for n in range(3000)])
    wait_for(lambda: dashboard.health()["applied"] == 3000)

    async def scenario() -> list[float]:
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", dashboard.port))
        slow = await websockets.connect(dashboard.ws_url, sock=stalled, max_queue=1)
        delays = []
        async with websockets.connect(dashboard.ws_url) as fast:
            await next_of(fast, "hello")
            for burst in range(200):  # big patches (~50 KB): 3000 cameras flip each time
                if burst % 10 == 9 and slow_handled(dashboard.url):
                    break
                value = ("offline", "online")[burst % 2]
                sent = time.monotonic()
                xadd_all(rclient, [video_status(f"c{n:05d}", value) for n in range(3000)])
                patch = await next_of(fast, "patch")
                delays.append(time.monotonic() - sent)
                assert len(patch["set"]["video"]) > 0
        await slow.close()
        return delays

    delays = asyncio.run(scenario())
    assert slow_handled(dashboard.url), "the stalled client was never resynced or dropped"
    assert sorted(delays)[len(delays) // 2] < 1.0, f"median delay {sorted(delays)}"

"""Faults with real processes: floods of bad events, pub/sub while down, twins agree."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import orjson
import redis
import websockets

from support.events import indicator_value, video_point
from support.log import xadd_all
from support.processes import DashboardProcess, metric, wait_for
from tests.integration.streams import mixed_events
from tests.live_client import LiveClient

RESPONSIVE_S = 5.0


def test_flood_of_malformed_events_keeps_good_ones_in_order_and_stays_responsive(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """10,000 bad entries mixed with 2,000 good: all good applied in order, all bad dead-lettered."""
    bad = [b"{broken", orjson.dumps({"type": "nope", "data": {}}),
           orjson.dumps({"type": "indicator.value", "data": {"key": "k", "value": "high"}}),
           b'{"type":"video.status","data":' + b"[" * 200 + b"]" * 200 + b"}"]
    entries = []
    for n in range(12_000):
        if n % 6 == 5:
            entries.append(orjson.dumps(indicator_value("green.pm25", float(n), ts=1_767_225_600_000 + n)))
        else:
            entries.append(bad[n % len(bad)])
    slowest = 0.0

    def dealt_with_all() -> bool:
        """Each poll doubles as a probe: /healthz keeps answering during the flood."""
        nonlocal slowest
        started = time.monotonic()
        try:
            health = httpx.get(f"{dashboard.url}/healthz", timeout=RESPONSIVE_S).json()
        finally:  # a request that timed out counts as that slow
            slowest = max(slowest, time.monotonic() - started)
        return bool(health["dead"] + health["applied"] >= 12_000)

    xadd_all(rclient, entries)
    wait_for(dealt_with_all, timeout=60, message="12,000 entries applied or dead-lettered")
    health = dashboard.health()
    assert (health["applied"], health["dead"]) == (2_000, 10_000)
    # the state counts a dead letter at once; writing it to cn:dead follows the batch
    wait_for(lambda: rclient.xlen("cn:dead") == 10_000, timeout=30, message="10,000 dead letters written")
    # generous: the point is that the flood never blocks the server (no figure is asserted)
    assert slowest < RESPONSIVE_S, f"/healthz took {slowest:.2f} s during the flood"

    async def history() -> list[list[float]]:
        async with websockets.connect(dashboard.ws_url, max_size=2**24) as ws:
            hello = orjson.loads(await ws.recv())
            return hello["view"]["indicators"]["green.pm25"]["history"]

    points = asyncio.run(history())
    values = [value for _, value in points]
    assert values == sorted(values) and values[-1] == 11_999.0


def test_pubsub_while_no_instance_listens_is_lost_as_documented(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """PUBLISH with no subscriber is lost (at-most-once); once an instance listens, all arrive,
    in the order published, even in a burst far larger than a connection pool (a burst of
    100 once lost its last message when each was written on its own connection)."""
    def camera(event_id: str) -> bytes:
        return orjson.dumps(video_point("c", name="n", street="hongqiao", event_id=event_id))

    for n in range(100):
        rclient.publish("cn:pub:cams", camera(f"lost-{n}"))
    assert rclient.exists("cn:events") == 0
    dashboard = dashboards()
    wait_for(lambda: sum(int(c["psub"]) for c in rclient.client_list()) >= 1, message="subscribed")
    burst = rclient.pipeline(transaction=False)
    for n in range(3_000):
        burst.publish("cn:pub:cams", camera(f"kept-{n}"))
    assert sum(burst.execute()) == 3_000  # each reached the one subscriber
    wait_for(lambda: dashboard.health()["applied"] == 3_000, timeout=30,
             message="3,000 bridged and applied")
    logged = [orjson.loads(fields[b"event"])["id"] for _, fields in rclient.xrange("cn:events")]
    assert logged == [f"kept-{n}" for n in range(3_000)]


def test_received_pubsub_messages_wait_until_the_log_accepts_them(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, redis_url: str
) -> None:
    """A write of received messages that Redis refuses (here an ACL forbids the bridge's
    script) is retried while the subscription stays open: once allowed, all are in the
    log, in the order published."""
    rclient.execute_command("ACL", "SETUSER", "bridge", "on", ">bridge-secret", "~*", "&*",
                            "+@all", "-evalsha", "-eval")
    try:
        dashboard = dashboards(redis_url.replace("redis://", "redis://bridge:bridge-secret@"))
        wait_for(lambda: sum(int(c["psub"]) for c in rclient.client_list()) >= 1, message="subscribed")
        for n in range(50):
            rclient.publish("cn:pub:cams", orjson.dumps(video_point("c", name="n", street="hongqiao",
                                                                    event_id=f"held-{n}")))
        wait_for(lambda: metric(dashboard.url, "cn_pubsub_bridge_errors_total") >= 3,
                 message="the refused write retried")
        assert rclient.exists("cn:events") == 0 and dashboard.health()["redis"] == "up"
        rclient.execute_command("ACL", "SETUSER", "bridge", "+evalsha", "+eval")
        wait_for(lambda: dashboard.health()["applied"] == 50, message="50 written once allowed")
        logged = [orjson.loads(fields[b"event"])["id"] for _, fields in rclient.xrange("cn:events")]
        assert logged == [f"held-{n}" for n in range(50)]
    finally:
        rclient.execute_command("ACL", "DELUSER", "bridge")


def test_two_instances_serve_identical_views(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """Two instances on one log give the same /live view, record for record."""
    first, second = dashboards(), dashboards()
    xadd_all(rclient, mixed_events(3_000))
    last = rclient.xinfo_stream("cn:events")["last-generated-id"].decode()
    for instance in (first, second):
        wait_for(lambda instance=instance: instance.health()["last_id"] == last, timeout=30,
                 message="caught up")

    async def view(url: str) -> dict:
        async with websockets.connect(url, max_size=2**24) as ws:
            return orjson.loads(await ws.recv())["view"]

    a, b = asyncio.run(view(first.ws_url)), asyncio.run(view(second.ws_url))
    assert a == b
    assert first.health(digest=True)["digest"] == second.health(digest=True)["digest"]


def test_two_instances_deliver_the_same_patches(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """Clients of two instances, fed by the same log, end with the same view after applying
    their patches (conflation windows differ per instance, their content does not), and
    that view is each instance's fresh hello."""
    first, second = dashboards(), dashboards()
    xadd_all(rclient, mixed_events(500))
    for instance in (first, second):
        wait_for(lambda instance=instance: instance.health()["applied"] + instance.health()["dead"] >= 500,
                 message="bootstrap applied")

    clients = (LiveClient(), LiveClient())

    async def follow(url: str, client: LiveClient, ready: asyncio.Event,
                     last: asyncio.Future) -> tuple[dict, int]:
        async with websockets.connect(url, max_size=2**24) as ws:
            client.receive(orjson.loads(await ws.recv()))
            ready.set()
            while True:
                client.receive(orjson.loads(await asyncio.wait_for(ws.recv(), 20)))
                assert client.view is not None, "a gap in the patch sequence"
                if last.done() and client.view["last_id"] == last.result():
                    return client.view, client.patches

    async def reached(entry_id: str) -> None:
        """Both clients' views include ``entry_id`` (20 s deadline)."""
        deadline = asyncio.get_running_loop().time() + 20
        while not all(c.view is not None and c.view["last_id"] == entry_id for c in clients):
            assert asyncio.get_running_loop().time() < deadline, "patches did not arrive"
            await asyncio.sleep(0.02)

    def last_id() -> str:
        return str(rclient.xinfo_stream("cn:events")["last-generated-id"].decode())

    async def run() -> tuple[tuple[dict, int], tuple[dict, int]]:
        last: asyncio.Future = asyncio.get_running_loop().create_future()
        ready = [asyncio.Event(), asyncio.Event()]
        tasks = [asyncio.create_task(follow(i.ws_url, c, r, last))
                 for i, c, r in zip((first, second), clients, ready, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 10)  # both have their hello
        # two batches, the second sent once both views hold the first: at least two patches each
        await asyncio.to_thread(xadd_all, rclient, mixed_events(750, offset=500))
        await reached(await asyncio.to_thread(last_id))
        await asyncio.to_thread(xadd_all, rclient, mixed_events(750, offset=1_250))
        last.set_result(await asyncio.to_thread(last_id))
        a, b = await asyncio.gather(*tasks)
        return a, b

    (view_a, patches_a), (view_b, patches_b) = asyncio.run(run())
    assert patches_a > 1 and patches_b > 1

    async def hello(url: str) -> dict:
        async with websockets.connect(url, max_size=2**24) as ws:
            return orjson.loads(await ws.recv())["view"]

    fresh = asyncio.run(hello(first.ws_url))
    assert view_a == view_b
    assert view_a == fresh

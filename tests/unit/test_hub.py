"""The /live hub without sockets: patches per group in sequence, the clock as its own
hook, a restore resynchronising everyone, a full queue turning into one hello."""

from __future__ import annotations

import asyncio

import orjson

from dashboard import state as st
from dashboard.auth import Principal
from dashboard.catalogue import load_catalogue
from dashboard.config import load_settings
from dashboard.events import event_from_dict
from dashboard.live import Client, Group, Hub
from dashboard.metrics import Metrics
from tests.live_client import LiveClient

WALL = Principal("wall", "hall", "wall")


def hub_with_client(scope: str | None = None, queue: int = 64) -> tuple[Hub, Client, st.State]:
    state = st.State()
    settings = load_settings({}, environ={"CN_CLIENT_QUEUE_FRAMES": str(queue)})
    hub = Hub(state, settings, Metrics(), load_catalogue(), revalidate=lambda p: p, status=dict)
    client = Client(ws=None, group=Group(None), queue=asyncio.Queue(maxsize=queue),  # type: ignore[arg-type]
                    principal=WALL)
    hub._join(client, scope)
    return hub, client, state


def feed(hub: Hub, state: st.State, *events: dict, start: int = 1) -> None:
    changes = st.Changes()
    for n, raw in enumerate(events, start=start):
        st.apply(state, f"{n}-0", event_from_dict({"ts": n, **raw}), changes)
    hub.on_changes(changes)


def cam(pid: str, status: str | None = None) -> dict:
    if status:
        return {"type": "video.status", "data": {"point_id": pid, "status": status}}
    return {"type": "video.point", "street": "hongqiao",
            "data": {"point_id": pid, "name": pid, "lat": 31.2, "lon": 121.4}}


def frames(client: Client) -> list[dict]:
    out = []
    while not client.queue.empty():
        out.append(orjson.loads(client.queue.get_nowait()))
    return out


def test_patches_follow_the_hello_in_sequence_and_rebuild_its_view() -> None:
    """Each flush gives the group one patch, seq + 1; applied, they equal a fresh hello."""
    async def body() -> None:
        hub, client, state = hub_with_client()
        feed(hub, state, cam("a"), cam("b"))
        hub.flush()
        feed(hub, state, cam("a", "offline"), start=3)
        hub.flush()
        received = frames(client)
        assert [f["t"] for f in received] == ["hello", "patch", "patch"]
        assert [f["seq"] for f in received] == [0, 1, 2]
        follower = LiveClient()
        for frame in received:
            follower.receive(frame)
        assert follower.view == hub.views.hello(None)
    asyncio.run(body())


def test_the_clock_is_its_own_hook() -> None:
    """on_tick patches staleness only when it changed, with no change of the state."""
    async def body() -> None:
        hub, client, state = hub_with_client()
        feed(hub, state, cam("a"))
        hub.flush()
        frames(client)
        hub.on_tick(10)  # nothing is stale yet
        hub.flush()
        assert frames(client) == []
        hub.on_tick(10 + 901_000)
        hub.flush()
        (patch,) = frames(client)
        assert patch["stale"]["video"] == ["a"] and patch["summary"]["video"]["stale"] == 1
        assert "cameras" in patch["cue"]
    asyncio.run(body())


def test_a_restore_sends_everyone_a_hello_of_the_new_state() -> None:
    """on_restore: pending changes are dropped, every client gets a hello at a new seq."""
    async def body() -> None:
        hub, client, state = hub_with_client()
        frames(client)
        restored = st.State()
        st.apply(restored, "5-0", event_from_dict({"ts": 5, **cam("z")}))
        hub.on_restore(restored)
        (hello,) = frames(client)
        assert hello["t"] == "hello" and hello["seq"] == 1
        assert hello["view"]["summary"]["video"]["total"] == 1
    asyncio.run(body())


def test_a_client_whose_queue_is_full_gets_one_hello_instead() -> None:
    """A slow client is resynchronised: its queue is emptied and one hello queued."""
    async def body() -> None:
        hub, client, state = hub_with_client(queue=3)
        for n in range(5):
            feed(hub, state, cam(f"c{n}"), start=n + 1)
            hub.flush()
        received = frames(client)
        assert len(received) <= 3 and received[0]["t"] == "hello" and received[0]["seq"] > 0
        follower = LiveClient()
        for frame in received:
            follower.receive(frame)
        assert follower.view == hub.views.hello(None)  # caught up in one frame
    asyncio.run(body())

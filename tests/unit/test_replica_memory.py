"""The replica over the in-memory log (dashboard/eventlog_memory.py): restore, follow,
dead letters, the pub/sub bridge and an outage, without a Redis server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson

from dashboard import state as st
from dashboard.config import load_settings
from dashboard.eventlog_memory import MemoryLog
from dashboard.metrics import Metrics
from dashboard.replica import Replica


class Recorder:
    """A StateListener that keeps what it was told."""

    def __init__(self) -> None:
        self.changes: list[st.Changes] = []
        self.restores = 0

    def on_changes(self, changes: st.Changes) -> None:
        self.changes.append(changes)

    def on_restore(self, state: st.State) -> None:
        self.restores += 1


def camera(n: int, status: str | None = None) -> bytes:
    if status:
        return orjson.dumps({"type": "video.status", "id": f"s{n}-{status}",
                             "data": {"point_id": f"c{n}", "status": status}})
    return orjson.dumps({"type": "video.point", "id": f"p{n}", "street": "hongqiao",
                         "data": {"point_id": f"c{n}", "name": f"c{n}", "lat": 31.2, "lon": 121.4}})


def replica(log: MemoryLog, listener: Recorder | None = None) -> Replica:
    settings = load_settings({}, environ={})
    return Replica(log, settings, Metrics(), st.State(), listener=listener or Recorder())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())


def test_restore_from_snapshot_and_replay_equals_a_full_replay() -> None:
    """A replica started after a snapshot and more events holds the state of one that
    replayed everything."""
    async def body() -> None:
        log = MemoryLog()
        for n in range(50):
            await log.append(camera(n))
        first = replica(log)
        await first.restore()
        assert await first.snapshot()
        for n in range(0, 50, 3):
            await log.append(camera(n, "offline"))
        restored = replica(log)
        replayed_log = MemoryLog()
        replayed_log.entries = list(log.entries)  # the same entries, no snapshot
        replayed = replica(replayed_log)
        await restored.restore()
        await replayed.restore()
        assert restored.snapshot_id == first.state.last_id
        assert st.digest(restored.state) == st.digest(replayed.state)
        assert restored.state.applied == 67
    run(body)


def test_follows_the_log_and_tells_its_listener() -> None:
    """Appended entries are applied in order; the listener hears of them; wait_applied
    returns once an entry is in the state."""
    async def body() -> None:
        log = MemoryLog()
        listener = Recorder()
        r = replica(log, listener)
        await r.start()
        try:
            assert listener.restores == 1
            await log.append(camera(1))
            entry = await log.append(camera(1, "fault"))
            assert await r.wait_applied(entry, timeout=10)
            assert r.state.video["c1"]["status"] == "fault"
            assert any("c1" in c.keys.get("video", set()) for c in listener.changes)
        finally:
            await r.stop()
    run(body)


def test_bad_entries_are_dead_lettered_once_by_two_instances() -> None:
    """Two replicas reading the same bad entry leave one dead letter, with the reason."""
    async def body() -> None:
        log = MemoryLog()
        bad = await log.append(b'{"type": "no.such.type", "data": {}}')
        await log.append(camera(1))
        a, b = replica(log), replica(log)
        await a.restore()
        await b.restore()
        assert list(log.dead) == [bad]
        assert "unknown event type" in log.dead[bad][1]
        assert a.state.dead == b.state.dead == 1 and st.digest(a.state) == st.digest(b.state)
    run(body)


def test_a_published_event_is_appended_once_by_two_bridges() -> None:
    """Both instances receive a PUBLISH; the log holds it once and both apply it."""
    async def body() -> None:
        log = MemoryLog()
        a, b = replica(log), replica(log)
        await a.start()
        await b.start()
        try:
            await until(lambda: len(log.subscribers) == 2)
            log.publish(camera(7))
            await until(lambda: "c7" in a.state.video and "c7" in b.state.video)
            assert len(log.entries) == 1
        finally:
            await a.stop()
            await b.stop()
    run(body)


def test_an_outage_keeps_the_state_and_resumes() -> None:
    """While the log is away the replica serves what it has; afterwards it catches up."""
    async def body() -> None:
        log = MemoryLog()
        r = replica(log)
        await r.start()
        try:
            await r.wait_applied(await log.append(camera(1)), timeout=10)
            log.down = True
            await until(lambda: not r.redis_up)
            assert "c1" in r.state.video
            log.down = False
            entry = await log.append(camera(2))
            assert await r.wait_applied(entry, timeout=10)
            assert r.redis_up
        finally:
            await r.stop()
    run(body)

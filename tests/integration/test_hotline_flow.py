"""The 12345 work-order flow on a real redis-server: two instances following one log hold
the same tickets and the same digest, whatever the producers' retries, steps that arrive
before their ticket, stale versions and out-of-order steps; a restart from a snapshot
reaches the same state again."""

from __future__ import annotations

import asyncio
import itertools
import time

import orjson
import redis

from dashboard import state as st
from dashboard.bus import Bus, connect
from dashboard.config import Settings, load_settings
from dashboard.metrics import Metrics
from dashboard.replica import Replica
from support.events import Envelope, hotline_step, hotline_ticket
from support.log import last_entry_id, xadd

T0 = 1_790_000_000_000
DEADLINE_S = 30.0


class Quiet:
    def on_changes(self, changes: st.Changes) -> None:
        pass

    def on_restore(self, state: st.State) -> None:
        pass


def script() -> list[Envelope]:
    """Three tickets: a happy one, one returned, extended and reopened, and one whose
    steps come before it, twice, stale or out of order."""
    ts = iter(range(T0, T0 + 10_000_000, 60_000))

    def ticket(tid: str, **kw: object) -> Envelope:
        return hotline_ticket(tid, status="new", caller_name="王五", caller_phone="13800001111",
                              street="hongqiao", event_id=f"reg-{tid}", ts=next(ts), **kw)  # type: ignore[arg-type]

    def step(name: str, tid: str, version: int, eid: str, **kw: object) -> Envelope:
        return hotline_step(name, tid, by="officer-1", version=version, event_id=eid,  # type: ignore[arg-type]
                            street="hongqiao", ts=next(ts), **kw)

    a = [ticket("a"), step("dispatched", "a", 1, "a1", unit="hongqiao"), step("signed", "a", 2, "a2"),
         step("replied", "a", 3, "a3", reply="已修复"), step("visited", "a", 4, "a4", result="satisfied"),
         step("closed", "a", 5, "a5")]
    b = [ticket("b", urgency=1), step("dispatched", "b", 1, "b1", unit="区建管委"),
         step("returned", "b", 2, "b2", reason="非本单位职责"),
         step("dispatched", "b", 3, "b3", unit="hongqiao"), step("signed", "b", 4, "b4"),
         step("extension", "b", 5, "b5", until="2026-10-30"), step("extension", "b", 6, "b6", approved=True),
         step("replied", "b", 7, "b7", reply="已协调"), step("visited", "b", 8, "b8", result="unsatisfied"),
         step("reopened", "b", 9, "b9", reason="仍有噪声"), step("signed", "b", 10, "b10")]
    early = step("dispatched", "c", 1, "c1", unit="hongqiao")
    c = [early, ticket("c"),
         step("signed", "c", 1, "c2-stale"),  # based on the version before the dispatch: refused
         step("visited", "c", 2, "c3-early", result="basic"),  # out of order: refused
         step("signed", "c", 2, "c2")]
    out = [event for triple in itertools.zip_longest(a, b, c) for event in triple if event is not None]
    out += [a[2], b[3], early]  # producers' retries (same ids): ignored
    return out


async def settled(replica: Replica, client: redis.Redis, settings: Settings) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if replica.state.last_id == last_entry_id(client, settings.keys.log):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"replica at {replica.state.last_id}")


def test_two_instances_agree_on_a_lifecycle_with_retries_and_out_of_order_steps(redis_url: str) -> None:
    cfg = load_settings({"redis_url": redis_url, "redis_prefix": "flow:", "snapshot_fork": False},
                        environ={})
    client = redis.Redis.from_url(redis_url)

    async def run() -> None:
        buses = [Bus(connect(redis_url), cfg) for _ in range(3)]
        one, two, restarted = (Replica(bus, cfg, Metrics(), st.State(), listener=Quiet()) for bus in buses)
        running: list[Replica] = []
        try:
            for replica in (one, two):
                await replica.start()
                running.append(replica)
            for event in script():
                xadd(client, orjson.dumps(event), cfg.keys.log)
            await settled(one, client, cfg)
            await settled(two, client, cfg)
            assert st.digest(one.state) == st.digest(two.state)
            tickets = one.state.tickets
            assert [tickets[t]["status"] for t in "abc"] == ["closed", "signed", "signed"]
            assert (tickets["b"]["returns"], tickets["b"]["reopens"], tickets["b"]["extended_until"]) == (
                1, 1, "2026-10-30")
            assert tickets["b"]["urgency"] == 1 and tickets["c"]["version"] == 3
            reasons = sorted(r["reason"] for r in one.state.rejections)
            assert reasons == [
                "cannot visit a ticket that is dispatched",
                "version conflict: ticket c is at version 2 (dispatched), the step was based on version 1",
            ]
            assert one.state.pending_count == 0
            await one.snapshot()
            running.remove(one)
            await one.stop()
            await restarted.start()
            running.append(restarted)
            assert restarted.snapshot_id != "0-0"
            await settled(restarted, client, cfg)
            assert st.digest(restarted.state) == st.digest(two.state)
        finally:
            for replica in running:
                await replica.stop()
            for bus in buses:
                await bus.redis.aclose()

    try:
        asyncio.run(run())
    finally:
        client.close()

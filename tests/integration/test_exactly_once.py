"""Exactly-once effect with a real redis-server: a producer's retries (the same event id
again, by XADD and by PUBLISH, minutes of event time later, before and after a snapshot
and an instance restart) leave the state of the log without them.

Hypothesis draws the producer's script; every example runs on the session's Redis under
a key prefix of its own.  Instance A follows the log and bridges pub/sub, writes a
snapshot and stops; instance B restores (snapshot + replay) and carries on.  The
reference is a fresh replica of the same log without the retries: each event id's first
copy, at its own entry id.  A last test does the same with two dashboard processes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import orjson
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from dashboard import state as st
from dashboard.bus import Bus, connect
from dashboard.catalogue import load_catalogue
from dashboard.config import Settings, load_settings
from dashboard.console import load_console_config
from dashboard.inbox import inbox
from dashboard.metrics import Metrics
from dashboard.redis_server import EmbeddedRedis
from dashboard.replica import Replica
from support.events import (
    Envelope,
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    sensor_alarm,
    sensor_reading,
    video_point,
    video_status,
)
from support.log import last_entry_id, xadd
from support.processes import DashboardProcess, wait_for

DEADLINE_S = 30.0  # generous: a busy 2-core machine
CAMERAS = 3
_examples = itertools.count()

# One step of the producer's script: a new event (its kind, then the event time that
# passed since the previous one, 1 s to 10 min), or a retry of an earlier event
# (how far back), each sent by XADD ("log") or PUBLISH ("pub").
New = tuple[str, int, int, str]
Retry = tuple[str, int, str]
via = hs.sampled_from(["log", "pub"])
new_event = hs.tuples(hs.just("new"), hs.integers(0, 6), hs.integers(1, 600), via)
retry = hs.tuples(hs.just("retry"), hs.integers(1, 30), via)
script = hs.lists(hs.one_of(new_event, retry), min_size=4, max_size=40)


class Quiet:
    """No /live hub: the test reads the replica's state."""

    def on_changes(self, changes: st.Changes) -> None:
        pass

    def on_restore(self, state: st.State) -> None:
        pass


def make_event(kind: int, n: int, ts: int) -> Envelope:
    """The ``n``-th event of the script, of ``kind``, with its own id."""
    fields: dict[str, Any] = {"event_id": f"ev-{n}", "ts": ts, "street": "hongqiao"}
    if kind == 0:
        return video_status(f"cam-{n % CAMERAS}", ("offline", "online", "fault")[n % 3], **fields)
    if kind == 1:
        return indicator_value("green.pm25", float(n), **fields)
    if kind == 2:
        return sensor_alarm(f"gas-{n % 4}", kind="gas", level=1 + n % 4, **fields)
    if kind == 3:
        return incident_reported(f"inc-{n}", title=f"事件{n}", severity=1 + n % 4, **fields)
    if kind == 4:  # the newest incident reported so far (parked if there is none yet)
        return incident_step("acknowledged", f"inc-{n - 1}", by="officer", version=1, **fields)
    if kind == 5:
        return sensor_reading(f"gas-{n % 4}", float(n % 50), kind="gas", **fields)
    return hotline_ticket(f"t-{n % 3}", status=("new", "dispatched", "closed")[n % 3], satisfied=True,
                          **fields)


class Producer:
    """Sends the script's events and retries; knows how long the log must become."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.sent: list[bytes] = []  # every new event, in the order made
        self.ts = int(time.time() * 1000) - 10 * 3_600_000
        self.expected = 0  # log entries these sends make
        self.published_ids: set[str] = set()  # the bridge appends an id's first PUBLISH only

    async def send(self, raw: bytes, how: str) -> None:
        if how == "log":
            await self.bus.append(raw)
            self.expected += 1
            return
        while await self.bus.publish("retrying", raw) == 0:  # nobody subscribed yet: try again
            await asyncio.sleep(0.02)
        event_id = orjson.loads(raw)["id"]
        if event_id not in self.published_ids:
            self.published_ids.add(event_id)
            self.expected += 1

    async def play(self, steps: list[New | Retry]) -> None:
        for step in steps:
            if step[0] == "new":
                _, kind, gap_s, how = step  # type: ignore[misc]
                self.ts += gap_s * 1000
                raw = orjson.dumps(make_event(kind, len(self.sent), self.ts))
                self.sent.append(raw)
                await self.send(raw, how)
            elif self.sent:
                _, back, how = step  # type: ignore[misc]
                await self.send(self.sent[max(0, len(self.sent) - back)], how)

    async def retry_one(self, pick: int, how: str) -> None:
        await self.send(self.sent[pick % len(self.sent)], how)


async def settled(replica: Replica, client: redis.Redis, settings: Settings, length: int) -> None:
    """Wait until the log holds ``length`` entries and ``replica`` has applied the last."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if client.xlen(settings.keys.log) == length:
            tail = client.xinfo_stream(settings.keys.log)["last-generated-id"].decode()
            if replica.state.last_id == tail:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"log of {client.xlen(settings.keys.log)} entries (expected {length}), "
                         f"replica at {replica.state.last_id}")


def first_copies(client: redis.Redis, settings: Settings, into: str) -> int:
    """Write each event id's first copy in the log to the stream ``into``, at its own
    entry id (the log a producer without retries would have made); how many."""
    seen: set[str] = set()
    for entry_id, fields in client.xrange(settings.keys.log):
        event_id = orjson.loads(fields[b"event"]).get("id")
        if event_id in seen:
            continue
        seen.add(event_id)
        client.xadd(into, fields, id=entry_id)
    return len(seen)


async def one_example(url: str, before: list[New | Retry], after: list[New | Retry],
                      retries: tuple[int, int]) -> None:
    prefix = f"once{next(_examples)}:"
    cfg = load_settings({"redis_url": url, "redis_prefix": prefix, "snapshot_fork": False}, environ={})
    client = redis.Redis.from_url(url)
    producer = Producer(Bus(connect(url), cfg))
    buses = [producer.bus]

    def replica(settings: Settings) -> Replica:
        bus = Bus(connect(url), settings)
        buses.append(bus)
        return Replica(bus, settings, Metrics(), st.State(), listener=Quiet())

    try:
        first = replica(cfg)
        await first.start()
        for n in range(CAMERAS):
            await producer.send(orjson.dumps(video_point(f"cam-{n}", event_id=f"reg-{n}",
                                                         street="hongqiao", ts=producer.ts)), "log")
        await producer.play(before)
        await settled(first, client, cfg, producer.expected)
        await first.snapshot()
        await first.stop()

        second = replica(cfg)  # the restart: the newest snapshot, then the log after it
        await second.start()
        assert second.snapshot_id != "0-0"
        if producer.sent:  # retries of what came before the snapshot, both ways
            await producer.retry_one(retries[0], "log")
            await producer.retry_one(retries[1], "pub")
        await producer.play(after)
        await settled(second, client, cfg, producer.expected)  # bridged ones too: the end is last
        await producer.send(orjson.dumps(video_status("cam-0", "online", event_id="the-end",
                                                      ts=producer.ts + 1)), "log")
        await settled(second, client, cfg, producer.expected)
        await second.stop()

        ref_cfg = load_settings({"redis_url": url, "redis_prefix": prefix + "ref:"}, environ={})
        distinct = first_copies(client, cfg, ref_cfg.keys.log)
        reference = replica(ref_cfg)
        await reference.restore()

        state = second.state
        assert state.last_id == reference.state.last_id
        assert st.digest(state) == st.digest(reference.state), "retries changed the state"
        duplicates = producer.expected - distinct
        ignored = sum(r.metrics.registry.get_sample_value("cn_events_duplicate_total") or 0
                      for r in (first, second))
        assert ignored == duplicates  # counted once each: the snapshot covers all the first saw

        alarm_ids = [orjson.loads(raw)["id"] for raw in producer.sent
                     if orjson.loads(raw)["type"] == "sensor.alarm"]
        assert sorted(state.alarms) == sorted(alarm_ids)  # bridged ones may come later
        box = inbox(state, producer.ts + 60_000, load_console_config(), load_catalogue())
        sensor_keys = [item["key"] for item in box["active"] if item["kind"] == "sensor"]
        assert sorted(sensor_keys) == sorted(alarm_ids)
    finally:
        for bus in buses:
            await bus.redis.aclose()
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


@given(before=script, after=script, retries=hs.tuples(hs.integers(0, 99), hs.integers(0, 99)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_retries_leave_the_state_of_the_log_without_them(
    redis_server: EmbeddedRedis, before: list[New | Retry], after: list[New | Retry],
    retries: tuple[int, int],
) -> None:
    """Random retries by XADD and PUBLISH, across a snapshot and a restart: the digest is
    that of the log without them, and each retried alarm shows once in the inbox."""
    asyncio.run(one_example(redis_server.url, before, after, retries))


def test_two_instances_count_a_retried_alarm_once(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """Two dashboards: an alarm sent by XADD, then by PUBLISH and XADD again minutes later
    (event time), is applied once with equal digests, and each counts two copies ignored."""
    first, second = dashboards(), dashboards()
    wait_for(lambda: sum(int(c["psub"]) for c in rclient.client_list()) >= 2,
             message="both instances subscribed")
    ts = int(time.time() * 1000) - 600_000
    alarm = orjson.dumps(sensor_alarm("gas-9", kind="gas", level=1, street="hongqiao",
                                      event_id="alarm-retried", ts=ts))
    xadd(rclient, alarm)
    xadd(rclient, orjson.dumps(indicator_value("green.pm25", 12.0, event_id="later", ts=ts + 300_000)))
    rclient.publish("cn:pub:iot", alarm)
    wait_for(lambda: rclient.xlen("cn:events") == 3, message="the PUBLISHed copy bridged")
    xadd(rclient, alarm)
    last = last_entry_id(rclient)
    for instance in (first, second):
        wait_for(lambda i=instance: i.health()["last_id"] == last, message="applied")
        assert instance.health()["applied"] == 2
        assert instance.metric("cn_events_duplicate_total") == 2
    assert first.health(digest=True)["digest"] == second.health(digest=True)["digest"]

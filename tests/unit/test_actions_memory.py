"""Officers' actions over the in-memory log: checked, written, judged by the reducer, audited."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson

from dashboard import state as st
from dashboard.actions import alarm_action, incident_action
from dashboard.config import load_settings
from dashboard.console import ConsoleConfig, load_console_config
from dashboard.eventlog_memory import MemoryLog
from dashboard.metrics import Metrics
from dashboard.replica import Replica
from dashboard.sources import Sources, load_sources
from tests.unit.test_replica_memory import Recorder


@dataclass
class Audit:
    """An in-memory auditor: what would go to cn:audit."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    async def record(self, action: str, who: str, role: str, **fields: Any) -> bool:
        self.entries.append({"action": action, "who": who, "role": role, **fields})
        return True


@dataclass
class Parts:
    """The parts of a Runtime the actions use."""

    bus: MemoryLog
    replica: Replica
    auditor: Audit
    console: ConsoleConfig = field(default_factory=lambda: load_console_config(None))
    sources: Sources = field(default_factory=load_sources)

    @property
    def state(self) -> st.State:
        return self.replica.state


async def started() -> Parts:
    log = MemoryLog()
    replica = Replica(log, load_settings({}, environ={}), Metrics(), st.State(), listener=Recorder())
    await replica.start()
    report = {"type": "incident.reported", "street": "hongqiao", "data": {
        "incident_id": "i1", "domain": "safety", "title": "t", "severity": 2}}
    camera = {"type": "video.point", "street": "hongqiao", "data": {
        "point_id": "c9", "name": "c9", "lat": 31.2, "lon": 121.4, "status": "offline"}}
    assert await replica.wait_applied(await log.append(orjson.dumps(report)), timeout=10)
    assert await replica.wait_applied(await log.append(orjson.dumps(camera)), timeout=10)
    assert "c9" in replica.state.video
    return Parts(log, replica, Audit())


def test_two_dispatches_on_one_version_give_one_success_and_one_conflict() -> None:
    """The log decides: the second action based on version 2 is refused with the reason."""
    async def body() -> None:
        parts = await started()
        try:
            ack = await incident_action(parts, "a", "i1", "acknowledge", version=1)  # type: ignore[arg-type]
            assert ack.ok and ack.version == 2
            first, second = await asyncio.gather(*(
                incident_action(parts, name, "i1", "dispatch", version=2, unit="区城管执法局")  # type: ignore[arg-type]
                for name in ("a", "b")))
            assert sorted([first.ok, second.ok]) == [False, True]
            refused = first if not first.ok else second
            assert "version conflict" in refused.message
            assert [e["outcome"] for e in parts.auditor.entries].count("refused") == 1
        finally:
            await parts.replica.stop()
    asyncio.run(body())


def test_units_and_alarms_that_do_not_exist_are_refused_before_anything_is_written() -> None:
    """A dispatch unit outside the configuration, an alarm key the state does not know:
    refused with the reason, nothing appended (#12)."""
    async def body() -> None:
        parts = await started()
        try:
            await incident_action(parts, "a", "i1", "acknowledge", version=1)  # type: ignore[arg-type]
            before = len(parts.bus.entries)
            wrong = await incident_action(parts, "a", "i1", "dispatch", version=2,  # type: ignore[arg-type]
                                          unit="<b>nobody</b>")
            assert not wrong.ok and "nobody" in wrong.message
            for key in ("no-such-alarm", "video:no-such-camera", "indicator:nope", "video:", ""):
                alarm = await alarm_action(parts, "a", key, "acknowledge")  # type: ignore[arg-type]
                assert not alarm.ok, key
            assert len(parts.bus.entries) == before
        finally:
            await parts.replica.stop()
    asyncio.run(body())


def test_an_impossible_step_is_refused_before_anything_is_written() -> None:
    """Closing a reported incident is refused locally: no log entry, an audited refusal."""
    async def body() -> None:
        parts = await started()
        try:
            before = len(parts.bus.entries)
            outcome = await incident_action(parts, "a", "i1", "close", version=1)  # type: ignore[arg-type]
            assert not outcome.ok and "cannot close" in outcome.message
            assert len(parts.bus.entries) == before
            assert parts.auditor.entries[-1]["outcome"] == "refused"
        finally:
            await parts.replica.stop()
    asyncio.run(body())


def test_acknowledging_a_camera_alarm_is_recorded_and_cued() -> None:
    """An inbox acknowledgement lands in the state and reports the inbox as changed."""
    async def body() -> None:
        parts = await started()
        listener: Recorder = parts.replica.listener  # type: ignore[assignment]
        try:
            outcome = await alarm_action(parts, "a", "video:c9", "acknowledge", comment="seen")  # type: ignore[arg-type]
            assert outcome.ok
            assert parts.state.alarm_acks["video:c9"]["by"] == "a"
            assert any("video:c9" in c.keys.get("inbox", set()) for c in listener.changes)
        finally:
            await parts.replica.stop()
    asyncio.run(body())

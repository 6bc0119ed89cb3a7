"""The reducer: deterministic, lifecycle rules, unknown ids, snapshots."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs

from dashboard import lifecycle
from dashboard import state as st
from dashboard.events import Event, event_from_dict
from support.events import (
    Envelope,
    IncidentStepName,
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    sensor_alarm,
    sensor_reading,
    video_point,
    video_status,
)


def ev(event: Envelope) -> Event:
    """``event`` validated, at ts 1000 in 虹桥街道 unless it says otherwise."""
    return event_from_dict({"ts": 1_000, "street": "hongqiao", **event})


def run(events: list[Event], state: st.State | None = None, start: int = 1) -> st.State:
    state = state or st.State()
    for n, event in enumerate(events, start=start):
        st.apply(state, f"{1_000 + n}-0", event)
    return state


def point(pid: str = "c1") -> Event:
    return ev(video_point(pid, name="路口", lat=31.2, lon=121.4))


def report(iid: str = "i1", severity: int = 2) -> Event:
    return ev(incident_reported(iid, domain="safety", title="火情", severity=severity))


def step(name: IncidentStepName, iid: str = "i1", **data: Any) -> Event:
    return ev(incident_step(name, iid, **data))


def test_video_status_change_records_since_and_history() -> None:
    """A status change sets status, since and a history entry."""
    s = run([point(), ev(video_status("c1", "offline", ts=5_000))])
    assert s.video["c1"]["status"] == "offline" and s.video["c1"]["since"] == 5_000
    assert s.video_history["c1"][-1] == [5_000, "offline", None]


def test_status_for_unknown_camera_is_applied_when_it_registers() -> None:
    """An event about an unknown id is kept and applied once the id appears."""
    s = run([ev(video_status("c9", "fault")), point("c9")])
    assert s.video["c9"]["status"] == "fault"
    assert s.pending == {} and s.pending_count == 0


def test_incident_flows_through_the_whole_lifecycle() -> None:
    """发现 → 立案 → 派单 → 处置 → 核查 → 结案, each step bumping the version."""
    s = run([report(), step("acknowledged", version=1), step("dispatched", unit="城管", version=2),
             step("resolved", version=3), step("verified", version=4), step("closed", version=5)])
    incident = s.incidents["i1"]
    assert incident["status"] == "closed" and incident["version"] == 6
    assert [t["step"] for t in incident["timeline"]] == list(lifecycle.FLOW)
    assert incident["unit"] == "城管" and s.rejections == []


def test_invalid_transition_is_refused_with_reason() -> None:
    """Closing a merely reported incident is refused, not applied."""
    s = run([report(), step("closed", by="officer-2")])
    assert s.incidents["i1"]["status"] == "reported"
    assert s.rejections[-1]["reason"] == "cannot close an incident that is reported"
    assert s.rejections[-1]["by"] == "officer-2"


def test_stale_version_loses() -> None:
    """Two actions based on the same version: the first wins, the second is refused."""
    s = run([report(), step("acknowledged", version=1), step("dispatched", unit="A", version=2),
             step("dispatched", unit="B", version=2)])
    assert s.incidents["i1"]["unit"] == "A"
    assert "version conflict" in s.rejections[-1]["reason"]


def test_escalation_needs_a_more_severe_level() -> None:
    """Escalating to the same or a milder severity is refused."""
    s = run([report(severity=2), step("escalated", severity=3), step("escalated", severity=1)])
    assert s.incidents["i1"]["severity"] == 1
    assert len(s.rejections) == 1


def test_severe_incident_is_flagged_for_push() -> None:
    """A severity-1 report appears in Changes.severe."""
    changes = st.apply(st.State(), "1-0", report(severity=1))
    assert changes.severe == [{"kind": "incident", "id": "i1", "entry": "1-0"}]


def test_missing_ts_uses_log_entry_time() -> None:
    """Without ts, the entry id's time is the event time (deterministic)."""
    s = st.State()
    st.apply(s, "1700000000123-0", event_from_dict(video_point("c1", name="x", lat=31.2, lon=121.4)))
    assert s.video["c1"]["since"] == 1700000000123


def test_hotline_counts_per_beijing_day() -> None:
    """Tickets count per Beijing day; satisfaction counts only rated closures."""
    day_ts = 1_767_225_600_000  # 2026-01-01 08:00 +08:00
    s = run([
        ev(hotline_ticket("t1", category="c", summary="s", status="new", ts=day_ts)),
        ev(hotline_ticket("t1", category="c", summary="s", status="closed", satisfied=True,
                          ts=day_ts + 1000)),
    ])
    assert s.hotline_days["2026-01-01"] == {"new": 1, "closed": 1, "satisfied": 1, "rated": 1,
                                            "repeat": 0}


def test_bounded_histories_stay_bounded() -> None:
    """Indicator history never grows past its bound."""
    s = run([ev(indicator_value("k", float(i), ts=i)) for i in range(st.INDICATOR_HISTORY + 50)])
    assert len(s.indicators["k@hongqiao"]["history"]) == st.INDICATOR_HISTORY


# ---------------------------------------------------------------- properties

kinds = hs.sampled_from(["point", "status", "report", "ack", "dispatch", "resolve",
                         "indicator", "alarm", "reading", "ticket"])
ids = hs.sampled_from(["a", "b", "c"])


def make_event(kind: str, key: str, ts: int, n: int, version: int, pick: int) -> Event:
    statuses = ("online", "offline", "fault")
    if kind == "point":
        return point(key)
    if kind == "status":
        return ev(video_status(key, statuses[pick % 3], ts=ts))
    if kind == "report":
        return report(key, 1 + pick % 4)
    if kind == "ack":
        return step("acknowledged", key, version=version)
    if kind == "dispatch":
        return step("dispatched", key, unit="u", version=version)
    if kind == "resolve":
        return step("resolved", key)
    if kind == "indicator":
        return ev(indicator_value(key, n, ts=ts))
    if kind == "alarm":
        return ev(sensor_alarm(key, kind="gas", level=1))
    if kind == "reading":
        return ev(sensor_reading(key, n, kind="gas", ts=ts))
    return ev(hotline_ticket(key, category="c", summary="s", status=("new", "dispatched", "closed")[pick % 3],
                             ts=ts))


@hs.composite
def event_lists(draw: hs.DrawFn) -> list[Event]:
    return [
        make_event(draw(kinds), draw(ids), draw(hs.integers(0, 10_000)), n,
                   draw(hs.integers(1, 4)), draw(hs.integers(0, 11)))
        for n in range(draw(hs.integers(0, 60)))
    ]


@given(event_lists())
@settings(max_examples=150, deadline=None)
def test_same_log_gives_same_digest(events: list[Event]) -> None:
    """Two replicas applying the same entries agree exactly."""
    assert st.digest(run(events)) == st.digest(run(events))


@given(event_lists(), hs.integers(0, 60))
@settings(max_examples=150, deadline=None)
def test_snapshot_then_replay_equals_continuous(events: list[Event], cut: int) -> None:
    """Restoring a snapshot taken mid-log and replaying the rest gives the same state."""
    cut = min(cut, len(events))
    continuous = run(events)
    restored = st.from_json(st.to_json(run(events[:cut])))
    run(events[cut:], restored, start=cut + 1)
    assert st.digest(restored) == st.digest(continuous)

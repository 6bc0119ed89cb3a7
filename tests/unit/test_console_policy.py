"""Console policies: allowed actions, scope of records and inbox alarms, the audited reveal."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from dashboard import lifecycle
from dashboard import state as st
from dashboard.auth import Principal
from dashboard.console_policy import (
    allowed_actions,
    audit_look,
    inbox_in_scope,
    reveal,
    sees_record,
)
from dashboard.events import event_from_dict

OFFICER = Principal("user", "officer", "officer")
JIANGSU = Principal("user", "jiangsu", "officer", scope="jiangsulu")
WALL = Principal("wall", "wall-1", "wall")
PHONE = "13912345678"


def run(events: list[dict[str, Any]]) -> st.State:
    s = st.State()
    for n, raw in enumerate(events, start=1):
        st.apply(s, f"{n}-0", event_from_dict({"ts": n, **raw}))
    return s


@pytest.fixture
def state() -> st.State:
    return run([
        {"type": "incident.reported", "street": "jiangsulu",
         "data": {"incident_id": "inc-j", "domain": "safety", "title": "积水", "severity": 2,
                  "address": "长宁区天山路123号5室"}},
        {"type": "hotline.ticket", "street": "jiangsulu",
         "data": {"ticket_id": "t-j", "category": "噪声", "summary": "夜间施工", "status": "new",
                  "caller_name": "欧阳娜娜", "caller_phone": PHONE}},
        {"type": "hotline.ticket", "street": "hongqiao",
         "data": {"ticket_id": "t-h", "category": "噪声", "summary": "夜间施工", "status": "new",
                  "caller_phone": "13800000000"}},
        {"type": "duty.shift", "data": {"center": "district", "post": "值班长", "name": "李四",
                                        "phone": "13700001111"}},
        {"type": "duty.shift", "data": {"center": "hongqiao", "post": "值班", "name": "张三"}},
        {"type": "video.point", "street": "jiangsulu",
         "data": {"point_id": "cam-j", "name": "路口", "lat": 31.2, "lon": 121.4}},
        {"type": "video.point", "street": "hongqiao",
         "data": {"point_id": "cam-h", "name": "路口", "lat": 31.2, "lon": 121.4}},
        {"type": "sensor.alarm", "street": "hongqiao",
         "data": {"sensor_id": "s1", "kind": "gas", "level": 1}},
        {"type": "indicator.value", "data": {"key": "safety.fire", "value": 9}},
    ])


class Trail:
    """An audit trail that keeps entries in memory, or refuses them (a full spool)."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.entries: list[dict[str, Any]] = []

    async def record(self, action: str, who: str, role: str, **fields: Any) -> bool:
        if self.accept:
            self.entries.append({"action": action, "who": who, "role": role, **fields})
        return self.accept


class Count:
    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1) -> None:
        self.value += amount


def test_allowed_actions_are_the_flow_for_those_who_may_act(state: st.State) -> None:
    """An officer gets the case flow's verbs for the status; a role without ``act`` none."""
    incident = state.incidents["inc-j"]
    assert allowed_actions(incident, OFFICER) == lifecycle.allowed_verbs("reported")
    assert "acknowledge" in allowed_actions(incident, OFFICER)
    assert allowed_actions(incident, WALL) == ()


def test_records_are_seen_within_the_scope_and_district_shifts_by_all(state: st.State) -> None:
    """A street officer sees its street's records and the district centre's shifts only."""
    assert sees_record(JIANGSU, "ticket", state.tickets["t-j"])
    assert not sees_record(JIANGSU, "ticket", state.tickets["t-h"])
    assert sees_record(JIANGSU, "duty", state.duty["district/值班长"])
    assert not sees_record(JIANGSU, "duty", state.duty["hongqiao/值班"])
    assert sees_record(OFFICER, "duty", state.duty["hongqiao/值班"])


def test_a_street_sees_its_own_and_the_district_wide_series_only() -> None:
    """An indicator series (the console's series detail): the district's is everyone's, a
    street's only that street's (and the district's officers')."""
    assert sees_record(JIANGSU, "series", {"key": "green.pm25", "street": None})
    assert sees_record(JIANGSU, "series", {"key": "green.pm25", "street": "jiangsulu"})
    assert not sees_record(JIANGSU, "series", {"key": "green.pm25", "street": "hongqiao"})
    assert sees_record(OFFICER, "series", {"key": "green.pm25", "street": "hongqiao"})


def test_inbox_scope_is_read_from_the_alarm_not_the_inbox(state: st.State) -> None:
    """Camera, sensor and indicator keys: in scope only when known and of the scope's street."""
    sensor_alarm = next(iter(state.alarms))
    assert inbox_in_scope(state, "video:cam-j", "jiangsulu")
    assert not inbox_in_scope(state, "video:cam-h", "jiangsulu")
    assert inbox_in_scope(state, sensor_alarm, "hongqiao")
    assert not inbox_in_scope(state, sensor_alarm, "jiangsulu")
    assert not inbox_in_scope(state, "video:nowhere", "jiangsulu")
    assert not inbox_in_scope(state, "indicator:safety.fire", "jiangsulu")  # district-wide
    assert inbox_in_scope(state, "video:nowhere", None)  # the district may act on any key


async def test_reveal_audits_before_it_shows_and_counts(state: st.State) -> None:
    """A reveal in scope writes its audit entry, counts once and gives the raw value."""
    trail, count = Trail(), Count()
    shown = await reveal(state, JIANGSU, "ticket", "t-j", "caller_phone", "  回访核实 ",
                         auditor=trail, counter=count, ip="10.0.0.1")
    assert (shown.outcome, shown.value, count.value) == ("shown", PHONE, 1)
    assert trail.entries == [{"action": "reveal", "who": "jiangsu", "role": "officer",
                              "target": "ticket:t-j#caller_phone", "detail": "回访核实", "ip": "10.0.0.1"}]


async def test_reveal_of_an_incident_address_and_a_duty_phone(state: st.State) -> None:
    """The same reveal serves incidents (address) and duty shifts (phone, keyed by centre/post)."""
    trail, count = Trail(), Count()
    address = await reveal(state, OFFICER, "incident", "inc-j", "address", "核实",
                           auditor=trail, counter=count)
    phone = await reveal(state, JIANGSU, "duty", "district/值班长", "phone", "联系",
                         auditor=trail, counter=count)
    assert (address.value, phone.value, count.value) == ("长宁区天山路123号5室", "13700001111", 2)
    assert [e["target"] for e in trail.entries] == ["incident:inc-j#address", "duty:district/值班长#phone"]


async def test_no_value_without_an_audit_entry(state: st.State) -> None:
    """When the audit cannot be written, nothing is shown and nothing is counted."""
    count = Count()
    shown = await reveal(state, OFFICER, "ticket", "t-j", "caller_phone", "回访", auditor=Trail(accept=False),
                         counter=count)
    assert (shown.outcome, shown.value, shown.reason, count.value) == ("unaudited", None,
                                                                       "audit unavailable", 0)


@pytest.mark.parametrize(("principal", "kind", "key", "field", "reason", "outcome"), [
    (OFFICER, "ticket", "t-j", "caller_phone", "  ", "need_reason"),
    (OFFICER, "ticket", "t-j", "summary", "回访", "denied"),  # not a personal field
    (JIANGSU, "ticket", "t-h", "caller_phone", "回访", "denied"),  # another street's
    (OFFICER, "ticket", "t-none", "caller_phone", "回访", "denied"),  # unknown
    (JIANGSU, "duty", "hongqiao/值班", "phone", "回访", "denied"),
])
async def test_refused_reveals_write_nothing(state: st.State, principal: Principal, kind: Any, key: str,
                                             field: str, reason: str, outcome: str) -> None:
    """No reason, a field that is not personal, a record out of scope: no audit, no count."""
    trail, count = Trail(), Count()
    shown = await reveal(state, principal, kind, key, field, reason, auditor=trail, counter=count)
    assert (shown.outcome, shown.value, trail.entries, count.value) == (outcome, None, [], 0)
    assert (shown.reason != "") == (outcome == "denied")


async def test_a_look_is_audited_with_its_target() -> None:
    """Opening a record that holds personal data leaves a ``view`` entry."""
    trail = Trail()
    await audit_look(trail, OFFICER, "ticket", "t-j", ip="10.0.0.2")
    assert trail.entries == [{"action": "view", "who": "officer", "role": "officer", "target": "ticket:t-j",
                              "detail_key": "audit.d.view_masked", "ip": "10.0.0.2"}]


def test_the_console_url_and_policies_import_no_io() -> None:
    """The URL model, the policies and the selectors import no Redis, Dash or network code."""
    code = ("import sys, dashboard.console_url, dashboard.console_policy, dashboard.console\n"
            "print(','.join(sorted(m for m in ('redis', 'dash', 'socket', 'websockets', 'fastapi',"
            " 'starlette', 'httpx') if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

"""The tests' event factories (support/events.py) write what the contract accepts."""

from __future__ import annotations

import pytest

from dashboard.events import HOTLINE_STEPS, INCIDENT_STEPS, PAYLOADS, event_from_dict
from support import events as ev

EVERY_TYPE = [
    ev.video_point("cam-1", name="路口", lat=31.2, lon=121.4, kind="road", status="online"),
    ev.video_status("cam-1", "fault", reason="no signal"),
    ev.indicator_value("green.pm25", 35.0),
    ev.indicator_anomaly("green.pm25", 58.0, expected=36.5, low=31.0, high=42.0, score=3.1, level=3,
                         explanation="PM2.5 58 µg/m³，通常 31–42", day_type="working"),
    ev.indicator_expected("green.pm25", 1_767_225_600_000, 1_767_229_200_000, state="ready", left_s=0,
                          expected=36.5, low=31.0, high=42.0, day_type="rest"),
    ev.incident_reported("inc-1", domain="pipeline", title="爆管", severity=1, lat=31.2, lon=121.4,
                         address="长宁区天山路1号", description="现场需核实"),
    *[ev.incident_step(step, "inc-1", by="officer", unit="区水务所", note="备注", version=1,
                       severity=1 if step == "escalated" else None) for step in INCIDENT_STEPS],
    ev.hotline_ticket("t-1", category="噪声", summary="夜间施工", status="closed", address="长宁区天山路2号",
                      lat=31.2, lon=121.4, caller_name="张三", caller_phone="13800000000", satisfied=True,
                      repeat_of="t-0", urgency=2),
    *[ev.hotline_step(step, "t-1", by="officer", version=1, note="备注", unit="hongqiao", reply="已处理",
                      result="satisfied", reason="非本单位职责", until="2026-10-20", approved=True)
      for step in HOTLINE_STEPS],
    ev.sensor_reading("wl-1", 1.25, kind="water_level", unit="m", lat=31.2, lon=121.4),
    ev.sensor_alarm("gas-1", kind="gas", level=1, message="燃气浓度超限", lat=31.2, lon=121.4),
    ev.sensor_cleared("gas-1", message="浓度恢复正常"),
    ev.duty_shift("district", "值班长", "王伟", phone="13900001111", start="08:00", end="20:00"),
    ev.duty_roster("r-1", "district", "值班长", "王伟", "2026-12-01T08:00:00+08:00",
                   "2026-12-01T20:00:00+08:00",
                   "FREQ=DAILY;INTERVAL=2", phone="13900001111", until="2027-01-31T00:00:00+08:00",
                   days="workdays", by="admin"),
    ev.duty_override("r-1", "2026-12-03T08:00:00+08:00", "李娜", phone="13900002222",
                     start="2026-12-03T09:00:00+08:00", end="2026-12-03T20:00:00+08:00", by="admin",
                     reason="病假"),
    ev.duty_swap("r-1", "2026-12-03T08:00:00+08:00", "r-2", "2026-12-04T08:00:00+08:00", by="admin",
                 reason="调班"),
    ev.duty_checkin_request("district", "值班长", "2026-12-05T09:00:00+08:00", "2026-12-05T09:10:00+08:00"),
    ev.duty_checkin("district", "值班长", "王伟"),
    ev.duty_handover("h-1", "district", "值班长", "王伟", "李娜", "2026-12-03T08:00:00+08:00",
                     "2026-12-03T20:00:00+08:00", "交接班小结", open_items=["inc-1"], notes="备注",
                     by="officer"),
    ev.duty_handover_ack("h-1", "李娜", account="officer2"),
    ev.alarm_acknowledged("1-0", "officer", comment="已处置"),
    ev.alarm_shelved("video:cam-1", "officer", "施工断电", 1_767_225_600_000),
    ev.alarm_out_of_service("sensor:gas-1", "officer", "传感器检修"),
    ev.alarm_in_service("sensor:gas-1", "officer"),
]


def test_there_is_a_factory_for_every_event_type() -> None:
    """Each type the parser knows has a factory (a new type needs one)."""
    assert {event["type"] for event in EVERY_TYPE} == set(PAYLOADS)


@pytest.mark.parametrize("event", EVERY_TYPE, ids=lambda event: event["type"])
def test_every_factory_writes_a_valid_event_with_all_its_fields(event: ev.Envelope) -> None:
    """With every optional field given, the event parses and keeps them all."""
    parsed = event_from_dict({**event, "id": "e-1", "ts": 1_767_225_600_000, "street": "hongqiao"})
    assert parsed.type == event["type"] and parsed.data == event["data"]


def test_only_what_is_given_is_written() -> None:
    """Omitted envelope and payload fields are absent, not null; envelope fields are renamed."""
    assert ev.video_status("c1", "online") == {"type": "video.status",
                                               "data": {"point_id": "c1", "status": "online"}}
    event = ev.incident_step("acknowledged", "i1", event_id="e-9", ts="2026-01-01T08:00:00+08:00",
                             source="test", street="district", crs="wgs84")
    assert event == {"type": "incident.acknowledged", "data": {"incident_id": "i1"}, "id": "e-9",
                     "ts": "2026-01-01T08:00:00+08:00", "source": "test", "street": "district",
                     "crs": "wgs84"}
    parsed = event_from_dict(event)
    assert (parsed.id, parsed.ts, parsed.street, parsed.crs) == ("e-9", 1_767_225_600_000, None, "wgs84")

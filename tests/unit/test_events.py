"""Event envelope and payload validation."""

from __future__ import annotations

import orjson
import pytest

from dashboard.events import PAYLOADS, InvalidEvent, parse_event, parse_ts

GOOD = {
    "video.point": {"point_id": "c1", "name": "天山路口", "lat": 31.21, "lon": 121.40},
    "video.status": {"point_id": "c1", "status": "offline", "reason": "no signal"},
    "indicator.value": {"key": "green.pm25", "value": 23.5},
    "indicator.anomaly": {"key": "green.pm25", "value": 58, "expected": 36.5, "low": 31, "high": 42,
                          "score": 3.1, "level": 4, "explanation": "PM2.5 58 µg/m³，通常 31–42"},
    "indicator.expected": {"key": "green.pm25", "from_ts": 1_767_225_600_000, "until_ts": 1_767_229_200_000,
                           "state": "learning", "left_s": 86_400},
    "incident.reported": {"incident_id": "i1", "domain": "pipeline", "title": "爆管",
                          "severity": 2},
    "incident.acknowledged": {"incident_id": "i1", "by": "officer-1", "version": 1},
    "hotline.ticket": {"ticket_id": "t1", "category": "噪声", "summary": "夜间施工",
                       "status": "new", "caller_phone": "13812345678"},
    "hotline.dispatched": {"ticket_id": "t1", "by": "dispatcher-1", "version": 1, "unit": "hongqiao"},
    "sensor.reading": {"sensor_id": "s1", "kind": "water_level", "value": 2.3},
    "sensor.alarm": {"sensor_id": "s1", "kind": "gas", "level": 1},
    "sensor.cleared": {"sensor_id": "s1"},
    "duty.shift": {"center": "district", "post": "值班长", "name": "王伟"},
    "duty.roster": {"rotation_id": "r1", "center": "district", "post": "值班长", "name": "王伟",
                    "dtstart": "2026-12-01T08:00:00+08:00", "dtend": "2026-12-02T08:00:00+08:00",
                    "rrule": "FREQ=DAILY;INTERVAL=4"},
    "duty.override": {"rotation_id": "r1", "occurrence": "2026-12-05T08:00:00+08:00", "name": "李娜"},
    "duty.swap": {"rotation_id": "r1", "occurrence": "2026-12-05T08:00:00+08:00",
                  "other_rotation_id": "r2", "other_occurrence": "2026-12-06T08:00:00+08:00"},
    "duty.checkin_request": {"center": "district", "post": "值班长", "at": "2026-12-05T09:00:00+08:00",
                             "due": "2026-12-05T09:10:00+08:00"},
    "duty.checkin": {"center": "district", "post": "值班长", "name": "王伟"},
    "duty.handover": {"handover_id": "h1", "center": "district", "post": "值班长", "from": "王伟",
                      "to": "李娜", "shift_start": "2026-12-01T08:00:00+08:00",
                      "shift_end": "2026-12-01T20:00:00+08:00", "summary": "交接班小结",
                      "open_items": ["inc-1", "video:c1"]},
    "duty.handover_ack": {"handover_id": "h1", "by": "李娜"},
    "alarm.acknowledged": {"alarm_id": "video:c1", "by": "officer-1", "comment": "已派人"},
    "alarm.shelved": {"alarm_id": "video:c1", "by": "officer-1", "reason": "检修",
                      "until": 1767225600000},
    "alarm.out_of_service": {"alarm_id": "sensor:s1", "by": "officer-1", "reason": "检修"},
    "alarm.in_service": {"alarm_id": "sensor:s1", "by": "officer-1"},
}


def raw(event: dict) -> bytes:
    return orjson.dumps(event)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_v1_type_validates(kind: str) -> None:
    """A minimal valid event of every v1 type parses."""
    event = parse_event(raw({"type": kind, "id": "e1", "data": GOOD[kind]}))
    assert event.type == kind and event.data == GOOD[kind]


def test_every_payload_type_has_a_sample() -> None:
    """The samples above cover all v1 types (lifecycle steps share one payload, so do
    the 12345 steps)."""
    shared = ("incident.", "hotline.")
    assert {k for k in PAYLOADS if not k.startswith(shared) or k in ("incident.reported", "hotline.ticket")} \
        <= set(GOOD) | {"incident.reported"}


def test_unknown_fields_are_kept() -> None:
    """Unknown envelope and payload fields survive validation."""
    event = parse_event(raw({"type": "video.status", "vendor": "hik",
                             "data": {**GOOD["video.status"], "channel": 3}}))
    assert event.extra == {"vendor": "hik"}
    assert event.data["channel"] == 3


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "camera.exploded", "data": {}}, "unknown event type 'camera.exploded'"),
        ({"data": {}}, "missing 'type'"),
        ({"type": "video.status", "data": {"point_id": "c1"}}, "missing required field `status`"),
        ({"type": "video.status", "data": {"point_id": 5, "status": "online"}},
         "Expected `str`, got `int` - at `data.point_id`"),
        ({"type": "video.status", "data": {"point_id": "c", "status": "broken"}},
         "Invalid enum value 'broken'"),
        ({"type": "incident.reported", "data": {**GOOD["incident.reported"], "severity": 9}},
         "Expected `int` <= 4"),
        ({"type": "video.point", "data": {**GOOD["video.point"], "lat": 123}},
         "Expected `float` <= 90"),
        ({"type": "video.status", "street": "pudong", "data": GOOD["video.status"]},
         "unknown street 'pudong'"),
        ({"type": "video.status", "ts": "2026-01-01T08:00:00", "data": GOOD["video.status"]},
         "has no UTC offset"),
        ({"type": "video.status", "data": [1, 2]}, "'data' must be an object"),
    ],
)
def test_bad_events_are_refused_with_a_reason(event: dict, reason: str) -> None:
    """Each kind of malformed event is refused with a reason naming the problem."""
    with pytest.raises(InvalidEvent, match=None) as caught:
        parse_event(raw(event))
    assert reason in str(caught.value)


def test_invalid_json_is_refused() -> None:
    """Bytes that are not JSON give a JSON reason."""
    with pytest.raises(InvalidEvent, match="not valid JSON"):
        parse_event(b"{not json")


def test_oversized_event_is_refused_before_decoding() -> None:
    """An event over the byte limit is refused with its size."""
    big = raw({"type": "video.status", "data": {**GOOD["video.status"], "reason": "x" * 200}})
    with pytest.raises(InvalidEvent, match=f"event is {len(big)} bytes; the limit is 100"):
        parse_event(big, max_bytes=100)


def test_deeply_nested_json_is_refused() -> None:
    """Pathologically deep JSON is refused, not a crash."""
    deep = b'{"type":"video.status","data":' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}"
    with pytest.raises(InvalidEvent):
        parse_event(deep, max_bytes=1_000_000)
    nested = {"type": "video.status", "data": {**GOOD["video.status"]}}
    node = nested["data"]
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(InvalidEvent, match="nested deeper"):
        parse_event(raw(nested))


def test_ts_accepts_iso_with_offset_and_epoch_ms() -> None:
    """Both ts forms give the same epoch milliseconds."""
    assert parse_ts("2026-01-01T08:00:00+08:00") == parse_ts(1767225600000) == 1767225600000


def test_street_district_means_district_level() -> None:
    """street "district" is accepted and normalised to None (district-wide)."""
    event = parse_event(raw({"type": "indicator.value", "street": "district",
                             "data": GOOD["indicator.value"]}))
    assert event.street is None

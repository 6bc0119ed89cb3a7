"""Early-warning alarms (indicator.anomaly) in the ISA-18.2 states of dashboard/alarm_states.py:
active when raised, in the inbox as kind ``anomaly``, acknowledged, shelved, out of service
under their series, cleared when a later value is back inside the usual band, re-activated
within a minute of a clear; an anomaly of a sensor's readings belongs to the sensor."""

from __future__ import annotations

from dashboard import alarm_states
from dashboard import state as st
from dashboard.attention import Watch
from dashboard.catalogue import load_catalogue
from dashboard.console import load_console_config
from dashboard.dimensions import load_dimensions
from dashboard.events import event_from_dict
from dashboard.inbox import inbox
from support.events import (
    Envelope,
    alarm_acknowledged,
    alarm_in_service,
    alarm_out_of_service,
    alarm_shelved,
    indicator_anomaly,
    indicator_expected,
    indicator_value,
    sensor_cleared,
    sensor_reading,
)

CONFIG = load_console_config()
CATALOGUE = load_catalogue()
SEC, MIN, HOUR = 1_000, 60_000, 3_600_000
T0 = 1_767_225_600_000 + 8 * HOUR
STREET = "hongqiao"


class Log:
    def __init__(self) -> None:
        self.state = st.State()
        self.n = 0

    def add(self, *events: Envelope) -> Log:
        for raw in events:
            self.n += 1
            st.apply(self.state, f"{self.n}-0", event_from_dict({"street": STREET, **raw}))
        return self

    def box(self, now: int) -> dict:
        return inbox(self.state, now, CONFIG, CATALOGUE)


def anomaly(aid: str, ts: int, value: float = 95.0, key: str = "pm25", level: int = 3) -> Envelope:
    return indicator_anomaly(key, value, expected=36.0, low=30.0, high=42.0, score=9.1, level=level,
                             explanation=f"PM2.5 {value:g} µg/m³，通常 30–42", day_type="working",
                             event_id=aid, ts=ts)


def value(v: float, ts: int, key: str = "pm25") -> Envelope:
    return indicator_value(key, v, event_id=f"v-{key}-{ts}", ts=ts)


def listed(box: dict, name: str) -> list[tuple[str, str, str]]:
    return [(item["key"], item["kind"], item["state"]) for item in box[name]]


def test_an_anomaly_is_an_active_alarm_of_its_own_kind_in_the_inbox_and_the_feed() -> None:
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0))
    alarm = log.state.alarms["anomaly-1"]
    assert alarm["kind"] == "anomaly" and alarm["sensor_id"] == "pm25@hongqiao"
    assert alarm["active"] is True and alarm["anomaly"]["score"] == 9.1
    assert log.state.indicators["pm25@hongqiao"]["anomaly"] == "anomaly-1"
    assert ["alarm", "anomaly-1"] in log.state.feed
    box = log.box(T0 + MIN)
    assert listed(box, "active") == [("anomaly-1", "anomaly", "unacknowledged")]
    assert box["active"][0]["source"] == "indicator:pm25@hongqiao"
    assert box["active"][0]["title"].startswith("PM2.5 95")
    log.add(anomaly("anomaly-1", T0))  # a second engine's copy (past the dedup window): one alarm
    assert list(log.state.alarms) == ["anomaly-1"]


def test_a_value_back_inside_the_band_clears_it_and_an_acknowledgement_ends_it() -> None:
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0), value(90.0, T0 + 5 * MIN))
    assert log.state.alarms["anomaly-1"]["active"] is True  # still outside 30–42
    log.add(value(40.0, T0 + 10 * MIN))
    alarm = log.state.alarms["anomaly-1"]
    assert alarm["active"] is False and alarm["cleared"] == T0 + 10 * MIN
    assert listed(log.box(T0 + 11 * MIN), "active") == [("anomaly-1", "anomaly", "cleared_unacknowledged")]
    log.add(alarm_acknowledged("anomaly-1", "officer", ts=T0 + 12 * MIN))
    assert alarm_states.alarm_state(log.state.alarms["anomaly-1"]) == "normal"
    box = log.box(T0 + 13 * MIN)
    assert box["active"] == [] and box["acknowledged"] == []


def test_the_current_band_of_the_series_decides_the_clear_when_it_covers_the_value() -> None:
    """The next hour's band (indicator.expected) is 50–60: a 40 is outside it, a 55 inside."""
    hour = T0 - T0 % HOUR + HOUR
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0),
                    indicator_expected("pm25", hour, hour + HOUR, expected=55.0, low=50.0, high=60.0,
                                       event_id="expected-1", ts=hour))
    log.add(value(40.0, hour + MIN))
    assert log.state.alarms["anomaly-1"]["active"] is True
    log.add(value(55.0, hour + 2 * MIN))
    assert log.state.alarms["anomaly-1"]["active"] is False


def test_acknowledged_shelved_and_out_of_service_like_a_sensor_alarm() -> None:
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0, level=2))
    watch = Watch(load_dimensions())
    watch.rebuild(log.state)
    assert watch.pins(None, ())[1] == 1  # 二级, unacknowledged: pinned on the wall
    log.add(alarm_acknowledged("anomaly-1", "officer", ts=T0 + SEC))
    assert listed(log.box(T0 + 2 * SEC), "acknowledged") == [("anomaly-1", "anomaly", "acknowledged")]

    log.add(value(40.0, T0 + MIN), anomaly("anomaly-2", T0 + HOUR, value=99.0))
    log.add(alarm_shelved("anomaly-2", "officer", "施工扬尘，已知", T0 + 3 * HOUR, ts=T0 + HOUR + SEC))
    box = log.box(T0 + HOUR + 2 * SEC)
    assert [i["key"] for i in box["shelved"]] == ["anomaly-2"]

    log.add(alarm_out_of_service("anomaly-2", "officer", "监测站校准", ts=T0 + HOUR + 3 * SEC))
    assert "indicator:pm25@hongqiao" in log.state.alarm_out_of_service
    box = log.box(T0 + HOUR + 4 * SEC)
    assert [i["key"] for i in box["out_of_service"]] == ["anomaly-2"]
    assert box["recent"] == 0
    log.add(alarm_in_service("indicator:pm25@hongqiao", "officer", ts=T0 + HOUR + 5 * SEC))
    assert "indicator:pm25@hongqiao" not in log.state.alarm_out_of_service


def test_an_anomaly_within_a_minute_of_a_clear_reactivates_the_same_line() -> None:
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0), value(40.0, T0 + 10 * SEC),
                    value(96.0, T0 + 40 * SEC), anomaly("anomaly-2", T0 + 40 * SEC, value=96.0))
    assert list(log.state.alarms) == ["anomaly-1"]
    alarm = log.state.alarms["anomaly-1"]
    assert alarm["reactivations"] == 1 and alarm["active"] is True and alarm["anomaly"]["value"] == 96.0
    log.add(value(40.0, T0 + 50 * SEC), anomaly("anomaly-3", T0 + 50 * SEC + 2 * MIN))
    assert sorted(log.state.alarms) == ["anomaly-1", "anomaly-3"]


def test_an_anomaly_of_a_sensor_belongs_to_the_sensor() -> None:
    """Its source is the sensor (out of service with it), its pin the sensor's place, a
    reading back inside the band clears it, and so does sensor.cleared."""
    log = Log().add(sensor_reading("water-7", 0.8, kind="water", lat=31.2, lon=121.4, ts=T0),
                    anomaly("anomaly-s", T0 + SEC, key="sensor:water-7", value=0.8))
    alarm = log.state.alarms["anomaly-s"]
    assert alarm["sensor_id"] == "water-7" and (alarm["lat"], alarm["lon"]) == (31.2, 121.4)
    assert alarm_states.alarm_source(alarm) == "sensor:water-7"
    assert log.state.sensors["water-7"]["anomaly"] == "anomaly-s"
    log.add(sensor_reading("water-7", 35.0, kind="water", ts=T0 + MIN))
    assert log.state.alarms["anomaly-s"]["active"] is False
    log.add(anomaly("anomaly-t", T0 + HOUR, key="sensor:water-7", value=0.7),
            sensor_cleared("water-7", ts=T0 + 2 * HOUR))
    assert log.state.alarms["anomaly-t"]["active"] is False


def test_an_anomaly_survives_a_snapshot() -> None:
    log = Log().add(value(95.0, T0), anomaly("anomaly-1", T0), value(40.0, T0 + MIN))
    restored = st.from_json(st.to_json(log.state))
    assert restored.alarms == log.state.alarms
    assert st.digest(restored) == st.digest(log.state)

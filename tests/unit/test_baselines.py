"""Seasonal baselines (dashboard/baselines.py) and the detector (dashboard/detect.py) on
planted seasonal data: day types across a holiday, the learning state, deterministic ids,
the explanation, and the reducer keeping one alarm per id."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import orjson
import pytest

from dashboard import clock
from dashboard.baselines import LEARNING_MS, day_type, fit
from dashboard.catalogue import load_catalogue
from dashboard.detect import Detector, event_id, level_of
from dashboard.events import parse_event
from dashboard.state import State, apply
from dashboard.workdays import load_calendar

CAL = load_calendar()
DAY = clock.DAY_MS
HOUR = clock.HOUR_MS


def ms(y: int, m: int, d: int, h: int = 0) -> int:
    return int(datetime(y, m, d, h, tzinfo=clock.BEIJING).timestamp() * 1000)


def planted(start: int, days: int, per_hour: int = 4, seed: int = 1, noise: float = 2.0,
            rest_drop: float = 12.0) -> tuple[np.ndarray, np.ndarray]:
    """40 + 10·cos(2π(h − 14)/24), minus ``rest_drop`` on rest days, + gauss(0, noise)."""
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(start, start + days * DAY, days * 24 * per_hour))
    return ts, np.array([truth(int(t), rest_drop) for t in ts]) + rng.normal(0, noise, len(ts))


def truth(t: int, rest_drop: float = 12.0) -> float:
    hour = (t - clock.day_start(t)) / HOUR
    rest = day_type(CAL, clock.beijing(t).date()) == "rest"
    return 40 + 10 * math.cos(2 * math.pi * (hour - 14) / 24) - (rest_drop if rest else 0)


def test_day_types_follow_the_calendar() -> None:
    """A make-up working day (Sunday 2026-01-04) is working, a holiday weekday (2026-10-05) rest."""
    assert day_type(CAL, date(2026, 1, 4)) == "working"
    assert day_type(CAL, date(2026, 10, 5)) == "rest"
    assert day_type(CAL, date(2026, 9, 22)) == "working"  # a Tuesday
    assert day_type(CAL, date(2026, 9, 19)) == "rest"  # a Saturday


def test_baseline_learns_the_daily_rhythm_and_the_day_type() -> None:
    """Three weeks of planted data: the expectation is within noise of the truth on a working
    day and on the National Day holiday (rest, though a weekday), and the scale ≈ the noise."""
    start = ms(2026, 9, 14)
    ts, values = planted(start, 21)
    now = start + 21 * DAY
    base = fit(ts, values, CAL, now)
    assert base is not None and base.ready and base.bucket_hours == 1
    for when in (ms(2026, 10, 5, 8), ms(2026, 10, 5, 14), ms(2026, 9, 29, 3), ms(2026, 9, 29, 14)):
        assert abs(base.expect(CAL, when).expected - truth(when)) < 1.5, clock.iso(when)
    assert base.expect(CAL, ms(2026, 10, 5, 14)).day_type == "rest"
    assert 1.5 < base.scale["working"] < 2.6
    score, e = base.score(CAL, ms(2026, 9, 29, 14), truth(ms(2026, 9, 29, 14)) + 20)
    assert score > 7 and e.low < truth(ms(2026, 9, 29, 14)) < e.high


def test_a_young_series_is_learning_and_says_how_long() -> None:
    """Ten days of history: not ready, four more days needed; the detector writes a
    learning band and no anomaly, however far off a value is."""
    start = ms(2026, 9, 1)
    ts, values = planted(start, 10)
    now = start + 10 * DAY
    base = fit(ts, values, CAL, now)
    assert base is not None and not base.ready
    assert base.learning_left_ms(now) == LEARNING_MS - (now - int(ts[0]))
    detector = Detector(load_catalogue(), CAL)
    detector.learn([(int(t), "indicator.value", None, {"key": "green.pm25", "value": float(v)})
                    for t, v in zip(ts, values, strict=True)], now)
    events = detector.observe(now + HOUR, "indicator.value", None, {"key": "green.pm25", "value": 500.0})
    assert [e["type"] for e in events] == ["indicator.expected"]
    assert events[0]["data"]["state"] == "learning"
    assert 3 * 86_400 < events[0]["data"]["left_s"] <= 4 * 86_400


def trained(seed: int = 1) -> tuple[Detector, int]:
    start = ms(2026, 9, 1)
    ts, values = planted(start, 16, seed=seed)
    now = start + 16 * DAY
    detector = Detector(load_catalogue(), CAL)
    detector.learn([(int(t), "indicator.value", "tianshanlu", {"key": "green.pm25", "value": float(v)})
                    for t, v in zip(ts, values, strict=True)], now)
    return detector, now


def test_an_anomaly_is_explained_in_words_and_figures() -> None:
    detector, now = trained()
    when = now + 8 * HOUR  # Thursday 2026-09-17 08:00
    events = detector.observe(when, "indicator.value", "tianshanlu", {"key": "green.pm25", "value": 75.0})
    anomaly = events[-1]
    assert anomaly["type"] == "indicator.anomaly" and anomaly["street"] == "tianshanlu"
    data = anomaly["data"]
    assert data["low"] < data["expected"] < data["high"] < 75 and data["score"] > 4.5
    text = data["explanation"]
    assert text.startswith("PM2.5浓度 75μg/m³，通常 ")
    assert "（周四 08:00，工作日，天山路街道）；偏高 " in text and text.endswith(" 个稳健标准差")
    assert f"{data['low']:.0f}–{data['high']:.0f}" in text
    parse_event(orjson.dumps(anomaly))  # a valid event
    # a second anomalous value in the same hour writes nothing more; the next hour may
    assert detector.observe(when + 60_000, "indicator.value", "tianshanlu",
                            {"key": "green.pm25", "value": 80.0}) == []
    later = detector.observe(when + HOUR, "indicator.value", "tianshanlu",
                             {"key": "green.pm25", "value": 80.0})
    assert [e["type"] for e in later] == ["indicator.expected", "indicator.anomaly"]


def test_a_normal_value_raises_nothing() -> None:
    detector, now = trained()
    when = now + 14 * HOUR
    events = detector.observe(when, "indicator.value", "tianshanlu",
                              {"key": "green.pm25", "value": truth(when)})
    assert [e["type"] for e in events] == ["indicator.expected"]
    assert events[0]["data"]["low"] < truth(when) < events[0]["data"]["high"]


def test_ids_are_deterministic_so_two_engines_raise_one_alarm() -> None:
    """Two detectors fitted apart from the same history write the same ids; the reducer
    applies the second copy as a duplicate, and beyond the dedup window still keeps one alarm."""
    one, now = trained()
    two, _ = trained()
    when = now + 8 * HOUR
    a = one.observe(when, "indicator.value", "tianshanlu", {"key": "green.pm25", "value": 75.0})
    b = two.observe(when, "indicator.value", "tianshanlu", {"key": "green.pm25", "value": 75.0})
    assert [e["id"] for e in a] == [e["id"] for e in b]
    assert a[-1]["id"] == event_id("anomaly", "green.pm25@tianshanlu", when)
    assert event_id("anomaly", "green.pm25@tianshanlu", when) != event_id("anomaly", "green.pm25", when)
    state = State()
    for n, event in enumerate(a + b + a, start=1):
        apply(state, f"{when + n}-0", parse_event(orjson.dumps(event)))
    alarms = [x for x in state.alarms.values() if x["kind"] == "anomaly"]
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm["id"] == a[-1]["id"] and alarm["sensor_id"] == "green.pm25@tianshanlu"
    assert alarm["message"] == a[-1]["data"]["explanation"] and alarm["level"] == a[-1]["data"]["level"]
    assert state.feed[-1] == ["alarm", alarm["id"]]
    band = state.indicators["green.pm25@tianshanlu"]["band"]
    assert band["state"] == "ready" and band["from"] == when - when % HOUR


@pytest.mark.parametrize(("score", "level"), [(4.6, 4), (-6.0, 4), (6.8, 3), (-9.0, 2), (30.0, 2)])
def test_levels_by_score_band(score: float, level: int) -> None:
    assert level_of(score, 4.5) == level


def test_archived_points_of_several_series_at_one_millisecond_are_all_taken() -> None:
    """Street series sampled on one clock share timestamps: each keeps its points."""
    detector = Detector(load_catalogue(), CAL)
    t0 = ms(2026, 9, 14)
    rows = [(t0 + n * HOUR, "indicator.value", street, {"key": "green.pm25", "value": 30.0 + n})
            for n in range(5) for street in ("hongqiao", "xinhualu", None)]
    assert detector.take(rows) == 15
    assert {sid: len(s.points) for sid, s in detector.series.items()} == {
        "green.pm25@hongqiao": 5, "green.pm25@xinhualu": 5, "green.pm25": 5}
    assert detector.take(rows) == 0  # the same rows again (a second learn): nothing twice


def test_a_sensor_in_its_own_alarm_raises_no_second_alarm() -> None:
    """While a sensor's ``sensor.alarm`` stands (until its ``sensor.cleared``), a reading far
    from its usual raises no anomaly: the condition has its alarm already (one alarm per
    abnormal condition, docs/early-warning.md "Alarm rate"); once cleared, it may."""
    start = ms(2026, 9, 1)
    ts, values = planted(start, 16)
    now = start + 16 * DAY
    detector = Detector(load_catalogue(), CAL)
    reading = {"sensor_id": "gas-0001", "kind": "gas", "unit": "%LEL"}
    detector.learn([(int(t), "sensor.reading", "tianshanlu", {**reading, "value": float(v)})
                    for t, v in zip(ts, values, strict=True)], now)
    when = now + 8 * HOUR
    assert detector.observe(when, "sensor.alarm", "tianshanlu", {"sensor_id": "gas-0001", "level": 2}) == []
    assert detector.observe(when + 1000, "sensor.reading", "tianshanlu", {**reading, "value": 500.0}) == []
    assert detector.observe(when + 2000, "sensor.cleared", "tianshanlu", {"sensor_id": "gas-0001"}) == []
    events = detector.observe(when + 3000, "sensor.reading", "tianshanlu", {**reading, "value": 500.0})
    assert [e["type"] for e in events] == ["indicator.anomaly"]
    assert events[0]["data"]["key"] == "sensor:gas-0001"


def test_bands_stay_inside_the_physical_range() -> None:
    """A gas sensor reading near 0 %LEL: its band (the anomaly's, as the explanation says
    it) never goes below 0; a share's band, expectation and forecast never above 100 %
    (the ranges' home: dashboard/catalogue.py)."""
    from dashboard.catalogue import physical_range, sensor_range

    indicators = {i.key: i for i in load_catalogue()}
    assert physical_range(indicators["health.bed_occupancy"]) == (0.0, 100.0)
    assert physical_range(indicators["green.pm25"]) == (0.0, None)
    assert physical_range(indicators["green.river_water_grade"]) == (1.0, 6.0)
    assert sensor_range("gas") == (0.0, 100.0) and sensor_range("unknown") == (None, None)

    start = ms(2026, 9, 1)
    rng = np.random.default_rng(3)
    ts = np.sort(rng.integers(start, start + 16 * DAY, 16 * 24 * 4))
    now = start + 16 * DAY
    detector = Detector(load_catalogue(), CAL)
    gas = {"sensor_id": "gas-0009", "kind": "gas", "unit": "%LEL"}
    rows = [(int(t), "sensor.reading", "tianshanlu",
             {**gas, "value": round(max(0.0, rng.normal(0.3, 0.3)), 2)}) for t in ts]
    # a share near its ceiling, 98 ± 1.5 %
    rows += [(int(t), "indicator.value", None, {"key": "health.bed_occupancy",
                                                 "value": round(min(100.0, rng.normal(98, 1.5)), 1)})
             for t in ts]
    detector.learn(sorted(rows, key=lambda r: r[0]), now)
    raw = detector.series["sensor:gas-0009"].baseline
    assert raw is not None and raw.expect(CAL, now + HOUR).low < 0  # the model's own band
    events = detector.observe(now + HOUR, "sensor.reading", "tianshanlu", {**gas, "value": 9.0})
    anomaly = next(e for e in events if e["type"] == "indicator.anomaly")["data"]
    assert anomaly["low"] == 0.0 < anomaly["high"] < 9.0 and anomaly["score"] > 4.5
    assert "通常 0.00–" in anomaly["explanation"]
    band = detector.observe(now + HOUR, "indicator.value", None,
                            {"key": "health.bed_occupancy", "value": 98.0})
    data = band[0]["data"]
    assert band[0]["type"] == "indicator.expected" and data["state"] == "ready"
    assert data["high"] == 100.0 and data["low"] < data["expected"] <= 100.0
    assert data["forecast"] and all(high <= 100.0 for _, _, _, high in data["forecast"])
    assert any(high == 100.0 for _, _, _, high in data["forecast"])

"""The early-warning detector (预知研判): baselines per series, a score per new value, and the
events that say so.  Pure: no Redis, no archive, no clock (times are passed in); the
engine around it (dashboard/detect_engine.py) reads and writes.

Series: every indicator series (``key`` for the district, ``key@street`` for a street,
as :func:`dashboard.state.series_key` names them) and every sensor (``sensor:<id>``).

Events written (docs/events.md):

* ``indicator.anomaly`` when a value of a ready series lies :attr:`Detector.threshold`
  robust deviations or more from its expectation; at most one per series and Beijing hour,
  its id ``anomaly-<hash of series and hour>``: every engine that sees the same log
  (two engines, a restarted one replaying) writes the same id, and the reducer keeps one
  alarm per id.
* ``indicator.expected``: the usual band of an indicator series for the hour (once per
  series and hour, id ``expected-<hash>``), or that it is still learning and for how long;
  the wall's tiles show it.

Levels (the one scale, dashboard/levels.py) from the score: ≥ 2 × threshold 二级, ≥ 1.5 ×
threshold 三级, else 四级.  A deviation alone never makes 一级: that is a person's call.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dashboard import baselines, clock
from dashboard.baselines import Baseline, Expectation
from dashboard.catalogue import Indicator, clamp, physical_range, sensor_range
from dashboard.i18n import t, unit_name
from dashboard.workdays import Calendar

DEFAULT_THRESHOLD = 4.5
HISTORY_MS = 28 * clock.DAY_MS  # history kept per series for a refit
#: how often a baseline is fitted again (the trend follows weeks, the level the last days:
#: four times a day is enough, and keeps 5,000 series' fits under a tenth of a core)
REFIT_MS = 6 * clock.HOUR_MS
MAX_POINTS = 20_000  # per series: bounds memory whatever the rate
SOURCE = "detect"
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SENSOR_PREFIX = "sensor:"
#: hours of forecast each ``indicator.expected`` carries (every 15 min: 24 points)
FORECAST_HOURS = 6


def series_id(key: str, street: str | None) -> str:
    return f"{key}@{street}" if street else key


def event_id(kind: str, series: str, ms: int) -> str:
    """``anomaly-…`` / ``expected-…``: the hash of the series and the Beijing hour of ``ms``."""
    hour = ms - ms % clock.HOUR_MS
    digest = hashlib.sha256(f"{series}|{hour}".encode()).hexdigest()[:24]
    return f"{kind}-{digest}"


def level_of(score: float, threshold: float) -> int:
    size = abs(score)
    return 2 if size >= 2 * threshold else 3 if size >= 1.5 * threshold else 4


@dataclass(frozen=True, slots=True)
class Meta:
    """What a series is, for its explanation."""

    key: str
    street: str | None
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    decimals: int
    is_indicator: bool
    floor: float | None = None  # the quantity's physical range (dashboard/catalogue.py)
    ceiling: float | None = None

    def bounded(self, e: Expectation) -> Expectation:
        """The expectation and its band inside the physical range: a gas band never says
        −0.10 %LEL, a share never 101 % (the score stays the model's)."""
        return dataclasses.replace(e, expected=clamp(e.expected, self.floor, self.ceiling),
                                   low=clamp(e.low, self.floor, self.ceiling),
                                   high=clamp(e.high, self.floor, self.ceiling))


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def explain(meta: Meta, value: float, e: Expectation, score: float, ms: int, lang: str = "zh") -> str:
    """"PM2.5 58 µg/m³，通常 31–42（周二 08:00，天山路街道）；偏离 3.1 个稳健标准差"."""
    when = clock.beijing(ms)
    day = (WEEKDAYS_EN if lang == "en" else WEEKDAYS_ZH)[when.weekday()]
    kind = t(f"detect.day.{e.day_type}", lang)
    low, high = e.low, e.high
    name = meta.name_en if lang == "en" else meta.name_zh
    unit = meta.unit_en if lang == "en" else meta.unit
    d = meta.decimals
    return t("detect.explain", lang, name=name, value=_fmt(value, d), unit=unit, low=_fmt(low, d),
             high=_fmt(high, d), day=day, time=f"{when:%H:%M}", kind=kind,
             place=unit_name(meta.street, lang), score=f"{abs(score):.1f}",
             way=t("detect.above" if score > 0 else "detect.below", lang))


@dataclass(slots=True)
class _Series:
    meta: Meta
    points: deque[tuple[int, float]] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))
    baseline: Baseline | None = None
    raised: set[int] = field(default_factory=set)  # hours with an anomaly written
    band_hour: int = -1  # the hour whose indicator.expected was written
    band_ready: bool = False  # and whether it was a band (not "learning")


class Detector:
    """Baselines of every series seen, fitted from the archive (:meth:`learn`) and refitted
    hourly from the points followed since (:meth:`refit_due`, :meth:`refit`)."""

    def __init__(self, catalogue: Iterable[Indicator], calendar: Calendar,
                 threshold: float = DEFAULT_THRESHOLD, sensor_names: dict[str, tuple[str, str]] | None = None,
                 history_ms: int = HISTORY_MS) -> None:
        self.indicators = {i.key: i for i in catalogue}
        self.history_ms = history_ms
        self.learned_until = -1  # the newest archived point learned: followed points up to it are known
        self.calendar = calendar
        self.threshold = threshold
        self.sensor_names = sensor_names or {}
        self.series: dict[str, _Series] = {}
        #: sensors whose own alarm (``sensor.alarm``) is active, until its ``sensor.cleared``:
        #: their readings raise no anomaly meanwhile (one alarm per abnormal condition)
        self.in_alarm: set[str] = set()

    # ---- what a series is
    def _meta(self, kind: str, street: str | None, data: dict[str, Any]) -> tuple[str, Meta] | None:
        if kind == "indicator.value":
            indicator = self.indicators.get(str(data.get("key")))
            if indicator is None:
                return None
            return series_id(indicator.key, street), Meta(
                indicator.key, street, indicator.name_zh, indicator.name_en, indicator.unit,
                indicator.unit_en, indicator.decimals, True, *physical_range(indicator))
        if kind == "sensor.reading" and data.get("sensor_id"):
            sensor_id, sensor_kind = str(data["sensor_id"]), str(data.get("kind", ""))
            zh, en = self.sensor_names.get(sensor_kind, (sensor_kind, sensor_kind))
            unit = str(data.get("unit") or "")
            return SENSOR_PREFIX + sensor_id, Meta(
                SENSOR_PREFIX + sensor_id, street, f"{zh} {sensor_id}", f"{en} {sensor_id}", unit, unit,
                2, False, *sensor_range(sensor_kind))
        return None

    def _series(self, kind: str, street: str | None, data: dict[str, Any]) -> _Series | None:
        found = self._meta(kind, street, data)
        if found is None:
            return None
        sid, meta = found
        series = self.series.get(sid)
        if series is None:
            series = self.series[sid] = _Series(meta)
        return series

    # ---- learning
    def add(self, ts: int, kind: str, street: str | None, data: dict[str, Any]) -> _Series | None:
        """Remember one archived or followed point (no scoring)."""
        value = data.get("value")
        if not isinstance(value, int | float):
            return None
        series = self._series(kind, street, data)
        if series is not None:
            series.points.append((ts, float(value)))
        return series

    def fit_job(self, sid: str, now_ms: int) -> Callable[[], Baseline | None]:
        """The fit of one series on a copy of its points: a function that may run in
        another thread while the points keep coming (install its result with
        :meth:`install`)."""
        series = self.series[sid]
        while series.points and series.points[0][0] < now_ms - self.history_ms:
            series.points.popleft()
        ts = [p[0] for p in series.points]
        values = [p[1] for p in series.points]
        resolution = 10.0 ** -series.meta.decimals
        calendar = self.calendar
        return lambda: baselines.fit(ts, values, calendar, now_ms, resolution)

    def install(self, sid: str, baseline: Baseline | None) -> None:
        if baseline is not None:
            self.series[sid].baseline = baseline

    def refit(self, sid: str, now_ms: int) -> None:
        self.install(sid, self.fit_job(sid, now_ms)())

    def refit_due(self, now_ms: int) -> list[str]:
        """The series whose baseline is missing or older than :data:`REFIT_MS`."""
        return [sid for sid, s in self.series.items()
                if s.points and (s.baseline is None or now_ms - s.baseline.fitted_ms >= REFIT_MS)]

    def take(self, rows: Iterable[tuple[int, str, str | None, dict[str, Any]]]) -> int:
        """Points from the archive (ts, type, street, data), kept in time order; no fit."""
        n, before = 0, self.learned_until
        for ts, kind, street, data in rows:
            if ts > before:  # several series may have a point at the same millisecond
                n += self.add(ts, kind, street, data) is not None
                self.learned_until = max(self.learned_until, ts)
        for series in self.series.values():
            series.points = deque(sorted(series.points), maxlen=MAX_POINTS)
        return n

    def learn(self, rows: Iterable[tuple[int, str, str | None, dict[str, Any]]], now_ms: int) -> int:
        """:meth:`take`, then every baseline fitted here."""
        n = self.take(rows)
        for sid in list(self.series):
            self.refit(sid, now_ms)
        return n

    def status(self, sid: str, now_ms: int) -> dict[str, Any]:
        """``ready``, or ``learning`` with the time it still needs (``left_s``)."""
        series = self.series.get(sid)
        if series is None or series.baseline is None:
            return {"state": "learning", "left_s": baselines.LEARNING_MS // 1000}
        if series.baseline.ready:
            return {"state": "ready", "left_s": 0}
        return {"state": "learning", "left_s": series.baseline.learning_left_ms(now_ms) // 1000}

    # ---- following
    def observe(self, ts: int, kind: str, street: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
        """A new value from the log: the events it calls for (none, a band, an anomaly).
        A value the archive already gave (:meth:`take`) is scored, not remembered twice.
        ``sensor.alarm`` / ``sensor.cleared`` say a sensor is in its own alarm, or back."""
        if kind in ("sensor.alarm", "sensor.cleared"):
            if data.get("sensor_id"):
                sensor = str(data["sensor_id"])
                (self.in_alarm.add if kind == "sensor.alarm" else self.in_alarm.discard)(sensor)
            return []
        value = data.get("value")
        if not isinstance(value, int | float):
            return []
        known = ts <= self.learned_until
        series = self._series(kind, street, data) if known else self.add(ts, kind, street, data)
        if series is None:
            return []
        value = float(value)
        sid = series_id(series.meta.key, street) if series.meta.is_indicator else series.meta.key
        out: list[dict[str, Any]] = []
        hour = ts - ts % clock.HOUR_MS
        base = series.baseline
        ready = base is not None and base.ready
        band = self._band_due(sid, series, ts)
        if band is not None:
            out.append(band)
        if not ready or base is None or hour in series.raised:
            return out
        if not series.meta.is_indicator and series.meta.key[len(SENSOR_PREFIX):] in self.in_alarm:
            # the sensor's own alarm already stands for this condition: a second alarm of
            # the same thing would only add to the seat's load (ISA-18.2: no duplicates)
            return out
        score, e = base.score(self.calendar, ts, value)
        if abs(score) < self.threshold:
            return out
        series.raised.add(hour)
        if len(series.raised) > 48:
            series.raised.discard(min(series.raised))
        meta = series.meta
        # the figure the explanation says is the event's own (unrounded, 25.749 read "25.7"
        # beside a score of 25.75)
        score = round(score, 2)
        e = series.meta.bounded(e)
        event: dict[str, Any] = {
            "type": "indicator.anomaly", "id": event_id("anomaly", sid, ts), "ts": ts, "source": SOURCE,
            "data": {
                "key": meta.key, "value": value, "expected": round(e.expected, meta.decimals + 2),
                "low": round(e.low, meta.decimals + 2), "high": round(e.high, meta.decimals + 2),
                "score": score, "level": level_of(score, self.threshold),
                "explanation": explain(meta, value, e, score, ts),
                "day_type": e.day_type,
            },
        }
        if street:
            event["street"] = street
        out.append(event)
        return out

    def band_event(self, sid: str, now_ms: int) -> dict[str, Any] | None:
        """The series' ``indicator.expected`` for the hour of ``now_ms`` when not written
        yet (or when it was "learning" and the series is now ready): the engine asks after
        each fit, so a tile learns its band without waiting for the next value."""
        series = self.series.get(sid)
        return None if series is None else self._band_due(sid, series, now_ms)

    def _band_due(self, sid: str, series: _Series, ts: int) -> dict[str, Any] | None:
        if not series.meta.is_indicator:
            return None
        hour = ts - ts % clock.HOUR_MS
        ready = series.baseline is not None and series.baseline.ready
        if series.band_hour == hour and series.band_ready == ready:
            return None
        series.band_hour, series.band_ready = hour, ready
        return self._expected_event(sid, series, hour, ts)

    def _expected_event(self, sid: str, series: _Series, hour: int, ts: int) -> dict[str, Any]:
        meta, base = series.meta, series.baseline
        data: dict[str, Any] = {"key": meta.key, "from_ts": hour, "until_ts": hour + clock.HOUR_MS,
                                **self.status(sid, ts)}
        if base is not None and base.ready:
            e = meta.bounded(base.expect(self.calendar, ts))
            d = meta.decimals + 2
            data.update(expected=round(e.expected, d), low=round(e.low, d), high=round(e.high, d),
                        day_type=e.day_type)
            # the next hours, for the console's series figure: the model's forecast, published
            # with the band (the console has no baselines of its own)
            data["forecast"] = [[ms, round(f.expected, d), round(f.low, d), round(f.high, d)]
                                for ms, f in ((ms, meta.bounded(f))
                                              for ms, f in base.forecast(self.calendar, ts, FORECAST_HOURS))]
        # the id names the state too: a band learned after a "learning" word of the same hour
        # (an engine that could not read the archive at first) is not taken for its repeat
        event: dict[str, Any] = {"type": "indicator.expected",
                                 "id": event_id("expected", f"{sid}|{data['state']}", hour),
                                 "ts": ts, "source": SOURCE, "data": data}
        if meta.street:
            event["street"] = meta.street
        return event

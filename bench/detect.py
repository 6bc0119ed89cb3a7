"""Early warning quality: injected anomalies in simulated series (issue 15 req 7).

The simulator (dashboard/simulator.py: daily rhythm, rest-day effect on the working-day
calendar, gaussian noise) draws every indicator series of the district and the per-street
ones of every unit, one value per series every ``STEP_MIN`` minutes (district) or
``STREET_STEP_MIN`` (a street), seed fixed.  The detector (dashboard/detect.py) learns on
21 days (2026-09-07 … 09-27: the Mid-Autumn holiday Fri–Sun and a make-up working Sunday
inside), then follows 7 days (2026-09-28 … 10-04: Monday to Wednesday working, then the
National Day holiday from Thursday), refitted every day at midnight as the engine refits.

Two runs over the same draws:

* **normal operation**: nothing injected.  Every anomaly raised is a false alarm; per hour
  for the district's seat (it sees every series: the worst seat) against ≤ 6; those on
  the holiday days (weekdays that are rest days: not an anomaly) are counted apart.
* **injected**: on every series one anomaly of each shape, at a random time (:func:`plan`):
  spike (one value, ±8 σ of the series' simulated noise), level shift (3 hours, ±6 σ),
  slow drift (12 hours, rising to +10 σ; reported, no budget).  Recall:
  injections with an anomaly raised on their series from their start to an hour after
  their end; precision: anomalies raised that fall in such a window.

Budget (DESIGN "Budgets (v2)"): recall ≥ 0.9 and precision ≥ 0.9 (spikes and level
shifts), ≤ 6 alarms per hour per seat in normal operation.  ``--quick``: the district
series and three units only.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime
from typing import Any

import orjson

from bench.common import Budget, Row, progress
from dashboard import clock
from dashboard.baselines import day_type_at
from dashboard.catalogue import load_catalogue
from dashboard.detect import Detector
from dashboard.simulator import DistrictSimulator, Injection
from dashboard.units import UNIT_CODES
from dashboard.workdays import load_calendar

TRAIN_START = int(datetime(2026, 9, 7, tzinfo=clock.BEIJING).timestamp() * 1000)
EVAL_START = TRAIN_START + 21 * clock.DAY_MS
EVAL_END = EVAL_START + 7 * clock.DAY_MS
STEP_MIN, STREET_STEP_MIN = 5, 20
SEED = 11
SIZES = {"spike": 8.0, "shift": 6.0, "drift": 10.0}  # × the series' simulated noise
LENGTH_MS = {"shift": 3 * clock.HOUR_MS, "drift": 12 * clock.HOUR_MS}  # a spike: one value
MATCH_AFTER_MS = clock.HOUR_MS


def series_list(quick: bool) -> list[tuple[str, str | None]]:
    units = list(UNIT_CODES)[:3] if quick else list(UNIT_CODES)
    out: list[tuple[str, str | None]] = []
    for indicator in load_catalogue():
        out.append((indicator.key, None))
        if indicator.per_street:
            out += [(indicator.key, unit) for unit in units]
    return out


def sample_times(n: int, street: str | None) -> list[int]:
    """When series ``n`` reports over the 28 days: every step, a random delay within half a step."""
    jitter = random.Random(SEED * 1000 + n)
    step = (STREET_STEP_MIN if street else STEP_MIN) * clock.MINUTE_MS
    return [ts + jitter.randrange(step // 2) for ts in range(TRAIN_START, EVAL_END, step)]


def draw(series: list[tuple[str, str | None]], injections: tuple[Injection, ...]
         ) -> list[tuple[int, str | None, str, float]]:
    """Every value of every series over the 28 days, time-ordered: (ts, street, key, value)."""
    rows: list[tuple[int, str | None, str, float]] = []
    for n, (key, street) in enumerate(series):
        sim = DistrictSimulator(seed=SEED + n, video_points=0, start_ms=TRAIN_START, injections=injections)
        for at in sample_times(n, street):
            rows.append((at, street, key, sim.indicator_value(at, key, street)))
    rows.sort(key=lambda r: r[0])
    return rows


def plan(series: list[tuple[str, str | None]]) -> list[Injection]:
    """Every series gets one anomaly of each shape, in its own part of the 7 days (a spike
    on days 1–2, a level shift on days 3–4, a drift on days 5–7), at a random time, up or
    down at random (drifts up).  A spike is one reported value: its time is one of the
    series' report times (a spike between two reports would be in no value at all)."""
    rng = random.Random(SEED)
    noise = {i.key: (i.sim.noise if i.sim else 1.0) for i in load_catalogue()}
    out = []
    for n, (key, street) in enumerate(series):
        times = sample_times(n, street)
        for shape, first_day, days in (("spike", 0, 2), ("shift", 2, 2), ("drift", 4, 3)):
            begin = EVAL_START + first_day * clock.DAY_MS
            if shape == "spike":
                last = begin + days * clock.DAY_MS - MATCH_AFTER_MS
                start = rng.choice([t for t in times if begin <= t < last])
                end = start + 1
            else:
                length = LENGTH_MS[shape]
                start = rng.randrange(begin, begin + days * clock.DAY_MS - length - MATCH_AFTER_MS)
                end = start + length
            sign = 1 if shape == "drift" else rng.choice((1, -1))
            size = SIZES[shape] * max(noise[key], 1e-6) * sign
            out.append(Injection(key, street, start, end, size, shape))  # type: ignore[arg-type]
    return out


def realized(injection: Injection, normal: dict[tuple[int, str | None, str], float],
             injected: dict[tuple[str, str | None], list[tuple[int, float]]]) -> bool:
    """Whether the injection changed a reported value by at least half its size: a drop
    below a count's zero or a grade's floor is clamped away by the simulator, and what
    never reached the data cannot be found in it (these are counted apart)."""
    return any(injection.start_ms <= ts < injection.end_ms
               and abs(value - normal[(ts, injection.street, injection.key)]) >= abs(injection.size) / 2
               for ts, value in injected[(injection.key, injection.street)])


def detect(rows: list[tuple[int, str | None, str, float]]) -> tuple[list[dict[str, Any]], float]:
    """The anomalies raised over the 7 days, and the median scoring time of a value (µs)."""
    calendar = load_calendar()
    detector = Detector(load_catalogue(), calendar)
    train = [(ts, "indicator.value", street, {"key": key, "value": value})
             for ts, street, key, value in rows if ts < EVAL_START]
    detector.learn(train, EVAL_START)
    out: list[dict[str, Any]] = []
    next_refit = EVAL_START + clock.DAY_MS
    spent: list[float] = []
    for ts, street, key, value in rows:
        if ts < EVAL_START:
            continue
        if ts >= next_refit:
            for sid in list(detector.series):
                detector.refit(sid, next_refit)
            next_refit += clock.DAY_MS
        started = time.perf_counter()
        events = detector.observe(ts, "indicator.value", street, {"key": key, "value": value})
        spent.append(time.perf_counter() - started)
        out += [e for e in events if e["type"] == "indicator.anomaly"]
    return out, statistics.median(spent) * 1e6 if spent else 0.0


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    series = series_list(quick)
    progress(f"detect: {len(series)} series, 21 days learned, 7 followed")
    calendar = load_calendar()
    normal_rows = draw(series, ())
    normal, score_us = detect(normal_rows)
    hours = (EVAL_END - EVAL_START) / clock.HOUR_MS
    holiday = [a for a in normal if day_type_at(calendar, a["ts"]) == "rest"
               and clock.beijing(a["ts"]).weekday() < 5]
    planned = plan(series)
    injected_rows = draw(series, tuple(planned))
    by_time = {(ts, street, key): value for ts, street, key, value in normal_rows}
    evaluated: dict[tuple[str, str | None], list[tuple[int, float]]] = {}
    for ts, street, key, value in injected_rows:
        if ts >= EVAL_START:
            evaluated.setdefault((key, street), []).append((ts, value))
    injections = [i for i in planned if realized(i, by_time, evaluated)]
    erased = [i for i in planned if i not in injections]
    found, _ = detect(injected_rows)

    def matches(a: dict[str, Any], i: Injection) -> bool:
        return (a["data"]["key"] == i.key and a.get("street") == i.street
                and i.start_ms <= a["ts"] < i.end_ms + MATCH_AFTER_MS)

    by_shape: dict[str, list[bool]] = {}
    for i in injections:
        by_shape.setdefault(i.shape, []).append(any(matches(a, i) for a in found))
    budgeted = [i for i in injections if i.shape in ("spike", "shift")]
    hits = sum(any(matches(a, i) for a in found) for i in budgeted)
    recall = hits / max(1, len(budgeted))
    true = sum(any(matches(a, i) for i in planned) for a in found)
    precision = true / max(1, len(found))
    per_hour = len(normal) / hours
    rows = [
        Row(name="detect.recall", label="early warning recall (spikes, level shifts)", unit="",
            ours=round(recall, 3), budget=Budget(">=", 0.9, "≥ 0.9")),
        Row(name="detect.precision", label="early warning precision (injected run)", unit="",
            ours=round(precision, 3), budget=Budget(">=", 0.9, "≥ 0.9")),
        Row(name="detect.alarms_per_hour", label="anomaly alarms per hour, district seat, normal operation",
            unit="/h", ours=round(per_hour, 3), budget=Budget("<=", 6, "≤ 6")),
        Row(name="detect.holiday_alarms", label="anomaly alarms on holiday weekdays (normal operation)",
            unit="", ours=len(holiday)),
        Row(name="detect.recall_drift", label="early warning recall (slow drifts, no budget)", unit="",
            ours=round(sum(by_shape.get("drift", [])) / max(1, len(by_shape.get("drift", []))), 3)),
        Row(name="detect.score_us", label="scoring one value (median)", unit="µs", ours=round(score_us, 1),
            budget=Budget("<=", 1000, "≤ 1 ms")),
    ]
    facts = {"series": len(series), "injections": {k: len(v) for k, v in by_shape.items()},
             "erased_by_clamps": [{"key": i.key, "street": i.street, "shape": i.shape,
                                   "start": clock.iso(i.start_ms), "size": round(i.size, 3)} for i in erased],
             "detected": {k: sum(v) for k, v in by_shape.items()}, "anomalies_injected_run": len(found),
             "anomalies_normal_run": len(normal), "hours": hours,
             "missed": [{"key": i.key, "street": i.street, "shape": i.shape, "start": clock.iso(i.start_ms),
                         "size": round(i.size, 3)} for i in injections
                        if not any(matches(a, i) for a in found)],
             "false_alarms_normal": [{"key": a["data"]["key"], "street": a.get("street"),
                                      "ts": clock.iso(a["ts"]), "score": a["data"]["score"]} for a in normal]}
    cap_rows, cap_facts = capacity(score_us)
    return rows + cap_rows, {**facts, "capacity": cap_facts}


def capacity(score_us: float, cameras: int = 50_000) -> tuple[list[Row], dict[str, Any]]:
    """Whether one engine keeps up with every series of a ``cameras``-camera district at the
    demo rate on one core: the demo's event mix at ``sim_rate`` (the simulator with that
    many video points: its sensors are a tenth of them, at most 5,000), the followed values
    per second × the cost of one (parsed from its bytes, then scored), plus every series'
    fit once per :data:`dashboard.detect.REFIT_MS` × the median fit (21 days of a sensor's
    readings at its demo rate; MSTL and the profiles).  Costs measured here, counts from
    the simulator."""
    import numpy as np

    from dashboard import baselines
    from dashboard.config import Settings
    from dashboard.detect import REFIT_MS
    from dashboard.events import parse_event

    rate = Settings().sim_rate
    sim = DistrictSimulator(seed=SEED, video_points=cameras, start_ms=TRAIN_START)
    sim.bootstrap()
    events = sim.step(TRAIN_START + clock.HOUR_MS, 20_000)
    followed = [e for e in events if e["type"] in ("indicator.value", "sensor.reading")]
    share = len(followed) / len(events)
    sensors = len(sim.sensors)
    indicator_series = len(series_list(quick=False))
    n_series = sensors + indicator_series
    per_series_s = rate * share / n_series  # values a second per series, on average
    raws = [orjson.dumps(e) for e in followed[:5_000]]
    parse_s = []
    for raw in raws:
        started = time.perf_counter()
        parse_event(raw)
        parse_s.append(time.perf_counter() - started)
    calendar = load_calendar()
    rng = np.random.default_rng(SEED)
    points = max(200, int(per_series_s * 21 * 86_400))
    fit_s = []
    for _ in range(12):
        ts = np.sort(rng.integers(TRAIN_START, EVAL_START, points))
        hours = (ts % clock.DAY_MS) / clock.HOUR_MS
        values = 20 + 5 * np.cos(2 * np.pi * hours / 24) + rng.normal(0, 1, points)
        started = time.perf_counter()
        baselines.fit(ts, values, calendar, EVAL_START, 0.01)
        fit_s.append(time.perf_counter() - started)
    per_value_s = statistics.median(parse_s) + score_us / 1e6
    fit_median = statistics.median(fit_s)
    core = rate * share * per_value_s + n_series * fit_median / (REFIT_MS / 1000)
    label = f"engine, every series of a {cameras:,}-camera district (cores)"
    rows = [Row(name="detect.cores_50k", label=label, unit="", ours=round(core, 3),
                budget=Budget("<=", 1.0, "≤ 1 core"))]
    facts = {"cameras": cameras, "sensors": sensors, "indicator_series": indicator_series, "series": n_series,
             "demo_rate_per_s": rate, "followed_share": round(share, 3),
             "followed_per_s": round(rate * share, 2), "points_per_series_21d": points,
             "parse_us_median": round(statistics.median(parse_s) * 1e6, 1),
             "score_us_median": round(score_us, 1),
             "fit_ms_median": round(fit_median * 1000, 1), "refit_every_h": REFIT_MS / clock.HOUR_MS,
             "first_learning_min": round(n_series * fit_median / 60, 1)}
    return rows, facts


if __name__ == "__main__":
    import sys

    table, data = run("--quick" in sys.argv)
    for row in table:
        print(f"{row.label:62s} {row.ours:>10} {row.unit:3s} {row.budget.text if row.budget else ''}")
    print({k: v for k, v in data.items() if k not in ("false_alarms_normal", "missed")})
    for item in data["false_alarms_normal"][:20] + data["missed"][:30]:
        print(item)

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
import time
from datetime import datetime
from typing import Any

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


def draw(series: list[tuple[str, str | None]], injections: tuple[Injection, ...]
         ) -> list[tuple[int, str | None, str, float]]:
    """Every value of every series over the 28 days, time-ordered: (ts, street, key, value)."""
    rows: list[tuple[int, str | None, str, float]] = []
    for n, (key, street) in enumerate(series):
        sim = DistrictSimulator(seed=SEED + n, video_points=0, start_ms=TRAIN_START, injections=injections)
        jitter = random.Random(SEED * 1000 + n)
        step = (STREET_STEP_MIN if street else STEP_MIN) * clock.MINUTE_MS
        for ts in range(TRAIN_START, EVAL_END, step):
            at = ts + jitter.randrange(step // 2)
            rows.append((at, street, key, sim.indicator_value(at, key, street)))
    rows.sort(key=lambda r: r[0])
    return rows


def plan(series: list[tuple[str, str | None]]) -> list[Injection]:
    """Every series gets one anomaly of each shape, in its own part of the 7 days (a spike
    on days 1–2, a level shift on days 3–4, a drift on days 5–7), at a random time, up or
    down at random (drifts up)."""
    rng = random.Random(SEED)
    noise = {i.key: (i.sim.noise if i.sim else 1.0) for i in load_catalogue()}
    out = []
    for key, street in series:
        for shape, first_day, days in (("spike", 0, 2), ("shift", 2, 2), ("drift", 4, 3)):
            length = LENGTH_MS.get(shape) or (STREET_STEP_MIN if street else STEP_MIN) * clock.MINUTE_MS
            begin = EVAL_START + first_day * clock.DAY_MS
            start = rng.randrange(begin, begin + days * clock.DAY_MS - length - MATCH_AFTER_MS)
            sign = 1 if shape == "drift" else rng.choice((1, -1))
            size = SIZES[shape] * max(noise[key], 1e-6) * sign
            out.append(Injection(key, street, start, start + length, size, shape))  # type: ignore[arg-type]
    return out


def detect(rows: list[tuple[int, str | None, str, float]]) -> tuple[list[dict[str, Any]], float]:
    """The anomalies raised over the 7 days, and the mean scoring time (µs)."""
    calendar = load_calendar()
    detector = Detector(load_catalogue(), calendar)
    train = [(ts, "indicator.value", street, {"key": key, "value": value})
             for ts, street, key, value in rows if ts < EVAL_START]
    detector.learn(train, EVAL_START)
    out: list[dict[str, Any]] = []
    next_refit = EVAL_START + clock.DAY_MS
    spent, scored = 0.0, 0
    for ts, street, key, value in rows:
        if ts < EVAL_START:
            continue
        if ts >= next_refit:
            for sid in list(detector.series):
                detector.refit(sid, next_refit)
            next_refit += clock.DAY_MS
        started = time.perf_counter()
        events = detector.observe(ts, "indicator.value", street, {"key": key, "value": value})
        spent += time.perf_counter() - started
        scored += 1
        out += [e for e in events if e["type"] == "indicator.anomaly"]
    return out, spent / max(1, scored) * 1e6


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    series = series_list(quick)
    progress(f"detect: {len(series)} series, 21 days learned, 7 followed")
    calendar = load_calendar()
    normal, score_us = detect(draw(series, ()))
    hours = (EVAL_END - EVAL_START) / clock.HOUR_MS
    holiday = [a for a in normal if day_type_at(calendar, a["ts"]) == "rest"
               and clock.beijing(a["ts"]).weekday() < 5]
    injections = plan(series)
    found, _ = detect(draw(series, tuple(injections)))

    def matches(a: dict[str, Any], i: Injection) -> bool:
        return (a["data"]["key"] == i.key and a.get("street") == i.street
                and i.start_ms <= a["ts"] < i.end_ms + MATCH_AFTER_MS)

    by_shape: dict[str, list[bool]] = {}
    for i in injections:
        by_shape.setdefault(i.shape, []).append(any(matches(a, i) for a in found))
    budgeted = [i for i in injections if i.shape in ("spike", "shift")]
    hits = sum(any(matches(a, i) for a in found) for i in budgeted)
    recall = hits / max(1, len(budgeted))
    true = sum(any(matches(a, i) for i in injections) for a in found)
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
        Row(name="detect.score_us", label="scoring one value (mean)", unit="µs", ours=round(score_us, 1),
            budget=Budget("<=", 1000, "≤ 1 ms")),
    ]
    facts = {"series": len(series), "injections": {k: len(v) for k, v in by_shape.items()},
             "detected": {k: sum(v) for k, v in by_shape.items()}, "anomalies_injected_run": len(found),
             "anomalies_normal_run": len(normal), "hours": hours,
             "missed": [{"key": i.key, "street": i.street, "shape": i.shape, "start": clock.iso(i.start_ms),
                         "size": round(i.size, 3)} for i in injections
                        if not any(matches(a, i) for a in found)],
             "false_alarms_normal": [{"key": a["data"]["key"], "street": a.get("street"),
                                      "ts": clock.iso(a["ts"]), "score": a["data"]["score"]} for a in normal]}
    return rows, facts


if __name__ == "__main__":
    import sys

    table, data = run("--quick" in sys.argv)
    for row in table:
        print(f"{row.label:62s} {row.ours:>10} {row.unit:3s} {row.budget.text if row.budget else ''}")
    print({k: v for k, v in data.items() if k not in ("false_alarms_normal", "missed")})
    for item in data["false_alarms_normal"][:20] + data["missed"][:30]:
        print(item)

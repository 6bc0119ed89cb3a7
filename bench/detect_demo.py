"""Early warning in the demo's normal operation: alarms per hour per duty seat (issue 15,
docs/early-warning.md "Alarm rate").

What ``run --demo`` does, without Redis: the demo's archive (dashboard/simulator_backfill.py:
28 days before the start, seed and video points as the demo's) learned by the engine's
detector (dashboard/detect_engine.py ``build_detector``), then the demo's live simulator
(dashboard/simulator.py, the demo's seed) at ``sim_rate`` events a second followed for
``HOURS`` (``--quick``: 1) through :meth:`Detector.observe` with the events the engine
follows (values, readings, the sensors' own alarms and clearings).  Nothing is injected:
every anomaly raised counts against the budget (≤ 6 an hour per seat, DESIGN "Budgets
(v2)").  A seat is a centre on duty: the district's sees every alarm, a street's its own.

Also reported apart: anomalies of sensor readings at or beyond their kind's alarm value
(the simulator's own planted sensor episodes; real deviations, found rightly).
Recall and precision on injected anomalies: bench/detect.py (``--only detect``).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any

import orjson

from bench.common import Budget, Row, progress
from dashboard import clock
from dashboard.config import Settings
from dashboard.detect_engine import FOLLOWED, build_detector
from dashboard.simulator import DistrictSimulator
from dashboard.simulator_backfill import day_rows, synthetic_days
from dashboard.simulator_vocab import SENSOR_KINDS

#: a Friday 00:26 Beijing: the hour of the demo whose 25 alarms in 9 minutes opened this
START = int(datetime(2026, 12, 4, 0, 26, tzinfo=clock.BEIJING).timestamp() * 1000)
HISTORY_DAYS = 28
HOURS = 6
TICK_MS = 100


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    settings = Settings()
    hours = 1 if quick else HOURS
    detector = build_detector(settings)
    started = time.perf_counter()
    rows = []
    for day in synthetic_days(HISTORY_DAYS, START):
        for row in day_rows(day, settings.sim_seed, settings.sim_points, START):
            if row.type in ("indicator.value", "sensor.reading"):
                rows.append((row.ts_ms, row.type, row.street, orjson.loads(row.data)))
    detector.take(rows)
    for sid in list(detector.series):
        detector.refit(sid, START)
    progress(f"detect-demo: {len(detector.series)} series learned from {HISTORY_DAYS} backfilled days "
             f"in {time.perf_counter() - started:.0f} s; following {hours} h at {settings.sim_rate:g}/s")
    sim = DistrictSimulator(seed=settings.sim_seed, video_points=settings.sim_points, start_ms=START,
                            run="live", sensor_alarms_per_hour=settings.sim_sensor_alarms_per_hour)
    sim.bootstrap()
    alarm_value = {kind[0]: kind[5] for kind in SENSOR_KINDS}
    per_tick = settings.sim_rate * TICK_MS / 1000
    owed = 0.0
    raised: list[dict[str, Any]] = []
    iot: list[str | None] = []  # the streets of the IoT platform's own alarms (sensor.alarm)
    beyond = 0
    for tick in range(int(hours * clock.HOUR_MS // TICK_MS)):
        owed += per_tick
        count = int(owed)
        owed -= count
        for event in sim.step(START + (tick + 1) * TICK_MS, count):
            if event["type"] == "sensor.alarm":
                iot.append(event.get("street"))
            if event["type"] not in FOLLOWED:
                continue
            for out in detector.observe(event["ts"], event["type"], event.get("street"), event["data"]):
                if out["type"] != "indicator.anomaly":
                    continue
                raised.append(out)
                data = event["data"]
                beyond += event["type"] == "sensor.reading" and data["value"] >= alarm_value[data["kind"]]
    streets = Counter(a.get("street") for a in raised if a.get("street"))
    district = len(raised) / hours
    worst_street = max(streets.values(), default=0) / hours
    iot_streets = Counter(street for street in iot if street)
    every_street = Counter(streets) + iot_streets
    rows_out = [
        Row(name="detect_demo.iot_alarms_per_hour_district", unit="/h", ours=round(len(iot) / hours, 2),
            label="IoT alarms (sensor.alarm) per hour, district seat, demo"),
        Row(name="detect_demo.all_alarms_per_hour_district", unit="/h",
            ours=round((len(iot) + len(raised)) / hours, 2),
            label="all alarms (IoT + early warning) per hour, district seat, demo",
            budget=Budget("<=", 6, "≤ 6")),
        Row(name="detect_demo.all_alarms_per_hour_street", unit="/h",
            ours=round(max(every_street.values(), default=0) / hours, 2),
            label="all alarms per hour, busiest street seat, demo", budget=Budget("<=", 6, "≤ 6")),
        Row(name="detect_demo.alarms_per_hour_district", unit="/h", ours=round(district, 2),
            label="anomaly alarms per hour, district seat, demo normal operation",
            budget=Budget("<=", 6, "≤ 6")),
        Row(name="detect_demo.alarms_per_hour_street", unit="/h", ours=round(worst_street, 2),
            label="anomaly alarms per hour, busiest street seat, demo normal operation",
            budget=Budget("<=", 6, "≤ 6")),
    ]
    facts = {"hours": hours, "sim_rate": settings.sim_rate, "series": len(detector.series),
             "anomalies": len(raised), "iot_alarms": len(iot), "sensor_beyond_alarm_value": beyond,
             "by_street": dict(streets),
             "raised": [{"ts": clock.iso(a["ts"]), "street": a.get("street"), "key": a["data"]["key"],
                         "value": a["data"]["value"], "low": a["data"]["low"], "high": a["data"]["high"],
                         "score": a["data"]["score"]} for a in raised]}
    return rows_out, facts


if __name__ == "__main__":
    import sys

    table, data = run("--quick" in sys.argv)
    for row in table:
        print(f"{row.label:70s} {row.ours:>8} {row.unit:3s} {row.budget.text if row.budget else ''}")
    print({k: v for k, v in data.items() if k != "raised"})
    for item in data["raised"]:
        print(item)

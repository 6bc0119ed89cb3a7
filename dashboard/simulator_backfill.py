"""Months of demo history, written straight into the archive (``simulate --backfill-days N``).

Each Beijing day before the end day is simulated on its own by
:class:`dashboard.simulator.DistrictSimulator` (the district — sensors, cameras — from the
seed, the day's values from the seed and the date; its ids tagged with the day), minute by
minute, at a rate that follows the district's rhythm:

* the day: quiet at night (04:00 a fifth of the mean), peaks 09:00–11:00 and 14:00–17:00;
* the week: working days :data:`WORKING_DAY_EVENTS`, weekends 70 %, Monday a little busier;
* holidays (dashboard/holidays.py, make-up working days counted as working): 55 %.

The 12345 hotline's history is not the simulator's: each day's tickets come with their
whole lifecycle in working hours, recurring problems at fixed places, returns, extensions,
reopenings and callbacks whose satisfaction depends on the time taken
(dashboard/simulator_hotline.py); steps later than the end are not written (those
tickets are open at the end).  Their rows carry the day's tag, whatever day a step falls on.

Synthetic log ids are ``b<yyyymmdd>-<n>``: a Redis stream id is always ``<digits>-<digits>``,
so they can never collide with an archived log entry, and they sort apart from them.  They
are deterministic: the same seed and day give the same rows, so a repeated backfill
inserts nothing (and a day that already holds synthetic rows is skipped without
simulating it).  Camera keep-alives are left out (the archive keeps what analytics
read); the backfill never touches the archive's cursors, so the live archiver resumes
where it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from dashboard import clock, simulator_hotline
from dashboard.events import PAYLOADS
from dashboard.history import SYNTHETIC_PREFIX, Archive, EventRow, event_row
from dashboard.holidays import day_kind
from dashboard.simulator import UNIT_WEIGHTS, DistrictSimulator

#: events on an ordinary working day: the sizing of docs/deploy.md "History" (≈ 4.7 M a year)
WORKING_DAY_EVENTS = 13_000
DAY_FACTOR = {"working": 1.0, "weekend": 0.7, "holiday": 0.55}
MONDAY_FACTOR = 1.08
#: relative activity per Beijing hour, 00:00 … 23:00 (mean 1)
_HOURLY = (0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.55, 0.9, 1.3, 1.5, 1.55, 1.45,
           1.2, 1.3, 1.45, 1.5, 1.45, 1.35, 1.15, 1.0, 0.9, 0.8, 0.65, 0.5)
HOURLY = tuple(h * 24 / sum(_HOURLY) for h in _HOURLY)
TICK_MS = clock.MINUTE_MS


def synthetic_days(days: int, end_ms: int) -> list[str]:
    """The ``days`` Beijing days (``YYYY-MM-DD``, oldest first) before the day of ``end_ms``."""
    end = clock.beijing(end_ms).date()
    return [(end - timedelta(days=n)).isoformat() for n in range(days, 0, -1)]


def day_total(day: date) -> int:
    """How many events the backfill writes on ``day``."""
    kind = day_kind(day)
    factor = DAY_FACTOR[kind] * (MONDAY_FACTOR if kind == "working" and day.weekday() == 0 else 1.0)
    return round(WORKING_DAY_EVENTS * factor)


def day_rows(day: str, seed: int, video_points: int, end_ms: int | None = None) -> Iterator[EventRow]:
    """One day's rows, in time order (validated as the archiver validates a log entry), then
    the day's 12345 tickets with their steps up to ``end_ms`` (None: all of them)."""
    end_ms = end_ms if end_ms is not None else 2**62
    when = date.fromisoformat(day)
    start = int(datetime(when.year, when.month, when.day, tzinfo=clock.BEIJING).timestamp() * 1000)
    tag = f"{SYNTHETIC_PREFIX}{when:%Y%m%d}"
    sim = DistrictSimulator(seed=seed, video_points=video_points, start_ms=start, run=tag)
    sim.bootstrap()  # the registrations are not history: only the day's events are written
    # the same district every day (sensors, cameras: the seed's), its day's values drawn
    # afresh (the seed and the date): with the seed alone, every working day was a copy
    # of the last one, and a baseline learned one day's noise as "usual" (docs/early-warning.md)
    sim.reseed(day)
    per_tick = day_total(when) / (clock.DAY_MS // TICK_MS)
    owed, serial = 0.0, 0
    for tick in range(clock.DAY_MS // TICK_MS):
        now = start + (tick + 1) * TICK_MS - 1
        owed += per_tick * HOURLY[tick * TICK_MS // clock.HOUR_MS]
        count = int(owed)
        owed -= count
        for event in sim.step(now, count):
            if event["type"].startswith("hotline."):
                owed += 1  # the day's 12345 history is written whole below: owe another event
                continue
            serial += 1
            row = event_row(f"{tag}-{serial}", orjson.dumps(event))
            if row is not None:
                yield row
    # 12345: the day's tickets and their lifecycles (dashboard/simulator_hotline.py), whose
    # later steps fall on later days; tagged with this day all the same
    for event in sorted(simulator_hotline.day_events(day, seed, HOURLY, UNIT_WEIGHTS, end_ms),
                        key=lambda e: e["ts"]):
        serial += 1
        row = hotline_row(f"{tag}-{serial}", event)
        if row is not None:
            yield row


def hotline_row(log_id: str, event: dict[str, Any]) -> EventRow | None:
    """The row of one backfilled 12345 event: validated as the archiver validates, and for
    a step type this version's dashboard/events.py does not know yet, the row the archiver
    will store once it does (the backfill's own events follow the contract by construction)."""
    raw = orjson.dumps(event)
    row = event_row(log_id, raw)
    if row is not None or event["type"] in PAYLOADS:
        return row
    ts = int(event["ts"])
    return EventRow(log_id, ts, clock.beijing_day(ts), event["type"], event["street"], event["source"],
                    event["id"], orjson.dumps(event["data"]).decode())


def backfill(archive: Archive, days: int, end_ms: int, seed: int = 7, video_points: int = 2_000,
             batch: int = 20_000) -> int:
    """Write ``days`` days of history before the day of ``end_ms``; rows inserted.  Days
    that hold synthetic rows already are skipped."""
    wanted = synthetic_days(days, end_ms)
    if not wanted:
        return 0
    done = archive.days_with_synthetic(wanted[0], wanted[-1])
    written = 0
    for day in wanted:
        if day in done:
            continue
        rows: list[EventRow] = []
        for row in day_rows(day, seed, video_points, end_ms):
            rows.append(row)
            if len(rows) >= batch:
                written += archive.write_events(rows, None)
                rows = []
        written += archive.write_events(rows, None) if rows else 0
    return written

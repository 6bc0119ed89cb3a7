"""The state of a busy district for ``console-load``: many incidents with their timelines, as
log events in the simulator's vocabulary (``support.events`` factories), then the demo
simulator's bootstrap (2,000 cameras, sensors, every indicator, the duty rosters).

``incident_history(count, now_ms)`` gives ``count`` incidents reported over the last
:data:`HISTORY_DAYS` days, spread over the streets by the simulator's weights and over
the levels by its severity weights (1, the most severe, in ~3 %); about
:data:`OPEN_SHARE` of them are still open (reported in the last day, standing at any
status before ``closed``, each step taken in order with the ``version`` it was based
on), the others went through the whole flow to ``closed`` within a few hours.  The
events are in time order, every ``ts`` before ``now_ms``.  About 5.7 events per
incident: 100,000 incidents are ~570,000 log entries.
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from typing import Any, cast

import orjson

from dashboard import simulator_vocab as vocab
from dashboard.clock import HOUR_MS, MINUTE_MS
from dashboard.lifecycle import FLOW
from dashboard.simulator import UNIT_WEIGHTS
from dashboard.simulator_cases import INCIDENT_DOMAINS, SEVERITY_WEIGHTS
from dashboard.simulator_devices import Scatter
from support.events import IncidentDomain, IncidentStepName, incident_reported, incident_step

OPEN_SHARE = 0.10
HISTORY_DAYS = 3
DAY_MS = 24 * HOUR_MS
FLOW_STEPS = cast(tuple[IncidentStepName, ...], FLOW[1:])  # the happy path after the report


def incident_history(count: int, now_ms: int, seed: int = 7) -> tuple[list[bytes], dict[str, Any]]:
    """(events as JSON, facts): ``count`` incidents and their steps, in time order.

    The facts: how many are open, per street, per severity and per status, and the
    street with the most incidents (the benchmark's street view)."""
    gc.disable()  # millions of young objects, none of them garbage: the collector only slows it
    try:
        return _history(count, now_ms, seed)
    finally:
        gc.enable()


def _history(count: int, now_ms: int, seed: int) -> tuple[list[bytes], dict[str, Any]]:
    rng = random.Random(f"console-load-{seed}-{count}")
    scatter = Scatter(rng, dict(UNIT_WEIGHTS))
    timed: list[tuple[int, int, bytes]] = []  # (ts, serial, event): a stable time order
    streets: Counter[str] = Counter()
    severities: Counter[int] = Counter()
    statuses: Counter[str] = Counter()
    for number in range(1, count + 1):
        incident_id = f"inc-bench-{number:06d}"
        domain = cast(IncidentDomain, rng.choice(INCIDENT_DOMAINS))
        (severity,) = rng.choices((1, 2, 3, 4), weights=SEVERITY_WEIGHTS)
        lat, lon, street = scatter.place()
        _, address = scatter.address(street)
        is_open = rng.random() < OPEN_SHARE
        if is_open:  # reported in the last day, somewhere before closed
            reported = now_ms - rng.randrange(MINUTE_MS, DAY_MS)
            steps = FLOW_STEPS[:rng.randrange(len(FLOW_STEPS))]
            times = sorted(rng.randrange(reported + 1, now_ms - 1_000) for _ in steps)
        else:  # the whole flow, within a few hours
            reported = now_ms - rng.randrange(6 * HOUR_MS, HISTORY_DAYS * DAY_MS)
            steps = FLOW_STEPS
            times, at = [], reported
            for _ in steps:
                at += rng.randrange(2 * MINUTE_MS, 40 * MINUTE_MS)
                times.append(at)
        streets[street] += 1
        severities[severity] += 1
        statuses[FLOW[len(steps)]] += 1
        timed.append((reported, len(timed), orjson.dumps(incident_reported(
            incident_id, domain=domain, title=rng.choice(vocab.INCIDENT_TITLES[domain]), severity=severity,
            lat=lat, lon=lon, address=address, description=f"{address}：{vocab.INCIDENT_DETAILS[domain]}",
            event_id=f"{incident_id}-0", ts=reported, street=street, source="bench"))))
        for version, (step, ts) in enumerate(zip(steps, times, strict=True), start=1):
            timed.append((ts, len(timed), orjson.dumps(incident_step(
                step, incident_id, by=scatter.officer(), unit=street if step == "dispatched" else None,
                note=vocab.STEP_NOTES[step], version=version, event_id=f"{incident_id}-{version}", ts=ts,
                street=street, source="bench"))))
    timed.sort(key=lambda item: (item[0], item[1]))
    facts = {"incidents": count, "open": count - statuses["closed"], "events": len(timed),
             "by_street": dict(streets.most_common()),
             "by_severity": {str(k): v for k, v in sorted(severities.items())},
             "by_status": {status: statuses[status] for status in FLOW},
             "busiest_street": streets.most_common(1)[0][0] if streets else None}
    return [raw for _, _, raw in timed], facts

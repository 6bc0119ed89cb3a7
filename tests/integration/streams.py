"""Event streams for integration tests: a realistic mix without the simulator's randomness."""

from __future__ import annotations

import orjson

from dashboard.units import UNITS
from support.events import (
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    video_point,
    video_status,
)

STREETS = [code for code, _, _ in UNITS]


def mixed_events(n: int, cameras: int = 200, offset: int = 0) -> list[bytes]:
    """``n`` events touching cameras, incidents, indicators, tickets and sensors."""
    out = []
    for i in range(offset, offset + n):
        street = STREETS[i % len(STREETS)]
        kind = i % 7
        ts = 1_767_225_600_000 + i * 1000
        if i < cameras:
            event = video_point(f"cam-{i}", name=f"点位{i}", event_id=f"cam-reg-{i}", street=street, ts=ts)
        elif kind in (0, 1, 2):
            event = video_status(f"cam-{i % cameras}", ("online", "offline", "fault")[(i // 7) % 3],
                                 event_id=f"ev-{i}", street=street, ts=ts)
        elif kind == 3:
            event = indicator_value("green.pm25", float(i % 90), event_id=f"ev-{i}", street=street, ts=ts)
        elif kind == 4:
            event = incident_reported(f"inc-{i}", domain="safety", title=f"事件{i}", severity=1 + i % 4,
                                      event_id=f"ev-{i}", street=street, ts=ts)
        elif kind == 5:
            event = incident_step("acknowledged", f"inc-{i - 1}", by="officer-1", version=1,
                                  event_id=f"ev-{i}", ts=ts)
        else:
            event = hotline_ticket(f"t-{i % 50}", category="噪声", summary="扰民",
                                   status=("new", "dispatched", "closed")[i % 3], satisfied=True,
                                   event_id=f"ev-{i}", street=street, ts=ts)
        out.append(orjson.dumps(event))
    return out

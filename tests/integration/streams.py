"""Event streams for integration tests: a realistic mix without the simulator's randomness."""

from __future__ import annotations

import orjson

from dashboard.units import UNITS

STREETS = [code for code, _, _ in UNITS]


def mixed_events(n: int, cameras: int = 200, offset: int = 0) -> list[bytes]:
    """``n`` events touching cameras, incidents, indicators, tickets and sensors."""
    out = []
    for i in range(offset, offset + n):
        street = STREETS[i % len(STREETS)]
        kind = i % 7
        if i < cameras:
            event = {"type": "video.point", "id": f"cam-reg-{i}", "street": street,
                     "data": {"point_id": f"cam-{i}", "name": f"点位{i}", "lat": 31.2,
                              "lon": 121.4}}
        elif kind in (0, 1, 2):
            event = {"type": "video.status", "id": f"ev-{i}", "street": street, "data": {
                "point_id": f"cam-{i % cameras}",
                "status": ("online", "offline", "fault")[(i // 7) % 3]}}
        elif kind == 3:
            event = {"type": "indicator.value", "id": f"ev-{i}", "street": street,
                     "data": {"key": "green.pm25", "value": float(i % 90)}}
        elif kind == 4:
            event = {"type": "incident.reported", "id": f"ev-{i}", "street": street, "data": {
                "incident_id": f"inc-{i}", "domain": "safety", "title": f"事件{i}",
                "severity": 1 + i % 4}}
        elif kind == 5:
            event = {"type": "incident.acknowledged", "id": f"ev-{i}", "data": {
                "incident_id": f"inc-{i - 1}", "by": "officer-1", "version": 1}}
        else:
            event = {"type": "hotline.ticket", "id": f"ev-{i}", "street": street, "data": {
                "ticket_id": f"t-{i % 50}", "category": "噪声", "summary": "扰民",
                "status": ("new", "dispatched", "closed")[i % 3], "satisfied": True}}
        event["ts"] = 1_767_225_600_000 + i * 1000
        out.append(orjson.dumps(event))
    return out


def xadd_all(client, events: list[bytes], key: str = "cn:events") -> None:  # type: ignore[no-untyped-def]
    pipe = client.pipeline(transaction=False)
    for n, raw in enumerate(events, start=1):
        pipe.xadd(key, {"event": raw})
        if n % 1000 == 0:
            pipe.execute()
    pipe.execute()

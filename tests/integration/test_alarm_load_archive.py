"""Alarm load per duty seat through a real instance: alarms written to the log, archived in a
real DuckDB archive, figures read back per seat (#15 req 5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import redis

from support.events import now_ms, sensor_alarm, sensor_cleared
from support.log import xadd
from support.processes import DashboardProcess, wait_for

MIN = 60_000


def test_alarm_load_per_seat_from_the_archive(
        dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, tmp_path: Path) -> None:
    process = dashboards(CN_HISTORY_PATH=str(tmp_path / "history.duckdb"))
    wait_for(lambda: process.health()["history"]["role"] == "writer", timeout=30)
    start = now_ms() - 30 * MIN
    last = ""
    # a flood in 江苏路: 12 alarms of 12 sensors within two minutes, one of level 1
    for n in range(12):
        last = xadd(rclient, sensor_alarm(f"gas-{n}", kind="gas", level=1 if n == 0 else 3,
                                          street="jiangsulu", event_id=f"flood-{n}", ts=start + n * 5_000))
    # a chattering sensor in 虹桥: raised, then three clears each re-activated within a minute
    ts = start + 15 * MIN
    last = xadd(rclient, sensor_alarm("wl-1", kind="water_level", level=2, street="hongqiao",
                                      event_id="wl-0", ts=ts))
    for n in range(1, 4):
        xadd(rclient, sensor_cleared("wl-1", street="hongqiao", event_id=f"wl-c{n}",
                                     ts=ts + (2 * n - 1) * 10_000))
        last = xadd(rclient, sensor_alarm("wl-1", kind="water_level", level=2, street="hongqiao",
                                          event_id=f"wl-{n}", ts=ts + 2 * n * 10_000))
    wait_for(lambda: process.health()["history"]["cursor"] == last, timeout=30, message="archived")

    officer, street, visitor = (process.session(u) for u in ("officer", "jiangsu", "visitor"))
    district = officer.get("/api/alarm-load.json?days=1")
    assert district.status_code == 200, district.text
    body = district.json()
    assert body["seat"] == "district" and body["days"] == 1 and body["alarms"] == 16
    # in flood from the 11th alarm (+50 s) until the second leaves the window (+605 s)
    assert body["flood"]["floods"] == 1 and body["flood"]["minutes"] == round(555 / 60, 1)
    assert body["chattering"] == 1 and body["stale"] == 0
    assert body["top_sources"][0] == {"source": "wl-1", "kind": "water_level", "street": "hongqiao",
                                      "alarms": 4, "share": 0.25}
    assert body["priorities"]["high"]["alarms"] == 1 and body["priorities"]["medium"]["alarms"] == 4
    assert body["targets"] == {"per_10_min": 1, "per_hour": 6, "flood_share": 0.01}

    seat = street.get("/api/alarm-load.json?days=1").json()
    assert seat["seat"] == "jiangsulu" and seat["alarms"] == 12 and seat["chattering"] == 0
    assert {s["street"] for s in seat["top_sources"]} == {"jiangsulu"}

    bad = officer.get("/api/alarm-load.json?days=400")
    assert bad.status_code == 400 and "1 to 90" in bad.json()["error"]
    assert visitor.get("/api/alarm-load.json").status_code == 403

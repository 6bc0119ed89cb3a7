"""Missed check-ins per centre and period read from a real archive (DuckDB file): the requests
and answers replayed through the reducer's model, refused answers not counted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson

from dashboard.checkin_reads import missed_counts
from dashboard.clock import BEIJING
from dashboard.history import event_row
from dashboard.history_duckdb import DuckDBArchive
from support import events as ev


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(BEIJING)


def _request(center: str, time: str) -> dict[str, object]:
    start = f"2026-12-03T{time}:00+08:00"
    due = f"2026-12-03T{time[:3]}{int(time[3:]) + 10:02d}:00+08:00"
    return ev.duty_checkin_request(center, "值班员", start, due, event_id=f"checkin:{center}/值班员@{start}",
                                   ts=start)


def test_missed_check_ins_per_centre_from_the_archive(tmp_path: Path) -> None:
    """District: 09:00 answered, 15:00 answered too late (refused), 21:00 by someone off duty
    (refused) → 2 missed of 3; Hongqiao: its one request answered → 0; a request written twice
    (two instances) counts once; the next day's request is outside the period."""
    events = [
        ev.duty_roster("d", "district", "值班员", "王伟", "2026-12-01T08:00:00+08:00",
                       "2026-12-02T08:00:00+08:00", "FREQ=DAILY", ts="2026-12-01T07:00:00+08:00"),
        ev.duty_roster("h", "hongqiao", "值班员", "赵敏", "2026-12-01T08:00:00+08:00",
                       "2026-12-01T20:00:00+08:00", "FREQ=DAILY", ts="2026-12-01T07:00:00+08:00"),
        _request("district", "09:00"), _request("district", "09:00"),
        ev.duty_checkin("district", "值班员", "王伟", ts="2026-12-03T09:03:00+08:00"),
        _request("district", "15:00"),
        ev.duty_checkin("district", "值班员", "王伟", ts="2026-12-03T15:11:00+08:00"),
        _request("district", "21:00"),
        ev.duty_checkin("district", "值班员", "李娜", ts="2026-12-03T21:02:00+08:00"),
        _request("hongqiao", "10:00"),
        ev.duty_checkin("hongqiao", "值班员", "赵敏", ts="2026-12-03T10:09:00+08:00"),
        ev.duty_checkin_request("district", "值班员", "2026-12-04T09:00:00+08:00",
                                "2026-12-04T09:10:00+08:00", ts="2026-12-04T09:00:00+08:00"),
    ]
    archive = DuckDBArchive(tmp_path / "history.duckdb")
    try:
        base = int(at("2026-12-01T07:00:00+08:00").timestamp() * 1000)
        rows = [event_row(f"{base + n}-0", orjson.dumps(event)) for n, event in enumerate(events)]
        written = archive.write_events([r for r in rows if r is not None], f"{base + len(events)}-0")
        assert written == len(events)
        day = (at("2026-12-03T00:00:00+08:00"), at("2026-12-04T00:00:00+08:00"))
        assert missed_counts(archive, *day) == {"district": 2, "hongqiao": 0}
        assert missed_counts(archive, at("2026-12-03T12:00:00+08:00"), day[1]) == {"district": 2}
    finally:
        archive.close()

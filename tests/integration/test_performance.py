"""Street performance figures from a real archive (DuckDB, and PostgreSQL in
tests/integration/test_history.py's same-answers test) on a planted November 2026 whose
every figure is computed by hand in the comments (#16 req 5, 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from dashboard import performance as perf
from dashboard import performance_figures as pf
from dashboard.console import load_console_config
from dashboard.history import EventRow
from dashboard.history_duckdb import DuckDBArchive
from dashboard.performance import Measure
from dashboard.workdays import DeadlineRule
from support.planted import _ms, offset

FIRST, LAST = "2026-11-01", "2026-11-30"
NOW = _ms("2026-12-03", 12.0)
MIN = 60_000


def PERFORMANCE_PARAMS(first: str, last: str) -> dict[str, list[object]]:  # noqa: N802
    """Parameters of every performance query over the days."""
    return {"performance_incidents": [first, last, first], "performance_tickets": [first, last, first],
            "performance_callbacks": [first, first, last], "performance_alarms": [first, last, first],
            "performance_cameras": [first, last]}


class Rows:
    def __init__(self) -> None:
        self.rows: list[EventRow] = []

    def add(self, kind: str, ms: int, street: str | None, data: dict[str, Any],
            event_id: str | None = None) -> None:
        from dashboard import clock

        n = len(self.rows) + 1
        self.rows.append(EventRow(f"{ms}-{n}", ms, clock.beijing_day(ms), kind, street, "planted",
                                  event_id or f"ev-{n}", orjson.dumps(data).decode()))


def planted() -> list[EventRow]:
    r = Rows()

    def incident(iid: str, street: str, day: str, severity: int, ack: float | None, dispatch: float | None,
                 resolve: float | None, reopen: bool = False) -> None:
        t0 = _ms(day, 10.0)
        r.add("incident.reported", t0, street, {"incident_id": iid, "domain": "safety", "title": "井盖缺失",
                                                "severity": severity})
        for step, minutes in (("acknowledged", ack), ("dispatched", dispatch), ("resolved", resolve)):
            if minutes is not None:
                r.add(f"incident.{step}", t0 + int(minutes * MIN), street, {"incident_id": iid, "by": "o"})
        if reopen:
            r.add("incident.reopened", t0 + 1440 * MIN, street, {"incident_id": iid, "by": "o"})

    # hongqiao, severity 2 (resolve within 720 min): on time; late (800); unresolved, past its limit
    incident("h1", "hongqiao", "2026-11-02", 2, 6, 20, 300)
    incident("h2", "hongqiao", "2026-11-03", 2, 10, 30, 800, reopen=True)
    incident("h3", "hongqiao", "2026-11-05", 2, 20, None, None)
    # xinhualu, severity 1 (240 min): on time; and one of October, not counted
    incident("x1", "xinhualu", "2026-11-10", 1, 2, 5, 100)
    incident("x0", "xinhualu", "2026-10-31", 1, 50, 60, 900)

    def ticket(tid: str, street: str, day: str, urgency: int, replied: str | None, place: tuple[float, float],
               category: str, summary: str, until: str | None = None, result: str | None = None) -> None:
        t0 = _ms(day, 10.0)
        r.add("hotline.ticket", t0, street, {"ticket_id": tid, "category": category, "summary": summary,
                                             "status": "new", "urgency": urgency, "address": f"长宁区{tid}号",
                                             "lat": place[0], "lon": place[1]})
        if until:
            r.add("hotline.extension", t0 + 60 * MIN, street, {"ticket_id": tid, "until": until})
            r.add("hotline.extension", t0 + 90 * MIN, street, {"ticket_id": tid, "approved": True})
        if replied:
            r.add("hotline.replied", _ms(replied, 15.0), street, {"ticket_id": tid, "reply": "已处理"})
            if result:  # the callback: no street on the step, the ticket's is used
                r.add("hotline.visited", _ms(replied, 17.0), None, {"ticket_id": tid, "result": result})

    spot = (31.2150, 121.4100)
    # urgency 1: due at the end of the next working day
    ticket("t1", "hongqiao", "2026-11-02", 1, "2026-11-03", offset(*spot, 0, 0), "市容管理", "路面垃圾",
           result="satisfied")                                     # Mon → Tue: on time
    ticket("t2", "hongqiao", "2026-11-06", 1, "2026-11-09", offset(*spot, 10, 0), "市容管理", "垃圾堆放",
           result="basic")                                         # Fri → Mon (weekend): on time
    ticket("t3", "hongqiao", "2026-11-10", 1, "2026-11-12", offset(*spot, 0, 10), "市容管理", "垃圾未清",
           result="unsatisfied")                                   # due Wed 11-11: late
    ticket("t4", "hongqiao", "2026-11-16", 1, "2026-11-19", offset(*spot, 3000, 3000), "交通出行",
           "信号灯故障", until="2026-11-20")                        # extended to 11-20: on time
    ticket("t5", "xinhualu", "2026-11-20", 1, None, offset(*spot, -3000, 0), "噪声扰民",
           "夜间施工")                                               # due 11-23, never replied: late

    # cameras: c1 online from October, offline 11-11 → 11-14 (3 of 30 days); c2 from 11-16
    r.add("video.point", _ms("2026-10-25", 0), "hongqiao", {"point_id": "c1", "name": "c1", "lat": 31.2,
                                                            "lon": 121.4, "status": "online"})
    r.add("video.status", _ms("2026-11-11", 0), None, {"point_id": "c1", "status": "offline"})
    r.add("video.status", _ms("2026-11-14", 0), None, {"point_id": "c1", "status": "online"})
    r.add("video.point", _ms("2026-11-16", 0), "hongqiao", {"point_id": "c2", "name": "c2", "lat": 31.2,
                                                            "lon": 121.41, "status": "online"})

    # sensor alarms: acknowledged after 4 and 10 minutes, one never
    for n, (day, ack) in enumerate((("2026-11-05", 4), ("2026-11-06", 10), ("2026-11-07", None))):
        t0 = _ms(day, 10.0)
        r.add("sensor.alarm", t0, "hongqiao", {"sensor_id": f"s{n}", "kind": "gas", "level": 2}, f"al-{n}")
        if ack is not None:
            r.add("alarm.acknowledged", t0 + ack * MIN, None, {"alarm_id": f"al-{n}", "by": "o"})

    # check-ins (查岗) of hongqiao's 值班员, 赵敏 on duty 08:00–20:00 every day: 11-04 answered
    # in 5 min; 11-12 never answered; 11-20 answered in 2 min; 11-25 answered by 李娜, who is
    # not on duty (refused: missed); 10-31 outside the month
    r.add("duty.roster", _ms("2026-10-01", 7.0), None, {
        "rotation_id": "hq", "center": "hongqiao", "post": "值班员", "name": "赵敏",
        "dtstart": "2026-10-01T08:00:00+08:00", "dtend": "2026-10-01T20:00:00+08:00", "rrule": "FREQ=DAILY"})
    for day, hour, answer, name in (("2026-10-31", 10, 3, "赵敏"), ("2026-11-04", 10, 5, "赵敏"),
                                    ("2026-11-12", 10, None, ""), ("2026-11-20", 11, 2, "赵敏"),
                                    ("2026-11-25", 12, 4, "李娜")):
        t0 = _ms(day, float(hour))
        start, due = f"{day}T{hour:02d}:00:00+08:00", f"{day}T{hour:02d}:10:00+08:00"
        post = {"center": "hongqiao", "post": "值班员"}
        r.add("duty.checkin_request", t0, None, {**post, "at": start, "due": due},
              f"checkin:hongqiao/值班员@{start}")
        if answer is not None:
            r.add("duty.checkin", t0 + answer * MIN, None, {**post, "name": name})
    return r.rows


def test_every_figure_on_a_planted_month(tmp_path: Path) -> None:
    archive = DuckDBArchive(tmp_path / "history.duckdb")
    try:
        archive.write_events(planted(), None)
        got = pf.figures(archive, FIRST, LAST, NOW, console=load_console_config(), rule=DeadlineRule())
    finally:
        archive.close()
    h, x = got["hongqiao"], got["xinhualu"]
    assert h["incident_on_time"] == Measure(33.3, 3)        # h1 of h1, h2, h3
    assert h["report_to_ack_min"] == Measure(10.0, 3)       # median of 6, 10, 20
    assert h["dispatch_to_resolve_min"] == Measure(525.0, 2)  # median of 280, 770
    assert h["incident_reopen"] == Measure(50.0, 2)         # h2 of the resolved h1, h2
    assert x["incident_on_time"] == Measure(100.0, 1) and x["report_to_ack_min"] == Measure(2.0, 1)
    assert h["hotline_on_time"] == Measure(75.0, 4)         # t1, t2, t4 of four
    assert x["hotline_on_time"] == Measure(0.0, 1)          # t5, never replied, past due
    assert h["hotline_satisfied"] == Measure(66.7, 3)       # satisfied + basic of three callbacks
    assert h["hotline_recurring"] == Measure(75.0, 4)       # t1–t3 within 50 m, one category
    assert x["hotline_recurring"] == Measure(0.0, 1)
    assert h["camera_online"] == Measure(93.3, 2)           # (27 + 15) of 45 camera-days
    assert h["alarm_ack_min"] == Measure(10.0, 3)           # median of 4, 10, and the unanswered one
    assert h["checkin_answered"] == Measure(50.0, 4)        # 11-04 and 11-20 of four requests
    assert "checkin_answered" not in x                      # no request: missing, not 0 or 100
    assert "hotline_satisfied" not in x and "camera_online" not in x


def test_the_board_of_the_planted_month() -> None:
    # hongqiao against xinhualu on the figures both have (min–max over two units: 100 or 0)
    measures = {"hongqiao": {"incident_on_time": Measure(33.3, 3), "hotline_on_time": Measure(75.0, 4)},
                "xinhualu": {"incident_on_time": Measure(100.0, 1), "hotline_on_time": Measure(0.0, 1)}}
    config = perf.Config({"incident_on_time": 1, "hotline_on_time": 3}, draws=100, min_cases=1)
    b = perf.board(measures, config)
    assert [(s.unit, s.index) for s in b.standings] == [("hongqiao", 75.0), ("xinhualu", 25.0)]
    assert b.standings[0].weakest == "incident_on_time" and b.standings[0].strongest == "hotline_on_time"

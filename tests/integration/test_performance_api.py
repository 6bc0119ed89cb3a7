"""The street performance board through a real instance: incidents written to the log,
archived in a real DuckDB archive, the board and the wall's summary read back (#16 req 5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import redis

from dashboard import clock, performance_api
from support.events import incident_reported, incident_step, now_ms
from support.log import xadd
from support.processes import DashboardProcess, wait_for

MIN = 60_000


def test_the_board_and_the_walls_summary_from_the_archive(
        dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, tmp_path: Path) -> None:
    process = dashboards(CN_HISTORY_PATH=str(tmp_path / "history.duckdb"))
    wait_for(lambda: process.health()["history"]["role"] == "writer", timeout=30)
    start = now_ms() - 90 * MIN
    month = clock.beijing_day(start)[:7]
    last = ""
    # 虹桥: five cases accepted 2–6 minutes after the report and resolved in 30 (on time);
    # 江苏路: five accepted after 20 minutes, not resolved yet (and not due: not counted)
    for n in range(5):
        t0 = start + n * MIN
        for street, ack in (("hongqiao", 2 + n), ("jiangsulu", 20)):
            iid = f"{street}-{n}"
            xadd(rclient, incident_reported(iid, severity=2, street=street, ts=t0, event_id=f"r-{iid}"))
            last = xadd(rclient, incident_step("acknowledged", iid, by="officer", street=street,
                                               ts=t0 + ack * MIN, event_id=f"a-{iid}"))
        last = xadd(rclient, incident_step("resolved", f"hongqiao-{n}", by="officer", street="hongqiao",
                                           ts=t0 + 30 * MIN, event_id=f"s-hongqiao-{n}"))
    wait_for(lambda: process.health()["history"]["cursor"] == last, timeout=30, message="archived")

    officer, visitor = process.session("officer"), process.session("visitor")
    reply = officer.get(f"/api/performance.json?month={month}")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["month"] == month and body["draws"] == 500 and body["min_cases"] == 5
    by = {s["unit"]: s for s in body["standings"]}
    assert len(by) == 11  # every unit listed, ranked or not
    h, j = by["hongqiao"], by["jiangsulu"]
    assert h["measures"]["report_to_ack_min"] == {"value": 4.0, "cases": 5}  # median of 2…6
    assert h["measures"]["incident_on_time"] == {"value": 100.0, "cases": 5}
    assert j["measures"]["report_to_ack_min"] == {"value": 20.0, "cases": 5}
    assert "incident_on_time" not in j["measures"]  # none resolved, none due yet
    # only 立案 time tells the two apart (on-time and 派单→处置: 虹桥 alone has them)
    assert body["discriminating"] == ["report_to_ack_min"]
    assert (h["rank"], h["index"], j["rank"], j["index"]) == (1, 100.0, 2, 0.0)
    assert (h["rank_low"], h["rank_high"]) == (1, 1) and h["trend"] == "new"
    assert [s["unit"] for s in body["standings"][:2]] == ["hongqiao", "jiangsulu"]
    assert all(s["rank"] is None for s in body["standings"][2:])

    # the cases behind a figure, worst first, with the figure's value again
    drill = officer.get(f"/api/performance/cases.json?month={month}&unit=hongqiao&figure=report_to_ack_min")
    assert drill.status_code == 200, drill.text
    d = drill.json()
    assert d["measure"] == h["measures"]["report_to_ack_min"] and d["total"] == 5
    assert [(c["kind"], c["id"], c["value"]) for c in d["cases"]] == [
        ("incident", f"hongqiao-{n}", 2.0 + n) for n in (4, 3, 2, 1, 0)]
    cases = f"/api/performance/cases.json?month={month}&unit=hongqiao"
    late = officer.get(f"{cases}&figure=incident_on_time").json()
    assert {c["value"] for c in late["cases"]} == {100.0} and late["flags"] and late["better"] == "higher"
    assert officer.get(f"/api/performance/cases.json?month={month}&unit=nowhere&figure=x").status_code == 400
    assert visitor.get(f"/api/performance/cases.json?month={month}&unit=hongqiao&figure=alarm_ack_min"
                       ).status_code == 403

    summary = visitor.get("/api/performance/summary.json")
    assert summary.status_code == 200 and summary.json()["available"] is True
    if summary.json()["month"] == month:
        assert summary.json()["standings"][0] == {k: h[k] for k in (
            "unit", "index", "rank", "rank_low", "rank_high", "trend", "strongest", "weakest")}
    assert "measures" not in summary.text and "cases" not in summary.text

    # the same board for the ISO week of the cases (when the 34 minutes of cases fall in one week)
    week = performance_api.week_of(clock.beijing_day(start))
    if week == performance_api.week_of(clock.beijing_day(start + 34 * MIN)):
        weekly = officer.get(f"/api/performance.json?week={week}").json()
        assert weekly["week"] == weekly["period"] == week and weekly["period_kind"] == "week"
        assert {s["unit"]: s["measures"] for s in weekly["standings"]}["hongqiao"] == h["measures"]
        drill = officer.get(f"/api/performance/cases.json?week={week}&unit=hongqiao&figure=report_to_ack_min")
        assert drill.json()["total"] == 5 and drill.json()["period"] == week
    assert officer.get("/api/performance.json?week=2025-W53").status_code == 400  # 2025 has 52
    assert officer.get("/api/performance.json?week=2999-W01").status_code == 400
    assert officer.get("/api/performance.json?month=2026-13").status_code == 400
    assert officer.get("/api/performance.json?month=2999-01").status_code == 400
    assert visitor.get("/api/performance.json").status_code == 403


def test_without_an_archive_the_board_is_unavailable(dashboards: Callable[..., DashboardProcess]) -> None:
    process = dashboards(CN_HISTORY_PATH="")
    officer, visitor = process.session("officer"), process.session("visitor")
    assert officer.get("/api/performance.json").status_code == 503
    body = visitor.get("/api/performance/summary.json").json()
    assert body["available"] is False and "archive" in body["error"]

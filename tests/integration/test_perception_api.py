"""The perception tables, their export and Open311 through a real instance with a planted
archive: who may read what, the audit of an export, the Open311 token (#14 req 4, 5, 9)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import openpyxl
import redis

from dashboard import open311
from dashboard.history_duckdb import DuckDBArchive
from support import planted
from support.processes import DashboardProcess, wait_for

TOKEN = "open311-test-token-0123456789"
WINDOW = "start_date=2026-10-01T00:00:00%2B08:00&end_date=2026-12-01T00:00:00%2B08:00"


def test_perception_export_and_open311_through_the_instance(
        dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    archive.write_events(planted.planted_rows(), None)
    archive.close()
    process = dashboards(CN_HISTORY_PATH=str(path), CN_OPEN311_TOKEN=TOKEN)
    wait_for(lambda: process.health()["history"]["role"] == "writer", timeout=30)

    officer, street, admin, visitor = (process.session(u) for u in ("officer", "jiangsu", "admin", "visitor"))
    reply = wait_for(lambda: (r := officer.get("/api/perception.json")).status_code == 200 and r, timeout=30)
    body = reply.json()
    names = {t["name"] for t in body["tables"]}
    assert {"recurring", "hard", "returned_units", "unsatisfied_unit", "hotspots", "rising"} <= names
    assert all(t["counts"] and t["first_day"] <= t["last_day"] and t["computed"] for t in body["tables"])
    assert "王丽华" not in reply.text and "13912345678" not in reply.text
    scoped = street.get("/api/perception.json").json()
    assert scoped["scope"] == "jiangsulu"
    hard_streets = {row[2] for t in scoped["tables"] if t["name"] == "hard" for row in t["rows"]}
    assert hard_streets <= {"jiangsulu"}
    assert visitor.get("/api/perception.json").status_code == 403
    line = visitor.get("/api/perception/summary.json")  # the wall's line: aggregates, for every audience
    assert line.status_code == 200 and line.json()["text"]["zh"].startswith("感知研判：重复诉求")
    assert set(line.json()) >= {"recurring", "unsatisfied_share", "hotspots", "rising", "computed"}

    csv = officer.get("/api/perception/recurring.csv")
    assert csv.status_code == 200 and "ticket_ids" in csv.text and "王丽华" not in csv.text
    xlsx = officer.get("/api/perception/hard.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and [c.value for c in sheet[2]][:3] == ["ticket_id", "category", "street"]
    assert officer.get("/api/perception/nope.csv").status_code == 404
    audited = wait_for(lambda: [f for _, f in rclient.xrange("cn:audit")
                                if f.get(b"action") == b"perception.export"] or None)
    assert {f[b"target"] for f in audited} == {b"recurring", b"hard"}

    requests = f"/open311/v2/requests.json?{WINDOW}&page_size=5"
    anonymous = httpx.get(process.url + requests, timeout=10)
    assert anonymous.status_code in (302, 303, 401, 403)
    bad = httpx.get(process.url + requests, headers={"Authorization": "Bearer wrong-token-000000"},
                    timeout=10)
    assert bad.status_code in (302, 303, 401, 403)
    machine = httpx.get(process.url + requests, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert machine.status_code == 200, machine.text
    assert len(machine.json()) == 5 and all(tuple(r) == open311.REQUEST_FIELDS for r in machine.json())
    services = httpx.get(process.url + "/open311/v2/services.json",
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert [tuple(s) for s in services.json()] == [open311.SERVICE_FIELDS] * len(services.json())
    assert officer.get(requests).status_code == 403  # an officer has no open311 permission
    assert admin.get(requests).status_code == 200
    refused = httpx.get(process.url + "/open311/v2/requests.json?status=pending",
                        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert refused.status_code == 400
    assert refused.json() == [{"code": 400, "description": "status must be open or closed"}]


def test_without_an_archive_the_walls_line_says_unavailable_and_the_tables_503(
        dashboards: Callable[..., DashboardProcess]) -> None:
    """No archive here: the console's tables answer 503 with the reason; the wall's line
    answers 200 ``available: false`` (a kiosk asking must not log an error) with it."""
    process = dashboards(CN_HISTORY_PATH="")
    officer, wall = process.session("officer"), process.session("visitor")
    tables = officer.get("/api/perception.json")
    assert tables.status_code == 503 and "no history archive" in tables.json()["error"]
    line = wall.get("/api/perception/summary.json")
    assert line.status_code == 200
    assert line.json()["available"] is False and "no history archive" in line.json()["error"]

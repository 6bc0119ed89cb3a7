"""The backfill's 12345 history (dashboard/simulator_hotline.py) in a real archive: the
contract's lifecycle, and perception finding what the simulator plants (#14 req 4, 6)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from dashboard import perception, simulator_hotline
from dashboard.history_duckdb import DuckDBArchive
from dashboard.simulator import UNIT_WEIGHTS
from dashboard.simulator_backfill import HOURLY, hotline_row, synthetic_days

END_MS = 1_796_227_200_000  # 2026-12-03 00:00 Beijing
DAYS = 40
HOUR = 3_600_000


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[DuckDBArchive, list[dict[str, object]]]:
    archive = DuckDBArchive(Path(tmp_path_factory.mktemp("backfill")) / "history.duckdb")
    events, rows = [], []
    for day in synthetic_days(DAYS, END_MS):
        for n, event in enumerate(simulator_hotline.day_events(day, 7, HOURLY, UNIT_WEIGHTS, END_MS)):
            events.append(event)
            row = hotline_row(f"b{day.replace('-', '')}-{n}", event)
            assert row is not None
            rows.append(row)
    archive.write_events(rows, None)
    return archive, events


def test_the_lifecycle_follows_the_contract(history: tuple[DuckDBArchive, list[dict[str, object]]]) -> None:
    _, events = history
    by_ticket: dict[str, list[dict[str, object]]] = {}
    for event in sorted(events, key=lambda e: e["ts"]):  # type: ignore[arg-type, return-value]
        data = event["data"]
        assert isinstance(data, dict)
        by_ticket.setdefault(data["ticket_id"], []).append(event)
    kinds = Counter(str(e["type"]) for e in events)
    for kind in ("ticket", "dispatched", "signed", "replied", "visited", "closed", "returned", "extension",
                 "reopened"):
        assert kinds[f"hotline.{kind}"] > 0, kind
    for steps in by_ticket.values():
        assert steps[0]["type"] == "hotline.ticket"
        versions = [s["data"]["version"] for s in steps[1:]]  # type: ignore[index]
        assert versions == list(range(1, len(steps)))
        assert all(steps[i]["ts"] <= steps[i + 1]["ts"] for i in range(len(steps) - 1))  # type: ignore[operator]
    still_open = sum(1 for steps in by_ticket.values() if steps[-1]["type"] != "hotline.closed")
    assert 0 < still_open < len(by_ticket) * 0.4  # the last two weeks: deadlines of 15 working days
    categories = Counter(s[0]["data"]["category"] for s in by_ticket.values())  # type: ignore[index]
    assert {"疫情防控", "物业管理", "建设施工"} <= set(categories)
    assert categories.most_common(1)[0][0] == "物业管理"


def test_working_hours_skip_the_night_and_the_weekend() -> None:
    friday = simulator_hotline._day_start(date(2026, 12, 4))
    monday = simulator_hotline._day_start(date(2026, 12, 7))
    assert simulator_hotline.working_later(friday + 17 * HOUR, 1.0) == monday + 9 * HOUR  # 17:00 + 1 h
    assert simulator_hotline.working_later(friday + 2 * HOUR, 1.0) == friday + int(9.5 * HOUR)  # 02:00 + 1 h
    national_day = simulator_hotline._day_start(date(2026, 9, 30))
    assert simulator_hotline.working_later(national_day + 17 * HOUR, 1.0) == (
        simulator_hotline._day_start(date(2026, 10, 8)) + 9 * HOUR)


def test_perception_finds_the_recurring_spots_and_the_wrong_department(
        history: tuple[DuckDBArchive, list[dict[str, object]]]) -> None:
    archive, events = history
    found = perception.perceive(archive, "2026-12-02")
    groups = [set(str(r["ticket_ids"]).split()) for r in found["recurring"].records()]
    for spot in simulator_hotline.spots(7, UNIT_WEIGHTS):
        ids = {e["data"]["ticket_id"] for e in events  # type: ignore[index]
               if e["type"] == "hotline.ticket" and e["data"]["address"] == spot.address  # type: ignore[index]
               and int(e["ts"]) >= END_MS - 30 * 86_400_000}  # type: ignore[call-overload]
        if len(ids) >= 3:
            assert any(ids <= group for group in groups), spot
    units = found["returned_units"].records()
    assert units[0]["unit"] == simulator_hotline.WRONG_UNIT
    unsatisfied = found["unsatisfied_street"].records()
    assert unsatisfied and all(0 < r["share"] < 0.4 for r in unsatisfied)

"""Perception on a planted history in a real archive: exactly the planted findings (#14 req 4, 5)."""

from __future__ import annotations

from pathlib import Path

import h3
import pytest

from dashboard import perception
from dashboard.history_duckdb import DuckDBArchive
from support import planted


def PERCEPTION_PARAMS(first: str, last: str) -> dict[str, list[object]]:  # noqa: N802
    """Parameters of every perception and Open311 query over the days (no scope)."""
    return {"perception_registrations": [first, last, None, None],
            "perception_category_weeks": [last, first, last, None, None],
            "perception_points": [last, first, last, None, None],
            "perception_hard": [first, last, None, None, first, last, last, 1, 5, 15],
            "perception_returns": [first, last, None, None, first, last],
            "perception_dispatches": [first, last, None, None],
            "perception_callbacks": [first, last, None, None, first, last, first, last, last],
            "open311_requests": [f"{first}T00:00:00+08:00", f"{last}T23:59:59+08:00", first, last, first]}


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, perception.Table]:
    archive = DuckDBArchive(Path(tmp_path_factory.mktemp("perception")) / "history.duckdb")
    try:
        archive.write_events(planted.planted_rows(), None)
        return perception.perceive(archive, planted.END_DAY)
    finally:
        archive.close()


def test_recurring_finds_the_planted_groups_and_no_near_miss(found: dict[str, perception.Table]) -> None:
    table = found["recurring"]
    assert {(r["category"], r["tickets"]) for r in table.records()} == planted.PLANTED["recurring"]
    by_ids = {r["ticket_ids"]: r for r in table.records()}
    assert set(by_ids) == {"t-rec-a0 t-rec-a1 t-rec-a2 t-rec-a3", "t-rec-b0 t-rec-b1 t-rec-b2"}
    b = by_ids["t-rec-b0 t-rec-b1 t-rec-b2"]
    assert b["streets"] == "jiangsulu" and b["first_day"] < b["last_day"]
    assert (table.first_day, table.last_day) == ("2026-11-01", planted.END_DAY)


def test_hard_tickets_and_the_unit_most_returned_to(found: dict[str, perception.Table]) -> None:
    hard = {r["ticket_id"]: r for r in found["hard"].records()}
    assert set(hard) == planted.PLANTED["hard"]
    assert hard["t-ret-1"]["returned"] == 2 and hard["t-ext-1"]["extensions"] == 1
    assert hard["t-reo-1"]["reopened"] == 1 and hard["t-late-1"]["overdue"]
    assert not hard["t-ext-1"]["overdue"]  # closed before the extended deadline
    units = found["returned_units"].records()
    assert units[0]["unit"] == planted.PLANTED["returned_unit"] and units[0]["returned"] == 4
    assert len(units) == 1


def test_unsatisfied_by_unit_with_a_weekly_trend(found: dict[str, perception.Table]) -> None:
    units = found["unsatisfied_unit"].records()
    assert units[0]["unit"] == planted.PLANTED["unsatisfied_unit"] and units[0]["unsatisfied"] == 12
    assert sum(units[0][f"w-{n}" if n else "w0"] for n in range(9)) == 12
    assert [r["unit"] for r in units[1:]] == ["unit-street"] and units[1]["unsatisfied"] == 1  # t-reo-1
    streets = {r["street"]: r["unsatisfied"] for r in found["unsatisfied_street"].records()}
    assert streets == {"huayanglu": 12, "zhoujiaqiao": 1}


def test_the_planted_hotspot_and_only_it(found: dict[str, perception.Table]) -> None:
    hot = found["hotspots"].records()
    home = h3.latlng_to_cell(planted.HOT_LAT, planted.HOT_LON, 8)
    assert hot and all(r["cell"] in h3.grid_disk(home, 1) for r in hot)
    assert sum(r["tickets"] for r in hot) >= 12 and hot[0]["usual"] < 2


def test_the_rising_category_and_only_it(found: dict[str, perception.Table]) -> None:
    assert {r["category"] for r in found["rising"].records()} == planted.PLANTED["rising"]


def test_no_personal_value_in_any_table(found: dict[str, perception.Table]) -> None:
    text = repr([(t.counts, t.rows) for t in found.values()])
    for value in ("王丽华", "13912345678", "番禺路100号", "法华镇路 300 号"):
        assert value not in text


def test_postgresql_finds_the_same(tmp_path: Path) -> None:
    """The planted history in PostgreSQL: the same query rows and the same tables as DuckDB."""
    import psycopg

    from dashboard.history_postgres import PostgresArchive
    from support.postgres import PostgresCluster

    rows = planted.planted_rows()
    with PostgresCluster() as cluster:
        with psycopg.connect(cluster.url, autocommit=True) as db:
            db.execute("DROP TABLE IF EXISTS events, audit, cursors")
        engines = [DuckDBArchive(tmp_path / "history.duckdb"), PostgresArchive(cluster.url)]
        try:
            for archive in engines:
                archive.write_events(rows, None)
            for name, params in PERCEPTION_PARAMS("2026-09-01", planted.END_DAY).items():
                duck, pg = (sorted(a.query(name, *params), key=repr) for a in engines)
                assert duck == pg and duck, name
            duck_tables, pg_tables = (perception.perceive(a, planted.END_DAY) for a in engines)
            assert {k: t.rows for k, t in duck_tables.items()} == {k: t.rows for k, t in pg_tables.items()}
        finally:
            for archive in engines:
                archive.close()


def test_a_young_archive_has_no_hotspot_from_a_diluted_mean(tmp_path: Path) -> None:
    """Three weeks of history: the usual is the mean of the two weeks the archive covers, not
    of eight (which would make every busy cell hot); one week alone: no hotspot at all."""
    rows = [r for r in planted.planted_rows() if r.day >= perception.days_back(planted.END_DAY, 21)]
    archive = DuckDBArchive(tmp_path / "young.duckdb")
    try:
        archive.write_events(rows, None)
        found = perception.perceive(archive, planted.END_DAY, only=("hotspots", "rising"))
        home = h3.latlng_to_cell(planted.HOT_LAT, planted.HOT_LON, 8)
        assert found["hotspots"].rows and all(r["cell"] in h3.grid_disk(home, 1)
                                              for r in found["hotspots"].records())
        assert {r["category"] for r in found["rising"].records()} == planted.PLANTED["rising"]
        week = perception.perceive(archive, perception.days_back(planted.END_DAY, 15), only=("hotspots",))
        assert week["hotspots"].rows == []
    finally:
        archive.close()

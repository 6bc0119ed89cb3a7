"""Open311 GeoReport v2 from a planted archive: the spec's fields, filters, paging, WGS-84,
no personal value (#14 req 5, 9)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from dashboard import clock, open311
from dashboard.geo import convert
from dashboard.history_duckdb import DuckDBArchive
from support import planted

WINDOW = {"start_date": "2026-10-01T00:00:00+08:00", "end_date": "2026-12-01T00:00:00+08:00"}
NOW = int(clock.beijing(1_796_227_200_000).timestamp() * 1000)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBArchive]:
    archive = DuckDBArchive(Path(tmp_path_factory.mktemp("open311")) / "history.duckdb")
    archive.write_events(planted.planted_rows(), None)
    yield archive
    archive.close()


def ask(archive: DuckDBArchive, **params: str) -> list[dict[str, object]]:
    return open311.requests(archive, open311.RequestQuery.parse({**WINDOW, **params}, NOW))


def test_every_request_has_exactly_the_specs_fields(archive: DuckDBArchive) -> None:
    found = ask(archive, page_size="1000")
    assert 600 < len(found) < 1000  # every planted ticket of the window
    for request in found:
        assert tuple(request) == open311.REQUEST_FIELDS
        assert request["status"] in ("open", "closed")
        assert isinstance(request["lat"], float) and isinstance(request["long"], float)
    assert all(tuple(s) == open311.SERVICE_FIELDS for s in open311.services())
    codes = {s["service_code"] for s in open311.services()}
    assert {r["service_code"] for r in found} <= codes
    assert {s["group"] for s in open311.services()} == set(open311.THEMES)


def test_one_request_in_detail(archive: DuckDBArchive) -> None:
    (request,) = [r for r in ask(archive, service_code="property", page_size="1000")
                  if r["service_request_id"] == "t-rec-a0"]
    assert request["status"] == "closed" and request["status_notes"] == "closed"
    assert request["service_name"] == "物业管理"
    assert str(request["requested_datetime"]).endswith("+08:00")
    lat, lon = convert(31.2150, 121.4100, "gcj02", "wgs84")  # WGS-84, not the GCJ-02 sent
    assert (request["lat"], request["long"]) == (round(lat, 6), round(lon, 6))
    assert request["address"] == "长宁区新华路街道番禺路***"


def test_filters_and_paging(archive: DuckDBArchive) -> None:
    everything = ask(archive, page_size="1000")
    page1, page2 = ask(archive, page_size="7"), ask(archive, page_size="7", page="2")
    assert page1 + page2 == everything[:14]
    requested = [r["requested_datetime"] for r in everything]
    assert requested == sorted(requested, reverse=True)  # newest first
    assert ask(archive, status="open") == []  # every planted ticket is closed
    assert {r["service_code"] for r in ask(archive, service_code="noise,elderly", page_size="1000")} == {
        "noise", "elderly"}
    narrow = ask(archive, start_date="2026-11-29T00:00:00+08:00", end_date="2026-11-30T00:00:00+08:00",
                 page_size="1000")
    assert narrow and all(str(r["requested_datetime"]).startswith("2026-11-29") for r in narrow)


@pytest.mark.parametrize(("params", "reason"), [
    ({"status": "pending"}, "status must be open or closed"),
    ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
    ({"start_date": "2026-01-01T00:00:00+08:00"}, "spans more than 90 days"),
    ({"page_size": "5000"}, "page_size must be a whole number from 1 to 1000"),
    ({"page": "-1"}, "page must be a whole number"),
    ({"end_date": "2026-09-01T00:00:00+08:00"}, "start_date must be before end_date"),
])
def test_bad_parameters_are_refused_with_the_reason(params: dict[str, str], reason: str) -> None:
    with pytest.raises(open311.Open311Error, match=reason):
        open311.RequestQuery.parse({**WINDOW, **params}, NOW)


def test_no_personal_value_in_any_reply(archive: DuckDBArchive) -> None:
    text = orjson.dumps(ask(archive, page_size="1000")).decode()
    for value in ("王丽华", "13912345678", "caller", "番禺路100号", "法华镇路 300 号"):
        assert value not in text

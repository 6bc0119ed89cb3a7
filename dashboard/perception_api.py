"""The instance's perception and Open311 endpoints, read from the history archive.

Where perception is computed: in the instance, in the archiver's own thread with its open
archive (:meth:`dashboard.archiver.Archiver.read`).  A DuckDB file has one writer process
and refuses every other connection while it is open read-write (a ``read_only=True``
connect from another process fails with a lock conflict: checked with duckdb 2.0), so the
console worker process cannot read it; the instance that archives can.  With PostgreSQL
the same path is taken (the lease holder reads); an instance that does not hold the lease
answers 503 with the reason, as does one without an archive.

Results are cached per scope (the district, or one street for its officers) and
recomputed when a request finds them older than ``perception_refresh_s`` (60 s): tickets
arrive by the minute, the analyses look at weeks, so a minute's staleness costs nothing
and bounds the load to one computation a minute per scope.  Every table says when it was
computed (``computed``) besides what it counts and over which days.

Routes (the guard's table, dashboard/access.py):

* ``GET /api/perception.json`` (``console``: officers and admins; a street officer gets
  their street's tickets only): every table;
* ``GET /api/perception/summary.json`` (``wall``): the wall's line, aggregates only;
* ``GET /api/perception/hotspots.geojson`` (``console``): this week's hot H3 cells as
  polygons, the console map's hotspots layer;
* ``GET /api/perception/<table>.csv`` and ``.xlsx``: one table as a file, audited
  (``perception.export``) like the console's CSV export; cells that a spreadsheet would
  read as a formula are quoted;
* ``GET /open311/v2/services.json`` and ``/open311/v2/requests.json`` (dashboard/open311.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from typing import TYPE_CHECKING, Any

import h3
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from openpyxl import Workbook

from dashboard import archive_reads, clock, i18n, open311
from dashboard.archive_reads import Unavailable
from dashboard.guard import client_ip, require
from dashboard.history import Archive
from dashboard.perception import Rules, Table, perceive, summary

if TYPE_CHECKING:
    from dashboard.archiver import Archiver
    from dashboard.projection import Projection
    from dashboard.runtime import Runtime

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PerceptionCache:
    """The perception tables per scope, recomputed at most every ``refresh_s``."""

    def __init__(self, archiver: Archiver | None, rules: Rules, refresh_s: float) -> None:
        self.archiver = archiver
        self.rules = rules
        self.refresh_s = refresh_s
        self._cached: dict[str | None, tuple[float, int, dict[str, Table]]] = {}
        self._locks: dict[str | None, asyncio.Lock] = {}

    async def read(self, fn: Any) -> Any:
        return await archive_reads.read(self.archiver, fn)

    async def tables(self, scope: str | None) -> tuple[int, dict[str, Table]]:
        """(when computed, epoch ms; the tables) for ``scope``."""
        lock = self._locks.setdefault(scope, asyncio.Lock())
        async with lock:
            cached = self._cached.get(scope)
            if cached is None or time.monotonic() - cached[0] > self.refresh_s:
                day = clock.beijing_day(clock.now_ms())
                found = await self.read(lambda archive: perceive(archive, day, self.rules, scope))
                cached = self._cached[scope] = (time.monotonic(), clock.now_ms(), found)
            return cached[1], cached[2]


def description(name: str, rules: Rules, lang: str) -> str:
    """What table ``name`` counts and its thresholds, in ``lang`` (dashboard/i18n.py
    ``perception.desc.*``, filled from the instance's rules); ``counts`` stays the machine's
    English sentence."""
    once = f"{1 / rules.p_max:,.0f}"
    values: dict[str, Any] = {
        "radius": f"{rules.radius_m:g}", "similarity": f"{rules.text_similarity:g}",
        "min": rules.recurring_min,
        "days": rules.recurring_days if name == "recurring" else rules.hard_days,
        "d1": rules.deadline_days[0], "d2": rules.deadline_days[1], "d3": rules.deadline_days[2],
        "weeks": rules.weeks + 1 if name.startswith("unsatisfied") else rules.weeks,
        "hot": rules.hot_min, "rise": rules.rise_min, "ratio": f"{rules.rise_ratio:g}", "once": once}
    return i18n.t(f"perception.desc.{name}", lang, **values)


def table_json(table: Table, computed_ms: int, rules: Rules | None = None) -> dict[str, Any]:
    """One table for /api/perception.json: its machine fields (codes, as stored) and, for
    the page, ``description`` in both languages."""
    rules = rules or Rules()
    return {"name": table.name, "counts": table.counts,
            "description": {lang: description(table.name, rules, lang) for lang in ("zh", "en")},
            "first_day": table.first_day,
            "last_day": table.last_day, "computed": clock.beijing(computed_ms).isoformat(timespec="seconds"),
            "columns": list(table.columns), "rows": [list(row) for row in table.rows]}


def hotspots_geojson(table: Table, projection: Projection) -> dict[str, Any]:
    """The hotspots table as a GeoJSON FeatureCollection for the console's map: each hot
    H3 cell its polygon (h3.cell_to_boundary, from the archive's GCJ-02 into the map's CRS)
    with the table's row as properties and ``tip``, the tooltip in both languages (this
    week's tickets against the usual, the top category)."""
    features = []
    for row in table.records():
        ring = [list(projection.point(lat, lon))[::-1] for lat, lon in h3.cell_to_boundary(str(row["cell"]))]
        tip = {lang: " · ".join(filter(None, (
            "、".join(i18n.unit_label(s, lang) for s in str(row["streets"] or "").split("、") if s),
            i18n.t("map.hotspot.tip", lang, now=row["tickets"], usual=row["usual"], z=row["z"],
                   category=row["top_category"])))) for lang in ("zh", "en")}
        polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        features.append({"type": "Feature", "geometry": polygon,
                         "properties": {**row, "tip": tip}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"first_day": table.first_day, "last_day": table.last_day}}


def spreadsheet_cell(value: Any) -> Any:
    """A cell a spreadsheet will not read as a formula (text starting = + - @ quoted)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"# {table.counts}; {table.period}"])
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([spreadsheet_cell("" if v is None else str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def as_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.name[:31]
    sheet.append([f"{table.counts}; {table.period}"])
    sheet.append(list(table.columns))
    for row in table.rows:
        sheet.append([spreadsheet_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register(server: FastAPI, runtime: Runtime) -> PerceptionCache:
    settings = runtime.settings
    rules = Rules.with_deadlines(runtime.deadlines, recurring_days=settings.perception_recurring_days,
                                 radius_m=settings.perception_radius_m,
                                 text_similarity=settings.perception_text_similarity)
    cache = PerceptionCache(runtime.archiver, rules, settings.perception_refresh_s)

    def unavailable(exc: Unavailable) -> Response:
        return Response(orjson.dumps({"error": str(exc)}), status_code=503, media_type=JSON)

    @server.get("/api/perception.json")
    async def perception_json() -> Response:
        principal = require("console")
        try:
            computed, tables = await cache.tables(principal.scope)
        except Unavailable as exc:
            return unavailable(exc)
        body = {"scope": principal.scope, "tables": [table_json(t, computed, rules) for t in tables.values()]}
        return Response(orjson.dumps(body), media_type=JSON, headers={"Cache-Control": "private, no-cache"})

    @server.get("/api/perception/summary.json")
    async def perception_summary() -> Response:
        """The wall's line (aggregates only: the ``wall`` permission, visitors included).
        Without a readable archive it answers 200 with ``available: false`` and the reason:
        a kiosk must not log an error each time it asks an instance that does not hold the
        archiver's lease (yet: just after start), and it asks again soon."""
        principal = require("wall")
        try:
            computed, tables = await cache.tables(principal.scope)
        except Unavailable as exc:
            return Response(orjson.dumps({"available": False, "error": str(exc)}), media_type=JSON,
                            headers={"Cache-Control": "no-store"})
        body = {**summary(tables), "available": True,
                "computed": clock.beijing(computed).isoformat(timespec="seconds")}
        return Response(orjson.dumps(body), media_type=JSON, headers={"Cache-Control": "private, no-cache"})

    @server.get("/api/perception/hotspots.geojson")
    async def perception_hotspots() -> Response:
        """This week's hotspots as polygons for the console's map (``console``, as the page)."""
        principal = require("console")
        try:
            computed, tables = await cache.tables(principal.scope)
        except Unavailable as exc:
            return unavailable(exc)
        body = hotspots_geojson(tables["hotspots"], runtime.hub.views.projection)
        body["properties"]["computed"] = clock.beijing(computed).isoformat(timespec="seconds")
        return Response(orjson.dumps(body), media_type=JSON, headers={"Cache-Control": "private, no-cache"})

    @server.get("/api/perception/{name}.{kind}")
    async def perception_file(name: str, kind: str) -> Response:
        principal = require("console")
        if kind not in ("csv", "xlsx"):
            return Response("csv or xlsx\n", status_code=404, media_type="text/plain")
        try:
            computed, tables = await cache.tables(principal.scope)
        except Unavailable as exc:
            return unavailable(exc)
        table = tables.get(name)
        if table is None:
            return Response(f"no table {name!r} (known: {', '.join(tables)})\n", status_code=404,
                            media_type="text/plain")
        await runtime.auditor.record("perception.export", principal.name, principal.role, ip=client_ip(),
                                     target=name, detail=f"{kind} rows={len(table.rows)} {table.period}")
        body, media = (as_csv(table), "text/csv; charset=utf-8") if kind == "csv" else (as_xlsx(table), XLSX)
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'})

    @server.get("/open311/v2/services.json")
    async def open311_services() -> Response:
        return Response(orjson.dumps(open311.services()), media_type=JSON)

    @server.get("/open311/v2/requests.json")
    async def open311_requests(request: Request) -> Response:
        try:
            query = open311.RequestQuery.parse(dict(request.query_params), clock.now_ms())
        except open311.Open311Error as exc:
            return Response(orjson.dumps(open311.error(str(exc))), status_code=400, media_type=JSON)

        def page(archive: Archive) -> list[dict[str, Any]]:
            return open311.requests(archive, query, rules)

        try:
            found = await cache.read(page)
        except Unavailable as exc:
            return Response(orjson.dumps(open311.error(str(exc), 503)), status_code=503, media_type=JSON)
        return Response(orjson.dumps(found), media_type=JSON)

    return cache

"""Data endpoints of the screens: map geometry, the video point set, the wall's config.

The point set is served by URL (cached until a camera is registered or moved) so that a
status change never resends it: statuses travel through /live into the layer's hideout.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import orjson
from fastapi import FastAPI, Query
from fastapi.responses import Response

from dashboard import audit, camera, clock, geo, levels
from dashboard.catalogue import public_catalogue
from dashboard.classify import project
from dashboard.guard import client_ip, require
from dashboard.i18n import LANGS, client_strings
from dashboard.units import UNITS

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

GEOJSON = "application/geo+json"


def register(server: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    projection = runtime.hub.views.projection
    district = orjson.dumps(projection.geojson(geo.load_district()))
    streets = orjson.dumps(projection.geojson(geo.load_streets(settings.streets_geojson)))
    video_cache: dict[str | None, tuple[int, bytes]] = {}  # scope → (geo version, body)

    @server.get("/api/geo/district.geojson")
    async def district_geojson() -> Response:
        return Response(district, media_type=GEOJSON, headers={"Cache-Control": "max-age=3600"})

    @server.get("/api/geo/streets.geojson")
    async def streets_geojson() -> Response:
        return Response(streets, media_type=GEOJSON, headers={"Cache-Control": "max-age=3600"})

    @server.get("/api/video.geojson")
    async def video_geojson() -> Response:
        """The point set of the caller's scope (an officer of one street: that street's)."""
        scope = require("records").scope
        views = runtime.hub.views
        cached = video_cache.get(scope)
        if cached is None or cached[0] != views.geo_version:
            cached = video_cache[scope] = (views.geo_version, orjson.dumps(views.video_geojson(scope)))
        return Response(cached[1], media_type=GEOJSON, headers={"Cache-Control": "private, no-cache"})

    @server.get("/api/wall-config")
    async def wall_config(lang: str = Query("zh")) -> Response:
        lang = lang if lang in LANGS else "zh"
        body = {
            "lang": lang,
            "strings": client_strings(lang),
            "catalogue": public_catalogue(runtime.catalogue),
            "map": {"bounds": projection.bounds(*geo.district_bounds()), "crs": projection.map_crs,
                    "indicator": settings.map_indicator},
            "attention": {"fly_s": settings.attention_fly_s, "sound": settings.attention_sound,
                          "flood_alarms": settings.flood_alarms,
                          "flood_window_s": settings.flood_window_s},
            "video_stale_s": settings.video_stale_s,
            "camera": {"statuses": list(camera.CAMERA_STATUSES), "worst_first": list(camera.WORST_FIRST),
                       "colours": camera.COLOURS},
            "levels": {"colours": levels.colours()},
            "units": [code for code, _, _ in UNITS],
            # what the screens call each listed feeding system (a silent one is named)
            "sources": {name: source.name_en if lang == "en" else source.name_zh
                        for name, source in runtime.sources.listed.items()},
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @server.get("/api/admin/audit.csv")
    async def audit_csv(who: str = "", action: str = "", target: str = "", since: str = "") -> Response:
        """The audit trail as CSV with the admin page's filters (the export is audited too)."""
        principal = require("admin")  # the guard checked the route already; belt and braces
        entries = await audit.query(runtime.bus.redis, settings.keys.audit, count=100_000, who=who,
                                    action=action, target=target,
                                    since_ms=clock.since(since, clock.now_ms()))
        await runtime.auditor.record("audit.export", principal.name, principal.role, ip=client_ip(),
                                     detail_key="audit.d.export",
                                     detail_values={"n": len(entries), "who": who, "action": action,
                                                    "target": target, "since": since})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", *audit.FIELDS])
        for e in entries:
            shown = project("audit", e, ("id", *audit.FIELDS))  # what officers wrote, scanned
            # a cell starting with = + - @ would be a formula in a spreadsheet: quote it
            writer.writerow([spreadsheet_cell(str(shown[name] or "")) for name in ("id", *audit.FIELDS)])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


def spreadsheet_cell(value: str) -> str:
    """A CSV cell a spreadsheet will not read as a formula (= + - @ quoted)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

"""Data endpoints of the screens: map geometry, the video point set, the wall's config.

The point set is served by URL (cached until a camera is registered or moved) so that a
status change never resends it: statuses travel through /live into the layer's hideout.
"""

from __future__ import annotations

import csv
import io
import time
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Query
from fastapi.responses import Response

from dashboard import audit, geo
from dashboard.catalogue import public_catalogue
from dashboard.guard import client_ip, require
from dashboard.i18n import LANGS, client_strings
from dashboard.units import UNITS

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

GEOJSON = "application/geo+json"


def _transform(collection: dict[str, Any], src: str, dst: str) -> dict[str, Any]:
    """A copy of a (Multi)Polygon FeatureCollection with coordinates converted."""
    if src == dst:
        return collection

    def ring(points: list[list[float]]) -> list[list[float]]:
        return [list(reversed(geo.convert(lat, lon, src, dst))) for lon, lat, *_ in points]

    features = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            coordinates: Any = [ring(r) for r in geometry["coordinates"]]
        else:
            coordinates = [[ring(r) for r in polygon] for polygon in geometry["coordinates"]]
        features.append({**feature, "geometry": {"type": geometry["type"],
                                                 "coordinates": coordinates}})
    return {**collection, "features": features}


def register(server: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    map_crs = settings.tile_crs if settings.tile_url else "gcj02"
    district = orjson.dumps(_transform(geo.load_district(), "gcj02", map_crs))
    streets = orjson.dumps(_transform(geo.load_streets(settings.streets_geojson), "gcj02", map_crs))
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
        south, west, north, east = geo.district_bounds()
        if map_crs != "gcj02":
            south, west = geo.convert(south, west, "gcj02", map_crs)
            north, east = geo.convert(north, east, "gcj02", map_crs)
        body = {
            "lang": lang,
            "strings": client_strings(lang),
            "catalogue": public_catalogue(runtime.catalogue),
            "map": {"bounds": [[south, west], [north, east]], "crs": map_crs,
                    "indicator": settings.map_indicator},
            "attention": {"fly_s": settings.attention_fly_s, "sound": settings.attention_sound,
                          "flood_alarms": settings.flood_alarms,
                          "flood_window_s": settings.flood_window_s},
            "video_stale_s": settings.video_stale_s,
            "units": [code for code, _, _ in UNITS],
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @server.get("/api/admin/audit.csv")
    async def audit_csv(who: str = "", action: str = "", target: str = "", since: str = "") -> Response:
        """The audit trail as CSV with the admin page's filters (the export is audited too)."""
        principal = require("admin")  # the guard checked the route already; belt and braces
        since_ms = {"1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000}.get(since)
        entries = await audit.query(runtime.bus.redis, settings.keys.audit, count=100_000, who=who,
                                    action=action, target=target,
                                    since_ms=int(time.time() * 1000) - since_ms if since_ms else None)
        await runtime.auditor.record("audit.export", principal.name, principal.role, ip=client_ip(),
                                     detail=f"{len(entries)} entries; who={who} action={action} "
                                            f"target={target} since={since}")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", *audit.FIELDS])
        for e in entries:
            # a cell starting with = + - @ would be a formula in a spreadsheet: quote it
            writer.writerow([_cell(e.get(name, "")) for name in ("id", *audit.FIELDS)])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

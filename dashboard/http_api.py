"""Data endpoints of the screens: map geometry, the video point set, the wall's config.

The point set is served by URL (cached until a camera is registered or moved) so that a
status change never resends it: statuses travel through /live into the layer's hideout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Query
from fastapi.responses import Response

from dashboard import geo
from dashboard.catalogue import public_catalogue
from dashboard.i18n import LANGS, client_strings

if TYPE_CHECKING:
    from dashboard.app import Runtime

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
    video_cache: dict[str, Any] = {"version": -1, "body": b""}

    @server.get("/api/geo/district.geojson")
    async def district_geojson() -> Response:
        return Response(district, media_type=GEOJSON, headers={"Cache-Control": "max-age=3600"})

    @server.get("/api/geo/streets.geojson")
    async def streets_geojson() -> Response:
        return Response(streets, media_type=GEOJSON, headers={"Cache-Control": "max-age=3600"})

    @server.get("/api/video.geojson")
    async def video_geojson() -> Response:
        views = runtime.hub.views
        if video_cache["version"] != views.geo_version:
            video_cache["body"] = orjson.dumps(views.video_geojson())
            video_cache["version"] = views.geo_version
        return Response(video_cache["body"], media_type=GEOJSON,
                        headers={"Cache-Control": "no-cache"})

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
        }
        return Response(orjson.dumps(body), media_type="application/json")

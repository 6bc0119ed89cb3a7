"""The one map (一张图): offline vector base, street areas, clustered video points,
incidents and sensors.  Styling is done by the functions in assets/map.js, fed through
each layer's ``hideout``; the video point set comes by URL and is never resent."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import html

from layouts import ids
from layouts.components import legend_item


def fn(name: str) -> dict[str, str]:
    """A reference to a function of assets/map.js, as dash-leaflet resolves it."""
    return {"variable": f"cnMap.{name}"}


def one_map(strings: dict[str, str], bounds: list[list[float]], tile_url: str | None,
            interactive: bool = False) -> html.Div:
    """The map with its legend.  ``interactive`` False suits the kiosk wall (no controls)."""
    base: list[Any] = []
    if tile_url:
        base.append(dl.TileLayer(url=tile_url, maxZoom=19))
    layers = [
        *base,
        dl.GeoJSON(id=ids.MAP_STREETS, url="/api/geo/streets.geojson",
                   style=fn("streetStyle"), onEachFeature=fn("streetLabel"),
                   hideout={"levels": {}, "labels": {}}, interactive=interactive),
        dl.GeoJSON(id=ids.MAP_DISTRICT, url="/api/geo/district.geojson",
                   style=fn("districtStyle"), interactive=False),
        dl.GeoJSON(id=ids.MAP_VIDEO, url="/api/video.geojson?v=0", cluster=True,
                   pointToLayer=fn("videoPoint"), clusterToLayer=fn("videoCluster"),
                   style=fn("videoStyle"), zoomToBoundsOnClick=True,
                   superClusterOptions={"radius": 72, "maxZoom": 17},
                   hideout={"status": {}, "stale": {}}),
        dl.GeoJSON(id=ids.MAP_SENSORS, data={"type": "FeatureCollection", "features": []},
                   pointToLayer=fn("sensorPoint"), style=fn("videoStyle"), hideout={}),
        dl.GeoJSON(id=ids.MAP_INCIDENTS, data={"type": "FeatureCollection", "features": []},
                   pointToLayer=fn("incidentPoint"), style=fn("videoStyle"), hideout={}),
    ]
    legend = html.Div(
        [
            legend_item("online", strings["status.online"]),
            legend_item("offline", strings["status.offline"]),
            legend_item("fault", strings["status.fault"]),
            legend_item("stale", strings["status.stale"], strings["status.stale.help"]),
        ],
        className="map-legend",
    )
    note = html.Div(
        [html.Div("", id=ids.MAP_INDICATOR_NOTE), html.Div(strings["approximate"])],
        className="map-note",
    )
    return html.Div(
        [
            dl.MapContainer(
                layers, id=ids.MAP, bounds=bounds, zoomSnap=0.25, zoomControl=interactive,
                attributionControl=False, scrollWheelZoom=True, className="one-map",
                trackViewport=False,  # its viewport tracking needs a center prop; we fit bounds
                preferCanvas=True,
            ),
            legend,
            note,
        ],
        className="map-frame",
    )

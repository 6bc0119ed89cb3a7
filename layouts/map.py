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


LAYERS = ("streets", "video", "incidents", "sensors")


def one_map(strings: dict[str, str], bounds: list[list[float]], tile_url: str | None,
            interactive: bool = False, layers: frozenset[str] = frozenset(LAYERS),
            incidents_id: str = ids.MAP_INCIDENTS, streets_id: str = ids.MAP_STREETS,
            records: bool = True) -> html.Div:
    """The map with its legend.  ``layers`` are the overlays switched on at start (a kiosk
    chooses them by URL); a layers control switches them by hand.  Without ``records``
    (visitors) the point layers stay empty: the camera point set is not theirs to load."""
    empty = {"type": "FeatureCollection", "features": []}
    video_source = {"url": "/api/video.geojson?v=0"} if records else {"data": empty}
    base: list[Any] = []
    if tile_url:
        base.append(dl.TileLayer(url=tile_url, maxZoom=19))

    def overlay(name: str, label: str, layer: Any) -> dl.Overlay:
        return dl.Overlay(layer, name=label, checked=name in layers)

    overlays = [
        overlay("streets", strings["map.streets"], dl.GeoJSON(
            id=streets_id, url="/api/geo/streets.geojson", style=fn("streetStyle"),
            onEachFeature=fn("streetLabel"), hideout={"levels": {}}, interactive=interactive)),
        overlay("video", strings["map.video"], dl.GeoJSON(
            id=ids.MAP_VIDEO, **video_source, cluster=True,
            pointToLayer=fn("videoPoint"), clusterToLayer=fn("videoCluster"), style=fn("videoStyle"),
            zoomToBoundsOnClick=True, superClusterOptions={"radius": 72, "maxZoom": 17},
            hideout={"status": {}, "stale": {}})),
        overlay("sensors", strings["map.sensors"], dl.GeoJSON(
            id=ids.MAP_SENSORS, data={"type": "FeatureCollection", "features": []},
            pointToLayer=fn("sensorPoint"), style=fn("videoStyle"), hideout={})),
        overlay("incidents", strings["map.incidents"], dl.GeoJSON(
            id=incidents_id, data={"type": "FeatureCollection", "features": []},
            pointToLayer=fn("incidentPoint"), style=fn("videoStyle"), hideout={})
            if incidents_id == ids.MAP_INCIDENTS
            # the console's filtered set is small and server-rendered: plain markers, because
            # dash-leaflet 1.1.3's GeoJSON loops when a callback replaces its data as it loads
            else dl.LayerGroup(id=incidents_id)),
    ]
    layers_control = dl.LayersControl(
        [*overlays, dl.GeoJSON(id=ids.MAP_DISTRICT, url="/api/geo/district.geojson",
                               style=fn("districtStyle"), interactive=False)],
        collapsed=True, position="topright",
    )
    map_layers = [*base, layers_control]
    legend = html.Div(
        [
            legend_item("online", strings["status.online"]),
            legend_item("offline", strings["status.offline"]),
            legend_item("fault", strings["status.fault"]),
            legend_item("stale", strings["status.stale"], strings["status.stale.help"]),
        ],
        className="map-legend",
        style=None if records else {"display": "none"},
    )
    note = html.Div(
        [html.Div("", id=ids.MAP_INDICATOR_NOTE), html.Div(strings["approximate"])],
        className="map-note",
    )
    return html.Div(
        [
            dl.MapContainer(
                map_layers, id=ids.MAP, bounds=bounds, zoomSnap=0.25, zoomControl=interactive,
                attributionControl=False, scrollWheelZoom=True, className="one-map",
                trackViewport=False,  # its viewport tracking needs a center prop; we fit bounds
                preferCanvas=True,
            ),
            legend,
            note,
        ],
        className="map-frame",
    )

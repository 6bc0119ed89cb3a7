"""The one map (一张图): offline vector base, street areas, clustered video points,
incidents and sensors, and the legend that explains every symbol and colour on it.

Styling and label placement are done by assets/map.js: street areas take their level
from ``cnMap.setStreetLevels`` (fed by assets/wall.js from the server's levels), the
video points from the layer's ``hideout``; the video point set comes by URL and is never
resent.

The wall is mouse-less: no layers control, no zoom buttons; the layers it shows are
chosen by the kiosk's URL (``?layers=``) or the ``map_layers`` setting and only those are
in the page.  The console is interactive: zoom buttons and a layers control.
"""

from __future__ import annotations

import math
from typing import Any, get_args

import dash_leaflet as dl
from dash import html

from dashboard.camera import WORST_FIRST
from dashboard.catalogue import Level as IndicatorLevel
from dashboard.levels import LEVEL_VALUES
from dashboard.units import UNITS
from dashboard.walls import MAP_LAYERS
from layouts import ids


def fn(name: str) -> dict[str, str]:
    """A reference to a function of assets/map.js, as dash-leaflet resolves it."""
    return {"variable": f"cnMap.{name}"}


LAYERS = MAP_LAYERS
#: The street shading's classes: the catalogue's levels (dashboard/catalogue.py) and "none"
#: for a street without a value of the indicator.
SHADES: tuple[str, ...] = (*get_args(IndicatorLevel), "none")
EMPTY = {"type": "FeatureCollection", "features": []}
#: The console's hotspot cells by how far this week is above the cell's usual: z below the
#: first, at least the first, at least the second (assets/map.js reads them from the layer's
#: hideout; the colours are assets/wall.css's ``.hot-<tier>``, for the cells and the legend).
HOTSPOT_Z: tuple[float, float] = (5.0, 8.0)
#: A sensor is drawn in its alarm's level colour for this long after the alarm (assets/map.js
#: reads it from the map frame's ``data-sensor-window-min``).
SENSOR_WINDOW_MIN = 30


def one_map(strings: dict[str, str], bounds: list[list[float]], tile_url: str | None,
            interactive: bool = False, layers: frozenset[str] = frozenset(LAYERS),
            incidents_id: str = ids.MAP_INCIDENTS, streets_id: str = ids.MAP_STREETS,
            records: bool = True) -> html.Div:
    """The map above its legend.  ``layers`` are the overlays shown (on the console, the
    ones switched on at start: its layers control switches them by hand).  Without
    ``records`` (visitors) the point layers stay empty: the camera point set is not theirs
    to load."""
    shown = [name for name in LAYERS if name in layers]
    overlays = _overlays(strings, interactive, incidents_id, streets_id, records)
    district = dl.GeoJSON(id=ids.MAP_DISTRICT, url="/api/geo/district.geojson",
                          style=fn("districtStyle"), interactive=False)
    base: list[Any] = [dl.TileLayer(url=tile_url, maxZoom=19)] if tile_url else []
    if interactive:
        # the console also has this week's 12345 hotspots (perception's H3 cells), off at
        # start, fed by the browser from /api/perception/hotspots.geojson (assets/perception_map.js)
        hotspots = dl.GeoJSON(id=ids.MAP_HOTSPOTS, data=EMPTY, style=fn("hotspotStyle"),
                              onEachFeature=fn("hotspotFeature"), hideout={"z": list(HOTSPOT_Z)})
        control = dl.LayersControl(
            [*(dl.Overlay(layer, name=strings[f"map.{name}"], checked=name in layers)
               for name, layer in overlays.items()),
             dl.Overlay(hotspots, name=strings["map.hotspots"], checked=False)],
            collapsed=True, position="topright")
        children = [*base, district, control]
    else:
        children = [*base, district, *(overlays[name] for name in shown)]
    container = dl.MapContainer(
        children, id=ids.MAP, bounds=bounds, boundsOptions={"padding": [6, 6]},
        zoomSnap=0, zoomDelta=0.5, zoomControl=interactive, attributionControl=False,
        scrollWheelZoom=interactive, dragging=interactive, doubleClickZoom=interactive,
        keyboard=interactive, boxZoom=interactive, touchZoom=interactive, className="one-map",
        trackViewport=False,  # its viewport tracking needs a center prop; we fit bounds
        preferCanvas=True,  # points on canvas; street areas are SVG (assets/map.js)
    )
    key = legend(strings, frozenset(shown) if not interactive else frozenset(LAYERS), records,
                 console=interactive)
    area: list[Any] = [container]
    if interactive:  # the console's map is small: its legend folds over it, opened by hand
        area.append(html.Details([html.Summary(strings["map.legend.title"]), key],
                                 className="map-legend-fold"))
    return html.Div(
        [
            html.Div(area, className="map-area", style={"--district-aspect": f"{aspect(bounds):.4f}"}),
            *([] if interactive else [key]),
        ],
        className="map-frame" + (" is-interactive" if interactive else ""),
        **{"data-layers": ",".join(shown if not interactive else LAYERS),  # type: ignore[arg-type]
           "data-sensor-window-min": str(SENSOR_WINDOW_MIN)},
    )


def street_labels(name: str) -> list[str]:
    """A street's map label and the shorter one that assets/map.js tries where the full
    one does not fit ("仙霞新村街道" → "仙霞新村", "Xianxia Xincun" → "Xianxia")."""
    short = name.removesuffix("街道").split(" ")[0]
    return [name, short] if short and short != name else [name]


def aspect(bounds: list[list[float]]) -> float:
    """Width over height of ``bounds`` on the (Web Mercator) map: the map area takes this
    shape so that the fitted district fills it."""
    (south, west), (north, east) = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    return math.radians(east - west) / max(y(north) - y(south), 1e-9)


def _overlays(strings: dict[str, str], interactive: bool, incidents_id: str, streets_id: str,
              records: bool) -> dict[str, Any]:
    video_source = {"url": "/api/video.geojson?v=0"} if records else {"data": EMPTY}
    return {
        "streets": dl.GeoJSON(
            id=streets_id, url="/api/geo/streets.geojson", style=fn("streetStyle"),
            onEachFeature=fn("streetFeature"), interactive=interactive,
            hideout={"labels": {code: street_labels(strings[f"unit.{code}"]) for code, _, _ in UNITS}}),
        "video": dl.GeoJSON(
            id=ids.MAP_VIDEO, **video_source, cluster=True,
            pointToLayer=fn("videoPoint"), clusterToLayer=fn("videoCluster"), style=fn("videoStyle"),
            zoomToBoundsOnClick=interactive, spiderfyOnMaxZoom=False,
            superClusterOptions={"radius": 110, "maxZoom": 17},
            hideout={"status": {}, "stale": {}}),
        "sensors": dl.GeoJSON(
            id=ids.MAP_SENSORS, data=EMPTY, pointToLayer=fn("sensorPoint"), style=fn("videoStyle"),
            hideout={}),
        "incidents": dl.GeoJSON(
            id=incidents_id, data=EMPTY, pointToLayer=fn("incidentPoint"), style=fn("videoStyle"),
            hideout={})
        if incidents_id == ids.MAP_INCIDENTS
        # the console's filtered set is small and server-rendered: plain markers, because
        # dash-leaflet 1.1.3's GeoJSON loops when a callback replaces its data as it loads
        else dl.LayerGroup(id=incidents_id),
    }


# ---------------------------------------------------------------- the legend


def _entry(key: str, swatch: Any, label: str, *extra: Any, title: str | None = None) -> html.Div:
    """One legend line; ``data-legend`` names the symbol class it explains (the e2e test
    checks that every class drawn on the map has one)."""
    return html.Div([swatch, html.Span(label, className="legend-label"), *extra],
                    className="legend-entry", title=title or label,
                    **{"data-legend": key})  # type: ignore[arg-type]


def _section(name: str, title: Any, entries: list[Any], note: Any = None) -> html.Section:
    body = [html.Div(title, className="legend-title"), html.Div(entries, className="legend-entries")]
    if note is not None:
        body.append(html.Div(note, className="legend-note"))
    return html.Section(body, className=f"legend-section legend-{name}")


def _cluster_sample(total: str, bad: str | None) -> html.Span:
    core = [html.B(total)] + ([html.I(bad)] if bad else [])
    status = "status-offline" if bad else "status-online"
    return html.Span(html.Span(core, className="cluster-core"),
                     className=f"legend-swatch legend-cluster {status}")


def legend(strings: dict[str, str], layers: frozenset[str], records: bool = True,
           console: bool = False) -> html.Div:
    """The legend of the layers shown: street shading with its scale (the thresholds are
    filled in by assets/map.js from the catalogue of the indicator in use), camera
    statuses with their counts and what a cluster badge says, incident levels, sensors."""
    sections: list[Any] = []
    if records and "video" in layers:
        statuses = [
            _entry(f"status-{status}", html.Span(className=f"legend-dot status-{status}"),
                   strings[f"status.{status}"],
                   html.Span("—", id=ids.map_legend_count(status), className="legend-count"),
                   title=strings["status.stale.help"] if status == "stale" else None)
            for status in reversed(WORST_FIRST)  # online first, as the wall lists them
        ]
        clusters = [
            _entry("cluster-count", _cluster_sample("40", None), strings["map.legend.cluster"]),
            _entry("cluster-bad", _cluster_sample("40", "3"), strings["map.legend.cluster_bad"]),
        ]
        sections.append(_section("video", strings["map.legend.video"], statuses + clusters))
    if records and "incidents" in layers:
        diamonds = [
            _entry(f"sev-{level}",
                   html.Span(html.Div(), className=f"legend-swatch legend-incident sev-{level}"),
                   strings[f"severity.{level}"])
            for level in LEVEL_VALUES
        ]
        # the console also pulses overdue cases (dashboard/console_map.py)
        sections.append(_section("incidents", strings["map.legend.incidents"], diamonds,
                                 strings["map.legend.pulse_overdue" if console else "map.legend.pulse"]))
    if "streets" in layers:
        shades = [
            _entry(f"level-{shade}", html.Span(className=f"legend-swatch street-swatch level-{shade}"),
                   strings["map.legend.no_data" if shade == "none" else shade],
                   html.Span("", id=ids.map_scale(shade), className="legend-range"))
            for shade in SHADES
        ]
        title = html.Span(strings["map.legend.streets"], id=ids.MAP_INDICATOR_NOTE)
        sections.append(_section("streets", title, shades, strings["approximate"]))
    if records and "sensors" in layers:
        sensors = [
            _entry("sensor-normal", html.Span(className="legend-swatch sensor-swatch"),
                   strings["map.legend.sensor"]),
            _entry("sensor-alarm", html.Span(className="legend-swatch sensor-swatch is-alarm"),
                   strings["map.legend.sensor_alarm"].replace("{m}", str(SENSOR_WINDOW_MIN))),
        ]
        section = _section("sensors", strings["map.legend.sensors"], sensors)
        if not console:  # the wall says when every sensor source is silent (assets/wall.js)
            section.children.append(html.Span("", id=ids.source_silent("sensor"), className="source-silent",
                                              hidden=True))
        sections.append(section)
    if console:  # the console's hotspots layer (off at start, in the layers control)
        low, high = (f"{z:g}" for z in HOTSPOT_Z)
        tiers = [
            _entry(f"hot-{tier}", html.Span(className=f"legend-swatch hot-swatch hot-{tier}"),
                   strings[f"map.legend.hot_{tier}"].replace("{low}", low).replace("{high}", high))
            for tier in range(3)
        ]
        sections.append(_section("hotspots", strings["map.hotspots"], tiers, strings["map.legend.hot_note"]))
    return html.Div(sections, className="map-legend")

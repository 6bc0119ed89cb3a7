"""The map's builder (layouts/map.py): the wall's map has no controls and only its layers,
the legend has an entry for every symbol of the layers shown, the map area takes the
district's shape; the wall's layers come from its URL or the ``map_layers`` setting."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
import pytest
from dash import html

from dashboard import geo
from dashboard.auth import Principal
from dashboard.camera import CAMERA_STATUSES
from dashboard.i18n import client_strings
from dashboard.levels import LEVEL_VALUES
from dashboard.projection import Projection
from layouts import ids, pages
from layouts.map import LAYERS, SHADES, aspect, one_map, street_labels

BOUNDS = Projection("gcj02").bounds(*geo.district_bounds())


def walk(component: Any) -> list[Any]:
    """``component`` and everything under it."""
    out = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        out += walk(child)
    return out


def legend_keys(tree: Any) -> set[str]:
    return {str(getattr(c, "data-legend", "")) for c in walk(tree)} - {""}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_wall_map_has_no_controls_and_a_legend_entry_for_every_symbol(lang: str) -> None:
    tree = one_map(client_strings(lang), BOUNDS, None)
    components = walk(tree)
    assert not any(isinstance(c, dl.LayersControl | dl.Overlay) for c in components)
    container = next(c for c in components if isinstance(c, dl.MapContainer))
    assert container.zoomControl is False and container.dragging is False
    assert {getattr(c, "id", None) for c in components} >= {ids.MAP_STREETS, ids.MAP_VIDEO, ids.MAP_INCIDENTS,
                                                            ids.MAP_SENSORS, ids.MAP_DISTRICT}
    keys = legend_keys(tree)
    assert keys == ({f"status-{s}" for s in CAMERA_STATUSES} | {"cluster-count", "cluster-bad"}
                    | {f"sev-{level}" for level in LEVEL_VALUES} | {f"level-{s}" for s in SHADES}
                    | {"sensor-normal", "sensor-alarm"})


def test_only_the_layers_asked_for_are_drawn_and_explained() -> None:
    tree = one_map(client_strings("zh"), BOUNDS, None, layers=frozenset({"streets", "incidents"}))
    present = {getattr(c, "id", None) for c in walk(tree)}
    assert ids.MAP_VIDEO not in present and ids.MAP_SENSORS not in present
    assert {k.split("-")[0] for k in legend_keys(tree)} == {"level", "sev"}
    assert getattr(tree, "data-layers") == "streets,incidents"


def test_visitors_get_the_street_shading_only() -> None:
    tree = one_map(client_strings("zh"), BOUNDS, None, layers=frozenset({"streets"}), records=False)
    assert {k.split("-")[0] for k in legend_keys(tree)} == {"level"}


def test_the_console_map_keeps_its_controls_and_explains_overdue_pulses() -> None:
    s = client_strings("zh")
    tree = one_map(s, BOUNDS, None, interactive=True, incidents_id=ids.CONSOLE_INCIDENTS,
                   streets_id=ids.CONSOLE_STREETS)
    components = walk(tree)
    assert any(isinstance(c, dl.LayersControl) for c in components)
    fold = next(c for c in components if isinstance(c, html.Details))  # folded over the map
    assert fold.children[0].children == s["map.legend.title"]
    assert any(getattr(c, "children", None) == s["map.legend.pulse_overdue"] for c in components)


def test_the_map_area_has_the_districts_shape() -> None:
    assert aspect([[0.0, 0.0], [1.0, 1.0]]) == pytest.approx(1.0, rel=1e-3)
    assert 1.3 < aspect(BOUNDS) < 1.5  # Changning is wider than tall


def test_street_labels_have_a_shorter_form_where_one_exists() -> None:
    assert street_labels("仙霞新村街道") == ["仙霞新村街道", "仙霞新村"]
    assert street_labels("新泾镇") == ["新泾镇"]
    assert street_labels("Xianxia Xincun") == ["Xianxia Xincun", "Xianxia"]
    assert street_labels("Hongqiao") == ["Hongqiao"]


def test_the_walls_layers_come_from_the_url_or_the_setting() -> None:
    officer = Principal("user", "o", "officer")
    streets = frozenset({"streets"})
    assert pages.page_for("/", "", officer).layers == frozenset(LAYERS)
    assert pages.page_for("/", "", officer, streets).layers == streets
    assert pages.page_for("/", "?layers=video", officer, streets).layers == frozenset({"video"})


def test_label_points_follow_the_map_projection() -> None:
    streets = geo.load_streets()
    moved = Projection("wgs84").geojson(streets)
    before, after = streets["features"][0]["properties"], moved["features"][0]["properties"]
    lat, lon = Projection("wgs84").point(before["label_lat"], before["label_lon"])
    assert (after["label_lat"], after["label_lon"]) == (round(lat, 6), round(lon, 6))
    assert (before["label_lat"], before["label_lon"]) != (after["label_lat"], after["label_lon"])

"""Coordinates reach the map in the base map's CRS."""

from __future__ import annotations

from dashboard import geo
from dashboard import state as st
from dashboard.events import event_from_dict
from dashboard.projection import Projection
from dashboard.views import ViewBuilder
from support.events import incident_reported, video_point


def test_views_convert_points_to_a_wgs84_base_map() -> None:
    """With WGS-84 tiles, a GCJ-02 incident is moved by the GCJ offset (~500 m here)."""
    s = st.State()
    st.apply(s, "1-0", event_from_dict(incident_reported("i1", domain="safety", title="t", severity=2,
                                                         lat=31.2, lon=121.4, street="hongqiao")))
    card = ViewBuilder(s, projection=Projection("wgs84")).hello(None)["incidents"]["i1"]
    assert (card["lat"], card["lon"]) == geo.gcj02_to_wgs84(31.2, 121.4)
    assert card["crs"] == "wgs84"
    assert ViewBuilder(s).hello(None)["incidents"]["i1"]["lat"] == 31.2


def test_video_geojson_is_in_map_crs() -> None:
    """The video point set is converted too, with only id and street as properties."""
    s = st.State()
    st.apply(s, "1-0", event_from_dict(video_point("c1", name="n", lat=31.2, lon=121.4, street="hongqiao",
                                                   crs="wgs84")))
    feature = ViewBuilder(s, projection=Projection("gcj02")).video_geojson()["features"][0]
    lat, lon = geo.wgs84_to_gcj02(31.2, 121.4)
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    assert feature["properties"] == {"id": "c1", "street": "hongqiao"}


def test_polygons_are_transformed_for_baidu_tiles() -> None:
    """District and street polygons convert vertex by vertex; same CRS is a no-op."""
    district = geo.load_district()
    assert Projection("gcj02").geojson(district) is district
    moved = Projection("bd09").geojson(district)
    lon, lat = district["features"][0]["geometry"]["coordinates"][0][0][:2] \
        if district["features"][0]["geometry"]["type"] == "Polygon" \
        else district["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    blat, blon = geo.gcj02_to_bd09(lat, lon)
    flat = str(moved["features"][0]["geometry"]["coordinates"])
    assert f"{blon}" in flat and f"{blat}" in flat

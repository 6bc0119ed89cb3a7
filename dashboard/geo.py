"""District geography: the packaged outline and street areas, point lookup, CRS conversions.

Pure and offline: the only files read are the GeoJSON shipped in ``dashboard/data/`` (or a
street file a deployment names), and every load is cached for the life of the process, so
a caller must treat the returned dicts as read-only.

Coordinates are GCJ-02 (AMap/Gaode) unless a function says otherwise, and every function
takes and returns ``(lat, lon)`` in that order, although GeoJSON itself stores
``[lon, lat]``.  The street areas shipped with the package are *approximate* (a Voronoi
split of the district around each unit's office, see ``dashboard/data/README.md``); a
deployment swaps in authoritative areas with :func:`load_streets` and a path.
"""

from __future__ import annotations

import json
import math
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from dashboard import units as _units
from dashboard.events import CRS_NAMES  # the one list of CRS names

#: The management units, ``(code, Chinese name, English name)``: one list, in units.py.
UNITS = _units.UNITS
UNIT_CODES = _units.UNIT_CODES
_UNIT_NAMES: dict[str, tuple[str, str]] = {code: (zh, en) for code, zh, en in UNITS}

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICT_FILE = DATA_DIR / "district.geojson"
STREETS_FILE = DATA_DIR / "streets.geojson"


# ---------------------------------------------------------------------------------------
# Loading


def _read_feature_collection(path: Path) -> dict[str, Any]:
    """Parse a GeoJSON FeatureCollection; ValueError naming ``path`` if it is not one."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read GeoJSON ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: expected a GeoJSON FeatureCollection")
    if not isinstance(collection.get("features"), list) or not collection["features"]:
        raise ValueError(f"{path}: the FeatureCollection has no features")
    return collection


@lru_cache(maxsize=1)
def load_district() -> dict[str, Any]:
    """The 长宁区 outline as a FeatureCollection with one (Multi)Polygon feature (GCJ-02).

    Cached and shared: do not mutate the result.
    """
    return _read_feature_collection(DISTRICT_FILE)


def _check_street_feature(path: Path, index: int, feature: Any) -> dict[str, Any]:
    """Validate one street feature and return a copy with the documented properties filled.

    Obligations: ``properties.code`` is a known unit code and the geometry a Polygon or
    MultiPolygon; missing names are taken from :data:`UNITS`, a missing ``approximate``
    defaults to False (an override file is assumed authoritative) and a missing label point
    is a representative point of the area.
    """
    properties = feature.get("properties") if isinstance(feature, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    code = properties.get("code")
    feature_id = feature.get("id", "?") if isinstance(feature, dict) else "?"
    label = properties.get("name_zh") or properties.get("name") or feature_id
    if code not in UNIT_CODES:
        raise ValueError(
            f"{path}: feature #{index} ({label!s}) has code {code!r}, which is not a unit code "
            f"(known: {', '.join(c for c, _, _ in UNITS)})"
        )
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{path}: feature #{index} ({code}) must have a Polygon or MultiPolygon")
    try:
        area = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise ValueError(
            f"{path}: feature #{index} ({code}) has a broken geometry: {exc}"
        ) from None
    name_zh, name_en = _UNIT_NAMES[code]
    filled = {"name_zh": name_zh, "name_en": name_en, "approximate": False, **properties}
    if "label_lat" not in filled or "label_lon" not in filled:
        point = shapely.make_valid(area).representative_point()
        filled["label_lat"], filled["label_lon"] = round(point.y, 6), round(point.x, 6)
    return {**feature, "properties": filled}


@lru_cache(maxsize=8)
def load_streets(path: str | None = None) -> dict[str, Any]:
    """The street/town areas as a FeatureCollection (GCJ-02), one or more features per unit.

    ``path`` None gives the packaged approximate areas; otherwise the named GeoJSON file
    (an authoritative boundary set) is read and checked.  Raises ValueError naming the file
    and the offending feature if a feature's ``properties.code`` is not a unit code or its
    geometry is not a polygon.  Cached per path and shared: do not mutate the result.
    """
    file = STREETS_FILE if path is None else Path(path)
    collection = _read_feature_collection(file)
    features = [
        _check_street_feature(file, index, feature)
        for index, feature in enumerate(collection["features"])
    ]
    return {**collection, "features": features}


# ---------------------------------------------------------------------------------------
# Point lookup and sampling


class StreetIndex:
    """Answers "which area is this point in" for a few named areas, fast, and samples them.

    A regular grid over the areas' bounds is precomputed: a cell wholly inside one area
    answers directly, a cell touching none answers None, and only cells on a boundary test
    the candidate areas exactly (prepared geometries).  A point on a shared boundary, or in
    an overlap, goes to the first area in order.  Lookups cost about a microsecond; building
    costs a few tenths of a second for the district's eleven areas.
    """

    def __init__(self, areas: dict[str, Any], cells: int = 160) -> None:
        if not areas:
            raise ValueError("a StreetIndex needs at least one area")
        self.codes: tuple[str, ...] = tuple(areas)
        self.areas: tuple[Any, ...] = tuple(shapely.make_valid(a) for a in areas.values())
        for area in self.areas:
            shapely.prepare(area)
        west, south, east, north = shapely.total_bounds(np.array(self.areas, dtype=object))
        self._west, self._south, self._east, self._north = west, south, east, north
        self._cells = cells
        self._sx, self._sy = cells / (east - west), cells / (north - south)
        xs = west + (east - west) * np.arange(cells + 1) / cells
        ys = south + (north - south) * np.arange(cells + 1) / cells
        x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
        x1, y1 = np.meshgrid(xs[1:], ys[1:])
        boxes = shapely.box(x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel())
        inside = np.array([shapely.contains(area, boxes) for area in self.areas])
        touching = np.array([shapely.intersects(area, boxes) for area in self.areas])
        # per cell: the first area wholly containing it, else -2 (on a boundary) or -1 (outside)
        cell = np.where(
            inside.any(axis=0), inside.argmax(axis=0), np.where(touching.any(axis=0), -2, -1)
        )
        self._cell: list[int] = cell.tolist()
        self._candidates: dict[int, tuple[int, ...]] = {
            int(flat): tuple(np.flatnonzero(touching[:, flat]).tolist())
            for flat in np.flatnonzero(cell == -2)
        }

    @classmethod
    def from_geojson(cls, collection: dict[str, Any], key: str = "code") -> StreetIndex:
        """Index a FeatureCollection by ``properties[key]``; features sharing a key merge."""
        parts: dict[str, list[Any]] = {}
        for feature in collection["features"]:
            parts.setdefault(feature["properties"][key], []).append(shape(feature["geometry"]))
        return cls({code: shapely.union_all(pieces) for code, pieces in parts.items()})

    def street_at(self, lat: float, lon: float) -> str | None:
        """The code of the area containing the point, or None outside every area."""
        if not (self._west <= lon <= self._east and self._south <= lat <= self._north):
            return None  # also rejects NaN
        ix = min(int((lon - self._west) * self._sx), self._cells - 1)
        iy = min(int((lat - self._south) * self._sy), self._cells - 1)
        flat = iy * self._cells + ix
        owner = self._cell[flat]
        if owner >= 0:
            return self.codes[owner]
        if owner == -1:
            return None
        for k in self._candidates[flat]:
            if shapely.intersects_xy(self.areas[k], lon, lat):
                return self.codes[k]
        return None

    def random_point(
        self, code: str, rng: random.Random, max_tries: int = 10_000
    ) -> tuple[float, float]:
        """A uniformly random ``(lat, lon)`` that :meth:`street_at` maps to ``code``.

        Rejection sampling in the area's bounds, deterministic for a given ``rng`` state.
        KeyError for an unknown code.  Falls back to a representative point if every draw
        misses (only for slivers far smaller than their bounds).
        """
        try:
            area = self.areas[self.codes.index(code)]
        except ValueError:
            raise KeyError(code) from None
        west, south, east, north = area.bounds
        for _ in range(max_tries):
            lat, lon = rng.uniform(south, north), rng.uniform(west, east)
            if self.street_at(lat, lon) == code:
                return lat, lon
        point = area.representative_point()
        return point.y, point.x


@lru_cache(maxsize=8)
def street_index(path: str | None = None) -> StreetIndex:
    """The cached :class:`StreetIndex` over :func:`load_streets` (``path`` as there)."""
    return StreetIndex.from_geojson(load_streets(path))


def street_bounds(code: str, path: str | None = None) -> tuple[float, float, float, float]:
    """(south, west, north, east) of one street's area, in GCJ-02."""
    index = street_index(path)
    west, south, east, north = index.areas[index.codes.index(code)].bounds
    return south, west, north, east


@lru_cache(maxsize=1)
def _district_index() -> StreetIndex:
    """A one-area index over the district outline, keyed by its adcode."""
    return StreetIndex.from_geojson(load_district(), key="adcode")


def street_at(lat: float, lon: float) -> str | None:
    """The unit code for a GCJ-02 point, using the packaged street areas; None outside."""
    return street_index().street_at(lat, lon)


def in_district(lat: float, lon: float) -> bool:
    """True if the GCJ-02 point lies inside the district outline (boundary included)."""
    return _district_index().street_at(lat, lon) is not None


def random_point_in(code: str | None, rng: random.Random) -> tuple[float, float]:
    """A random GCJ-02 ``(lat, lon)`` inside unit ``code`` (packaged areas), or inside the
    district when ``code`` is None.  Deterministic for a given ``rng`` state; ValueError for
    an unknown code."""
    if code is None:
        index = _district_index()
        return index.random_point(index.codes[0], rng)
    try:
        return street_index().random_point(code, rng)
    except KeyError:
        raise ValueError(
            f"unknown unit code {code!r} (known: {', '.join(c for c, _, _ in UNITS)})"
        ) from None


def district_bounds() -> tuple[float, float, float, float]:
    """The outline's bounding box as ``(south, west, north, east)`` in GCJ-02 degrees."""
    west, south, east, north = _district_index().areas[0].bounds
    return south, west, north, east


def district_center() -> tuple[float, float]:
    """The centre of :func:`district_bounds` as ``(lat, lon)``: what a map centres on."""
    south, west, north, east = district_bounds()
    return (south + north) / 2, (west + east) / 2


# ---------------------------------------------------------------------------------------
# Coordinate reference systems
#
# The published GCJ-02 ("Mars coordinates") and BD-09 formulas, with the Krasovsky 1940
# ellipsoid.  Outside mainland China (the usual rectangular test) all systems coincide.

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def out_of_china(lat: float, lon: float) -> bool:
    """True outside the rectangle where the GCJ-02/BD-09 offsets are applied."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 minus WGS-84 offset ``(dlat, dlon)`` in degrees at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += common
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (GPS, OpenStreetMap; CGCS2000 to within a metre) to GCJ-02."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 to WGS-84 by fixed-point iteration; the round trip is exact to ~1e-9 degrees."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_offset(lat, lon)
    wlat, wlon = lat - dlat, lon - dlon
    for _ in range(10):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = lat - glat, lon - glon
        wlat, wlon = wlat + elat, wlon + elon
        if abs(elat) < 1e-10 and abs(elon) < 1e-10:
            break
    return wlat, wlon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 to BD-09 (Baidu)."""
    if out_of_china(lat, lon):
        return lat, lon
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """BD-09 (Baidu) to GCJ-02; the round trip with :func:`gcj02_to_bd09` is within ~1e-6°."""
    if out_of_china(lat, lon):
        return lat, lon
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def _canonical_crs(name: str) -> str:
    """Lower-cased CRS name with cgcs2000 folded into wgs84; ValueError if unknown."""
    key = name.lower() if isinstance(name, str) else name
    if key not in CRS_NAMES:
        raise ValueError(f"unknown CRS {name!r} (allowed: {', '.join(CRS_NAMES)})")
    return "wgs84" if key == "cgcs2000" else key


def convert(lat: float, lon: float, src: str, dst: str) -> tuple[float, float]:
    """Convert ``(lat, lon)`` from CRS ``src`` to ``dst``, each one of :data:`CRS_NAMES`.

    CGCS2000 is treated as WGS-84 (they differ by centimetres).  ValueError names the
    allowed CRS when either name is unknown.
    """
    source, target = _canonical_crs(src), _canonical_crs(dst)
    if source == target:
        return lat, lon
    if source == "wgs84":
        lat, lon = wgs84_to_gcj02(lat, lon)
    elif source == "bd09":
        lat, lon = bd09_to_gcj02(lat, lon)
    if target == "wgs84":
        return gcj02_to_wgs84(lat, lon)
    if target == "bd09":
        return gcj02_to_bd09(lat, lon)
    return lat, lon

"""The map's projection: every point, outline and bound goes through one :class:`Projection`
into the one CRS the map is drawn in (``Settings.map_crs``).  No I/O.

Events and packaged geometry carry their own CRS (GCJ-02 unless declared); the offline
vector base map is GCJ-02, a tile base map is in its ``tile_crs``.  CGCS2000 and WGS-84
are treated as one (they differ by centimetres).
"""

from __future__ import annotations

from typing import Any

_SAME = frozenset({"wgs84", "cgcs2000"})


class Projection:
    """Converts coordinates from their CRS to ``map_crs`` (``(lat, lon)`` order)."""

    def __init__(self, map_crs: str) -> None:
        self.map_crs = map_crs

    def is_identity(self, crs: str | None) -> bool:
        source = crs or "gcj02"
        return source == self.map_crs or {source, self.map_crs} <= _SAME

    def point(self, lat: float, lon: float, crs: str | None = None) -> tuple[float, float]:
        """A point from ``crs`` (None: GCJ-02) in the map's CRS."""
        if self.is_identity(crs):
            return lat, lon
        from dashboard.geo import convert  # only when a base map needs another CRS

        return convert(lat, lon, crs or "gcj02", self.map_crs)

    def bounds(self, south: float, west: float, north: float, east: float,
               crs: str | None = None) -> list[list[float]]:
        """``[[south, west], [north, east]]`` in the map's CRS (Leaflet's bounds)."""
        return [list(self.point(south, west, crs)), list(self.point(north, east, crs))]

    def geojson(self, collection: dict[str, Any], crs: str | None = None) -> dict[str, Any]:
        """A copy of a (Multi)Polygon FeatureCollection in the map's CRS (the same object
        when no conversion is needed); a feature's label point (``label_lat``,
        ``label_lon``, dashboard/geo.py) goes with it."""
        if self.is_identity(crs):
            return collection

        def ring(points: list[list[float]]) -> list[list[float]]:
            return [list(reversed(self.point(lat, lon, crs))) for lon, lat, *_ in points]

        features = []
        for feature in collection["features"]:
            geometry = feature["geometry"]
            if geometry["type"] == "Polygon":
                coordinates: Any = [ring(r) for r in geometry["coordinates"]]
            else:
                coordinates = [[ring(r) for r in polygon] for polygon in geometry["coordinates"]]
            properties = dict(feature.get("properties") or {})
            if properties.get("label_lat") is not None and properties.get("label_lon") is not None:
                lat, lon = self.point(properties["label_lat"], properties["label_lon"], crs)
                properties["label_lat"], properties["label_lon"] = round(lat, 6), round(lon, 6)
            features.append({**feature, "properties": properties,
                             "geometry": {"type": geometry["type"], "coordinates": coordinates}})
        return {**collection, "features": features}

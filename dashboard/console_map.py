"""The console's map: which incidents it marks and where it looks.  No I/O beyond the
packaged (or configured) street outlines that dashboard/geo.py reads once.

Positions and bounds go through the one :class:`~dashboard.projection.Projection` of the
map, so markers and outlines share its CRS.
"""

from __future__ import annotations

from typing import Any

from dashboard import geo
from dashboard.cards import in_scope
from dashboard.levels import MOST_SEVERE
from dashboard.projection import Projection
from dashboard.state import State


def incident_markers(state: State, rows: list[dict[str, Any]],
                     projection: Projection) -> list[dict[str, Any]]:
    """The open incidents among ``rows`` (dashboard/console.py incident rows) that have a
    position: each row with ``position`` ``[lat, lon]`` in the map's CRS and ``pulse``
    (the most severe level, or past its deadline)."""
    markers = []
    for row in rows:
        incident = state.incidents[row["id"]]
        if incident["lat"] is None or incident["lon"] is None or row["status"] == "closed":
            continue
        lat, lon = projection.point(incident["lat"], incident["lon"], incident["crs"])
        pulse = row["severity"] == MOST_SEVERE or row["deadline"] == "overdue"
        markers.append({**row, "position": [lat, lon], "pulse": pulse})
    return markers


def map_viewport(state: State, incident_id: str | None, street: str | None, scope: str | None,
                 projection: Projection, streets_geojson: str | None = None) -> dict[str, Any]:
    """dash-leaflet's ``viewport``: fly to the incident (if it has a position and is in
    ``scope``), else to the street's area, else to the district."""
    incident = state.incidents.get(incident_id or "")
    if incident and incident["lat"] is not None and incident["lon"] is not None \
            and in_scope(incident["street"], scope):
        lat, lon = projection.point(incident["lat"], incident["lon"], incident["crs"])
        return {"center": [lat, lon], "zoom": 16, "transition": "flyTo"}
    bounds = geo.street_bounds(street, streets_geojson) if street else geo.district_bounds()
    return {"bounds": projection.bounds(*bounds), "transition": "flyToBounds"}

"""The console's lists a page at a time: what an AG Grid of the infinite row model asks for
(``getRowsRequest``: rows ``startRow:endRow`` in the order of its ``sortModel``) answered
from the incident index (dashboard/console_index.py) for incidents, and from one sorted
read of the (much smaller) camera and ticket sections for the others.  A refresh costs a
page, not the table.  Pure functions of the state, the index and ``now``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from dashboard.console import (
    ConsoleConfig,
    Filters,
    camera_rows,
    incident_row,
    ticket_rows,
)
from dashboard.console_index import SORTS, Deadlines, IncidentIndex, Query, SortKey
from dashboard.lifecycle import FLOW, OPEN
from dashboard.state import State
from dashboard.workdays import DeadlineRule

#: The most rows one request may ask for (a grid asks for one block of PAGE_SIZE).
PAGE_SIZE = 50
MAX_ROWS = 200
#: The most incident markers on the console's map (open cases, most pressing first).
MARKERS = 300

Row = dict[str, Any]


@dataclass(frozen=True)
class PageRequest:
    start: int = 0
    end: int = PAGE_SIZE
    sort: str | None = None  # a column id of the grid (layouts/console.py names them by sort key)
    descending: bool = False

    @classmethod
    def of_grid(cls, request: Mapping[str, Any] | None) -> PageRequest:
        """From AG Grid's ``getRowsRequest`` (``None``: the first page), bounded."""
        if not request:
            return cls()
        start = max(0, int(request.get("startRow") or 0))
        end = min(start + MAX_ROWS, max(start, int(request.get("endRow") or start + PAGE_SIZE)))
        model = request.get("sortModel") or []
        first = model[0] if model and isinstance(model[0], Mapping) else {}
        return cls(start, end, first.get("colId"), first.get("sort") == "desc")


def incident_page(index: IncidentIndex, state: State, filters: Filters, page: PageRequest, now: int,
                  config: ConsoleConfig, deadlines: Deadlines,
                  scope: str | None) -> tuple[list[Row], int]:
    """One page of the incident list and the number of incidents the filters allow.
    Without a sort asked for: open cases first, newest first (closed ones after)."""
    sort: SortKey = page.sort if page.sort in SORTS else "default"
    query = _query(filters, scope, sort, page.descending)
    ids, count = index.page(query, page.start, page.end, deadlines)
    return [incident_row(state.incidents[iid], now, config) for iid in ids], count


def open_incidents(index: IncidentIndex, state: State, filters: Filters, now: int, config: ConsoleConfig,
                   deadlines: Deadlines, scope: str | None) -> list[Row]:
    """The open incidents the filters allow for the map, at most :data:`MARKERS`, those
    nearest their deadline first."""
    statuses = tuple(s for s in (filters.statuses or FLOW) if s in OPEN)
    if not statuses:
        return []
    query = _query(Filters(**{**filters.__dict__, "statuses": statuses}), scope, "deadline", False)
    ids, _ = index.page(query, 0, MARKERS, deadlines)
    return [incident_row(state.incidents[iid], now, config) for iid in ids]


def markers_signature(lang: str, markers: list[Row]) -> str:
    """What the console's map shows of its markers (the language, and per case its id,
    version, deadline state and pulse): the page is sent new markers only when it changed
    (most cues concern other cases than the few hundred on the map, and 300 markers are
    ~150 kB)."""
    shown = [lang, [(m["id"], m["version"], m["deadline"], m["pulse"]) for m in markers]]
    return hashlib.blake2b(orjson.dumps(shown), digest_size=12).hexdigest()


def _query(filters: Filters, scope: str | None, sort: SortKey, descending: bool) -> Query:
    return Query(scope=scope, street=filters.street, domains=filters.domains, severities=filters.severities,
                 statuses=filters.statuses, since_ms=filters.since_ms, text=filters.text, sort=sort,
                 descending=descending)


# ---------------------------------------------------------------- cameras and tickets


#: Orders of the camera grid: longest outage first by default.
CAMERA_SORTS: dict[str, Callable[[Row], Any]] = {
    "down": lambda r: (r["down_s"], r["id"]),
    "name": lambda r: (r["name"] or "", r["id"]),
    "street": lambda r: (r["street"] or "", r["id"]),
    "status": lambda r: (r["status"], r["id"]),
    "last": lambda r: (r["last"] or 0, r["id"]),
}
#: Orders of the 12345 grid: newest first by default.
TICKET_SORTS: dict[str, Callable[[Row], Any]] = {
    "created": lambda r: (r["created"], r["id"]),
    "status": lambda r: (r["status"] or "", r["id"]),
    "street": lambda r: (r["street"] or "", r["id"]),
    "category": lambda r: (r["category"] or "", r["id"]),
    "deadline": lambda r: (r["due_ms"] is None, r["due_ms"] or 0, r["id"]),
}


def camera_page(state: State, filters: Filters, page: PageRequest, now: int, stale_ms: int,
                scope: str | None) -> tuple[list[Row], int]:
    rows = camera_rows(state, filters, now, stale_ms, scope)  # longest outage first
    return _sorted_page(rows, page, CAMERA_SORTS), len(rows)


def ticket_page(state: State, filters: Filters, page: PageRequest, now: int, deadlines: DeadlineRule,
                scope: str | None) -> tuple[list[Row], int]:
    rows = ticket_rows(state, filters, now, deadlines, scope)  # newest first
    return _sorted_page(rows, page, TICKET_SORTS), len(rows)


def _sorted_page(rows: list[Row], page: PageRequest, sorts: dict[str, Callable[[Row], Any]]) -> list[Row]:
    """Rows ``start:end`` in the order asked for (rows come in the default order)."""
    if page.sort is not None and page.sort in sorts:
        rows = sorted(rows, key=sorts[page.sort], reverse=page.descending)
    return rows[page.start:page.end]

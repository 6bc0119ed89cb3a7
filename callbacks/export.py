"""The console's CSV exports (``GET /console/export/{incidents,cameras,tickets}.csv``):
every row the grid's filters allow, in the grid's default order, with the grid's labels
(levels by name, streets and statuses in the page's language).  Personal fields stay
masked as in the grid; each export is audited.

The rows are written in chunks with an ``await`` between them, so a 100,000-row export
never holds the event loop for longer than one chunk (the incident order comes from
copies of the index's buckets, taken at the start: the export is of that moment's set).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse

from dashboard import clock
from dashboard import console as sel
from dashboard.console_index import Deadlines
from dashboard.console_pages import _query
from dashboard.console_url import ConsoleUrl
from dashboard.guard import client_ip, require
from dashboard.http_api import spreadsheet_cell
from dashboard.i18n import client_strings
from layouts import console_panels as panels

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

CHUNK = 2_000

#: Per export: (column, header key) in the grid's order.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "incidents": (("id", "col.id"), ("title", "col.title"), ("domain_label", "col.domain"),
                  ("severity_label", "col.severity"), ("street_label", "col.street"),
                  ("status_label", "col.status"), ("reported_text", "col.reported"),
                  ("deadline_label", "col.deadline"), ("unit", "col.unit")),
    "cameras": (("id", "col.id"), ("name", "col.name"), ("street_label", "col.street"),
                ("status_label", "col.status"), ("down_text", "col.down"), ("last_text", "col.last")),
    "tickets": (("id", "col.id"), ("category", "col.category"), ("summary", "col.summary"),
                ("status_label", "col.status"), ("street_label", "col.street"),
                ("caller_name", "col.caller"), ("caller_phone", "col.phone"), ("address", "col.address"),
                ("created_text", "col.created"), ("deadline_text", "col.deadline"),
                ("flag_text", "col.due_flag")),
}


def register(server: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    deadlines = Deadlines(runtime.console)

    @server.get("/console/export/{kind}.csv")
    async def export(kind: str, search: str = "", q: str = "",
                     domains: Annotated[list[str] | None, Query()] = None,
                     severities: Annotated[list[int] | None, Query()] = None,
                     statuses: Annotated[list[str] | None, Query()] = None,
                     since: str = "all") -> StreamingResponse:
        """``search`` is the console's query string (street, language); the rest are the
        filters as the console holds them."""
        principal = require("console")
        if kind not in COLUMNS:
            raise HTTPException(404, "no such export")
        url, t = ConsoleUrl.parse(search).scoped(principal.scope), clock.now_ms()
        s = client_strings(url.lang)
        filters = url.filters(text=q, domains=domains, severities=severities, statuses=statuses,
                              since=since, now=t)
        state = runtime.state
        rows: Iterable[dict[str, Any]]
        if kind == "incidents":
            ids = runtime.incidents.everything(_query(filters, principal.scope, "default", False), deadlines)
            rows = (panels.incident_grid_rows([sel.incident_row(i, t, runtime.console)], s)[0]
                    for iid in ids if (i := state.incidents.get(iid)) is not None)
        elif kind == "cameras":
            cameras = sel.camera_rows(state, sel.Filters(street=url.street, text=filters.text), t,
                                      settings.video_stale_s * 1000, principal.scope)
            rows = panels.camera_grid_rows(cameras, s, url.lang)
        else:
            tickets = sel.ticket_rows(state, sel.Filters(street=url.street, since_ms=filters.since_ms,
                                                         text=filters.text),
                                      t, runtime.deadlines, principal.scope)
            rows = panels.ticket_grid_rows(tickets, s)
        await runtime.auditor.record("console.export", principal.name, principal.role, ip=client_ip(),
                                     target=kind, detail=f"search={search} q={q} since={since}")
        header = [s[key] for _, key in COLUMNS[kind]]
        return StreamingResponse(_csv(header, (tuple(r.get(c) for c, _ in COLUMNS[kind]) for r in rows)),
                                 media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def href(kind: str, search: str | None, *, text: str | None = None, domains: list[str] | None = None,
         severities: list[int] | None = None, statuses: list[str] | None = None,
         since: str | None = None) -> str:
    """The export URL of ``kind`` with the console's query string and filters."""
    query = {"search": search or "", "q": text or "", "domains": domains or [],
             "severities": severities or [], "statuses": statuses or [], "since": since or "all"}
    return f"/console/export/{kind}.csv?{urlencode(query, doseq=True)}"


async def _csv(header: list[str], rows: Iterator[tuple[Any, ...]]) -> AsyncIterator[str]:
    """The CSV text a chunk of rows at a time, yielding the loop between chunks; a cell
    that a spreadsheet would read as a formula is quoted."""
    yield "\ufeff" + _lines([header])
    while chunk := list(islice(rows, CHUNK)):
        yield _lines([["" if v is None else spreadsheet_cell(v) if isinstance(v, str) else v for v in row]
                      for row in chunk])
        await asyncio.sleep(0)


def _lines(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()

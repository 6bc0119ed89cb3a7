"""``GET /api/roster.ics?center=C`` (the ``console`` permission): the centre's duty roster as
an iCalendar file (dashboard/roster_ical.py), the console's download.  An officer of one
street may export the district centre's and their street's; every export is audited
(``roster.export``), and nothing is sent when the audit entry cannot be written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Query
from fastapi.responses import Response

from dashboard import roster_ical
from dashboard.guard import require
from dashboard.roster import known_center

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

ICS = "text/calendar; charset=utf-8"


def register(server: FastAPI, runtime: Runtime) -> None:
    @server.get("/api/roster.ics")
    async def roster_ics(center: str = Query("district")) -> Response:
        principal = require("console")
        if not known_center(center):
            return Response(f"unknown centre {center[:40]!r}\n", status_code=404, media_type="text/plain")
        if center != "district" and not principal.sees_street(center):
            return Response(f"{center} is not in your scope\n", status_code=403, media_type="text/plain")
        if not await runtime.auditor.record("roster.export", principal.name, principal.role,
                                            target=f"roster:{center}"):
            return Response("audit unavailable: nothing exported\n", status_code=503, media_type="text/plain")
        return Response(roster_ical.write(runtime.state.roster, center), media_type=ICS,
                        headers={"Content-Disposition": f'attachment; filename="roster-{center}.ics"',
                                 "Cache-Control": "private, no-store"})

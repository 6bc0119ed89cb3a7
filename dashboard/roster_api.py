"""``GET /api/roster.ics?center=C`` (the ``console`` permission): the centre's duty roster as
an iCalendar file (dashboard/roster_ical.py), the console's download, phones masked.  An
officer of one street may export the district centre's and their street's; every export
is audited (``roster.export``), and nothing is sent when the audit entry cannot be written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Query
from fastapi.responses import Response

from dashboard import roster_ical
from dashboard.classify import project
from dashboard.guard import require
from dashboard.roster import Tables, known_center

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

ICS = "text/calendar; charset=utf-8"


def masked(tables: Tables) -> Tables:
    """The roster with every phone masked as the console shows it (classify's ``roster_shift``):
    the download is for reading and sharing; the full file for a round trip is the CLI's
    ``roster export``, run where the Redis is."""
    def phone(value: str | None) -> str | None:
        return project("roster_shift", {"phone": value}, ("phone",))["phone"]

    return {"rotations": {k: {**r, "phone": phone(r["phone"])} for k, r in tables["rotations"].items()},
            "changes": {k: {**c, "phone": phone(c["phone"])} for k, c in tables["changes"].items()}}


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
        return Response(roster_ical.write(masked(runtime.state.roster), center), media_type=ICS,
                        headers={"Content-Disposition": f'attachment; filename="roster-{center}.ics"',
                                 "Cache-Control": "private, no-store"})

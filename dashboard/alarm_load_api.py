"""The alarm-load route, ``GET /api/alarm-load.json?days=N`` (the ``console`` permission):
the figures of dashboard/alarm_load.py for the asker's seat — the district's, or a street
officer's street — over the last ``days`` (1 to 90, default 7) ending now, read from the
archive where it may be read (dashboard/archive_reads.py).  Answers are kept for
:data:`KEEP_S` per seat and period: the figures look at days, the page refreshes every
minute, and one archive read a minute per seat bounds the load."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from dashboard import alarm_load, archive_reads, clock
from dashboard.guard import require

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

JSON = "application/json"
KEEP_S = 60.0
DAYS = (1, 7, 30)  # the page's choices; any 1–90 is answered
MAX_DAYS = 90


def days_of(query: dict[str, str]) -> int:
    """The ``days`` asked for; ValueError with the reason when it is not 1–90."""
    raw = query.get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_DAYS}, not {raw[:20]!r}")
    return int(raw)


def register(server: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    stale_ms = int(runtime.console.alarm_stale_h * 3_600_000)
    kept: dict[tuple[str | None, int], tuple[float, dict[str, Any]]] = {}
    locks: dict[tuple[str | None, int], asyncio.Lock] = {}

    @server.get("/api/alarm-load.json")
    async def alarm_load_json(request: Request) -> Response:
        principal = require("console")
        try:
            days = days_of(dict(request.query_params))
        except ValueError as exc:
            return Response(orjson.dumps({"error": str(exc)}), status_code=400, media_type=JSON)
        key = (principal.scope, days)
        async with locks.setdefault(key, asyncio.Lock()):
            held = kept.get(key)
            if held is None or time.monotonic() - held[0] > KEEP_S:
                end = clock.now_ms()
                start = end - days * 86_400_000

                def figures(archive: Any) -> dict[str, Any]:
                    return alarm_load.from_archive(archive, start, end, principal.scope,
                                                   flood_alarms=settings.flood_alarms,
                                                   stale_ms=stale_ms).to_json()

                try:
                    body = await archive_reads.read(runtime.archiver, figures)
                except archive_reads.Unavailable as exc:
                    return Response(orjson.dumps({"error": str(exc)}), status_code=503, media_type=JSON)
                body.update(days=days, computed=clock.beijing(end).isoformat(timespec="seconds"),
                            stale_h=runtime.console.alarm_stale_h)
                held = kept[key] = (time.monotonic(), body)
        return Response(orjson.dumps(held[1]), media_type=JSON,
                        headers={"Cache-Control": "private, no-cache"})

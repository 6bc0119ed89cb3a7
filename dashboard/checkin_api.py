"""Check-in (查岗) JSON for the phone page (and any client of the officer's session).

* ``GET /console/m/api/checkin?lang=``: the open requests the signed-in officer may answer
  now (on duty at their post, dashboard/checkin_view.py), each with its prompt text and
  minutes left.
* ``POST /console/m/api/checkin?lang=`` with ``{"request_id"}``: 确认在岗 through
  dashboard/checkin_actions.py ``confirm`` (checked, written, judged by the reducer,
  audited); the answer says in the page's language what happened.

Under ``/console/m/api/``, so the guard checks session, CSRF and Origin as for the phone's
tickets, and the console worker serves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from dashboard import clock
from dashboard.checkin_actions import confirm
from dashboard.checkin_view import prompt_text, prompts
from dashboard.guard import client_ip, require
from dashboard.i18n import LANGS, client_strings, say, t

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

PATH = "/console/m/api/checkin"


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def register(server: FastAPI, runtime: Runtime) -> None:
    @server.get(PATH)
    async def checkin_prompts(lang: str = "zh") -> Response:
        principal = require("console")
        lang = lang if lang in LANGS else "zh"
        found = prompts(runtime.state, principal.on_roster, clock.now_ms()) if principal.can("act") else []
        return _json({"requests": [{"id": r["id"], "center": r["center"], "post": r["post"], "due": r["due"],
                                    "minutes_left": r["minutes_left"], "text": prompt_text(r, lang)}
                                   for r in found],
                      "button": t("checkin.confirm", lang)})

    @server.post(PATH)
    async def checkin_confirm(request: Request, lang: str = "zh") -> Response:
        principal = require("act")
        lang = lang if lang in LANGS else "zh"
        strings = client_strings(lang)
        try:
            form = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            form = None
        if not isinstance(form, dict) or not isinstance(form.get("request_id"), str):
            bad = say(strings, "refusal.bad_request", {"what": "request_id"})
            return _json({"ok": False, "message": bad}, 400)
        done = await confirm(runtime, principal, form["request_id"][:300], ip=client_ip())
        message = t("checkin.confirmed", lang) if done.ok else done.says(strings)
        return _json({"ok": done.ok, "message": message})

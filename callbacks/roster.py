"""The console's roster edits (layouts/console_roster.py roster_form): the shift choices of
the next 7 days, and the submit, through dashboard/roster_actions.py (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State

from callbacks.console import strings, where
from dashboard import clock, roster_view
from dashboard.guard import client_ip, require
from dashboard.protocol import Cue
from dashboard.roster_actions import roster_action
from layouts import console_panels as panels
from layouts import ids

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

Choice = dict[str, str]
FIELDS = {"center": ids.ROSTER_CENTER, "post": ids.ROSTER_POST, "name": ids.ROSTER_NAME,
          "phone": ids.ROSTER_PHONE, "start": ids.ROSTER_START, "end": ids.ROSTER_END,
          "rrule": ids.ROSTER_RRULE, "occurrence": ids.ROSTER_OCCURRENCE, "other": ids.ROSTER_OTHER,
          "reason": ids.ROSTER_REASON}


def register(app: dash.Dash, runtime: Runtime) -> None:
    @app.callback(Output(ids.ROSTER_OCCURRENCE, "options"), Output(ids.ROSTER_OTHER, "options"),
                  Input(ids.CONSOLE_SEARCH, "data"), Input(ids.tick(Cue.DUTY), "data"))
    async def shift_choices(search: str | None, _tick: int) -> tuple[list[Choice], list[Choice]]:
        url = where(search, require("console"))
        s = strings(search)
        week = roster_view.console_roster(runtime.state.roster, clock.now_ms(), runtime.deadlines.calendar,
                                          url.street)["week"]
        options = [{"label": f"{s.get('unit.' + x['center'], s['district'])} {x['post']} {x['name']} "
                             f"{clock.span_text(x['start'], x['end'])}", "value": x["key"]} for x in week]
        return options, options

    @app.callback(
        output={"children": Output(ids.ROSTER_RESULT, "children"),
                "className": Output(ids.ROSTER_RESULT, "className")},
        inputs={"_submit": Input(ids.ROSTER_SUBMIT, "n_clicks")},
        state={"verb": State(ids.ROSTER_VERB, "value"), "search": State(ids.CONSOLE_SEARCH, "data"),
               "fields": {name: State(cid, "value") for name, cid in FIELDS.items()}},
        prevent_initial_call=True,
    )
    async def submit(_submit: int | None, verb: str | None, search: str | None,
                     fields: dict[str, Any]) -> dict[str, str]:
        principal, s = require("act"), strings(search)
        done = await roster_action(runtime, principal, verb or "", fields, ip=client_ip())
        return panels.outcome(done.ok, s["roster.edited"], done.says(s), s)

"""The console's handover section (layouts/console_handover.py): the shift choices, the
draft, the submission and the acknowledgement (dashboard/handover_actions.py, audited),
and the handover log with its search and print link."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.console import strings, where
from dashboard import clock, handover_actions
from dashboard.guard import client_ip, require
from dashboard.protocol import Cue
from layouts import console_handover as ho
from layouts import console_panels as panels
from layouts import ids

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

Choice = dict[str, str]


def register(app: dash.Dash, runtime: Runtime) -> None:
    @app.callback(
        Output(ho.SHIFT, "options"),
        Output(ho.ACK_ID, "options"),
        Input(ids.CONSOLE_SEARCH, "data"),
        Input(ids.tick(Cue.DUTY), "data"),
    )
    async def choices(search: str | None, _tick: int) -> tuple[list[Choice], list[Choice]]:
        url = where(search, require("console"))
        s = strings(search)
        found = handover_actions.handover_shifts(runtime.state.roster, clock.now_ms(), url.street)
        shifts = [
            {
                "label": f"{s.get('unit.' + x.center, s['district'])} {x.post} {x.name} "
                f"{clock.span_text(x.start.isoformat(), x.end.isoformat())}",
                "value": handover_actions.shift_value(x),
            }
            for x in found
        ]
        waiting = [
            {
                "label": f"{s.get('unit.' + x['center'], s['district'])} {x['post']} "
                f"{s['handover.from_to'].format(giver=x['from_name'], taker=x['to_name'])} "
                f"{clock.span_text(x['shift_start'], x['shift_end'])}",
                "value": x["id"],
            }
            for x in handover_actions.handover_log(runtime.state, street=url.street)
            if not x["acked_ts"]
        ]
        return shifts, waiting

    @app.callback(
        Output(ho.SUMMARY, "value"),
        Output(ho.TO, "options"),
        Output(ho.TO, "value"),
        Input(ho.DRAFT, "n_clicks"),
        Input(ho.SHIFT, "value"),
        State(ho.NOTES, "value"),
        State(ids.CONSOLE_SEARCH, "data"),
        prevent_initial_call=True,
    )
    async def draft(
        _clicks: int | None, shift: str | None, notes: str | None, search: str | None
    ) -> tuple[Any, list[Choice], Any]:
        require("act")
        url = where(search, require("console"))
        got = handover_actions.draft_for(runtime, shift, notes or "", url.lang)
        if got is None:
            raise PreventUpdate
        people = [{"label": name, "value": name} for name in got["incoming"]]
        text = got["text"] if dash.ctx.triggered_id == ho.DRAFT else dash.no_update
        return text, people, got["incoming"][0] if got["incoming"] else None

    @app.callback(
        output={"children": Output(ho.RESULT, "children"), "className": Output(ho.RESULT, "className")},
        inputs={"_submit": Input(ho.SUBMIT, "n_clicks")},
        state={
            "shift": State(ho.SHIFT, "value"),
            "to": State(ho.TO, "value"),
            "summary": State(ho.SUMMARY, "value"),
            "search": State(ids.CONSOLE_SEARCH, "data"),
        },
        prevent_initial_call=True,
    )
    async def submit(
        _submit: int | None, shift: str | None, to: str | None, summary: str | None, search: str | None
    ) -> dict[str, str]:
        principal, s = require("act"), strings(search)
        done = await handover_actions.submit_handover(runtime, principal, shift, to, summary, ip=client_ip())
        return panels.outcome(done.ok, s["handover.submitted_ok"], done.says(s), s)

    @app.callback(
        output={
            "children": Output(ho.ACK_RESULT, "children"),
            "className": Output(ho.ACK_RESULT, "className"),
        },
        inputs={"_ack": Input(ho.ACK, "n_clicks")},
        state={
            "handover_id": State(ho.ACK_ID, "value"),
            "name": State(ho.ACK_NAME, "value"),
            "search": State(ids.CONSOLE_SEARCH, "data"),
        },
        prevent_initial_call=True,
    )
    async def acknowledge(
        _ack: int | None, handover_id: str | None, name: str | None, search: str | None
    ) -> dict[str, str]:
        principal, s = require("act"), strings(search)
        done = await handover_actions.acknowledge_handover(
            runtime, principal, handover_id, name, ip=client_ip()
        )
        return panels.outcome(done.ok, s["handover.acked_ok"], done.says(s), s)

    @app.callback(
        Output(ho.LOG, "children"),
        Output(ho.PRINT, "href"),
        Input(ids.CONSOLE_SEARCH, "data"),
        Input(ids.tick(Cue.DUTY), "data"),
        Input(ho.Q, "value"),
        Input(ho.CENTER, "value"),
        Input(ho.DAY, "value"),
        Input(ho.RESULT, "children"),
        Input(ho.ACK_RESULT, "children"),
    )
    async def log(
        search: str | None, _tick: int, q: str | None, center: str | None, day: str | None, _r: Any, _a: Any
    ) -> tuple[list[Any], str]:
        url = where(search, require("console"))
        s = strings(search)
        entries = handover_actions.handover_log(
            runtime.state, center=center, text=q or "", day=(day or "").strip(), street=url.street
        )
        return ho.log_list(entries, s), ho.print_href(q, center, day)

"""The console's check-in (查岗): the prompt of the officer on duty and its 确认在岗 button,
through dashboard/checkin_actions.py (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State

from callbacks.console import strings
from dashboard import clock
from dashboard.checkin_actions import confirm
from dashboard.checkin_view import prompts
from dashboard.console_url import ConsoleUrl
from dashboard.guard import client_ip, require
from dashboard.protocol import Cue
from layouts import console_panels as panels
from layouts import ids
from layouts.console_checkin import prompt_of

if TYPE_CHECKING:
    from dashboard.runtime import Runtime


def register(app: dash.Dash, runtime: Runtime) -> None:
    @app.callback(
        output={"hidden": Output(ids.CHECKIN_PROMPT, "hidden"), "text": Output(ids.CHECKIN_TEXT, "children"),
                "request": Output(ids.CHECKIN_REQUEST, "data"),
                # the minutes left tick only while a prompt is up; a new request comes as an
                # event, whose duty cue shows the prompt (and starts the clock again)
                "clock_off": Output(ids.CHECKIN_CLOCK, "disabled")},
        inputs={"search": Input(ids.CONSOLE_SEARCH, "data"), "_tick": Input(ids.tick(Cue.DUTY), "data"),
                "_clock": Input(ids.CHECKIN_CLOCK, "n_intervals")},
    )
    async def prompt(search: str | None, _tick: int, _clock: int | None) -> dict[str, Any]:
        principal = require("console")
        mine = prompts(runtime.state, principal.on_roster, clock.now_ms()) if principal.can("act") else []
        shown = prompt_of(mine, ConsoleUrl.parse(search).lang)
        return {**shown, "clock_off": bool(shown["hidden"])}

    @app.callback(
        output={"children": Output(ids.CHECKIN_RESULT, "children"),
                "className": Output(ids.CHECKIN_RESULT, "className")},
        inputs={"_confirm": Input(ids.CHECKIN_CONFIRM, "n_clicks")},
        state={"request": State(ids.CHECKIN_REQUEST, "data"), "search": State(ids.CONSOLE_SEARCH, "data")},
        prevent_initial_call=True,
    )
    async def confirm_presence(_confirm: int | None, request: str | None,
                               search: str | None) -> dict[str, str]:
        principal, s = require("act"), strings(search)
        done = await confirm(runtime, principal, request or "", ip=client_ip())
        return panels.outcome(done.ok, s["checkin.confirm"], done.says(s), s)

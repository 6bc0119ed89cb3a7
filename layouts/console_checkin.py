"""The console's check-in parts (查岗): the prompt to the officer on duty (at the top of the
console, over every tab) and today's requests in the duty tab.  Pure builders; the
callbacks are callbacks/checkin.py, the data dashboard/checkin_view.py."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.checkin_view import prompt_text
from layouts import ids

Strings = dict[str, str]
PROMPT_CLOCK_MS = 30_000  # the minutes left are redrawn this often


def checkin_prompt(s: Strings) -> html.Div:
    """The prompt's frame (hidden until the officer has an open request)."""
    return html.Div([
        html.Span("", id=ids.CHECKIN_TEXT, className="checkin-text"),
        html.Button(s["checkin.confirm"], id=ids.CHECKIN_CONFIRM,
                    className="btn btn-primary checkin-confirm"),
        html.Div("", id=ids.CHECKIN_RESULT, className="result", role="status"),
        dcc.Store(id=ids.CHECKIN_REQUEST),
        dcc.Interval(id=ids.CHECKIN_CLOCK, interval=PROMPT_CLOCK_MS, disabled=True),
    ], id=ids.CHECKIN_PROMPT, className="checkin-prompt", role="alert", hidden=True)


def prompt_of(requests: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The prompt's outputs for the officer's open requests (the soonest due first)."""
    if not requests:
        return {"hidden": True, "text": "", "request": None}
    first = requests[0]
    return {"hidden": False, "text": prompt_text(first, lang), "request": first["id"]}


def _centre(center: str, s: Strings) -> str:
    return s["district"] if center == "district" else s.get(f"unit.{center}", center)


def checkin_table(rows: list[dict[str, Any]], s: Strings) -> html.Div:
    """Today's requests: time, centre and post, result, who answered (masked)."""
    if not rows:
        body: Any = html.P(s["checkin.none"], className="muted")
    else:
        head = html.Tr([html.Th(s[f"checkin.col.{c}"]) for c in ("at", "post", "status", "by")])
        body = html.Table([html.Thead(head), html.Tbody([
            html.Tr([html.Td(row["at"][11:16]), html.Td(f"{_centre(row['center'], s)} {row['post']}"),
                     html.Td(s[f"checkin.status.{row['status']}"], className=f"checkin-{row['status']}"),
                     html.Td(row["answered_by"] or "—")],
                    className=f"checkin-row checkin-row-{row['status']}")
            for row in rows])], className="table checkin-table")
    return html.Div([html.H3(s["checkin.today"]), body], id="checkin-today", className="checkin-today")

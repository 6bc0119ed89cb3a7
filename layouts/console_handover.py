"""The console's handover (交接班) section, in the duty tab under the roster: the outgoing
officer's draft (an editable text area) and submission, the incoming officer's
acknowledgement, and the handover log (search by text, centre and day; a print view).
Filled by callbacks/handover.py; names as classify's ``handover`` shows them (masked)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from dashboard.clock import beijing, span_text

Strings = dict[str, str]

SHIFT = "handover-shift"
TO = "handover-to"
NOTES = "handover-notes"
DRAFT = "handover-draft"
SUMMARY = "handover-summary"
SUBMIT = "handover-submit"
RESULT = "handover-result"
ACK_ID = "handover-ack-id"
ACK_NAME = "handover-ack-name"
ACK = "handover-ack"
ACK_RESULT = "handover-ack-result"
Q = "handover-q"
CENTER = "handover-center"
DAY = "handover-day"
PRINT = "handover-print"
LOG = "handover-log"


def handover_section(s: Strings) -> html.Div:
    from dashboard.i18n import dropdown_labels, unit_label
    from dashboard.roster_view import CENTRES

    labels = dropdown_labels(s["lang"])
    centres = [
        {"label": unit_label(c, s["lang"]) if c != "district" else s["district"], "value": c} for c in CENTRES
    ]
    return html.Div(
        [
            html.H3(s["handover.title"]),
            html.Div(
                [
                    dcc.Dropdown(
                        id=SHIFT,
                        options=[],
                        placeholder=s["handover.f.shift"],
                        className="dropdown",
                        labels=labels,
                    ),
                    dcc.Dropdown(
                        id=TO, options=[], placeholder=s["handover.f.to"], className="dropdown", labels=labels
                    ),
                    dcc.Input(id=NOTES, placeholder=s["handover.f.notes"], className="input", debounce=False),
                    html.Button(s["handover.draft"], id=DRAFT, className="btn"),
                ],
                className="handover-fields",
            ),
            dcc.Textarea(
                id=SUMMARY,
                value="",
                placeholder=s["handover.f.summary"],
                className="input handover-summary",
                style={"height": "16em", "lineHeight": "1.5", "fontFamily": "inherit", "resize": "vertical"},
            ),
            html.Button(s["handover.submit"], id=SUBMIT, className="btn"),
            html.Div("", id=RESULT, className="result"),
            html.H3(s["handover.ack_title"]),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ACK_ID,
                        options=[],
                        placeholder=s["handover.f.waiting"],
                        className="dropdown",
                        labels=labels,
                    ),
                    dcc.Input(
                        id=ACK_NAME, placeholder=s["handover.f.ack_name"], className="input", debounce=False
                    ),
                    html.Button(s["handover.ack"], id=ACK, className="btn"),
                ],
                className="handover-fields",
            ),
            html.Div("", id=ACK_RESULT, className="result"),
            html.H3(s["handover.log"]),
            html.Div(
                [
                    dcc.Input(id=Q, placeholder=s["handover.f.q"], className="input", debounce=False),
                    dcc.Dropdown(
                        id=CENTER,
                        options=centres,
                        placeholder=s["handover.f.center"],
                        className="dropdown",
                        labels=labels,
                    ),
                    dcc.Input(id=DAY, placeholder=s["handover.f.day"], className="input", debounce=False),
                    html.A(
                        s["handover.print"],
                        id=PRINT,
                        href="/api/handover-print",
                        target="_blank",
                        className="roster-download",
                    ),
                ],
                className="handover-fields",
            ),
            html.Div(id=LOG, className="handover-log"),
        ],
        id="handover-panel",
        className="handover",
    )


def _hm(ms: int | None) -> str:
    return beijing(ms).strftime("%m-%d %H:%M") if ms else ""


def _centre(center: str, s: Strings) -> str:
    return s.get(f"unit.{center}", s["district"])


def log_entry(x: dict[str, Any], s: Strings) -> html.Div:
    """One handover of the log: who to whom, the shift, submitted, acknowledged (or waiting)."""
    span = span_text(x["shift_start"], x["shift_end"])
    acked = x.get("acked_ts")
    state = (
        html.Span(
            s["handover.acked"].format(name=x.get("acked_by") or "", time=_hm(acked)),
            className="handover-acked",
        )
        if acked
        else html.Span(s["handover.waiting"], className="handover-waiting")
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Strong(f"{_centre(x['center'], s)} {x['post']}"),
                    html.Span(f" {span} "),
                    html.Span(
                        s["handover.from_to"].format(
                            giver=x.get("from_name") or "", taker=x.get("to_name") or ""
                        )
                    ),
                    html.Span(f" · {s['handover.submitted']} {_hm(x['ts'])} · "),
                    state,
                ],
                className="handover-head",
            ),
            html.Pre(x.get("summary") or "", className="handover-text"),
        ],
        className="handover-entry",
        **{"data-id": x["id"]},
    )


def log_list(entries: list[dict[str, Any]], s: Strings) -> list[Any]:
    if not entries:
        return [html.P(s["handover.none"], className="muted")]
    return [log_entry(x, s) for x in entries]


def print_href(q: str | None, center: str | None, day: str | None) -> str:
    query = {k: v for k, v in (("q", q), ("center", center), ("day", day)) if v}
    return "/api/handover-print" + (f"?{urlencode(query)}" if query else "")

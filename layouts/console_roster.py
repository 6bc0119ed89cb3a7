"""The console's roster (duty tab, under the shifts): who is on duty now, the next 7 days
with the gaps among them highlighted, and the iCalendar download per centre.  Pure
builders over dashboard/roster_view.py console_roster; names in full, phones masked (a
row links to its drawer, where the phone may be revealed, audited)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.console_url import ConsoleUrl
from layouts.components import data_text
from layouts.console_detail import shift_text

Strings = dict[str, str]
WEEK_ROWS = 300  # rows of the next 7 days rendered at most


def _centre(center: str, s: Strings) -> str:
    return s.get(f"unit.{center}", s["district"])


def _shift(x: dict[str, Any], url: ConsoleUrl, s: Strings) -> html.Tr:
    changed = x.get("changed")
    mark = [html.Span(s[f"roster.changed.{changed}"], className="roster-changed")] if changed else []
    return html.Tr([
        html.Td(_centre(x["center"], s)),
        html.Td(x["post"], **data_text("name")),  # type: ignore[arg-type]
        html.Td([html.Span(x["name"], **data_text("name")), *mark]),  # type: ignore[arg-type]
        html.Td(x.get("phone") or "—", **data_text("name")),  # type: ignore[arg-type]
        html.Td(shift_text(x)),
        html.Td(dcc.Link("›", href=url.drill("duty", x["key"]).href, className="inbox-open",
                         title=s["reveal.button"])),
    ])


def _gap(x: dict[str, Any], s: Strings) -> html.Tr:
    return html.Tr([html.Td(_centre(x["center"], s)), html.Td(x["post"], **data_text("name")),  # type: ignore[arg-type]
                    html.Td(s["roster.vacant"], className="roster-vacant"), html.Td("—"),
                    html.Td(shift_text(x)), html.Td("")], className="roster-gap")


def _table(rows: list[html.Tr], s: Strings) -> html.Table:
    head = html.Tr([html.Th(s[k]) for k in ("duty.center", "duty.post", "duty.name", "duty.phone",
                                             "duty.shift")] + [html.Th("")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table roster-table")


def roster_panel(roster: dict[str, Any], url: ConsoleUrl, s: Strings) -> html.Div:
    """On duty now, the gaps of the next 7 days, and the 7 days themselves (gaps in place)."""
    if not roster["week"] and not roster["gaps"]:
        return html.Div(html.P(s["roster.none"], className="muted"), id="roster-panel", className="roster")
    timeline = sorted([(x["start"], 0, x) for x in roster["week"]]
                      + [(g["start"], 1, g) for g in roster["gaps"]], key=lambda item: (item[0], item[1]))
    timeline = timeline[:WEEK_ROWS]
    centres = ["district", *([url.street] if url.street else [])]
    return html.Div([
        html.H3(s["roster.now"]),
        _table([_shift(x, url, s) for x in roster["now"]], s),
        html.H3(s["roster.gaps"]),
        _table([_gap(g, s) for g in roster["gaps"]], s) if roster["gaps"]
        else html.P(s["roster.no_gaps"], className="muted"),
        html.H3(s["roster.week"]),
        _table([_gap(x, s) if kind else _shift(x, url, s) for _, kind, x in timeline], s),
        html.Div([html.A(f"{s['roster.download']} · {_centre(c, s)}", href=f"/api/roster.ics?center={c}",
                         download=f"roster-{c}.ics", className="roster-download") for c in centres],
                 className="roster-downloads"),
    ], id="roster-panel", className="roster")


def roster_form(s: Strings) -> html.Details:
    """Edit the roster (admins; officers their own centre's): a rotation, a stand-in or a
    swap.  The shift choices are filled by callbacks/roster.py from the next 7 days."""
    from dashboard.i18n import dropdown_labels, unit_label
    from dashboard.roster_actions import VERBS
    from dashboard.roster_view import CENTRES
    from layouts import ids

    def field(id_: str, key: str) -> dcc.Input:
        return dcc.Input(id=id_, placeholder=s[key], className="input", debounce=False)

    def shifts(id_: str, key: str) -> dcc.Dropdown:
        return dcc.Dropdown(id=id_, options=[], placeholder=s[key], className="dropdown",
                            labels=dropdown_labels(s["lang"]))

    centres = [{"label": unit_label(c, s["lang"]) if c != "district" else s["district"], "value": c}
               for c in CENTRES]
    return html.Details([
        html.Summary(s["roster.edit"]),
        dcc.RadioItems(id=ids.ROSTER_VERB, value="rotation", inline=True, className="radios",
                       options=[{"label": s[f"roster.verb.{v}"], "value": v} for v in VERBS]),
        html.Div([
            dcc.Dropdown(id=ids.ROSTER_CENTER, options=centres, placeholder=s["roster.f.center"],
                         className="dropdown", labels=dropdown_labels(s["lang"])),
            field(ids.ROSTER_POST, "roster.f.post"), field(ids.ROSTER_NAME, "roster.f.name"),
            field(ids.ROSTER_PHONE, "roster.f.phone"), field(ids.ROSTER_START, "roster.f.start"),
            field(ids.ROSTER_END, "roster.f.end"), field(ids.ROSTER_RRULE, "roster.f.rrule"),
            shifts(ids.ROSTER_OCCURRENCE, "roster.f.occurrence"), shifts(ids.ROSTER_OTHER, "roster.f.other"),
            field(ids.ROSTER_REASON, "roster.f.reason"),
        ], className="roster-fields"),
        html.Button(s["roster.submit"], id=ids.ROSTER_SUBMIT, className="btn"),
        html.Div("", id=ids.ROSTER_RESULT, className="result"),
    ], id="roster-form", className="roster-form")

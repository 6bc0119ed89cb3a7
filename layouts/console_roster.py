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

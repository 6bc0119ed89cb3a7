"""The console's alarm-load page (告警负荷), ``/console/alarms``: the figures of
dashboard/alarm_load.py for the officer's duty seat against the ISA-18.2 / EEMUA 191
targets, over a period the officer picks (1, 7 or 30 days).  Officers and admins (the
``console`` permission); a street officer sees their street's seat.

Pure builders of the frame: the figures come from ``/api/alarm-load.json``, which the
instance answers from the archive (the console worker cannot read a DuckDB file another
process writes), fetched and drawn by assets/alarm_load_page.js every minute while the page
is open.  Each figure says its target and whether it is met in words, never by colour alone.
"""

from __future__ import annotations

import dash_ag_grid as dag
import orjson
from dash import dcc, html

from dashboard.alarm_load_api import DAYS
from dashboard.i18n import client_strings, grid_locale
from layouts.console import GRID_THEME

PAGE_ID = "alarm-load-page"
STATUS_ID = "alarm-load-status"
HOURLY_FIGURE = "alarm-load-hourly"
SOURCES_GRID = "alarm-load-sources"
#: the figures, in the page's order: (id, label key, target key)
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("alarms", "alarmload.alarms", "alarmload.target.none"),
    ("per_10_min", "alarmload.per_10_min", "alarmload.target.per_10_min"),
    ("per_hour", "alarmload.per_hour", "alarmload.target.per_hour"),
    ("flood", "alarmload.flood", "alarmload.target.flood"),
    ("top_share", "alarmload.top_share", "alarmload.target.top_share"),
    ("chattering", "alarmload.chattering", "alarmload.target.chattering"),
    ("stale", "alarmload.stale", "alarmload.target.stale"),
    ("priorities", "alarmload.priorities", "alarmload.target.priorities"),
)


def page_strings(s: dict[str, str]) -> dict[str, str]:
    """What assets/alarm_load_page.js words itself: verdicts, the flood line, the seat, the
    streets' and the sensor kinds' names (``unit.<code>``, ``sensor.<kind>``)."""
    keys = ("alarmload.met", "alarmload.missed", "alarmload.minutes", "alarmload.updated", "district",
            "alarmload.hourly")
    return {key: s[key] for key in s if key in keys or key.startswith(("unit.", "sensor."))}


def figure_id(name: str) -> str:
    return f"alarm-load-{name}"


def _card(name: str, label: str, target: str) -> html.Div:
    return html.Div([html.Div(label, className="load-label"),
                     html.Div("—", id=figure_id(name), className="load-value"),
                     html.Div(target, className="load-target"),
                     html.Div("", id=figure_id(name) + "-verdict", className="load-verdict")],
                    className="panel load-card")


def page(lang: str, user: str) -> html.Div:
    s = client_strings(lang)
    periods = [html.A(s["alarmload.days"].format(n=n), href=f"/console/alarms?days={n}&lang={lang}",
                      className="btn load-period", **{"data-days": str(n)})  # type: ignore[arg-type]
               for n in DAYS]
    hourly = dcc.Graph(id=HOURLY_FIGURE, config={"displayModeBar": False}, style={"height": "300px"},
                       figure={"data": [], "layout": {"paper_bgcolor": "#071a36", "plot_bgcolor": "#071a36",
                                                      "font": {"color": "#e6f1ff"}}})
    sources = dag.AgGrid(
        id=SOURCES_GRID, rowData=[],
        columnDefs=[{"field": "rank", "headerName": "#", "maxWidth": 70},
                    {"field": "source", "headerName": s["alarmload.col.source"]},
                    {"field": "kind", "headerName": s["alarmload.col.kind"]},
                    {"field": "street", "headerName": s["alarmload.col.street"]},
                    {"field": "alarms", "headerName": s["alarmload.col.alarms"]},
                    {"field": "share", "headerName": s["alarmload.col.share"]}],
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90},
        dashGridOptions={"theme": GRID_THEME, "animateRows": False, "rowHeight": 32,
                         "localeText": grid_locale(lang)},
        style={"height": "380px"})
    return html.Div(
        [html.Div([html.H1(s["alarmload.title"], className="load-title"),
                   html.A(s["console.title"], href=f"/console?lang={lang}", className="perception-back"),
                   html.Span(user, className="officer"),
                   html.Span(periods, className="load-periods"),
                   html.Span("", id=STATUS_ID, className="perception-status", role="status")],
                  className="console-bar"),
         html.P(s["alarmload.about"], className="load-about"),
         html.Div([_card(name, s[label], s[target]) for name, label, target in FIGURES],
                  className="load-cards"),
         html.Main([html.Section([html.Div(html.H2(s["alarmload.hourly"], className="panel-title"),
                                           className="panel-header"), hourly],
                                 className="panel"),
                    html.Section([html.Div(html.H2(s["alarmload.sources"], className="panel-title"),
                                           className="panel-header"), sources],
                                 className="panel")],
                   className="perception-body")],
        id=PAGE_ID,
        className=f"console perception alarm-load lang-{lang}",
        **{"data-lang": lang, "data-page": "alarm-load",  # type: ignore[arg-type]  # Dash types no data-*
           "data-strings": orjson.dumps(page_strings(s)).decode()},
    )

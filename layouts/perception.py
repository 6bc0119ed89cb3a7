"""The console's perception page (感知研判), ``/console/perception``: one table per analysis
of dashboard/perception.py with what it counts, its period and its CSV/XLSX export, and the
hotspots as a figure.  Officers and admins (the ``console`` permission); a street officer's
tables hold their street's tickets only.

Pure builders of the frame: the tables come from ``/api/perception.json``, which the
instance answers from the archive (the console worker cannot read a DuckDB file another
process writes: dashboard/perception_api.py), fetched and drawn by
assets/perception_page.js every minute while the page is open.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.i18n import client_strings, grid_locale
from layouts.console import GRID_THEME
from layouts.wall import header

PAGE_ID = "perception-page"
STATUS_ID = "perception-status"
HOTSPOT_FIGURE = "perception-hotspots-figure"
#: table name → (Chinese, English) titles, in the page's order
TITLES: dict[str, tuple[str, str]] = {
    "recurring": ("重复诉求", "Recurring issues"),
    "hard": ("疑难工单（退单、延期、重办、超期）", "Hard to solve (returned, extended, reopened, overdue)"),
    "returned_units": ("退单最多的单位", "Units most returned to"),
    "unsatisfied_weeks": ("不满意趋势（按周）", "Unsatisfied by week"),
    "unsatisfied_category": ("不满意 · 按类别", "Unsatisfied by category"),
    "unsatisfied_street": ("不满意 · 按街镇", "Unsatisfied by street"),
    "unsatisfied_unit": ("不满意 · 按承办单位", "Unsatisfied by unit"),
    "hotspots": ("本周热点（H3 网格）", "Hotspots this week (H3 cells)"),
    "rising": ("上升类别", "Rising categories"),
}


def grid_id(name: str) -> str:
    return f"perception-grid-{name}"


def note_id(name: str) -> str:
    return f"perception-note-{name}"


def table_panel(name: str, lang: str) -> html.Section:
    title = TITLES[name][0 if lang == "zh" else 1]
    links = [html.A(kind.upper(), href=f"/api/perception/{name}.{kind}", className="perception-export",
                    download=f"{name}.{kind}") for kind in ("csv", "xlsx")]
    return html.Section(
        [html.Div([html.H2(title, className="panel-title"), html.Span(links, className="perception-links")],
                  className="panel-header"),
         html.Div("", id=note_id(name), className="perception-note"),
         dag.AgGrid(id=grid_id(name), rowData=[], columnDefs=[],
                    defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
                    dashGridOptions={"theme": GRID_THEME, "animateRows": False, "rowHeight": 32,
                                     "pagination": True, "paginationPageSize": 10,
                                     "localeText": grid_locale(lang)},
                    style={"height": "420px"})],
        className=f"panel perception-panel perception-{name}",
    )


def page(lang: str, user: str) -> html.Div:
    s = client_strings(lang)
    figure = dcc.Graph(id=HOTSPOT_FIGURE, config={"displayModeBar": False}, style={"height": "420px"},
                       figure={"data": [], "layout": {"paper_bgcolor": "#071a36", "plot_bgcolor": "#071a36",
                                                      "font": {"color": "#e6f1ff"}}})
    hot = html.Section([html.Div(html.H2(TITLES["hotspots"][0 if lang == "zh" else 1] + " · 图",
                                         className="panel-title"), className="panel-header"), figure],
                       className="panel perception-panel")
    return html.Div(
        [header(s, "console.title"),
         html.Div([html.A(s["console.title"], href="/console", className="perception-back"),
                   html.Span(user, className="officer"),
                   html.Span("", id=STATUS_ID, className="perception-status", role="status")],
                  className="console-bar"),
         html.Main([*(table_panel(name, lang) for name in TITLES), hot], className="perception-body")],
        id=PAGE_ID,
        className=f"console perception lang-{lang}",
        **{"data-lang": lang, "data-page": "perception"},  # type: ignore[arg-type]  # Dash types no data-*
    )

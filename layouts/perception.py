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

import json
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.i18n import STRINGS, client_strings, grid_locale, t, unit_label
from dashboard.perception import Rules
from dashboard.units import UNITS
from layouts.console import GRID_THEME
from layouts.wall import header

PAGE_ID = "perception-page"
STATUS_ID = "perception-status"
HOTSPOT_FIGURE = "perception-hotspots-figure"
#: the tables in the page's order (their titles: dashboard/i18n.py ``perception.table.*``)
TABLES: tuple[str, ...] = ("recurring", "hard", "returned_units", "unsatisfied_weeks", "unsatisfied_category",
                           "unsatisfied_street", "unsatisfied_unit", "hotspots", "rising")


def grid_id(name: str) -> str:
    return f"perception-grid-{name}"


def note_id(name: str) -> str:
    return f"perception-note-{name}"


def labels(lang: str) -> dict[str, Any]:
    """What assets/perception_page.js shows for the API's machine fields, in ``lang``: column
    headings, streets and units by name (codes as the archive stores them), the weeks, and
    the page's own words.  Rendered into the page as JSON (``data-labels``)."""
    columns = {key.removeprefix("perception.col."): t(key, lang) for key in STRINGS
               if key.startswith("perception.col.")}
    columns.update({("w0" if n == 0 else f"w-{n}"): t("perception.week.0", lang) if n == 0
                    else t("perception.week.n", lang, n=n) for n in range(Rules().weeks + 1)})
    units = {code: unit_label(code, lang) for code, _, _ in UNITS}
    units.update({key.removeprefix("dept."): t(key, lang) for key in STRINGS if key.startswith("dept.")})
    centres = [t("dispatch.centre", "zh", name=zh) for _, zh, _ in UNITS]  # as the console writes them
    units.update({centre: unit_label(centre, lang) for centre in centres})
    units["?"] = t("perception.unknown", lang)
    words = {key.removeprefix("perception."): t(key, lang) for key in
             ("perception.loading", "perception.updated", "perception.failed", "perception.scope",
              "perception.period", "perception.computed", "perception.yes", "perception.unknown")}
    words["tip"] = t("map.hotspot.tip", lang)
    return {"lang": "en" if lang == "en" else "zh", "columns": columns, "units": units, "words": words}


def table_panel(name: str, lang: str) -> html.Section:
    title = t(f"perception.table.{name}", lang)
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
                                     "paginationPageSizeSelector": [10, 20, 50],
                                     "localeText": grid_locale(lang)},
                    style={"height": "420px"})],
        className=f"panel perception-panel perception-{name}",
    )


def page(lang: str, user: str) -> html.Div:
    s = client_strings(lang)
    figure = dcc.Graph(id=HOTSPOT_FIGURE, config={"displayModeBar": False}, style={"height": "420px"},
                       figure={"data": [], "layout": {"paper_bgcolor": "#071a36", "plot_bgcolor": "#071a36",
                                                      "font": {"color": "#e6f1ff"}}})
    hot = html.Section([html.Div(html.H2(s["perception.figure"], className="panel-title"),
                                 className="panel-header"), figure],
                       className="panel perception-panel")
    return html.Div(
        [header(s, "console.title"),
         html.Div([html.A(s["console.title"], href="/console" + ("?lang=en" if lang == "en" else ""),
                          className="perception-back"),
                   html.H2(s["perception.title"], className="perception-heading"),
                   html.Span(user, className="officer"),
                   html.Span(s["perception.loading"], id=STATUS_ID, className="perception-status",
                             role="status")],
                  className="console-bar"),
         html.Main([*(table_panel(name, lang) for name in TABLES), hot], className="perception-body")],
        id=PAGE_ID,
        className=f"console perception lang-{lang}",
        **{"data-lang": lang, "data-page": "perception",  # type: ignore[arg-type]  # Dash types no data-*
           "data-labels": json.dumps(labels(lang), ensure_ascii=False)},
    )

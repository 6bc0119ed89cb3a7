"""The console's street performance page (比学赶超), ``/console/performance?month=YYYY-MM``
(or ``?week=YYYY-Www``): the board of dashboard/performance.py for a month or a week —
rank with its interval under the sensitivity draws, index, trend since the period before,
strongest and weakest figure, and every figure with the cases it was counted from.
Officers and admins (``console``).

Pure builders of the frame: the board comes from ``/api/performance.json``, which the
instance answers from the archive (dashboard/performance_api.py), fetched and drawn by
assets/performance_page.js when the page appears and every five minutes while it stays.
"""

from __future__ import annotations

from datetime import date, timedelta

import dash_ag_grid as dag
import orjson
from dash import html

from dashboard import clock
from dashboard.i18n import client_strings, grid_locale
from dashboard.performance import FIGURES
from layouts.console import GRID_THEME

PAGE_ID = "performance-page"
STATUS_ID = "performance-status"
GRID_ID = "performance-grid"
CASES_ID = "performance-cases"  # the cases behind the figure clicked (assets/performance_page.js)
CASES_TITLE = "performance-cases-title"
MONTHS_SHOWN = 6  # this month and the five before, as links
WEEKS_SHOWN = 4  # this ISO week and the three before


def months_back(today: str, n: int) -> list[str]:
    """``YYYY-MM`` of today's month and the ``n - 1`` before, newest first."""
    out, day = [], date.fromisoformat(today).replace(day=1)
    for _ in range(n):
        out.append(day.isoformat()[:7])
        day = (day - timedelta(days=1)).replace(day=1)
    return out


def weeks_back(today: str, n: int) -> list[str]:
    """``YYYY-Www`` of today's ISO week and the ``n - 1`` before, newest first."""
    day = date.fromisoformat(today)
    out = []
    for k in range(n):
        year, week, _ = (day - timedelta(days=7 * k)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def page_strings(s: dict[str, str]) -> dict[str, str]:
    """What assets/performance_page.js words itself: the trend words, the figures' and the
    streets' names, the status line."""
    return {key: s[key] for key in s if key.startswith(("perf.", "unit."))}


def columns(s: dict[str, str]) -> list[dict[str, object]]:
    fixed = [{"field": "rank", "headerName": s["perf.col.rank"], "maxWidth": 80, "pinned": "left"},
             {"field": "unit", "headerName": s["perf.col.unit"], "minWidth": 130, "pinned": "left"},
             {"field": "index", "headerName": s["perf.col.index"], "maxWidth": 110},
             {"field": "interval", "headerName": s["perf.col.interval"], "maxWidth": 120},
             {"field": "trend", "headerName": s["perf.col.trend"], "maxWidth": 120},
             {"field": "strongest", "headerName": s["perf.col.strongest"], "minWidth": 150},
             {"field": "weakest", "headerName": s["perf.col.weakest"], "minWidth": 150}]
    return fixed + [{"field": f.key, "headerName": s[f"perf.figure.{f.key}"], "minWidth": 130}
                    for f in FIGURES]


def page(lang: str, user: str, min_cases: int) -> html.Div:
    s = client_strings(lang)
    today = clock.beijing_day(clock.now_ms())
    months = [html.A(month, href=f"/console/performance?month={month}&lang={lang}",
                     className="btn load-period",
                     **{"data-period": month})  # type: ignore[arg-type]  # Dash types no data-*
              for month in months_back(today, MONTHS_SHOWN)]
    weeks: list[html.Span | html.A] = [html.Span(s["perf.weeks"], className="load-periods-label")]
    weeks.extend(html.A(week[5:], href=f"/console/performance?week={week}&lang={lang}",
                        className="btn load-period", title=week,
                        **{"data-period": week})  # type: ignore[arg-type]  # Dash types no data-*
                 for week in weeks_back(today, WEEKS_SHOWN))
    grid = dag.AgGrid(
        id=GRID_ID, rowData=[], columnDefs=columns(s),
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        dashGridOptions={"theme": GRID_THEME, "animateRows": False, "rowHeight": 36,
                         "localeText": grid_locale(lang)},
        style={"height": "470px"})
    return html.Div(
        [html.Div([html.H1(s["perf.title"], className="load-title"),
                   html.A(s["console.title"], href=f"/console?lang={lang}", className="perception-back"),
                   html.Span(user, className="officer"),
                   html.Span(months, className="load-periods"),
                   html.Span(weeks, className="load-periods"),
                   html.Span("", id=STATUS_ID, className="perception-status", role="status")],
                  className="console-bar"),
         html.P(s["perf.about"].format(min=min_cases), className="load-about"),
         html.Main([html.Section(grid, className="panel performance-panel"),
                    html.Section([html.Div(html.H2(s["perf.cases.pick"], id=CASES_TITLE,
                                                   className="panel-title"), className="panel-header"),
                                  html.Div([], id=CASES_ID, className="performance-cases")],
                                 className="panel performance-panel")],
                   className="performance-body")],
        id=PAGE_ID,
        className=f"console perception performance lang-{lang}",
        **{"data-lang": lang, "data-page": "performance",  # type: ignore[arg-type]  # Dash types no data-*
           "data-strings": orjson.dumps(page_strings(s)).decode()},
    )

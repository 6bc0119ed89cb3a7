"""The wall (一屏观): header, vital signs, the one map, the live feed.

``page(...)`` is a pure function of the language, the wall's design size and the
catalogue; the browser client (assets/live.js + wall.js) fills every live value.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.catalogue import DIMENSIONS, Indicator
from dashboard.i18n import client_strings
from dashboard.units import UNITS
from dashboard.walls import design_size
from layouts import ids
from layouts.components import dimension_panel, kpi, panel
from layouts.map import LAYERS, one_map


def shell() -> html.Div:
    """The app's fixed frame: the page is rendered into it from the URL."""
    return html.Div([dcc.Location(id=ids.URL, refresh="callback-nav"), dcc.Store(id=ids.CURRENT_PATH),
                     html.Div(id=ids.PAGE), html.Div(id=ids.RENDERED, hidden=True)])


def header(strings: dict[str, str], title: str = "title") -> html.Header:
    return html.Header(
        [
            html.Div([html.H1(strings[title]), html.Div(strings["subtitle"], className="subtitle")],
                     className="wall-title"),
            html.Div("", id=ids.BANNER, className="banner banner-idle", role="alert"),
            html.Div(
                [
                    html.Div(strings["live.connecting"], id=ids.LIVE_BADGE,
                             className="live-badge live-connecting"),
                    html.Div([html.Div("--:--:--", id=ids.CLOCK, className="clock-time"),
                              html.Div("", id=ids.CLOCK_DATE, className="clock-date")],
                             className="clock"),
                ],
                className="wall-status",
            ),
        ],
        className="wall-header",
    )


def vital_signs(strings: dict[str, str], catalogue: list[Indicator], lang: str,
                per_dimension: int) -> html.Div:
    panels = []
    for dimension in DIMENSIONS:
        indicators = [i for i in catalogue if i.dimension == dimension][:per_dimension]
        panels.append(dimension_panel(dimension, strings[f"dim.{dimension}"], indicators, lang,
                                      strings["stale"]))
    return html.Div(panels, className="vital-signs")


def right_column(strings: dict[str, str]) -> html.Div:
    hotline = panel(strings["hotline"], html.Div(
        [kpi(strings["hotline.new"], ids.HOTLINE_NEW),
         kpi(strings["hotline.open"], ids.HOTLINE_OPEN),
         kpi(strings["hotline.overdue"], ids.HOTLINE_OVERDUE, "kpi-overdue"),
         kpi(strings["hotline.satisfaction"], ids.HOTLINE_SATISFACTION)],
        className="kpis"), "hotline")
    streets = [
        html.Div(
            [html.Span(strings[f"unit.{code}"], className="bar-label"),
             html.Div(html.Div(className="bar-fill", id=f"video-bar-{code}"), className="bar-track"),
             html.Span("—", id=f"video-rate-{code}", className="bar-value")],
            className="bar-row",
        )
        for code, _, _ in UNITS
    ]
    video = panel(strings["video"], html.Div(streets, id=ids.VIDEO_STREETS, className="bars"),
                  "video", html.Span("—", id=ids.VIDEO_RATE, className="video-rate"))
    feed = panel(strings["feed"], html.Div(id=ids.FEED, className="feed"), "feed-panel")
    return html.Div([feed, hotline, video], className="right-column")


def page(lang: str, wall: str | None, catalogue: list[Indicator],
         bounds: list[list[float]], tile_url: str | None,
         layers: frozenset[str] = frozenset(LAYERS), audience: str = "records") -> html.Div:
    """The whole wall at its design size (scaled to the display by assets/wall.js); for
    visitors (``audience="aggregates"``) the same frame fed with aggregates only."""
    strings = client_strings(lang)
    width, height = design_size(wall)
    wide = width / height > 3
    return html.Div(
        [
            header(strings),
            html.Main(
                [
                    vital_signs(strings, catalogue, lang, 6 if wide else 4),
                    one_map(strings, bounds, tile_url, layers=layers, records=audience == "records"),
                    right_column(strings),
                ],
                className="wall-body",
            ),
        ],
        id=ids.WALL_ROOT,
        className=f"wall lang-{lang}" + (" wall-wide" if wide else "")
        + (" wall-visitor" if audience != "records" else ""),
        style={"width": f"{width}px", "height": f"{height}px"},
        **{"data-design": f"{width}x{height}", "data-lang": lang, "data-audience": audience},  # type: ignore[arg-type]
    )

"""The wall (一屏观): header, vital signs, the one map, the live feed.

``page(...)`` is a pure function of the language, the wall's layout and the catalogue;
the browser client (assets/live.js + wall.js) fills every live value.  Two designs
(dashboard/walls.py): 1920×1080 (also scaled 2× on a 3840×2160 display) with vital signs,
map and feed side by side, and the spliced 5760×1080 wall whose three 1920-wide screens
each carry one part (map; vital signs; feed, 12345 and cameras), with nothing across a
seam.  Every text is at least 16 design px, labels 20 and figures 40 (assets/wall.css).
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.camera import CAMERA_STATUSES
from dashboard.catalogue import DIMENSIONS, Indicator
from dashboard.i18n import client_strings
from dashboard.units import UNITS
from dashboard.walls import DEFAULT_LAYOUT, WALL_LAYOUTS, design_size
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
            html.Div([html.H1(strings[title]),
                      html.Div([html.Span(strings["subtitle"]),
                                html.Span("", id=ids.WALL_SCOPE, className="wall-scope")],
                               className="subtitle")],
                     className="wall-title"),
            html.Div([html.Div("", id=ids.WALL_DUTY, className="wall-duty", title=strings["roster.now"]),
                      html.Div("", id=ids.BANNER, className="banner banner-idle", role="alert"),
                      html.Div("", id=ids.LAYOUT_NOTE, className="layout-note", hidden=True)],
                     className="header-centre"),
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


def silent_mark(family: str) -> html.Span:
    """Where the wall says that every source of ``family`` is silent ("数据源静默：… 自
    08:12 起无数据", dashboard/sources.py silent_families; filled by assets/wall.js); the
    values of its panel are then dimmed, not shown as current (assets/wall.css)."""
    return html.Span("", id=ids.source_silent(family), className="source-silent", hidden=True)


def right_column(strings: dict[str, str], wide: bool) -> html.Div:
    """The feed, the 12345 figures of the day and the cameras' online rates; the wide wall
    also shows the cameras by status in big figures (the map legend's counts)."""
    # the perception line has its own row under the figures: its parts wrap between
    # figures, never inside one, so it is whole at every layout (assets/perception_wall.js)
    hotline = panel(strings["hotline"], [html.Div(
        [kpi(strings["hotline.new"], ids.HOTLINE_NEW),
         kpi(strings["hotline.open"], ids.HOTLINE_OPEN),
         kpi(strings["hotline.overdue"], ids.HOTLINE_OVERDUE, "kpi-overdue"),
         kpi(strings["hotline.satisfaction"], ids.HOTLINE_SATISFACTION)],
        className="kpis"), html.Div(id=ids.PERCEPTION_SUMMARY, className="perception-summary")], "hotline",
        silent_mark("hotline"))
    streets = [
        html.Div(
            [html.Span(strings[f"unit.{code}"], className="bar-label"),
             html.Div(html.Div(className="bar-fill", id=f"video-bar-{code}"), className="bar-track"),
             html.Span("—", id=f"video-rate-{code}", className="bar-value")],
            className="bar-row",
        )
        for code, _, _ in UNITS
    ]
    bars = html.Div(streets, id=ids.VIDEO_STREETS, className="bars")
    counts = html.Div([kpi(strings[f"status.{s}"], ids.video_count(s), f"kpi-status status-{s}")
                       for s in CAMERA_STATUSES], className="kpis video-counts")
    video = panel(strings["video"], [counts, bars] if wide else bars,
                  "video", [html.Span("—", id=ids.VIDEO_RATE, className="video-rate"), silent_mark("video")])
    # the ranking board (比学赶超) takes the cameras' place in turns, once it has a board to
    # show (assets/performance_wall.js: /api/performance/summary.json, aggregates only)
    board = panel(strings["board"], html.Div(id=ids.BOARD_ROWS, className="board-rows"), "board",
                  html.Span("", id=ids.BOARD_MONTH, className="board-month"))
    feed = panel(strings["feed"], html.Div(id=ids.FEED, className="feed",
                                           **{"data-rows": "12" if wide else "7"}),  # type: ignore[arg-type]
                 "feed-panel", silent_mark("incident"))
    return html.Div([feed, hotline, video, board], id=ids.RIGHT_COLUMN, className="right-column")


def page(lang: str, wall: str | None, catalogue: list[Indicator],
         bounds: list[list[float]], tile_url: str | None,
         layers: frozenset[str] = frozenset(LAYERS), audience: str = "records") -> html.Div:
    """The whole wall at its design size (scaled to the display by assets/wall.js); for
    visitors (``audience="aggregates"``) the same frame fed with aggregates only."""
    strings = client_strings(lang)
    layout = wall if wall in WALL_LAYOUTS else DEFAULT_LAYOUT
    width, height = design_size(layout)
    wide = width / height > 3
    return html.Div(
        [
            header(strings),
            html.Main(
                [
                    vital_signs(strings, catalogue, lang, 6 if wide else 4),
                    one_map(strings, bounds, tile_url, layers=layers, records=audience == "records"),
                    right_column(strings, wide),
                ],
                className="wall-body",
            ),
        ],
        id=ids.WALL_ROOT,
        className=f"wall lang-{lang}" + (" wall-wide" if wide else "")
        + (" wall-visitor" if audience != "records" else ""),
        style={"width": f"{width}px", "height": f"{height}px"},
        # data-layout: the layout shown; wall.js says so on screen when the URL asked for
        # another (a wall token fixes its layout: docs/config.md "Wall layouts")
        **{"data-design": f"{width}x{height}", "data-layout": layout,  # type: ignore[arg-type]
           "data-layouts": ",".join(WALL_LAYOUTS),
           "data-lang": lang, "data-audience": audience},
    )

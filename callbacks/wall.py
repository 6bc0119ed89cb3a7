"""The wall's callbacks: render the page for the URL; tell the browser client it exists."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import dash
from dash import Input, Output, State, html

from dashboard import geo
from dashboard.i18n import LANGS
from layouts import console, ids, wall
from layouts.map import LAYERS

if TYPE_CHECKING:
    from dashboard.app import Runtime


def register(app: dash.Dash, runtime: Runtime) -> None:
    settings = runtime.settings
    south, west, north, east = geo.district_bounds()
    if settings.tile_url and settings.tile_crs != "gcj02":
        south, west = geo.convert(south, west, "gcj02", settings.tile_crs)
        north, east = geo.convert(north, east, "gcj02", settings.tile_crs)
    bounds = [[south, west], [north, east]]

    @app.callback(Output(ids.PAGE, "children"), Output(ids.CURRENT_PATH, "data"),
                  Input(ids.URL, "pathname"), State(ids.URL, "search"), State(ids.CURRENT_PATH, "data"))
    def render_page(pathname: str | None, search: str | None,
                    current: str | None) -> tuple[html.Div, str]:
        """The page for the path, rendered once per path: drill-down in the console changes
        only the query, which the console's callbacks follow (via the console-search store)."""
        path = (pathname or "/").rstrip("/") or "/"
        if path == current:
            return dash.no_update, dash.no_update
        query = parse_qs((search or "").lstrip("?"))
        lang = query.get("lang", ["zh"])[0]
        if path == "/console":
            return console.page(lang if lang in LANGS else "zh", bounds, settings.tile_url,
                                runtime.console.dispatch_units, search or ""), path
        layers = frozenset(query["layers"][0].split(",")) & frozenset(LAYERS) \
            if "layers" in query else frozenset(LAYERS)
        return wall.page(lang if lang in LANGS else "zh", query.get("wall", [None])[0],
                         runtime.catalogue, bounds, settings.tile_url, layers), path

    # The live client renders everything it knows as soon as the page is in the DOM.
    app.clientside_callback(
        "function (children) { if (window.cnWall) { window.cnWall.pageRendered(); } return ''; }",
        Output(ids.RENDERED, "children"),
        Input(ids.PAGE, "children"),
    )

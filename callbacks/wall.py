"""The wall's callbacks: render the page for the URL; tell the browser client it exists."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import dash
from dash import Input, Output, State, html

from dashboard import geo
from dashboard.access import route_permission
from dashboard.guard import client_ip, current
from dashboard.i18n import LANGS, client_strings
from layouts import admin, console, ids, wall
from layouts.map import LAYERS

if TYPE_CHECKING:
    from dashboard.runtime import Runtime


def register(app: dash.Dash, runtime: Runtime) -> None:
    settings = runtime.settings
    bounds = runtime.hub.views.projection.bounds(*geo.district_bounds())

    @app.callback(Output(ids.PAGE, "children"), Output(ids.CURRENT_PATH, "data"),
                  Input(ids.URL, "pathname"), State(ids.URL, "search"), State(ids.CURRENT_PATH, "data"))
    def render_page(pathname: str | None, search: str | None,
                    current_path: str | None) -> tuple[html.Div, str]:
        """The page for the path and the caller's role, rendered once per path: drill-down
        in the console changes only the query, which the console's callbacks follow (via
        the console-search store).  A path the role may not open renders a refusal (the
        guard refused the same path on a full page load already)."""
        principal = current()
        if principal is None:
            raise dash.exceptions.PreventUpdate
        path = (pathname or "/").rstrip("/") or "/"
        if path == current_path:
            return dash.no_update, dash.no_update
        query = parse_qs((search or "").lstrip("?"))
        lang = query.get("lang", ["zh"])[0]
        lang = lang if lang in LANGS else "zh"
        needed = route_permission(path)
        if not principal.can(needed):
            runtime.refusals.deny(f"page:{needed}", client_ip(), path, principal.label())
            return html.Div(client_strings(lang)["forbidden"], className="forbidden"), path
        if path == "/console":
            return console.page(lang, bounds, settings.tile_url, runtime.console.dispatch_units,
                                search or "", principal.label()), path
        if path.startswith("/admin"):
            return admin.page(lang, principal.label()), path
        layers = frozenset(query["layers"][0].split(",")) & frozenset(LAYERS) \
            if "layers" in query else frozenset(LAYERS)
        if principal.audience != "records":
            layers = frozenset({"streets"})  # visitors: no camera, incident or sensor points
        layout = principal.layout or query.get("wall", [None])[0]  # a wall token fixes its layout
        return wall.page(lang, layout, runtime.catalogue, bounds, settings.tile_url, layers,
                         principal.audience), path

    # The live client renders everything it knows as soon as the page is in the DOM.
    app.clientside_callback(
        "function (children) { if (window.cnWall) { window.cnWall.pageRendered(); } return ''; }",
        Output(ids.RENDERED, "children"),
        Input(ids.PAGE, "children"),
    )

"""The wall's callbacks: render the page for the URL (layouts/pages.py decides which);
tell the browser client it exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import geo
from dashboard.guard import client_ip, current
from dashboard.i18n import signed_in_as
from layouts import ids, pages

if TYPE_CHECKING:
    from dashboard.runtime import Runtime


def register(app: dash.Dash, runtime: Runtime) -> None:
    frame = pages.Frame(bounds=runtime.hub.views.projection.bounds(*geo.district_bounds()),
                        tile_url=runtime.settings.tile_url, dispatch_units=runtime.console.dispatch_units,
                        catalogue=runtime.catalogue,
                        layers=frozenset(runtime.settings.map_layers.split(",")),
                        performance_min_cases=runtime.performance.min_cases)

    @app.callback(
        output={"page": Output(ids.PAGE, "children"), "path": Output(ids.CURRENT_PATH, "data")},
        inputs={"pathname": Input(ids.URL, "pathname")},
        state={"search": State(ids.URL, "search"), "current_path": State(ids.CURRENT_PATH, "data")},
    )
    def render_page(pathname: str | None, search: str | None, current_path: str | None) -> dict[str, Any]:
        """The page for the path and the caller's role, rendered once per path: drill-down
        in the console changes only the query, which the console's callbacks follow (via
        the console-search store).  A path the role may not open renders a refusal (the
        guard refused the same path on a full page load already)."""
        principal, path = current(), pages.normal_path(pathname)
        if principal is None or path == current_path:
            raise PreventUpdate
        page = pages.page_for(path, search, principal, frame.layers)
        if not page.allowed:
            runtime.refusals.deny(f"page:{page.permission}", client_ip(), path, principal.label())
        user = signed_in_as(principal.name, principal.role, page.lang)
        return {"page": pages.render(page, frame, search or "", user), "path": path}

    # The live client renders everything it knows as soon as the page is in the DOM.
    app.clientside_callback(
        "function (children) { if (window.cnWall) { window.cnWall.pageRendered(); } return ''; }",
        Output(ids.RENDERED, "children"),
        Input(ids.PAGE, "children"),
    )

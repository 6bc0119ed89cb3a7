"""Which page a path shows to a principal, and the page itself.  Pure.

:func:`page_for` decides (the page, the permission it needs, the language, a wall's
layers and layout); :func:`render` builds it with what does not change while the
instance runs (:class:`Frame`).  The guard has already refused a full page load of a path
the role may not open; a page reached by navigation inside the app renders a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from dash import html

from dashboard.access import route_permission
from dashboard.auth import Principal
from dashboard.catalogue import Indicator
from dashboard.i18n import LANGS, client_strings
from layouts import admin, alarm_load, console, perception, performance, wall
from layouts.map import LAYERS

PageKind = Literal["wall", "console", "perception", "alarms", "performance", "admin"]


@dataclass(frozen=True)
class Page:
    kind: PageKind
    lang: str
    allowed: bool  # the principal has the permission the path needs (dashboard/access.py)
    permission: str = "wall"
    layers: frozenset[str] = frozenset(LAYERS)  # the wall's overlays at start
    layout: str | None = None  # the wall's design size (a wall token fixes it)
    audience: str = "records"


@dataclass(frozen=True)
class Frame:
    """What every page is built with: the map's bounds and tiles, the console's dispatch
    units, the indicator catalogue."""

    bounds: list[list[float]]
    tile_url: str | None
    dispatch_units: tuple[str, ...]
    catalogue: list[Indicator]
    layers: frozenset[str] = frozenset(LAYERS)  # a wall's map layers unless its URL says (map_layers)
    performance_min_cases: int = 5  # performance.toml's, said on the performance page


def normal_path(pathname: str | None) -> str:
    """``/console/`` → ``/console``; nothing → ``/``."""
    return (pathname or "/").rstrip("/") or "/"


def lang_of(search: str | None) -> str:
    """The ``lang`` of a query string, ``zh`` unless it is another known language."""
    lang = parse_qs((search or "").lstrip("?")).get("lang", ["zh"])[0]
    return lang if lang in LANGS else "zh"


def page_for(path: str, search: str | None, principal: Principal,
             default_layers: frozenset[str] = frozenset(LAYERS)) -> Page:
    """The page of ``path`` (normalised) for ``principal``.  The wall's map shows the
    layers of its URL's ``?layers=`` or else ``default_layers`` (``Settings.map_layers``);
    a visitor's wall the streets layer only (no camera, incident or sensor points)."""
    query = parse_qs((search or "").lstrip("?"))
    kind: PageKind = ("admin" if path.startswith("/admin") else "console" if path == "/console"
                      else "perception" if path == "/console/perception"
                      else "alarms" if path == "/console/alarms"
                      else "performance" if path == "/console/performance" else "wall")
    layers = frozenset(query["layers"][0].split(",")) & frozenset(LAYERS) if "layers" in query \
        else default_layers
    if principal.audience != "records":
        layers = frozenset({"streets"})
    needed = route_permission(path)
    return Page(kind=kind, lang=lang_of(search), allowed=principal.can(needed), permission=needed,
                layers=layers,
                layout=principal.layout or query.get("wall", [None])[0], audience=principal.audience)


def render(page: Page, frame: Frame, search: str = "", user: str = "") -> html.Div:
    """The page's components (``search``: the console's query string; ``user``: who is
    signed in, as shown in the header)."""
    if not page.allowed:
        return html.Div(client_strings(page.lang)["forbidden"], className="forbidden")
    if page.kind == "console":
        return console.page(page.lang, frame.bounds, frame.tile_url, frame.dispatch_units, search, user)
    if page.kind == "perception":
        return perception.page(page.lang, user)
    if page.kind == "alarms":
        return alarm_load.page(page.lang, user)
    if page.kind == "performance":
        return performance.page(page.lang, user, frame.performance_min_cases)
    if page.kind == "admin":
        return admin.page(page.lang, user)
    return wall.page(page.lang, page.layout, frame.catalogue, frame.bounds, frame.tile_url, page.layers,
                     page.audience)

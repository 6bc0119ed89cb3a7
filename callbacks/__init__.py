"""Callback registration per area: thin adapters over dashboard/ selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash

from callbacks import admin, checkin, console, handover, roster, wall

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

# the permission each area's callbacks need; the guard refuses a callback request of a
# role without it before Dash runs anything, and the callbacks check again themselves
AREAS = ((wall, "wall"), (console, "console"), (roster, "console"), (checkin, "console"),
         (handover, "console"),
         (admin, "admin"))


def register_all(app: dash.Dash, runtime: Runtime) -> dict[str, str]:
    """Register every area's callbacks on ``app`` (never on the global dash.callback);
    returns each callback's output key → the permission it needs."""
    permissions: dict[str, str] = {}
    for module, permission in AREAS:
        before = set(app.callback_map)
        module.register(app, runtime)
        permissions.update(dict.fromkeys(set(app.callback_map) - before, permission))
    return permissions

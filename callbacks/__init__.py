"""Callback registration per area: thin adapters over dashboard/ selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash

from callbacks import console, wall

if TYPE_CHECKING:
    from dashboard.app import Runtime


def register_all(app: dash.Dash, runtime: Runtime) -> None:
    """Register every area's callbacks on ``app`` (never on the global dash.callback)."""
    wall.register(app, runtime)
    console.register(app, runtime)

"""Callback registration per area: thin adapters over dashboard/ selectors."""

from __future__ import annotations

from typing import Any

import dash


def register_all(app: dash.Dash, runtime: Any) -> None:
    """Register every area's callbacks on ``app`` (never on the global dash.callback)."""
    del app, runtime  # the counters page is fed by assets/live.js alone

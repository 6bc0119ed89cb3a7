"""Every id a callback names exists on a page that callback serves.  Dash's validation
layout did this check in the browser, but it also sent every page the structure of all
screens (issue #12); the app suppresses it, and this test keeps the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash.development.base_component import Component

from layouts import admin, console, wall


def ids_in(component: Any, found: set[str]) -> set[str]:
    if isinstance(component, Component):
        cid = getattr(component, "id", None)
        if isinstance(cid, str):
            found.add(cid)
        ids_in(getattr(component, "children", None), found)
        for prop in ("tabs", "label"):
            ids_in(getattr(component, prop, None), found)
    elif isinstance(component, list | tuple):
        for child in component:
            ids_in(child, found)
    return found


def test_every_callback_id_is_on_a_page(tmp_path: Path) -> None:
    from dashboard.app import create_app
    from dashboard.config import load_settings

    settings = load_settings({"redis_url": "redis://127.0.0.1:1", "users_file": str(tmp_path / "u.json"),
                              "audit_spool": str(tmp_path / "spool.jsonl")}, environ={})
    app = create_app(settings)
    runtime = app.state.runtime
    pages = [wall.shell(), wall.page("zh", None, runtime.catalogue, [[0, 0], [1, 1]], None),
             console.page("zh", [[0, 0], [1, 1]], None, runtime.console.dispatch_units),
             admin.page("zh")]
    known = set().union(*(ids_in(page, set()) for page in pages))
    dash_app = app.state.dash
    named: set[str] = set()
    for key, spec in dash_app.callback_map.items():
        for part in key.strip(".").split("..."):
            if "{" not in part:  # pattern ids: their components are made per record
                named.add(part.rpartition(".")[0])
        for dep in spec["inputs"] + spec.get("state", []):
            if isinstance(dep["id"], str) and not dep["id"].startswith("{"):
                named.add(dep["id"])
    missing = named - known
    assert not missing, sorted(missing)
    assert dash_app.config.suppress_callback_exceptions  # no validation layout to the browser

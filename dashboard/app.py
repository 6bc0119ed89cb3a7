"""create_app(settings): the one place that wires Redis, the replica, /live and Dash.

One process, one asyncio loop, one port: FastAPI (under uvicorn) serves /healthz,
/metrics, /live and the data endpoints, and Dash is mounted on the same server for the
pages.  Nothing happens at import time; two apps can live in one process.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dash
from dash import html
from fastapi import FastAPI, WebSocket
from fastapi.responses import JSONResponse, Response

from dashboard import http_api
from dashboard import state as st
from dashboard.audit import Auditor
from dashboard.bus import Bus, connect
from dashboard.catalogue import load_catalogue
from dashboard.config import ConfigError, Settings
from dashboard.console import ConsoleConfig, load_console_config
from dashboard.guard import Guard
from dashboard.guard import current as current_principal
from dashboard.live import Hub
from dashboard.metrics import Metrics
from dashboard.replica import Replica

HERE = Path(__file__).resolve().parent
#: The browser assets: the repo's top-level assets/, which the wheel ships as dashboard/assets/.
ASSETS = HERE / "assets" if (HERE / "assets").is_dir() else HERE.parent / "assets"


@dataclass
class Runtime:
    """The live parts of one instance, reachable from routes and callbacks."""

    settings: Settings
    metrics: Metrics
    bus: Bus
    replica: Replica
    hub: Hub
    catalogue: list[dict[str, Any]]
    console: ConsoleConfig
    auditor: Auditor
    guard: Guard | None = None  # set once the pages are mounted (it needs their CSP hashes)
    started: float = field(default_factory=time.time)
    _digest: tuple[tuple[str, int, int], str] | None = None

    @property
    def state(self) -> st.State:
        return self.replica.state

    def digest(self) -> str:
        """State digest, recomputed only when the state has moved on."""
        s = self.state
        key = (s.last_id, s.applied, s.dead)
        if self._digest is None or self._digest[0] != key:
            self._digest = (key, st.digest(s))
        return self._digest[1]

    def health(self) -> dict[str, Any]:
        s = self.state
        return {
            "redis": "up" if self.replica.redis_up else "down",
            "applied": s.applied,
            "last_id": s.last_id,
            "dead": s.dead,
            "clients": self.hub.client_count(),
            "digest": self.digest(),
            "snapshot_id": self.replica.snapshot_id,
            "lag_s": round(max(0.0, time.time() - st.entry_time(s.last_id) / 1000), 3)
            if s.last_id != "0-0" else None,
            "uptime_s": round(time.time() - self.started, 1),
            "audit_spooled": self.auditor.spooled,
        }


def build_runtime(settings: Settings) -> Runtime:
    if not settings.redis_url:
        raise ValueError("create_app needs settings.redis_url (the CLI starts an embedded Redis)")
    try:
        catalogue = load_catalogue(settings.catalogue_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'catalogue_path': {exc}") from None
    try:
        console = load_console_config(settings.console_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'console_path': {exc}") from None
    metrics = Metrics()
    bus = Bus(connect(settings.redis_url, settings.redis_max_connections), settings)
    replica = Replica(bus, settings, metrics)
    hub = Hub(replica.state, settings, metrics,
              {indicator["key"]: int(indicator["stale_after_s"]) for indicator in catalogue})

    def on_changes(changes: st.Changes) -> None:
        if "*" in changes.keys:
            hub.set_state(replica.state)
        else:
            hub.on_changes(changes)

    replica.on_changes = on_changes
    hub.status_fn = lambda: {"redis": "up" if replica.redis_up else "down"}
    auditor = Auditor(bus.redis, settings.keys.audit, settings.audit_spool, settings.audit_spool_max,
                      metrics)
    return Runtime(settings, metrics, bus, replica, hub, catalogue, console, auditor)


def create_app(settings: Settings) -> FastAPI:
    """The ASGI app of one dashboard instance (``app.state.runtime`` holds its parts)."""
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.replica.start()
        runtime.hub.start()
        runtime.auditor.start()
        try:
            yield
        finally:
            await runtime.auditor.stop()
            await runtime.hub.stop()
            await runtime.replica.stop()
            await runtime.bus.redis.aclose()

    server = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    server.state.runtime = runtime

    @server.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse(runtime.health())

    @server.get("/metrics")
    async def metrics() -> Response:
        runtime.metrics.clients.set(runtime.hub.client_count())
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    @server.websocket("/live")
    async def live(ws: WebSocket) -> None:
        principal = current_principal()
        if principal is None:  # the guard lets no one through without one; belt and braces
            await ws.close(code=4401)
            return
        await runtime.hub.serve(ws, principal)

    http_api.register(server, runtime)
    dash_app = _mount_dash(server, runtime)
    guard = runtime.guard = Guard(server, runtime, list(dash_app.csp_hashes()))
    guard.callback_permissions = dash_app.callback_permissions  # type: ignore[attr-defined]
    runtime.hub.revalidate = guard.revalidate
    # the guard is the outermost layer: nothing of the app runs before it has checked
    server.add_middleware(_Outermost, guard=guard)
    return server


class _Outermost:
    """Starlette middleware adapter: runs :class:`Guard` around the rest of the app."""

    def __init__(self, app: Any, guard: Guard) -> None:
        guard.app = app
        self.guard = guard

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.guard(scope, receive, send)


def _mount_dash(server: FastAPI, runtime: Runtime) -> dash.Dash:
    from callbacks import register_all
    from layouts import admin, console, wall

    app = dash.Dash(
        __name__,
        server=server,
        assets_folder=str(ASSETS),
        title="长宁城运 · 一屏观",
        update_title=None,
        serve_locally=True,
    )
    app.layout = wall.shell()
    app.validation_layout = html.Div([
        wall.shell(), wall.page("zh", None, runtime.catalogue, [[0, 0], [1, 1]], None),
        console.page("zh", [[0, 0], [1, 1]], None, runtime.console.dispatch_units),
        admin.page("zh"),
    ])
    app.callback_permissions = register_all(app, runtime)  # type: ignore[attr-defined]
    # Dash registers the assets folder on its first request; under the FastAPI backend only
    # a request to "/" runs that hook, so a kiosk opening /console first got a page with no
    # CSS or JS.  Run it now, once, for every path.
    app._setup_server()
    return app

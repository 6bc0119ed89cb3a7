"""create_app(settings): the composition root, the one place that wires Redis, the
replica, /live, sign-in, the guard and Dash; the only dashboard module that imports the
pages (layouts/) and their callbacks (callbacks/).

One process, one asyncio loop, one port: FastAPI (under uvicorn) serves /healthz,
/metrics, /live and the data endpoints, and Dash is mounted on the same server for the
pages.  Nothing happens at import time; two apps can live in one process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import dash
from dash.exceptions import DependencyException
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response

from callbacks import register_all
from dashboard import (
    alarm_load_api,
    checkin_api,
    clock,
    handover_api,
    hosts,
    http_api,
    perception_api,
    performance_api,
    phone_api,
    roster_api,
)
from dashboard.access import CallbackPermissions
from dashboard.config import Settings
from dashboard.console_worker import WORKER_HOST, ConsoleWorker, WorkerDoor
from dashboard.gate import CallbackGate
from dashboard.guard import Denied, Guard
from dashboard.guard import current as current_principal
from dashboard.headers import SecurityHeaders
from dashboard.ratelimits import ConnectionLimit
from dashboard.runtime import Runtime, build_runtime
from dashboard.signin import SignIn
from dashboard.sources import health
from dashboard.wecom import WeComApp, WeComClient
from dashboard.wecom_signin import WeComSignIn
from layouts import wall

log = logging.getLogger("dashboard.app")
HERE = Path(__file__).resolve().parent
#: The browser assets: the repo's top-level assets/, which the wheel ships as dashboard/assets/.
ASSETS = HERE / "assets" if (HERE / "assets").is_dir() else HERE.parent / "assets"


def create_app(settings: Settings, *, worker: bool = False) -> FastAPI:
    """The ASGI app of one dashboard instance (``app.state.runtime`` holds its parts,
    ``app.state.callbacks`` each Dash callback's permission); ``worker``: the app of its
    console worker (dashboard/console_worker.py), which serves the console's requests
    that the instance hands it, on a replica that only follows the log."""
    runtime = build_runtime(settings, follower=worker)
    wecom_app = None if worker else WeComApp.of(settings)  # the optional 政务微信/WeCom sign-in
    wecom = WeComClient(wecom_app) if wecom_app is not None else None
    if settings.console_worker and not worker:
        runtime.console_worker = ConsoleWorker(settings, lambda: runtime.state.last_id)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.feed.start(runtime.on_notice)  # the sign-outs so far, before serving
        await runtime.replica.start()
        runtime.hub.start()
        runtime.auditor.start()
        runtime.rollup.start()
        runtime.loop_watch.start()
        runtime.users_watch.start()
        if runtime.archiver is not None:
            runtime.archiver.start()
        if runtime.checkin_scheduler is not None:
            runtime.checkin_scheduler.start()
        try:
            yield
        finally:
            if runtime.checkin_scheduler is not None:
                await runtime.checkin_scheduler.stop()
            if runtime.console_worker is not None:
                await runtime.console_worker.stop()
            if runtime.archiver is not None:
                await runtime.archiver.stop()
            await runtime.users_watch.stop()
            await runtime.loop_watch.stop()
            await runtime.rollup.stop()
            await runtime.auditor.stop()
            await runtime.feed.stop()
            await runtime.hub.stop()
            await runtime.replica.stop()
            await runtime.bus.redis.aclose()
            if wecom is not None:
                await wecom.close()

    server = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    server.state.runtime = runtime

    @server.get("/healthz")
    async def healthz(digest: str = "") -> JSONResponse:
        return JSONResponse(runtime.health(with_digest=digest not in ("", "0")))

    @server.get("/metrics")
    async def metrics(process: str = "") -> Response:
        if process == "console":  # the console worker's own (dashboard/console_worker.py)
            text = await runtime.console_worker.metrics() if runtime.console_worker else None
            if text is None:
                return Response("no console worker is running\n", status_code=404,
                                media_type="text/plain")
            return Response(text, media_type="text/plain; version=0.0.4")
        runtime.metrics.clients.set(runtime.hub.client_count())
        now = clock.now_ms()
        runtime.metrics.sources(health(runtime.state.sources, runtime.sources, now), now)
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    @server.websocket("/live")
    async def live(ws: WebSocket) -> None:
        principal = current_principal()
        if principal is None:  # the guard lets no one through without one; belt and braces
            await ws.close(code=4401)
            return
        await runtime.hub.serve(ws, principal)

    @server.exception_handler(DependencyException)
    async def unknown_suite_file(request: Request, exc: DependencyException) -> Response:
        # Dash refuses a /_dash-component-suites/ path it did not register by raising;
        # that is a file not found, not a server error
        return Response("not found\n", status_code=404, media_type="text/plain")

    http_api.register(server, runtime)
    server.state.perception = perception_api.register(server, runtime)
    performance_api.register(server, runtime)
    roster_api.register(server, runtime)
    handover_api.register(server, runtime)
    phone_api.register(server, runtime, ASSETS)
    checkin_api.register(server, runtime)
    alarm_load_api.register(server, runtime)
    sign_in = SignIn(runtime.identity, runtime.sign_in_limits, runtime.auditor, runtime.rollup,
                     runtime.metrics, runtime.refusals,
                     session_ttl_s=settings.session_ttl_s, cookie_secure=settings.cookie_secure,
                     visitor_anonymous=settings.visitor_anonymous, wecom=wecom is not None)
    sign_in.register(server)
    WeComSignIn(sign_in, wecom, redirect_uri=settings.wecom_redirect_uri,
                state_s=settings.wecom_state_s).register(server)
    server.state.wecom = wecom
    dash_app, callbacks = _mount_dash(server, runtime)
    server.state.callbacks = callbacks
    server.state.dash = dash_app
    # the guard is the outermost layer: nothing of the app runs before it has checked
    server.add_middleware(
        Guard,
        callbacks=callbacks,
        identity=runtime.identity,
        sign_in=sign_in,
        connections=ConnectionLimit(settings.live_connects_per_min),
        headers=SecurityHeaders(dash_app.csp_hashes(), settings.frame_ancestors, settings.tile_url),
        refusals=runtime.refusals,
        auditor=runtime.auditor,
        gate=CallbackGate(settings.callback_concurrency),
        console=runtime.console_worker,
        max_request_bytes=settings.max_request_bytes,
        body_timeout_s=settings.body_timeout_s,
        # the worker also answers the instance's own requests (health, metrics)
        served_hosts=(hosts.served_hosts(settings.host, settings.allowed_hosts)
                      | (WORKER_HOST if worker else frozenset())),
        allowed_origins=settings.allowed_origins.split(),
        monitoring_token=settings.monitoring_token,
        open311_token=settings.open311_token,
        csrf_max_age_s=settings.wall_session_ttl_s,
        cookie_secure=settings.cookie_secure,
    )
    if worker:  # outside the guard: the caller's address and the entry to wait for
        server.add_middleware(WorkerDoor, replica=runtime.replica, wait_s=settings.console_worker_wait_s)
    return server


def _logged(error: Exception) -> None:
    """A callback raised: say so in the log (a refusal briefly, anything else with its
    traceback), then let Dash answer as it would."""
    if isinstance(error, Denied):
        log.info("callback refused: %s", error)
    else:
        log.error("callback failed: %r", error, exc_info=error)
    raise error


def _mount_dash(server: FastAPI, runtime: Runtime) -> tuple[dash.Dash, CallbackPermissions]:
    """The pages on ``server``, and each registered callback's permission."""
    app = dash.Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash 4 types only Flask servers
        assets_folder=str(ASSETS),
        # the phone page's own files (dashboard/phone_api.py) are served, not put on Dash's pages
        assets_ignore=r"^(phone|checkin_phone)\.(js|css)$",
        title="长宁城运 · 一屏观",
        update_title=None,  # type: ignore[arg-type]  # None: no "Updating..." title
        serve_locally=True,
        # phones lay the console out at their own width (assets/console.css, narrow screens)
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=_logged,  # Dash's FastAPI backend answers a failing callback 500 and logs nothing
        # each page is rendered for its role by the router callback, so callbacks name ids
        # the first layout lacks; Dash would otherwise send every page a validation layout
        # of all screens (the console's and admin's structure to walls and visitors).
        # tests/unit/test_layout_ids.py checks every callback's ids against the pages.
        suppress_callback_exceptions=True,
    )
    app.layout = wall.shell()
    permissions = CallbackPermissions(register_all(app, runtime))
    # Dash registers the assets folder on its first request; under the FastAPI backend only
    # a request to "/" runs that hook, so a kiosk opening /console first got a page with no
    # CSS or JS.  Run it now, once, for every path.
    app._setup_server()
    return app, permissions

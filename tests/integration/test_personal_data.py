"""No personal data outside the masks (#12 item 1), against a real dashboard process and
a real Redis: for every role (wall, visitor, officer of the district, officer of one
street, admin), every route the app serves, every console and admin callback (replayed
as dash-renderer sends them, built from the app's own /_dash-dependencies, for a record
of every kind) and every /live frame (the hello and the patches of events that arrive
while connected) is scanned for the known personal values that support/personal_data.py
seeds in events of every kind.  A reveal (officer, audited) shows its one value, and
that value then appears nowhere else.  What people see of it, in Chromium:
tests/e2e/test_personal_data.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis
import websockets

from dashboard.hotline import BUTTONS
from dashboard.lifecycle import VERBS
from support import personal_data as pd
from support.processes import DashboardProcess, wait_for

ROLES = ("wall", "visitor", "officer", "jiangsu", "admin")
DRILLS = ("", f"?incident={pd.INCIDENT}", f"?incident={pd.OTHER_INCIDENT}&street=hongqiao",
          f"?incident={pd.LATER_INCIDENT}", f"?ticket={pd.TICKET}", f"?duty={pd.DUTY}",
          f"?camera={pd.CAMERA}", f"?sensor={pd.SENSOR}", "?street=jiangsulu", "?lang=en")
ROUTES = (
    "/", "/?lang=en", "/console", *(f"/console{drill}" for drill in DRILLS if drill), "/admin",
    "/api/wall-config", "/api/video.geojson", "/api/geo/district.geojson", "/api/geo/streets.geojson",
    "/api/admin/audit.csv", "/console/export/incidents.csv", "/console/export/cameras.csv",
    "/console/export/tickets.csv", "/console/export/tickets.csv?q=13600002222",
    "/_dash-layout", "/_dash-dependencies", "/_favicon.ico", "/healthz", "/metrics", "/login",
    "/api/perception.json", "/api/perception/summary.json", "/api/perception/recurring.csv",
    "/api/perception/hard.csv", "/open311/v2/services.json", "/open311/v2/requests.json",
    "/console/alarms", "/api/alarm-load.json", "/api/perception/hotspots.geojson",
    "/console/m", "/console/m/api/tickets", f"/console/m/api/tickets/{pd.TICKET}",
    "/api/roster.ics?center=jiangsulu", "/api/roster.ics",
    "/console/performance", "/api/performance.json", "/api/performance/summary.json",
    "/api/performance/cases.json?unit=hongqiao&figure=hotline_satisfied",
    "/console/m/api/checkin",
    "/api/handover-print",
)
# served files: the app's code, never data
STATIC = ("/assets/", "/_dash-component-suites/", "/auth/", "/favicon.ico")
# callbacks with pattern-matching inputs are clicks (actions, navigation): not replayed
GRID_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def clients(dashboard: DashboardProcess) -> dict[str, httpx.Client]:
    wall = httpx.Client(base_url=dashboard.url, timeout=30)
    assert wall.get(dashboard.wall_url()[len(dashboard.url):]).status_code == 303  # token → cookie
    return {"wall": wall, **{role: dashboard.session(role) for role in ROLES if role != "wall"}}


def scan(where: str, body: str | bytes, allowed: tuple[str, ...] = ()) -> None:
    found = pd.leaks(body, allowed)
    assert not found, pd.described(where, found, body if isinstance(body, str) else body.decode())


def get_every_route(clients_: dict[str, httpx.Client]) -> int:
    """GET every route as every role; scan what each answers.  How many answered 200."""
    served = 0
    for role, client in clients_.items():
        for path in ROUTES:
            response = client.get(path, headers={"Accept": "text/html"})
            served += response.status_code == 200
            scan(f"{role} GET {path} ({response.status_code})", response.content)
    return served


def outputs_of(output: str) -> Any:
    """The ``outputs`` of a callback body for ``output`` (a wildcard output: the action
    buttons, one per verb, or the ticket step buttons, one per button, as the renderer
    lists them)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs: list[Any] = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):
            pattern = json.loads(cid)
            key, values = ("button", BUTTONS) if "button" in pattern else ("verb", VERBS)
            specs.append([{"id": {**pattern, key: value}, "property": prop} for value in values])
        else:
            specs.append({"id": cid, "property": prop})
    return specs if output.startswith("..") else specs[0]


def callback_bodies(dependencies: list[dict[str, Any]], search: str) -> list[dict[str, Any]]:
    """Every server callback without pattern-matching inputs, as the renderer would send it
    on a console (or admin) page at ``search``."""
    values = {("console-search", "data"): search, ("url", "search"): search, ("url", "pathname"): "/console",
              ("filter-since", "value"): "all", ("audit-since", "value"): "all",
              **{(grid, "getRowsRequest"): GRID_REQUEST
                 for grid in ("grid-incidents", "grid-cameras", "grid-tickets")}}
    bodies = []
    for dep in dependencies:
        if dep.get("clientside_function") or any(isinstance(part["id"], dict) or part["id"].startswith("{")
                                                 for part in dep["inputs"] + dep["state"]):
            continue

        def part(d: dict[str, Any]) -> dict[str, Any]:
            return {"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}
        first = dep["inputs"][0]
        bodies.append({"output": dep["output"], "outputs": outputs_of(dep["output"]),
                       "inputs": [part(d) for d in dep["inputs"]], "state": [part(d) for d in dep["state"]],
                       "changedPropIds": [f"{first['id']}.{first['property']}"]})
    return bodies


def replay_every_callback(clients_: dict[str, httpx.Client], allowed: tuple[str, ...] = ()) -> dict[str, int]:
    """Every callback, for a page at every drill, as every role; scan what each answers.
    Per role, how many answered 200."""
    answered: dict[str, int] = {}
    for role, client in clients_.items():
        dependencies = client.get("/_dash-dependencies").json()
        headers = {"X-CSRFToken": client.cookies.get("_csrf_token") or ""}
        answered[role] = 0
        for search in DRILLS:
            for body in callback_bodies(dependencies, search):
                response = client.post("/_dash-update-component", json=body, headers=headers)
                assert response.status_code in (200, 204, 403), (role, body["output"], response.text[:300])
                answered[role] += response.status_code == 200
                scan(f"{role} callback {body['output'][:60]} at {search!r}", response.content, allowed)
    return answered


async def live_frames(url: str, headers: dict[str, str], rclient: redis.Redis,
                      dashboard: DashboardProcess, publish_later: bool) -> list[str]:
    """The hello and, with ``publish_later``, the frames up to the patch that carries the
    later events."""
    frames: list[str] = []
    async with websockets.connect(url, additional_headers=headers, max_size=2**24) as ws:
        frames.append(str(await asyncio.wait_for(ws.recv(), 30)))
        if publish_later:
            await asyncio.to_thread(pd.publish, rclient, dashboard, pd.later_events(pd.now_ms()))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while publish_later and pd.LATER_INCIDENT not in "".join(frames[1:]):
            assert loop.time() < deadline, "no patch carried the later incident"
            frames.append(str(await asyncio.wait_for(ws.recv(), 30)))
    return frames


def test_no_route_callback_or_live_frame_holds_personal_data(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    pd.seed(rclient, dashboard)
    by_role = clients(dashboard)
    cookies = {role: "; ".join(f"{k}={v}" for k, v in client.cookies.items())
               for role, client in by_role.items()}
    live = f"ws://127.0.0.1:{dashboard.port}/live"
    # /live: the first connection sees the later events arrive as patches
    frames = {"wall": asyncio.run(live_frames(dashboard.ws_url, {}, rclient, dashboard, True))}
    for role in ROLES[1:]:
        frames[role] = asyncio.run(live_frames(live, {"Cookie": cookies[role]}, rclient, dashboard, False))
    frames["officer?scope=jiangsulu"] = asyncio.run(
        live_frames(f"{live}?scope=jiangsulu", {"Cookie": cookies["officer"]}, rclient, dashboard, False))
    for role, received in frames.items():
        for n, frame in enumerate(received):
            scan(f"/live frame {n} of {role}", frame)
    officer_view = orjson.loads(frames["officer"][0])["view"]
    assert "address" not in officer_view["incidents"][pd.INCIDENT]  # no wall shows it
    assert officer_view["incidents"][pd.INCIDENT]["title"] == "王**女士138****5678报漏水"
    assert officer_view["alarms"], "the seeded alarm is in the view"
    # every route and every callback, as every role
    assert get_every_route(by_role) >= 40
    answered = replay_every_callback(by_role)
    assert answered["officer"] >= 60 and answered["admin"] > answered["officer"], answered
    assert answered["wall"] + answered["visitor"] <= 2 * len(DRILLS), answered  # the page callback only
    # an audited reveal shows its one value; afterwards it is nowhere else
    officer = by_role["officer"]
    reveal = officer.post("/_dash-update-component", headers={"X-CSRFToken": officer.cookies["_csrf_token"]},
                          json=reveal_body("caller_phone", f"?ticket={pd.TICKET}"))
    assert reveal.status_code == 200 and pd.CALLER_PHONE in reveal.text, reveal.text
    wait_for(lambda: any(e.get(b"action") == b"reveal" for _, e in rclient.xrange("cn:audit")),
             message="the reveal audited")
    get_every_route(by_role)
    replay_every_callback(by_role)
    for client in by_role.values():
        client.close()


def reveal_body(field: str, search: str) -> dict[str, Any]:
    output = "..reveal-result.children...reveal-result.className.."
    return {"output": output, "outputs": outputs_of(output),
            "inputs": [{"id": "reveal-button", "property": "n_clicks", "value": 1}],
            "state": [{"id": "reveal-field", "property": "value", "value": field},
                      {"id": "reveal-reason", "property": "value", "value": "回访核实"},
                      {"id": "console-search", "property": "data", "value": search}],
            "changedPropIds": ["reveal-button.n_clicks"]}


def test_the_routes_scanned_are_every_route_of_the_app(tmp_path: Path) -> None:
    """ROUTES names every route the app serves (but its static files), so a new one is scanned too."""
    from dashboard.app import create_app
    from dashboard.config import load_settings

    settings = load_settings({"redis_url": "redis://127.0.0.1:1", "users_file": str(tmp_path / "u.json"),
                              "audit_spool": str(tmp_path / "spool.jsonl")}, environ={})
    paths = {getattr(route, "path", "") for route in create_app(settings).routes}
    scanned = {path.split("?", 1)[0] for path in ROUTES}
    unscanned = {path for path in paths if not path.startswith(STATIC) and path not in scanned
                 and not ("{" in path and any(s.startswith(path.split("{", 1)[0]) for s in scanned))}
    # /live is read as frames, callbacks are posted; the others take no GET or serve files
    assert unscanned <= {"/live", "/_dash-update-component", "/_dash-ws-callback", "/_reload-hash",
                         "/logout", "/assets"}, unscanned

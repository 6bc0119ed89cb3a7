"""Zero trust, against a real dashboard process and a real Redis: every door refuses
whoever may not pass (no session, a forged or expired one, the wrong role, the wrong
scope), personal data leaves masked per role, reveals and sign-ins are audited, and a
revoked wall token is cut off on its next message.

The tests that need a dashboard with default settings share the module's
(``shared_dashboard``, seeded once by ``seeded``); those that count from zero or change
settings start their own."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import httpx
import orjson
import pytest
import redis
import websockets
from itsdangerous import URLSafeTimedSerializer

from dashboard.audit import count_of
from dashboard.auth import UserStore
from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis
from support.events import duty_shift, hotline_ticket, incident_reported
from support.log import xadd
from support.processes import ROOT, DashboardProcess, wait_for

PAGES = ("/", "/console", "/admin", "/console?incident=inc-1")
DATA = ("/api/video.geojson", "/api/wall-config", "/api/geo/district.geojson", "/api/admin/audit.csv",
        "/_dash-layout", "/_dash-dependencies", "/assets/wall.js", "/no-such-page")
PHONE = "13912345678"
CALLER = "欧阳娜娜"
ADDRESS = "长宁区天山路123号5室"


def seed(client: redis.Redis, dashboard: DashboardProcess) -> None:
    now = int(time.time() * 1000)
    events = [
        incident_reported("inc-j", domain="safety", title="江苏路积水", severity=2, lat=31.22, lon=121.43,
                          address=ADDRESS, street="jiangsulu", ts=now),
        incident_reported("inc-h", domain="pipeline", title="虹桥燃气", severity=2, lat=31.20, lon=121.41,
                          address="长宁区虹桥路1号", street="hongqiao", ts=now),
        hotline_ticket("t-j", category="噪声", summary="夜间施工", status="new", caller_name=CALLER,
                       caller_phone=PHONE, address=ADDRESS, street="jiangsulu", ts=now),
        hotline_ticket("t-h", category="噪声", summary="夜间施工", status="new", caller_name="张三",
                       caller_phone="13800000000", address="长宁区虹桥路2号", street="hongqiao", ts=now),
        duty_shift("district", "值班长", "李四", phone="13700001111", ts=now),
    ]
    before = dashboard.applied()
    for event in events:
        xadd(client, event)
    dashboard.wait_applied(before + len(events), timeout=10)


@pytest.fixture(scope="module")
def seeded(shared_dashboard: DashboardProcess, module_redis: EmbeddedRedis) -> DashboardProcess:
    """The shared dashboard with :func:`seed`'s events, written once for the module."""
    client = sync_client(module_redis.url)
    seed(client, shared_dashboard)
    client.close()
    return shared_dashboard


def callback_body(output: str, inputs: list[dict[str, Any]], state: list[dict[str, Any]]) -> dict[str, Any]:
    outputs = [dict(zip(("id", "property"), part.split(".", 1), strict=True))
               for part in output.strip(".").split("...")]
    return {"output": output, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}


REVEAL_OUTPUT = "..reveal-result.children...reveal-result.className.."


def reveal_request(field: str, search: str, reason: str = "回访核实") -> dict[str, Any]:
    return callback_body(
        REVEAL_OUTPUT,
        [{"id": "reveal-button", "property": "n_clicks", "value": 1}],
        [{"id": "reveal-field", "property": "value", "value": field},
         {"id": "reveal-reason", "property": "value", "value": reason},
         {"id": "console-search", "property": "data", "value": search}],
    )


def post_callback(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    csrf = client.cookies.get("_csrf_token") or ""
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf})


def audit_entries(client: redis.Redis, action: str | None = None, after: str | None = None
                  ) -> list[dict[str, str]]:
    """The audit trail (of ``action`` only), or its entries after the entry id ``after``."""
    entries = [{k.decode(): v.decode() for k, v in fields.items()}
               for _, fields in client.xrange("cn:audit", min=f"({after}" if after else "-")]
    return [e for e in entries if action is None or e["action"] == action]


def audit_mark(client: redis.Redis) -> str:
    """The id of the newest audit entry so far (for ``audit_entries(after=...)``)."""
    newest = client.xrevrange("cn:audit", count=1)
    return newest[0][0].decode() if newest else "0-0"


def forged_cookies(dashboard: DashboardProcess) -> dict[str, str]:
    """Session cookies that must not work: garbage, a wrong secret, an expired session, a
    session of a user that does not exist."""
    secret = orjson.loads(dashboard.users_file.read_bytes())["secret"]
    right = URLSafeTimedSerializer(secret, salt="cn-session")
    wrong = URLSafeTimedSerializer("x" * 64, salt="cn-session")
    now = int(time.time())
    return {
        "garbage": "not-a-session",
        "wrong-secret": wrong.dumps({"k": "user", "n": "admin", "s": "s1", "i": now}),
        "expired": right.dumps({"k": "user", "n": "admin", "s": "s2", "i": now - 86_400}),
        "unknown-user": right.dumps({"k": "user", "n": "mallory", "s": "s3", "i": now}),
        "revoked-wall": right.dumps({"k": "wall", "n": "w", "s": "wall:deadbeef", "i": now}),
    }


def ws_refused(url: str, headers: dict[str, str] | None = None) -> bool:
    async def attempt() -> bool:
        try:
            async with websockets.connect(url, additional_headers=headers or {}, open_timeout=10) as ws:
                await asyncio.wait_for(ws.recv(), 10)
        except (websockets.InvalidStatus, websockets.ConnectionClosed):
            return True
        return False

    return asyncio.run(attempt())


def test_nothing_is_open_without_a_valid_session(shared_dashboard: DashboardProcess) -> None:
    dashboard = shared_dashboard
    live = f"ws://127.0.0.1:{dashboard.port}/live"
    for name, cookie in {"none": None, **forged_cookies(dashboard)}.items():
        headers = {"Cookie": f"cn_session={cookie}"} if cookie else {}
        with httpx.Client(base_url=dashboard.url, headers=headers, timeout=10) as client:
            for path in PAGES:
                response = client.get(path, headers={"Accept": "text/html"})
                assert response.status_code == 303, (name, path, response.status_code)
                assert response.headers["location"].startswith("/login?next="), (name, path)
            for path in DATA:
                assert client.get(path).status_code == 401, (name, path)
            client.get("/login")  # a CSRF cookie, so only the session is missing
            response = post_callback(client, reveal_request("caller_phone", "?ticket=t-j"))
            assert response.status_code == 401, (name, response.status_code)
        assert ws_refused(live, headers), name
    assert ws_refused(f"{live}?token=cnw.deadbeef.forged")
    assert ws_refused(f"{live}?token={dashboard.wall_token}x")


def test_each_role_reaches_only_its_own_doors(seeded: DashboardProcess) -> None:
    dashboard = seeded
    expected = {  # path → roles that may open it
        "/": {"wall", "visitor", "officer", "admin"},
        "/console": {"officer", "admin"},
        "/admin": {"admin"},
        "/api/video.geojson": {"wall", "officer", "admin"},
        "/api/admin/audit.csv": {"admin"},
    }
    wall = httpx.Client(base_url=dashboard.url, timeout=10)
    assert wall.get(dashboard.wall_url()[len(dashboard.url):]).status_code == 303  # token → cookie
    clients = {"wall": wall, **{role: dashboard.session(role) for role in ("visitor", "officer", "admin")}}
    for path, allowed in expected.items():
        for role, client in clients.items():
            status = client.get(path, headers={"Accept": "text/html"}).status_code
            assert (status == 200) == (role in allowed), (path, role, status)
            assert status in (200, 403), (path, role, status)
    # a callback of the console asked for by a wall or a visitor, of the admin page by an officer
    admin_output = "..risk-cards.children...risk-denials.children.."
    for role, output in (("wall", REVEAL_OUTPUT), ("visitor", REVEAL_OUTPUT), ("officer", admin_output)):
        client = clients[role]
        client.get("/")
        response = post_callback(client, {"output": output})
        assert response.status_code == 403, (role, output, response.status_code)
    # CSRF: a signed-in officer's callback without the echoed token is refused
    officer = clients["officer"]
    response = officer.post("/_dash-update-component", json=reveal_request("caller_phone", "?ticket=t-j"))
    assert response.status_code == 403 and "CSRF" in response.text
    for client in clients.values():
        client.close()


def test_an_officer_of_one_street_gets_only_that_street(
    seeded: DashboardProcess, shared_rclient: redis.Redis
) -> None:
    dashboard, rclient = seeded, shared_rclient
    mark = audit_mark(rclient)
    jiangsu = dashboard.session("jiangsu")
    jiangsu.get("/console")
    # drill-down callbacks: a reveal in scope works (and is audited), out of scope is refused
    inside = post_callback(jiangsu, reveal_request("caller_phone", "?ticket=t-j"))
    assert inside.status_code == 200 and PHONE in inside.text, inside.text
    outside = post_callback(jiangsu, reveal_request("caller_phone", "?ticket=t-h&street=hongqiao"))
    assert outside.status_code == 403 and "13800000000" not in outside.text, outside.text
    # the point set holds that street's cameras only (none registered here: an empty set)
    assert jiangsu.get("/api/video.geojson").json()["features"] == []
    # /live: the view and every patch hold only jiangsulu records; other scopes are refused
    cookie = {"Cookie": dashboard.cookie_header("jiangsu")}
    live = f"ws://127.0.0.1:{dashboard.port}/live"

    async def watch() -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        async with websockets.connect(live, additional_headers=cookie) as ws:
            hello = orjson.loads(await ws.recv())
            now = int(time.time() * 1000)
            for street, iid in (("hongqiao", "inc-h2"), ("jiangsulu", "inc-j2")):
                xadd(rclient, incident_reported(iid, domain="safety", title=iid, severity=1, street=street,
                                                ts=now))
            patches: list[dict[str, Any]] = []
            while not any("inc-j2" in p.get("set", {}).get("incidents", {}) for p in patches):
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["t"] == "patch":
                    patches.append(frame)
            await ws.send(orjson.dumps({"t": "scope", "scope": "hongqiao"}).decode())
            while True:
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["t"] == "error":
                    return hello, patches, frame["reason"]

    hello, patches, refusal = asyncio.run(watch())
    assert hello["view"]["scope"] == "jiangsulu"
    assert set(hello["view"]["incidents"]) == {"inc-j"}
    for patch in patches:
        assert "inc-h2" not in orjson.dumps(patch).decode()
        assert all(p["street"] == "jiangsulu" for p in patch.get("set", {}).get("incidents", {}).values())
    assert "not allowed" in refusal
    assert ws_refused(f"{live}?scope=hongqiao", cookie)
    reveals = audit_entries(rclient, "reveal", after=mark)
    assert [(e["who"], e["target"], e["detail"]) for e in reveals] == [
        ("jiangsu", "ticket:t-j#caller_phone", "回访核实")]
    # the out-of-scope reveal was refused and recorded as refused (#12 finding 8)
    refused = audit_entries(rclient, "refused", after=mark)
    assert [(e["who"], e["outcome"]) for e in refused] == [("jiangsu", "refused")]
    assert "reveal-result" in refused[0]["target"] and refused[0]["detail"]


def test_personal_data_leaves_masked_per_role(dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    seed(rclient, dashboard)

    async def hello(url: str, headers: dict[str, str] | None = None) -> str:
        async with websockets.connect(url, additional_headers=headers or {}, max_size=2**24) as ws:
            return str(await ws.recv())

    live = f"ws://127.0.0.1:{dashboard.port}/live"
    frames = {"wall": asyncio.run(hello(dashboard.ws_url))}
    for role in ("officer", "admin", "visitor"):
        frames[role] = asyncio.run(hello(live, {"Cookie": dashboard.cookie_header(role)}))
    for role, frame in frames.items():
        for secret in (PHONE, CALLER, ADDRESS, "13700001111", "13800000000"):
            assert secret not in frame, (role, secret)
    records = orjson.loads(frames["officer"])["view"]
    assert "address" not in records["incidents"]["inc-j"]  # no wall shows it
    assert next(iter(records["duty"].values()))["phone"] == "137****1111"
    visitor = orjson.loads(frames["visitor"])["view"]
    assert visitor["audience"] == "aggregates"
    assert not {"incidents", "alarms", "duty", "sensors", "video", "feed"} & visitor.keys()
    assert visitor["counts"]["incidents"] == {"safety": 1, "pipeline": 1}
    for title in ("江苏路积水", "虹桥燃气", "李四"):
        assert title not in frames["visitor"]
    # the console's ticket callback answers masked too: only a reveal shows the number
    officer = dashboard.session("officer")
    officer.get("/console")
    assert officer.get("/api/video.geojson").status_code == 200
    visitor_client = dashboard.session("visitor")
    assert visitor_client.get("/api/video.geojson").status_code == 403
    # an officer reveals the duty chief's phone with a reason; a visitor may not even ask
    revealed = post_callback(officer, reveal_request("phone", "?duty=district/值班长", "联系值班长"))
    assert revealed.status_code == 200 and "13700001111" in revealed.text, revealed.text
    visitor_client.get("/")
    assert post_callback(visitor_client, reveal_request("phone", "?duty=district/值班长")).status_code == 403
    assert [e["target"] for e in audit_entries(rclient, "reveal")] == ["duty:district/值班长#phone"]


def test_failed_sign_ins_are_slowed_recorded_and_locked(
    dashboards: Any, rclient: redis.Redis
) -> None:
    dashboard = dashboards(CN_LOGIN_MAX_FAILURES=4)
    client = httpx.Client(base_url=dashboard.url, timeout=30)
    client.get("/login")
    durations, statuses = [], []
    for _ in range(5):
        started = time.monotonic()
        response = client.post("/login", data={"user": "officer", "password": "wrong-password",
                                               "csrf": client.cookies["_csrf_token"], "next": "/"})
        durations.append(time.monotonic() - started)
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 429], statuses
    # each failure waited at least its growing delay (lower bounds: a busy machine only adds)
    assert all(took >= delay for took, delay in zip(durations[:4], (0.25, 0.5, 1.0, 2.0), strict=True)), (
        durations)
    # locked: even the right password is refused until the window passes
    response = client.post("/login", data={"user": "officer", "password": "officer-pass-1",
                                           "csrf": client.cookies["_csrf_token"], "next": "/"})
    assert response.status_code == 429
    # repeated failures of one source: its first entry at once, the rest of its window in one
    # entry with their count (dashboard/audit_rollup.py), here written at shutdown
    wait_for(lambda: len(audit_entries(rclient, "login")) >= 2, message="sign-ins audited")
    dashboard.stop()
    counts = {"failed": 0, "locked": 0}
    for e in audit_entries(rclient, "login"):
        counts[e["outcome"]] += count_of(e)
    assert counts == {"failed": 4, "locked": 2}, counts
    assert all(e["who"] == "officer" and e["ip"] == "127.0.0.1" for e in audit_entries(rclient, "login"))
    assert all(e["target"] == "user:officer"
               and e["detail_key"] in ("audit.d.failures", "audit.d.locked", "audit.d.repeated")
               for e in audit_entries(rclient, "login"))  # the attacked account, the reason by its key


def test_sign_in_failures_are_counted_across_instances(dashboards: Any) -> None:
    """Behind a load balancer, spreading guesses over instances gains nothing: the count is
    shared through Redis, so the lock-out holds on every instance."""
    first, second = dashboards(CN_LOGIN_MAX_FAILURES=4), dashboards(CN_LOGIN_MAX_FAILURES=4)

    def attempt(instance: DashboardProcess, password: str = "wrong-password") -> int:
        with httpx.Client(base_url=instance.url, timeout=30) as client:
            client.get("/login")
            return client.post("/login", data={"user": "officer", "password": password,
                                               "csrf": client.cookies["_csrf_token"],
                                               "next": "/"}).status_code

    statuses = [attempt(first), attempt(second), attempt(first), attempt(second)]
    assert statuses == [401, 401, 401, 401], statuses
    assert attempt(second, "officer-pass-1") == 429  # locked on both, right password or not
    assert attempt(first, "officer-pass-1") == 429


def test_a_revoked_wall_token_stops_on_its_next_message(shared_dashboard: DashboardProcess) -> None:
    """Revoked with the CLI while its wall is connected, a token gets no frame after the
    one that may already be on its way (the server checks before every frame; a beat is
    due every second): the connection closes with 4401, and its session is dead."""
    dashboard = shared_dashboard
    token = dashboard.add_wall("1920x1080")
    wall_id = token.split(".")[1]
    wall = httpx.Client(base_url=dashboard.url, timeout=10)
    assert wall.get(f"/?token={token}").status_code == 303
    assert wall.get("/api/wall-config").status_code == 200

    async def watch() -> tuple[int | None, int]:
        async with websockets.connect(f"ws://127.0.0.1:{dashboard.port}/live?token={token}") as ws:
            assert orjson.loads(await ws.recv())["t"] == "hello"
            revoked = asyncio.Event()
            after: list[object] = []  # frames received once the revocation was written

            async def read() -> int | None:
                try:
                    while True:
                        frame = await asyncio.wait_for(ws.recv(), 10)  # beats come every second
                        if revoked.is_set():
                            after.append(frame)
                except websockets.ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None

            reader = asyncio.create_task(read())  # keeps reading while the CLI runs
            revoke = await asyncio.to_thread(subprocess.run, [
                sys.executable, "-m", "dashboard", "users", "--file", str(dashboard.users_file),
                "revoke-wall", wall_id], cwd=ROOT, env=dashboard.env, capture_output=True, text=True)
            assert revoke.returncode == 0, revoke.stderr
            revoked.set()
            return await reader, len(after)

    code, frames_after = asyncio.run(watch())
    assert code == 4401 and frames_after <= 1, (code, frames_after)
    assert wall.get("/api/wall-config").status_code == 401  # its session cookie is dead too
    assert wall.get(f"/?token={token}").status_code == 401
    assert UserStore(dashboard.users_file).current().walls[wall_id]["revoked"]


def test_hardening_headers_origin_and_sizes(shared_dashboard: DashboardProcess) -> None:
    dashboard = shared_dashboard
    officer = dashboard.session("officer")
    response = officer.get("/console")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    scripts = csp.split("script-src")[1].split(";")[0]
    assert scripts.startswith(" 'self' 'sha256-") and "'unsafe-inline'" not in scripts
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert ws_refused(dashboard.ws_url, {"Origin": "http://evil.example"})
    big = officer.post("/_dash-update-component", content=b"x" * 2_000_000,
                       headers={"X-CSRFToken": officer.cookies["_csrf_token"],
                                "Content-Type": "application/json"})
    assert big.status_code == 413

    async def oversized_message() -> int | None:
        async with websockets.connect(dashboard.ws_url) as ws:
            await ws.recv()
            await ws.send("x" * 10_000)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert asyncio.run(oversized_message()) in (1009, 1006)


def test_live_connections_are_rate_limited(dashboards: Any) -> None:
    dashboard = dashboards(CN_LIVE_CONNECTS_PER_MIN=5)

    async def connect_many() -> list[bool]:
        results = []
        for _ in range(8):
            try:
                async with websockets.connect(dashboard.ws_url) as ws:
                    await ws.recv()
                    results.append(True)
            except websockets.InvalidStatus:
                results.append(False)
        return results

    assert asyncio.run(connect_many()) == [True] * 5 + [False] * 3


@pytest.mark.parametrize("monitoring", ["/healthz", "/metrics"])
def test_monitoring_answers_loopback_and_its_token_only(
    monitoring: str, redis_url: str, tmp_path: Any
) -> None:
    """In process, with the client address of another machine (httpx's ASGI transport)."""
    from dashboard.app import create_app
    from dashboard.config import load_settings

    users = tmp_path / "users.json"
    UserStore(users).create()
    settings = load_settings({"redis_url": redis_url, "users_file": str(users),
                              "audit_spool": str(tmp_path / "spool.jsonl")},
                             environ={"CN_MONITORING_TOKEN": "mon-secret-1"})
    app = create_app(settings)

    async def get(client_ip: str, headers: dict[str, str] | None = None) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return (await client.get(monitoring, headers=headers or {})).status_code

    assert asyncio.run(get("127.0.0.1")) == 200
    assert asyncio.run(get("10.20.30.40")) == 403
    assert asyncio.run(get("10.20.30.40", {"Authorization": "Bearer wrong"})) == 403
    assert asyncio.run(get("10.20.30.40", {"Authorization": "Bearer mon-secret-1"})) == 200


def test_audit_waits_in_the_spool_while_redis_is_down(dashboards: Any) -> None:
    from dashboard.redis_server import EmbeddedRedis

    server = EmbeddedRedis(persistent=True).start()
    try:
        dashboard = dashboards(server.url)
        server.kill()
        wait_for(lambda: dashboard.health()["redis"] == "down", message="redis reported down")
        dashboard.session("officer").close()  # a sign-in: audited, into the spool
        health = wait_for(lambda: (h := dashboard.health())["audit_spooled"] >= 1 and h,
                          message="sign-in spooled")
        lines = dashboard.audit_spool.read_bytes().splitlines()
        assert [orjson.loads(line)["action"] for line in lines] == ["login"], lines
        assert health["audit_spooled"] == 1
        server.start()
        client = sync_client(server.url)
        wait_for(lambda: dashboard.health()["audit_spooled"] == 0, timeout=20, message="spool flushed")
        assert [e["action"] for e in audit_entries(client)] == ["login"]
        assert not dashboard.audit_spool.exists()
        client.close()
    finally:
        server.cleanup()


def test_every_callback_refuses_whoever_lacks_its_permission(
    shared_dashboard: DashboardProcess, redis_url: str, tmp_path: Any
) -> None:
    """All callbacks the app registers, asked for without a session and by each role."""
    dashboard = shared_dashboard
    from dashboard.access import PERMISSIONS
    from dashboard.app import create_app
    from dashboard.config import load_settings

    users = tmp_path / "users.json"
    UserStore(users).create()
    app = create_app(load_settings({"redis_url": redis_url, "users_file": str(users),
                                    "audit_spool": str(tmp_path / "spool.jsonl")}, environ={}))
    permissions = dict(app.state.callbacks.by_output)
    assert {"wall", "console", "admin"} <= set(permissions.values()) and len(permissions) > 10
    anonymous = httpx.Client(base_url=dashboard.url, timeout=10)
    anonymous.get("/login")
    wall = httpx.Client(base_url=dashboard.url, timeout=10)
    wall.get(dashboard.wall_url()[len(dashboard.url):])
    wall.get("/")
    clients = {"wall": wall, **{role: dashboard.session(role) for role in ("visitor", "officer")}}
    for client in clients.values():
        client.get("/")
    for output, permission in permissions.items():
        assert post_callback(anonymous, {"output": output}).status_code == 401, output
        for role, client in clients.items():
            if permission not in PERMISSIONS[role]:
                status = post_callback(client, {"output": output}).status_code
                assert status == 403, (output, role, status)


def test_sign_out_ends_the_session(shared_dashboard: DashboardProcess) -> None:
    dashboard = shared_dashboard
    officer = dashboard.session("officer")
    assert officer.get("/api/video.geojson").status_code == 200
    old_cookie = officer.cookies["cn_session"]
    response = officer.post("/logout", data={"csrf": officer.cookies["_csrf_token"]})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    other = dashboard.session("officer")  # another session of the same user stays valid
    assert other.get("/api/video.geojson").status_code == 200
    replay = httpx.Client(base_url=dashboard.url, timeout=10, cookies={"cn_session": old_cookie})
    assert replay.get("/api/video.geojson").status_code == 401  # the signed cookie itself is dead


def test_the_visitor_view_may_be_opened_anonymously(dashboards: Any, rclient: redis.Redis) -> None:
    dashboard = dashboards(CN_VISITOR_ANONYMOUS="true")
    seed(rclient, dashboard)
    anonymous = httpx.Client(base_url=dashboard.url, timeout=10)
    assert anonymous.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert anonymous.get("/console", headers={"Accept": "text/html"}).status_code == 403
    assert anonymous.get("/api/video.geojson").status_code == 403

    async def hello() -> dict[str, Any]:
        async with websockets.connect(f"ws://127.0.0.1:{dashboard.port}/live") as ws:
            return dict(orjson.loads(await ws.recv())["view"])

    view = asyncio.run(hello())
    assert view["audience"] == "aggregates" and "incidents" not in view

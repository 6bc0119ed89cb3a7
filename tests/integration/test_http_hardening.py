"""Issue #12, the door below the guard and around it: redirects only to our own paths
(finding 6), limits on heads, bodies, slow and numerous connections (7), proxies, Host
and Origin (9), and bad input on every channel (9): raw sockets and WebSockets against
a real dashboard process on a real Redis.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from typing import Any

import httpx
import orjson
import psutil
import redis
import websockets

from support.processes import DashboardProcess, wait_for

LIMITS = {"CN_HEAD_TIMEOUT_S": "1.5", "CN_BODY_TIMEOUT_S": "1.5", "CN_MAX_CONNECTIONS_PER_ADDRESS": "12"}


def connect(dashboard: DashboardProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", dashboard.port), timeout=10)
    return sock


def exchange(dashboard: DashboardProcess, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` raw; the status, headers and body of the answer."""
    with connect(dashboard) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def get(path: str, port: int, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode()


# ---------------------------------------------------------------- finding 6: redirects
def test_the_kiosk_token_exchange_and_sign_in_redirect_only_to_our_paths(
    dashboards: Any,
) -> None:
    dashboard: DashboardProcess = dashboards()
    token = dashboard.wall_token
    for path in ("//evil.example/", "/%09/evil.example", "/%5Cevil.example", "/%2F/evil.example",
                 "/%5C%5Cevil.example"):
        status, headers, _ = exchange(dashboard, get(f"{path}?token={token}", dashboard.port))
        # refused outright (a control character: 400) or sent home, never elsewhere
        assert status == 400 or (status, headers.get("location")) == (303, "/"), (path, status, headers)
    # a legitimate target keeps its query (less the token)
    status, headers, _ = exchange(dashboard, get(f"/?token={token}&lang=en", dashboard.port))
    assert (status, headers["location"]) == (303, "/?lang=en")

    for hostile in ("/\t/evil.example", "//evil.example", "/\\evil.example", "/%0d%0aSet-Cookie:x=1",
                    "https://evil.example/"):
        with httpx.Client(base_url=dashboard.url) as client:
            client.get("/login")
            answer = client.post("/login", data={"user": "officer", "password": "officer-pass-1",
                                                 "next": hostile, "csrf": client.cookies["_csrf_token"]})
            assert answer.status_code == 303 and answer.headers["location"] == "/", hostile


# ---------------------------------------------------------------- finding 7: HTTP limits
def test_heads_bodies_and_connections_are_bounded(dashboards: Any) -> None:
    dashboard: DashboardProcess = dashboards(**LIMITS)
    port = dashboard.port
    big = "x" * 65_536
    assert exchange(dashboard, get("/healthz", port, f"X-Big: {big}\r\n"))[0] == 431
    many = "".join(f"X-H{n}: v\r\n" for n in range(150))
    assert exchange(dashboard, get("/healthz", port, many))[0] == 431
    assert exchange(dashboard, get("/healthz?" + "a" * 10_000, port))[0] == 414
    assert exchange(dashboard, get("/healthz", port))[0] == 200  # a normal request still is

    # unfinished 8 MiB headers are cut off, not buffered: eight of them grew the server
    # by 80 MiB before; what the kernel's socket buffers take is not the server's memory
    rss_before = psutil.Process(dashboard.process.pid).memory_info().rss
    for _ in range(8):
        with connect(dashboard) as sock:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Big: ".encode())
            sent, cut = 0, False
            try:
                while sent < 8 * 2**20:
                    sock.sendall(b"x" * 65_536)
                    sent += 65_536
            except (BrokenPipeError, ConnectionResetError):
                cut = True
            assert cut or closed_by_server(sock, 5), "an 8 MiB header was accepted"
    grown = psutil.Process(dashboard.process.pid).memory_info().rss - rss_before
    assert grown < 16 * 2**20, f"the server grew by {grown / 2**20:.0f} MiB"

    # slow or silent clients are disconnected (head_timeout_s 1.5)
    with connect(dashboard) as silent, connect(dashboard) as slow:
        slow.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        started = time.monotonic()
        assert closed_by_server(silent, 6) and closed_by_server(slow, 6)
        assert time.monotonic() - started < 6

    # a body that does not come in time: 408
    with connect(dashboard) as sock:
        sock.sendall(f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: "
                     f"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser=a".encode())
        sock.settimeout(6)
        assert sock.recv(4096).startswith(b"HTTP/1.1 408")

    # at most 12 open connections per address: the 13th is dropped, a freed slot reopens
    held = [connect(dashboard) for _ in range(12)]
    for sock in held:
        sock.sendall(get("/healthz", port))  # each busy with a keep-alive request
        sock.recv(4096)
    extra = connect(dashboard)
    assert closed_by_server(extra, 3)
    held.pop().close()
    time.sleep(0.2)
    assert exchange(dashboard, get("/healthz", port))[0] == 200
    for sock in held:
        sock.close()


# ---------------------------------------------------------------- finding 9: proxies, hosts, origins
def test_forwarded_addresses_come_only_from_trusted_proxies(dashboards: Any, rclient: redis.Redis) -> None:
    def failed_sign_in_ip(dashboard: DashboardProcess) -> str:
        with httpx.Client(base_url=dashboard.url, headers={"x-forwarded-for": "10.9.8.7"}) as client:
            client.get("/login")
            client.post("/login", data={"user": "officer", "password": "wrong", "next": "/",
                                        "csrf": client.cookies["_csrf_token"]})

        def entry() -> str | None:
            for _, fields in rclient.xrevrange("cn:audit", count=50):
                item = {k.decode(): v.decode() for k, v in fields.items()}
                if item["action"].startswith("login") and item["outcome"] != "ok":
                    return item["ip"]
            return None
        return str(wait_for(entry, 10, message="the failed sign-in audited"))

    trusted = dashboards(CN_TRUSTED_PROXIES="127.0.0.1")
    assert failed_sign_in_ip(trusted) == "10.9.8.7"
    trusted.stop()
    rclient.delete("cn:audit")
    untrusted = dashboards(CN_TRUSTED_PROXIES="192.0.2.1")
    assert failed_sign_in_ip(untrusted) == "127.0.0.1"


def test_other_hosts_and_foreign_origins_are_refused(dashboards: Any) -> None:
    dashboard: DashboardProcess = dashboards()
    port = dashboard.port
    # DNS rebinding: a page of evil.example resolving to 127.0.0.1 reads nothing
    def with_host(host: str) -> int:
        return exchange(dashboard, f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())[0]

    assert with_host("evil.example") == 400
    assert with_host("127.0.0.1") == 200 and with_host("localhost") == 200

    async def live_refused(headers: dict[str, str]) -> bool:
        try:
            async with websockets.connect(dashboard.ws_url, additional_headers=headers,
                                          open_timeout=10) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                return False
        except (websockets.InvalidStatus, websockets.ConnectionClosed):
            return True

    assert asyncio.run(live_refused({"Origin": f"https://127.0.0.1:{port}"}))  # another scheme
    assert asyncio.run(live_refused({"Origin": f"http://127.0.0.1:{port + 1}"}))  # another port
    assert not asyncio.run(live_refused({"Origin": f"http://127.0.0.1:{port}"}))

    officer = dashboard.session("officer")
    csrf = officer.cookies["_csrf_token"]
    callback = officer.post("/_dash-update-component", content=b"{}", headers={
        "content-type": "application/json", "x-csrftoken": csrf, "origin": f"https://127.0.0.1:{port}"})
    assert callback.status_code == 403 and "CSRF" in callback.text
    officer.close()


# ---------------------------------------------------------------- finding 9: bad input
def test_bad_input_on_every_channel_gets_a_clear_answer(dashboards: Any) -> None:
    dashboard: DashboardProcess = dashboards()

    async def live() -> list[dict[str, Any]]:
        answers = []
        async with websockets.connect(dashboard.ws_url) as ws:
            assert orjson.loads(await ws.recv())["t"] == "hello"
            for message in ("[]", "1", '"x"', "null", '{"t": 5}', '{"t": ["scope"]}',
                            '{"t": "scope", "scope": [1]}', '{"t": "scope", "scope": {"a": 1}}',
                            '{"t": "scope", "scope": "nowhere"}', b"\x00\x01binary"):
                await ws.send(message)
                while True:
                    frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
                    if frame["t"] == "error":
                        answers.append(frame)
                        break
            await ws.send('{"t": "ping"}')  # the connection is still there
            while (frame := orjson.loads(await asyncio.wait_for(ws.recv(), 10)))["t"] != "pong":
                pass
        return answers

    answers = asyncio.run(live())
    assert len(answers) == 10 and all(a["reason"] for a in answers)

    officer = dashboard.session("officer")
    for path in ("/console?street=%00", "/console?q=a%0Db", "/%7F"):
        assert officer.get(path).status_code == 400, path
    assert officer.get("/console?street=jiangsulu").status_code == 200
    for path in ("/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nopackage/x.js",
                 "/assets/nope.js"):
        assert officer.get(path).status_code == 404, path
    officer.close()


def test_a_page_carries_only_its_own_layouts(dashboards: Any) -> None:
    dashboard: DashboardProcess = dashboards()
    wall = httpx.Client(base_url=dashboard.url, follow_redirects=True)
    page = wall.get(dashboard.wall_url()[len(dashboard.url):]).text
    config = orjson.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                                    page, re.S).group(1))  # type: ignore[union-attr]
    assert "validation_layout" not in config
    layout = wall.get("/_dash-layout").text
    for console_only in ("reveal-form", "incident-action", "grid-incidents", "admin-audit"):
        assert console_only not in page and console_only not in layout, console_only
    wall.close()

"""Zero trust at the door: every HTTP request and WebSocket connection of the instance
passes through :class:`Guard`, the outermost ASGI middleware, before anything of the app
runs.

For each one it finds who is asking (dashboard/identity.py), checks that they may reach
the path or, for a Dash callback, the callback (dashboard/access.py), and refuses
otherwise: a page is sent to the sign-in form, an API gets 401/403 JSON, a WebSocket is
closed before it is accepted.  It checks CSRF and Origin on state-changing requests,
the Origin of WebSockets, request sizes and the ``/live`` connection rate
(dashboard/ratelimits.py), adds the security headers (dashboard/headers.py) to every
response, and turns a callback's refusal (Dash's 500) into a 403.  The sign-in paths go
through without a session to their routes (dashboard/signin.py).

Callbacks and routes ask who is calling with :func:`current` / :func:`require` (a
context variable this middleware sets) and check again themselves.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qs, unquote, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard import access, hosts, login_page
from dashboard.audit import Auditor
from dashboard.auth import Principal
from dashboard.console_worker import ConsoleWorker
from dashboard.gate import CallbackGate
from dashboard.headers import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SecurityHeaders,
    csrf_cookie,
    request_cookies,
    request_headers,
)
from dashboard.identity import Identity
from dashboard.ratelimits import ConnectionLimit
from dashboard.risk import Refusals
from dashboard.signin import FORM_BYTES, SignIn

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
_client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")
# per request: what a callback refused (a dict, so a callback run in a copied context or a
# thread can still tell the guard, which turns Dash's 500 into a 403)
_refusal: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("refusal", default=None)


class Denied(PermissionError):
    """Raised by :func:`require` inside a callback: the server refuses, whatever the UI showed."""


def current() -> Principal | None:
    """Who made the request being served (None outside one)."""
    return _principal.get()


def client_ip() -> str:
    return _client_ip.get()


def require(permission: str) -> Principal:
    """The caller of this callback, if it may ``permission``; else :class:`Denied`."""
    principal = _principal.get()
    if principal is None or not principal.can(permission):
        raise refuse(f"{principal.label() if principal else 'no session'} may not {permission}")
    return principal


def refuse(reason: str) -> Denied:
    """A :class:`Denied` to raise from a callback; the guard answers 403 with ``reason``."""
    refusal = _refusal.get()
    if refusal is not None:
        refusal["reason"] = reason
    return Denied(reason)


class Guard:
    """The ASGI middleware (see the module doc); ``server.add_middleware(Guard, ...)``."""

    def __init__(self, app: ASGIApp, *, callbacks: access.CallbackPermissions, identity: Identity,
                 sign_in: SignIn, connections: ConnectionLimit, headers: SecurityHeaders,
                 refusals: Refusals, auditor: Auditor, gate: CallbackGate, console: ConsoleWorker | None,
                 max_request_bytes: int, body_timeout_s: float, served_hosts: frozenset[str],
                 allowed_origins: Iterable[str],
                 monitoring_token: str | None, csrf_max_age_s: int, cookie_secure: bool,
                 open311_token: str | None = None) -> None:
        self.app = app
        self.callbacks = callbacks
        self.identity = identity
        self.sign_in = sign_in
        self.connections = connections
        self.headers = headers
        self.refusals = refusals
        self.auditor = auditor
        self.gate = gate
        self.console = console
        self.max_request_bytes = max_request_bytes
        self.body_timeout_s = body_timeout_s
        self.served_hosts = served_hosts
        self.allowed_origins = frozenset(allowed_origins)
        self.monitoring_token = monitoring_token
        self.open311_token = open311_token
        self.csrf_max_age_s = csrf_max_age_s
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ip = (scope.get("client") or ("", 0))[0]
        ip_token = _client_ip.set(ip)
        try:
            if scope["type"] == "http":
                refusal: dict[str, str] = {}
                _refusal.set(refusal)
                send = self._finishing(send, scope, refusal, ip)
            await self._door(scope, receive, send, ip)
        finally:
            _client_ip.reset(ip_token)

    async def _door(self, scope: Scope, receive: Receive, send: Send, ip: str) -> None:
        path: str = scope["path"]
        headers = request_headers(scope)
        websocket = scope["type"] == "websocket"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if hosts.host_name(headers.get("host", "")) not in self.served_hosts:  # DNS rebinding, misrouting
            self.refusals.deny("host", ip, path)
            await _refuse(send, websocket, 400, 4400, "this Host is not served here (allowed_hosts)")
            return
        if _has_control_characters(scope):
            self.refusals.deny("bad-request", ip, path)
            await _refuse(send, websocket, 400, 4400, "control characters in the request")
            return
        if path in access.MONITORING_PATHS:
            if access.monitoring_allowed(ip, headers.get("authorization", ""), self.monitoring_token):
                await self.app(scope, receive, send)
            else:
                self.refusals.deny("monitoring", ip, path)
                await _refuse(send, websocket, 403, 4403, "loopback or monitoring token only")
            return
        if (not websocket and path.startswith(access.OPEN311_PREFIX) and scope["method"] in ("GET", "HEAD")
                and access.open311_allowed(headers.get("authorization", ""), self.open311_token)):
            await self.app(scope, receive, send)  # a machine client of Open311, read-only
            return
        if websocket and not self._origin_ok(headers, scope.get("scheme", "ws")):
            self.refusals.deny("origin", ip, path)
            await send({"type": "websocket.close", "code": 4403, "reason": "origin not allowed"})
            return
        if path in access.PUBLIC_PATHS:
            if websocket:
                await send({"type": "websocket.close", "code": 4404})
                return
            checked = await self._form_body(scope, receive, send, headers, ip)
            if checked is not None:
                await self.app(scope, checked, send)
            return
        if not websocket and "token" in query and scope["method"] in ("GET", "HEAD"):
            response = await self.sign_in.exchange_wall_token(path, query, ip)
            await response(scope, receive, send)
            return
        url_token = next(iter(query.get("token", [])), None) if websocket else None  # /live only
        principal = await self.identity.identify(request_cookies(headers).get(SESSION_COOKIE),
                                                 headers.get("authorization", ""), url_token)
        if principal is None:
            await self._unauthenticated(scope, send, path, ip, headers)
            return
        permission = access.route_permission(path)
        if not principal.can(permission):
            self.refusals.deny(f"role:{permission}", ip, path, principal.label())
            if websocket:
                await send({"type": "websocket.close", "code": 4403, "reason": "not allowed"})
            else:
                lang = next(iter(query.get("lang", [])), "zh")
                await _respond(send, 403, login_page.forbidden(principal, path, lang).encode(),
                               "text/html; charset=utf-8")
            return
        if websocket:
            if path == "/live" and not self.connections.admit(ip):
                self.refusals.deny("rate:live", ip, path, principal.label())
                self.refusals.rate_limited("live")
                await send({"type": "websocket.close", "code": 4429, "reason": "too many connections"})
                return
        elif scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            checked = await self._checked_body(scope, receive, send, path, ip, headers, principal)
            if checked is None:
                return
            receive = checked
        if (self.console is not None and _for_console(scope, path)  # checked: to the worker
                and await self.console.forward(scope, scope.get("cn.body", b""), send, ip)):
            return
        token = _principal.set(principal)
        try:
            if "cn.output" in scope:  # a Dash callback: through the gate
                key = (request_cookies(headers).get(SESSION_COOKIE) or principal.label(), scope["cn.output"])
                if not await self.gate.enter(key):
                    await _respond(send, 204, b"", "text/plain")  # a newer one of the same is waiting
                    return
                try:
                    await self.app(scope, receive, send)
                finally:
                    self.gate.leave()
            else:
                await self.app(scope, receive, send)
        finally:
            _principal.reset(token)

    def _origin_ok(self, headers: dict[str, str], scheme: str) -> bool:
        return access.origin_allowed(headers.get("origin"), headers.get("host", ""), self.allowed_origins,
                                     scheme)

    # ---------------------------------------------------------------- refusing
    async def _unauthenticated(self, scope: Scope, send: Send, path: str, ip: str,
                               headers: dict[str, str]) -> None:
        self.refusals.deny("no-session", ip, path)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": "sign in first"})
        elif scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            lang = parse_qs(query).get("lang", [""])[0]  # the sign-in form in the page's language
            location = "/login?" + urlencode({"next": target, **({"lang": lang} if lang == "en" else {})})
            await _respond(send, 303, b"", "text/plain", [("location", location)])
        else:
            await _json(send, 401, "sign in first", "sign_in")

    async def _length_ok(self, send: Send, headers: dict[str, str], limit: int, ip: str, path: str,
                         who: str) -> bool:
        """A request with a body must say how long it is, and be at most ``limit`` bytes."""
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            await _json(send, 411, "a Content-Length is required", "length_required")
            return False
        if int(length) > limit:
            self.refusals.deny("too-large", ip, path, who)
            await _json(send, 413, f"request over {limit} bytes", "too_large")
            return False
        return True

    async def _form_body(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str],
                         ip: str) -> Receive | None:
        """The body of a sign-in or sign-out form, read here (at most FORM_BYTES)."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return receive
        if not await self._length_ok(send, headers, FORM_BYTES, ip, scope["path"], ""):
            return None
        body = await _read_body(receive, FORM_BYTES, self.body_timeout_s)
        if not isinstance(body, bytes):
            await _body_refused(send, body, FORM_BYTES)
            return None
        return _replaying(body, receive)

    async def _checked_body(self, scope: Scope, receive: Receive, send: Send, path: str, ip: str,
                            headers: dict[str, str], principal: Principal) -> Receive | None:
        """Size limit, CSRF and Origin, and the callback's own permission, of a request
        with a body; a receive that replays the body, or None once refused."""
        limit, who = self.max_request_bytes, principal.label()
        if not await self._length_ok(send, headers, limit, ip, path, who):
            return None
        csrf = request_cookies(headers).get(CSRF_COOKIE, "")
        if (not csrf or not hmac.compare_digest(csrf, headers.get(CSRF_HEADER, ""))
                or not self._origin_ok(headers, scope.get("scheme", "http"))):
            self.refusals.deny("csrf", ip, path, who)
            await _json(send, 403, "CSRF check failed: reload the page", "csrf")
            return None
        body = await _read_body(receive, limit, self.body_timeout_s)
        if not isinstance(body, bytes):
            await _body_refused(send, body, limit)
            return None
        scope["cn.body"] = body  # for the console worker (dashboard/console_worker.py)
        if path.endswith("/_dash-update-component"):
            scope["cn.output"] = access.output_of(body)  # the gate's key (dashboard/gate.py)
            scope["cn.permission"] = permission = self.callbacks.of_request(body)
            if not principal.can(permission):
                self.refusals.deny(f"callback:{permission}", ip, path, who)
                await _json(send, 403, f"this callback needs the {permission!r} permission", "permission")
                return None
        return _replaying(body, receive)

    # ---------------------------------------------------------------- every response
    def _finishing(self, send: Send, scope: Scope, refusal: dict[str, str], ip: str) -> Send:
        """``send`` with the security headers added (and the CSRF cookie dash-renderer
        echoes, when the request had none), and a callback's refusal turned into a 403."""
        has_csrf = CSRF_COOKIE in request_cookies(request_headers(scope))
        new_csrf = None if has_csrf else csrf_cookie(secrets.token_urlsafe(24), self.csrf_max_age_s,
                                                     self.cookie_secure)
        replaced: list[bytes] = []

        async def finishing(message: Message) -> None:
            if message["type"] == "http.response.body" and replaced:
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": replaced[0]})
                return
            if message["type"] == "http.response.start":
                if refusal.get("reason") and message["status"] >= 500:  # a callback refused
                    self.refusals.deny("callback", ip, scope["path"], refusal["reason"])
                    # refused as well as taken: an out-of-scope act or reveal is recorded
                    who = _principal.get()
                    await self.auditor.record("refused", who.name if who else "?", who.role if who else "",
                                              target=scope.get("cn.output", scope["path"])[:200],
                                              detail=refusal["reason"], outcome="refused", ip=ip)
                    replaced.append(orjson.dumps({"error": refusal["reason"]}))
                    message = {**message, "status": 403, "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(replaced[0])).encode())]}
                message = {**message, "headers": self.headers.add_to(list(message.get("headers", [])),
                                                                     new_csrf)}
            await send(message)

        return finishing


def _for_console(scope: Scope, path: str) -> bool:
    """Whether the console worker serves this request: the console's callbacks and exports,
    and the phone page's JSON (dashboard/phone_api.py)."""
    if scope["type"] != "http":
        return False
    return (scope.get("cn.permission") == "console" or path.startswith("/console/export/")
            or path.startswith("/console/m/api/"))


async def _respond(send: Send, status: int, body: bytes, content_type: str,
                   extra: list[tuple[str, str]] | None = None) -> None:
    headers = [("content-type", content_type), ("content-length", str(len(body))),
               ("cache-control", "no-store"), *(extra or [])]
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers]})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, message: str, code: str) -> None:
    """A refusal as JSON: ``error`` in English for a person reading logs, ``code`` for a
    page that says it in its own language (assets/phone.js: ``phone.guard.<code>``)."""
    await _respond(send, status, orjson.dumps({"error": message, "code": code}), "application/json")


async def _refuse(send: Send, websocket: bool, status: int, close_code: int, message: str) -> None:
    if websocket:
        await send({"type": "websocket.close", "code": close_code})
    else:
        await _json(send, status, message, "refused")


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives ``body`` (already read) once, then what ``receive`` gives."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _read_body(receive: Receive, limit: int, timeout_s: float) -> bytes | int:
    """The whole request body; 413 once it passes ``limit`` bytes, 408 when it is not
    complete within ``timeout_s``."""
    body = b""
    more = True
    try:
        async with asyncio.timeout(timeout_s):
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    return 413
    except TimeoutError:
        return 408
    return body


async def _body_refused(send: Send, status: int, limit: int) -> None:
    if status == 408:
        await _respond(send, 408, orjson.dumps({"error": "request body too slow", "code": "too_slow"}),
                       "application/json",
                       [("connection", "close")])
    else:
        await _json(send, 413, f"request over {limit} bytes", "too_large")


def _has_control_characters(scope: Scope) -> bool:
    """A path or query parameter holding a control character (after percent-decoding),
    which no screen of this application sends."""
    text = scope["path"] + unquote(scope.get("query_string", b"").decode("latin-1"))
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)

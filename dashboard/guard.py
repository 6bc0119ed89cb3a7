"""Zero trust at the door: every HTTP request and WebSocket connection of the instance
passes through :class:`Guard` (a pure ASGI middleware, outermost).

For each request it finds who is asking (a signed session cookie; a wall token in the
URL, exchanged once for a cookie; a bearer wall token for programs), checks that the
role may reach the path (:data:`ROUTES`) or, for a Dash callback, the callback
(:meth:`Guard.callback_permission`), and refuses otherwise: a page gets the sign-in
form, an API a 401/403 JSON, a WebSocket a close before it is accepted.  It also checks
CSRF on state-changing requests, the Origin of WebSockets, request sizes and rate
limits, and adds the security headers (CSP, frame-ancestors, nosniff, ...) to every
response.  The principal it found is available to the callbacks of that request
through :func:`current` (a context variable), and callbacks check it again.

/healthz and /metrics answer loopback clients and a configured monitoring token only.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hmac
import html
import ipaddress
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson

from dashboard.auth import ANONYMOUS_VISITOR, AuthError, Principal, Sessions, UserStore

if TYPE_CHECKING:
    from dashboard.app import Runtime

log = logging.getLogger("dashboard.guard")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SESSION_COOKIE = "cn_session"
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads to send X-CSRFToken
CSRF_HEADER = "x-csrftoken"
PUBLIC_PATHS = frozenset({"/login", "/logout", "/auth/login.css", "/favicon.ico"})
MONITORING_PATHS = frozenset({"/healthz", "/metrics"})

# path prefix → the permission it needs (first match wins; the default is "wall", i.e.
# any signed-in role).  Dash's own routes are checked per callback, see callback_permission.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/admin", "admin"),
    ("/api/admin/", "admin"),
    ("/console", "console"),
    ("/api/video.geojson", "records"),
)

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
_client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")
# per request: what a callback refused (a dict, so a callback run in a copied context or a
# thread can still tell the guard, which turns Dash's 500 into a 403)
_refusal: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("refusal", default=None)


class Denied(PermissionError):
    """Raised by :func:`require` inside a callback: the server refuses, whatever the UI showed."""


def current() -> Principal | None:
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


def route_permission(path: str) -> str:
    for prefix, permission in ROUTES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/") or path.startswith(prefix):
            return permission
    return "wall"


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header: treat as none
        return {}
    return {k: m.value for k, m in jar.items()}


def cookie_header(name: str, value: str, max_age: int, *, http_only: bool = True,
                  same_site: str = "Lax", secure: bool = False) -> str:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", f"SameSite={same_site}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class SlidingCounter:
    """Events per key within a sliding window (in memory, per instance)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.events: dict[str, deque[float]] = defaultdict(deque)

    def count(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        events = self.events.get(key)
        if not events:
            return 0
        while events and now - events[0] > self.window_s:
            events.popleft()
        if not events:
            del self.events[key]
            return 0
        return len(events)

    def hit(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        self.count(key, now)
        self.events[key].append(now)
        return len(self.events[key])

    def clear(self, key: str) -> None:
        self.events.pop(key, None)


class SharedFailures:
    """Failed sign-ins per key ("ip:..." or "user:...") within a sliding window, counted in
    Redis (one sorted set per key) so that every instance behind a load balancer sees the
    same count: a guesser gains nothing by spreading attempts over instances.  A local
    counter is kept too and stands in while Redis is away (the larger count wins)."""

    def __init__(self, runtime: Runtime, window_s: int) -> None:
        self.runtime = runtime
        self.window_s = window_s
        self.local = SlidingCounter(window_s)

    def _key(self, key: str) -> str:
        return f"{self.runtime.settings.redis_prefix}login-failures:{key}"

    async def count(self, key: str) -> int:
        local = self.local.count(key)
        try:
            async with self.runtime.bus.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self._key(key), "-inf", time.time() - self.window_s)
                pipe.zcard(self._key(key))
                _, shared = await pipe.execute()
        except Exception:  # Redis away: this instance's count
            return local
        return max(local, int(shared))

    async def hit(self, key: str) -> int:
        local = self.local.hit(key)
        now = time.time()
        try:
            async with self.runtime.bus.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self._key(key), "-inf", now - self.window_s)
                pipe.zadd(self._key(key), {f"{now:.6f}:{secrets.token_hex(4)}": now})
                pipe.zcard(self._key(key))
                pipe.expire(self._key(key), self.window_s + 1)
                _, _, shared, _ = await pipe.execute()
        except Exception:
            return local
        return max(local, int(shared))

    async def clear(self, key: str) -> None:
        self.local.clear(key)
        with contextlib.suppress(Exception):
            await self.runtime.bus.redis.delete(self._key(key))


class Guard:
    """The ASGI middleware (see the module doc)."""

    def __init__(self, app: Any, runtime: Runtime, csp_script_hashes: list[str]) -> None:
        self.app = app
        self.runtime = runtime
        self.settings = s = runtime.settings
        self.store = UserStore(s.users_file)
        self.sessions = Sessions(self.store, s.session_ttl_s, s.wall_session_ttl_s)
        self.metrics = runtime.metrics
        self.login_failures = SharedFailures(runtime, s.login_window_s)
        self.live_connects = SlidingCounter(60)
        self.recent_denials: deque[dict[str, Any]] = deque(maxlen=200)
        self.callback_permissions: dict[str, str] = {}
        self.csp = self._csp(csp_script_hashes)
        self.allowed_origins = frozenset(o for o in s.allowed_origins.split() if o)
        self._redis_revoked: dict[str, float] = {}  # sid → checked-until (cache of Redis)

    # ---------------------------------------------------------------- principals
    def _csp(self, hashes: list[str]) -> str:
        s = self.settings
        ancestors = " ".join(s.frame_ancestors.split()) or "'none'"
        img = "'self' data: blob:"
        if s.tile_url:
            parts = urlsplit(s.tile_url.replace("{s}", "a"))
            img += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
        scripts = " ".join(dict.fromkeys(h if h.startswith("'") else f"'{h}'" for h in hashes))
        return (f"default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
                f"img-src {img}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                f"base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")

    def revalidate(self, principal: Principal) -> Principal | None:
        """``principal`` as the users file says now; None when it may no longer come in."""
        if principal.sid in self.sessions.revoked:
            return None
        try:
            return self.store.still_valid(principal)
        except AuthError:
            return None

    def _principal_from(self, headers: dict[str, str], query: dict[str, list[str]],
                        websocket: bool) -> Principal | None:
        cookie = _cookies(headers).get(SESSION_COOKIE)
        if cookie:
            principal = self.sessions.resolve(cookie)
            if principal is not None:
                return principal
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if token is None and websocket:
            token = next(iter(query.get("token", [])), None)
        if token:
            try:
                return self.store.check_wall_token(token)
            except AuthError:
                return None
        return None

    async def _revoked_elsewhere(self, sid: str) -> bool:
        """A logout on another instance (recorded in Redis); cached for a second."""
        if not sid or sid.startswith("wall:") or sid == "anonymous":
            return False
        now = time.monotonic()
        if self._redis_revoked.get(sid, 0) > now:
            return False
        try:
            revoked = bool(await self.runtime.bus.redis.exists(self._revoked_key(sid)))
        except Exception:  # Redis down: the signature and the users file still hold
            return False
        if revoked:
            self.sessions.revoke(sid)
            return True
        if len(self._redis_revoked) > 10_000:
            self._redis_revoked.clear()
        self._redis_revoked[sid] = now + 1.0
        return False

    def _revoked_key(self, sid: str) -> str:
        return f"{self.settings.redis_prefix}revoked:{sid}"

    # ---------------------------------------------------------------- refusing
    def deny(self, reason: str, ip: str, path: str, who: str = "") -> None:
        self.metrics.denied.labels(reason).inc()
        self.recent_denials.append({"ts": int(time.time() * 1000), "ip": ip, "path": path,
                                    "reason": reason, "who": who})

    async def _respond(self, send: Send, status: int, body: bytes, content_type: str,
                       extra: list[tuple[str, str]] | None = None) -> None:
        headers = [("content-type", content_type), ("content-length", str(len(body))),
                   ("cache-control", "no-store"), *(extra or [])]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers]})
        await send({"type": "http.response.body", "body": body})

    async def _json(self, send: Send, status: int, message: str) -> None:
        await self._respond(send, status, orjson.dumps({"error": message}), "application/json")

    # ---------------------------------------------------------------- the middleware
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        ip = (scope.get("client") or ("", 0))[0]
        headers = _headers(scope)
        if scope["type"] == "http":
            # every page gets the CSRF cookie dash-renderer echoes in X-CSRFToken
            new_csrf = None if _cookies(headers).get(CSRF_COOKIE) else secrets.token_urlsafe(24)
            refusal: dict[str, str] = {}
            _refusal.set(refusal)
            send = self._with_headers(send, new_csrf, refusal, ip, path)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        websocket = scope["type"] == "websocket"
        ip_token = _client_ip.set(ip)
        try:
            if path in MONITORING_PATHS:
                await self._monitoring(scope, receive, send, ip, headers, path)
                return
            if websocket and not self._origin_ok(headers):
                self.deny("origin", ip, path)
                await send({"type": "websocket.close", "code": 4403, "reason": "origin not allowed"})
                return
            if path in PUBLIC_PATHS:
                await self._public(scope, receive, send, path, ip, headers, query)
                return
            if not websocket and "token" in query and scope["method"] in ("GET", "HEAD"):
                await self._wall_token_login(send, path, ip, query)
                return
            principal = self._principal_from(headers, query, websocket)
            if principal is not None and await self._revoked_elsewhere(principal.sid):
                principal = None
            if principal is None and self.settings.visitor_anonymous:
                principal = ANONYMOUS_VISITOR
            if principal is None:
                await self._unauthenticated(scope, send, path, ip, websocket)
                return
            permission = route_permission(path)
            if not principal.can(permission):
                self.deny(f"role:{permission}", ip, path, principal.label())
                if websocket:
                    await send({"type": "websocket.close", "code": 4403, "reason": "not allowed"})
                else:
                    await self._forbidden(send, path, principal)
                return
            if websocket:
                if path == "/live" and not self._live_rate_ok(ip):
                    self.deny("rate:live", ip, path, principal.label())
                    await send({"type": "websocket.close", "code": 4429, "reason": "too many connections"})
                    return
            else:
                checked = await self._checked_body(scope, receive, send, path, ip, headers, principal)
                if checked is None:
                    return
                receive = checked
            token = _principal.set(principal)
            try:
                await self.app(scope, receive, send)
            finally:
                _principal.reset(token)
        finally:
            _client_ip.reset(ip_token)

    def _with_headers(self, send: Send, new_csrf: str | None, refusal: dict[str, str], ip: str,
                      path: str) -> Send:
        csp = self.csp
        csrf_cookie = cookie_header(CSRF_COOKIE, new_csrf, self.settings.wall_session_ttl_s,
                                    http_only=False, same_site="Strict",
                                    secure=self.settings.cookie_secure) if new_csrf else None
        replaced: list[bytes] = []

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and replaced:
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": replaced[0]})
                return
            if message["type"] == "http.response.start":
                if refusal.get("reason") and message["status"] >= 500:  # a callback refused
                    self.deny("callback", ip, path, refusal["reason"])
                    replaced.append(orjson.dumps({"error": refusal["reason"]}))
                    message = {**message, "status": 403, "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(replaced[0])).encode())]}
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not self.settings.frame_ancestors.strip():
                    headers.append((b"x-frame-options", b"DENY"))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if csrf_cookie and not any(k.lower() == b"set-cookie" and v.startswith(CSRF_COOKIE.encode())
                                           for k, v in headers):
                    headers.append((b"set-cookie", csrf_cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    def _origin_ok(self, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        if origin is None:  # not a browser: nothing to hijack
            return True
        if origin in self.allowed_origins:
            return True
        return urlsplit(origin).netloc == headers.get("host", "")

    def _live_rate_ok(self, ip: str) -> bool:
        limit = self.settings.live_connects_per_min
        if limit <= 0:
            return True
        if self.live_connects.hit(ip) > limit:
            self.metrics.rate_limited.labels("live").inc()
            return False
        return True

    async def _monitoring(self, scope: Scope, receive: Receive, send: Send, ip: str,
                          headers: dict[str, str], path: str) -> None:
        token = self.settings.monitoring_token
        auth = headers.get("authorization", "")
        if _is_loopback(ip) or (token and hmac.compare_digest(auth, f"Bearer {token}")):
            await self.app(scope, receive, send)
            return
        self.deny("monitoring", ip, path)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4403})
        else:
            await self._json(send, 403, "loopback or monitoring token only")

    async def _unauthenticated(self, scope: Scope, send: Send, path: str, ip: str,
                               websocket: bool) -> None:
        self.deny("no-session", ip, path)
        if websocket:
            await send({"type": "websocket.close", "code": 4401, "reason": "sign in first"})
            return
        accept = _headers(scope).get("accept", "")
        if scope["method"] == "GET" and "text/html" in accept:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            await self._respond(send, 303, b"", "text/plain",
                                [("location", "/login?" + urlencode({"next": target}))])
            return
        await self._json(send, 401, "sign in first")

    async def _forbidden(self, send: Send, path: str, principal: Principal) -> None:
        from dashboard import login_page

        body = login_page.forbidden(principal, path).encode()
        await self._respond(send, 403, body, "text/html; charset=utf-8")

    async def _checked_body(self, scope: Scope, receive: Receive, send: Send, path: str, ip: str,
                            headers: dict[str, str], principal: Principal) -> Receive | None:
        """CSRF, size limit and per-callback permission of a request with a body."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return receive
        limit = self.settings.max_request_bytes
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            await self._json(send, 411, "a Content-Length is required")
            return None
        if int(length) > limit:
            self.deny("too-large", ip, path, principal.label())
            await self._json(send, 413, f"request over {limit} bytes")
            return None
        csrf = _cookies(headers).get(CSRF_COOKIE, "")
        echoed = headers.get(CSRF_HEADER, "")
        if not csrf or not hmac.compare_digest(csrf, echoed) or not self._origin_ok(headers):
            self.deny("csrf", ip, path, principal.label())
            await self._json(send, 403, "CSRF check failed: reload the page")
            return None
        body = await _read_body(receive, limit)
        if body is None:
            await self._json(send, 413, f"request over {limit} bytes")
            return None
        if path.endswith("/_dash-update-component"):
            permission = self.callback_permission(body)
            if not principal.can(permission):
                self.deny(f"callback:{permission}", ip, path, principal.label())
                await self._json(send, 403, f"this callback needs the {permission!r} permission")
                return None
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def callback_permission(self, body: bytes) -> str:
        """The permission of the callback a Dash request asks for (unknown: admin only)."""
        try:
            output = orjson.loads(body)["output"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return "admin"
        return self.callback_permissions.get(output, "admin")

    # ---------------------------------------------------------------- sign-in
    async def _public(self, scope: Scope, receive: Receive, send: Send, path: str, ip: str,
                      headers: dict[str, str], query: dict[str, list[str]]) -> None:
        from dashboard import login_page

        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 4404})
            return
        if path == "/favicon.ico":
            await self._json(send, 404, "no favicon")
            return
        if path == "/auth/login.css":
            await self._respond(send, 200, login_page.CSS.encode(), "text/css; charset=utf-8",
                                [("cache-control", "max-age=3600")])
            return
        cookies = _cookies(headers)
        csrf = cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        csrf_cookie = ("set-cookie", cookie_header(CSRF_COOKIE, csrf, self.settings.session_ttl_s,
                                                   http_only=False, same_site="Strict",
                                                   secure=self.settings.cookie_secure))
        lang = (query.get("lang") or ["zh"])[0]
        next_ = _safe_next((query.get("next") or ["/"])[0])
        if scope["method"] in ("GET", "HEAD"):
            page = login_page.logout_form(csrf, lang) if path == "/logout" else login_page.form(
                csrf, next_, lang, anonymous_visitor=self.settings.visitor_anonymous)
            await self._respond(send, 200, page.encode(), "text/html; charset=utf-8", [csrf_cookie])
            return
        if scope["method"] != "POST":
            await self._json(send, 405, "GET or POST")
            return
        length = headers.get("content-length", "")
        body = await _read_body(receive, 8192) if length.isdigit() and int(length) <= 8192 else None
        if body is None:
            await self._json(send, 413, "form too large")
            return
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        known = cookies.get(CSRF_COOKIE)
        if not known or not hmac.compare_digest(known, form.get("csrf", "")):
            self.deny("csrf", ip, path)
            page = login_page.form(csrf, next_, lang, error="csrf")
            await self._respond(send, 403, page.encode(), "text/html; charset=utf-8", [csrf_cookie])
            return
        if path == "/logout":
            await self._logout(send, headers, ip)
            return
        await self._login(send, form, ip, lang, csrf, csrf_cookie)

    async def _login(self, send: Send, form: dict[str, str], ip: str, lang: str, csrf: str,
                     csrf_cookie: tuple[str, str]) -> None:
        from dashboard import login_page

        name = form.get("user", "").strip()[:64]
        password = form.get("password", "")[:256]
        next_ = _safe_next(form.get("next", "/"))
        failures = max(await self.login_failures.count(f"ip:{ip}"),
                       await self.login_failures.count(f"user:{name}"))
        if failures >= self.settings.login_max_failures:
            self.metrics.rate_limited.labels("login").inc()
            self.metrics.logins.labels("locked").inc()
            await self.runtime.auditor.record("login", name or "?", "", outcome="locked", ip=ip,
                                              detail=f"{failures} failures in the window")
            page = login_page.form(csrf, next_, lang, error="locked")
            await self._respond(send, 429, page.encode(), "text/html; charset=utf-8",
                                [csrf_cookie, ("retry-after", str(self.settings.login_window_s))])
            return
        try:
            principal = await asyncio.to_thread(self.store.check_password, name, password)
        except AuthError as exc:
            log.error("sign-in impossible: %s", exc)
            principal = None
        if principal is None:
            await self.login_failures.hit(f"ip:{ip}")
            count = await self.login_failures.hit(f"user:{name}")
            self.metrics.logins.labels("failed").inc()
            await self.runtime.auditor.record("login", name or "?", "", outcome="failed", ip=ip,
                                              detail=f"failure {count} in the window")
            await asyncio.sleep(min(8.0, 0.25 * 2 ** max(0, count - 1)))  # slowed, growing
            page = login_page.form(csrf, next_, lang, error="failed")
            await self._respond(send, 401, page.encode(), "text/html; charset=utf-8", [csrf_cookie])
            return
        await self.login_failures.clear(f"user:{name}")
        cookie, principal = self.sessions.issue(principal)
        self.metrics.logins.labels("ok").inc()
        await self.runtime.auditor.record("login", principal.name, principal.role, ip=ip,
                                          target=f"session:{principal.sid}")
        await self._respond(send, 303, b"", "text/plain", [
            ("location", next_), csrf_cookie,
            ("set-cookie", cookie_header(SESSION_COOKIE, cookie, self.sessions.ttl(principal),
                                         secure=self.settings.cookie_secure))])

    async def _logout(self, send: Send, headers: dict[str, str], ip: str) -> None:
        cookie = _cookies(headers).get(SESSION_COOKIE)
        principal = self.sessions.resolve(cookie) if cookie else None
        if principal is not None:
            self.sessions.revoke(principal.sid)
            try:
                await self.runtime.bus.redis.set(self._revoked_key(principal.sid), 1,
                                                 ex=self.sessions.ttl(principal))
            except Exception:  # Redis down: revoked on this instance; expires anyway
                log.warning("logout not shared with other instances: Redis unavailable")
            await self.runtime.auditor.record("logout", principal.name, principal.role, ip=ip,
                                              target=f"session:{principal.sid}")
        await self._respond(send, 303, b"", "text/plain", [
            ("location", "/login"), ("set-cookie", cookie_header(SESSION_COOKIE, "", 0))])

    async def _wall_token_login(self, send: Send, path: str, ip: str, query: dict[str, list[str]]) -> None:
        """A kiosk opens ``/?token=...`` once: the token becomes a session cookie and the
        browser is sent to the same URL without it (kept out of history and referrers)."""
        from dashboard import login_page

        token = query.pop("token")[0]
        try:
            principal = self.store.check_wall_token(token)
        except AuthError:
            principal = None
        if principal is None:
            await self.login_failures.hit(f"ip:{ip}")
            self.deny("wall-token", ip, path)
            self.metrics.logins.labels("failed").inc()
            wall_id = token.split(".")[1] if token.count(".") == 2 else "?"
            await self.runtime.auditor.record("wall.token", wall_id,
                                              "wall", outcome="failed", ip=ip)
            body = login_page.bad_token().encode()
            await self._respond(send, 401, body, "text/html; charset=utf-8")
            return
        cookie, principal = self.sessions.issue(principal)
        self.metrics.logins.labels("wall").inc()
        await self.runtime.auditor.record("wall.session", principal.name, "wall", ip=ip,
                                          target=principal.sid, detail=f"layout {principal.layout}")
        rest = urlencode({k: v[0] for k, v in query.items()})
        await self._respond(send, 303, b"", "text/plain", [
            ("location", path + (f"?{rest}" if rest else "")),
            ("set-cookie", cookie_header(SESSION_COOKIE, cookie, self.sessions.ttl(principal),
                                         secure=self.settings.cookie_secure))])

    # ---------------------------------------------------------------- for the admin page
    def risk(self) -> dict[str, Any]:
        return {"recent_denials": list(self.recent_denials)[-50:][::-1],
                "login_failures_now": sum(len(v) for k, v in self.login_failures.local.events.items()
                                          if k.startswith("ip:"))}


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes ``limit`` bytes."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > limit:
            return None
    return body


def _safe_next(target: str) -> str:
    """Only a path on this site (never //host or a scheme)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)

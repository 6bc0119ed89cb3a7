"""Sign-in and sign-out as ordinary routes, and the wall-token exchange of the kiosks.

``/login`` and ``/logout`` show a form (GET) and act on it (POST); both forms carry the
CSRF token as a field, checked against the ``_csrf_token`` cookie.  The guard lets these
paths through without a session and caps their bodies (:data:`FORM_BYTES`).

A kiosk opens ``/?token=cnw....`` once: the guard hands that request to
:meth:`SignIn.exchange_wall_token` (it may arrive on any page path), which answers with
a session cookie and sends the browser to the same URL without the token (kept out of
history and referrers).

Every attempt is counted before its password (or wall token) is checked
(dashboard/ratelimits.py): a locked one is refused with 429 unchecked, an account under
attack from many addresses is slowed before the check, a wrong password is answered
after a growing delay (0.25 s, 0.5 s, 1 s, ... up to 8 s).  Failures are audited with
the account they tried (as ``who`` and as the target ``user:<name>``) and the address,
repeated ones as one entry per source and window with their count
(dashboard/audit_rollup.py).  A sign-in form refused for its CSRF field is counted with
the account it named.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dashboard import login_page
from dashboard.audit import Auditor
from dashboard.audit_rollup import FailureRollup
from dashboard.headers import CSRF_COOKIE, SESSION_COOKIE, cookie_header, csrf_cookie
from dashboard.identity import Identity
from dashboard.metrics import Metrics
from dashboard.ratelimits import SignInLimits
from dashboard.redirects import own_path
from dashboard.risk import Refusals

FORM_BYTES = 8192  # the largest sign-in or sign-out form accepted
MAX_DELAY_S = 8.0


def failure_delay(count: int) -> float:
    """How long the answer to the ``count``-th failure in the window waits."""
    return min(MAX_DELAY_S, 0.25 * 2 ** max(0, count - 1))


class SignIn:
    """The sign-in room: forms, sessions issued and ended, every outcome audited."""

    def __init__(self, identity: Identity, limits: SignInLimits, auditor: Auditor, rollup: FailureRollup,
                 metrics: Metrics, refusals: Refusals, *, session_ttl_s: int, cookie_secure: bool,
                 visitor_anonymous: bool, wecom: bool = False) -> None:
        self.identity = identity
        self.limits = limits
        self.auditor = auditor
        self.rollup = rollup
        self.metrics = metrics
        self.refusals = refusals
        self.session_ttl_s = session_ttl_s
        self.cookie_secure = cookie_secure
        self.visitor_anonymous = visitor_anonymous
        self.wecom = wecom  # the 政务微信/WeCom sign-in is on: the form shows its button

    def register(self, server: FastAPI) -> None:
        server.add_api_route("/login", self.show_login, methods=["GET", "HEAD"])
        server.add_api_route("/login", self.submit_login, methods=["POST"])
        server.add_api_route("/logout", self.show_logout, methods=["GET", "HEAD"])
        server.add_api_route("/logout", self.submit_logout, methods=["POST"])
        server.add_api_route("/auth/login.css", self.css, methods=["GET", "HEAD"])
        server.add_api_route("/favicon.ico", self.favicon, methods=["GET", "HEAD"])

    # ---------------------------------------------------------------- the pages
    def _page(self, html: str, csrf: str, status: int = 200,
              extra: dict[str, str] | None = None) -> HTMLResponse:
        """An HTML page that also (re)sets the CSRF cookie its form carries."""
        response = HTMLResponse(html, status, headers=extra)
        response.headers.append("set-cookie", csrf_cookie(csrf, self.session_ttl_s, self.cookie_secure))
        return response

    @staticmethod
    def _csrf(request: Request) -> str:
        """The request's CSRF token, or a new one."""
        return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)

    @staticmethod
    def _lang(request: Request) -> str:
        return request.query_params.get("lang", "zh")

    async def show_login(self, request: Request) -> Response:
        csrf, next_ = self._csrf(request), own_path(request.query_params.get("next", "/"))
        return self._page(login_page.form(csrf, next_, self._lang(request),
                                          anonymous_visitor=self.visitor_anonymous, wecom=self.wecom), csrf)

    async def show_logout(self, request: Request) -> Response:
        csrf = self._csrf(request)
        return self._page(login_page.logout_form(csrf, self._lang(request)), csrf)

    async def css(self) -> Response:
        return Response(login_page.CSS, media_type="text/css; charset=utf-8",
                        headers={"cache-control": "max-age=3600"})

    async def favicon(self) -> Response:
        return JSONResponse({"error": "no favicon"}, 404)

    # ---------------------------------------------------------------- the forms
    @staticmethod
    async def _form(request: Request) -> tuple[dict[str, str], bool]:
        """The form's fields, and whether its CSRF field matches the cookie."""
        body = await request.body()
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        known = request.cookies.get(CSRF_COOKIE)
        return form, bool(known) and hmac.compare_digest(known or "", form.get("csrf", ""))

    def _csrf_refused(self, request: Request, account: str = "") -> Response:
        ip = _ip(request)
        self.refusals.deny("csrf", ip, request.url.path, account)
        csrf, next_ = self._csrf(request), own_path(request.query_params.get("next", "/"))
        return self._page(login_page.form(csrf, next_, self._lang(request), error="csrf", wecom=self.wecom),
                          csrf, 403)

    async def submit_login(self, request: Request) -> Response:
        form, checked = await self._form(request)
        name = form.get("user", "").strip()[:64]
        if not checked:
            return self._csrf_refused(request, name)
        ip, lang = _ip(request), self._lang(request)
        password = form.get("password", "")[:256]
        next_ = own_path(form.get("next", "/"))
        csrf = self._csrf(request)
        admission = await self.limits.admit(ip, name)  # counted before the password is checked
        if not admission.admitted:
            self.metrics.rate_limited.labels("login").inc()
            self.metrics.logins.labels("locked").inc()
            target = f"address:{ip}" if admission.locked_by == "address" else f"user:{name}"
            await self.rollup.failure("login", name or "?", "", outcome="locked", ip=ip, target=target,
                                      detail_key="audit.d.locked", detail_values={"n": admission.failures})
            return self._page(login_page.form(csrf, next_, lang, error="locked", wecom=self.wecom), csrf, 429,
                              {"retry-after": str(self.limits.window_s)})
        if admission.over:  # the account is tried from many addresses: slowed, never locked
            self.metrics.logins.labels("slowed").inc()
            await asyncio.sleep(failure_delay(admission.over))
        principal = await self.identity.password(name, password)
        if principal is None:
            self.metrics.logins.labels("failed").inc()
            await self.rollup.failure("login", name or "?", "", outcome="failed", ip=ip,
                                      target=f"user:{name}", detail_key="audit.d.failures",
                                      detail_values={"n": admission.failures})
            await asyncio.sleep(failure_delay(admission.failures))
            return self._page(login_page.form(csrf, next_, lang, error="failed", wecom=self.wecom), csrf, 401)
        await self.limits.succeeded(admission)
        cookie, principal, ttl = self.identity.issue(principal)
        self.metrics.logins.labels("ok").inc()
        await self.auditor.record("login", principal.name, principal.role, ip=ip,
                                  target=f"session:{principal.sid}")
        response = RedirectResponse(next_, 303)
        response.headers.append("set-cookie", csrf_cookie(csrf, self.session_ttl_s, self.cookie_secure))
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, cookie, ttl,
                                                            secure=self.cookie_secure))
        return response

    async def submit_logout(self, request: Request) -> Response:
        _, checked = await self._form(request)
        if not checked:
            return self._csrf_refused(request)
        principal = await self.identity.sign_out(request.cookies.get(SESSION_COOKIE))
        if principal is not None:
            await self.auditor.record("logout", principal.name, principal.role, ip=_ip(request),
                                      target=f"session:{principal.sid}")
        response = RedirectResponse("/login", 303)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", 0))
        return response

    # ---------------------------------------------------------------- kiosks
    async def exchange_wall_token(self, path: str, query: dict[str, list[str]], ip: str) -> Response:
        """Answer ``GET <path>?token=...&...``: a session for the wall, and the same URL
        without the token; a wrong or revoked token is refused (401), and counted before
        it is checked: too many from one address are refused unchecked (429)."""
        rest = {k: v[0] for k, v in query.items() if k != "token"}
        token, lang = query["token"][0], rest.get("lang", "zh")
        admission = await self.limits.admit_wall(ip)
        if not admission.admitted:
            self.refusals.deny("rate:wall-token", ip, path)
            self.refusals.rate_limited("wall-token")
            await self.rollup.failure("wall.token", "?", "wall", outcome="locked", ip=ip,
                                      target=f"address:{ip}", detail_key="audit.d.locked",
                                      detail_values={"n": admission.failures})
            return HTMLResponse(login_page.bad_token(lang, locked=True), 429,
                                headers={"retry-after": str(self.limits.window_s)})
        principal = self.identity.wall_token(token)
        if principal is None:
            self.refusals.deny("wall-token", ip, path)
            self.metrics.logins.labels("failed").inc()
            wall_id = token.split(".")[1] if token.count(".") == 2 else ""
            wall_id = wall_id if self.identity.knows_wall(wall_id) else "?"  # made-up ids: one source
            await self.rollup.failure("wall.token", wall_id, "wall", target=f"wall:{wall_id}",
                                      outcome="failed", ip=ip)
            await asyncio.sleep(failure_delay(admission.failures))
            return HTMLResponse(login_page.bad_token(lang), 401)
        await self.limits.wall_succeeded(admission)
        cookie, principal, ttl = self.identity.issue(principal)
        self.metrics.logins.labels("wall").inc()
        await self.auditor.record("wall.session", principal.name, "wall", ip=ip,
                                  target=f"session:{principal.sid}", detail_key="audit.d.layout",
                                  detail_values={"layout": principal.layout})
        response = RedirectResponse(own_path(path) + (f"?{urlencode(rest)}" if rest else ""), 303)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, cookie, ttl,
                                                            secure=self.cookie_secure))
        return response


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""

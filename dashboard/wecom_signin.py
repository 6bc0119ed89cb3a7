"""The optional 政务微信 / WeCom sign-in: ``/auth/wecom/start`` and ``/auth/wecom/callback``.

Off by default (``wecom_enabled``): then both paths answer 404 and the sign-in form has
no WeCom button.  On, ``/auth/wecom/start?next=`` sends the browser to WeCom
(dashboard/wecom.py :func:`~dashboard.wecom.authorize_url`) with a random ``state``,
bound to this browser by a short-lived signed cookie (``wecom_state_s``; HttpOnly,
SameSite=Lax, path ``/auth/wecom``) that also keeps ``next`` (checked by
dashboard/redirects.own_path; none: the phone page ``/console/m``) and the language.
The callback checks that the state is the cookie's, asks WeCom who the code names, finds
the local user whose ``wecom_userid`` is that member's userid (dashboard/auth.py), and
issues the same session as a password sign-in (role, scope, unit unchanged), then
redirects.

Every callback is counted per address before it is checked (``wecom_max_failures``
within ``login_window_s``, dashboard/ratelimits.py): too many failures and the address
is refused unchecked (429).  A sign-in that WeCom could not answer (down, slow) is given
back.  Successes are audited as ``login.wecom``; failures too, repeated ones rolled up
(dashboard/audit_rollup.py), with the reason as the entry's detail.  Each failure is a
page in the visitor's language saying what happened and what to do.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard import login_page
from dashboard.auth import AuthError
from dashboard.headers import SESSION_COOKIE, cookie_header, csrf_cookie
from dashboard.redirects import own_path
from dashboard.signin import SignIn
from dashboard.wecom import WeComClient, WeComError, authorize_url

log = logging.getLogger("dashboard.wecom")

START_PATH = "/auth/wecom/start"
CALLBACK_PATH = "/auth/wecom/callback"
STATE_COOKIE = "_wecom_state"
STATE_PATH = "/auth/wecom"
PHONE_HOME = "/console/m"  # where a WeCom sign-in lands without a next (the officers' phone page)
NO_STORE = {"cache-control": "no-store"}


class WeComSignIn:
    """The two routes (see the module doc); ``client`` None: the WeCom sign-in is off."""

    def __init__(self, sign_in: SignIn, client: WeComClient | None, *, redirect_uri: str | None,
                 state_s: int) -> None:
        self.sign_in = sign_in
        self.client = client
        self.redirect_uri = redirect_uri
        self.state_s = state_s

    def register(self, server: FastAPI) -> None:
        server.add_api_route(START_PATH, self.start, methods=["GET", "HEAD"])
        # GET only: a HEAD (a link preview, a prober) would spend the member's one-use code
        server.add_api_route(CALLBACK_PATH, self.callback, methods=["GET"])

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.sign_in.identity.store.current().secret, salt="cn-wecom-state")

    def _callback_uri(self, request: Request) -> str:
        return self.redirect_uri or f"{str(request.base_url).rstrip('/')}{CALLBACK_PATH}"

    @staticmethod
    def _not_found() -> Response:
        return HTMLResponse("<!doctype html><title>404</title>not found", 404)

    # ---------------------------------------------------------------- /auth/wecom/start
    async def start(self, request: Request) -> Response:
        if self.client is None:
            return self._not_found()
        raw_next = request.query_params.get("next")
        next_ = own_path(raw_next) if raw_next else PHONE_HOME
        lang = "en" if request.query_params.get("lang") == "en" else "zh"
        state = secrets.token_hex(16)  # WeCom takes a-zA-Z0-9, at most 128 bytes
        try:
            bound = self._serializer().dumps({"s": state, "n": next_, "l": lang})
        except AuthError as exc:
            log.error("WeCom sign-in impossible: %s", exc)
            return self._failure_page(lang, "wecom_down", next_, 503)
        response = RedirectResponse(authorize_url(self.client.app, self._callback_uri(request), state), 302,
                                    headers=NO_STORE)
        response.headers.append("set-cookie", cookie_header(STATE_COOKIE, bound, self.state_s,
                                                            secure=self.sign_in.cookie_secure,
                                                            path=STATE_PATH))
        return response

    # ---------------------------------------------------------------- /auth/wecom/callback
    def _bound(self, request: Request) -> dict[str, Any] | None:
        """The state cookie's content if its state is the callback's, else None."""
        cookie, state = request.cookies.get(STATE_COOKIE, ""), request.query_params.get("state", "")
        if not cookie or not state:
            return None
        try:
            bound = self._serializer().loads(cookie, max_age=self.state_s)
        except (BadSignature, AuthError):
            return None
        if not isinstance(bound, dict) or not hmac.compare_digest(str(bound.get("s", "")), state):
            return None
        return bound

    async def callback(self, request: Request) -> Response:
        if self.client is None:
            return self._not_found()
        sign_in, ip = self.sign_in, _ip(request)
        lang = "en" if request.query_params.get("lang") == "en" else "zh"
        admission = await sign_in.limits.admit_wecom(ip)  # counted before anything is checked
        if not admission.admitted:
            sign_in.metrics.rate_limited.labels("wecom").inc()
            sign_in.metrics.logins.labels("locked").inc()
            sign_in.refusals.deny("rate:wecom", ip, CALLBACK_PATH)
            await sign_in.rollup.failure("login.wecom", "?", "", outcome="locked", ip=ip,
                                         target=f"address:{ip}", detail_key="audit.d.locked",
                                         detail_values={"n": admission.failures})
            return self._failure_page(lang, "locked", PHONE_HOME, 429,
                                      {"retry-after": str(sign_in.limits.window_s)})
        bound = self._bound(request)
        if bound is None:
            return await self._failed(lang, PHONE_HOME, 400, ip, who="?", target=f"address:{ip}",
                                      reason="state", text="wecom_state")
        lang = "en" if bound.get("l") == "en" else "zh"
        next_ = own_path(str(bound.get("n") or PHONE_HOME))
        try:
            userid = await self.client.user_id(request.query_params.get("code", ""))
        except WeComError as exc:
            if exc.reason in ("unreachable", "bad-answer"):  # not the sender's doing: given back
                await sign_in.limits.wecom_not_failed(admission)
                log.warning("WeCom did not answer a sign-in: %s", exc)
                return await self._failed(lang, next_, 503, ip, who="?", target=f"address:{ip}",
                                          reason="unreachable", text="wecom_down", outcome="error",
                                          why=exc.detail)
            return await self._failed(lang, next_, 401, ip, who="?", target=f"address:{ip}",
                                      reason="not_member" if exc.reason == "not-member" else "refused",
                                      text="wecom_refused", outcome="refused", why=exc.detail)
        try:
            why_not, principal = sign_in.identity.store.check_wecom(userid)
        except AuthError as exc:
            log.error("WeCom sign-in impossible: %s", exc)
            return self._failure_page(lang, "wecom_down", next_, 503)
        if principal is None:
            return await self._failed(lang, next_, 403, ip, who=f"wecom:{userid}", target=f"wecom:{userid}",
                                      reason=why_not, text="wecom_unknown", userid=userid)
        await sign_in.limits.wecom_not_failed(admission)
        cookie, principal, ttl = sign_in.identity.issue(principal)
        sign_in.metrics.logins.labels("wecom").inc()
        await sign_in.auditor.record("login.wecom", principal.name, principal.role, ip=ip,
                                     target=f"session:{principal.sid}", detail_key="audit.d.wecom_ok",
                                     detail_values={"userid": userid})
        response = RedirectResponse(next_, 303, headers=NO_STORE)
        response.headers.append("set-cookie", cookie_header(STATE_COOKIE, "", 0, path=STATE_PATH,
                                                            secure=sign_in.cookie_secure))
        response.headers.append("set-cookie", csrf_cookie(secrets.token_urlsafe(24), sign_in.session_ttl_s,
                                                          sign_in.cookie_secure))
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, cookie, ttl,
                                                            secure=sign_in.cookie_secure))
        return response

    async def _failed(self, lang: str, next_: str, status: int, ip: str, *, who: str, target: str,
                      reason: str, text: str, outcome: str = "failed", **values: str) -> Response:
        """A refused WeCom sign-in: audited (rolled up), counted, answered with a page."""
        self.sign_in.metrics.logins.labels("failed" if outcome != "error" else "error").inc()
        self.sign_in.refusals.deny(f"wecom:{reason}", ip, CALLBACK_PATH)
        await self.sign_in.rollup.failure("login.wecom", who, "", outcome=outcome, ip=ip, target=target,
                                          detail_key=f"audit.d.wecom_{reason}", detail_values=values)
        return self._failure_page(lang, text, next_, status)

    def _failure_page(self, lang: str, text: str, next_: str, status: int,
                      extra: dict[str, str] | None = None) -> Response:
        response = HTMLResponse(login_page.wecom_failed(lang, text, next_), status,
                                headers={**NO_STORE, **(extra or {})})
        response.headers.append("set-cookie", cookie_header(STATE_COOKIE, "", 0, path=STATE_PATH,
                                                            secure=self.sign_in.cookie_secure))
        return response


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""

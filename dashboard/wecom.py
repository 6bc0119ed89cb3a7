"""政务微信 / WeCom: the web authorisation (网页授权) of a self-built app (自建应用), as
WeCom documents it for an organisation's own apps.

1. The browser is sent to ``{authorize_base}/connect/oauth2/authorize?appid=CORPID&
   redirect_uri=ENC&response_type=code&scope=snsapi_base&state=STATE&agentid=AGENTID
   #wechat_redirect`` (:func:`authorize_url`); inside the WeCom client this is silent.
2. WeCom sends it back to ``redirect_uri?code=CODE&state=STATE`` (the code: one use,
   five minutes).
3. The server asks ``GET {api_base}/cgi-bin/gettoken?corpid=&corpsecret=`` for the app's
   access_token (cached until its ``expires_in``, less a minute; fetched again when an
   answer says it is invalid or expired, errcode 40014 / 42001), then
   ``GET {api_base}/cgi-bin/auth/getuserinfo?access_token=&code=`` for who it is: a
   member of the organisation has a ``userid``; anyone else (an external contact, an
   ``openid`` only) is no one here (:meth:`WeComClient.user_id`).

The access_token and the Secret never leave this module: no log line, no error message,
no audit entry carries them.  This instance's token is its own (several instances fetch
one each; WeCom allows that).  The routes are in dashboard/wecom_signin.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import orjson

from dashboard.config import Settings

#: the errcodes of an access_token that is not valid (any more): fetched again, asked again once
TOKEN_EXPIRED = frozenset({40014, 42001})
TOKEN_MARGIN_S = 60.0  # a token is used until this long before WeCom says it expires
MAX_CODE_CHARS = 512  # WeCom's codes are at most 512 bytes


class WeComError(Exception):
    """A sign-in WeCom could not confirm.  ``reason``: ``unreachable`` (no answer within
    the timeout, or no connection), ``bad-answer`` (not HTTP 200 JSON), ``refused`` (an
    errcode; ``errcode`` holds it), ``not-member`` (no userid: not a member of the
    organisation).  The message names no token and no secret."""

    def __init__(self, reason: str, detail: str = "", errcode: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.errcode = errcode


@dataclass(frozen=True, slots=True)
class WeComApp:
    """The self-built app as the district registered it."""

    corp_id: str
    agent_id: str
    secret: str
    api_base: str = "https://qyapi.weixin.qq.com"
    authorize_base: str = "https://open.weixin.qq.com"
    timeout_s: float = 5.0

    def __repr__(self) -> str:  # never the secret
        return f"WeComApp(corp_id={self.corp_id!r}, agent_id={self.agent_id!r}, api_base={self.api_base!r})"

    @classmethod
    def of(cls, settings: Settings) -> WeComApp | None:
        """The app of ``settings``, or None when the WeCom sign-in is off."""
        if not settings.wecom_enabled:
            return None
        assert settings.wecom_corp_id and settings.wecom_agent_id and settings.wecom_secret  # validated
        return cls(settings.wecom_corp_id, settings.wecom_agent_id, settings.wecom_secret,
                   settings.wecom_api_base.rstrip("/"), settings.wecom_authorize_base.rstrip("/"),
                   settings.wecom_timeout_s)


def authorize_url(app: WeComApp, redirect_uri: str, state: str) -> str:
    """Where the browser goes to be identified by WeCom (step 1 of the module doc); every
    value percent-encoded (``redirect_uri`` whole: its ``:``, ``/``, ``?`` and ``&`` too)."""
    query = urlencode({"appid": app.corp_id, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state, "agentid": app.agent_id},
                      quote_via=quote, safe="")
    return f"{app.authorize_base}/connect/oauth2/authorize?{query}#wechat_redirect"


class WeComClient:
    """WeCom's API for the sign-in: the app's access_token (cached) and a code's userid.
    ``calls`` counts the requests sent, by path (tests, metrics)."""

    def __init__(self, app: WeComApp, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self.calls: dict[str, int] = {}
        self._token: tuple[str, float] | None = None  # the token, and until when it is used
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """``GET {api_base}{path}``: its JSON object; WeComError when there is none."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.app.timeout_s),
                headers={"accept": "application/json"})
        self.calls[path] = self.calls.get(path, 0) + 1
        try:
            async with self._session.get(f"{self.app.api_base}{path}", params=params,
                                         allow_redirects=False) as response:
                if response.status != 200:
                    raise WeComError("bad-answer", f"{path}: HTTP {response.status}")
                raw = await response.content.read(65_536)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise WeComError("unreachable", f"{path}: {type(exc).__name__}") from None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise WeComError("bad-answer", f"{path}: not JSON") from None
        if not isinstance(body, dict):
            raise WeComError("bad-answer", f"{path}: not a JSON object")
        return body

    @staticmethod
    def _errcode(body: dict[str, Any]) -> int:
        code = body.get("errcode", 0)
        return code if isinstance(code, int) else -1

    async def access_token(self, stale: str | None = None) -> str:
        """The app's access_token: the cached one while it lasts, else a new one.
        ``stale``: a token WeCom just called invalid or expired; a new one is fetched
        unless another request has already replaced it."""
        async with self._lock:  # parallel sign-ins wait for one gettoken
            cached = self._token
            if cached is not None and cached[0] != stale and self.clock() < cached[1]:
                return cached[0]
            body = await self._get("/cgi-bin/gettoken", {"corpid": self.app.corp_id,
                                                          "corpsecret": self.app.secret})
            token, errcode = body.get("access_token"), self._errcode(body)
            if errcode != 0 or not isinstance(token, str) or not token:
                why = str(body.get("errmsg", ""))[:120]
                raise WeComError("refused", f"gettoken: errcode {errcode} {why}", errcode)
            expires_in = body.get("expires_in", 7200)
            lasts = float(expires_in) if isinstance(expires_in, int | float) else 7200.0
            self._token = (token, self.clock() + max(1.0, lasts - TOKEN_MARGIN_S))
            return token

    async def user_id(self, code: str) -> str:
        """The userid of the member a code names (step 3 of the module doc)."""
        if not code or len(code) > MAX_CODE_CHARS:
            raise WeComError("refused", "no code, or a code over 512 characters")
        token = await self.access_token()
        body = await self._get("/cgi-bin/auth/getuserinfo", {"access_token": token, "code": code})
        if self._errcode(body) in TOKEN_EXPIRED:
            token = await self.access_token(stale=token)
            body = await self._get("/cgi-bin/auth/getuserinfo", {"access_token": token, "code": code})
        errcode = self._errcode(body)
        if errcode != 0:
            why = str(body.get("errmsg", ""))[:120]
            raise WeComError("refused", f"getuserinfo: errcode {errcode} {why}", errcode)
        userid = body.get("userid")
        if not isinstance(userid, str) or not userid:
            what = "an openid (not a member)" if body.get("openid") else "no userid"
            raise WeComError("not-member", f"getuserinfo: {what}")
        return userid

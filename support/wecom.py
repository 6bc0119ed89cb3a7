"""A stand-in for 政务微信/WeCom's web authorisation and API, on loopback, for the tests.

A real HTTP server (``http.server`` in a thread) answering as WeCom documents it for a
self-built app:

* ``GET /connect/oauth2/authorize?appid=&redirect_uri=&response_type=code&scope=&state=
  &agentid=`` → 302 to ``redirect_uri?code=CODE&state=STATE``, the code naming the member
  the test has put "in front of the phone" (:meth:`WeComStandIn.sign_in_as`);
* ``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → ``{"errcode": 0, "errmsg": "ok",
  "access_token": ..., "expires_in": 7200}``, or errcode 40013 (corpid) / 40001 (secret);
* ``GET /cgi-bin/auth/getuserinfo?access_token=&code=`` → ``{"errcode": 0, "errmsg":
  "ok", "userid": ..., "user_ticket": ...}`` for a member, ``{"errcode": 0, "errmsg":
  "ok", "openid": ..., "external_userid": ...}`` for someone outside the organisation,
  errcode 40029 for a code it did not issue (or used already: a code is good once),
  42001 for an expired access_token and 40014 for one it never issued.

It counts the calls by path (``calls``) and can expire every token it issued
(:meth:`expire_tokens`) or answer late (``delay_s``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CORP_ID = "wwstandin0corp"
AGENT_ID = "1000002"
SECRET = "standin-app-secret-0123456789abcdef"


class WeComStandIn:
    """Start with :meth:`start` (or as a context manager); ``url`` is its base URL."""

    def __init__(self, corp_id: str = CORP_ID, secret: str = SECRET, expires_in: int = 7200) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.expires_in = expires_in
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []  # path and query of each
        self.delay_s = 0.0
        self.member: dict[str, str] = {}  # who the next authorisation's code names
        self._codes: dict[str, dict[str, str]] = {}
        self._tokens: set[str] = set()
        self._expired: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="wecom-standin", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WeComStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WeComStandIn:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ---- what the test arranges
    def sign_in_as(self, userid: str | None = None, *, openid: str | None = None) -> None:
        """The person whose phone the next authorisations come from: a member (``userid``)
        or someone outside the organisation (``openid``)."""
        self.member = {"userid": userid} if userid else {"openid": openid or "o-outsider"}

    def code_for(self, userid: str | None = None, *, openid: str | None = None) -> str:
        """A fresh code naming that person (as the authorisation would issue)."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"userid": userid} if userid else {"openid": openid or "o-outsider"}
        return code

    def expire_tokens(self) -> None:
        """Every access_token issued so far expires now (errcode 42001 from then on)."""
        with self._lock:
            self._expired |= self._tokens
            self._tokens.clear()

    # ---- the answers
    def _answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if path == "/connect/oauth2/authorize":
            code = self.code_for(self.member.get("userid"), openid=self.member.get("openid"))
            target = query.get("redirect_uri", "")
            joiner = "&" if "?" in target else "?"
            back = urlencode({"code": code, "state": query.get("state", "")})
            return 302, None, {"location": f"{target}{joiner}{back}"}
        if path == "/cgi-bin/gettoken":
            if query.get("corpid") != self.corp_id:
                return 200, {"errcode": 40013, "errmsg": "invalid corpid"}, {}
            if query.get("corpsecret") != self.secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}, {}
            token = secrets.token_urlsafe(32)
            with self._lock:
                self._tokens.add(token)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                         "expires_in": self.expires_in}, {}
        if path == "/cgi-bin/auth/getuserinfo":
            token = query.get("access_token", "")
            with self._lock:
                if token in self._expired:
                    return 200, {"errcode": 42001, "errmsg": "access_token expired"}, {}
                if token not in self._tokens:
                    return 200, {"errcode": 40014, "errmsg": "invalid access_token"}, {}
                who = self._codes.pop(query.get("code", ""), None)
            if who is None:
                return 200, {"errcode": 40029, "errmsg": "invalid code"}, {}
            if "userid" in who:
                return 200, {"errcode": 0, "errmsg": "ok", "userid": who["userid"],
                             "user_ticket": secrets.token_urlsafe(16)}, {}
            return 200, {"errcode": 0, "errmsg": "ok", "openid": who["openid"],
                         "external_userid": "wm" + secrets.token_hex(8)}, {}
        return 404, {"errcode": 404, "errmsg": "no such path"}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with standin._lock:
                    standin.calls[parts.path] += 1
                    standin.requests.append((parts.path, query))
                if standin.delay_s:
                    time.sleep(standin.delay_s)
                status, body, headers = standin._answer(parts.path, query)
                raw = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler

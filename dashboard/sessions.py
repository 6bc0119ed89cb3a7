"""Sessions: signed, expiring cookies (itsdangerous, with the users file's secret).

A session is stamped exactly: when it was issued and when it expires (ms), and the
user's *generation* (dashboard/auth.py), which every change of the user moves on, so a
session of an older generation is over however close in time the change came.  A
signed-out session id is remembered (dashboard/revocations.py) until it would have
expired anyway.  No network I/O.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import replace

from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard.auth import AuthError, Principal, UserStore
from dashboard.revocations import Revocations


class Sessions:
    """Signed, expiring session cookies naming a principal, a session id, when it was
    issued (ms) and the user's generation."""

    def __init__(self, store: UserStore, user_ttl_s: int, wall_ttl_s: int,
                 revoked: Revocations | None = None) -> None:
        self.store = store
        self.user_ttl_s = user_ttl_s
        self.wall_ttl_s = wall_ttl_s
        self.revoked = revoked if revoked is not None else Revocations()

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.store.current().secret, salt="cn-session")

    def issue(self, principal: Principal) -> tuple[str, Principal]:
        kind = principal.kind
        sid = f"{principal.sid}:{secrets.token_hex(6)}" if kind == "wall" else secrets.token_urlsafe(12)
        now_ms = int(time.time() * 1000)
        payload = {"k": kind, "n": principal.name, "s": sid, "t": now_ms, "g": principal.generation}
        return self._serializer().dumps(payload), replace(
            principal, sid=sid, issued_ms=now_ms, expires_ms=now_ms + self.ttl(principal) * 1000)

    def ttl(self, principal: Principal) -> int:
        return self.wall_ttl_s if principal.kind == "wall" else self.user_ttl_s

    def resolve(self, cookie: str) -> Principal | None:
        """The principal of a session cookie, checked against the users file now."""
        try:
            payload = self._serializer().loads(cookie, max_age=self.wall_ttl_s)
            kind, name, sid = str(payload["k"]), str(payload["n"]), str(payload["s"])
            issued_ms = int(payload["t"]) if "t" in payload else int(payload["i"]) * 1000
            generation = int(payload["g"]) if "g" in payload else self._legacy_generation(
                kind, name, issued_ms)
        except (BadSignature, KeyError, TypeError, ValueError, AuthError):
            return None
        ttl_s = self.wall_ttl_s if kind == "wall" else self.user_ttl_s
        principal = Principal(kind, name, "", sid=sid, issued_ms=issued_ms,
                              expires_ms=issued_ms + ttl_s * 1000, generation=generation)
        if principal.expired(int(time.time() * 1000)) or sid in self.revoked:
            return None
        with contextlib.suppress(AuthError):
            return self.store.still_valid(principal)
        return None

    def _legacy_generation(self, kind: str, name: str, issued_ms: int) -> int:
        """A cookie from before generations (whole seconds): valid if issued no earlier
        than the user's last change, then of the user's generation now."""
        if kind != "user":
            return 0
        generation = self.store.generation(name)
        if generation is None or issued_ms // 1000 < self.store.changed_s(name):
            raise ValueError("a session from before the user's last change")
        return generation

    def revoke(self, sid: str, until_ms: int) -> bool:
        """End ``sid`` here; remembered until ``until_ms`` (its expiry).  False: known already."""
        return self.revoked.add(sid, until_ms)

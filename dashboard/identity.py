"""Who is asking: the principal of a request or connection, and whether it still may.

A request carries a signed session cookie, or (programs) ``Authorization: Bearer
cnw....`` with a wall token, or (``/live`` only) ``?token=``.  Each is checked against
the users file now (dashboard/auth.py), and a session against the sign-outs: this
instance's, and those of other instances, which are recorded in Redis as
``<prefix>revoked:<sid>`` (asked at most once a second per session; while Redis is away
the signature, the expiry and the users file still hold).
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from dashboard.auth import ANONYMOUS_VISITOR, AuthError, Principal, Sessions, UserStore
from dashboard.config import RedisKeys

log = logging.getLogger("dashboard.identity")
_REVOCATION_CACHE_S = 1.0
_REVOCATION_CACHE_MAX = 10_000


class Identity:
    """Finds and re-checks principals; issues and ends sessions."""

    def __init__(self, store: UserStore, sessions: Sessions, redis: aioredis.Redis, keys: RedisKeys,
                 *, visitor_anonymous: bool) -> None:
        self.store = store
        self.sessions = sessions
        self.redis = redis
        self.keys = keys
        self.visitor_anonymous = visitor_anonymous
        self._not_revoked_until: dict[str, float] = {}  # sid → asked Redis; valid until

    # ---------------------------------------------------------------- finding
    def from_credentials(self, session_cookie: str | None, authorization: str,
                         url_token: str | None) -> Principal | None:
        """The principal of a session cookie, else of a bearer wall token, else of a wall
        token from the URL (pass one only for ``/live``); None when none holds."""
        if session_cookie:
            principal = self.sessions.resolve(session_cookie)
            if principal is not None:
                return principal
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else url_token
        return self.wall_token(token) if token else None

    async def identify(self, session_cookie: str | None, authorization: str,
                       url_token: str | None) -> Principal | None:
        """As :meth:`from_credentials`, less sessions signed out on another instance; with
        ``visitor_anonymous`` nobody at all is the anonymous visitor."""
        principal = self.from_credentials(session_cookie, authorization, url_token)
        if principal is not None and await self._revoked_elsewhere(principal.sid):
            principal = None
        if principal is None and self.visitor_anonymous:
            return ANONYMOUS_VISITOR
        return principal

    def wall_token(self, token: str) -> Principal | None:
        try:
            return self.store.check_wall_token(token)
        except AuthError:  # no users file, or a broken one: nobody comes in
            return None

    async def password(self, name: str, password: str) -> Principal | None:
        """The user, if the password is right (argon2, in a thread: it is slow on purpose)."""
        try:
            return await asyncio.to_thread(self.store.check_password, name, password)
        except AuthError as exc:
            log.error("sign-in impossible: %s", exc)
            return None

    def revalidate(self, principal: Principal) -> Principal | None:
        """``principal`` as the users file says now (role and scope may have changed);
        None when it may no longer come in (signed out here, disabled, revoked)."""
        if principal.sid in self.sessions.revoked:
            return None
        try:
            return self.store.still_valid(principal)
        except AuthError:
            return None

    # ---------------------------------------------------------------- sessions
    def issue(self, principal: Principal) -> tuple[str, Principal, int]:
        """A new session for ``principal``: (cookie value, principal with its sid, max-age s)."""
        cookie, issued = self.sessions.issue(principal)
        return cookie, issued, self.sessions.ttl(issued)

    async def sign_out(self, session_cookie: str | None) -> Principal | None:
        """End the session of ``session_cookie`` here and, through Redis, on every
        instance; the principal it was, or None when it was no valid session."""
        principal = self.sessions.resolve(session_cookie) if session_cookie else None
        if principal is None:
            return None
        self.sessions.revoke(principal.sid)
        try:
            await self.redis.set(self._revoked_key(principal.sid), 1, ex=self.sessions.ttl(principal))
        except (RedisError, OSError):  # ended here; elsewhere it still expires
            log.warning("sign-out not shared with other instances: Redis unavailable")
        return principal

    def _revoked_key(self, sid: str) -> str:
        return self.keys.revoked(sid)

    async def _revoked_elsewhere(self, sid: str) -> bool:
        if not sid or sid.startswith("wall:") or sid == ANONYMOUS_VISITOR.sid:
            return False  # walls are revoked in the users file, which every instance reads
        now = time.monotonic()
        if self._not_revoked_until.get(sid, 0.0) > now:
            return False
        try:
            revoked = bool(await self.redis.exists(self._revoked_key(sid)))
        except (RedisError, OSError):
            return False
        if revoked:
            self.sessions.revoke(sid)
            return True
        if len(self._not_revoked_until) > _REVOCATION_CACHE_MAX:
            self._not_revoked_until.clear()
        self._not_revoked_until[sid] = now + _REVOCATION_CACHE_S
        return False


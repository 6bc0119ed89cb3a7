"""Who is asking: the principal of a request or connection, and whether it still may.

A request carries a signed session cookie, or (programs) ``Authorization: Bearer
cnw....`` with a wall token, or (``/live`` only) ``?token=``.  Each is checked against
the users file now (dashboard/auth.py), a session against its expiry, its user's
generation and the sign-outs.  A sign-out ends the session here at once and, through
the security feed (dashboard/security_feed.py), on every other instance; the feed also
brings this instance the sign-outs of the others.
"""

from __future__ import annotations

import asyncio
import logging
import time

from dashboard.auth import ANONYMOUS_VISITOR, AuthError, Principal, UserStore
from dashboard.security_feed import Notice, SecurityFeed
from dashboard.sessions import Sessions

log = logging.getLogger("dashboard.identity")


class Identity:
    """Finds and re-checks principals; issues and ends sessions."""

    def __init__(self, store: UserStore, sessions: Sessions, feed: SecurityFeed, *,
                 visitor_anonymous: bool) -> None:
        self.store = store
        self.sessions = sessions
        self.feed = feed
        self.visitor_anonymous = visitor_anonymous

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
        """As :meth:`from_credentials`; with ``visitor_anonymous`` nobody at all is the
        anonymous visitor."""
        principal = self.from_credentials(session_cookie, authorization, url_token)
        if principal is None and self.visitor_anonymous:
            return ANONYMOUS_VISITOR
        return principal

    def wall_token(self, token: str) -> Principal | None:
        try:
            return self.store.check_wall_token(token)
        except AuthError:  # no users file, or a broken one: nobody comes in
            return None

    def knows_wall(self, wall_id: str) -> bool:
        """Whether the users file has (or had: revoked) a wall token of this id."""
        try:
            return wall_id in self.store.current().walls
        except AuthError:
            return False

    async def password(self, name: str, password: str) -> Principal | None:
        """The user, if the password is right (argon2, in a thread: it is slow on purpose)."""
        try:
            return await asyncio.to_thread(self.store.check_password, name, password)
        except AuthError as exc:
            log.error("sign-in impossible: %s", exc)
            return None

    def revalidate(self, principal: Principal) -> Principal | None:
        """``principal`` as the users file says now (role and scope may have changed);
        None when it may no longer come in: expired, signed out (on any instance),
        disabled, changed since (another generation), revoked.  For ``/live``'s checks
        before every frame: the users file as its watch has it (``UserStore.watched``)."""
        if principal.sid in self.sessions.revoked or principal.expired(int(time.time() * 1000)):
            return None
        try:
            return self.store.still_valid(principal, watched=True)
        except AuthError:
            return None

    # ---------------------------------------------------------------- sessions
    def issue(self, principal: Principal) -> tuple[str, Principal, int]:
        """A new session for ``principal``: (cookie value, principal with its sid, max-age s)."""
        cookie, issued = self.sessions.issue(principal)
        return cookie, issued, self.sessions.ttl(issued)

    async def sign_out(self, session_cookie: str | None) -> Principal | None:
        """End the session of ``session_cookie`` here and, through the feed, on every
        instance; the principal it was, or None when it was no valid session."""
        principal = self.sessions.resolve(session_cookie) if session_cookie else None
        if principal is None:
            return None
        self.sessions.revoke(principal.sid, principal.expires_ms)
        await self.feed.publish(Notice.revoke(principal.sid, principal.expires_ms))
        return principal

"""Who is asking, without a server: session cookie, bearer and URL wall tokens, the
anonymous visitor, re-checks (expiry, generation, sign-out), sign-out while Redis is
unreachable (it holds here and waits to be shared); the revoked sessions kept, bounded."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from dashboard.auth import ANONYMOUS_VISITOR, UserStore
from dashboard.bus import connect
from dashboard.identity import Identity
from dashboard.revocations import Revocations
from dashboard.security_feed import PENDING_MAX, Notice, SecurityFeed
from dashboard.sessions import Sessions


def identity(store: UserStore, visitor_anonymous: bool = False) -> Identity:
    feed = SecurityFeed(connect("redis://127.0.0.1:1"), "cn:security", 3600)
    return Identity(store, Sessions(store, 60, 3600), feed, visitor_anonymous=visitor_anonymous)


async def test_a_session_cookie_names_its_principal(store: UserStore) -> None:
    who = identity(store)
    principal = await who.password("li", "correct-horse")
    assert principal is not None and principal.scope == "jiangsulu"
    cookie, issued, ttl = who.issue(principal)
    assert ttl == 60 and issued.sid
    assert await who.identify(cookie, "", None) == issued
    assert await who.identify(cookie + "x", "", None) is None
    assert await who.identify(None, "", None) is None


async def test_wall_tokens_by_bearer_or_url(store: UserStore) -> None:
    who = identity(store)
    token = store.add_wall("hall", "5760x1080")
    by_bearer = await who.identify(None, f"Bearer {token}", None)
    assert by_bearer is not None and by_bearer.role == "wall" and by_bearer.layout == "5760x1080"
    assert await who.identify(None, "", token) == by_bearer
    assert await who.identify(None, "Bearer cnw.deadbeef.forged", None) is None
    assert await who.identify(None, "Basic abc", None) is None
    store.revoke_wall(token.split(".")[1])
    assert await who.identify(None, f"Bearer {token}", None) is None
    assert who.revalidate(by_bearer) is None


async def test_nobody_is_the_anonymous_visitor_only_when_configured(store: UserStore) -> None:
    assert await identity(store).identify(None, "", None) is None
    assert await identity(store, visitor_anonymous=True).identify(None, "", None) == ANONYMOUS_VISITOR
    assert await identity(store, visitor_anonymous=True).identify("forged", "", None) == ANONYMOUS_VISITOR


async def test_revalidate_follows_the_users_file(store: UserStore) -> None:
    who = identity(store)
    principal = await who.password("li", "correct-horse")
    assert principal is not None
    _, issued, _ = who.issue(principal)
    assert who.revalidate(issued) == issued
    store.set_disabled("li")
    assert who.revalidate(issued) is None
    assert await who.password("li", "correct-horse") is None


async def test_revalidate_ends_an_expired_session_and_an_older_generation(store: UserStore) -> None:
    who = identity(store)
    principal = await who.password("li", "correct-horse")
    assert principal is not None
    _, issued, _ = who.issue(principal)
    now_ms = int(time.time() * 1000)
    assert who.revalidate(replace(issued, expires_ms=now_ms + 60_000)) is not None
    assert who.revalidate(replace(issued, expires_ms=now_ms - 1)) is None  # expired: however it is asked
    store.set_password("li", "another-horse")  # at once, in the same millisecond or not
    assert who.revalidate(issued) is None


async def test_sign_out_ends_the_session_here_even_without_redis(store: UserStore) -> None:
    who = identity(store)
    principal = await who.password("li", "correct-horse")
    assert principal is not None
    cookie, issued, _ = who.issue(principal)
    assert await who.sign_out(cookie) == issued
    assert await who.identify(cookie, "", None) is None
    assert who.revalidate(issued) is None
    assert list(who.feed.pending) == [Notice.revoke(issued.sid, issued.expires_ms)]  # shared once back
    assert who.feed.pending.maxlen == PENDING_MAX  # what waits for Redis is bounded too
    assert await who.sign_out(cookie) is None  # already ended
    assert await who.sign_out(None) is None


def test_revoked_sessions_are_forgotten_at_their_expiry_and_bounded() -> None:
    """A revocation is kept until the session would have expired, and never more than
    max_size of them (issue #12, finding 9: they were kept 30 days)."""
    now = [1000.0]
    revoked = Revocations(max_size=100, clock=lambda: now[0])
    for n in range(1000):
        revoked.add(f"s{n}", int(now[0] * 1000) + 60_000 + n)
    assert len(revoked) == 100
    assert "s999" in revoked and "s0" not in revoked  # the soonest to expire went first
    assert not revoked.add("gone", int(now[0] * 1000) - 1)  # expired already: nothing to keep
    now[0] += 60.95  # s950 and older have expired (each was kept until its own expiry)
    assert "s999" in revoked and "s950" not in revoked and len(revoked) == 49
    now[0] += 0.05
    assert len(revoked) == 0 and "s999" not in revoked


async def test_no_users_file_lets_nobody_in(tmp_path: Path) -> None:
    who = identity(UserStore(tmp_path / "missing.json"))
    assert await who.identify("anything", "Bearer cnw.a.b", "cnw.a.b") is None
    assert await who.password("li", "correct-horse") is None

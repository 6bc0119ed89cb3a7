"""Who is asking, without a server: session cookie, bearer and URL wall tokens, the
anonymous visitor, re-checks, sign-out; Redis unreachable (the revocation check then
relies on the signature, the expiry and the users file)."""

from __future__ import annotations

from pathlib import Path

from dashboard.auth import ANONYMOUS_VISITOR, Sessions, UserStore
from dashboard.bus import connect
from dashboard.config import RedisKeys
from dashboard.identity import Identity


def identity(store: UserStore, visitor_anonymous: bool = False) -> Identity:
    return Identity(store, Sessions(store, 60, 3600), connect("redis://127.0.0.1:1"), RedisKeys("cn:"),
                    visitor_anonymous=visitor_anonymous)


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


async def test_sign_out_ends_the_session_here_even_without_redis(store: UserStore) -> None:
    who = identity(store)
    principal = await who.password("li", "correct-horse")
    assert principal is not None
    cookie, issued, _ = who.issue(principal)
    assert await who.sign_out(cookie) == issued
    assert await who.identify(cookie, "", None) is None
    assert who.revalidate(issued) is None
    assert await who.sign_out(cookie) is None  # already ended
    assert await who.sign_out(None) is None


async def test_no_users_file_lets_nobody_in(tmp_path: Path) -> None:
    who = identity(UserStore(tmp_path / "missing.json"))
    assert await who.identify("anything", "Bearer cnw.a.b", "cnw.a.b") is None
    assert await who.password("li", "correct-horse") is None

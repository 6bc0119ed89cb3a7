"""Identity and sign-in limits shared by instances through a real Redis: attempts are
counted atomically before the check however many arrive at once and on however many
instances; a sign-out on one instance reaches the others through the security feed,
also when it was made while Redis was away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import redis

from dashboard.attempts import Attempts
from dashboard.auth import UserStore
from dashboard.bus import connect
from dashboard.identity import Identity
from dashboard.ratelimits import SignInLimits
from dashboard.redis_server import EmbeddedRedis
from dashboard.security_feed import Notice, SecurityFeed
from dashboard.sessions import Sessions


def limits_on(url: str, max_failures: int = 4, address_max: int = 30, slow_after: int = 6) -> SignInLimits:
    return SignInLimits(Attempts(connect(url), 900), "cn:limits", max_failures=max_failures,
                        address_max_failures=address_max, account_slow_after=slow_after, wall_max_failures=5)


def instance(store: UserStore, url: str) -> Identity:
    return Identity(store, Sessions(store, 600, 3600), SecurityFeed(connect(url), "cn:security", 3600,
                                                                    block_ms=200), visitor_anonymous=False)


def following(identity: Identity) -> Callable[[Notice], None]:
    def handle(notice: Notice) -> None:
        if notice.kind == "revoke":
            identity.sessions.revoke(notice.sid, notice.until_ms)
    return handle


async def until(condition: Callable[[], bool], message: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.02)


async def test_parallel_attempts_on_two_instances_admit_exactly_the_ceiling(redis_url: str) -> None:
    """Sixty attempts at once, spread over two instances, at one account from one address
    and at many accounts from one address: exactly the ceiling is admitted (one script
    counts and decides; nothing reads before it writes)."""
    first, second = limits_on(redis_url, max_failures=5), limits_on(redis_url, max_failures=5)
    one_account = await asyncio.gather(*(lim.admit("10.0.0.1", "officer")
                                         for _ in range(30) for lim in (first, second)))
    assert sum(a.admitted for a in one_account) == 5
    first, second = (limits_on(redis_url, address_max=7) for _ in range(2))
    many_accounts = await asyncio.gather(*(lim.admit("10.0.0.2", f"name-{n}")
                                           for n in range(30) for lim in (first, second)))
    assert sum(a.admitted for a in many_accounts) == 7


async def test_the_shared_windows_are_bounded_and_expire(redis_url: str, rclient: redis.Redis) -> None:
    limits = limits_on(redis_url, slow_after=6)
    for n in range(50):
        await limits.admit(f"10.0.{n}.1", "admin")
    key = "cn:limits:login/account/admin"
    assert rclient.zcard(key) == 6 + 8  # saturated at its ceiling, not one entry per attempt
    assert 0 < rclient.pttl(key) <= 900_000
    assert rclient.zcard("cn:limits:login/pair/admin/10.0.0.1") == 1


async def test_unlock_empties_the_shared_counts(redis_url: str) -> None:
    limits = limits_on(redis_url, max_failures=2)
    for ip in ("10.0.0.1", "10.0.0.2"):
        for _ in range(2):
            await limits.admit(ip, "admin")
    other = limits_on(redis_url, max_failures=2)  # another instance, whose own memory is empty
    assert not (await other.admit("10.0.0.1", "admin")).admitted
    assert await limits.unlock("admin", "10.0.0.1") == 1
    assert (await other.admit("10.0.0.1", "admin")).admitted
    assert not (await other.admit("10.0.0.2", "admin")).admitted
    assert await limits.unlock(None, "10.0.0.2") >= 2
    assert (await other.admit("10.0.0.2", "admin")).admitted


async def test_a_sign_out_on_one_instance_ends_the_session_on_another(redis_url: str, tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.create()
    store.add_user("li", "officer", "correct-horse")
    first, second = instance(store, redis_url), instance(store, redis_url)
    await second.feed.start(following(second))
    principal = await first.password("li", "correct-horse")
    assert principal is not None
    cookie, issued, _ = first.issue(principal)
    assert await second.identify(cookie, "", None) == issued
    assert await first.sign_out(cookie) == issued
    await until(lambda: second.revalidate(issued) is None, "the sign-out did not reach the other instance")
    assert await second.identify(cookie, "", None) is None
    late = instance(store, redis_url)  # an instance started afterwards reads it at start-up
    await late.feed.start(following(late))
    assert late.revalidate(issued) is None
    for who in (first, second, late):
        await who.feed.stop()
        await who.feed.redis.aclose()


async def test_a_sign_out_while_redis_is_away_is_shared_once_it_is_back(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.create()
    store.add_user("li", "officer", "correct-horse")
    server = EmbeddedRedis().start()
    try:
        first, second = instance(store, server.url), instance(store, server.url)
        await first.feed.start(following(first))
        await second.feed.start(following(second))
        principal = await first.password("li", "correct-horse")
        assert principal is not None
        cookie, issued, _ = first.issue(principal)
        server.stop()
        assert await first.sign_out(cookie) == issued
        assert first.revalidate(issued) is None  # ended here at once, Redis or not
        assert second.revalidate(issued) is not None and len(first.feed.pending) == 1
        await asyncio.to_thread(server.start)  # an empty Redis on the same port
        await until(lambda: second.revalidate(issued) is None, "the waiting sign-out was not shared",
                    timeout=20)
        assert not first.feed.pending
        for who in (first, second):
            await who.feed.stop()
            await who.feed.redis.aclose()
    finally:
        server.cleanup()

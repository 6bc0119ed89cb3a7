"""Identity and sign-in limits shared by instances through a real Redis: a sign-out on
one instance ends the session on the other; failures counted on two instances at once
add up, and parallel attempts cannot pass the lock."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import redis

from dashboard.auth import Sessions, UserStore
from dashboard.bus import connect
from dashboard.config import RedisKeys
from dashboard.identity import Identity
from dashboard.ratelimits import sign_in_limits


async def test_a_sign_out_on_one_instance_ends_the_session_on_another(redis_url: str, tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.create()
    store.add_user("li", "officer", "correct-horse")
    first, second = (Identity(store, Sessions(store, 600, 3600), connect(redis_url), RedisKeys("cn:"),
                              visitor_anonymous=False) for _ in range(2))
    principal = await first.password("li", "correct-horse")
    assert principal is not None
    cookie, issued, _ = first.issue(principal)
    assert await second.identify(cookie, "", None) == issued
    assert await first.sign_out(cookie) == issued
    deadline = time.monotonic() + 5  # the other asks Redis again after a second at most
    while await second.identify(cookie, "", None) is not None:
        assert time.monotonic() < deadline, "the sign-out did not reach the other instance"
        await asyncio.sleep(0.05)
    assert second.revalidate(issued) is None  # remembered locally from then on
    for who in (first, second):
        await who.redis.aclose()


async def test_failures_counted_on_two_instances_at_once_add_up(redis_url: str, rclient: redis.Redis) -> None:
    clients = [connect(redis_url) for _ in range(2)]
    first, second = (sign_in_limits(client, "cn:limits", 4, 900) for client in clients)
    admitted = await asyncio.gather(*(instance.admit(f"10.0.0.{i}", "officer")
                                      for i in range(10) for instance in (first, second)))
    assert sum(admitted) == 4
    assert not await first.admit("10.0.0.99", "officer")
    assert any(key.startswith(b"cn:limits:login/user/officer/") for key in rclient.keys("cn:limits:*"))
    await first.succeeded("officer")  # the right password: the shared count is cleared
    assert await first.admit("10.0.0.1", "officer")
    for client in clients:
        await client.aclose()

"""Sign-in and /live limits on the limits library's in-memory storage, and the fallback
to this process's count while the shared store (Redis) is unreachable."""

from __future__ import annotations

import asyncio

from limits.aio.storage import MemoryStorage, Storage

from dashboard.bus import connect
from dashboard.ratelimits import ConnectionLimit, SignInLimits, redis_storage


def unreachable() -> Storage:
    """A real Redis storage on a port where no Redis listens (Redis away)."""
    return redis_storage(connect("redis://127.0.0.1:1"), "cn:limits")


async def fail(limits: SignInLimits, ip: str, user: str) -> bool:
    """One wrong password; False when the attempt was locked out."""
    if not await limits.admit(ip, user):
        return False
    await limits.failed(ip, user)
    return True


async def test_max_failures_lock_the_name_and_count_up() -> None:
    """Four failures are admitted and counted 1..4; the fifth attempt is locked."""
    limits = SignInLimits(MemoryStorage(), MemoryStorage(), 4, 900)
    counts = []
    for _ in range(4):
        assert await limits.admit("10.0.0.1", "officer")
        counts.append(await limits.failed("10.0.0.1", "officer"))
    assert counts == [1, 2, 3, 4]
    assert not await limits.admit("10.0.0.1", "officer")
    assert not await limits.admit("10.0.0.2", "officer")  # the name is locked from anywhere
    assert await limits.failures("10.0.0.2", "officer") == 4


async def test_parallel_guesses_cannot_pass_the_lock() -> None:
    """Twenty attempts at once: only max_failures may check a password (issue #12)."""
    limits = SignInLimits(MemoryStorage(), MemoryStorage(), 4, 900)
    admitted = await asyncio.gather(*(limits.admit(f"10.0.0.{i}", "officer") for i in range(20)))
    assert sum(admitted) == 4


async def test_an_address_is_locked_by_its_failures_over_many_names() -> None:
    limits = SignInLimits(MemoryStorage(), MemoryStorage(), 4, 900)
    for name in ("a", "b", "c", "d"):
        assert await fail(limits, "10.0.0.9", name)
    assert not await limits.admit("10.0.0.9", "e")
    assert await limits.admit("10.0.0.10", "e")


async def test_success_forgets_the_name_but_not_the_address() -> None:
    """The right password clears the name's failures; successes never count against an
    address (a control room signs in from one)."""
    limits = SignInLimits(MemoryStorage(), MemoryStorage(), 4, 900)
    for _ in range(3):
        assert await fail(limits, "10.0.0.1", "officer")
    assert await limits.admit("10.0.0.1", "officer")
    await limits.succeeded("officer")
    assert await limits.failures("10.0.0.1", "someone-else") == 3
    for name in ("a", "b", "c", "d", "e", "f"):  # six successful sign-ins from one address
        assert await limits.admit("10.0.0.5", name)
        await limits.succeeded(name)
    assert await limits.failures("10.0.0.5", "x") == 0


async def test_two_instances_share_the_count() -> None:
    """Guesses spread over two instances (one shared store, each its own local) lock both."""
    shared = MemoryStorage()
    first, second = (SignInLimits(shared, MemoryStorage(), 4, 900) for _ in range(2))
    for instance in (first, second, first, second):
        assert await fail(instance, "10.0.0.1", "officer")
    assert not await first.admit("10.0.0.1", "officer")
    assert not await second.admit("10.0.0.1", "officer")


async def test_while_the_shared_store_is_away_each_instance_counts_on_its_own() -> None:
    limits = SignInLimits(unreachable(), MemoryStorage(), 3, 900)
    for _ in range(3):
        assert await fail(limits, "10.0.0.1", "officer")
    assert await limits.failures("10.0.0.1", "officer") == 3
    assert not await limits.admit("10.0.0.1", "officer")
    await limits.succeeded("officer")  # clearing works too (the shared part is skipped)
    assert await limits.failures("10.0.0.2", "officer") == 0


async def test_the_stricter_count_decides() -> None:
    """What this instance counted while Redis was away still holds once it is back."""
    local = MemoryStorage()
    away = SignInLimits(unreachable(), local, 3, 900)
    for _ in range(3):
        assert await fail(away, "10.0.0.1", "officer")
    back = SignInLimits(MemoryStorage(), local, 3, 900)  # an empty shared store
    assert not await back.admit("10.0.0.1", "officer")


async def test_a_bad_wall_token_counts_against_the_address() -> None:
    limits = SignInLimits(MemoryStorage(), MemoryStorage(), 2, 900)
    await limits.bad_wall_token("10.0.0.7")
    await limits.bad_wall_token("10.0.0.7")
    assert not await limits.admit("10.0.0.7", "officer")


async def test_live_connections_per_address_per_minute() -> None:
    connections = ConnectionLimit(MemoryStorage(), 3)
    assert [await connections.admit("10.0.0.1") for _ in range(5)] == [True] * 3 + [False] * 2
    assert await connections.admit("10.0.0.2")
    unlimited = ConnectionLimit(MemoryStorage(), 0)
    assert all([await unlimited.admit("10.0.0.1") for _ in range(50)])

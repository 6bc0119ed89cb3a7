"""Sign-in, wall-token and /live limits without a Redis: the counts of this process (which
stand in while Redis is away) follow the same rules as the shared Lua script, and every
window and the number of windows are bounded.  The shared count itself, on a real Redis,
is tested in tests/integration/test_identity_limits.py."""

from __future__ import annotations

import asyncio
import time

import pytest

from dashboard.attempts import Attempts, Ceiling, LocalWindows
from dashboard.bus import connect
from dashboard.ratelimits import ConnectionLimit, SignInLimits, source


def limits_away(max_failures: int = 4, address_max: int = 10, slow_after: int = 6,
                wall_max: int = 3) -> SignInLimits:
    """The limits of an instance whose Redis does not answer (a port where none listens)."""
    return SignInLimits(Attempts(connect("redis://127.0.0.1:1"), 900), "cn:limits", max_failures=max_failures,
                        address_max_failures=address_max, account_slow_after=slow_after,
                        wall_max_failures=wall_max)


async def test_an_account_locks_at_one_address_only() -> None:
    """Four failures of one account from one address lock it there; the account stays
    open from elsewhere, and the address for other accounts."""
    limits = limits_away()
    admitted = [await limits.admit("10.0.0.1", "officer") for _ in range(5)]
    assert [a.admitted for a in admitted] == [True] * 4 + [False]
    assert [a.failures for a in admitted[:4]] == [1, 2, 3, 4] and admitted[4].locked_by == "account"
    assert (await limits.admit("10.0.0.2", "officer")).admitted
    assert (await limits.admit("10.0.0.1", "someone-else")).admitted


async def test_an_account_tried_from_many_addresses_is_slowed_never_locked() -> None:
    limits = limits_away(slow_after=6)
    attempts = [await limits.admit(f"10.0.1.{n}", "admin") for n in range(20)]
    assert all(a.admitted for a in attempts)
    assert [a.over for a in attempts[:8]] == [0] * 6 + [1, 2]
    assert max(a.over for a in attempts) == 8  # the count saturates: a bounded window


async def test_an_address_locks_over_many_accounts() -> None:
    limits = limits_away(address_max=10)
    assert all([(await limits.admit("10.0.0.9", f"name-{n}")).admitted for n in range(10)])
    refused = await limits.admit("10.0.0.9", "name-x")
    assert not refused.admitted and refused.locked_by == "address" and refused.failures == 10


async def test_parallel_attempts_cannot_pass_a_ceiling() -> None:
    limits = limits_away(max_failures=5, address_max=5)
    admitted = await asyncio.gather(*(limits.admit("10.0.0.1", f"n{n % 3}") for n in range(30)))
    assert sum(a.admitted for a in admitted) == 5


async def test_the_right_password_gives_its_attempt_back() -> None:
    """Successes never count against an address (a control room signs in from one), and
    clear the account's failures at that address only."""
    limits = limits_away(max_failures=4, address_max=4)
    for _ in range(3):
        await limits.admit("10.0.0.1", "officer")
    await limits.succeeded(await limits.admit("10.0.0.1", "officer"))
    assert (await limits.admit("10.0.0.1", "officer")).failures == 1
    for n in range(20):  # twenty successful sign-ins of one address
        await limits.succeeded(await limits.admit("10.0.0.5", f"user-{n}"))
    assert (await limits.admit("10.0.0.5", "x")).admitted


async def test_bad_wall_tokens_lock_that_door_only() -> None:
    limits = limits_away(wall_max=3)
    assert [(await limits.admit_wall("10.0.0.7")).admitted for _ in range(4)] == [True] * 3 + [False]
    assert (await limits.admit("10.0.0.7", "officer")).admitted  # sign-in from there still open
    assert limits.forget_local(None, "10.0.0.7") == 3  # its wall tokens, its sign-ins, officer there
    assert (await limits.admit_wall("10.0.0.7")).admitted


async def test_unlock_by_account_by_address_or_both() -> None:
    limits = limits_away(max_failures=2)
    for ip in ("10.0.0.1", "10.0.0.2"):
        for _ in range(2):
            await limits.admit(ip, "admin")
    assert limits.forget_local("admin", "10.0.0.1") == 1
    assert (await limits.admit("10.0.0.1", "admin")).admitted
    assert not (await limits.admit("10.0.0.2", "admin")).admitted
    assert limits.forget_local("admin", None) >= 2
    assert (await limits.admit("10.0.0.2", "admin")).admitted
    with pytest.raises(ValueError):
        limits.unlock_patterns(None, "10.0.0.*")  # an address, not a pattern
    with pytest.raises(ValueError):
        limits.unlock_patterns(None, None)


def test_local_windows_are_bounded_in_number_and_size() -> None:
    """However many addresses try, this process keeps at most max_keys windows, each of at
    most its ceiling's limit (issue #12: bounded security structures)."""
    now = [1000.0]
    local = LocalWindows(window_ms=60_000, max_keys=100, clock=lambda: now[0])
    for n in range(5000):
        local.take([Ceiling(f"a/{n}", 5), Ceiling("account", 8, locks=False)], f"m{n}")
    assert len(local) == 100
    assert local.take([Ceiling("account", 8, locks=False)], "last").counts == (8,)
    now[0] += 61
    assert local.take([Ceiling("a/4999", 5)], "later").counts == (1,)  # the window moved on


def test_live_connections_per_address_per_minute() -> None:
    connections = ConnectionLimit(3)
    assert [connections.admit("10.0.0.1") for _ in range(5)] == [True] * 3 + [False] * 2
    assert connections.admit("10.0.0.2")
    unlimited = ConnectionLimit(0)
    assert all([unlimited.admit("10.0.0.1") for _ in range(50)])


def test_live_connections_count_an_ipv6_host_by_its_slash_64() -> None:
    connections = ConnectionLimit(3)
    rotated = [connections.admit(f"2001:db8:1:2::{n:x}") for n in range(5)]
    assert rotated == [True] * 3 + [False] * 2
    assert connections.admit("2001:db8:1:3::1")  # the next /64 is somebody else
    assert source("::ffff:10.0.0.9") == "10.0.0.9"  # an IPv4-mapped address is its IPv4 one
    assert source("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"


def test_live_connection_memory_is_bounded() -> None:
    """Many addresses cost at most ``max_addresses`` windows of ``per_minute`` entries."""
    connections = ConnectionLimit(2, max_addresses=1_000)
    for n in range(20_000):
        for _ in range(3):
            connections.admit(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    windows = connections.windows
    assert len(windows) == 1_000
    assert max(len(w) for w in windows._windows.values()) == 2
    assert not connections.admit("10.0.78.31")  # the newest addresses are still counted
    stale = ConnectionLimit(1, window_s=0.05)
    assert stale.admit("10.0.0.1") and not stale.admit("10.0.0.1")
    deadline = time.monotonic() + 5
    while not stale.admit("10.0.0.1"):  # the window passes
        assert time.monotonic() < deadline
        time.sleep(0.01)

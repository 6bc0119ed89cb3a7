"""Rate limits, on the ``limits`` library's moving windows.

* Failed sign-ins (:class:`SignInLimits`), per address and per user name within
  ``login_window_s``: counted in Redis, so every instance behind a load balancer sees the
  same count, and in this process too, which stands in while Redis is away; the stricter
  of the two decides.  An attempt is counted against its user name *before* the password
  is checked (hit, then test): parallel guesses cannot all slip under the limit, as they
  could when the count was read before the check and written after it.  The address
  counts failures after the check, so the successful sign-ins of a control room behind
  one address never lock it.
* ``/live`` connections per address per minute (:class:`ConnectionLimit`), in this
  process only.
"""

from __future__ import annotations

import contextlib
import logging

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

log = logging.getLogger("dashboard.ratelimits")

# what a Redis storage raises while Redis is away (limits wraps only some of its calls)
SHARED_ERRORS: tuple[type[Exception], ...] = (StorageError, RedisError, OSError)


def redis_storage(redis: aioredis.Redis, key_prefix: str) -> RedisStorage:
    """A limits storage on the app's own Redis connection pool (keys ``<key_prefix>:...``,
    ``RedisKeys.limits``)."""
    return RedisStorage("async+redis://", implementation="redispy", key_prefix=key_prefix,
                        wrap_exceptions=True,
                        connection_pool=redis.connection_pool)  # type: ignore[arg-type]  # typed too narrowly


class SharedWindow:
    """A moving window per key, counted in ``shared`` (Redis) and ``local`` (this process).

    ``local`` holds what this instance saw, so that while ``shared`` is unreachable the
    instance still counts on its own; when both answer, the stricter decides."""

    def __init__(self, item: RateLimitItem, shared: Storage, local: Storage) -> None:
        self.item = item
        self.shared = MovingWindowRateLimiter(shared)
        self.local = MovingWindowRateLimiter(local)
        self._shared_down = False

    def _away(self, exc: Exception) -> None:
        if not self._shared_down:
            log.warning("rate limits counted on this instance only: Redis unavailable (%s)", exc)
        self._shared_down = True

    def _back(self) -> None:
        self._shared_down = False

    async def has_room(self, *key: str) -> bool:
        """Whether one more would fit (reads only)."""
        if not await self.local.test(self.item, *key):
            return False
        try:
            room = await self.shared.test(self.item, *key)
        except SHARED_ERRORS as exc:
            self._away(exc)
            return True
        self._back()
        return room

    async def hit(self, *key: str) -> bool:
        """Count one if it fits, atomically in each store; False (and nothing counted in
        Redis) when the window is full."""
        if not await self.local.test(self.item, *key):
            return False
        try:
            if not await self.shared.hit(self.item, *key):
                return False
            self._back()
        except SHARED_ERRORS as exc:
            self._away(exc)
        return await self.local.hit(self.item, *key)

    async def count(self, *key: str) -> int:
        """How many the window holds now (the larger of the two counts)."""
        local = self.item.amount - (await self.local.get_window_stats(self.item, *key)).remaining
        try:
            shared = self.item.amount - (await self.shared.get_window_stats(self.item, *key)).remaining
        except SHARED_ERRORS as exc:
            self._away(exc)
            return local
        return max(local, shared)

    async def clear(self, *key: str) -> None:
        await self.local.clear(self.item, *key)
        with contextlib.suppress(*SHARED_ERRORS):
            await self.shared.clear(self.item, *key)


class SignInLimits:
    """Failed sign-ins: ``max_failures`` per address or user name within ``window_s`` lock
    that address or name until the window has passed."""

    def __init__(self, shared: Storage, local: Storage, max_failures: int, window_s: int) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.window = SharedWindow(RateLimitItemPerSecond(max_failures, window_s, namespace="login"),
                                   shared, local)

    async def admit(self, ip: str, user: str) -> bool:
        """Whether this attempt may check a password.  Counts it against ``user`` at once
        (as a failure, until :meth:`succeeded` says otherwise); False: locked."""
        if not await self.window.has_room("ip", ip):
            return False
        return await self.window.hit("user", user)

    async def failures(self, ip: str, user: str) -> int:
        """The larger of the address's and the name's count in the window."""
        return max(await self.window.count("ip", ip), await self.window.count("user", user))

    async def failed(self, ip: str, user: str) -> int:
        """A wrong password (admitted before): count it against the address too; the
        name's count in the window (1 for the first failure)."""
        await self.window.hit("ip", ip)
        return await self.window.count("user", user)

    async def succeeded(self, user: str) -> None:
        """The right password: the name's failures are forgotten (the address's stay)."""
        await self.window.clear("user", user)

    async def bad_wall_token(self, ip: str) -> None:
        """A wrong wall token counts against the address."""
        await self.window.hit("ip", ip)


class ConnectionLimit:
    """At most ``per_minute`` new ``/live`` connections per address (0: no limit), counted
    on this instance only."""

    def __init__(self, storage: Storage, per_minute: int) -> None:
        self.per_minute = per_minute
        self.limiter = MovingWindowRateLimiter(storage)
        self.item = RateLimitItemPerMinute(max(1, per_minute), 1, namespace="live")

    async def admit(self, ip: str) -> bool:
        return self.per_minute <= 0 or await self.limiter.hit(self.item, ip)


def sign_in_limits(redis: aioredis.Redis, key_prefix: str, max_failures: int,
                   window_s: int) -> SignInLimits:
    """The production wiring: Redis shared, an in-process window as stand-in."""
    return SignInLimits(redis_storage(redis, key_prefix), MemoryStorage(), max_failures, window_s)

"""A lease in Redis: one holder at a time among the instances (the history archiver's).

``SET key token NX PX ttl`` takes a free lease; the holder renews it every third of the
ttl with a compare-and-set script (``PEXPIRE`` only while the value is still its token)
and releases it the same way (``DEL`` only its own).  When the holder dies, its lease
runs out and the next instance to try takes it: within ``ttl`` plus one renewal period.

What it guarantees, honestly: :attr:`Lease.held` is True only until ``ttl`` after the
last *successful* take or renewal was sent, so a holder cut off from Redis stops
considering itself the holder no later than Redis forgets it.  It is not a fencing
token: a holder paused for longer than the ttl (a stopped VM) may still finish a write
it had begun.  The archive's writes are idempotent and its cursor moves only forward
(dashboard/history.py), which makes such a late write harmless.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def instance_token() -> str:
    """Who holds a lease, as a person reads it: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """One lease (``key``) taken and renewed on an asyncio Redis client; methods raise the
    client's errors (ConnectionError, TimeoutError) when Redis cannot be reached."""

    def __init__(self, redis: Any, key: str, ttl_s: float, token: str | None = None) -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = int(ttl_s * 1000)
        self.token = token or instance_token()
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._valid_until = 0.0  # monotonic time until which we are surely the holder

    @property
    def period_s(self) -> float:
        """How often :meth:`refresh` should run (a third of the ttl)."""
        return self.ttl_ms / 3000

    @property
    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    async def refresh(self) -> bool:
        """Renew the lease if we hold it, else try to take it; whether we hold it now."""
        sent = time.monotonic()
        if self.held or self._valid_until:
            renewed = await self._renew(keys=[self.key], args=[self.token, self.ttl_ms])
            if renewed:
                self._valid_until = sent + self.ttl_ms / 1000
                return True
            self._valid_until = 0.0  # someone else took it after ours ran out
        taken = await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms)
        self._valid_until = sent + self.ttl_ms / 1000 if taken else 0.0
        return bool(taken)

    async def release(self) -> None:
        """Give the lease up (only if it is still ours), so another takes it at once."""
        self._valid_until = 0.0
        await self._release(keys=[self.key], args=[self.token])

    async def holder(self) -> str | None:
        """The token of whoever holds the lease now (None: nobody)."""
        value = await self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

"""Attempts counted before they are checked, atomically, in moving windows.

One attempt (a sign-in, a wall token) is counted against several ceilings at once, by
one Redis Lua script (:data:`_TAKE`): it drops what has left the window, and either
refuses (a *locking* ceiling is full; nothing is counted) or counts the attempt in every
ceiling and returns the counts.  There is no read-then-write gap, so parallel attempts
cannot slip past a ceiling: with a ceiling of 5, 30 attempts at once admit exactly 5.
A *slowing* ceiling never refuses; it keeps at most its limit of the newest attempts
(its count saturates), and its caller turns the count into a delay.

Each window is a sorted set (score: the attempt's time in ms; member: the attempt's own
random id, so a successful attempt can be given back with :meth:`Attempts.refund`) that
expires with the window; a set holds at most its ceiling's limit of members.

This process counts too (:class:`LocalWindows`, at most ``max_keys`` windows, the least
recently used dropped first), and its count stands in while Redis is away; when both
answer, the stricter decides.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from dashboard.redis_clients import RedisClient

log = logging.getLogger("dashboard.attempts")
SHARED_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)

# KEYS: one window per ceiling.  ARGV: now_ms, window_ms, member, then per key its limit
# and 1 (locks) or 0 (slows).  Returns {admitted (1/0), count of each window}.
_TAKE = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local counts, admitted = {}, 1
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  counts[i] = redis.call('ZCARD', key)
  if tonumber(ARGV[3 + 2 * i]) == 1 and counts[i] >= tonumber(ARGV[2 + 2 * i]) then
    admitted = 0
  end
end
if admitted == 1 then
  for i, key in ipairs(KEYS) do
    local limit = tonumber(ARGV[2 + 2 * i])
    redis.call('ZADD', key, now, member)
    counts[i] = counts[i] + 1
    if counts[i] > limit then
      redis.call('ZPOPMIN', key, counts[i] - limit)
      counts[i] = limit
    end
    redis.call('PEXPIRE', key, window)
  end
end
table.insert(counts, 1, admitted)
return counts
"""


@dataclass(frozen=True, slots=True)
class Ceiling:
    """One window an attempt is counted in: ``key`` (a Redis key), at most ``limit``
    attempts; a full locking ceiling refuses, a slowing one only saturates."""

    key: str
    limit: int
    locks: bool = True


@dataclass(frozen=True, slots=True)
class Taken:
    """The answer for one attempt: admitted or not, each ceiling's count (this attempt
    included when admitted), and the attempt's id (for :meth:`Attempts.refund`)."""

    admitted: bool
    counts: tuple[int, ...]
    member: str


class LocalWindows:
    """The same windows in this process's memory: at most ``max_keys`` of them (the least
    recently used is dropped first), each holding at most its ceiling's limit."""

    def __init__(self, window_ms: int, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.window_ms = window_ms
        self.max_keys = max_keys
        self.clock = clock
        self._windows: OrderedDict[str, deque[tuple[int, str]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def _window(self, key: str, now: int) -> deque[tuple[int, str]]:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = deque()
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
        else:
            self._windows.move_to_end(key)
        while window and window[0][0] <= now - self.window_ms:
            window.popleft()
        return window

    def room(self, ceilings: Sequence[Ceiling]) -> bool:
        """Whether no locking ceiling is full here."""
        now = int(self.clock() * 1000)
        return all(not c.locks or len(self._window(c.key, now)) < c.limit for c in ceilings)

    def take(self, ceilings: Sequence[Ceiling], member: str) -> Taken:
        """As the Lua script does (atomic: nothing awaits in between)."""
        admitted = self.room(ceilings)
        if admitted:
            self.record(ceilings, member)
        now = int(self.clock() * 1000)
        return Taken(admitted, tuple(len(self._window(c.key, now)) for c in ceilings), member)

    def record(self, ceilings: Sequence[Ceiling], member: str) -> None:
        """Count an attempt that Redis admitted."""
        now = int(self.clock() * 1000)
        for ceiling in ceilings:
            window = self._window(ceiling.key, now)
            window.append((now, member))
            while len(window) > ceiling.limit:
                window.popleft()

    def refund(self, keys: Sequence[str], member: str) -> None:
        for key in keys:
            window = self._windows.get(key)
            if window is not None:
                for item in [i for i in window if i[1] == member]:
                    window.remove(item)

    def forget(self, matches: Callable[[str], bool]) -> int:
        """Drop every window whose key ``matches``; how many."""
        gone = [key for key in self._windows if matches(key)]
        for key in gone:
            del self._windows[key]
        return len(gone)


class Attempts:
    """Counts attempts in Redis (shared by every instance) and in this process."""

    def __init__(self, redis: RedisClient, window_s: int, local: LocalWindows | None = None) -> None:
        self.redis = redis
        self.window_ms = window_s * 1000
        self.local = local or LocalWindows(self.window_ms)
        self._take = redis.register_script(_TAKE)
        self._shared_down = False

    async def take(self, ceilings: Sequence[Ceiling]) -> Taken:
        """Count one attempt against every ceiling, or refuse it (see the module doc)."""
        member = secrets.token_hex(8)
        if not self.local.room(ceilings):
            return self.local.take(ceilings, member)  # refused: this instance's count is full
        args: list[int | str] = [int(time.time() * 1000), self.window_ms, member]
        for ceiling in ceilings:
            args += [ceiling.limit, 1 if ceiling.locks else 0]
        try:
            reply = await self._take(keys=[c.key for c in ceilings], args=args)
        except SHARED_ERRORS as exc:
            self._away(exc)
            return self.local.take(ceilings, member)
        self._shared_down = False
        taken = Taken(bool(reply[0]), tuple(int(n) for n in reply[1:]), member)
        if taken.admitted:
            self.local.record(ceilings, member)
        return taken

    async def refund(self, taken: Taken, keys: Sequence[str], clear: Sequence[str] = ()) -> None:
        """Give ``taken`` back in the windows ``keys`` and empty the windows ``clear``
        (a successful attempt is no failure)."""
        self.local.refund(keys, taken.member)
        self.local.forget(lambda key: key in clear)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.zrem(key, taken.member)
                if clear:
                    pipe.delete(*clear)
                await pipe.execute()
        except SHARED_ERRORS as exc:
            self._away(exc)

    async def forget(self, pattern: str) -> int:
        """Empty the shared windows whose keys match the glob ``pattern`` (an unlock); how
        many there were.  This process's own are emptied by :meth:`LocalWindows.forget`."""
        keys = [key async for key in self.redis.scan_iter(match=pattern, count=1000)]
        if keys:
            await self.redis.delete(*keys)
        return len(keys)

    def _away(self, exc: Exception) -> None:
        if not self._shared_down:
            log.warning("attempts counted on this instance only: Redis unavailable (%s)", exc)
        self._shared_down = True

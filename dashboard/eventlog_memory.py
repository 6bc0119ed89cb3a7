"""An in-process :class:`~dashboard.eventlog.EventLog`, for unit tests of the replica,
the hub and the actions without a Redis server.  Same guarantees as the Redis log, in
one process; ``down = True`` makes every call raise ConnectionError, as Redis away does."""

from __future__ import annotations

import asyncio
import bisect
import zlib

from dashboard import streamids
from dashboard.bus import idempotency_key
from dashboard.eventlog import Entry


class MemorySubscription:
    def __init__(self, log: MemoryLog) -> None:
        self.log = log
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def batch(self, timeout: float, limit: int) -> list[bytes]:
        self.log.check()
        try:
            first = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return []
        out = [first]
        while len(out) < limit and not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    async def aclose(self) -> None:
        self.log.subscribers.discard(self)


class MemoryLog:
    def __init__(self) -> None:
        self.entries: list[tuple[tuple[int, int], str, bytes | None]] = []
        self.dead: dict[str, tuple[bytes | None, str]] = {}
        self.snapshot: tuple[str, bytes] | None = None
        self.seen: set[str] = set()
        self.subscribers: set[MemorySubscription] = set()
        self.down = False
        self._clock = 1_700_000_000_000
        self._changed = asyncio.Condition()

    def check(self) -> None:
        if self.down:
            raise ConnectionError("the in-memory log is down")

    # ---- producers (what redis-cli XADD / PUBLISH would do)
    async def append(self, raw: bytes | None) -> str:
        self.check()
        last = self.entries[-1][0] if self.entries else (0, 0)
        self._clock += 1
        key = (self._clock, 0) if self._clock > last[0] else (last[0], last[1] + 1)
        entry_id = f"{key[0]}-{key[1]}"
        self.entries.append((key, entry_id, raw))
        async with self._changed:
            self._changed.notify_all()
        return entry_id

    def publish(self, raw: bytes) -> int:
        """PUBLISH: delivered to the current subscribers only (at most once)."""
        for subscriber in self.subscribers:
            subscriber.queue.put_nowait(raw)
        return len(self.subscribers)

    # ---- EventLog
    def _after(self, after: str, count: int) -> list[Entry]:
        start = bisect.bisect_right([key for key, _, _ in self.entries], streamids.parse(after))
        return [(entry_id, raw) for _, entry_id, raw in self.entries[start:start + count]]

    async def read(self, after: str, count: int, block_ms: int | None) -> list[Entry]:
        self.check()
        found = self._after(after, count)
        if found or not block_ms:
            return found
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait(), block_ms / 1000)
            except TimeoutError:
                return []
        self.check()
        return self._after(after, count)

    async def read_range(self, after: str, count: int) -> list[Entry]:
        self.check()
        return self._after(after, count)

    async def log_head_id(self) -> str | None:
        self.check()
        return self.entries[0][1] if self.entries else None

    async def log_length(self) -> int:
        self.check()
        return len(self.entries)

    async def trim_before(self, entry_id: str) -> int:
        self.check()
        keep = [e for e in self.entries if e[0] >= streamids.parse(entry_id)]
        dropped, self.entries = len(self.entries) - len(keep), keep
        return dropped

    async def bridge_many(self, raws: list[bytes]) -> list[str | None]:
        self.check()
        out: list[str | None] = []
        for raw in raws:
            key = idempotency_key(raw)
            if key in self.seen:
                out.append(None)
                continue
            self.seen.add(key)
            out.append(await self.append(raw))
        return out

    async def subscribe(self) -> MemorySubscription:
        self.check()
        subscription = MemorySubscription(self)
        self.subscribers.add(subscription)
        return subscription

    async def dead_letter(self, entry_id: str, raw: bytes | None, reason: str) -> bool:
        self.check()
        if entry_id in self.dead:
            return False
        self.dead[entry_id] = (raw, reason)
        return True

    async def dead_letter_published(self, raw: bytes, reason: str) -> bool:
        self.check()
        key = "pubsub:" + idempotency_key(raw)
        if key in self.dead:
            return False
        self.dead[key] = (raw, reason)
        return True

    async def save_snapshot(self, last_id: str, blob: bytes) -> bool:
        self.check()
        if self.snapshot is not None and not streamids.is_after(last_id, self.snapshot[0]):
            return False
        self.snapshot = (last_id, blob)
        return True

    async def load_snapshot(self) -> tuple[str, bytes] | None:
        self.check()
        return (self.snapshot[0], zlib.decompress(self.snapshot[1])) if self.snapshot else None

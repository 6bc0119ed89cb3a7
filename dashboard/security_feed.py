"""Ended sessions and lifted locks, shared by every instance: the stream ``<prefix>security``.

A sign-out on one instance must end the session on all of them, HTTP and open ``/live``
connections alike, and an admin's unlock must clear what each instance counted in its
own memory.  Each is one entry of the stream (``kind`` ``revoke``: ``sid``, ``until`` in
ms; ``kind`` ``unlock``: ``account``, ``address``), which every instance follows with
XREAD BLOCK from the last entry it handled (at start-up from the oldest kept), so an
instance that was cut off from Redis catches up on what it missed when it is back.
Entries are trimmed once older than ``keep_s`` (the longest session lifetime: a
revocation older than that is of a session that has expired anyway).

Delivery: at-least-once per instance (handling a notice twice is harmless).  While Redis
is away, a sign-out ends the session on its own instance at once and its notice waits
here (at most ``PENDING_MAX``) to be written when Redis is back; until then the other
instances do not know it (the session still expires).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from dashboard.redis_clients import RedisClient

log = logging.getLogger("dashboard.security_feed")
PENDING_MAX = 10_000
SHARED_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


@dataclass(frozen=True, slots=True)
class Notice:
    """One entry of the feed."""

    kind: str  # "revoke" or "unlock"
    sid: str = ""
    until_ms: int = 0
    account: str | None = None
    address: str | None = None

    @staticmethod
    def revoke(sid: str, until_ms: int) -> Notice:
        return Notice("revoke", sid=sid, until_ms=until_ms)

    @staticmethod
    def unlock(account: str | None, address: str | None) -> Notice:
        return Notice("unlock", account=account, address=address)

    def fields(self) -> dict[str, str]:
        if self.kind == "revoke":
            return {"kind": "revoke", "sid": self.sid, "until": str(self.until_ms)}
        return {"kind": "unlock", "account": self.account or "", "address": self.address or ""}

    @staticmethod
    def parse(raw: dict[Any, Any]) -> Notice | None:
        """A notice from a stream entry's fields (bytes), or None when it is not one."""
        text = {_text(k): _text(v) for k, v in raw.items()}
        if text.get("kind") == "revoke" and text.get("sid") and text.get("until", "").isdigit():
            return Notice.revoke(text["sid"], int(text["until"]))
        if text.get("kind") == "unlock" and (text.get("account") or text.get("address")):
            return Notice.unlock(text.get("account") or None, text.get("address") or None)
        return None


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class SecurityFeed:
    """Writes and follows the stream ``key`` (see the module doc)."""

    def __init__(self, redis: RedisClient, key: str, keep_s: int, *, block_ms: int = 5_000) -> None:
        self.redis = redis
        self.key = key
        self.keep_ms = keep_s * 1000
        self.block_ms = block_ms
        self.pending: deque[Notice] = deque(maxlen=PENDING_MAX)
        self.last_id = "0-0"
        self._task: asyncio.Task[None] | None = None

    async def publish(self, notice: Notice) -> bool:
        """Write ``notice`` for every instance; False (it waits here) while Redis is away."""
        try:
            await self._xadd(notice)
            return True
        except SHARED_ERRORS as exc:
            log.warning("%s not shared with other instances yet: Redis unavailable (%s)", notice.kind, exc)
            self.pending.append(notice)
            return False

    async def _xadd(self, notice: Notice) -> None:
        oldest = max(0, int(time.time() * 1000) - self.keep_ms)
        await self.redis.xadd(self.key, notice.fields(),  # type: ignore[arg-type]  # str fields are fine
                              minid=str(oldest), approximate=True)

    async def _flush_pending(self) -> None:
        while self.pending:
            await self._xadd(self.pending[0])
            self.pending.popleft()

    async def read(self, handle: Callable[[Notice], None], block_ms: int | None) -> int:
        """Handle the entries after :attr:`last_id` (waiting up to ``block_ms`` for one);
        how many there were.  Raises while Redis is away."""
        await self._flush_pending()
        reply: Any = await self.redis.xread({self.key: self.last_id}, count=1000, block=block_ms)
        entries = reply[0][1] if reply else []
        for entry_id, raw in entries:
            self.last_id = _text(entry_id)
            notice = Notice.parse(raw)
            if notice is not None:
                handle(notice)
        return len(entries)

    # ---- following
    async def start(self, handle: Callable[[Notice], None], catch_up_s: float = 2.0) -> None:
        """Handle what the stream holds now (waiting at most ``catch_up_s``: Redis may be
        away), then follow it in the background."""
        with contextlib.suppress(TimeoutError, *SHARED_ERRORS):
            async with asyncio.timeout(catch_up_s):
                while await self.read(handle, None):
                    pass
        self._task = asyncio.create_task(self._follow(handle), name="security-feed")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _follow(self, handle: Callable[[Notice], None]) -> None:
        delay = 0.05
        while True:
            try:
                await self.read(handle, self.block_ms)
                delay = 0.05
            except SHARED_ERRORS as exc:
                log.debug("security feed: Redis unavailable (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

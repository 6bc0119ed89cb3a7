"""The role the replica and the officers' actions need of the shared log (centrifuge's
``Broker``): :class:`EventLog`.  Implementations: :class:`dashboard.bus.Bus` (Redis, the
product) and :class:`dashboard.eventlog_memory.MemoryLog` (in process, for unit tests).

Delivery guarantees every implementation must give (the Redis one documents how):

* an appended entry gets an id greater than every earlier one, and every reader reads
  it, in id order, once;
* a bridged (published) message is appended at most once per idempotency key, however
  many instances bridge it;
* a dead letter is recorded once per log entry id (a published message that could
  not be appended: once per idempotency key);
* a snapshot is stored only if it is newer (by log id) than the one already there.

Methods raise ``ConnectionError`` (or redis-py's, which subclasses it) while the log
cannot be reached; callers retry.
"""

from __future__ import annotations

from typing import Protocol

Entry = tuple[str, bytes | None]  # (log entry id, raw event bytes or None when missing)


class Subscription(Protocol):
    """Messages producers publish, from the moment of subscribing (at most once)."""

    async def batch(self, timeout: float, limit: int) -> list[bytes]:
        """The messages that arrived, waiting up to ``timeout`` s for the first one."""

    async def aclose(self) -> None:
        """Stop receiving."""


class EventLog(Protocol):
    async def append(self, raw: bytes) -> str:
        """Append one event; its entry id."""

    async def read(self, after: str, count: int, block_ms: int | None) -> list[Entry]:
        """Entries strictly after ``after``; waits up to ``block_ms`` when there are none."""

    async def read_range(self, after: str, count: int) -> list[Entry]:
        """Entries strictly after ``after``, without waiting."""

    async def log_head_id(self) -> str | None:
        """The oldest entry still held (None when empty)."""

    async def log_length(self) -> int:
        """How many entries are held."""

    async def trim_before(self, entry_id: str) -> int:
        """Drop entries older than ``entry_id`` (perhaps fewer); how many went."""

    async def bridge_many(self, raws: list[bytes]) -> list[str | None]:
        """Append published messages, each unless already bridged (new ids, or None)."""

    async def subscribe(self) -> Subscription:
        """Start receiving what producers publish."""

    async def dead_letter(self, entry_id: str, raw: bytes | None, reason: str) -> bool:
        """Record a bad entry once; False if it was recorded already."""

    async def dead_letter_published(self, raw: bytes, reason: str) -> bool:
        """Record a published message that could not be appended, once per idempotency
        key; False if it was recorded already."""

    async def save_snapshot(self, last_id: str, blob: bytes) -> bool:
        """Store a snapshot (the state JSON compressed with zlib: dashboard/snapshots.py)
        unless a newer one is there; True if stored."""

    async def load_snapshot(self) -> tuple[str, bytes] | None:
        """(last id included, state JSON) of the newest snapshot, or None."""

"""The ids of the events the reducer has applied: exactly-once effect for retrying producers.

A producer that retries sends the same event (the same envelope ``id``) again, through
XADD or PUBLISH, maybe minutes later; both copies land in the log.  The reducer asks
:meth:`DedupWindow.admit` before applying an event that has an ``id``: the first copy is
applied and its id remembered, a later copy while the id is remembered is ignored.
Events without an ``id`` never reach the window and are applied as they come.

What is remembered (all of it event time, none of it the wall clock, so every instance
that applies the same log makes the same decisions):

* an id with its event's ``ts``, for as long as that ``ts`` is within ``window_ms`` of
  the window's clock, ``newest``: the latest event time admitted so far, where an event
  counts for no later than its log entry (an event from a producer whose clock runs
  days ahead must not push everyone else's ids out of the window);
* at most ``max_ids`` ids: beyond that the oldest by ``(ts, id)`` go first (the id breaks
  ties, so the choice does not depend on the order ids came in, and a window restored
  from a snapshot evicts exactly what the running one would have).

A copy is recognised only while its id is remembered: a retry later than the window
(or, at a high rate of events, later than ``max_ids`` ids) is applied again.
:attr:`span_ms` tells how much event time the window covers right now.  An event older
than the window when it first arrives is applied and not remembered.

Memory: about 200 bytes per remembered id of ~20 characters (the dict entry, the heap
entry and the strings; tracemalloc: 188 at 20,000 ids, 205 at 200,000; checked in
tests/unit/test_dedup.py), so the default 200,000 ids take ~41 MB.  The window is part
of the state: :mod:`dashboard.state` writes it into every snapshot and the digest
(:meth:`to_data`, sorted by the snapshot's canonical JSON).
"""

from __future__ import annotations

import heapq
from typing import Any

DEFAULT_WINDOW_MS = 86_400_000  # 24 h of event time
DEFAULT_MAX_IDS = 200_000


class DedupWindow:
    """Ids of applied events within a window of event time, bounded in count.  No I/O."""

    __slots__ = ("_ids", "_order", "max_ids", "newest", "window_ms")

    def __init__(self, window_ms: int = DEFAULT_WINDOW_MS, max_ids: int = DEFAULT_MAX_IDS) -> None:
        self.window_ms, self.max_ids = _checked(window_ms, max_ids)
        self.newest = 0  # the window's clock: epoch ms (0 before the first id)
        self._ids: dict[str, int] = {}  # id → its event's ts
        self._order: list[tuple[int, str]] = []  # heap of (ts, id): the next to forget first

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    @property
    def span_ms(self) -> int:
        """Event time covered now: from the oldest remembered id to ``newest`` (0 if empty)."""
        return self.newest - self._order[0][0] if self._order else 0

    def admit(self, event_id: str, ts: int, log_ms: int) -> bool:
        """Whether the event ``event_id`` (event time ``ts``, log entry time ``log_ms``, both
        epoch ms) is to be applied: False for a copy of one remembered.  Remembers it."""
        if event_id in self._ids:
            return False
        clock = ts if ts < log_ms else log_ms
        if clock > self.newest:
            self.newest = clock
        if ts >= self.newest - self.window_ms:
            self._ids[event_id] = ts
            heapq.heappush(self._order, (ts, event_id))
        self._evict()
        return True

    def limit(self, window_ms: int, max_ids: int) -> None:
        """Take new bounds (the settings of this instance) and forget what falls outside."""
        self.window_ms, self.max_ids = _checked(window_ms, max_ids)
        self._evict()

    def _evict(self) -> None:
        order, ids = self._order, self._ids
        cutoff = self.newest - self.window_ms
        while order and (order[0][0] < cutoff or len(ids) > self.max_ids):
            del ids[heapq.heappop(order)[1]]

    # ------------------------------------------------------------ snapshot form

    def to_data(self) -> dict[str, Any]:
        """Plain JSON data (the ids as an object: canonical once its keys are sorted)."""
        return {"window_ms": self.window_ms, "max_ids": self.max_ids, "newest": self.newest,
                "ids": self._ids}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DedupWindow:
        """Inverse of :meth:`to_data`."""
        window = cls(int(data["window_ms"]), int(data["max_ids"]))
        window.newest = int(data["newest"])
        window._ids = {str(k): int(v) for k, v in data["ids"].items()}
        window._order = [(ts, event_id) for event_id, ts in window._ids.items()]
        heapq.heapify(window._order)
        window._evict()
        return window


def _checked(window_ms: int, max_ids: int) -> tuple[int, int]:
    if window_ms < 1 or max_ids < 1:
        raise ValueError(f"a dedup window needs window_ms >= 1 and max_ids >= 1, "
                         f"got {window_ms} and {max_ids}")
    return window_ms, max_ids

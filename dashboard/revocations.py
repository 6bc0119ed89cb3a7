"""The sessions that ended before their time (signed out), as one instance knows them.

A revoked session id is kept only until the session would have expired anyway (after
that its cookie is refused for its age), so the set holds at most the sessions signed
out within one session lifetime; beyond ``max_size`` the one that expires soonest is
forgotten first (its cookie still dies at its expiry).  No I/O: dashboard/security_feed.py
shares revocations between instances.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable

log = logging.getLogger("dashboard.revocations")


class Revocations:
    """Session ids with the time (ms) after which they need not be remembered."""

    def __init__(self, max_size: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self.max_size = max_size
        self.clock = clock
        self._until: dict[str, int] = {}
        self._expiring: list[tuple[int, str]] = []  # a heap of (until, sid)

    def __len__(self) -> int:
        self.prune()
        return len(self._until)

    def __contains__(self, sid: object) -> bool:
        until = self._until.get(sid) if isinstance(sid, str) else None
        return until is not None and until > self._now()

    def add(self, sid: str, until_ms: int) -> bool:
        """Remember ``sid`` until ``until_ms``; False when it was known already (or has expired)."""
        if until_ms <= self._now() or self._until.get(sid, 0) >= until_ms:
            return False
        self._until[sid] = until_ms
        heapq.heappush(self._expiring, (until_ms, sid))
        self.prune()
        if len(self._until) > self.max_size:
            log.warning("more than %d revoked sessions: those expiring soonest are forgotten",
                        self.max_size)
            while len(self._until) > self.max_size:
                self._pop()
        return True

    def prune(self) -> None:
        """Forget the revocations of sessions that have expired."""
        now = self._now()
        while self._expiring and self._expiring[0][0] <= now:
            self._pop()

    def _pop(self) -> None:
        until, sid = heapq.heappop(self._expiring)
        if self._until.get(sid) == until:  # not a stale heap entry of a later add
            del self._until[sid]

    def _now(self) -> int:
        return int(self.clock() * 1000)

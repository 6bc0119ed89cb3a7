"""The security operations figures of one instance: refused requests by reason, and the
most recent refusals (time, reason, path, who, address) for the admin page.

Whoever refuses (the guard, the sign-in room, a page callback) calls :meth:`Refusals.deny`;
the counts by reason are ``cn_denied_total{reason}`` on /metrics.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TypedDict

from dashboard.metrics import Metrics


class Refusal(TypedDict):
    ts: int  # ms since the epoch
    ip: str
    path: str
    reason: str
    who: str


class Refusals:
    """Counts refusals by reason and keeps the last ``keep`` of them."""

    def __init__(self, metrics: Metrics, keep: int = 200) -> None:
        self.metrics = metrics
        self._recent: deque[Refusal] = deque(maxlen=keep)

    def deny(self, reason: str, ip: str, path: str, who: str = "") -> None:
        self.metrics.denied.labels(reason).inc()
        self._recent.append(Refusal(ts=int(time.time() * 1000), ip=ip, path=path, reason=reason, who=who))

    def rate_limited(self, what: str) -> None:
        """A request refused by a rate limit (``cn_rate_limited_total{what}``)."""
        self.metrics.rate_limited.labels(what).inc()

    def recent(self, count: int = 50) -> list[Refusal]:
        """The last ``count`` refusals, newest first."""
        return list(self._recent)[-count:][::-1]

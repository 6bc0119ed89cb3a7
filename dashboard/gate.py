"""Admission of Dash callback requests: how officers' pages are kept from starving the
event loop that applies the log and feeds /live.

Every ``/_dash-update-component`` request runs inside the gate: at most ``concurrency``
at a time (default 1).  Callbacks are coroutines on the event loop, so running them one
by one costs them nothing, but it changes what waits: a request that arrives while
another runs is parked (not ready), so when the running one ends the loop first serves
what became ready meanwhile (a batch from Redis, a /live flush) and only then the next
callback.  Without the gate, a burst of refreshes from twenty pages would be queued ahead
of the replica all at once.

A request that is still waiting when a newer one arrives for the same page session and
the same callback output is dropped (answered 204, which Dash reads as "no update"): the
newer asks for the same thing with newer inputs.  So a page that refreshes faster than
the server answers gets fewer answers, never a growing queue.
"""

from __future__ import annotations

import asyncio
from itertools import count


class CallbackGate:
    def __init__(self, concurrency: int = 1) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._latest: dict[tuple[str, str], int] = {}
        self._tickets = count(1)
        self.superseded = 0

    async def enter(self, key: tuple[str, str]) -> bool:
        """Wait for a slot; False (and no slot held) if a newer request with ``key``
        arrived meanwhile."""
        ticket = next(self._tickets)
        self._latest[key] = ticket
        await self._slots.acquire()
        if self._latest.get(key) != ticket:
            self._slots.release()
            self.superseded += 1
            return False
        del self._latest[key]
        return True

    def leave(self) -> None:
        self._slots.release()

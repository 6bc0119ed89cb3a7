"""Repeated failures in the audit trail: one entry per source and window, with a count.

A failed or locked sign-in and a bad wall token need no password to send, so writing an
entry for each would let anyone flood ``cn:audit`` and push real entries out of it (the
stream is trimmed at ``AUDIT_MAX_LEN``).  :class:`FailureRollup` writes the *first*
failure of a source (action, outcome, address, target) at once, before it is answered,
and counts the others of the next ``window_s``; when that window closes it writes one
entry for them with their ``count`` (``detail_key`` ``audit.d.repeated``).  At most
``max_sources`` sources are open at a time on this instance; failures of further sources
in a window are counted together, per action and outcome, in one entry with the address
and target ``*`` (``audit.d.overflow``).  So an instance writes at most
``2 × max_sources`` + one per action and outcome of these entries per window, whatever
is sent to it.  The sum of ``count`` over the entries is the number of failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.audit import Auditor

Source = tuple[str, str, str, str]  # action, outcome, address, target


@dataclass
class _Window:
    opened: float
    who: str
    role: str
    more: int = 0  # failures after the first one, not written yet
    first_ms: int = field(default_factory=lambda: int(time.time() * 1000))


class FailureRollup:
    """Writes repeated failures to ``auditor`` as described in the module doc."""

    def __init__(self, auditor: Auditor, window_s: float, max_sources: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.auditor = auditor
        self.window_s = window_s
        self.max_sources = max_sources
        self.clock = clock
        self._open: dict[Source, _Window] = {}
        self._overflow: dict[tuple[str, str], _Window] = {}
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        """Windows open now (bounded by ``max_sources`` plus the overflow ones)."""
        return len(self._open) + len(self._overflow)

    async def failure(self, action: str, who: str, role: str, *, outcome: str, ip: str, target: str,
                      detail_key: str = "", detail_values: Mapping[str, Any] | None = None) -> None:
        """One failure: written now if it opens its source's window, else counted."""
        await self.close_due()
        source = (action, outcome, ip, target)
        window = self._open.get(source)
        if window is not None:
            window.more += 1
            return
        if len(self._open) >= self.max_sources:
            spill = self._overflow.get((action, outcome))
            if spill is None:
                spill = self._overflow[(action, outcome)] = _Window(self.clock(), "*", "")
            spill.more += 1
            return
        self._open[source] = _Window(self.clock(), who, role)
        await self.auditor.record(action, who, role, target=target, outcome=outcome, ip=ip,
                                  detail_key=detail_key, detail_values=detail_values, count=1)

    async def close_due(self, everything: bool = False) -> int:
        """Write the windows that have closed (all of them with ``everything``); how many
        entries were written."""
        now = self.clock()
        due = [s for s, w in self._open.items() if everything or now - w.opened >= self.window_s]
        written = 0
        for source in due:
            window = self._open.pop(source)
            if window.more:
                action, outcome, ip, target = source
                await self._write(action, window, outcome=outcome, ip=ip, target=target,
                                  detail_key="audit.d.repeated")
                written += 1
        spilled = [k for k, w in self._overflow.items() if everything or now - w.opened >= self.window_s]
        for key in spilled:
            window = self._overflow.pop(key)
            await self._write(key[0], window, outcome=key[1], ip="*", target="*",
                              detail_key="audit.d.overflow")
            written += 1
        return written

    async def _write(self, action: str, window: _Window, *, outcome: str, ip: str, target: str,
                     detail_key: str) -> None:
        await self.auditor.record(action, window.who, window.role, target=target, outcome=outcome, ip=ip,
                                  detail_key=detail_key, count=window.more,
                                  detail_values={"n": window.more, "s": round(self.window_s)})

    # ---- the closing of windows, once a second
    def start(self) -> None:
        self._task = asyncio.create_task(self._closing(), name="audit-rollup")

    async def stop(self) -> None:
        """Stop, writing what is still counted."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.close_due(everything=True)

    async def _closing(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.window_s / 4))
            await self.close_due()

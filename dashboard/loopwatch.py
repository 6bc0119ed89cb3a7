"""How late the event loop runs: a task that sleeps a fixed tick and records by how much
it woke up late.  The replica, /live and every callback share that loop, so its lateness
is the longest time any of them held it (the bound the wall's push path depends on).

Exposed on /metrics as ``cn_event_loop_lag_seconds`` (histogram of each tick's
lateness) and ``cn_event_loop_lag_max_seconds`` (the longest since the process started).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from dashboard.metrics import Metrics

TICK_S = 0.01


class LoopWatch:
    """Samples the loop's lateness every ``tick_s`` while started."""

    def __init__(self, metrics: Metrics, tick_s: float = TICK_S) -> None:
        self.metrics = metrics
        self.tick_s = tick_s
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        clock = time.perf_counter
        while True:
            before = clock()
            await asyncio.sleep(self.tick_s)
            late = max(0.0, clock() - before - self.tick_s)
            self.metrics.loop_lag.observe(late)
            if late > self.longest:
                self.longest = late
                self.metrics.loop_lag_max.set(late)

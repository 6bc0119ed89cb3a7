"""How late the event loop runs: a task that sleeps a fixed tick and records by how much
it woke up late.  The replica, /live and every callback share that loop, so its lateness
is the longest time any of them held it (the bound the wall's push path depends on).

Exposed on /metrics as ``cn_event_loop_lag_seconds`` (histogram of each tick's
lateness) and ``cn_event_loop_lag_max_seconds`` (the longest since the process started).

It also keeps Python's cyclic garbage collector from stalling the loop.  A full
collection walks every tracked object: at 100,000 incidents ~0.25 s.  The state is plain
JSON data (no cycles: reference counting frees it), so :func:`settle_garbage` collects
once and then freezes what survives (``gc.freeze``: later collections skip it), at
start-up and every ``FREEZE_EVERY_S``; a collection then only walks what was created
since, a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time

from dashboard.metrics import Metrics

TICK_S = 0.01
FREEZE_EVERY_S = 600.0


def settle_garbage() -> None:
    """Collect cyclic garbage now, then freeze every survivor out of later collections."""
    gc.collect()
    gc.freeze()


class LoopWatch:
    """Samples the loop's lateness every ``tick_s`` while started."""

    def __init__(self, metrics: Metrics, tick_s: float = TICK_S) -> None:
        self.metrics = metrics
        self.tick_s = tick_s
        self.longest = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        settle_garbage()  # the restored state, once
        self._tasks = [loop.create_task(self._run(), name="loop-watch"),
                       loop.create_task(self._settle(), name="gc-settle")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _settle(self) -> None:
        while True:
            await asyncio.sleep(FREEZE_EVERY_S)
            settle_garbage()

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

"""The check-in scheduler (查岗): writes each request of the schedule as a
``duty.checkin_request`` event when its time comes.

Every instance runs one (no lease): a request's event id is ``checkin:<centre>/<post>@<at>``,
the same on every instance, so the reducer's dedup window applies it once however many
write it.  A request is written only while it can still be answered (``at`` ≤ now <
``due``): after a time with no instance running, the requests of that time are not
written late (no one could have answered them, so they do not count as missed).  The
event's ``ts`` is the request's ``at``.  Delivery: at least once per running instance;
a failed append is retried at the next tick, while the request is still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import orjson
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dashboard import checkin
from dashboard.bus import Bus
from dashboard.clock import BEIJING
from dashboard.state import State

log = logging.getLogger(__name__)
SOURCE = "checkin-scheduler"


def due_events(schedule: checkin.Schedule, state: State, now: datetime) -> list[dict[str, object]]:
    """The request events to write at ``now``: the schedule's requests open now that the
    state does not hold yet."""
    window = timedelta(minutes=schedule.answer_min)
    out: list[dict[str, object]] = []
    for item in checkin.planned(schedule, state.roster, now - window, now + timedelta(seconds=1)):
        if not item.at <= now < item.due or item.id in state.checkins["requests"]:
            continue
        at, due = item.at.isoformat(timespec="seconds"), item.due.isoformat(timespec="seconds")
        out.append({"type": "duty.checkin_request", "id": f"checkin:{item.id}", "source": SOURCE,
                    "ts": int(item.at.timestamp() * 1000),
                    "data": {"center": item.center, "post": item.post, "at": at, "due": due}})
    return out


class CheckinScheduler:
    """Runs :func:`due_events` every ``tick_s`` seconds and appends them to the log."""

    def __init__(self, bus: Bus, schedule: checkin.Schedule, state: Callable[[], State], tick_s: float,
                 clock: Callable[[], float]) -> None:
        self._bus, self._schedule, self._state = bus, schedule, state
        self._tick_s, self._clock = tick_s, clock
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._schedule.times) or self._schedule.per_shift > 0

    def start(self) -> None:
        if self.enabled:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="checkin-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def tick(self) -> int:
        """Write what is due now; how many requests were appended."""
        now = datetime.fromtimestamp(self._clock(), BEIJING)
        events = due_events(self._schedule, self._state(), now)
        if events:
            await self._bus.append_many([orjson.dumps(event) for event in events])
        return len(events)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                # Redis away: the next tick tries again while the request is open
                log.warning("check-in scheduler: cannot write requests now (%s)", exc)
            except Exception:  # a fault of ours: said in full, and the schedule goes on
                log.exception("check-in scheduler: a tick failed")
            await asyncio.sleep(self._tick_s)

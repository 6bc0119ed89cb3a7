"""Time as the district reads it: Beijing time (``Asia/Shanghai``) and the look-back
windows of filters (1 h / 24 h / 7 d).  No I/O and no clock: every function takes the
time it works on (epoch milliseconds), so the reducer stays deterministic; callers that
need *now* use :func:`now_ms`.

The one home of both rules; the browser formats with ``Intl.DateTimeFormat`` and
``timeZone: "Asia/Shanghai"`` (assets/live.js ``cnLive.beijing``).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_ZONE = "Asia/Shanghai"
SECOND_MS = 1_000
MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

Window = Literal["1h", "24h", "7d"]
WINDOWS: tuple[Window, ...] = get_args(Window)
WINDOW_MS: dict[Window, int] = {"1h": HOUR_MS, "24h": DAY_MS, "7d": 7 * DAY_MS}


def now_ms() -> int:
    """The wall clock in epoch ms: for views, actions and audits, never the reducer."""
    return int(time.time() * 1000)


def beijing(ms: int | float) -> datetime:
    """An epoch-ms time as an aware datetime in Beijing time."""
    return datetime.fromtimestamp(ms / 1000, BEIJING)


def beijing_day(ms: int | float) -> str:
    """The Beijing calendar day of an epoch-ms time, as ``YYYY-MM-DD``."""
    return beijing(ms).date().isoformat()


def hour_of_day(ms: int | float) -> float:
    """Hours since Beijing midnight (0 ≤ h < 24), fractional."""
    at = beijing(ms)
    return at.hour + at.minute / 60 + at.second / 3600 + at.microsecond / 3.6e9


def day_start(ms: int) -> int:
    """The epoch ms of Beijing midnight on the day of ``ms``."""
    at = beijing(ms)
    return int(at.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def iso(ms: int | float) -> str:
    """``2025-06-02T08:00:00+08:00``: ISO-8601 in Beijing time, to the second."""
    return beijing(ms).isoformat(timespec="seconds")


def clock_text(ms: int | float | None, with_year: bool = False) -> str:
    """``11-30 15:20:05`` (or ``2026-11-30 15:20:05``) in Beijing time; "—" for no time."""
    if not ms:
        return "—"
    return beijing(ms).strftime("%Y-%m-%d %H:%M:%S" if with_year else "%m-%d %H:%M:%S")


def since(window: str | None, now: int) -> int | None:
    """The start of the look-back ``window`` ending at ``now``; None for "all" or unknown."""
    span = WINDOW_MS.get(window)  # type: ignore[call-overload]
    return None if span is None else now - span


def parse_local(text: str | None) -> datetime | None:
    """An ISO-8601 time (a producer's shift start, say) as an aware datetime in Beijing
    time; one without an offset is read as Beijing time.  None when it is not ISO-8601."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=BEIJING) if moment.tzinfo is None else moment.astimezone(BEIJING)


def span_text(start: str | None, end: str | None) -> str:
    """A shift as people read it, in Beijing time: ``12-01 08:00 – 20:00``, the end's day
    too when it is another (``12-01 20:00 – 12-02 08:00``).  A time that is not ISO-8601 is
    shown as written; a missing one as "—"."""
    first, last = parse_local(start), parse_local(end)
    head = first.strftime("%m-%d %H:%M") if first else (start or "—")
    if last is None:
        return f"{head} – {end or '—'}"
    same_day = first is not None and first.date() == last.date()
    return f"{head} – {last.strftime('%H:%M' if same_day else '%m-%d %H:%M')}"

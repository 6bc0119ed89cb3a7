"""What a camera's status is, stale included: the one rule, and the per-status counts
every screen shows.  No I/O.

A camera's status is what its video platform last reported (online, offline, fault),
except that an *online* camera that has sent nothing at all (heartbeats included) for
longer than ``video_stale_s`` is **stale**: we no longer know that it works.  An offline
or faulty camera stays what it was reported as, however long it is silent, so each
camera is counted under exactly one status and the counts add up to the total.

The server computes both the statuses and the counts; the wall, the map and the console
show exactly those (the browser never re-derives them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

CameraStatus = Literal["online", "offline", "fault", "stale"]
CAMERA_STATUSES: tuple[CameraStatus, ...] = get_args(CameraStatus)
#: The order in which a cluster of cameras takes its colour (the worst present wins).
WORST_FIRST: tuple[CameraStatus, ...] = ("fault", "offline", "stale", "online")
#: How the map and the legends colour each status.
COLOURS: dict[CameraStatus, str] = {
    "online": "#30d158", "offline": "#ff9f0a", "fault": "#ff453a", "stale": "#bf5af2",
}


#: Online rates (per cent) below which a street's cameras are a warning or an alarm.
RATE_WARN_PCT = 96.0
RATE_ALARM_PCT = 90.0


def rate_level(total: int, online: int) -> Literal["ok", "warn", "alarm"] | None:
    """How a street's online rate reads (None for a street without cameras)."""
    if not total:
        return None
    rate = 100 * online / total
    return "alarm" if rate < RATE_ALARM_PCT else "warn" if rate < RATE_WARN_PCT else "ok"


def is_stale(point: Mapping[str, Any], now: int, stale_ms: int) -> bool:
    """True for an online camera with no report for longer than ``stale_ms``."""
    return point["status"] == "online" and now - point["last"] > stale_ms


def camera_status(point: Mapping[str, Any], now: int, stale_ms: int) -> CameraStatus:
    """The status a screen shows for ``point`` at ``now``."""
    return "stale" if is_stale(point, now, stale_ms) else point["status"]


def stale_ids(points: Mapping[str, Mapping[str, Any]], now: int, stale_ms: int) -> list[str]:
    """Sorted ids of the stale cameras among ``points``."""
    return sorted(pid for pid, point in points.items() if is_stale(point, now, stale_ms))


def counts(reported: Mapping[str, int], stale: int) -> dict[str, int]:
    """Per-status counts from the counts by reported status and the number of stale
    cameras among the online ones: ``online`` is the online cameras that are not stale."""
    out: dict[str, int] = {status: int(reported.get(status, 0)) for status in CAMERA_STATUSES}
    out["stale"] = stale
    out["online"] = max(0, out["online"] - stale)
    return out


def tally(statuses: Iterable[str]) -> dict[str, int]:
    """Counts of already-resolved statuses (each one of :data:`CAMERA_STATUSES`)."""
    out: dict[str, int] = dict.fromkeys(CAMERA_STATUSES, 0)
    for status in statuses:
        out[status] += 1
    return out

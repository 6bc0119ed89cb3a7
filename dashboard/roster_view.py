"""What screens show of the rosters (dashboard/roster.py), at a wall-clock time.  Pure.

* the wall's *on duty now*: per centre and post, the surname only (``王**``), through the
  ``roster_wall`` projection (dashboard/classify.py); a post without anyone says so;
* the console's duty tab: who is on duty now, the shifts of the next 7 days (full names,
  phones masked, ``roster_shift``), and the gaps among them (``roster_gap``);
* the inbox's ``roster`` alarms: a post with no one in the next 24 hours.

Scopes as everywhere: None is the district (every centre), a unit code is that unit and
the district centre.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dashboard import roster
from dashboard.classify import project
from dashboard.clock import BEIJING, DAY_MS, day_start
from dashboard.units import UNITS
from dashboard.workdays import Calendar

CENTRES: tuple[str, ...] = ("district", *(code for code, _, _ in UNITS))
WEEK = timedelta(days=7)
GAP_HORIZON = timedelta(hours=24)
#: a gap that starts within this long is a level-2 alarm, a later one level 3
URGENT_GAP = timedelta(hours=2)


def _at(now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, BEIJING).replace(microsecond=0)


def _in_scope(center: str, scope: str | None) -> bool:
    return scope is None or center in ("district", scope)


def _order(center: str) -> int:
    return CENTRES.index(center) if center in CENTRES else len(CENTRES)


def _shift_row(shift: roster.Shift) -> dict[str, Any]:
    return {**project("roster_shift", {
        "center": shift.center, "post": shift.post, "name": shift.name, "phone": shift.phone,
        "start": roster.stamp(shift.start), "end": roster.stamp(shift.end), "rotation": shift.rotation,
        "occurrence": shift.occurrence, "changed": shift.changed}), "key": shift.key}


def on_duty_wall(tables: roster.Tables, now_ms: int, calendar: Calendar | None,
                 scope: str | None) -> list[dict[str, Any]]:
    """The wall's on-duty-now: ``[{center, post, surname}]`` by centre (district first) and
    post; ``surname`` masked to its first character, None for a post without anyone."""
    rows: list[dict[str, Any]] = []
    now = roster.on_duty(tables, _at(now_ms), calendar)
    for (center, post), shifts in sorted(now.items(), key=lambda kv: (_order(kv[0][0]), kv[0][1])):
        if not _in_scope(center, scope):
            continue
        names: list[str | None] = [s.name for s in shifts] or [None]
        rows.extend(project("roster_wall", {"center": center, "post": post, "surname": name})
                    for name in names)
    return rows


def console_roster(tables: roster.Tables, now_ms: int, calendar: Calendar | None,
                   scope: str | None) -> dict[str, Any]:
    """The duty tab: ``now`` (shifts covering now), ``week`` (every shift of the next 7
    days), ``gaps`` (stretches of the next 7 days with a post unstaffed)."""
    start = _at(now_ms)
    week = [s for s in roster.shifts(tables, start, start + WEEK, calendar) if _in_scope(s.center, scope)]
    gaps = [g for g in roster.gaps(tables, start, start + WEEK, calendar) if _in_scope(g.center, scope)]
    return {
        "now": [_shift_row(s) for s in week if s.start <= start < s.end],
        "week": [_shift_row(s) for s in week],
        "gaps": [project("roster_gap", {"center": g.center, "post": g.post, "start": roster.stamp(g.start),
                                        "end": roster.stamp(g.end)}) for g in gaps],
    }


def gap_alarms(tables: roster.Tables, now_ms: int, calendar: Calendar | None) -> list[dict[str, Any]]:
    """Posts with no one at some time in the next 24 h, the first gap of each:
    ``{key, center, post, start, end, severity, since}`` (``since``: when the gap came
    within 24 h, so an acknowledgement after it holds until another gap does)."""
    start = _at(now_ms)
    back = start - GAP_HORIZON  # an ongoing gap is found from its own start (24 h back at most)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for gap in roster.gaps(tables, back, start + GAP_HORIZON, calendar):
        if gap.end <= start or (gap.center, gap.post) in seen:
            continue
        seen.add((gap.center, gap.post))
        began = int(gap.start.timestamp() * 1000)
        since = day_start(now_ms - 2 * DAY_MS) if gap.start <= back else began - DAY_MS
        out.append({"key": f"roster:{gap.center}/{gap.post}", "center": gap.center, "post": gap.post,
                    "start": roster.stamp(gap.start), "end": roster.stamp(gap.end),
                    "severity": 2 if gap.start - start <= URGENT_GAP else 3, "since": since})
    return out

"""China's public holidays and make-up working days (调休), for the simulator's backfill
rhythm: the packaged working-day calendar (dashboard/data/calendar.toml, read by
dashboard/workdays.py, which 12345 deadlines count on) seen as day kinds.

Kept for its callers; new code uses :mod:`dashboard.workdays`.
"""

from __future__ import annotations

from datetime import date

from dashboard.workdays import DayKind, load_calendar

_CALENDAR = load_calendar()

HOLIDAYS: frozenset[date] = _CALENDAR.holidays
#: weekend days that are working days (调休上班)
MAKE_UP_DAYS: frozenset[date] = _CALENDAR.workdays

__all__ = ["HOLIDAYS", "MAKE_UP_DAYS", "DayKind", "day_kind"]


def day_kind(day: date) -> DayKind:
    """A holiday, a working day (weekdays and make-up days) or a weekend day."""
    return _CALENDAR.day_kind(day)

"""China's public holidays and make-up working days (调休) of 2026 and 2027, for the
simulator's backfill rhythm.

TO BE REPLACED by the editable calendar of issue 14 (``calendar.toml``, DESIGN "12345
work orders"), which deadlines will count on; this small table only shapes demo history.

2026: the State Council's holiday notice for 2026 as published (check it against the
notice when issue 14 replaces this table).  2027: the
statutory days only (元旦 1, 春节 4 from the eve, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3;
festival dates by the lunar calendar); the bridging days and make-up working days are
set by a notice not in this table, so 2027 has none here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal


def _span(first: str, days: int) -> list[date]:
    start = date.fromisoformat(first)
    return [start + timedelta(days=n) for n in range(days)]


HOLIDAYS: frozenset[date] = frozenset(
    # 2026
    _span("2026-01-01", 3) + _span("2026-02-15", 9) + _span("2026-04-04", 3) + _span("2026-05-01", 5)
    + _span("2026-06-19", 3) + _span("2026-09-25", 3) + _span("2026-10-01", 7)
    # 2027 (statutory days only)
    + _span("2027-01-01", 1) + _span("2027-02-05", 4) + _span("2027-04-05", 1) + _span("2027-05-01", 2)
    + _span("2027-06-09", 1) + _span("2027-09-15", 1) + _span("2027-10-01", 3)
)
#: weekend days that are working days (调休上班), 2026
MAKE_UP_DAYS: frozenset[date] = frozenset(date.fromisoformat(d) for d in (
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
))

DayKind = Literal["working", "weekend", "holiday"]


def day_kind(day: date) -> DayKind:
    """A holiday, a working day (weekdays and make-up days) or a weekend day."""
    if day in HOLIDAYS:
        return "holiday"
    if day in MAKE_UP_DAYS or day.weekday() < 5:
        return "working"
    return "weekend"

"""Working days on the district's editable calendar (``calendar.toml``): holidays and
make-up working days (调休), and the 12345 deadlines counted on them.

:func:`load_calendar` reads the packaged dashboard/data/calendar.toml or the district's
own file (the ``calendar_path`` setting); a bad date raises :class:`CalendarError` naming
the file and the line.  :meth:`Calendar.gaps` says which years in use have no table (or
only a provisional one): the start-up check logs them and /healthz shows them, so a
missing year is never silently counted as plain weekdays.

Deadlines (:func:`deadline_ms`): a ticket registered on day D is due at the end (Beijing
midnight) of the N-th working day after D, N by urgency; an approved extension moves the
deadline to the end of its ``until`` day.  Near-due starts at the beginning of the
working day ``near`` working days before the deadline's day.  No I/O apart from
:func:`load_calendar`, no clock: times are epoch ms given by the caller.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from dashboard.clock import BEIJING

CALENDAR_FILE = Path(__file__).resolve().parent / "data" / "calendar.toml"
#: Working days allowed per urgency (1 emergency, 2 urgent, 3 normal): the defaults.
DEFAULT_DAYS: dict[int, int] = {1: 1, 2: 5, 3: 15}
#: Looking further than this for working days means the calendar is broken.
_MAX_SCAN = 400

DayKind = Literal["working", "weekend", "holiday"]


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Year:
    source: str
    provisional: bool


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date]
    workdays: frozenset[date]  # weekend days that are working days
    years: dict[int, Year] = field(default_factory=dict)
    path: str = str(CALENDAR_FILE)

    def day_kind(self, day: date) -> DayKind:
        """A holiday, a working day (weekdays and make-up days) or a weekend day."""
        if day in self.holidays:
            return "holiday"
        if day in self.workdays or day.weekday() < 5:
            return "working"
        return "weekend"

    def is_working(self, day: date) -> bool:
        return self.day_kind(day) == "working"

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself for n = 0)."""
        out = day
        for _ in range(_MAX_SCAN):
            if n <= 0:
                return out
            out += timedelta(days=1)
            if self.is_working(out):
                n -= 1
        raise CalendarError(f"{self.path}: no working day within {_MAX_SCAN} days after {day}")

    def back_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day before ``day`` (``day`` itself for n = 0)."""
        out = day
        for _ in range(_MAX_SCAN):
            if n <= 0:
                return out
            out -= timedelta(days=1)
            if self.is_working(out):
                n -= 1
        raise CalendarError(f"{self.path}: no working day within {_MAX_SCAN} days before {day}")

    def gaps(self, years: Iterable[int]) -> dict[int, str]:
        """Of ``years``, those the calendar cannot count on: year → why ("missing" or
        "provisional")."""
        out: dict[int, str] = {}
        for year in sorted(set(years)):
            entry = self.years.get(year)
            if entry is None:
                out[year] = "missing"
            elif entry.provisional:
                out[year] = "provisional"
        return out


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _dates(value: Any, file: Path, text: str, year: int, key: str) -> list[date]:
    if not isinstance(value, list):
        raise CalendarError(f"{file}: years.{year}.{key} must be a list of dates")
    out: list[date] = []
    for item in value:
        where = _line_of(text, f'"{item}"') if isinstance(item, str) else None
        at = f"{file}:{where}" if where else f"{file} (years.{year}.{key})"
        if not isinstance(item, str):
            raise CalendarError(f"{at}: {item!r} is not a date string (YYYY-MM-DD)")
        first, _, last = item.partition("/")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise CalendarError(f"{at}: '{item}' is not a date (YYYY-MM-DD) "
                                "or a range (YYYY-MM-DD/YYYY-MM-DD)") from None
        if end < start or (end - start).days > 31:
            raise CalendarError(f"{at}: '{item}' is not a range of 1 to 32 days")
        if start.year != year or end.year != year:
            raise CalendarError(f"{at}: '{item}' is not in {year}")
        out.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
    return out


def load_calendar(path: str | Path | None = None) -> Calendar:
    """Read a calendar TOML; raise :class:`CalendarError` naming the file and line at fault."""
    file = CALENDAR_FILE if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"{file}: cannot read the calendar ({exc.strerror})") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{file}: not valid TOML ({exc})") from None
    years_table = table.get("years")
    if not isinstance(years_table, dict):
        raise CalendarError(f"{file}: needs [years.<year>] tables")
    holidays: set[date] = set()
    workdays: set[date] = set()
    years: dict[int, Year] = {}
    for key, entry in years_table.items():
        if not str(key).isdigit() or not isinstance(entry, dict):
            raise CalendarError(f"{file}:{_line_of(text, f'years.{key}') or '?'}: "
                                f"'years.{key}' is not a year's table")
        year = int(key)
        off = _dates(entry.get("holidays", []), file, text, year, "holidays")
        on = _dates(entry.get("workdays", []), file, text, year, "workdays")
        both = sorted(set(off) & set(on))
        if both:
            raise CalendarError(f"{file}:{_line_of(text, both[0].isoformat()) or '?'}: "
                                f"{both[0]} is both a holiday and a working day")
        holidays.update(off)
        workdays.update(on)
        years[year] = Year(str(entry.get("source", "")), bool(entry.get("provisional", False)))
    return Calendar(frozenset(holidays), frozenset(workdays), years, str(file))


# ---------------------------------------------------------------- deadlines


def _day_of(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, BEIJING).date()


def end_of_day_ms(day: date) -> int:
    """Beijing midnight at the end of ``day``, in epoch ms."""
    return int(datetime.combine(day + timedelta(days=1), time(), BEIJING).timestamp() * 1000)


def start_of_day_ms(day: date) -> int:
    return int(datetime.combine(day, time(), BEIJING).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A ticket's deadline and when it becomes near-due, in epoch ms."""

    due_ms: int
    near_ms: int
    day: str  # the deadline's day, YYYY-MM-DD (Beijing)


def deadline(calendar: Calendar, created_ms: int, urgency: int, days: dict[int, int],
             near_days: int, extended_until: str | None = None) -> Deadline:
    """The deadline of a ticket registered at ``created_ms`` with ``urgency``: the end of
    the ``days[urgency]``-th working day after its registration day, or of the approved
    extension's day when there is one; near-due from the start of the working day
    ``near_days`` working days before the deadline's day."""
    limit = days.get(urgency, days[max(days)])
    due_day = calendar.add_working_days(_day_of(created_ms), limit)
    if extended_until:
        due_day = date.fromisoformat(extended_until)
    near_day = calendar.back_working_days(due_day, near_days) if near_days > 0 else due_day
    near_ms = start_of_day_ms(near_day) if near_days > 0 else end_of_day_ms(due_day)
    return Deadline(end_of_day_ms(due_day), near_ms, due_day.isoformat())


def years_in_use(created_ms: Iterable[int], now_ms: int, longest_days: int) -> set[int]:
    """The years a deadline may fall in: those of the tickets' registrations and of now,
    and the next one when the longest limit can reach into it."""
    years = {_day_of(ms).year for ms in created_ms} | {_day_of(now_ms).year}
    reach = _day_of(now_ms) + timedelta(days=longest_days * 2 + 30)
    years.add(reach.year)
    return years


Flag = Literal["overdue", "near"]


@dataclass(frozen=True)
class DeadlineRule:
    """The district's deadline rule: its calendar, the working days per urgency and how
    many working days before a deadline a ticket is near-due."""

    calendar: Calendar = field(default_factory=load_calendar)
    days: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    near_days: int = 1

    def of(self, ticket: Any) -> Deadline | None:
        """The deadline of an open ticket (None for a closed one, or one without a time)."""
        if ticket.get("status") == "closed" or ticket.get("created") is None:
            return None
        try:
            return deadline(self.calendar, ticket["created"], int(ticket.get("urgency") or 3),
                            self.days, self.near_days, ticket.get("extended_until"))
        except (CalendarError, ValueError):
            return None  # a calendar without working days: flagged by gaps(), not here

    @staticmethod
    def flag(due: Deadline | None, now_ms: int) -> Flag | None:
        """overdue, near (due soon) or None, at ``now_ms``."""
        if due is None or not now_ms:
            return None
        if now_ms >= due.due_ms:
            return "overdue"
        if now_ms >= due.near_ms:
            return "near"
        return None

    def gaps(self, created_ms: Iterable[int], now_ms: int) -> dict[int, str]:
        """The years in use that the calendar cannot count on (see :meth:`Calendar.gaps`)."""
        return self.calendar.gaps(years_in_use(created_ms, now_ms, max(self.days.values())))


def rule_of(calendar_path: str | None, days: tuple[int, int, int], near_days: int) -> DeadlineRule:
    """The rule from settings: the calendar file (None: packaged), the working days for
    urgencies 1, 2 and 3, and near-due; raises :class:`CalendarError` for a bad file."""
    return DeadlineRule(load_calendar(calendar_path), {1: days[0], 2: days[1], 3: days[2]}, near_days)

"""Duty rosters (值班排班): rotations as RFC 5545 RRULEs, overrides and swaps.  Pure, no I/O.

A centre (``district`` or a unit code, dashboard/units.py) has posts (值班长, 值班员 …); a
post is staffed by *rotations*: one person's shift (``dtstart`` → ``dtend``, Beijing time)
repeated by an RRULE (``FREQ=DAILY;INTERVAL=4``), optionally until a time and optionally on
working days or rest days only of the district's calendar (dashboard/workdays.py).  One
occurrence of a rotation (named by its rotation id and its start, the iCalendar
RECURRENCE-ID) may be *overridden* (another person, optionally other times) or *swapped*
with another occurrence (the two people exchange them); both are kept as *changes* keyed
``<rotation>@<occurrence start>``, the latest word winning.

The reducer keeps the tables (:class:`Tables`) and calls :func:`add_rotation`,
:func:`add_override` and :func:`add_swap`, which return a reason when the event is
refused (unknown centre, end before start, a bad RRULE, an occurrence that does not
exist, an overlapping shift of the same person) and change nothing then.  Views ask
:func:`shifts`, :func:`on_duty` and :func:`gaps` with the wall clock.

Bounds and honest limits: a rotation repeats at most daily; the overlap check looks
:data:`CHECK_DAYS` days ahead from where two rotations both run (a clash further out is
not seen) and ignores the working-day filter (it needs the calendar, which is
configuration, not state: a rotation on working days only is checked as if it ran every
day of its rule, which can refuse but never admit too much).  A person is their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Literal, TypedDict, get_args

from dateutil.rrule import DAILY, rrule, rrulestr

from dashboard.clock import BEIJING, parse_local
from dashboard.units import UNIT_CODES
from dashboard.workdays import Calendar

Days = Literal["all", "workdays", "restdays"]
DAYS: tuple[Days, ...] = get_args(Days)
ROTATIONS_KEPT = 2_000
CHANGES_KEPT = 10_000
CHECK_DAYS = 62  # how far the overlap check expands two rotations
MAX_SHIFT = timedelta(days=7)  # a longer single shift is a mistake
PER_ROTATION = 2_000  # occurrences one expansion yields per rotation at most


class Rotation(TypedDict):
    id: str
    center: str
    post: str
    name: str
    phone: str | None
    dtstart: str  # ISO, Beijing time
    dtend: str
    rrule: str
    until: str | None
    days: str
    by: str | None
    ts: int


class Change(TypedDict):
    """One occurrence replaced: ``kind`` override (another person) or swap (``with`` names
    the other occurrence, ``<rotation>@<start>``)."""

    kind: str
    rotation: str
    occurrence: str
    name: str
    phone: str | None
    start: str | None
    end: str | None
    partner: str | None
    by: str | None
    reason: str | None
    ts: int


class Tables(TypedDict):
    rotations: dict[str, Rotation]
    changes: dict[str, Change]


def empty() -> Tables:
    return {"rotations": {}, "changes": {}}


@dataclass(frozen=True, slots=True)
class Shift:
    """One occurrence as it stands after overrides and swaps."""

    center: str
    post: str
    name: str
    phone: str | None
    start: datetime
    end: datetime
    rotation: str
    occurrence: str  # the rotation's own start of it (the key of a change)
    changed: str | None = None  # "override" or "swap"

    @property
    def key(self) -> str:
        return f"{self.rotation}@{self.occurrence}"


@dataclass(frozen=True, slots=True)
class Gap:
    center: str
    post: str
    start: datetime
    end: datetime


def stamp(moment: datetime) -> str:
    """The canonical text of a time: ISO in Beijing time, to the second."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _time(text: str | None, what: str) -> datetime:
    moment = parse_local(text)
    if moment is None:
        raise ValueError(f"{what} {text!r} is not an ISO-8601 time")
    return moment.replace(microsecond=0)


def known_center(center: str) -> bool:
    return center == "district" or center in UNIT_CODES


@lru_cache(maxsize=4_096)
def _rule(text: str, dtstart: str, until: str | None) -> rrule:
    """The parsed rule (memoised: parsing is the costly part of an expansion)."""
    start = _time(dtstart, "dtstart")
    if "DTSTART" in text.upper():
        raise ValueError("the rrule must not carry its own DTSTART (dtstart is a field)")
    body = text.removeprefix("RRULE:")
    try:
        rule = rrulestr(body, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"rrule {text!r} is not an RFC 5545 RRULE ({exc})") from None
    if not isinstance(rule, rrule):
        raise ValueError(f"rrule {text!r} must be one RRULE")
    if rule._freq > DAILY:  # HOURLY, MINUTELY, SECONDLY
        raise ValueError(f"rrule {text!r} repeats more often than daily")
    if until is not None:
        end = _time(until, "until")
        if end < start:
            raise ValueError(f"until {until} is before dtstart {dtstart}")
        rule = rule.replace(until=end)
    return rule


def _duration(rotation: Rotation) -> timedelta:
    return _time(rotation["dtend"], "dtend") - _time(rotation["dtstart"], "dtstart")


def _day_allowed(days: str, moment: datetime, calendar: Calendar | None) -> bool:
    if calendar is None or days == "all":
        return True
    working = calendar.is_working(moment.date())
    return working if days == "workdays" else not working


def _starts(rotation: Rotation, after: datetime, before: datetime) -> Iterator[datetime]:
    """Occurrence starts of ``rotation`` in (after, before), at most PER_ROTATION."""
    rule = _rule(rotation["rrule"], rotation["dtstart"], rotation["until"])
    for moment in islice(rule.xafter(after, inc=False), PER_ROTATION):
        if moment >= before:
            return
        yield moment


def _is_occurrence(rotation: Rotation, moment: datetime) -> bool:
    rule = _rule(rotation["rrule"], rotation["dtstart"], rotation["until"])
    return rule.after(moment - timedelta(seconds=1), inc=False) == moment


def shifts(tables: Tables, start: datetime, end: datetime, calendar: Calendar | None = None,
           rotations: Iterable[Rotation] | None = None) -> list[Shift]:
    """Every shift overlapping [start, end), changes applied, by start then centre and post."""
    out: list[Shift] = []
    changes = tables["changes"]
    for rotation in tables["rotations"].values() if rotations is None else rotations:
        length = _duration(rotation)
        for occ in _starts(rotation, start - length, end):
            if not _day_allowed(rotation["days"], occ, calendar):
                continue
            occurrence = stamp(occ)
            shift = Shift(rotation["center"], rotation["post"], rotation["name"], rotation["phone"],
                          occ, occ + length, rotation["id"], occurrence)
            change = changes.get(shift.key)
            if change is not None:
                shift = replace(
                    shift, name=change["name"], phone=change["phone"], changed=change["kind"],
                    start=_time(change["start"], "start") if change["start"] else shift.start,
                    end=_time(change["end"], "end") if change["end"] else shift.end)
            if shift.end > start and shift.start < end:
                out.append(shift)
    out.sort(key=lambda s: (s.start, s.center, s.post, s.name))
    return out


def on_duty(tables: Tables, at: datetime,
            calendar: Calendar | None = None) -> dict[tuple[str, str], list[Shift]]:
    """Who is on duty at ``at``: (centre, post) → the shifts covering it (every post that
    has a rotation is a key; an empty list is a post without anyone now)."""
    found: dict[tuple[str, str], list[Shift]] = {pos: [] for pos in posts(tables)}
    for shift in shifts(tables, at, at + timedelta(seconds=1), calendar):
        found.setdefault((shift.center, shift.post), []).append(shift)
    return found


def posts(tables: Tables) -> list[tuple[str, str]]:
    """Every (centre, post) that some rotation staffs, sorted."""
    return sorted({(r["center"], r["post"]) for r in tables["rotations"].values()})


def gaps(tables: Tables, start: datetime, end: datetime, calendar: Calendar | None = None) -> list[Gap]:
    """The stretches of [start, end) in which a post has no one, post by post."""
    covered: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {pos: [] for pos in posts(tables)}
    for shift in shifts(tables, start, end, calendar):
        covered.setdefault((shift.center, shift.post), []).append((shift.start, shift.end))
    out: list[Gap] = []
    for (center, post), spans in sorted(covered.items()):
        cursor = start
        for first, last in sorted(spans):
            if first > cursor:
                out.append(Gap(center, post, cursor, min(first, end)))
            cursor = max(cursor, last)
            if cursor >= end:
                break
        if cursor < end:
            out.append(Gap(center, post, cursor, end))
    return out


# ---------------------------------------------------------------- validation and changes


def _clash(tables: Tables, name: str, start: datetime, end: datetime, touched: set[str]) -> str | None:
    """An overlap of ``name``'s shifts in [start, end) that involves a touched rotation id or
    occurrence key; its description, or None."""
    mine = [s for s in shifts(tables, start, end) if s.name == name]
    for i, first in enumerate(mine):
        for second in mine[i + 1:]:
            if second.start >= first.end:
                break
            if touched & {first.rotation, first.key, second.rotation, second.key}:
                return (f"{name} would be on duty twice: {first.center}/{first.post} "
                        f"{stamp(first.start)}–{stamp(first.end)} and {second.center}/{second.post} "
                        f"{stamp(second.start)}–{stamp(second.end)}")
    return None


def _evict(table: dict[str, object], keep: int) -> None:
    while len(table) > keep:
        del table[next(iter(table))]


def add_rotation(tables: Tables, rotation: Rotation) -> str | None:
    """Add (or replace, same id) a rotation; the reason when it is refused."""
    if not known_center(rotation["center"]):
        return f"unknown centre '{rotation['center']}' (known: district, {', '.join(sorted(UNIT_CODES))})"
    if rotation["days"] not in DAYS:
        return f"days must be one of {', '.join(DAYS)}"
    try:
        start, end = _time(rotation["dtstart"], "dtstart"), _time(rotation["dtend"], "dtend")
        if end <= start:
            return f"the shift ends ({rotation['dtend']}) before it starts ({rotation['dtstart']})"
        if end - start > MAX_SHIFT:
            return f"a shift longer than {MAX_SHIFT.days} days ({rotation['dtstart']}–{rotation['dtend']})"
        rotation = {**rotation, "dtstart": stamp(start), "dtend": stamp(end),
                    "until": stamp(_time(rotation["until"], "until")) if rotation["until"] else None}
        _rule(rotation["rrule"], rotation["dtstart"], rotation["until"])
    except ValueError as exc:
        return str(exc)
    candidate: Tables = {"rotations": {**tables["rotations"], rotation["id"]: rotation},
                         "changes": tables["changes"]}
    for other in candidate["rotations"].values():
        if other["name"] != rotation["name"] or other["id"] == rotation["id"]:
            continue
        begin = max(start, _time(other["dtstart"], "dtstart"))
        reason = _clash(candidate, rotation["name"], begin, begin + timedelta(days=CHECK_DAYS),
                        {rotation["id"]})
        if reason:
            return reason
    tables["rotations"].pop(rotation["id"], None)
    tables["rotations"][rotation["id"]] = rotation
    _evict(tables["rotations"], ROTATIONS_KEPT)  # type: ignore[arg-type]
    return None


def _occurrence(tables: Tables, rotation_id: str, occurrence: str) -> tuple[Shift | None, str | None]:
    """The shift of one occurrence as it stands (changes applied), or the reason it is not one."""
    rotation = tables["rotations"].get(rotation_id)
    if rotation is None:
        return None, f"no rotation '{rotation_id[:80]}'"
    try:
        moment = _time(occurrence, "occurrence")
    except ValueError as exc:
        return None, str(exc)
    if not _is_occurrence(rotation, moment):
        return None, f"{stamp(moment)} is not an occurrence of rotation '{rotation_id[:80]}'"
    found = [s for s in shifts(tables, moment, moment + timedelta(seconds=1), rotations=[rotation])
             if s.occurrence == stamp(moment)]
    if not found:  # an override moved it away from its own start
        found = [s for s in shifts(tables, moment - MAX_SHIFT, moment + MAX_SHIFT, rotations=[rotation])
                 if s.occurrence == stamp(moment)]
    return (found[0], None) if found else (None, f"{stamp(moment)} is not an occurrence")


def occurrence_record(tables: Tables, key: str) -> dict[str, object] | None:
    """The shift of ``<rotation>@<occurrence>`` as a duty record (the console's drawer and
    its reveal read it like a ``duty.shift``), or None when there is no such occurrence."""
    rotation_id, sep, occurrence = key.rpartition("@")
    if not sep:
        return None
    shift, _ = _occurrence(tables, rotation_id, occurrence)
    if shift is None:
        return None
    return {"id": key, "center": shift.center, "post": shift.post, "name": shift.name, "phone": shift.phone,
            "start": stamp(shift.start), "end": stamp(shift.end), "ts": None}


def _put(tables: Tables, change: Change) -> None:
    key = f"{change['rotation']}@{change['occurrence']}"
    tables["changes"].pop(key, None)
    tables["changes"][key] = change
    _evict(tables["changes"], CHANGES_KEPT)  # type: ignore[arg-type]


def _candidate(tables: Tables, *changes: Change) -> Tables:
    merged = dict(tables["changes"])
    for change in changes:
        merged[f"{change['rotation']}@{change['occurrence']}"] = change
    return {"rotations": tables["rotations"], "changes": merged}


def add_override(tables: Tables, change: Change) -> str | None:
    """Replace one occurrence (another person, optionally other times); a reason if refused."""
    shift, reason = _occurrence(tables, change["rotation"], change["occurrence"])
    if shift is None:
        return reason
    try:
        start = _time(change["start"], "start") if change["start"] else shift.start
        end = _time(change["end"], "end") if change["end"] else shift.end
    except ValueError as exc:
        return str(exc)
    if end <= start:
        return f"the shift ends ({stamp(end)}) before it starts ({stamp(start)})"
    change = {**change, "kind": "override", "occurrence": shift.occurrence,
              "start": stamp(start) if change["start"] else None,
              "end": stamp(end) if change["end"] else None}
    key = f"{change['rotation']}@{change['occurrence']}"
    clash = _clash(_candidate(tables, change), change["name"], start - MAX_SHIFT, end + MAX_SHIFT, {key})
    if clash:
        return clash
    _put(tables, change)
    return None


def add_swap(tables: Tables, first: Change, second: Change) -> str | None:
    """Two people exchange two occurrences (``first`` and ``second`` name the occurrences;
    their persons are looked up); a reason if refused."""
    a, reason = _occurrence(tables, first["rotation"], first["occurrence"])
    if a is None:
        return reason
    b, reason = _occurrence(tables, second["rotation"], second["occurrence"])
    if b is None:
        return reason
    if a.key == b.key:
        return "a swap needs two different occurrences"
    if a.name == b.name:
        return f"both occurrences are {a.name}'s: nothing to swap"
    to_a: Change = {**first, "kind": "swap", "occurrence": a.occurrence, "name": b.name, "phone": b.phone,
                    "start": stamp(a.start) if a.changed else None,
                    "end": stamp(a.end) if a.changed else None, "partner": b.key}
    to_b: Change = {**second, "kind": "swap", "occurrence": b.occurrence, "name": a.name, "phone": a.phone,
                    "start": stamp(b.start) if b.changed else None,
                    "end": stamp(b.end) if b.changed else None, "partner": a.key}
    candidate = _candidate(tables, to_a, to_b)
    for shift, name in ((a, b.name), (b, a.name)):
        clash = _clash(candidate, name, shift.start - MAX_SHIFT, shift.end + MAX_SHIFT, {a.key, b.key})
        if clash:
            return clash
    _put(tables, to_a)
    _put(tables, to_b)
    return None

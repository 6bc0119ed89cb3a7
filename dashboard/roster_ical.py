"""Duty rosters as iCalendar files (RFC 5545), both ways.  No I/O: text in, events out.

One centre per file.  A rotation is a VEVENT with ``UID`` (the rotation id), ``DTSTART``
and ``DTEND`` (or ``DURATION``) of its first shift, an optional ``RRULE`` (no RRULE: one
shift), the post in ``X-CN-POST`` (else ``SUMMARY``) and the person in ``ATTENDEE;CN=王伟:
tel:13900001111`` (or ``X-CN-NAME`` / ``X-CN-PHONE``); ``X-CN-DAYS: workdays`` or ``restdays``
keeps it to the district calendar's working or rest days.  One occurrence staffed by
someone else is a VEVENT with the same UID and a ``RECURRENCE-ID`` (the occurrence's start):
it becomes a ``duty.override``.  An export writes swaps that way too, so a re-imported file
has the same people at the same times (as overrides).  Times: ``TZID=Asia/Shanghai``, UTC
or floating (read as Beijing time); all-day dates are refused.

:func:`read` returns the events and the problems, each naming the line of the file:
icalendar's own parse errors (it keeps them per property) placed on the property's line,
and this module's checks (a missing attendee, an EXDATE, an end before the start).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import icalendar
import orjson

from dashboard.clock import BEIJING
from dashboard.roster import DAYS, Tables, known_center, stamp

PRODID = "-//Changning command centre//duty roster//ZH"
_UNSUPPORTED = ("EXDATE", "RDATE", "EXRULE")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class _Block:
    """Where one VEVENT's lines are: its BEGIN line and each property's first line."""

    begin: int
    lines: dict[str, int]


def _scan(text: str) -> tuple[list[_Block], list[Problem]]:
    """The file's VEVENT blocks with line numbers, and structural problems (unbalanced
    BEGIN/END), reading unfolded content lines as RFC 5545 §3.1 folds them."""
    blocks: list[_Block] = []
    stack: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line[:1] in " \t":
            continue
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()
        value = line.split(":", 1)[1].strip().upper() if ":" in line else ""
        if name == "BEGIN":
            stack.append((value, number))
            if value == "VEVENT":
                blocks.append(_Block(number, {}))
        elif name == "END":
            if not stack or stack[-1][0] != value:
                opened = f"{stack[-1][0]} of line {stack[-1][1]}" if stack else "nothing"
                return blocks, [Problem(number, f"END:{value} closes {opened}")]
            stack.pop()
        elif stack and stack[-1][0] == "VEVENT" and blocks:
            blocks[-1].lines.setdefault(name, number)
    return blocks, [Problem(number, f"BEGIN:{component} is never closed") for component, number in stack]


def _moment(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=BEIJING) if value.tzinfo is None else value
        return moment.astimezone(BEIJING)
    if isinstance(value, date):
        raise ValueError(f"{what} is a whole day ({value.isoformat()}): a shift needs a time")
    raise ValueError(f"{what} is not a date-time")


def _person(event: icalendar.Event) -> tuple[str | None, str | None]:
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):
        attendee = attendee[0]
    name = str(event.get("X-CN-NAME") or "") or None
    phone = str(event.get("X-CN-PHONE") or "") or None
    if attendee is not None:
        name = name or attendee.params.get("CN")
        value = str(attendee)
        if value.lower().startswith("tel:"):
            phone = phone or value[4:] or None
    return name, phone


def _rule(event: icalendar.Event) -> tuple[str, str | None]:
    """The RRULE text without UNTIL, and UNTIL as a Beijing time (a date: its last second)."""
    recur = event.get("RRULE")
    if recur is None:
        return "FREQ=DAILY;COUNT=1", None
    if isinstance(recur, list):
        raise ValueError("more than one RRULE")
    parts = dict(recur)
    until_values = parts.pop("UNTIL", None)
    until = None
    if until_values:
        value = until_values[0]
        if not isinstance(value, datetime):
            value = datetime.combine(value, datetime.max.time().replace(microsecond=0), BEIJING)
        until = stamp(_moment(value, "UNTIL"))
    text = icalendar.vRecur(parts).to_ical().decode()
    return text, until


def _event_id(kind: str, data: dict[str, Any]) -> str:
    """The same VEVENT imported twice is one event (docs/events.md, exactly-once)."""
    digest = hashlib.sha256(orjson.dumps([kind, data], option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"ical-{digest[:24]}"


def _vevent(event: icalendar.Event, center: str, block: _Block) -> dict[str, Any]:
    """One VEVENT as a duty.roster or duty.override event; ValueError(line, message) otherwise."""
    def fail(prop: str | None, message: str) -> ValueError:
        return ValueError(block.lines.get(prop or "", block.begin), message)

    for prop, message in event.errors:
        raise fail(prop, f"{prop or 'content line'}: {message}")
    for prop in _UNSUPPORTED:
        if prop in event:
            raise fail(prop, f"{prop} is not supported: write the changed occurrence as a "
                             f"VEVENT with RECURRENCE-ID")
    uid = str(event.get("UID") or "")
    if not uid:
        raise fail(None, "VEVENT without UID")
    own = str(event.get("X-CN-CENTER") or center)
    if own != center:
        raise fail("X-CN-CENTER", f"X-CN-CENTER is {own}, the import is for {center}")
    if "DTSTART" not in event:
        raise fail(None, "VEVENT without DTSTART")
    try:
        start = _moment(event.decoded("DTSTART"), "DTSTART")
        if "DTEND" in event:
            end, at = _moment(event.decoded("DTEND"), "DTEND"), "DTEND"
        elif "DURATION" in event:
            end, at = start + event.decoded("DURATION"), "DURATION"
        else:
            raise fail(None, "VEVENT without DTEND or DURATION")
    except ValueError as exc:
        if len(exc.args) == 2:
            raise
        raise fail("DTSTART", str(exc)) from None
    if end <= start:
        raise fail(at, f"the shift ends ({stamp(end)}) before it starts ({stamp(start)})")
    name, phone = _person(event)
    if not name:
        raise fail("ATTENDEE", "no person: give ATTENDEE;CN=<name> (or X-CN-NAME)")
    post = str(event.get("X-CN-POST") or event.get("SUMMARY") or "")
    data: dict[str, Any]
    if "RECURRENCE-ID" in event:
        try:
            occurrence = _moment(event.decoded("RECURRENCE-ID"), "RECURRENCE-ID")
        except ValueError as exc:
            raise fail("RECURRENCE-ID", str(exc)) from None
        data = {"rotation_id": uid, "occurrence": stamp(occurrence), "name": name, "phone": phone,
                "start": stamp(start), "end": stamp(end), "by": "ical"}
        kind = "duty.override"
    else:
        if not post:
            raise fail(None, "no post: give X-CN-POST (or SUMMARY)")
        days = str(event.get("X-CN-DAYS") or "all")
        if days not in DAYS:
            raise fail("X-CN-DAYS", f"X-CN-DAYS must be one of {', '.join(DAYS)}")
        try:
            rrule, until = _rule(event)
        except (ValueError, TypeError) as exc:
            raise fail("RRULE", f"RRULE: {exc}") from None
        data = {"rotation_id": uid, "center": center, "post": post, "name": name, "phone": phone,
                "dtstart": stamp(start), "dtend": stamp(end), "rrule": rrule, "until": until,
                "days": days, "by": "ical"}
        kind = "duty.roster"
    data = {k: v for k, v in data.items() if v is not None}
    return {"type": kind, "id": _event_id(kind, data), "source": "ical", "data": data,
            **({} if center == "district" else {"street": center})}


def read(text: str, center: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The events of an iCalendar file for ``center`` (rotations first, then overrides),
    and every problem found, each naming its line.  Import only when problems is empty."""
    if not known_center(center):
        return [], [Problem(0, f"unknown centre '{center}'")]
    blocks, problems = _scan(text)
    if problems:
        return [], problems
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        return [], [Problem(1, f"not an iCalendar file ({str(exc).splitlines()[0]})")]
    found: list[dict[str, Any]] = []
    for event, block in zip(calendar.walk("VEVENT"), blocks, strict=False):
        assert isinstance(event, icalendar.Event)
        try:
            found.append(_vevent(event, center, block))
        except ValueError as exc:
            line, message = exc.args if len(exc.args) == 2 else (block.begin, str(exc))
            problems.append(Problem(line, message))
    found.sort(key=lambda e: e["type"] != "duty.roster")
    return found, problems


def write(tables: Tables, center: str) -> bytes:
    """The centre's rotations and their changed occurrences as one iCalendar file."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", f"duty roster {center}")
    calendar.add("X-WR-TIMEZONE", "Asia/Shanghai")
    rotations = [r for r in tables["rotations"].values() if r["center"] == center]
    for rotation in rotations:
        event = _person_event(rotation["id"], rotation["post"], rotation["name"], rotation["phone"],
                              datetime.fromisoformat(rotation["dtstart"]),
                              datetime.fromisoformat(rotation["dtend"]), rotation["ts"])
        recur = icalendar.vRecur.from_ical(rotation["rrule"].removeprefix("RRULE:"))
        if rotation["until"]:
            recur["UNTIL"] = [datetime.fromisoformat(rotation["until"]).astimezone(UTC)]
        if rotation["rrule"] != "FREQ=DAILY;COUNT=1" or rotation["until"]:
            event.add("RRULE", recur)
        if rotation["days"] != "all":
            event.add("X-CN-DAYS", rotation["days"])
        calendar.add_component(event)
        length = datetime.fromisoformat(rotation["dtend"]) - datetime.fromisoformat(rotation["dtstart"])
        for change in tables["changes"].values():
            if change["rotation"] != rotation["id"]:
                continue
            occurrence = datetime.fromisoformat(change["occurrence"])
            start = datetime.fromisoformat(change["start"]) if change["start"] else occurrence
            end = datetime.fromisoformat(change["end"]) if change["end"] else occurrence + length
            moved = _person_event(rotation["id"], rotation["post"], change["name"], change["phone"],
                                  start, end, change["ts"])
            moved.add("RECURRENCE-ID", occurrence.astimezone(BEIJING))
            moved.add("X-CN-CHANGE", change["kind"])
            calendar.add_component(moved)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _person_event(uid: str, post: str, name: str, phone: str | None, start: datetime,
                  end: datetime, ts: int) -> icalendar.Event:
    """A VEVENT; DTSTAMP is the event time of the rotation or change (the same roster
    exports to the same bytes)."""
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", datetime.fromtimestamp(ts / 1000, UTC))
    event.add("DTSTART", start.astimezone(BEIJING))
    event.add("DTEND", end.astimezone(BEIJING))
    event.add("SUMMARY", f"{post} {name}")
    event.add("X-CN-POST", post)
    attendee = icalendar.vCalAddress(f"tel:{phone}" if phone else "tel:")
    attendee.params["CN"] = name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    event.add("ATTENDEE", attendee)
    return event

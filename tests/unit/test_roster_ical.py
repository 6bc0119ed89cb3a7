"""Duty rosters as iCalendar files (dashboard/roster_ical.py): problems name their line; round trip."""

from __future__ import annotations

from datetime import datetime

from dashboard import roster, roster_ical
from dashboard.clock import BEIJING
from dashboard.events import event_from_dict
from dashboard.state import State, apply

GOOD = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//roster//ZH
BEGIN:VEVENT
UID:hq-day-zhao
DTSTART;TZID=Asia/Shanghai:20261201T083000
DTEND;TZID=Asia/Shanghai:20261201T170000
RRULE:FREQ=DAILY;UNTIL=20261231T000000Z
SUMMARY:值班员 赵敏
X-CN-POST:值班员
X-CN-DAYS:workdays
ATTENDEE;CN=赵敏:tel:13900001111
END:VEVENT
BEGIN:VEVENT
UID:hq-night
DTSTART:20261201T120000Z
DURATION:PT12H
RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR
SUMMARY:值班长
ATTENDEE;CN=钱
 多多:tel:13900002222
END:VEVENT
BEGIN:VEVENT
UID:hq-day-zhao
RECURRENCE-ID;TZID=Asia/Shanghai:20261203T083000
DTSTART;TZID=Asia/Shanghai:20261203T083000
DTEND;TZID=Asia/Shanghai:20261203T170000
X-CN-NAME:孙丽
END:VEVENT
END:VCALENDAR
"""


def test_a_file_becomes_rotations_then_overrides() -> None:
    """Two rotations (TZID, UTC with DURATION, a folded ATTENDEE) and one RECURRENCE-ID override."""
    events, problems = roster_ical.read(GOOD, "hongqiao")
    assert problems == []
    assert [e["type"] for e in events] == ["duty.roster", "duty.roster", "duty.override"]
    night = events[1]["data"]
    assert (night["name"], night["phone"], night["post"]) == ("钱多多", "13900002222", "值班长")
    assert (night["dtstart"], night["dtend"]) == ("2026-12-01T20:00:00+08:00", "2026-12-02T08:00:00+08:00")
    day = events[0]["data"]
    assert (day["until"], day["days"], day["rrule"]) == ("2026-12-31T08:00:00+08:00", "workdays",
                                                         "FREQ=DAILY")
    assert events[2]["data"]["occurrence"] == "2026-12-03T08:30:00+08:00"
    assert all(event_from_dict(e).street == "hongqiao" for e in events)


def test_a_broken_file_names_its_lines() -> None:
    """icalendar's own errors and this module's checks each say the line of the file."""
    broken = (GOOD.replace("RRULE:FREQ=DAILY;UNTIL=20261231T000000Z", "RRULE:FREQ=DAILY;INTERVAL=x")
              .replace("DURATION:PT12H", "DTEND:20261201T080000Z")
              .replace("X-CN-NAME:孙丽\n", ""))
    _, problems = roster_ical.read(broken, "hongqiao")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (8, "RRULE"), (17, "the shift ends (2026-12-01T16"), (23, "no person")]
    assert str(problems[0]).startswith("line 8: RRULE: ")


def test_an_unclosed_component_and_an_exdate_are_refused_at_their_line() -> None:
    """BEGIN:VEVENT never closed; EXDATE (changes are RECURRENCE-ID events here)."""
    _, problems = roster_ical.read(GOOD.replace("END:VEVENT\n", "", 1), "hongqiao")
    assert [str(p) for p in problems] == ["line 29: END:VCALENDAR closes VEVENT of line 4"]
    _, problems = roster_ical.read(GOOD.removesuffix("END:VCALENDAR\n"), "hongqiao")
    assert [str(p) for p in problems] == ["line 1: BEGIN:VCALENDAR is never closed"]
    _, problems = roster_ical.read(GOOD.replace("X-CN-DAYS:workdays", "EXDATE:20261202T003000Z"), "hongqiao")
    assert [(p.line, p.message[:30]) for p in problems] == [(11, "EXDATE is not supported: write")]


def test_export_then_import_gives_the_same_roster() -> None:
    """A roster with an UNTIL, a working-day rotation, an override and a swap survives the round trip."""
    state = State()
    events, _ = roster_ical.read(GOOD, "hongqiao")
    swap = {"type": "duty.swap", "data": {"rotation_id": "hq-day-zhao",
                                          "occurrence": "2026-12-04T08:30:00+08:00",
                                          "other_rotation_id": "hq-day-zhao",
                                          "other_occurrence": "2026-12-03T08:30:00+08:00"}}
    for n, event in enumerate([*events, swap], 1):
        apply(state, f"{n}-0", event_from_dict({**event, "ts": 1_796_000_000_000}))
    assert state.rejections == []
    exported = roster_ical.write(state.roster, "hongqiao")
    again, problems = roster_ical.read(exported.decode(), "hongqiao")
    assert problems == []
    copy = State()
    for n, event in enumerate(again, 1):
        apply(copy, f"{n}-0", event_from_dict({**event, "ts": 1_796_000_000_000}))
    start, end = datetime(2026, 11, 30, tzinfo=BEIJING), datetime(2027, 1, 10, tzinfo=BEIJING)

    def table(s: State) -> list[tuple[object, ...]]:
        return [(x.center, x.post, x.name, x.phone, x.start, x.end)
                for x in roster.shifts(s.roster, start, end)]
    assert table(copy) == table(state)
    assert [x.name for x in roster.shifts(copy.roster, datetime(2026, 12, 3, 9, tzinfo=BEIJING),
                                          datetime(2026, 12, 5, 0, tzinfo=BEIJING))
            if x.post == "值班员"] == ["赵敏", "孙丽"]
    vevents = roster_ical.write(copy.roster, "hongqiao").count(b"BEGIN:VEVENT")
    assert vevents == exported.count(b"BEGIN:VEVENT") == 4

"""Working days on the editable calendar (dashboard/workdays.py, data/calendar.toml) and
the 12345 deadlines counted on them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from dashboard import holidays
from dashboard.clock import BEIJING
from dashboard.workdays import CalendarError, DeadlineRule, deadline, load_calendar

CAL = load_calendar()
DAYS = {1: 1, 2: 5, 3: 15}


def at(text: str) -> int:
    """Epoch ms of a Beijing wall-clock time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp() * 1000)


def test_the_2026_notice_is_in_the_calendar() -> None:
    """国务院办公厅 2026 notice: the seven holidays and the six make-up working days."""
    assert len([d for d in CAL.holidays if d.year == 2026]) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(d.isoformat() for d in CAL.workdays if d.year == 2026) == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    assert CAL.day_kind(date(2026, 10, 10)) == "working"  # a Saturday
    assert CAL.day_kind(date(2026, 10, 5)) == "holiday"
    assert CAL.day_kind(date(2026, 10, 11)) == "weekend"


def test_holidays_callers_read_the_same_calendar() -> None:
    assert CAL.holidays == holidays.HOLIDAYS and CAL.workdays == holidays.MAKE_UP_DAYS
    assert holidays.day_kind(date(2026, 2, 28)) == "working"


def test_a_deadline_across_national_day_and_its_make_up_saturday() -> None:
    """Registered Tue 29 Sep 2026, 5 working days: 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (调休上班),
    12 Oct; due at the end of 12 Oct, near-due from the start of 10 Oct."""
    due = deadline(CAL, at("2026-09-29T15:00"), 2, DAYS, 1)
    assert due.day == "2026-10-12"
    assert due.due_ms == at("2026-10-13T00:00")
    assert due.near_ms == at("2026-10-10T00:00")
    # the emergency limit: one working day, over the Mid-Autumn weekend and the holiday week
    assert deadline(CAL, at("2026-09-30T09:00"), 1, DAYS, 1).day == "2026-10-08"
    # 20 Sep is a working Sunday: registered the Saturday before, due that Sunday
    assert deadline(CAL, at("2026-09-19T10:00"), 1, DAYS, 1).day == "2026-09-20"


def test_an_approved_extension_moves_the_deadline() -> None:
    due = deadline(CAL, at("2026-09-29T15:00"), 2, DAYS, 1, extended_until="2026-10-20")
    assert due.day == "2026-10-20" and due.near_ms == at("2026-10-19T00:00")


def test_near_and_overdue_by_the_clock() -> None:
    rule = DeadlineRule(CAL, DAYS, 1)
    ticket = {"status": "signed", "created": at("2026-09-29T15:00"), "urgency": 2}
    due = rule.of(ticket)
    assert due is not None
    assert rule.flag(due, at("2026-10-09T23:59")) is None
    assert rule.flag(due, at("2026-10-10T08:00")) == "near"
    assert rule.flag(due, at("2026-10-12T23:59")) == "near"
    assert rule.flag(due, at("2026-10-13T00:00")) == "overdue"
    assert rule.of({**ticket, "status": "closed"}) is None
    assert DeadlineRule(CAL, {1: 1, 2: 2, 3: 3}, 0).of(ticket).day == "2026-10-08"  # type: ignore[union-attr]


def test_a_year_without_an_entry_is_flagged_not_counted_as_weekdays() -> None:
    assert CAL.gaps([2026]) == {}
    assert CAL.gaps([2026, 2027, 2028]) == {2027: "provisional", 2028: "missing"}
    rule = DeadlineRule(CAL, DAYS, 1)
    assert rule.gaps([at("2026-12-30T10:00")], at("2026-12-30T10:00")) == {2027: "provisional"}


def test_a_bad_date_names_the_file_and_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "calendar.toml"
    bad.write_text('[years.2026]\nholidays = [\n  "2026-01-01",\n  "2026-02-30",\n]\n', encoding="utf-8")
    with pytest.raises(CalendarError, match=rf"^{bad}:4: '2026-02-30' is not a date"):
        load_calendar(bad)
    bad.write_text('[years.2026]\nworkdays = ["2027-01-02"]\n', encoding="utf-8")
    with pytest.raises(CalendarError, match=rf"^{bad}:2: '2027-01-02' is not in 2026"):
        load_calendar(bad)
    bad.write_text('[years.2026]\nholidays = ["2026-10-10"]\nworkdays = ["2026-10-10"]\n', encoding="utf-8")
    with pytest.raises(CalendarError, match="both a holiday and a working day"):
        load_calendar(bad)
    with pytest.raises(CalendarError, match="cannot read"):
        load_calendar(tmp_path / "missing.toml")


def test_a_districts_own_calendar_is_read(tmp_path: Path) -> None:
    own = tmp_path / "calendar.toml"
    own.write_text('[years.2026]\nsource = "区里的"\nholidays = ["2026-10-01/2026-10-07", "2026-12-01"]\n'
                   "workdays = []\n", encoding="utf-8")
    cal = load_calendar(own)
    assert cal.day_kind(date(2026, 12, 1)) == "holiday" and cal.day_kind(date(2026, 10, 10)) == "weekend"
    assert cal.years[2026].source == "区里的" and cal.path == str(own)

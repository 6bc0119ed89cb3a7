"""Duty rosters (dashboard/roster.py): rotations, overrides, swaps, gaps, refusals, and the reducer."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard import roster
from dashboard.clock import BEIJING
from dashboard.events import event_from_dict
from dashboard.state import State, apply
from dashboard.workdays import load_calendar
from support import events as ev


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(BEIJING)


def rotation(rid: str, name: str, dtstart: str, dtend: str, rrule: str = "FREQ=DAILY", *,
             center: str = "district", post: str = "值班长", days: str = "all",
             until: str | None = None) -> roster.Rotation:
    return {"id": rid, "center": center, "post": post, "name": name, "phone": "13900001111",
            "dtstart": dtstart, "dtend": dtend, "rrule": rrule, "until": until, "days": days,
            "by": None, "ts": 0}


def change(rid: str, occurrence: str, name: str = "", **extra: str) -> roster.Change:
    return {"kind": "override", "rotation": rid, "occurrence": occurrence, "name": name,
            "phone": None, "start": extra.get("start"), "end": extra.get("end"), "partner": None,
            "by": "admin", "reason": None, "ts": 0}


def two_person_rota() -> roster.Tables:
    """王伟 and 李娜 alternate 24-hour shifts on the district's 值班长 post from 12-01 08:00."""
    tables = roster.empty()
    assert roster.add_rotation(tables, rotation("wang", "王伟", "2026-12-01T08:00:00+08:00",
                                                "2026-12-02T08:00:00+08:00", "FREQ=DAILY;INTERVAL=2")) is None
    assert roster.add_rotation(tables, rotation("li", "李娜", "2026-12-02T08:00:00+08:00",
                                                "2026-12-03T08:00:00+08:00", "FREQ=DAILY;INTERVAL=2")) is None
    return tables


def names_on(tables: roster.Tables, when: str) -> list[str]:
    return [s.name for s in roster.on_duty(tables, at(when))[("district", "值班长")]]


def test_an_alternating_rotation_says_who_is_on_duty() -> None:
    """Every other day each, handing over at 08:00 Beijing time."""
    tables = two_person_rota()
    assert names_on(tables, "2026-12-01T09:00:00+08:00") == ["王伟"]
    assert names_on(tables, "2026-12-02T07:59:00+08:00") == ["王伟"]
    assert names_on(tables, "2026-12-02T08:00:00+08:00") == ["李娜"]
    assert names_on(tables, "2026-12-10T12:00:00+08:00") == ["李娜"]
    assert names_on(tables, "2026-11-30T12:00:00+08:00") == []


def test_a_working_day_rotation_skips_the_national_day_week_and_works_the_make_up_saturday() -> None:
    """Days 08:30–17:00 on working days: none 10-01…10-07, one on Saturday 10-10, none on 10-11."""
    tables = roster.empty()
    assert roster.add_rotation(tables, rotation("day", "赵敏", "2026-09-28T08:30:00+08:00",
                                                "2026-09-28T17:00:00+08:00", days="workdays",
                                                center="hongqiao", post="值班员")) is None
    calendar = load_calendar()
    days = [s.start.date().isoformat() for s in roster.shifts(tables, at("2026-09-28T00:00:00+08:00"),
                                                             at("2026-10-13T00:00:00+08:00"), calendar)]
    assert days == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10",
                    "2026-10-12"]
    gaps = roster.gaps(tables, at("2026-10-03T00:00:00+08:00"), at("2026-10-04T00:00:00+08:00"), calendar)
    assert [(g.center, g.post, g.start, g.end) for g in gaps] == [
        ("hongqiao", "值班员", at("2026-10-03T00:00:00+08:00"), at("2026-10-04T00:00:00+08:00"))]


def test_an_override_replaces_one_occurrence_only() -> None:
    """李娜 is ill on 12-04: 张强 stands in that day; her 12-06 shift is hers again."""
    tables = two_person_rota()
    assert roster.add_override(tables, {**change("li", "2026-12-04T08:00:00+08:00", "张强")}) is None
    assert names_on(tables, "2026-12-04T10:00:00+08:00") == ["张强"]
    assert names_on(tables, "2026-12-06T10:00:00+08:00") == ["李娜"]


def test_an_override_of_a_time_that_is_no_occurrence_is_refused() -> None:
    """12-03 08:00 is 王伟's, not 李娜's: the override names no occurrence of her rotation."""
    tables = two_person_rota()
    reason = roster.add_override(tables, change("li", "2026-12-03T08:00:00+08:00", "张强"))
    assert reason == "2026-12-03T08:00:00+08:00 is not an occurrence of rotation 'li'"
    assert tables["changes"] == {}


def test_a_swap_exchanges_two_occurrences() -> None:
    """王伟 takes 李娜's 12-04 and she takes his 12-05; the days around are unchanged."""
    tables = two_person_rota()
    reason = roster.add_swap(tables, change("wang", "2026-12-05T08:00:00+08:00"),
                             change("li", "2026-12-04T08:00:00+08:00"))
    assert reason is None
    assert names_on(tables, "2026-12-04T10:00:00+08:00") == ["王伟"]
    assert names_on(tables, "2026-12-05T10:00:00+08:00") == ["李娜"]
    assert names_on(tables, "2026-12-03T10:00:00+08:00") == ["王伟"]
    assert names_on(tables, "2026-12-06T10:00:00+08:00") == ["李娜"]
    assert {c["kind"] for c in tables["changes"].values()} == {"swap"}


def test_a_swap_that_puts_someone_on_two_posts_at_once_is_refused() -> None:
    """王伟 also works the 值班员 night of 12-04: he cannot take 李娜's 12-04 值班长 shift."""
    tables = two_person_rota()
    assert roster.add_rotation(tables, rotation("night", "王伟", "2026-12-04T20:00:00+08:00",
                                                "2026-12-05T06:00:00+08:00", "FREQ=DAILY;COUNT=1",
                                                post="值班员")) is None
    reason = roster.add_swap(tables, change("wang", "2026-12-05T08:00:00+08:00"),
                             change("li", "2026-12-04T08:00:00+08:00"))
    assert reason is not None and reason.startswith("王伟 would be on duty twice")
    assert tables["changes"] == {}


def test_gaps_are_the_hours_of_a_post_without_anyone() -> None:
    """Only 王伟's every-other-day shifts: the days between are gaps, the next 24 h named."""
    tables = roster.empty()
    assert roster.add_rotation(tables, rotation("wang", "王伟", "2026-12-01T08:00:00+08:00",
                                                "2026-12-02T08:00:00+08:00", "FREQ=DAILY;INTERVAL=2")) is None
    start = at("2026-12-01T20:00:00+08:00")
    gaps = roster.gaps(tables, start, start + timedelta(hours=24))
    assert [(g.start, g.end) for g in gaps] == [(at("2026-12-02T08:00:00+08:00"),
                                                 at("2026-12-02T20:00:00+08:00"))]
    assert roster.gaps(two_person_rota(), start, start + timedelta(hours=24)) == []


def test_an_overlapping_shift_of_the_same_person_is_refused_with_its_reason() -> None:
    """李娜 cannot also work a Hongqiao night that falls inside her 24-hour district shift."""
    tables = two_person_rota()
    reason = roster.add_rotation(tables, rotation("hq", "李娜", "2026-12-02T20:00:00+08:00",
                                                  "2026-12-03T06:00:00+08:00", center="hongqiao"))
    assert reason == ("李娜 would be on duty twice: district/值班长 2026-12-02T08:00:00+08:00–"
                      "2026-12-03T08:00:00+08:00 and hongqiao/值班长 2026-12-02T20:00:00+08:00–"
                      "2026-12-03T06:00:00+08:00")
    assert set(tables["rotations"]) == {"wang", "li"}


def test_impossible_rotations_are_refused_with_their_reasons() -> None:
    """An end before the start, an unknown centre, a rule that is no RRULE or repeats hourly."""
    tables = roster.empty()
    base = ("x", "王伟", "2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00")
    assert roster.add_rotation(tables, rotation("x", "王伟", "2026-12-01T20:00:00+08:00",
                                                "2026-12-01T08:00:00+08:00")) == (
        "the shift ends (2026-12-01T08:00:00+08:00) before it starts (2026-12-01T20:00:00+08:00)")
    reason = roster.add_rotation(tables, rotation(*base, center="pudong"))
    assert reason is not None and reason.startswith("unknown centre 'pudong'")
    reason = roster.add_rotation(tables, rotation(*base, "FREQ=FORTNIGHTLY"))
    assert reason is not None and "is not an RFC 5545 RRULE" in reason
    assert roster.add_rotation(tables, rotation(*base, "FREQ=HOURLY")) == (
        "rrule 'FREQ=HOURLY' repeats more often than daily")
    assert tables == roster.empty()


def test_the_reducer_applies_roster_events_and_keeps_refusals() -> None:
    """duty.roster, duty.override and duty.swap change the state's roster; a refused one is a rejection."""
    state = State()
    events = [
        ev.duty_roster("wang", "district", "值班长", "王伟", "2026-12-01T08:00:00+08:00",
                       "2026-12-02T08:00:00+08:00", "FREQ=DAILY;INTERVAL=2", phone="13900001111"),
        ev.duty_roster("li", "district", "值班长", "李娜", "2026-12-02T08:00:00+08:00",
                       "2026-12-03T08:00:00+08:00", "FREQ=DAILY;INTERVAL=2"),
        ev.duty_override("li", "2026-12-04T08:00:00+08:00", "张强", by="admin"),
        ev.duty_swap("wang", "2026-12-07T08:00:00+08:00", "li", "2026-12-06T08:00:00+08:00", by="admin"),
        ev.duty_roster("bad", "district", "值班员", "王伟", "2026-12-01T20:00:00+08:00",
                       "2026-12-02T06:00:00+08:00", "FREQ=DAILY"),
    ]
    for n, event in enumerate(events, 1):
        apply(state, f"{n}-0", event_from_dict({**event, "ts": 1_796_000_000_000 + n}))
    assert set(state.roster["rotations"]) == {"wang", "li"}
    assert names_on(state.roster, "2026-12-04T09:00:00+08:00") == ["张强"]
    assert names_on(state.roster, "2026-12-06T09:00:00+08:00") == ["王伟"]
    assert names_on(state.roster, "2026-12-07T09:00:00+08:00") == ["李娜"]
    assert [(r["type"], r["reason"][:25]) for r in state.rejections] == [
        ("duty.roster", "王伟 would be on duty twice")]


def test_the_wall_shows_posts_and_surnames_and_a_vacant_post() -> None:
    """On duty now: 王** on the district's 值班长; Hongqiao's 值班员 is vacant; scope filters."""
    from dashboard import roster_view

    tables = two_person_rota()
    assert roster.add_rotation(tables, rotation("hq", "欧阳娜娜", "2026-12-01T08:30:00+08:00",
                                                "2026-12-01T17:00:00+08:00", center="hongqiao",
                                                post="值班员")) is None
    noon = int(at("2026-12-01T12:00:00+08:00").timestamp() * 1000)
    assert roster_view.on_duty_wall(tables, noon, None, None) == [
        {"center": "district", "post": "值班长", "surname": "王**"},
        {"center": "hongqiao", "post": "值班员", "surname": "欧**"}]
    evening = noon + 6 * 3_600_000
    assert roster_view.on_duty_wall(tables, evening, None, "hongqiao")[1] == {
        "center": "hongqiao", "post": "值班员", "surname": None}
    assert roster_view.on_duty_wall(tables, evening, None, "jiangsulu") == [
        {"center": "district", "post": "值班长", "surname": "王**"}]


def test_a_gap_in_the_next_24_hours_is_an_inbox_alarm_until_acknowledged() -> None:
    """The Hongqiao day post is empty overnight: a roster alarm of the inbox, in scope."""
    from dashboard.console import load_console_config
    from dashboard.inbox import alarm_exists, inbox

    state = State()
    apply(state, "1-0", event_from_dict(ev.duty_roster(
        "hq", "hongqiao", "值班员", "赵敏", "2026-12-01T08:30:00+08:00", "2026-12-01T17:00:00+08:00",
        "FREQ=DAILY", street="hongqiao")))
    noon = int(at("2026-12-01T12:00:00+08:00").timestamp() * 1000)
    box = inbox(state, noon, load_console_config(), [], scope="hongqiao")
    [item] = [i for i in box["active"] if i["kind"] == "roster"]
    assert (item["key"], item["severity"], item["street"]) == ("roster:hongqiao/值班员", 3, "hongqiao")
    assert item["names"]["zh"] == "虹桥街道 值班员 无人值班：12-01 17:00 – 12-02 08:30"
    assert alarm_exists(state, "roster:hongqiao/值班员") and not alarm_exists(state, "roster:hongqiao/x")
    assert not [i for i in inbox(state, noon, load_console_config(), [], scope="jiangsulu")["active"]
                if i["kind"] == "roster"]
    apply(state, "2-0", event_from_dict({**ev.alarm_acknowledged("roster:hongqiao/值班员", "officer"),
                                         "ts": noon}))
    box = inbox(state, noon + 60_000, load_console_config(), [], scope="hongqiao")
    assert [i["key"] for i in box["acknowledged"] if i["kind"] == "roster"] == ["roster:hongqiao/值班员"]


def test_who_may_edit_a_centres_roster() -> None:
    """Admins every centre's; an officer their own scope's centre (the district's when unscoped)."""
    from dashboard.auth import Principal
    from dashboard.roster_actions import may_edit

    admin, district = Principal("user", "a", "admin"), Principal("user", "o", "officer")
    street, visitor = Principal("user", "j", "officer", scope="jiangsulu"), Principal("user", "v", "visitor")
    assert may_edit(admin, "hongqiao") and may_edit(admin, "district")
    assert may_edit(district, "district") and not may_edit(district, "hongqiao")
    assert may_edit(street, "jiangsulu") and not may_edit(street, "district")
    assert not may_edit(visitor, "district")


def test_the_console_form_becomes_the_roster_events() -> None:
    """A rotation, a stand-in and a swap from the form's fields; occurrences by their keys."""
    from dashboard.roster_actions import build_event

    event, centre = build_event("rotation", {"center": "hongqiao", "post": "值班员", "name": " 赵敏 ",
                                             "start": "2026-12-01T08:30", "end": "2026-12-01T17:00",
                                             "rrule": "", "phone": ""}, "officer")
    assert event is not None and centre == "hongqiao"
    parsed = event_from_dict(event)
    assert (parsed.type, parsed.data["name"], parsed.data["rrule"]) == ("duty.roster", "赵敏", "FREQ=DAILY")
    assert "phone" not in parsed.data
    event, _ = build_event("swap", {"occurrence": "a@2026-12-03T08:00:00+08:00",
                                    "other": "b@2026-12-04T08:00:00+08:00", "reason": "调班"}, "officer")
    assert event is not None and event_from_dict(event).data == {
        "rotation_id": "a", "occurrence": "2026-12-03T08:00:00+08:00", "other_rotation_id": "b",
        "other_occurrence": "2026-12-04T08:00:00+08:00", "by": "officer", "reason": "调班"}
    assert build_event("delete", {}, "officer") == (None, None)

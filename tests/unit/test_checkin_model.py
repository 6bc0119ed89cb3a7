"""Check-in of the post on duty (dashboard/checkin.py): the schedule, answers, misses, the reducer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard import checkin, roster
from dashboard.clock import BEIJING
from dashboard.events import event_from_dict
from dashboard.state import State, apply
from support import events as ev


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(BEIJING)


def ms(text: str) -> int:
    return int(at(text).timestamp() * 1000)


def rota() -> roster.Tables:
    """王伟 08:00–20:00 and 李娜 20:00–08:00 every day on the district's 值班员 post from 12-01."""
    tables = roster.empty()
    for rid, name, start, end in (("day", "王伟", "2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00"),
                                  ("night", "李娜", "2026-12-01T20:00:00+08:00",
                                   "2026-12-02T08:00:00+08:00")):
        assert roster.add_rotation(tables, {
            "id": rid, "center": "district", "post": "值班员", "name": name, "phone": None, "dtstart": start,
            "dtend": end, "rrule": "FREQ=DAILY", "until": None, "days": "all", "by": None, "ts": 0}) is None
    return tables


DAY = (at("2026-12-03T08:00:00+08:00"), at("2026-12-04T08:00:00+08:00"))
POST = ("district", "值班员")
SCHEDULE = checkin.Schedule(times=("09:00", "21:00"), per_shift=1, answer_min=10, seed="test")


def test_the_schedule_places_fixed_times_and_one_derived_time_per_shift() -> None:
    """A day of two shifts: 09:00 and 21:00, plus one time inside each shift, the same on every call."""
    day = checkin.planned(SCHEDULE, rota(), *DAY)
    fixed = [p for p in day if p.at.strftime("%H:%M:%S") in ("09:00:00", "21:00:00")]
    assert [p.at for p in fixed] == [at("2026-12-03T09:00:00+08:00"), at("2026-12-03T21:00:00+08:00")]
    derived = [p for p in day if p not in fixed]
    assert len(derived) == 2
    assert at("2026-12-03T08:00:00+08:00") <= derived[0].at < at("2026-12-03T19:50:00+08:00")
    assert at("2026-12-03T20:00:00+08:00") <= derived[1].at < at("2026-12-04T07:50:00+08:00")
    assert all(p.due - p.at == timedelta(minutes=10) for p in day)
    again = checkin.planned(SCHEDULE, rota(), *DAY)
    assert again == day
    other_seed = checkin.Schedule(times=(), per_shift=1, answer_min=10, seed="other")
    assert [p.at for p in checkin.planned(other_seed, rota(), *DAY)] != [p.at for p in derived]


def test_a_post_without_anyone_is_not_asked() -> None:
    """Before the roster starts there is no shift, so no request."""
    before = (at("2026-11-29T00:00:00+08:00"), at("2026-11-30T00:00:00+08:00"))
    assert checkin.planned(SCHEDULE, rota(), *before) == []


def held() -> checkin.Tables:
    tables = checkin.empty()
    assert checkin.add_request(tables, "district", "值班员", "2026-12-03T09:00:00+08:00",
                               "2026-12-03T09:10:00+08:00", 0) is None
    return tables


def test_an_answer_in_time_by_the_officer_on_duty_is_taken() -> None:
    """王伟 at 09:04 answers the 09:00 request: answered, no alarm."""
    tables = held()
    rid, reason = checkin.answer(tables, rota(), *POST, "王伟", ms("2026-12-03T09:04:00+08:00"))
    assert (rid, reason) == ("district/值班员@2026-12-03T09:00:00+08:00", None)
    request = tables["requests"][rid]
    assert request["answered_by"] == "王伟" and request["answered_at"] == "2026-12-03T09:04:00+08:00"
    assert checkin.status(request, at("2026-12-03T12:00:00+08:00")) == checkin.ANSWERED
    assert checkin.missed_alarms(tables, at("2026-12-03T12:00:00+08:00")) == []


def test_a_late_answer_is_refused_and_the_request_is_missed() -> None:
    """At 09:10 the request is due: the answer is refused, the post's alarm names 09:00."""
    tables = held()
    rid, reason = checkin.answer(tables, rota(), *POST, "王伟", ms("2026-12-03T09:10:00+08:00"))
    assert rid is None and reason is not None and "no open check-in request" in reason
    alarms = checkin.missed_alarms(tables, at("2026-12-03T09:10:00+08:00"))
    assert alarms == [{"key": "checkin:district/值班员", "center": "district", "post": "值班员",
                       "at": "2026-12-03T09:00:00+08:00", "since": ms("2026-12-03T09:10:00+08:00")}]
    assert checkin.missed_alarms(tables, at("2026-12-03T09:09:59+08:00")) == []


def test_an_answer_by_someone_not_on_duty_is_refused() -> None:
    """李娜 is on the night shift: her answer at 09:02 is refused with who is on duty."""
    tables = held()
    rid, reason = checkin.answer(tables, rota(), *POST, "李娜", ms("2026-12-03T09:02:00+08:00"))
    assert rid is None and reason == ("李娜 is not on duty at district/值班员 at 2026-12-03T09:02:00+08:00 "
                                      "(on duty: 王伟)")
    assert tables == held()


def test_the_next_answered_check_in_clears_the_missed_alarm() -> None:
    """Missed at 09:00, answered at 21:00: no alarm after 21:00's answer."""
    tables = held()
    assert checkin.add_request(tables, "district", "值班员", "2026-12-03T21:00:00+08:00",
                               "2026-12-03T21:10:00+08:00", 0) is None
    assert len(checkin.missed_alarms(tables, at("2026-12-03T21:01:00+08:00"))) == 1
    _, reason = checkin.answer(tables, rota(), *POST, "李娜", ms("2026-12-03T21:05:00+08:00"))
    assert reason is None
    assert checkin.missed_alarms(tables, at("2026-12-03T21:06:00+08:00")) == []
    whole_day = (at("2026-12-03T00:00:00+08:00"), at("2026-12-04T00:00:00+08:00"))
    assert checkin.missed_counts(tables, *whole_day) == {"district": 1}


def test_minutes_left_round_up() -> None:
    """4 min 1 s before due is 5 minutes left; past due is 0."""
    request = held()["requests"]["district/值班员@2026-12-03T09:00:00+08:00"]
    assert checkin.minutes_left(request, at("2026-12-03T09:05:59+08:00")) == 5
    assert checkin.minutes_left(request, at("2026-12-03T09:11:00+08:00")) == 0


def applied(state: State, entry: str, event: dict[str, object]) -> None:
    apply(state, entry, event_from_dict(event))


def test_the_reducer_takes_an_answer_and_refuses_one_without_a_request_leaving_the_rest_alone() -> None:
    """A refused answer is kept with its reason and changes nothing else; a taken one marks the request."""
    state = State()
    applied(state, "1-0", ev.duty_roster("day", "district", "值班员", "王伟", "2026-12-01T08:00:00+08:00",
                                         "2026-12-01T20:00:00+08:00", "FREQ=DAILY"))
    applied(state, "2-0", ev.duty_checkin("district", "值班员", "王伟", ts="2026-12-03T08:59:00+08:00"))
    assert state.rejections[-1]["reason"].startswith("no open check-in request for district/值班员")
    assert state.checkins == checkin.empty()
    applied(state, "3-0", ev.duty_checkin_request("district", "值班员", "2026-12-03T09:00:00+08:00",
                                                  "2026-12-03T09:10:00+08:00",
                                                  event_id="checkin:district/值班员@2026-12-03T09:00:00+08:00"))
    before = {k: dict(v) for k, v in state.checkins["requests"].items()}
    applied(state, "4-0", ev.duty_checkin("district", "值班员", "赵敏", ts="2026-12-03T09:01:00+08:00"))
    assert "赵敏 is not on duty" in state.rejections[-1]["reason"]
    assert state.checkins["requests"] == before
    applied(state, "5-0", ev.duty_checkin("district", "值班员", "王伟", ts="2026-12-03T09:02:00+08:00"))
    assert len(state.rejections) == 2
    assert state.checkins["requests"]["district/值班员@2026-12-03T09:00:00+08:00"]["answered_by"] == "王伟"


def test_a_request_written_twice_is_one_request() -> None:
    """Two instances write the same request id: one request."""
    state = State()
    request = ev.duty_checkin_request("district", "值班员", "2026-12-03T09:00:00+08:00",
                                      "2026-12-03T09:10:00+08:00",
                                      event_id="checkin:district/值班员@2026-12-03T09:00:00+08:00")
    applied(state, "1-0", request)
    applied(state, "2-0", request)
    assert list(state.checkins["requests"]) == ["district/值班员@2026-12-03T09:00:00+08:00"]


def test_a_bad_schedule_time_fails_loudly() -> None:
    """25:00 is no time of day."""
    with pytest.raises(ValueError):
        checkin.Schedule.parse("09:00,25:00", 1, 10, "s")


def test_a_missed_check_in_is_an_inbox_alarm_until_acknowledged_or_answered() -> None:
    """Hongqiao's 09:00 request unanswered at 09:10: an alarm with its time, in the street's scope;
    acknowledged it moves to the acknowledged list; the next answered check-in clears it."""
    from dashboard.console import load_console_config
    from dashboard.inbox import alarm_exists, inbox

    state = State()
    applied(state, "1-0", ev.duty_roster("hq", "hongqiao", "值班员", "赵敏", "2026-12-01T08:00:00+08:00",
                                         "2026-12-01T20:00:00+08:00", "FREQ=DAILY", street="hongqiao"))
    applied(state, "2-0", ev.duty_checkin_request("hongqiao", "值班员", "2026-12-03T09:00:00+08:00",
                                                  "2026-12-03T09:10:00+08:00"))
    config = load_console_config()
    assert not [i for i in inbox(state, ms("2026-12-03T09:05:00+08:00"), config, [])["active"]
                if i["kind"] == "checkin"]
    box = inbox(state, ms("2026-12-03T09:11:00+08:00"), config, [], scope="hongqiao")
    [item] = [i for i in box["active"] if i["kind"] == "checkin"]
    assert (item["key"], item["street"], item["since"]) == ("checkin:hongqiao/值班员", "hongqiao",
                                                            ms("2026-12-03T09:10:00+08:00"))
    assert item["names"]["zh"] == "虹桥街道 值班员 查岗未应答：12-03 09:00:00"
    assert alarm_exists(state, "checkin:hongqiao/值班员") and not alarm_exists(state, "checkin:hongqiao/x")
    elsewhere = inbox(state, ms("2026-12-03T09:11:00+08:00"), config, [], scope="jiangsulu")
    assert not [i for i in elsewhere["active"] if i["kind"] == "checkin"]
    applied(state, "3-0", {**ev.alarm_acknowledged("checkin:hongqiao/值班员", "officer"),
                           "ts": ms("2026-12-03T09:12:00+08:00")})
    box = inbox(state, ms("2026-12-03T09:13:00+08:00"), config, [])
    assert [i["key"] for i in box["acknowledged"] if i["kind"] == "checkin"] == ["checkin:hongqiao/值班员"]
    applied(state, "4-0", ev.duty_checkin_request("hongqiao", "值班员", "2026-12-03T15:00:00+08:00",
                                                  "2026-12-03T15:10:00+08:00"))
    applied(state, "5-0", ev.duty_checkin("hongqiao", "值班员", "赵敏", ts="2026-12-03T15:01:00+08:00"))
    box = inbox(state, ms("2026-12-03T15:02:00+08:00"), config, [])
    assert not [i for key in ("active", "acknowledged") for i in box[key] if i["kind"] == "checkin"]


def test_the_scheduler_writes_open_requests_not_yet_held_with_their_deterministic_id() -> None:
    """At 09:03 the 09:00 request is written once (id checkin:…@09:00); at 09:10 it is too late."""
    from dashboard.checkin_scheduler import due_events

    state = State()
    applied(state, "1-0", ev.duty_roster("day", "district", "值班员", "王伟", "2026-12-01T08:00:00+08:00",
                                         "2026-12-01T20:00:00+08:00", "FREQ=DAILY"))
    schedule = checkin.Schedule(times=("09:00",), per_shift=0, answer_min=10)
    [event] = due_events(schedule, state, at("2026-12-03T09:03:00+08:00"))
    assert event["id"] == "checkin:district/值班员@2026-12-03T09:00:00+08:00"
    assert event["ts"] == ms("2026-12-03T09:00:00+08:00")
    assert event["data"] == {"center": "district", "post": "值班员", "at": "2026-12-03T09:00:00+08:00",
                             "due": "2026-12-03T09:10:00+08:00"}
    assert due_events(schedule, state, at("2026-12-03T09:10:00+08:00")) == []
    apply(state, "2-0", event_from_dict(event))
    assert due_events(schedule, state, at("2026-12-03T09:04:00+08:00")) == []


def test_a_check_in_request_cues_the_duty_area_of_the_consoles_in_its_scope() -> None:
    """A Hongqiao request: its street's and the district's consoles get a patch cueing duty,
    Jiangsu Road's does not."""
    import asyncio

    from tests.unit.test_hub import feed, frames, hub_with_client

    async def body() -> dict[str | None, list[list[str]]]:
        cues: dict[str | None, list[list[str]]] = {}
        for scope in (None, "hongqiao", "jiangsulu"):
            hub, client, state = hub_with_client(scope)
            feed(hub, state, ev.duty_checkin_request("hongqiao", "值班员", "2026-12-03T09:00:00+08:00",
                                                     "2026-12-03T09:10:00+08:00", street="hongqiao"))
            hub.flush()
            cues[scope] = [f.get("cue", []) for f in frames(client) if f["t"] == "patch"]
        return cues
    cues = asyncio.run(body())
    assert any("duty" in cue for cue in cues[None]) and any("duty" in cue for cue in cues["hongqiao"])
    assert not any("duty" in cue for cue in cues["jiangsulu"])

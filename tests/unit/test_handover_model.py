"""Issue 16 part 2: the demo roster, the handover events and the handover draft."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard import handover, roster
from dashboard.clock import BEIJING
from dashboard.events import event_from_dict
from dashboard.simulator_roster import demo_centres, demo_roster
from dashboard.state import State, apply, digest
from support import events as ev


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_the_demo_roster_staffs_every_centre_around_the_clock_with_no_one_twice() -> None:
    """Every centre's 值班长 and 值班员 have someone at every hour of four days; no refusal."""
    start = ms("2026-12-03T10:15:00+08:00")
    state = State()
    for n, event in enumerate(demo_roster(start, seed=7), 1):
        apply(state, f"{n}-0", event_from_dict(event))
    assert list(state.rejections) == []
    assert len(state.roster["rotations"]) == len(demo_centres()) * 2 * 4
    begin = datetime(2026, 12, 3, 0, 0, tzinfo=BEIJING)
    assert roster.gaps(state.roster, begin, begin + timedelta(days=4)) == []
    now = roster.on_duty(state.roster, datetime(2026, 12, 3, 10, 15, tzinfo=BEIJING))
    assert set(now) == {(c, p) for c in demo_centres() for p in ("值班长", "值班员")}
    assert all(len(shifts) == 1 for shifts in now.values())
    night = roster.on_duty(state.roster, datetime(2026, 12, 3, 23, 0, tzinfo=BEIJING))
    assert night[("district", "值班长")][0].name != now[("district", "值班长")][0].name
    names = [r["name"] for r in state.roster["rotations"].values()]
    assert len(set(names)) == len(names)


def test_the_demo_roster_is_deterministic_and_replaced_by_a_restart() -> None:
    """The same seed and day give the same events; a restart's events replace the rotations."""
    first = demo_roster(ms("2026-12-03T10:15:00+08:00"), seed=7)
    assert first == demo_roster(ms("2026-12-03T10:15:00+08:00"), seed=7)
    state = State()
    later = demo_roster(ms("2026-12-05T09:00:00+08:00"), seed=7)
    for n, event in enumerate(first + [{**e, "id": e["id"] + "-2"} for e in later], 1):
        apply(state, f"{n}-0", event_from_dict(event))
    assert list(state.rejections) == []
    assert len(state.roster["rotations"]) == len(first)


# ---------------------------------------------------------------- events and refusals


DAY = "2026-12-01T08:00:00+08:00"
EVE = "2026-12-01T20:00:00+08:00"
NEXT = "2026-12-02T08:00:00+08:00"


def rota_state() -> tuple[State, list[int]]:
    """The district's 值班长: 王伟 08:00–20:00, 李娜 20:00–08:00, every day; Hongqiao's 值班员
    赵敏 08:00–20:00.  Returns the state and a counter for entry ids."""
    state = State()
    counter = [0]
    for event in (
        ev.duty_roster("day", "district", "值班长", "王伟", DAY, EVE, "FREQ=DAILY"),
        ev.duty_roster("night", "district", "值班长", "李娜", EVE, NEXT, "FREQ=DAILY"),
        ev.duty_roster("hq", "hongqiao", "值班员", "赵敏", DAY, EVE, "FREQ=DAILY"),
    ):
        feed(state, counter, event, ms(DAY) - 3_600_000)
    return state, counter


def feed(state: State, counter: list[int], event: dict, ts: int) -> None:
    counter[0] += 1
    apply(state, f"{ts}-{counter[0]}", event_from_dict({**event, "ts": ts}))


def handover_event(hid: str = "h1", *, center: str = "district", post: str = "值班长", from_: str = "王伟",
                   to: str = "李娜", start: str = DAY, end: str = EVE) -> dict:
    return ev.duty_handover(hid, center, post, from_, to, start, end, "交接班小结", open_items=["inc-1"],
                            by="officer")


def test_a_handover_from_the_officer_on_duty_to_the_incoming_one_is_kept_and_acknowledged() -> None:
    state, n = rota_state()
    feed(state, n, handover_event(), ms("2026-12-01T19:50:00+08:00"))
    record = state.handovers["h1"]
    assert (record["from_name"], record["to_name"], record["acked_by"]) == ("王伟", "李娜", None)
    assert record["open_items"] == ["inc-1"] and record["ts"] == ms("2026-12-01T19:50:00+08:00")
    feed(state, n, ev.duty_handover_ack("h1", "李娜", account="officer2"), ms("2026-12-01T20:05:00+08:00"))
    assert (state.handovers["h1"]["acked_by"], state.handovers["h1"]["acked_ts"]) == (
        "李娜", ms("2026-12-01T20:05:00+08:00"))
    assert list(state.rejections) == []


def test_refused_handovers_name_their_reason_and_change_nothing_else() -> None:
    """Not on duty at that centre, not that shift, the wrong incoming officer, too early,
    too late, twice: each refused with its reason; the state is as before but the rejections."""
    state, n = rota_state()
    feed(state, n, handover_event(), ms("2026-12-01T19:50:00+08:00"))
    before = state.handovers.copy(), digest_without_rejections(state)
    cases = [
        (handover_event("h2", center="hongqiao", post="值班员", to="赵敏"), "19:50",
         "王伟 is not on duty at hongqiao/值班员"),
        (handover_event("h3", from_="李娜", to="王伟"), "19:50", "李娜 is not on duty at district/值班长"),
        (handover_event("h4", to="张强"), "19:55",
         "张强 is not on duty at district/值班长 at 2026-12-01T20:00:00+08:00 (on duty: 李娜)"),
        (handover_event("h5", end=NEXT), "19:55", "王伟 is not on duty"),
        (handover_event("h6", start="2026-12-02T08:00:00+08:00", end="2026-12-02T20:00:00+08:00"), "19:55",
         "the shift at district/值班长 has not started"),
        (handover_event("h1"), "19:58", "handover h1 was submitted before"),
        (handover_event("h8", center="nowhere"), "19:58", "unknown centre 'nowhere'"),
        (handover_event("h7"), "+1 00:01",
         "the shift at district/值班长 ended at 2026-12-01T20:00:00+08:00, too long ago"),
    ]
    for event, hm, _ in cases:
        day, _, hm = hm.rpartition(" ")
        feed(state, n, event, ms(f"2026-12-0{2 if day else 1}T{hm}:00+08:00"))
    for (_, _, reason), rejection in zip(cases, state.rejections, strict=True):
        assert rejection["type"] == "duty.handover" and rejection["reason"].startswith(reason), rejection
    assert (state.handovers, digest_without_rejections(state)) == before


def test_an_acknowledgement_by_anyone_but_the_incoming_officer_or_twice_is_refused() -> None:
    state, n = rota_state()
    feed(state, n, handover_event(), ms("2026-12-01T19:50:00+08:00"))
    for event in (ev.duty_handover_ack("h1", "张强"), ev.duty_handover_ack("h1", "王伟"),
                  ev.duty_handover_ack("nope", "李娜")):
        feed(state, n, event, ms("2026-12-01T20:01:00+08:00"))
    assert state.handovers["h1"]["acked_by"] is None
    feed(state, n, ev.duty_handover_ack("h1", "李娜"), ms("2026-12-01T20:02:00+08:00"))
    feed(state, n, ev.duty_handover_ack("h1", "李娜"), ms("2026-12-01T20:03:00+08:00"))
    assert [r["reason"] for r in state.rejections] == [
        "only the incoming officer 李娜 may acknowledge it, not 张强",
        "only the incoming officer 李娜 may acknowledge it, not 王伟",
        "no handover 'nope'",
        "handover h1 was acknowledged already by 李娜",
    ]
    assert state.handovers["h1"]["acked_ts"] == ms("2026-12-01T20:02:00+08:00")


def test_an_unacknowledged_handover_waits_for_its_limit() -> None:
    state, n = rota_state()
    feed(state, n, handover_event(), ms("2026-12-01T19:50:00+08:00"))
    assert handover.unacknowledged(state.handovers, ms("2026-12-01T20:19:00+08:00"), 30) == []
    late = handover.unacknowledged(state.handovers, ms("2026-12-01T20:20:00+08:00"), 30)
    assert [r["id"] for r in late] == ["h1"]
    feed(state, n, ev.duty_handover_ack("h1", "李娜"), ms("2026-12-01T20:21:00+08:00"))
    assert handover.unacknowledged(state.handovers, ms("2026-12-01T21:00:00+08:00"), 30) == []


def digest_without_rejections(state: State) -> str:
    from dataclasses import replace as copy

    return digest(copy(state, rejections=[], applied=0, last_id="0-0", dedup=State().dedup, sources={}))


# ---------------------------------------------------------------- the draft


def at_(hm: str) -> int:
    return ms(f"2026-12-01T{hm}:00+08:00")


def planted_shift() -> State:
    """A known day shift (08:00–20:00) with cases before, in and after it (hand-placed)."""
    state, n = rota_state()
    close = ("acknowledged", "dispatched", "resolved", "verified", "closed")
    plan: list[tuple[str, dict]] = [
        ("06:00", ev.incident_reported("inc-old", street="hongqiao")),
        ("07:00", ev.incident_reported("inc-late", street="jiangsulu")),
        ("07:00", ev.hotline_ticket("t2", street="hongqiao")),
        ("09:00", ev.incident_reported("inc-a", street="jiangsulu")),
        ("09:30", ev.hotline_ticket("t1", street="jiangsulu")),
        ("10:00", ev.incident_reported("inc-b", street="hongqiao")),
        ("11:00", ev.sensor_alarm("s1", street="hongqiao", event_id="al-1")),
        ("11:30", ev.sensor_alarm("s2", street="jiangsulu", event_id="al-2")),
        ("11:40", ev.sensor_cleared("s2", street="jiangsulu")),
        ("12:00", ev.hotline_ticket("t1", status="closed", street="jiangsulu")),
    ]
    for hour, case, unit in (("10", "inc-late", "hongqiao"), ("15", "inc-a", "jiangsulu")):
        plan += [(f"{hour}:{10 + i}",
                  ev.incident_step(step, case, unit=unit if step == "dispatched" else None))
                 for i, step in enumerate(close)]
    plan += [("20:30", ev.incident_reported("inc-next", street="jiangsulu"))]  # after the shift
    for hm, event in sorted(plan, key=lambda item: item[0]):
        feed(state, n, event, at_(hm))
    assert list(state.rejections) == []
    return state


def test_the_draft_of_a_known_shift_lists_what_happened_and_what_is_open() -> None:
    state = planted_shift()
    got = handover.draft(state, "district", at_("08:00"), at_("20:00"), at_("20:45"),
                         overdue={"t2": "hongqiao"}, silent=["radar"], notes="  二号门禁待修 ")
    assert {k: got[k] for k in handover.DRAFT_PARTS} == {
        "incidents_opened": ["inc-a", "inc-b"],
        "incidents_closed": ["inc-a", "inc-late"],
        "incidents_open": ["inc-b", "inc-next", "inc-old"],
        "alarms_active": ["al-1"],
        "tickets_opened": ["t1"],
        "tickets_closed": ["t1"],
        "tickets_overdue": ["t2"],
        "sources_silent": ["radar"],
    }
    assert got["notes"] == "二号门禁待修"
    assert got["open_items"] == ["inc-b", "inc-next", "inc-old", "al-1", "t2"]
    street = handover.draft(state, "hongqiao", at_("08:00"), at_("20:00"), at_("20:45"),
                            overdue={"t2": "hongqiao"})
    assert {k: street[k] for k in handover.DRAFT_PARTS} == {
        "incidents_opened": ["inc-b"], "incidents_closed": [], "incidents_open": ["inc-b", "inc-old"],
        "alarms_active": ["al-1"], "tickets_opened": [], "tickets_closed": [],
        "tickets_overdue": ["t2"], "sources_silent": [],
    }
    text = handover.summary_text(got, "zh")
    assert text.splitlines() == [
        "交接班小结（12-01 08:00 – 12-01 20:00）",
        "本班新发事件 2 起：inc-a、inc-b",
        "本班办结事件 2 起：inc-a、inc-late",
        "当前未结事件 3 起：inc-b、inc-next、inc-old",
        "当前活动告警 1 条：al-1",
        "本班新增12345工单 1 件：t1",
        "本班办结12345工单 1 件：t1",
        "超时12345工单 1 件：t2",
        "中断的数据源 1 个：radar",
        "值班备注：二号门禁待修",
    ]
    assert handover.summary_text(got, "en").splitlines()[1] == "Incidents opened this shift: 2: inc-a, inc-b"


def test_an_unacknowledged_handover_is_an_inbox_alarm_cleared_by_the_ack() -> None:
    """handover:district appears 30 min after the submission (not before), names the
    outgoing officer masked, and leaves the inbox with the incoming officer's ack."""
    from dashboard.console import load_console_config
    from dashboard.inbox import alarm_exists, inbox

    state, n = rota_state()
    feed(state, n, handover_event(), ms("2026-12-01T19:50:00+08:00"))

    def handover_items(at: str, scope: str | None = None) -> list[dict]:
        box = inbox(state, ms(at), load_console_config(), [], scope=scope, handover_ack_min=30)
        return [i for i in box["active"] + box["acknowledged"] if i["kind"] == "handover"]

    assert handover_items("2026-12-01T20:19:00+08:00") == []
    [item] = handover_items("2026-12-01T20:20:00+08:00")
    assert (item["key"], item["state"], item["severity"]) == ("handover:district", "unacknowledged", 2)
    assert item["title"] == "全区 交接班未确认（王* 于 12-01 19:50 提交）"
    assert handover_items("2026-12-01T20:20:00+08:00", scope="hongqiao") == []
    assert "王伟" not in str(item)
    assert alarm_exists(state, "handover:district") and not alarm_exists(state, "handover:hongqiao")
    feed(state, n, ev.duty_handover_ack("h1", "李娜"), ms("2026-12-01T20:25:00+08:00"))
    assert handover_items("2026-12-01T20:26:00+08:00") == []

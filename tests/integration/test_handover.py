"""Handover (交接班) with a real Redis and a real dashboard: events in the log → the draft of
a known shift; submit → the log's print view says waiting → ack → acknowledged; an
unacknowledged handover is an inbox alarm after 30 minutes until the ack; a refused
handover changes nothing but the rejections."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import redis

from dashboard import handover
from dashboard.bus import Bus, connect_for
from dashboard.clock import BEIJING
from dashboard.config import load_settings
from dashboard.console import load_console_config
from dashboard.inbox import inbox
from dashboard.roster_cli import current_state
from dashboard.state import State
from support import events as ev
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for


def replica_state(redis_url: str) -> State:
    """The state as an instance builds it from the log in Redis."""
    settings = load_settings(environ={"CN_REDIS_URL": redis_url})

    async def read() -> State:
        bus = Bus(connect_for(settings), settings)
        try:
            return await current_state(bus, settings)
        finally:
            await bus.redis.aclose()

    return asyncio.run(read())


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def shift_roster(start: datetime) -> list[dict[str, Any]]:
    """The district's 值班长: 王伟 on the 12 h shift from ``start``, 李娜 on the next, daily."""
    iso = lambda m: m.isoformat()  # noqa: E731
    half = start + timedelta(hours=12)
    return [
        ev.duty_roster("day", "district", "值班长", "王伟", iso(start), iso(half), "FREQ=DAILY",
                       ts=ms(start)),
        ev.duty_roster("night", "district", "值班长", "李娜", iso(half), iso(half + timedelta(hours=12)),
                       "FREQ=DAILY", ts=ms(start)),
    ]


def test_events_in_the_log_give_the_draft_of_a_known_shift(redis_url: str, rclient: redis.Redis) -> None:
    """Incidents and tickets before, in and after a shift, written to the real log: the draft
    read from the replica's state lists exactly the hand-computed ones."""
    start = datetime(2026, 12, 1, 8, tzinfo=BEIJING)
    at = lambda h, m=0: ms(start.replace(hour=h, minute=m))  # noqa: E731
    steps = ("acknowledged", "dispatched", "resolved", "verified", "closed")
    events = [
        *shift_roster(start),
        ev.incident_reported("i-before", street="hongqiao", ts=at(7)),
        ev.incident_reported("i-in", street="jiangsulu", ts=at(9)),
        *[ev.incident_step(step, "i-in", unit="x" if step == "dispatched" else None, ts=at(10, n))
          for n, step in enumerate(steps)],
        ev.incident_reported("i-open", street="hongqiao", ts=at(11)),
        ev.hotline_ticket("t-in", street="jiangsulu", ts=at(12)),
        ev.sensor_alarm("s-1", street="hongqiao", event_id="al-1", ts=at(13)),
        ev.incident_reported("i-after", street="jiangsulu", ts=at(20, 30)),
    ]
    xadd_all(rclient, events)
    state = replica_state(redis_url)
    got = handover.draft(state, "district", at(8), at(20), at(20, 45))
    assert {k: got[k] for k in handover.DRAFT_PARTS} == {
        "incidents_opened": ["i-in", "i-open"], "incidents_closed": ["i-in"],
        "incidents_open": ["i-after", "i-before", "i-open"], "alarms_active": ["al-1"],
        "tickets_opened": ["t-in"], "tickets_closed": [], "tickets_overdue": [], "sources_silent": [],
    }
    street = handover.draft(state, "hongqiao", at(8), at(20), at(20, 45))
    assert (street["incidents_opened"], street["incidents_open"]) == (["i-open"], ["i-before", "i-open"])


def test_submit_wait_alarm_ack_through_the_log_and_the_print_view(
        redis_url: str, rclient: redis.Redis, dashboard: DashboardProcess) -> None:
    """A handover written to the log shows in the print view as waiting (names masked); 30
    minutes on it is the inbox alarm handover:district; the incoming officer's ack clears
    it and the print view says who acknowledged it and when."""
    now = datetime.now(BEIJING).replace(microsecond=0)
    start = now - timedelta(hours=11, minutes=50)  # 王伟's shift ends in 10 minutes
    end = start + timedelta(hours=12)
    before = dashboard.applied()
    events = [*shift_roster(start),
              ev.duty_handover("h-int", "district", "值班长", "王伟", "李娜", start.isoformat(),
                               end.isoformat(), "交接班小结\n当前未结事件 0 起", by="officer", ts=ms(now))]
    xadd_all(rclient, events)
    dashboard.wait_applied(before + len(events))
    officer = dashboard.session("officer")
    page = officer.get("/api/handover-print", params={"q": "未结事件"})
    assert page.status_code == 200 and "待接班确认" in page.text
    assert "交班 王* → 接班 李*" in page.text and "王伟" not in page.text and "李娜" not in page.text
    assert "暂无交接班记录" in officer.get("/api/handover-print", params={"q": "没有这段话"}).text

    state = replica_state(redis_url)

    def alarms(at: datetime, s: State) -> list[str]:
        box = inbox(s, ms(at), load_console_config(), [], handover_ack_min=30)
        return [i["key"] for i in box["active"] if i["kind"] == "handover"]
    assert alarms(now + timedelta(minutes=29), state) == []
    assert alarms(now + timedelta(minutes=31), state) == ["handover:district"]

    xadd_all(rclient, [ev.duty_handover_ack("h-int", "李娜", account="officer", ts=ms(now) + 60_000)])
    dashboard.wait_applied(before + len(events) + 1)
    assert alarms(now + timedelta(minutes=31), replica_state(redis_url)) == []
    wait_for(lambda: "已确认：李*" in officer.get("/api/handover-print").text, timeout=10,
             message="the print view shows the acknowledgement")
    assert "待接班确认" not in officer.get("/api/handover-print").text
    assert dashboard.session("jiangsu").get("/api/handover-print").status_code == 200
    assert officer.get("/api/handover-print", params={"center": "hongqiao"}).text.count('class="entry"') == 0


def test_a_refused_handover_changes_nothing_but_the_rejections(redis_url: str, rclient: redis.Redis) -> None:
    """李娜 is not on the day shift: her handover of it is refused with the reason; the
    handovers, the roster and everything else are as before."""
    start = datetime(2026, 12, 1, 8, tzinfo=BEIJING)
    end = (start + timedelta(hours=12)).isoformat()
    xadd_all(rclient, [*shift_roster(start),
                       ev.duty_handover("h-ok", "district", "值班长", "王伟", "李娜", start.isoformat(), end,
                                        "好", ts=ms(start) + 11 * 3_600_000)])
    before = replica_state(redis_url)
    xadd_all(rclient, [
        ev.duty_handover("h-bad", "district", "值班长", "李娜", "王伟", start.isoformat(), end, "不该通过",
                         ts=ms(start) + 11 * 3_600_000),
        ev.duty_handover_ack("h-ok", "王伟", ts=ms(start) + 12 * 3_600_000),
    ])
    after = replica_state(redis_url)
    assert [r["reason"] for r in after.rejections] == [
        "李娜 is not on duty at district/值班长 2026-12-01T08:00:00+08:00–2026-12-01T20:00:00+08:00",
        "only the incoming officer 李娜 may acknowledge it, not 王伟"]
    assert after.handovers == before.handovers and after.roster == before.roster
    assert (after.incidents, after.alarms, after.duty) == (before.incidents, before.alarms, before.duty)

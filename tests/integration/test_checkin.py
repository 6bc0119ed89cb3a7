"""Check-in (查岗) with a real Redis and a real dashboard: the scheduler's request → 确认在岗
from the officer's session (audited); a refused confirmation writes nothing; a missed
request → the inbox alarm, on the state the running instance holds (same digest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import redis

from dashboard import state as st
from dashboard.auth import UserStore
from dashboard.clock import BEIJING
from dashboard.console import load_console_config
from dashboard.events import event_from_dict
from dashboard.inbox import inbox
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for

LOG, AUDIT = "cn:events", "cn:audit"
API = "/console/m/api/checkin"


def _rotation(name: str, post: str = "值班员", center: str = "district") -> dict[str, Any]:
    start = datetime.now(BEIJING).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return {"type": "duty.roster", "data": {
        "rotation_id": f"{center}-{post}-{name}", "center": center, "post": post, "name": name,
        "dtstart": start.isoformat(), "dtend": (start + timedelta(hours=6)).isoformat(),
        "rrule": "FREQ=DAILY"}}


def _signed_in(dashboard: DashboardProcess, user: str) -> httpx.Client:
    store = UserStore(dashboard.users_file)
    if user not in store.current().users:
        store.add_user(user, "officer", f"{user}-pass-1")
    client = httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False)
    client.get("/login")
    answer = client.post("/login", data={"user": user, "password": f"{user}-pass-1", "next": "/console/m",
                                         "csrf": client.cookies["_csrf_token"]})
    assert answer.status_code == 303, answer.text
    return client


def _events(rclient: redis.Redis, kind: str) -> list[dict[str, Any]]:
    return [e for e in (orjson.loads(f[b"event"]) for _, f in rclient.xrange(LOG)) if e["type"] == kind]


def _audits(rclient: redis.Redis, action: str) -> list[dict[bytes, bytes]]:
    return [f for _, f in rclient.xrange(AUDIT) if f.get(b"action") == action.encode()]


def _confirm(client: httpx.Client, request_id: str) -> dict[str, Any]:
    answer = client.post(API, json={"request_id": request_id},
                         headers={"X-CSRFToken": client.cookies["_csrf_token"]})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_scheduled_request_is_confirmed_by_the_officer_on_duty(rclient: redis.Redis,
                                                                 dashboards: Any) -> None:
    """The scheduler asks 值班员 at this minute; 王伟 (on duty) sees the prompt and confirms it: one
    duty.checkin, the request answered, the attempt audited."""
    xadd_all(rclient, [_rotation("王伟")])
    minute = datetime.now(BEIJING).strftime("%H:%M")
    dashboard = dashboards(CN_CHECKIN_TIMES=minute, CN_CHECKIN_TICK_S="1")
    [request] = wait_for(lambda: _events(rclient, "duty.checkin_request"), 30,
                         message="the scheduler's request")
    assert request["id"] == f"checkin:{request['data']['center']}/值班员@{request['data']['at']}"
    assert request["data"]["at"].endswith(f"T{minute}:00+08:00")
    wang = _signed_in(dashboard, "王伟")
    shown = wait_for(lambda: wang.get(API).json()["requests"], 30, message="the prompt")
    assert [r["id"] for r in shown] == [f"district/值班员@{request['data']['at']}"]
    assert shown[0]["text"].startswith("查岗：请确认在岗（") and shown[0]["minutes_left"] >= 1
    done = _confirm(wang, shown[0]["id"])
    assert done == {"ok": True, "message": "已确认在岗"}
    [answer] = _events(rclient, "duty.checkin")
    assert answer["data"] == {"center": "district", "post": "值班员", "name": "王伟"}
    assert wang.get(API).json()["requests"] == []
    [audit] = _audits(rclient, "checkin.confirm")
    assert (audit[b"who"].decode(), audit[b"outcome"], audit[b"target"].decode()) == (
        "王伟", b"ok", "checkin:district/值班员")


def test_a_confirmation_by_someone_not_on_duty_is_refused_and_writes_nothing(rclient: redis.Redis,
                                                                            dashboards: Any) -> None:
    """李娜 is not on duty at 值班员: no prompt for her, her confirmation refused with the reason and
    audited; the log is as before, the request still open for 王伟."""
    now = datetime.now(BEIJING).replace(microsecond=0)
    at = now - timedelta(minutes=1)
    request_id = f"district/值班员@{at.isoformat()}"
    xadd_all(rclient, [_rotation("王伟"), {
        "type": "duty.checkin_request", "id": f"checkin:{request_id}", "ts": int(at.timestamp() * 1000),
        "data": {"center": "district", "post": "值班员", "at": at.isoformat(),
                 "due": (at + timedelta(minutes=10)).isoformat()}}])
    dashboard = dashboards()
    dashboard.wait_applied(2)
    li = _signed_in(dashboard, "李娜")
    assert li.get(API).json()["requests"] == []
    length = rclient.xlen(LOG)
    done = _confirm(li, request_id)
    assert done["ok"] is False and "李娜 is not on duty at district/值班员" in done["message"]
    assert rclient.xlen(LOG) == length
    [audit] = _audits(rclient, "checkin.confirm")
    assert (audit[b"who"], audit[b"outcome"]) == ("李娜".encode(), b"refused")
    wang = _signed_in(dashboard, "王伟")
    assert [r["id"] for r in wang.get(API).json()["requests"]] == [request_id]


def test_a_missed_request_is_an_inbox_alarm_on_the_instances_state(rclient: redis.Redis,
                                                                   dashboards: Any) -> None:
    """A request due a minute ago without an answer: the state the instance holds (its digest) has
    the inbox alarm checkin:hongqiao/值班员 with the request's time."""
    now = datetime.now(BEIJING).replace(microsecond=0)
    at = now - timedelta(minutes=11)
    xadd_all(rclient, [_rotation("赵敏", center="hongqiao"), {
        "type": "duty.checkin_request", "id": f"checkin:hongqiao/值班员@{at.isoformat()}",
        "street": "hongqiao", "ts": int(at.timestamp() * 1000),
        "data": {"center": "hongqiao", "post": "值班员", "at": at.isoformat(),
                 "due": (at + timedelta(minutes=10)).isoformat()}}])
    dashboard = dashboards()
    health = dashboard.wait_applied(2)
    state = st.State()
    for entry_id, fields in rclient.xrange(LOG):
        st.apply(state, entry_id.decode(), event_from_dict(orjson.loads(fields[b"event"])))
    assert dashboard.health(digest=True)["digest"] == st.digest(state), health
    box = inbox(state, int(now.timestamp() * 1000), load_console_config(), [], scope="hongqiao")
    [alarm] = [item for item in box["active"] if item["kind"] == "checkin"]
    assert alarm["key"] == "checkin:hongqiao/值班员"
    assert alarm["names"]["zh"] == f"虹桥街道 值班员 查岗未应答：{at:%m-%d %H:%M:%S}"


def test_an_account_named_apart_from_the_roster_answers_as_its_roster_person(rclient: redis.Redis,
                                                                             dashboards: Any) -> None:
    """The account wangw is the roster's 王伟 (``users set-person``): before the link it has no
    prompt; after it (signed in again: the change ended its sessions) it sees 王伟's request and
    confirms it — duty.checkin names 王伟, the audit names the account wangw."""
    now = datetime.now(BEIJING).replace(microsecond=0)
    at = now - timedelta(minutes=1)
    request_id = f"district/值班员@{at.isoformat()}"
    xadd_all(rclient, [_rotation("王伟"), {
        "type": "duty.checkin_request", "id": f"checkin:{request_id}", "ts": int(at.timestamp() * 1000),
        "data": {"center": "district", "post": "值班员", "at": at.isoformat(),
                 "due": (at + timedelta(minutes=10)).isoformat()}}])
    dashboard = dashboards()
    dashboard.wait_applied(2)
    assert _signed_in(dashboard, "wangw").get(API).json()["requests"] == []
    UserStore(dashboard.users_file).set_person("wangw", "王伟")
    wangw = wait_for(lambda: _signed_in(dashboard, "wangw"), 30, message="a session after the change")
    shown = wait_for(lambda: wangw.get(API).json()["requests"], 30, message="the prompt of 王伟")
    assert [r["id"] for r in shown] == [request_id]
    assert _confirm(wangw, request_id)["ok"] is True
    [answer] = _events(rclient, "duty.checkin")
    assert answer["data"] == {"center": "district", "post": "值班员", "name": "王伟"}
    [audit] = _audits(rclient, "checkin.confirm")
    assert (audit[b"who"], audit[b"outcome"]) == (b"wangw", b"ok")

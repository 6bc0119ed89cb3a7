"""The officers' phone page for 12345 work orders (/console/m, dashboard/phone_api.py)
against the real app and a real redis-server: whose tickets each officer gets, in which
order, every step and refusal in words, bad input, masking, and that its JSON is served
by the console worker.

One dashboard for the module (``shared_dashboard``); each test uses tickets and units of
its own, so what one leaves in the state does not touch another's assertions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis

from dashboard.auth import UserStore
from dashboard.workdays import DeadlineRule
from support.events import hotline_step, hotline_ticket, now_ms
from support.log import xadd
from support.processes import DashboardProcess, wait_for

BEIJING = ZoneInfo("Asia/Shanghai")
API = "/console/m/api/tickets"
#: phone users: (name, unit, scope), each with the password ``<name>-pass-1``
PHONE_USERS = (("jianguan", "区建管委", None), ("shuiwu", "区水务所", None),
               ("lvhua", "区绿化市容局", None), ("hq", None, "hongqiao"))


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp() * 1000)


@pytest.fixture(scope="module")
def phone(shared_dashboard: DashboardProcess) -> DashboardProcess:
    store = UserStore(shared_dashboard.users_file)
    for name, unit, scope in PHONE_USERS:
        if name not in store.current().users:
            store.add_user(name, "officer", f"{name}-pass-1", scope=scope, unit=unit)
    return shared_dashboard


def signed_in(dashboard: DashboardProcess, user: str, password: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False)
    client.get("/login")
    answer = client.post("/login", data={"user": user, "password": password or f"{user}-pass-1",
                                         "next": "/console/m", "csrf": client.cookies["_csrf_token"]})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/m"
    return client


def step(client: httpx.Client, ticket_id: str, lang: str = "zh", **body: Any) -> dict[str, Any]:
    answer = client.post(f"{API}/{ticket_id}?lang={lang}", json=body,
                         headers={"X-CSRFToken": client.cookies["_csrf_token"]})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def listed(client: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = client.get(API, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def seed(rclient: redis.Redis, dashboard: DashboardProcess, tickets: list[dict[str, Any]],
         units: dict[str, str]) -> None:
    """Register ``tickets`` and dispatch each one named in ``units`` to its unit."""
    for event in tickets:
        xadd(rclient, event)
    for ticket_id, unit in units.items():
        xadd(rclient, hotline_step("dispatched", ticket_id, by="dispatcher", version=1, unit=unit))
    last = list(units) or [tickets[-1]["data"]["ticket_id"]]
    officer = dashboard.session("officer")
    wait_for(lambda: all(officer.get(f"{API}/{t}").status_code == 200 for t in last), 30,
             message="tickets applied")
    officer.close()


def audit(rclient: redis.Redis) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in rclient.xrange("cn:audit")]


def test_each_officer_gets_their_units_tickets_and_no_other(phone: DashboardProcess,
                                                            module_redis: Any) -> None:
    rclient = redis.Redis.from_url(module_redis.url)
    now = now_ms()
    seed(rclient, phone, [hotline_ticket("s-jg", street="jiangsulu", summary="工地夜间施工", ts=now),
                          hotline_ticket("s-hq1", street="hongqiao", summary="井盖松动", ts=now),
                          hotline_ticket("s-hq2", street="hongqiao", summary="楼道堆物", ts=now),
                          hotline_ticket("s-new", street="hongqiao", summary="待派的", ts=now)],
         {"s-jg": "区建管委", "s-hq1": "虹桥街道分中心", "s-hq2": "hongqiao"})
    jianguan, hq, officer = signed_in(phone, "jianguan"), signed_in(phone, "hq"), phone.session("officer")
    assert [r["id"] for r in listed(jianguan)["rows"]] == ["s-jg"]
    hq_ids = {r["id"] for r in listed(hq, limit=200)["rows"]}
    assert {"s-hq1", "s-hq2"} <= hq_ids and "s-jg" not in hq_ids and "s-new" not in hq_ids
    district = {r["id"] for r in listed(officer, limit=200)["rows"]}
    assert {"s-jg", "s-hq1", "s-hq2", "s-new"} <= district  # the district: every open ticket

    # another unit's ticket: not shown, and a step on it refused in words, audited, not written
    looked = jianguan.get(f"{API}/s-hq1")
    assert looked.status_code == 403 and looked.json()["error"] == "不在您的管辖范围内"
    entries = rclient.xlen("cn:events")
    refused = step(jianguan, "s-hq1", button="sign", version=2)
    assert refused["ok"] is False and refused["message"] == "未执行：不在您的管辖范围内"
    assert refused["ticket"] is None
    assert step(jianguan, "s-hq1", "en", button="sign", version=2)["message"] == "Refused: Not in your scope"
    assert rclient.xlen("cn:events") == entries
    mine = [e for e in audit(rclient) if e["target"] == "ticket:s-hq1"]
    tried = [(e["action"], e["who"], e["outcome"]) for e in mine]
    assert tried[-2:] == [("ticket.sign", "jianguan", "refused")] * 2
    assert any(e["action"] == "ticket.look" and e["outcome"] == "refused" for e in mine)
    # the street officer signs their centre's ticket
    signed = step(hq, "s-hq1", button="sign", version=2)
    assert signed["ok"] and signed["message"] == "已完成：签收" and signed["ticket"]["status"] == "signed"
    for client in (jianguan, hq, officer):
        client.close()


def test_the_list_is_by_deadline_across_the_national_day_holiday(phone: DashboardProcess,
                                                                 module_redis: Any) -> None:
    """Overdue first, then near-due, then the rest, each by its deadline in working days on
    the calendar: a ticket of 30 September is due after one of 9 October (国庆节 and its
    make-up Saturday, dashboard/data/calendar.toml)."""
    rclient = redis.Redis.from_url(module_redis.url)
    now = now_ms()
    tickets = [
        hotline_ticket("o-sep24", street="xinhualu", urgency=2, summary="中秋前", ts=ms("2026-09-24T10:00")),
        hotline_ticket("o-sep30", street="xinhualu", urgency=2, summary="国庆前", ts=ms("2026-09-30T10:00")),
        hotline_ticket("o-oct09", street="xinhualu", urgency=1, summary="节后", ts=ms("2026-10-09T10:00")),
        hotline_ticket("o-normal", street="xinhualu", urgency=3, summary="普通", ts=now),
        hotline_ticket("o-urgent", street="xinhualu", urgency=1, summary="紧急", ts=now),
    ]
    seed(rclient, phone, tickets, {t["data"]["ticket_id"]: "区水务所" for t in tickets})
    client = signed_in(phone, "shuiwu")
    body = listed(client)
    rows = body["rows"]
    assert [r["id"] for r in rows] == ["o-sep24", "o-oct09", "o-sep30", "o-urgent", "o-normal"]
    assert [r["deadline"] for r in rows[:3]] == ["2026-10-09", "2026-10-10", "2026-10-13"]
    assert [r["flag_text"] for r in rows] == ["超期", "超期", "超期", "临期", ""]
    rule = DeadlineRule()
    due = rule.of({"status": "dispatched", "created": now, "urgency": 3})
    assert due is not None and rows[4]["deadline"] == due.day
    assert rows[0]["street_name"] == "新华路街道" and rows[0]["status_text"] == "已派单"
    assert body["total"] == 5 and body["count_text"] == "共 5 件，按时限排列"
    english = listed(client, lang="en")["rows"]
    assert english[0]["street_name"] == "Xinhua Rd" and english[0]["flag_text"] == "Overdue"
    # pages: two at a time, the same order
    pages = [listed(client, offset=o, limit=2)["rows"] for o in (0, 2, 4)]
    assert [r["id"] for page in pages for r in page] == [r["id"] for r in rows]
    client.close()


def test_every_phone_step_and_its_refusals_in_words(phone: DashboardProcess, module_redis: Any) -> None:
    rclient = redis.Redis.from_url(module_redis.url)
    seed(rclient, phone, [hotline_ticket("a-1", street="jiangsulu", summary="违章搭建", ts=now_ms())],
         {"a-1": "区建管委"})
    client = signed_in(phone, "jianguan")
    card = client.get(f"{API}/a-1").json()
    assert card["version"] == 2 and card["buttons"] == ["sign", "return", "extend"]
    assert [s["step_text"] for s in card["timeline"]] == ["受理", "派单"]
    assert card["timeline"][1]["by"] == "dispatcher" and card["timeline"][1]["words"] == "区建管委"

    no_reason = step(client, "a-1", button="return", version=2, text="  ")
    assert no_reason["message"] == "未执行：退单须填写原因" and no_reason["ticket"]["version"] == 2
    assert step(client, "a-1", "en", button="return", version=2)["message"] == (
        "Refused: A reason is needed to return")
    bad_date = step(client, "a-1", button="extend", version=2, until="2026-13-01")
    assert bad_date["message"] == "未执行：延期日期无效：2026-13-01"
    assert step(client, "a-1", button="extend", version=2, until="")["message"] == (
        "未执行：延期须填写日期或作出审批")
    signed = step(client, "a-1", button="sign", version=2)
    assert signed["ok"] and signed["version"] == 3
    assert signed["ticket"]["buttons"] == ["reply", "return", "extend"]
    stale = step(client, "a-1", button="reply", version=2, text="已处理")
    assert stale["ok"] is False and stale["message"].startswith("未执行：该工单已被他人先行处理（现为版本 3")
    assert step(client, "a-1", button="reply", version=3)["message"] == "未执行：办结须填写答复内容"
    extended = step(client, "a-1", button="extend", version=3, until="2026-12-30", text="需协调物业")
    assert extended["ok"] and extended["ticket"]["extension_requested"] == "2026-12-30"
    assert extended["ticket"]["buttons"] == ["reply", "return"]  # one request at a time
    again = step(client, "a-1", button="extend", version=4, until="2026-12-31")
    assert again["message"] == "未执行：已有延期申请待审批"
    assert step(client, "a-1", button="visit", version=4)["message"] == "未执行：未知操作“visit”"
    replied = step(client, "a-1", button="reply", version=4, text="已拆除")
    assert replied["ok"] and replied["ticket"]["status"] == "replied" and replied["ticket"]["buttons"] == []
    assert "a-1" not in {r["id"] for r in listed(client)["rows"]}  # done at the unit: the dispatcher's now
    timeline = replied["ticket"]["timeline"]
    assert [s["step_text"] for s in timeline] == ["受理", "派单", "签收", "延期", "办结"]
    assert timeline[3]["words"] == "2026-12-30" and timeline[3]["text"] == "需协调物业"
    assert timeline[4]["text"] == "已拆除" and timeline[4]["by"] == "jianguan"
    actions = [(e["action"], e["outcome"]) for e in audit(rclient) if e["target"] == "ticket:a-1"]
    assert ("ticket.sign", "ok") in actions and ("ticket.reply", "ok") in actions
    assert actions.count(("ticket.return", "refused")) == 2

    # returned: back to the dispatcher, out of the officer's list and hands
    seed(rclient, phone, [hotline_ticket("a-2", street="jiangsulu", summary="扬尘", ts=now_ms())],
         {"a-2": "区建管委"})
    returned = step(client, "a-2", button="return", version=2, text="非本单位职责")
    assert returned["ok"] and returned["ticket"] is None and returned["message"] == "已完成：退单"
    assert client.get(f"{API}/a-2").status_code == 403
    client.close()


def test_bad_input_is_refused_in_words_and_text_is_kept_as_text(phone: DashboardProcess,
                                                                module_redis: Any) -> None:
    rclient = redis.Redis.from_url(module_redis.url)
    seed(rclient, phone, [hotline_ticket("b-1", street="hongqiao", summary="噪声", ts=now_ms())],
         {"b-1": "区绿化市容局"})
    client = signed_in(phone, "lvhua")
    unknown = client.get(f"{API}/no-such")
    assert unknown.status_code == 404 and unknown.json()["error"] == "未找到工单 no-such"
    assert step(client, "no-such", button="sign", version=1)["message"] == "未执行：未找到工单 no-such"
    csrf = {"X-CSRFToken": client.cookies["_csrf_token"]}
    assert client.post(f"{API}/b-1", content=b"not json", headers=csrf).status_code == 400
    assert client.post(f"{API}/b-1", json={"button": "sign", "version": "2"}, headers=csrf).status_code == 400
    no_csrf = client.post(f"{API}/b-1", json={"button": "sign", "version": 2})
    assert no_csrf.status_code == 403  # the guard: no CSRF header
    assert client.get(f"{API}/b-1").json()["version"] == 2
    assert step(client, "b-1", button="sign", version=2)["ok"]

    markup = "<script>alert('x')</script><b>未处理</b>&amp;"
    huge = (markup * 200)[:4000]
    too_long = step(client, "b-1", button="reply", version=3, text=huge + "多")
    assert too_long["message"] == "未执行：文字过长：最多 4000 字"
    done = step(client, "b-1", button="reply", version=3, text=huge)
    assert done["ok"], done["message"]
    assert done["ticket"]["reply"] == huge and done["ticket"]["timeline"][-1]["text"] == huge
    assert client.get(f"{API}/b-1").json()["reply"] == huge  # stored as it was written
    client.close()


def test_the_officer_sees_callers_masked(phone: DashboardProcess, module_redis: Any) -> None:
    rclient = redis.Redis.from_url(module_redis.url)
    seed(rclient, phone, [hotline_ticket("m-1", street="jiangsulu", summary="来电反映噪声", ts=now_ms(),
                                         caller_name="王小明", caller_phone="13912345678",
                                         address="长宁区江苏路123号")], {"m-1": "区建管委"})
    client = signed_in(phone, "jianguan")
    card = client.get(f"{API}/m-1").json()
    text = client.get(f"{API}/m-1").text + client.get(API).text
    for value in ("王小明", "小明", "13912345678", "12345678", "123号"):
        assert value not in text
    assert card["caller_name"] and card["caller_phone"] and card["address"]  # shown, masked
    client.close()


def test_the_page_signs_in_and_its_json_is_served_by_the_console_worker(phone: DashboardProcess) -> None:
    anonymous = httpx.Client(base_url=phone.url, timeout=30, follow_redirects=False)
    away = anonymous.get("/console/m?lang=en", headers={"Accept": "text/html"})
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=%2Fconsole%2Fm%3Flang%3Den&lang=en"
    assert anonymous.get(API).status_code == 401
    visitor = phone.session("visitor")
    assert visitor.get(API).status_code == 403 and visitor.get("/console/m").status_code == 403
    client = signed_in(phone, "jianguan")
    page = client.get("/console/m")
    assert page.status_code == 200 and "我的工单" in page.text and "承办单位：区建管委" in page.text
    assert "<script>" not in page.text.replace('<script type="application/json"', "")  # no inline code
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "My work orders" in client.get("/console/m?lang=en").text

    def worker() -> dict[str, Any]:
        return dict(phone.health()["console_worker"])

    wait_for(lambda: client.get(API).status_code == 200 and worker()["status"] == "ready", 90, interval=0.5,
             message="console worker ready")
    before = worker()["forwarded"]
    assert client.get(API).status_code == 200 and client.get(f"{API}/none").status_code == 404
    assert worker()["forwarded"] >= before + 2
    client.close()
    anonymous.close()

"""The 12345 work orders on an officer's phone (/console/m) in a real Chromium at 390×844,
against the real app and a real Redis: the list by deadline, 签收 → 办结, 退单 without a
reason and a stale version refused in words, 延期 with a date, a ticket dispatched to the
unit appearing through /live without a reload; every target at least 44 px, no
horizontal scroll, no caller's name or phone on the page.

Screenshots of the list, a detail with its steps and a refusal go to test-artifacts/
(docs/screenshots/phone-*.png are copies of them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.auth import UserStore
from support.events import hotline_step, hotline_ticket, now_ms
from support.log import xadd
from support.processes import ARTIFACTS, DashboardProcess

pytestmark = pytest.mark.e2e

PHONE = (390, 844)
DAY_MS = 86_400_000
UNIT = "区建管委"
PERSONAL = ("王小明", "13912345678", "李四", "13800001111")
#: everything a thumb may touch
TARGETS = "button, a, input, textarea, select"


def officer(dashboard: DashboardProcess, name: str = "jianguan") -> str:
    UserStore(dashboard.users_file).add_user(name, "officer", f"{name}-pass-1", unit=UNIT)
    return name


def sign_in(page: Page, dashboard: DashboardProcess, user: str, next_path: str = "/console/m") -> Page:
    page.goto(f"{dashboard.url}{next_path}")  # signed out: to the sign-in form, and back
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#user", user)
    page.fill("#password", f"{user}-pass-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(next_path)))
    return page


def seed(rclient: redis.Redis, dashboard: DashboardProcess) -> None:
    now = now_ms()
    xadd(rclient, hotline_ticket("t-late", summary="工地夜间施工扰民", category="建设施工", urgency=2,
                                 street="hongqiao", ts=now - 40 * DAY_MS, caller_name="王小明",
                                 caller_phone="13912345678"))
    xadd(rclient, hotline_ticket("t-soon", summary="脚手架占道", category="建设施工", urgency=1,
                                 street="jiangsulu", ts=now, caller_name="李四", caller_phone="13800001111"))
    xadd(rclient, hotline_ticket("t-later", summary="围挡破损", category="建设施工", urgency=3,
                                 street="xinhualu", ts=now))
    xadd(rclient, hotline_ticket("t-other", summary="别的单位的", street="xinhualu", ts=now))
    for ticket_id in ("t-late", "t-soon", "t-later"):
        xadd(rclient, hotline_step("dispatched", ticket_id, by="dispatcher", version=1, unit=UNIT))
    xadd(rclient, hotline_step("dispatched", "t-other", by="dispatcher", version=1, unit="区水务所"))
    dashboard.wait_applied(8, 30)


def too_small(page: Page) -> list[Any]:
    """The visible targets smaller than 44×44 CSS px."""
    return list(page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).map(el => {
             const r = el.getBoundingClientRect();
             return {what: el.id || el.className || el.tagName, w: r.width, h: r.height};
           }).filter(t => t.w > 0 && t.h > 0 && (t.w < 44 || t.h < 44))""", TARGETS))


def fits(page: Page) -> None:
    """No horizontal scroll, every target big enough, body text 16 px or more."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert too_small(page) == []
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16


def no_personal_values(page: Page) -> None:
    text = page.evaluate("document.body.innerText")
    assert not [value for value in PERSONAL if value in text]


def test_the_list_by_deadline_sign_and_reply_and_refusals_in_words(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    seed(rclient, dashboard)
    page = sign_in(open_page(*PHONE), dashboard, officer(dashboard))
    items = page.locator(".ph-item")
    expect(items).to_have_count(3)
    assert [items.nth(i).get_attribute("data-id") for i in range(3)] == ["t-late", "t-soon", "t-later"]
    expect(items.nth(0)).to_contain_text("超期")
    expect(items.nth(1)).to_contain_text("临期")
    expect(items.nth(0)).to_contain_text("虹桥街道")  # the street's name, not its code
    expect(page.locator("#ph-count")).to_have_text("共 3 件，按时限排列")
    expect(page.locator("#ph-conn")).to_have_text("实时")
    fits(page)
    no_personal_values(page)
    page.screenshot(path=str(ARTIFACTS / "phone-list.png"))

    items.nth(0).click()
    expect(page).to_have_url(re.compile(r"#t=t-late"))
    expect(page.locator(".ph-card-title")).to_have_text("工地夜间施工扰民")
    expect(page.locator(".ph-actions button")).to_have_text(["签收", "退单", "申请延期"])
    expect(page.locator(".ph-fields")).to_contain_text("建设施工")
    no_personal_values(page)  # the caller's name and phone are masked, as in the console's drawer
    fits(page)
    bar = page.locator(".ph-actions").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] <= PHONE[1] + 1  # the steps at the thumb

    page.locator("button[data-button=return]").click()  # without a reason: refused in words
    expect(page.locator("#ph-outcome")).to_have_text("未执行：退单须填写原因")
    expect(page.locator("#ph-outcome")).to_have_class(re.compile("is-error"))
    page.screenshot(path=str(ARTIFACTS / "phone-refused.png"))
    # the guard's own refusal (no CSRF cookie: a session from before a restart) in words too
    page.allowed_errors.append(r"status of 403 .*/console/m/api/tickets/t-late")  # that refusal
    page.context.clear_cookies(name="_csrf_token")
    page.locator("button[data-button=sign]").click()
    expect(page.locator("#ph-outcome")).to_have_text("安全校验未通过，未提交：请刷新页面后重试")
    page.reload()
    expect(page.locator(".ph-actions button")).to_have_text(["签收", "退单", "申请延期"])

    page.locator("button[data-button=sign]").click()
    expect(page.locator("#ph-outcome")).to_have_text("已完成：签收")
    expect(page.locator(".ph-actions button")).to_have_text(["办结", "退单", "申请延期"])
    expect(page.locator(".ph-card-line")).to_contain_text("已签收")
    page.locator("#ph-text").fill("已责令<b>停工</b>整改")
    page.locator("#ph-text").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "phone-detail.png"))
    page.locator("button[data-button=reply]").click()
    expect(page.locator("#ph-outcome")).to_have_text("已完成：办结")
    expect(page.locator(".ph-timeline")).to_contain_text("已责令<b>停工</b>整改")  # text, not markup
    assert page.locator(".ph-timeline b").count() == 0
    expect(page.locator(".ph-none")).to_have_text("此工单当前无需您操作")

    page.locator("#ph-back").click()
    expect(items).to_have_count(2)  # replied: the dispatcher's now
    expect(items.nth(0)).to_have_attribute("data-id", "t-soon")


def test_extend_a_stale_version_and_a_new_ticket_through_live(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    seed(rclient, dashboard)
    user = officer(dashboard)
    page = sign_in(open_page(*PHONE), dashboard, user)
    expect(page.locator(".ph-item")).to_have_count(3)
    expect(page.locator("#ph-conn")).to_have_text("实时")

    # a ticket dispatched to the unit appears without a reload (a /live cue, then a fetch)
    now = now_ms()
    xadd(rclient, hotline_ticket("t-fresh", summary="新来的工单", urgency=1, street="hongqiao", ts=now))
    xadd(rclient, hotline_step("dispatched", "t-fresh", by="dispatcher", version=1, unit=UNIT))
    expect(page.locator(".ph-item[data-id=t-fresh]")).to_be_visible(timeout=30_000)
    expect(page.locator("#ph-count")).to_have_text("共 4 件，按时限排列")

    page.locator(".ph-item[data-id=t-later]").click()
    expect(page.locator("button[data-button=extend]")).to_be_visible()
    page.locator("#ph-until").fill("2026-12-30")
    page.locator("#ph-text").fill("需协调物业")
    page.locator("button[data-button=extend]").click()
    expect(page.locator("#ph-outcome")).to_have_text("已完成：申请延期")
    expect(page.locator(".ph-pending")).to_have_text("延期申请待审批：至 2026-12-30")
    expect(page.locator(".ph-actions button")).to_have_text(["签收", "退单"])
    fits(page)

    # a stale version: another session signs first while this phone has not heard of it
    page.evaluate("() => { window.cnLive.listeners.length = 0; }")  # this phone hears no more cues
    seen = page.locator("body").get_attribute("data-card-version")
    other = httpx.Client(base_url=dashboard.url, timeout=30)
    other.get("/login")
    other.post("/login", data={"user": user, "password": f"{user}-pass-1", "next": "/console/m",
                               "csrf": other.cookies["_csrf_token"]})
    answer = other.post("/console/m/api/tickets/t-later", json={"button": "sign", "version": int(seen or 0)},
                        headers={"X-CSRFToken": other.cookies["_csrf_token"]})
    assert answer.json()["ok"], answer.text
    other.close()
    page.locator("button[data-button=sign]").click()
    expect(page.locator("#ph-outcome")).to_contain_text("未执行：该工单已被他人先行处理")
    # and the detail is the ticket as it is now
    expect(page.locator(".ph-card-line")).to_contain_text("已签收")
    expect(page.locator(".ph-actions button")).to_have_text(["办结", "退单"])

    # English, the same page
    page.goto(f"{dashboard.url}/console/m?lang=en")
    expect(page.locator(".ph-item")).to_have_count(4)
    expect(page.locator("#ph-count")).to_have_text("4 tickets, by deadline")
    expect(page.locator("#ph-conn")).to_have_text("Live")
    fits(page)
    no_personal_values(page)

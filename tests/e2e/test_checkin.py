"""Check-in (查岗) in a real Chromium: the console's prompt to the officer on duty and its
确认在岗 button at 1920×1080 (then today's requests in the duty tab), and the phone page's
prompt at 390×844 (a ≥ 44 px target).  Screenshots docs/screenshots/checkin-console.png,
checkin-phone.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.auth import UserStore
from dashboard.clock import BEIJING
from support.events import duty_checkin_request, duty_roster, now_ms
from support.log import xadd_all
from support.processes import DashboardProcess

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def seed(client: redis.Redis, dashboard: DashboardProcess, name: str, center: str) -> str:
    """``name`` on duty at ``center``'s 值班员 now, and a request of that post opened a minute ago;
    its id."""
    hour = datetime.now(BEIJING).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    at = datetime.now(BEIJING).replace(microsecond=0) - timedelta(minutes=1)
    street = {} if center == "district" else {"street": center}
    events = [duty_roster(f"{center}-desk", center, "值班员", name, hour.isoformat(),
                          (hour + timedelta(hours=8)).isoformat(), "FREQ=DAILY", ts=now_ms(), **street),
              duty_checkin_request(center, "值班员", at.isoformat(), (at + timedelta(minutes=10)).isoformat(),
                                   event_id=f"checkin:{center}/值班员@{at.isoformat()}", ts=at.isoformat(),
                                   **street)]
    before = dashboard.applied()
    xadd_all(client, events)
    dashboard.wait_applied(before + len(events))
    store = UserStore(dashboard.users_file)
    if name not in store.current().users:
        store.add_user(name, "officer", f"{name}-pass-1", scope=None if center == "district" else center)
    return f"{center}/值班员@{at.isoformat()}"


def signed_in(page: Page, dashboard: DashboardProcess, user: str, next_path: str) -> None:
    page.goto(f"{dashboard.url}/login?next={next_path}")
    page.fill("#user", user)
    page.fill("#password", f"{user}-pass-1")
    with page.expect_navigation():
        page.click("button[type=submit]")


def answers(client: redis.Redis) -> list[dict[str, object]]:
    return [e["data"] for e in (orjson.loads(f[b"event"]) for _, f in client.xrange("cn:events"))
            if e["type"] == "duty.checkin"]


def test_the_console_prompts_the_officer_on_duty_who_confirms(
        page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """王伟 on duty at the district's 值班员 sees 查岗 with the minutes left over the console,
    confirms; the prompt goes, the duty tab lists today's requests: the one missed half an
    hour ago 未应答, this one 已应答 by 王*."""
    missed = datetime.now(BEIJING).replace(microsecond=0) - timedelta(minutes=30)
    if missed.date() == datetime.now(BEIJING).date():  # just after midnight it is yesterday's
        xadd_all(rclient, [duty_checkin_request("district", "值班员", missed.isoformat(),
                                                (missed + timedelta(minutes=10)).isoformat(),
                                                ts=missed.isoformat())])
    seed(rclient, dashboard, "王伟", "district")
    signed_in(page, dashboard, "王伟", "/console")
    prompt = page.locator("#checkin-prompt")
    expect(prompt).to_be_visible(timeout=30_000)
    expect(prompt).to_contain_text("查岗：请确认在岗（全区 值班员，剩余")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "checkin-console.png"))
    page.locator("#checkin-confirm").click()
    expect(page.locator("#checkin-result")).to_contain_text("确认在岗", timeout=20_000)
    expect(prompt).to_be_hidden(timeout=20_000)
    assert answers(rclient) == [{"center": "district", "post": "值班员", "name": "王伟"}]
    page.locator(".tab", has_text="值班").click()
    today = page.locator("#checkin-today")
    expect(today.locator("tr.checkin-row-answered")).to_contain_text("已应答", timeout=20_000)
    expect(today.locator("tr.checkin-row-answered")).to_contain_text("王*")
    if missed.date() == datetime.now(BEIJING).date():
        expect(today.locator("tr.checkin-row-missed")).to_contain_text("未应答")
    today.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "checkin-duty.png"))


def test_the_phone_page_prompts_at_the_top_with_a_large_target(
        open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """李娜 on duty at Hongqiao's 值班员 sees the prompt first on /console/m at 390×844; the button is
    at least 44 px high; confirming writes the answer and says so."""
    seed(rclient, dashboard, "李娜", "hongqiao")
    page = open_page(390, 844)
    signed_in(page, dashboard, "李娜", "/console/m")
    box = page.locator("#ph-checkin")
    expect(box).to_be_visible(timeout=30_000)
    expect(box).to_contain_text("查岗：请确认在岗（虹桥街道 值班员，剩余")
    button = box.locator(".ph-checkin-confirm")
    size = button.bounding_box()
    assert size is not None and size["height"] >= 44 and size["y"] < 300
    page.screenshot(path=str(SCREENSHOTS / "checkin-phone.png"))
    button.click()
    expect(box.locator(".ph-checkin-note")).to_contain_text("已确认在岗", timeout=20_000)
    assert answers(rclient) == [{"center": "hongqiao", "post": "值班员", "name": "李娜"}]
    expect(box.locator(".ph-checkin-item")).to_have_count(0)

"""Duty rosters in a real Chromium at 1920×1080: the wall's on duty now (posts and surnames)
and the console's duty tab (now, gaps highlighted, the next 7 days, the download)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.clock import BEIJING
from support.events import duty_override, duty_roster, now_ms
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in
from tests.e2e.test_wall import feed_district

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def seed_roster(client: redis.Redis, dashboard: DashboardProcess) -> None:
    """The district's 值班长 王伟 (24 h), 值班员 赵敏 until an hour ago (a vacant post now, a gap
    until tomorrow's shift); Hongqiao's 值班长 欧阳娜娜 with tomorrow's shift overridden."""
    hour = datetime.now(BEIJING).replace(minute=0, second=0, microsecond=0)
    iso = lambda moment: moment.isoformat()  # noqa: E731
    lead = hour - timedelta(hours=2)
    desk = hour - timedelta(hours=9)
    hq = hour - timedelta(hours=1)
    events = [
        duty_roster("d-lead", "district", "值班长", "王伟", iso(lead), iso(lead + timedelta(hours=24)),
                    "FREQ=DAILY", phone="13900001111", ts=now_ms()),
        duty_roster("d-desk", "district", "值班员", "赵敏", iso(desk), iso(desk + timedelta(hours=8)),
                    "FREQ=DAILY", phone="13900002222", ts=now_ms()),
        duty_roster("hq-lead", "hongqiao", "值班长", "欧阳娜娜", iso(hq), iso(hq + timedelta(hours=24)),
                    "FREQ=DAILY", phone="13900003333", street="hongqiao", ts=now_ms()),
        duty_override("hq-lead", iso(hq + timedelta(days=1)), "孙丽", phone="13900004444", by="admin",
                      ts=now_ms()),
    ]
    before = dashboard.applied()
    xadd_all(client, events)
    dashboard.wait_applied(before + len(events))


def test_the_wall_says_who_is_on_duty_now_by_post_and_surname(
        page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """值班长 王** on the district wall, the vacant 值班员 marked; never a full name or phone."""
    feed_district(rclient, dashboard)
    seed_roster(rclient, dashboard)
    page.goto(dashboard.wall_url())
    duty = page.locator("#wall-duty")
    expect(duty).to_contain_text("当前在岗", timeout=20_000)
    expect(duty.locator(".duty-post", has_text="值班长")).to_contain_text("王**")
    expect(duty.locator(".duty-vacant", has_text="值班员")).to_contain_text("空岗")
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-ok"))
    text = duty.inner_text()
    assert "王伟" not in text and "1390000" not in text
    wait_for(lambda: page.evaluate("() => document.querySelectorAll('#live-feed .feed-item').length") > 0,
             timeout=20, message="the feed filled")
    page.screenshot(path=str(SCREENSHOTS / "roster-wall.png"))


def test_the_console_duty_tab_shows_the_roster_and_its_gaps(
        page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """Full names, masked phones, the override marked, the gap highlighted, the download."""
    seed_roster(rclient, dashboard)
    sign_in(page, dashboard, "officer", "/console")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    page.locator(".tab", has_text="值班").click()
    panel = page.locator("#roster-panel")
    expect(panel).to_contain_text("当前在岗", timeout=20_000)
    now_rows = panel.locator("table").first
    expect(now_rows).to_contain_text("王伟")
    expect(now_rows).to_contain_text("欧阳娜娜")
    expect(now_rows).to_contain_text("139****1111")
    assert "13900001111" not in panel.inner_text()
    expect(panel.locator("tr.roster-gap").first).to_contain_text("值班员")
    expect(panel.locator(".roster-changed").first).to_have_text("代班")
    expect(panel.locator(".roster-download")).to_have_attribute("href", "/api/roster.ics?center=district")
    page.screenshot(path=str(SCREENSHOTS / "roster-console.png"), full_page=False)


def test_an_officer_gives_a_shift_of_their_centre_to_a_stand_in_and_may_not_edit_another(
        page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """The district officer's stand-in for 王伟 is applied, shown 代班 and audited; an edit of
    Hongqiao's shift is refused with the reason, and nothing is written."""
    seed_roster(rclient, dashboard)
    sign_in(page, dashboard, "officer", "/console")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    page.locator(".tab", has_text="值班").click()
    page.locator("#roster-form summary").click()
    page.locator("#roster-verb label", has_text="代班").click()

    def choose(text: str) -> None:
        page.locator("#roster-occurrence").click()
        page.locator(".dash-dropdown-option", has_text=text).first.click()

    choose("全区 值班长 王伟")
    page.fill("#roster-name", "孙丽")
    page.fill("#roster-reason", "王伟病假")
    page.locator("#roster-submit").click()
    expect(page.locator("#roster-result")).to_have_class(re.compile("is-ok"))
    panel = page.locator("#roster-panel")
    expect(panel.locator("tr", has_text="孙丽").first).to_contain_text("代班")
    wait_for(lambda: any(f.get(b"action") == b"roster.override" and f.get(b"outcome") == b"ok"
                         for _, f in rclient.xrange("cn:audit")), message="the edit audited")
    page.locator("#roster-result").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "roster-edit.png"))

    length = rclient.xlen("cn:events")
    choose("虹桥街道 值班长 欧阳娜娜")
    page.locator("#roster-submit").click()
    expect(page.locator("#roster-result")).to_have_class(re.compile("is-error"))
    expect(page.locator("#roster-result")).to_contain_text("无权编辑该中心的排班")
    assert rclient.xlen("cn:events") == length

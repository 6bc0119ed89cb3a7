"""Every number the console shows, read back from a real Chromium after a known set of
events was published into an empty state, against figures worked out by hand here (not
by the server's code): the street list's open/overdue/near badges and camera rates, the
grids' totals, a street's overview, its camera rates and its alarm inbox (#11 item 2).
"""

from __future__ import annotations

import re

import pytest
import redis
from playwright.sync_api import Page, expect

from support.events import (
    hotline_ticket,
    incident_reported,
    incident_step,
    now_ms,
    sensor_alarm,
    sensor_reading,
    video_point,
    video_status,
)
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for
from tests.e2e.test_console import open_console

pytestmark = pytest.mark.e2e
MIN = 60_000


def known_day(now: int) -> list[dict]:
    """虹桥: four cases (one past its 立案 limit, one near it, one fresh, one closed), three
    cameras (online, offline, fault), a gas sensor with an alarm, a ticket; 江苏路: one case being
    handled, a camera online, a ticket."""
    h = {"street": "hongqiao"}
    j = {"street": "jiangsulu"}
    closing = ("acknowledged", "dispatched", "resolved", "verified", "closed")
    return [
        incident_reported("h1", title="燃气泄漏", severity=1, ts=now - 20 * MIN, **h),  # limit 5: overdue
        incident_reported("h2", title="道路积水", severity=2, ts=now - 9 * MIN, **h),  # 9 of 10: near
        incident_reported("h3", title="噪声扰民", severity=3, ts=now - MIN, **h),
        incident_reported("h4", title="井盖缺失", severity=4, ts=now - 60 * MIN, **h),
        *[incident_step(step, "h4", unit="区水务所" if step == "dispatched" else None, **h)
          for step in closing],
        incident_reported("j1", title="占道经营", severity=2, ts=now, **j),
        incident_step("acknowledged", "j1", **j),  # 派单 within 30 min: fine
        *[video_point(pid, name=pid, **h) for pid in ("cam-h1", "cam-h2", "cam-h3")],
        video_point("cam-j1", name="cam-j1", **j),
        video_status("cam-h2", "offline", **h),
        video_status("cam-h3", "fault", **h),
        sensor_reading("sen-h1", 3.2, kind="gas", **h),
        sensor_alarm("sen-h1", kind="gas", level=2, message="燃气浓度超限", **h),
        hotline_ticket("t-h1", **h),
        hotline_ticket("t-j1", **j),
    ]


def badges(page: Page, street: str) -> list[str]:
    return page.locator(".street-item", has_text=street).locator(".badges span").all_inner_texts()


def grid_total(page: Page, grid: str) -> str:
    return page.locator(f"#{grid} .ag-paging-row-summary-panel").inner_text()


def test_every_console_number_matches_the_published_events(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    events = known_day(now_ms())
    xadd_all(rclient, events)
    wait_for(lambda: dashboard.applied() >= len(events), message="the known day applied")

    open_console(page, dashboard)
    # the street list: open cases, then overdue and near (only when there are some), rates
    expect(page.locator(".street-item", has_text="虹桥街道").locator(".badges")).to_have_text("311")
    assert badges(page, "虹桥街道") == ["3", "1", "1"]
    assert badges(page, "江苏路街道") == ["1"]
    assert badges(page, "华阳路街道") == ["0"]
    expect(page.locator(".street-item", has_text="虹桥街道").locator(".street-rate")).to_have_text("33.3%")
    expect(page.locator(".street-item", has_text="江苏路街道").locator(".street-rate")).to_have_text("100.0%")
    # the district's list: five cases, the four open ones first
    expect(page.locator("#grid-incidents .ag-paging-row-summary-panel")).to_contain_text("共 5")
    ids = page.locator("#grid-incidents .ag-row [col-id=short_id]").all_inner_texts()
    assert len(ids) == 5 and ids[-1] == "h4", ids
    page.locator(".tab", has_text="12345").click()
    expect(page.locator("#grid-tickets .ag-paging-row-summary-panel")).to_contain_text("共 2")

    page.locator(".street-item", has_text="虹桥街道").click()
    expect(page).to_have_url(re.compile(r"street=hongqiao"))
    figures = page.locator(".overview .overview-figure")
    expect(figures).to_have_count(5)
    assert [f.locator("b").inner_text() for f in figures.all()] == ["3", "1", "1", "1/3", "1"]
    expect(page.locator("#grid-tickets .ag-paging-row-summary-panel")).to_contain_text("共 1")
    for status, count in (("online", "1"), ("offline", "1"), ("fault", "1"), ("stale", "0")):
        expect(page.locator(f"#map-legend-count-{status}")).to_have_text(count)  # the street's own
    page.locator(".tab", has_text="事件").click()
    expect(page.locator("#grid-incidents .ag-paging-row-summary-panel")).to_contain_text("共 4")
    page.locator(".tab", has_text="视频").click()
    rates = page.locator(".rate-item")
    expect(rates.filter(has_text="虹桥街道")).to_contain_text("33.3%")
    expect(page.locator("#grid-cameras .ag-paging-row-summary-panel")).to_contain_text("共 3")
    page.locator(".tab", has_text="告警").click()
    expect(page.locator(".inbox-item")).to_have_count(1)
    expect(page.locator(".inbox-item")).to_contain_text("燃气浓度超限")

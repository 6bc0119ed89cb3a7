"""Handover (交接班) in Chromium 1920×1080: the outgoing officer drafts, edits and submits;
a wrong name cannot acknowledge; the incoming officer acknowledges (name and time shown);
the log's search; the print view prints (page.pdf)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.clock import BEIJING
from support.events import duty_roster, incident_reported, now_ms
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def seed(client: redis.Redis, dashboard: DashboardProcess) -> None:
    """The district's 值班长: 王伟 on a 12 h shift that began 2 h ago, 李娜 on the next; an
    open incident reported an hour ago."""
    start = datetime.now(BEIJING).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    half = start + timedelta(hours=12)
    events = [
        duty_roster("d-day", "district", "值班长", "王伟", start.isoformat(), half.isoformat(), "FREQ=DAILY",
                    ts=now_ms()),
        duty_roster("d-night", "district", "值班长", "李娜", half.isoformat(),
                    (half + timedelta(hours=12)).isoformat(), "FREQ=DAILY", ts=now_ms()),
        incident_reported("e2e-inc-1", title="道路积水", street="jiangsulu", ts=now_ms() - 3_600_000),
    ]
    before = dashboard.applied()
    xadd_all(client, events)
    dashboard.wait_applied(before + len(events))


def audited(client: redis.Redis, action: bytes, outcome: bytes) -> bool:
    return any(f.get(b"action") == action and f.get(b"outcome") == outcome
               for _, f in client.xrange("cn:audit"))


def test_the_outgoing_officer_drafts_edits_submits_and_the_incoming_one_acknowledges(
        page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    seed(rclient, dashboard)
    sign_in(page, dashboard, "officer", "/console")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    page.locator(".tab", has_text="值班").click()
    panel = page.locator("#handover-panel")
    expect(panel).to_contain_text("交接班", timeout=20_000)

    def choose(dropdown: str, text: str) -> None:
        page.locator(dropdown).click()
        page.locator(".dash-dropdown-option", has_text=text).first.click()

    choose("#handover-shift", "全区 值班长 王伟")
    page.fill("#handover-notes", "二号门禁待修")
    page.locator("#handover-draft").click()
    summary = page.locator("#handover-summary")
    expect(summary).to_have_value(re.compile("交接班小结"), timeout=20_000)
    text = summary.input_value()
    assert "当前未结事件 1 起：e2e-inc-1" in text and "值班备注：二号门禁待修" in text
    expect(page.locator("#handover-to")).to_contain_text("李娜")
    summary.fill(text + "\n另：江苏路积水已派单，请跟进")
    page.locator("#handover-submit").click()
    expect(page.locator("#handover-result")).to_have_class(re.compile("is-ok"), timeout=20_000)
    wait_for(lambda: audited(rclient, b"handover.submit", b"ok"), message="the submission audited")
    log = page.locator("#handover-log")
    expect(log.locator(".handover-entry").first).to_contain_text("待接班确认", timeout=20_000)
    expect(log.locator(".handover-entry").first).to_contain_text("江苏路积水已派单")
    expect(log.locator(".handover-entry").first).to_contain_text("交班 王* → 接班 李*")

    # a wrong name cannot acknowledge it; nothing is written
    length = rclient.xlen("cn:events")
    choose("#handover-ack-id", "交班 王*")
    page.fill("#handover-ack-name", "王伟")
    page.locator("#handover-ack").click()
    expect(page.locator("#handover-ack-result")).to_have_class(re.compile("is-error"), timeout=20_000)
    expect(page.locator("#handover-ack-result")).to_contain_text("only the incoming officer")
    assert rclient.xlen("cn:events") == length
    wait_for(lambda: audited(rclient, b"handover.ack", b"refused"), message="the refusal audited")

    page.fill("#handover-ack-name", "李娜")
    page.locator("#handover-ack").click()
    expect(page.locator("#handover-ack-result")).to_have_class(re.compile("is-ok"), timeout=20_000)
    acked = re.compile(r"已确认：李\* \d\d-\d\d \d\d:\d\d")
    expect(log.locator(".handover-entry").first).to_contain_text(acked, timeout=20_000)
    wait_for(lambda: audited(rclient, b"handover.ack", b"ok"), message="the ack audited")

    # the log's search: a text of the summary finds it, another text does not
    page.fill("#handover-q", "门禁")
    expect(log.locator(".handover-entry")).to_have_count(1, timeout=20_000)
    page.fill("#handover-q", "没有这段话")
    expect(log).to_contain_text("暂无交接班记录", timeout=20_000)
    page.fill("#handover-q", "")
    expect(log.locator(".handover-entry")).to_have_count(1, timeout=20_000)
    page.locator("#handover-panel").scroll_into_view_if_needed()
    page.locator("#handover-summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "handover-console.png"))
    assert "王伟" not in log.inner_text() and "李娜" not in log.inner_text()

    # the print view prints
    href = page.locator("#handover-print").get_attribute("href")
    assert href == "/api/handover-print"
    printed = page.context.new_page()
    printed.goto(dashboard.url + href)
    expect(printed.locator(".entry")).to_have_count(1)
    expect(printed.locator(".entry")).to_contain_text("已确认：李*")
    pdf = printed.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    printed.set_viewport_size({"width": 900, "height": 700})
    printed.screenshot(path=str(SCREENSHOTS / "handover-print.png"))

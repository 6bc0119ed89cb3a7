"""The console's 12345 tickets in a real Chromium against the real app and a real Redis:
the table's state, deadline and flag columns, and steps taken from the ticket's drawer."""

from __future__ import annotations

import re

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.workdays import DeadlineRule
from support.events import hotline_ticket, now_ms
from support.log import xadd
from support.processes import DashboardProcess, wait_for
from tests.e2e.test_console import open_console

pytestmark = pytest.mark.e2e
DAY_MS = 86_400_000


def test_the_ticket_table_and_the_drawers_steps(page: Page, dashboard: DashboardProcess,
                                                rclient: redis.Redis) -> None:
    now = now_ms()
    old = now - 40 * DAY_MS  # registered 40 days ago, urgent: overdue whatever the calendar
    xadd(rclient, hotline_ticket("t-late", summary="路灯不亮", urgency=2, street="hongqiao", ts=old))
    xadd(rclient, hotline_ticket("t-new", summary="垃圾满溢", street="hongqiao", ts=now))
    wait_for(lambda: dashboard.health()["applied"] >= 2, message="seeded")
    due = DeadlineRule().of({"status": "registered", "created": now, "urgency": 3})
    assert due is not None
    open_console(page, dashboard)
    page.locator("#console-tabs .tab").nth(3).click()
    late = page.locator("#grid-tickets .ag-row", has_text="路灯不亮")
    expect(late).to_contain_text("待派单")
    expect(late).to_contain_text("超期")
    fresh = page.locator("#grid-tickets .ag-row", has_text="垃圾满溢")
    expect(fresh).to_contain_text(due.day)
    expect(fresh).not_to_contain_text("超期")

    page.goto(f"{dashboard.url}/console?ticket=t-new")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    expect(page.locator("#ticket-form")).to_be_visible()
    expect(page.locator("button[data-button=dispatch]")).to_be_visible()
    expect(page.locator("button[data-button=close]")).to_be_hidden()
    page.locator("button[data-button=close]").evaluate("b => { b.hidden = false; }")  # not allowed now
    page.locator("button[data-button=close]").click()
    expect(page.locator("#ticket-outcome")).to_have_text(re.compile("工单当前为“待派单”，不能结案"))
    page.locator("#ticket-unit").click()
    page.locator(".Select-option, [role=option]", has_text="区建管委").first.click()
    page.locator("button[data-button=dispatch]").click()
    expect(page.locator("#ticket-outcome")).to_have_class(re.compile("is-ok"))
    # the drawer refreshes on the ticket's /live cue; generous on a busy machine
    expect(page.locator(".detail-fields")).to_contain_text("已派单", timeout=30_000)
    expect(page.locator("button[data-button=return]")).to_be_visible()
    page.locator("button[data-button=return]").click()  # without a reason: refused in words
    expect(page.locator("#ticket-outcome")).to_have_text(re.compile("退单须填写原因"))
    page.locator("#ticket-text").fill("非本单位职责")
    page.locator("button[data-button=return]").click()
    expect(page.locator("#ticket-outcome")).to_have_class(re.compile("is-ok"))
    expect(page.locator(".timeline")).to_contain_text("非本单位职责", timeout=30_000)
    expect(page.locator(".detail-fields")).to_contain_text("待派单")


def test_a_console_that_missed_patches_refreshes_on_its_next_hello(page: Page, dashboard: DashboardProcess,
                                                                   rclient: redis.Redis) -> None:
    """Patches lost while the socket was away (their cues with them) are made good by the
    fresh hello of the reconnect: every console area refreshes once."""
    xadd(rclient, hotline_ticket("t-seen", summary="井盖松动", street="hongqiao"))
    wait_for(lambda: dashboard.health()["applied"] >= 1, message="seeded")
    open_console(page, dashboard)
    page.locator("#console-tabs .tab").nth(3).click()
    expect(page.locator("#grid-tickets .ag-row", has_text="井盖松动")).to_be_visible()
    # the page stops hearing /live (frames counted, not applied), as if the network dropped them
    page.evaluate("""() => { window.dropped = 0;
        window.cnLive.socket.onmessage = e => {
            if (e.data.includes('"t":"patch"')) { window.dropped += 1; } }; }""")
    xadd(rclient, hotline_ticket("t-missed", summary="噪声扰民", street="hongqiao"))
    wait_for(lambda: page.evaluate("() => window.dropped") >= 1, message="the ticket's patch was dropped")
    expect(page.locator("#grid-tickets .ag-row", has_text="噪声扰民")).to_have_count(0)
    page.evaluate("() => window.cnLive.socket.close()")  # live.js reconnects: a new hello
    expect(page.locator("#grid-tickets .ag-row", has_text="噪声扰民")).to_be_visible(timeout=15_000)

"""The console on a duty officer's phone (390×844, the 政务微信 light app): one column read by
scrolling, no horizontal scroll, touch targets of at least 44 px, and a case opened from
the list and taken through 立案 and 派单 with the thumb."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import redis
from playwright.sync_api import Page, expect

from support.processes import DashboardProcess
from tests.e2e.test_console import open_console, seed

pytestmark = pytest.mark.e2e

PHONE = (390, 844)


def test_a_phone_opens_a_case_and_takes_register_and_dispatch(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    seed(rclient, dashboard)
    page = open_console(open_page(*PHONE), dashboard)
    rows = page.locator("#grid-incidents .ag-row")
    expect(rows).to_have_count(2)
    # one column: the list first, the map and the filters below it, all reachable by scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    tops = page.evaluate("""() => ['.console-right', '.console-centre', '.console-left']
        .map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert tops == sorted(tops), tops
    assert page.evaluate("document.documentElement.scrollHeight") > PHONE[1]

    rows.filter(has_text="江苏路积水").locator(".ag-cell").first.click()
    expect(page).to_have_url(re.compile(r"incident=inc-j1"))
    expect(page.locator(".detail-title")).to_have_text("江苏路积水")
    page.locator(".detail").scroll_into_view_if_needed()
    register = page.locator("button[data-verb=acknowledge]")
    expect(register).to_be_visible()
    assert register.bounding_box()["height"] >= 44  # type: ignore[index]
    register.click()
    expect(page.locator("#action-result")).to_have_class(re.compile("is-ok"))
    expect(page.locator(".detail-meta").first).to_contain_text("立案")
    dispatch = page.locator("button[data-verb=dispatch]")
    expect(dispatch).to_be_visible()
    page.locator("#action-unit").click()  # the case's own street centre is offered first
    first_option = page.locator(".dash-dropdown-option").first
    expect(first_option).to_contain_text("江苏路街道分中心")
    first_option.click()
    dispatch.click()
    expect(page.locator("#action-result")).to_have_class(re.compile("is-ok"))
    expect(page.locator(".detail-meta").first).to_contain_text("派单")
    expect(page.locator("#action-unit")).not_to_contain_text("江苏路街道分中心")  # the form reset
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    small = page.evaluate("""() => [...document.querySelectorAll('.console button, .console .btn')]
        .filter(b => b.offsetParent !== null)
        .map(b => [b.textContent.trim(), b.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == [], small

"""The 政务微信/WeCom sign-in on a phone (390×844) in a real Chromium: the sign-in form's
WeCom button is a thumb's target, and tapping it goes through WeCom's authorisation (a
stand-in on loopback, support/wecom.py) to the console, signed in as the linked officer;
a member linked to nobody sees why, with both ways on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dashboard.auth import UserStore
from support.processes import DashboardProcess
from support.wecom import AGENT_ID, CORP_ID, SECRET, WeComStandIn

pytestmark = pytest.mark.e2e

PHONE = (390, 844)


def test_a_phone_signs_in_with_wecom(open_page: Callable[..., Page],
                                     dashboards: Callable[..., DashboardProcess]) -> None:
    with WeComStandIn() as wecom:
        dashboard = dashboards(CN_WECOM_ENABLED="true", CN_WECOM_CORP_ID=CORP_ID, CN_WECOM_AGENT_ID=AGENT_ID,
                               CN_WECOM_SECRET=SECRET, CN_WECOM_API_BASE=wecom.url,
                               CN_WECOM_AUTHORIZE_BASE=wecom.url)
        UserStore(dashboard.users_file).set_wecom("jiangsu", "js-zhangwei")
        page: Any = open_page(*PHONE)
        page.allowed_errors.append(r"status of 403 .*/auth/wecom/callback")  # the refusal below, on purpose
        page.goto(f"{dashboard.url}/login?next=/console")
        button = page.locator("#wecom-sign-in")
        expect(button).to_have_text("政务微信登录")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

        wecom.sign_in_as("nobody-linked")
        button.click()
        expect(page.locator(".error")).to_contain_text("尚未关联本系统用户")
        for link in (page.locator("a.wecom"), page.locator("a.alt")):
            height = (link.bounding_box() or {"height": 0})["height"]
            assert height >= 44, height

        wecom.sign_in_as("js-zhangwei")
        page.locator("a.wecom").click()  # 重新进行政务微信登录: next (/console) was kept
        expect(page).to_have_url(re.compile(r"/console(#wechat_redirect)?$"))
        page.wait_for_selector("#console-root", state="attached", timeout=30_000)
        expect(page.locator("#officer-name")).to_contain_text("jiangsu")
        assert wecom.calls["/cgi-bin/gettoken"] == 1 and wecom.calls["/cgi-bin/auth/getuserinfo"] == 2

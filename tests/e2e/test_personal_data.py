"""What each role's screens receive holds no personal data (#12 item 1), in Chromium: the
wall, the visitor's wall, the console of a district and of a street officer (every tab,
a record of every kind drilled into, an audited reveal) and the admin page, every
response the pages fetch (callbacks included) and every /live frame they receive,
captured from the browser's network and scanned for the values support/personal_data.py
seeds.  The revealed value is in the reveal's answer only.  The same scan over every route
and replayed callback, without a browser: tests/integration/test_personal_data.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.i18n import client_strings
from support import personal_data as pd
from support.processes import DashboardProcess
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
S = client_strings("zh")
TABS = ("tab.incidents", "tab.inbox", "tab.cameras", "tab.tickets", "tab.duty")
REVEAL = "reveal-result"  # the one answer that may hold the revealed value


class Received:
    """Every response of the app and every /live frame a page receives, as (what, body)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.items: list[tuple[str, bytes | str]] = []
        self.origin = origin
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _websocket(self, ws: Any) -> None:
        ws.on("framereceived", lambda frame: self.items.append((f"frame of {ws.url}", frame)))

    def _response(self, response: Any) -> None:
        if not response.url.startswith(self.origin) or 300 <= response.status < 400:
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a page navigating away drops bodies it no longer needs
            return
        request = response.request
        self.items.append((f"{request.method} {response.url} {request.post_data or ''}", body))

    def scan(self, role: str) -> int:
        for what, body in self.items:
            allowed = (pd.CALLER_PHONE,) if REVEAL in what else ()
            found = pd.leaks(body, allowed)
            assert not found, pd.described(f"{role}: {what[:160]}", found,
                                           body if isinstance(body, str) else body.decode("utf-8", "replace"))
        return len(self.items)

    def callbacks(self) -> int:
        return sum("_dash-update-component" in what for what, _ in self.items)

    def frames(self) -> int:
        return sum(what.startswith("frame of") for what, _ in self.items)


def open_console_tabs(page: Page) -> None:
    """Every tab of the console in turn (its grid or list asks for its rows)."""
    for key in TABS:
        page.locator(".tab", has_text=S[key]).first.click()
        page.wait_for_timeout(300)  # a grid asks for its rows once visible; the scan waits below


def drill(page: Page, dashboard: DashboardProcess, query: str, shows: str) -> None:
    page.goto(f"{dashboard.url}/console{query}")
    expect(page.locator("#detail-panel")).to_contain_text(shows, timeout=20_000)


def test_no_screen_receives_personal_data(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    pd.seed(rclient, dashboard)
    # the wall and the visitor's wall, while the later events arrive
    wall = open_page()
    wall_received = Received(wall, dashboard.url)
    wall.goto(dashboard.wall_url())
    expect(wall.locator("#live-feed")).to_contain_text("王**女士138****5678报漏水")
    visitor = open_page()
    visitor_received = Received(visitor, dashboard.url)
    sign_in(visitor, dashboard, "visitor", "/")
    expect(visitor.locator("#live-feed")).to_contain_text("参观模式")
    pd.publish(rclient, dashboard, pd.later_events(pd.now_ms()))
    expect(wall.locator("#live-feed")).to_contain_text("Mr. Z**** W** 133****4444 gas smell")
    # the district officer: every tab, every kind of record, an audited reveal
    officer = open_page()
    received = {"wall": wall_received, "visitor": visitor_received,
                "officer": Received(officer, dashboard.url)}
    sign_in(officer, dashboard, "officer", "/console")
    open_console_tabs(officer)
    drill(officer, dashboard, f"?incident={pd.INCIDENT}", "长宁区遵义路***：王**女士来电138****5678")
    expect(officer.locator("#detail-panel")).to_contain_text("Tianshan Road***")
    expect(officer.locator("#detail-panel")).to_contain_text("已联系张*先生137****1111")
    drill(officer, dashboard, f"?incident={pd.OTHER_INCIDENT}&street=hongqiao", "天山路***")
    drill(officer, dashboard, f"?sensor={pd.SENSOR}", pd.SENSOR)
    drill(officer, dashboard, f"?camera={pd.CAMERA}", "维修请联系137****1111")
    drill(officer, dashboard, f"?duty={pd.DUTY}", "135****3333")
    drill(officer, dashboard, f"?ticket={pd.TICKET}", "李**先生反映天山路***夜间施工，回电136****2222")
    officer.locator("#reveal-field").click()
    officer.locator(".Select-option, [role=option]", has_text=S["field.caller_phone"]).first.click()
    officer.fill("#reveal-reason", "回访核实")
    officer.click("#reveal-button")
    expect(officer.locator("#reveal-result")).to_contain_text(pd.CALLER_PHONE)
    drill(officer, dashboard, f"?incident={pd.LATER_INCIDENT}", "***; call ****5678")
    open_console_tabs(officer)
    # the street officer, and the admin (console and admin page)
    street = open_page()
    received["jiangsu"] = Received(street, dashboard.url)
    sign_in(street, dashboard, "jiangsu", "/console")
    open_console_tabs(street)
    drill(street, dashboard, f"?incident={pd.INCIDENT}", "长宁区遵义路***")
    admin = open_page()
    received["admin"] = Received(admin, dashboard.url)
    sign_in(admin, dashboard, "admin", "/admin")
    expect(admin.locator("#audit-grid")).to_contain_text("回访核实", timeout=20_000)
    admin.goto(f"{dashboard.url}/console?ticket={pd.TICKET}")
    expect(admin.locator("#detail-panel")).to_contain_text("136****2222", timeout=20_000)
    open_console_tabs(admin)
    admin.wait_for_timeout(1500)  # the last grids' rows and /live frames in flight
    for role, seen in received.items():
        assert seen.scan(role) > 0, role
        assert seen.frames() > 0, role
    for role in ("officer", "jiangsu", "admin"):
        assert received[role].callbacks() >= 10, (role, received[role].callbacks())
    assert sum(REVEAL in what for what, _ in received["officer"].items) == 1

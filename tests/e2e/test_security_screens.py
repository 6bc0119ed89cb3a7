"""What people see of zero trust, in Chromium: sign-in, masking and an audited reveal,
event text shown as text on every screen, the visitor's aggregates, the admin page.

The tests share the module's dashboard (``shared_dashboard``): each writes its own ids,
wall token and audit trail."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import redis
from playwright.sync_api import Page, expect

from support.events import hotline_ticket, incident_reported, now_ms, sensor_alarm
from support.log import xadd
from support.processes import ARTIFACTS, DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

XSS_TITLE = '<img src=x onerror="alert(1)">积水'
XSS_ADDRESS = "长宁区天山路<script>alert(2)</script>1号"
XSS_SUMMARY = "<svg onload=alert(3)>噪声扰民"
XSS_MESSAGE = "<iframe src=javascript:alert(4)>"
XSS_REASON = "<img src=z onerror=alert(5)>回访"
PHONE = "13912345678"


def seed(client: redis.Redis, dashboard: DashboardProcess) -> None:
    now = now_ms()
    events = [
        incident_reported("inc-x", domain="waterway", title=XSS_TITLE, severity=2, lat=31.215, lon=121.405,
                          address=XSS_ADDRESS, street="tianshanlu", ts=now),
        hotline_ticket("t-x", category="噪声", summary=XSS_SUMMARY, status="new", caller_name="<b>王</b>五",
                       caller_phone=PHONE, address=XSS_ADDRESS, street="tianshanlu", ts=now),
        sensor_alarm("s-x", kind="gas", level=2, message=XSS_MESSAGE, lat=31.216, lon=121.406,
                     street="tianshanlu", ts=now),
    ]
    before = dashboard.applied()
    for event in events:
        xadd(client, event)
    dashboard.wait_applied(before + len(events), timeout=10)


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def test_sign_in_page_and_wrong_password(page: Page, shared_dashboard: DashboardProcess) -> None:
    page.allowed_errors.append(r"status of 401")  # the refused sign-in answers 401
    page.goto(f"{shared_dashboard.url}/console")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fconsole"))
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.fill("#user", "officer")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    page.fill("#user", "officer")
    page.fill("#password", "officer-pass-1")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator("#officer-name")).to_contain_text("officer")


def test_event_text_is_text_on_every_screen_and_a_reveal_is_audited(
    open_page: Callable[..., Page], shared_dashboard: DashboardProcess, shared_rclient: redis.Redis
) -> None:
    seed(shared_rclient, shared_dashboard)
    # the wall (a kiosk with its token)
    wall = open_page()
    wall_dialogs = watch_dialogs(wall)
    wall.goto(shared_dashboard.wall_url())
    expect(wall.locator("#live-feed")).to_contain_text(XSS_TITLE)
    expect(wall.locator("#live-feed")).to_contain_text(XSS_MESSAGE)
    # the console: incident table, map tooltip, incident detail (address masked)
    officer = open_page()
    officer_dialogs = watch_dialogs(officer)
    sign_in(officer, shared_dashboard, "officer", "/console?incident=inc-x")
    expect(officer.locator(".detail-title")).to_have_text(XSS_TITLE)
    expect(officer.locator("#grid-incidents")).to_contain_text(XSS_TITLE)
    expect(officer.locator("#detail-panel")).not_to_contain_text("<script>")  # cut to the road
    officer.locator(".incident-marker").first.hover()
    expect(officer.locator(".leaflet-tooltip:not(.street-label)")).to_contain_text(XSS_TITLE)
    # the 12345 ticket: masked, then one field revealed with a reason
    officer.goto(f"{shared_dashboard.url}/console?ticket=t-x")
    detail = officer.locator("#detail-panel")
    expect(detail).to_contain_text(XSS_SUMMARY)
    expect(detail).to_contain_text("139****5678")
    expect(detail).not_to_contain_text(PHONE)
    expect(detail).to_contain_text("<*")  # the caller's name, masked to its first character
    officer.locator("#reveal-field").click()
    officer.locator(".Select-option, [role=option]", has_text="来电号码").first.click()
    officer.fill("#reveal-reason", XSS_REASON)
    officer.click("#reveal-button")
    expect(officer.locator("#reveal-result")).to_contain_text(PHONE)
    officer.screenshot(path=str(ARTIFACTS / "console-reveal.png"))
    reveal = wait_for(lambda: [e for e in _audit(shared_rclient) if e["action"] == "reveal"],
                      message="audited")
    assert (reveal[0]["who"], reveal[0]["target"], reveal[0]["detail"]) == (
        "officer", "ticket:t-x#caller_phone", XSS_REASON)
    assert any(e["action"] == "view" and e["target"] == "ticket:t-x" for e in _audit(shared_rclient))
    # the admin page lists the reveal, its reason as text
    admin = open_page()
    admin_dialogs = watch_dialogs(admin)
    sign_in(admin, shared_dashboard, "admin", "/admin")
    expect(admin.locator("#audit-grid")).to_contain_text(XSS_REASON, timeout=10_000)
    expect(admin.locator("#risk-cards")).to_contain_text("个人信息调阅")
    admin.screenshot(path=str(ARTIFACTS / "admin.png"))
    # the visitor: aggregates only, none of the records' text
    visitor = open_page()
    visitor_dialogs = watch_dialogs(visitor)
    sign_in(visitor, shared_dashboard, "visitor", "/")
    expect(visitor.locator("#live-feed")).to_contain_text("参观模式")
    expect(visitor.locator("#live-feed")).to_contain_text("河道")
    expect(visitor.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=10_000)
    body = visitor.locator("body").inner_text()
    assert "积水" not in body and "噪声扰民" not in body and PHONE not in body
    visitor.screenshot(path=str(ARTIFACTS / "wall-visitor.png"))
    time.sleep(0.5)  # deliberately lets time pass: a handler injected by the text would have run
    assert wall_dialogs == officer_dialogs == admin_dialogs == visitor_dialogs == []
    for page in (wall, officer, admin, visitor):
        assert page.evaluate("() => document.querySelectorAll('#_dash-app-content script, "
                             "#_dash-app-content iframe, #_dash-app-content svg[onload]').length") == 0


def test_the_admin_page_names_the_attacked_account_in_its_language_and_keeps_time(
    open_page: Callable[..., Page], dashboards: Callable[..., DashboardProcess]
) -> None:
    """Failed sign-ins list the account that was tried, in English on ?lang=en (the audit
    line's action, outcome and detail too), with the attempts that the audit trail rolled
    up into one entry (a 2 s window here); the page has the wall's clock and live badge."""
    dashboard = dashboards(CN_AUDIT_ROLLUP_S=2)
    intruder = open_page()
    intruder.allowed_errors.append(r"status of 401")
    for _ in range(2):
        intruder.goto(f"{dashboard.url}/login?lang=en")
        intruder.fill("#user", "jiangsu")
        intruder.fill("#password", "guessed-wrong")
        intruder.click("button[type=submit]")
        expect(intruder.locator(".error")).to_contain_text("Wrong user name or password")
    admin = open_page()
    sign_in(admin, dashboard, "admin", "/admin?lang=en")
    failed = admin.locator("#risk-failed-sign-ins tr", has_text="jiangsu")
    expect(failed).to_contain_text("2", timeout=20_000)  # 1 at once + 1 when the window closed
    expect(failed).to_contain_text("failed")
    first = admin.locator("#audit-grid .ag-row", has_text="failure 1 in the window")
    expect(first).to_contain_text("Sign-in")
    expect(first).to_contain_text("jiangsu")
    expect(admin.locator("#audit-grid .ag-row", has_text="1 more within 2 s")).to_contain_text("jiangsu")
    expect(admin.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    expect(admin.locator("#live-badge")).to_have_text("Live")
    expect(admin.locator("#wall-clock")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(admin.locator("#wall-clock-date")).to_contain_text("(UTC+8)")
    admin.screenshot(path=str(ARTIFACTS / "admin-en.png"))


def test_a_wall_page_is_cut_off_when_its_token_is_revoked(
    page: Page, shared_dashboard: DashboardProcess
) -> None:
    from dashboard.auth import UserStore

    page.allowed_errors += [r"status of 401", r"WebSocket connection to .* failed"]
    token = shared_dashboard.add_wall("1920x1080")
    page.goto(shared_dashboard.wall_url(token=token))
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    UserStore(shared_dashboard.users_file).revoke_wall(token.split(".")[1])
    expect(page.locator("#live-badge")).not_to_have_class(re.compile("live-ok"))  # at its next beat
    page.reload()  # its session ended with the token: back to the sign-in form
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.goto(shared_dashboard.wall_url(token=token))  # and the kiosk URL itself is refused
    expect(page.locator("body")).to_contain_text("大屏令牌无效或已吊销")


def _audit(client: redis.Redis) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in client.xrange("cn:audit")]

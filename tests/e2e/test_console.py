"""The officers' console in a real Chromium against the real app and a real Redis."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import redis
from playwright.sync_api import Page, expect

from support.events import incident_reported, now_ms, sensor_alarm, sensor_cleared, video_point
from support.log import xadd
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def seed(client: redis.Redis, dashboard: DashboardProcess) -> None:
    """Two streets, one incident in each, a camera, an alarm."""
    now = now_ms()
    cases = (("inc-h1", "hongqiao", "虹桥燃气管道泄漏"), ("inc-j1", "jiangsulu", "江苏路积水"))
    for iid, street, title in cases:
        xadd(client, incident_reported(iid, domain="pipeline", title=title, severity=2, lat=31.2005,
                                       lon=121.4105, address="长宁区虹桥路1号", street=street, ts=now,
                                       source="test"))
    xadd(client, video_point("cam-h1", name="虹桥路口1号", lat=31.2, lon=121.41, street="hongqiao", ts=now))
    wait_for(lambda: dashboard.health()["applied"] >= 3, message="seeded")


def open_console(page: Page, dashboard: DashboardProcess, query: str = "", user: str = "officer") -> Page:
    """Sign in as ``user`` through the form and land on the console (actions are theirs)."""
    sign_in(page, dashboard, user, f"/console{query}")
    page.wait_for_selector("#console-root", state="attached", timeout=30_000)
    expect(page.locator("#officer-name")).to_contain_text(user)
    return page


def click_action(page: Page, verb: str) -> None:
    page.locator(f"button[data-verb={verb}]").click()


def test_drill_from_district_to_street_to_incident_and_back(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """Street list → street (only its incidents) → incident detail; back returns to the street."""
    seed(rclient, dashboard)
    open_console(page, dashboard)
    page.locator(".street-item", has_text="虹桥街道").click()
    expect(page).to_have_url(re.compile(r"/console\?street=hongqiao$"))
    expect(page.locator(".overview-title")).to_have_text("虹桥街道")
    expect(page.locator("#grid-incidents .ag-row")).to_have_count(1)
    page.locator("#grid-incidents .ag-row", has_text="inc-h1").locator(".ag-cell").first.click()
    expect(page).to_have_url(re.compile(r"street=hongqiao&incident=inc-h1"))
    expect(page.locator(".detail-title")).to_have_text("虹桥燃气管道泄漏")
    expect(page.locator(".breadcrumbs")).to_contain_text("inc-h1")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/console\?street=hongqiao$"))
    expect(page.locator("#detail-drawer")).to_be_hidden()
    page.locator(".breadcrumbs .crumb", has_text="全区").click()
    expect(page.locator("#grid-incidents .ag-row")).to_have_count(2)


def test_deep_link_opens_the_incident(page: Page, dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """/console?incident=ID opens that incident's detail directly."""
    seed(rclient, dashboard)
    open_console(page, dashboard, "?incident=inc-j1")
    expect(page.locator(".detail-title")).to_have_text("江苏路积水")
    expect(page.locator(".timeline .tl-item")).to_have_count(1)


def test_each_lifecycle_step_reaches_a_second_page(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """立案 → 派单 → 处置 → 核查 → 结案 → 重新打开, each pushed to another officer's open
    screen (which does nothing meanwhile); a generous deadline per step, as in every test."""
    seed(rclient, dashboard)
    actor = open_console(open_page(), dashboard, "?incident=inc-h1")
    watcher = open_console(open_page(), dashboard, "?incident=inc-h1", user="admin")
    expect(watcher.locator(".detail-meta").first).to_contain_text("发现")
    for verb, status in (("acknowledge", "立案"), ("dispatch", "派单"), ("resolve", "处置"),
                         ("verify", "核查"), ("close", "结案"), ("reopen", "立案")):
        if verb == "dispatch":
            actor.locator("#action-unit").click()
            actor.locator(".Select-option, [role=option]", has_text="区水务所").first.click()
        expect(actor.locator(f"button[data-verb={verb}]")).to_be_visible()
        click_action(actor, verb)
        expect(actor.locator("#action-result")).to_have_class(re.compile("is-ok"))
        expect(watcher.locator(".detail-meta").first).to_contain_text(status)
    expect(watcher.locator(".timeline .tl-item")).to_have_count(7)
    expect(watcher.locator(".timeline")).to_contain_text("officer")


def test_two_officers_dispatching_at_once_get_one_success_and_one_refusal(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """Both register the same reported incident at the same moment: one wins, one is told why."""
    seed(rclient, dashboard)
    first = open_console(open_page(), dashboard, "?incident=inc-h1", user="officer")
    second = open_console(open_page(), dashboard, "?incident=inc-h1", user="admin")
    for page in (first, second):
        expect(page.locator("button[data-verb=acknowledge]")).to_be_visible()
    at = int(time.time() * 1000) + 1500  # both clicks fire at this instant (one machine clock)
    for page in (first, second):
        page.evaluate(f"""() => {{
            const button = document.querySelector('button[data-verb=acknowledge]');
            setTimeout(() => button.click(), {at} - Date.now());
        }}""")
    for page in (first, second):
        expect(page.locator("#action-result")).not_to_have_text("", timeout=10_000)
    results = [page.locator("#action-result").inner_text() for page in (first, second)]
    assert sum(text.startswith("已完成") for text in results) == 1, results
    refusal = next(text for text in results if not text.startswith("已完成"))
    assert "已被他人先行更新" in refusal, refusal  # the version conflict, in the officer's language
    # 3 seeded + the winner; the loser is refused either before writing (it already saw the
    # new version) or by the reducer (both were written with the same version)
    assert dashboard.health()["applied"] in (4, 5)


def test_invalid_transition_is_refused_by_the_server(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """Closing a reported incident (its button is hidden, so forced by script) is refused with a reason."""
    seed(rclient, dashboard)
    open_console(page, dashboard, "?incident=inc-h1")
    expect(page.locator("button[data-verb=close]")).to_be_hidden()
    page.evaluate("() => document.querySelector('button[data-verb=close]').click()")
    expect(page.locator("#action-result")).to_have_text("未执行：事件当前为“发现”，不能结案")
    expect(page.locator(".timeline .tl-item")).to_have_count(1)


def test_alarm_inbox_acknowledge_clear_and_out_of_service(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """A sensor alarm shows in the inbox as unacknowledged; acknowledged (with a comment)
    it moves to the acknowledged, still active part; when its sensor clears it leaves.  A
    second alarm that clears before anyone acknowledged it says "back to normal"; taken
    out of service it is listed apart, and returned to service it is back (ISA-18.2)."""
    seed(rclient, dashboard)
    xadd(rclient, sensor_alarm("gas-0001", kind="gas", level=1, message="燃气浓度超限", street="hongqiao",
                               ts=now_ms()))
    open_console(page, dashboard)
    page.locator(".tab", has_text="告警").click()
    item = page.locator(".inbox-item", has_text="燃气浓度超限")
    expect(item).to_be_visible()
    item.click()
    expect(item).to_have_class(re.compile("is-selected"))
    expect(item).to_have_class(re.compile("is-unacknowledged"))
    expect(item).to_contain_text("未确认")
    page.fill("#inbox-comment", "已通知燃气公司")
    page.locator("#inbox-ack").click()
    expect(page.locator("#inbox-result")).to_have_class(re.compile("is-ok"))
    expect(item).to_have_class(re.compile("is-acknowledged"))
    expect(page.locator(".inbox-section", has_text="已确认、仍在告警（1）")).to_be_visible()
    xadd(rclient, sensor_cleared("gas-0001", ts=now_ms()))
    expect(page.locator(".inbox-item", has_text="燃气浓度超限")).to_have_count(0)

    xadd(rclient, sensor_alarm("wl-0002", kind="water_level", level=2, message="水位超警戒",
                               street="hongqiao", ts=now_ms()))
    xadd(rclient, sensor_cleared("wl-0002", ts=now_ms()))
    second = page.locator(".inbox-item", has_text="水位超警戒")
    expect(second).to_contain_text("已恢复·待确认")
    second.click()
    page.locator("#inbox-out-of-service").click()  # without a reason: refused in words
    expect(page.locator("#inbox-result")).to_have_text(re.compile("停用检修须填写原因"))
    page.fill("#inbox-shelve-reason", "传感器更换")
    page.locator("#inbox-out-of-service").click()
    expect(page.locator("#inbox-result")).to_have_class(re.compile("is-ok"))
    expect(second).to_have_class(re.compile("is-out_of_service"))
    expect(page.locator(".inbox-section", has_text="停用检修（1）")).to_be_visible()
    second.click()
    page.locator("#inbox-in-service").click()
    expect(second).to_have_class(re.compile("is-cleared_unacknowledged"))


def test_filters_apply_to_the_table_and_the_map(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """Searching narrows the incident table and the map's incident markers together."""
    seed(rclient, dashboard)
    open_console(page, dashboard)
    expect(page.locator("#grid-incidents .ag-row")).to_have_count(2)
    expect(page.locator(".incident-marker")).to_have_count(2)
    page.fill("#filter-search", "积水")
    page.press("#filter-search", "Enter")
    expect(page.locator("#grid-incidents .ag-row")).to_have_count(1)
    expect(page.locator(".incident-marker")).to_have_count(1)


def test_a_camera_alarm_acknowledged_on_one_console_leaves_the_other(
    open_page: Callable[..., Page], dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """An acknowledgement of a camera alarm (inbox key video:<point>) reaches a second console."""
    down_since = int(time.time() * 1000) - 40 * 60_000  # offline beyond the 30-minute limit
    xadd(rclient, {"type": "video.point", "street": "hongqiao", "ts": down_since,
                   "data": {"point_id": "cam-down", "name": "虹桥路口离线机", "lat": 31.2, "lon": 121.41}})
    for ts in (down_since, int(time.time() * 1000)):  # down, then a heartbeat: reporting, not stale
        xadd(rclient, {"type": "video.status", "ts": ts,
                       "data": {"point_id": "cam-down", "status": "offline"}})
    wait_for(lambda: dashboard.health()["applied"] >= 3, message="camera down")
    actor = open_console(open_page(), dashboard)
    watcher = open_console(open_page(), dashboard, user="admin")
    for page in (actor, watcher):
        page.locator(".tab", has_text="告警").click()
        expect(page.locator(".inbox-item", has_text="虹桥路口离线机")).to_be_visible()
    actor.locator(".inbox-item", has_text="虹桥路口离线机").click()
    actor.fill("#inbox-comment", "已派维修")
    actor.locator("#inbox-ack").click()
    expect(actor.locator("#inbox-result")).to_have_class(re.compile("is-ok"))
    # nothing but the patch's cue makes the watcher's inbox render again: the camera is still
    # down, so the alarm stays, acknowledged (ISA-18.2), out of the part that waits for action
    expect(watcher.locator(".inbox-item.is-unacknowledged", has_text="虹桥路口离线机")).to_have_count(
        0, timeout=10_000)
    expect(watcher.locator(".inbox-item.is-acknowledged", has_text="虹桥路口离线机")).to_be_visible()


@pytest.mark.parametrize(("lang", "pager_word", "other_words"), [
    ("zh", "页", ("Page", " of ", "No Rows")),
    ("en", "Page", ("页", "共")),
])
def test_grids_speak_the_console_language_and_name_the_level(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis, lang: str, pager_word: str,
    other_words: tuple[str, ...],
) -> None:
    """AG Grid's pager is in the page's language, and the level column names the level."""
    seed(rclient, dashboard)
    open_console(page, dashboard, "" if lang == "zh" else "?lang=en")
    expect(page.locator("#grid-incidents .ag-row")).to_have_count(2)
    pager = page.locator("#grid-incidents .ag-paging-panel")
    expect(pager).to_contain_text(pager_word)
    text = pager.inner_text()
    assert not any(word in text for word in other_words), text
    level = "II 重大" if lang == "zh" else "II Major"
    expect(page.locator("#grid-incidents .ag-row").first).to_contain_text(level)

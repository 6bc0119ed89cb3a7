"""Both languages complete (#11 item 6): every screen, in zh and in en, in a real Chromium,
shows no string of the other language outside event text and proper names.

Known events of every kind are published first, so that every kind of row, timeline line,
inbox item and audit line exists.  What is read: every visible text node, the visible
``placeholder`` and ``title`` attributes and the text CSS draws from data attributes
(``::before``/``::after``), skipping what is marked as data (``[data-text]``; in a grid,
whose cells take no attributes, the ``data-text`` cell class).

* In ``lang=en`` no CJK character (nor CJK punctuation) may appear.
* In zh no English UI word may appear: the words of the English side of the string table
  (dashboard/i18n.py and the indicator catalogue) and of its keys (which name the codes a
  screen must not show raw: ``login``, ``ok``, ``online``, ...) that the Chinese side does
  not use itself (such as CSV, Redis, AQI), and no ``5 s``/``1 h`` unit after a number.

The module shares one dashboard: the tests run in order (zh first) on one state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.catalogue import load_catalogue
from dashboard.i18n import client_strings
from dashboard.redis_clients import sync_client
from support.events import (
    duty_shift,
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    now_ms,
    sensor_alarm,
    sensor_reading,
    video_point,
    video_status,
)
from support.log import xadd
from support.processes import ARTIFACTS, DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LANGS = ("zh", "en")
MIN = 60_000
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])")
UNIT_AFTER_NUMBER = re.compile(r"\d\s?(?:s|h|d|min)(?![A-Za-z0-9])")

# Every visible text outside data: text nodes, placeholders, titles, CSS-drawn text.
READ_TEXTS = """() => {
  const marked = (el) => !!el.closest('[data-text], .data-text');
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.nodeValue.trim();
    if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    if (shown(el) && !marked(el)) out.push(text);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || marked(el)) continue;
    for (const name of ['placeholder', 'title']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content.startsWith('"') && content.length > 2) out.push(content.slice(1, -1));
    }
  }
  return out;
}"""

# Labels cut off or spilling out of their box (block-level, not data).
CUT_OFF = """(root) => {
  const out = [];
  for (const el of document.querySelectorAll(root + ' *')) {
    if (el.closest('[data-text], .data-text') || el.children.length) continue;
    const style = getComputedStyle(el);
    const text = el.textContent.trim();
    if (!text || style.display === 'inline' || !el.getClientRects().length) continue;
    if (el.scrollWidth > el.clientWidth + 1) out.push(text);
  }
  return out;
}"""


def english_ui_words() -> frozenset[str]:
    """The words of the English UI strings and of their keys that the Chinese strings do
    not use themselves."""
    en, zh = client_strings("en"), client_strings("zh")
    catalogue = load_catalogue()
    english = [text for key, text in en.items() if key != "lang"]
    english += [key.replace("_", " ") for key in en if key != "lang"]
    english += [text for i in catalogue for text in (i.name_en, i.unit_en)]
    chinese = [text for key, text in zh.items() if key != "lang"]
    chinese += [text for i in catalogue for text in (i.name_zh, i.unit)]

    def words(texts: Iterable[str]) -> set[str]:
        return {word.lower() for text in texts for word in WORD.findall(re.sub(r"\{\w+\}", "", text))}

    return frozenset(words(english) - words(chinese))


ENGLISH = english_ui_words()


def other_language(texts: list[str], lang: str) -> list[str]:
    """The texts that hold a string of the other language."""
    if lang == "en":
        return sorted({text for text in texts if CJK.search(text)})
    return sorted({text for text in texts
                   if any(word.lower() in ENGLISH for word in WORD.findall(text))
                   or UNIT_AFTER_NUMBER.search(text)})


#: what dash-renderer shows while a lazily loaded component (a plotly graph) is fetched
RENDERER_PLACEHOLDER = "Loading..."


def assert_one_language(page: Page, lang: str, screen: str) -> None:
    """Everything ``page`` shows outside data is in ``lang``, once dash-renderer's own
    placeholder for a component still loading has gone (on a busy machine the graph's
    chunk can take seconds; a placeholder that stays is reported like any other text)."""
    try:
        texts = wait_for(lambda: (t := page.evaluate(READ_TEXTS)) and RENDERER_PLACEHOLDER not in t and t,
                         20, 0.2, "the renderer's placeholder gone")
    except AssertionError:
        texts = page.evaluate(READ_TEXTS)  # it stayed: judged (and reported) like any text
    wrong = other_language(texts, lang)
    if wrong:
        page.screenshot(path=str(ARTIFACTS / f"languages-{screen}-{lang}.png"))
    assert wrong == [], f"{screen} in {lang} shows the other language: {wrong}"


def test_the_english_ui_words_are_found_and_proper_tokens_are_not() -> None:
    """The word table catches the known slips and lets CSV, Redis, AQI and ids through."""
    assert {"choose", "unit", "page", "rows", "search", "sign", "login", "ok", "up", "online",
            "min"} <= ENGLISH
    assert not {"csv", "redis", "aqi", "inc", "cam"} & ENGLISH
    assert other_language(["未执行：choose a unit to dispatch to", "1 to 19 of 64", "30 min", "导出 CSV",
                           "inc-L2", "0.5 s"], "zh") == ["0.5 s", "1 to 19 of 64", "30 min",
                                                         "未执行：choose a unit to dispatch to"]
    assert other_language(["Refused: 请先选择派往单位", "Jiangsu Rd · 12-02 08:00"], "en") == [
        "Refused: 请先选择派往单位"]


# ---------------------------------------------------------------- known events of every kind


def publish_known_events(client: redis.Redis, dashboard: DashboardProcess) -> None:
    now = now_ms()
    events = [
        incident_reported("inc-L1", domain="waterway", title="苏州河水位异常上涨", severity=1, lat=31.222,
                          lon=121.42, address="长宁区长宁路1号", street="huayanglu", ts=now - 3 * MIN),
        incident_reported("inc-L2", domain="pipeline", title="燃气管道泄漏", severity=2, lat=31.2005,
                          lon=121.4105, address="长宁区虹桥路1号", description="现场有明显异味",
                          street="zhoujiaqiao", ts=now - 20 * MIN),
        incident_step("acknowledged", "inc-L2", by="officer-7", note="已接报，正在核实", version=1,
                      street="zhoujiaqiao", ts=now - 18 * MIN),
        incident_step("dispatched", "inc-L2", by="officer-7", unit="zhoujiaqiao", note="请属地处置",
                      version=2, street="zhoujiaqiao", ts=now - 15 * MIN),
        incident_step("noted", "inc-L2", by="officer-9", note="已到场", street="zhoujiaqiao",
                      ts=now - 10 * MIN),
        incident_reported("inc-L3", domain="crowd", title="商圈客流聚集", severity=3, street="tianshanlu",
                          ts=now - 40 * MIN),
        incident_step("dispatched", "inc-L3", by="officer-2", unit="区城运中心", street="tianshanlu",
                      ts=now - 39 * MIN),  # refused by the reducer: it is not registered yet
        video_point("cam-L1", name="虹桥路口1号", kind="road", lat=31.2, lon=121.41, street="hongqiao",
                    ts=now - 120 * MIN),
        video_status("cam-L1", "offline", reason="网络中断", ts=now - 90 * MIN),
        sensor_reading("SL1", 3.9, kind="water_level", unit="m", lat=31.216, lon=121.406,
                       street="tianshanlu", ts=now - 6 * MIN),
        sensor_alarm("SL1", kind="water_level", level=2, message="河道水位超警戒线", lat=31.216, lon=121.406,
                     street="tianshanlu", ts=now - 5 * MIN),
        sensor_alarm("SL2", kind="gas", level=3, street="xinhualu", ts=now - 4 * MIN),  # no message
        indicator_value("safety.police_calls_hour", 95, ts=now - 2 * MIN),  # in alarm: an inbox item
        hotline_ticket("t-L1", category="噪声", summary="夜间施工噪声扰民", status="dispatched",
                       caller_name="王五", caller_phone="13912345678", address="长宁区天山路1号",
                       street="tianshanlu", ts=now - 30 * MIN),
        duty_shift("district", "值班长", "李雷", phone="13800001111", start="2026-12-01T08:00:00+08:00",
                   end="2026-12-01T20:00:00+08:00", ts=now - 60 * MIN),
    ]
    before = dashboard.applied()
    for event in events:
        xadd(client, event)
    dashboard.wait_applied(before + len(events), timeout=30)


@pytest.fixture(scope="module")
def known(shared_dashboard: DashboardProcess, module_redis: object) -> DashboardProcess:
    client = sync_client(module_redis.url)  # type: ignore[attr-defined]
    publish_known_events(client, shared_dashboard)
    client.close()
    return shared_dashboard


# ---------------------------------------------------------------- every screen in each language


@pytest.mark.parametrize("lang", LANGS)
def test_the_sign_in_page_and_the_walls_are_in_one_language(
    open_page: Callable[..., Page], known: DashboardProcess, lang: str
) -> None:
    """The sign-in form, the wall (with its feed, map and legend) and the visitors' wall."""
    login = open_page()
    login.goto(f"{known.url}/login?lang={lang}")
    expect(login.locator("button[type=submit]")).to_be_visible()
    assert_one_language(login, lang, "login")

    wall = open_page()
    wall.goto(known.wall_url(f"lang={lang}"))
    expect(wall.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    expect(wall.locator("#live-feed .feed-item").first).to_be_visible()
    expect(wall.locator("#wall-clock")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    assert_one_language(wall, lang, "wall")

    visitor = sign_in(open_page(), known, "visitor", f"/?lang={lang}")
    expect(visitor.locator("#live-feed .feed-count").first).to_be_visible(timeout=20_000)
    expect(visitor.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    assert_one_language(visitor, lang, "visitor")


DISPATCH_REFUSED = {"zh": "未执行：请先选择派往单位", "en": "Refused: Choose a unit to dispatch to"}
UNIT_NAME = {"zh": "周家桥街道", "en": "Zhoujiaqiao"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_console_with_a_case_a_camera_a_ticket_and_the_inbox_is_in_one_language(
    page: Page, known: DashboardProcess, lang: str
) -> None:
    """A case (timeline with unit names, a refused action), each tab (inbox, cameras, 12345,
    duty), a camera, a sensor, a ticket and a shift opened."""
    sign_in(page, known, "officer", f"/console?lang={lang}&incident=inc-L2")
    expect(page.locator(".detail-title")).to_have_text("燃气管道泄漏", timeout=20_000)
    expect(page.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(UNIT_NAME[lang])
    expect(timeline).not_to_contain_text("zhoujiaqiao")
    page.locator("button[data-verb=dispatch]").click()  # no unit chosen: refused, with the reason
    expect(page.locator("#action-result")).to_have_text(DISPATCH_REFUSED[lang])
    expect(page.locator("#grid-incidents .ag-row").first).to_be_visible()
    assert_one_language(page, lang, "console-case")
    assert page.evaluate(CUT_OFF, "#detail-drawer") == []
    page.locator("#filter-domains").click()  # a dropdown's own texts: search, select all
    expect(page.locator(".dash-dropdown-search")).to_be_visible()
    assert_one_language(page, lang, "console-dropdown")
    page.keyboard.press("Escape")

    tabs = page.locator("#console-tabs .tab")
    for index, ready in ((1, ".inbox-item"), (2, "#grid-cameras .ag-row"), (3, "#grid-tickets .ag-row"),
                         (4, ".duty .table tbody tr")):
        tabs.nth(index).click()
        expect(page.locator(ready).first).to_be_visible()
        assert_one_language(page, lang, f"console-tab-{index}")
    for query, ready in (("camera=cam-L1", ".detail-title"), ("sensor=SL1", ".detail-title"),
                         ("ticket=t-L1", ".detail-fields"), ("duty=district%2F%E5%80%BC%E7%8F%AD%E9%95%BF",
                                                             ".detail-fields")):
        page.goto(f"{known.url}/console?lang={lang}&{query}")
        expect(page.locator(f"#detail-panel {ready}")).to_be_visible(timeout=20_000)
        expect(page.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
        assert_one_language(page, lang, f"console-{query.split('=')[0]}")
        assert page.evaluate(CUT_OFF, "#detail-drawer") == []
    expect(page.locator("#detail-panel")).to_contain_text("12-01 08:00 – 20:00")  # the shift, not ISO


@pytest.mark.parametrize("lang", LANGS)
def test_the_admin_page_is_in_one_language(
    open_page: Callable[..., Page], known: DashboardProcess, lang: str
) -> None:
    """Risk cards, failed sign-ins, refused requests and the audit trail (sign-ins, looks,
    refused actions) in the page's language."""
    intruder = open_page()
    intruder.allowed_errors.append(r"status of 401")
    intruder.goto(f"{known.url}/login?lang={lang}")
    intruder.fill("#user", "officer")
    intruder.fill("#password", "not-the-password")
    intruder.click("button[type=submit]")
    expect(intruder.locator(".error")).to_be_visible()
    admin = sign_in(open_page(), known, "admin", f"/admin?lang={lang}")
    expect(admin.locator("#audit-grid .ag-row").first).to_be_visible(timeout=20_000)
    expect(admin.locator("#risk-failed-sign-ins")).to_contain_text("officer")
    expect(admin.locator("#live-badge")).to_have_class(re.compile("live-ok"), timeout=20_000)
    assert_one_language(admin, lang, "admin")
    assert admin.evaluate(CUT_OFF, "#admin-root .risk-cards") == []

"""The operator's truth (#11): a known set of events published into an empty state, and
every number the wall shows read back and compared with the figure it must be.

The expected figures are a table (:data:`DISTRICT`, :data:`HONGQIAO`): one :class:`Shown`
row per figure on screen, with the CSS selector it is read from.  To check another
screen, write its table and call :func:`assert_shows` on its page; to check more of
the wall, add rows.  The events (:func:`publish_the_day`) are chosen so that every
figure differs from the others and from the defaults, and their sums are easy to check
by hand (written next to each row).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import NamedTuple

import pytest
import redis
from playwright.sync_api import Page

from dashboard import levels, lifecycle
from dashboard.i18n import t
from support.events import (
    EnvelopeFields,
    alarm_acknowledged,
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    now_ms,
    sensor_alarm,
    video_point,
    video_status,
)
from support.log import xadd, xadd_all
from support.processes import DashboardProcess

pytestmark = pytest.mark.e2e

DEADLINE_S = 20.0  # generous: a busy 2-core machine must not fail a correct wall


class Shown(NamedTuple):
    """One figure on a screen: what it is, where it is read (a CSS selector), what it must
    say, and how to read it: ``text`` (textContent, trimmed), ``count`` (how many match)
    or the name of an attribute."""

    what: str
    selector: str
    expected: str
    read: str = "text"


READ = """rows => rows.map(([selector, read]) => {
    if (read === "count") { return String(document.querySelectorAll(selector).length); }
    const el = document.querySelector(selector);
    if (!el) { return null; }
    return read === "text" ? el.textContent.trim() : el.getAttribute(read);
})"""


def read_back(page: Page, rows: Sequence[Shown]) -> list[str | None]:
    return list(page.evaluate(READ, [[row.selector, row.read] for row in rows]))


def assert_shows(page: Page, rows: Sequence[Shown], deadline_s: float = DEADLINE_S) -> None:
    """Wait until every row reads as expected; fail with a table of those that do not."""
    deadline = time.monotonic() + deadline_s
    while True:
        actual = read_back(page, rows)
        wrong = [(row, value) for row, value in zip(rows, actual, strict=True) if value != row.expected]
        if not wrong:
            return
        if time.monotonic() > deadline:
            table = "\n".join(f"  {row.what:<34} {row.selector:<52} expected {row.expected!r}, "
                              f"shows {value!r}" for row, value in wrong)
            pytest.fail(f"{len(wrong)} of {len(rows)} figures are wrong:\n{table}", pytrace=False)
        time.sleep(0.2)


def open_wall(page: Page, dashboard: DashboardProcess, query: str = "", token: str | None = None) -> None:
    """The wall as its kiosk opens it, once it is live (its view applied, badge 实时)."""
    page.goto(dashboard.wall_url(query, token))
    assert_shows(page, [Shown("live badge", "#live-badge.live-ok", "1", "count")])


def e2e(ts: int | None = None) -> EnvelopeFields:
    return {"event_id": f"truth-{uuid.uuid4().hex[:12]}", "ts": ts or now_ms(), "source": "e2e"}


I1_TITLE = "天山路燃气管道泄漏 周边人员疏散"
A1_MESSAGE = "可燃气体浓度超标"


def publish_the_day(rclient: redis.Redis) -> None:
    """The day, in three steps (the wall is open: it sees the severe items arrive)."""
    cameras = [("cam-h1", "hongqiao"), ("cam-h2", "hongqiao"), ("cam-h3", "hongqiao"),
               ("cam-j1", "jiangsulu"), ("cam-j2", "jiangsulu")]
    xadd_all(rclient, [
        *[video_point(pid, lat=31.20 + n / 1000, lon=121.40, street=street, **e2e())
          for n, (pid, street) in enumerate(cameras)],
        video_status("cam-h3", "offline", **e2e()), video_status("cam-j2", "fault", **e2e()),
        indicator_value("green.pm25", 35, **e2e()),
        indicator_value("green.aqi", 160, **e2e()),  # alarm ≥ 150
        indicator_value("green.aqi", 30, street="hongqiao", **e2e()),
        indicator_value("safety.police_calls_hour", 50, **e2e()),  # warn ≥ 45
        incident_reported("i2", domain="epidemic", title="发热病例聚集", severity=3, street="jiangsulu",
                          **e2e()),
        incident_reported("i3", domain="waterway", title="河道排口异常", severity=2, street="hongqiao",
                          **e2e()),
        incident_reported("i4", domain="crowd", title="商圈人流", severity=4, street="hongqiao", **e2e()),
        incident_step("acknowledged", "i3", by="officer", version=1, **e2e()),
        *[incident_step(step, "i4", by="officer", version=v, unit="hongqiao", **e2e())  # type: ignore[arg-type]
          for v, step in enumerate(lifecycle.STEPS[: lifecycle.STEPS.index("closed") + 1], 1)],
        hotline_ticket("t1", street="hongqiao", **e2e()),
        hotline_ticket("t2", street="jiangsulu", **e2e()),
        hotline_ticket("t3", street="hongqiao", **e2e()),
        hotline_ticket("t3", status="closed", satisfied=True, street="hongqiao", **e2e()),
        hotline_ticket("t4", street="jiangsulu", **e2e()),
        hotline_ticket("t4", status="closed", satisfied=False, street="jiangsulu", **e2e()),
        sensor_alarm("gas-1", kind="gas", level=2, message=A1_MESSAGE, street="hongqiao", **e2e()),
        sensor_alarm("wl-1", kind="water_level", level=3, message="水位超警戒", street="jiangsulu", **e2e()),
    ])
    smoke = sensor_alarm("smoke-1", kind="smoke", level=1, message="烟雾报警", street="hongqiao", **e2e())
    xadd(rclient, smoke)
    xadd(rclient, alarm_acknowledged(smoke["id"], "officer", comment="误报", **e2e()))  # keyed by its id
    xadd(rclient, incident_reported("i1", domain="pipeline", title=I1_TITLE, severity=1, lat=31.2185,
                                    lon=121.4110, street="hongqiao", **e2e()))


def dimension(name: str, text: str, level: str) -> list[Shown]:
    return [Shown(f"{name} header", f"#dim-summary-{name}", text),
            Shown(f"{name} header colour", f"#dim-summary-{name}.has-{level}" if level != "ok"
                  else f"#dim-summary-{name}:not(.has-warn):not(.has-alarm)", "1", "count")]


def bar(street: str, label: str, rate: str) -> Shown:
    return Shown(f"cameras online in {street}", f'#video-streets .bar-row[data-label="{label}"]', rate,
                 "data-value")


L1 = levels.label(1)

#: The district's wall after :func:`publish_the_day`.
DISTRICT: list[Shown] = [
    # tiles: the district-wide series
    Shown("PM2.5 tile", "#tile-value-green-pm25", "35"),
    Shown("AQI tile", "#tile-value-green-aqi", "160"),
    Shown("AQI tile level", "#tile-green-aqi.level-alarm", "1", "count"),
    Shown("police calls tile", "#tile-value-safety-police-calls-hour", "50"),
    Shown("police calls level", "#tile-safety-police-calls-hour.level-warn", "1", "count"),
    # headers: open incidents of its domains · active alarms (and series in alarm) · series in warning
    *dimension("safety", "事件 1 · 告警 1 · 预警 1", "alarm"),  # i1 pipeline; gas-1 (smoke-1 acked); police
    *dimension("green", "事件 1 · 告警 2", "alarm"),  # i3 waterway; wl-1 + AQI 160
    *dimension("vitality", "全部正常", "ok"),
    *dimension("health", "事件 1", "warn"),  # i2 epidemic, level 3
    # 12345 of today: t1–t4 came in, t3 (satisfied) and t4 (not) closed
    Shown("12345 new", "#hotline-new", "4"),
    Shown("12345 in progress", "#hotline-open", "2"),
    Shown("12345 overdue", "#hotline-overdue", "0"),
    Shown("12345 satisfaction", "#hotline-satisfaction", "50.0%"),
    # cameras: 5, one offline, one fault
    Shown("cameras online (legend)", "#map-legend-count-online", "3"),
    Shown("cameras offline (legend)", "#map-legend-count-offline", "1"),
    Shown("cameras fault (legend)", "#map-legend-count-fault", "1"),
    Shown("cameras stale (legend)", "#map-legend-count-stale", "0"),
    Shown("cameras online rate", "#video-rate", "全区 60.0%"),
    bar("hongqiao", "虹桥街道", "66.7%"),
    bar("jiangsulu", "江苏路街道", "50.0%"),
    bar("xinhualu", "新华路街道", "—"),
    # the feed: i1 and gas-1 pinned (unacknowledged, levels 1–2), then the five others
    Shown("feed lines", "#live-feed .feed-event", "7", "count"),
    Shown("pinned lines", "#live-feed .feed-event.is-pinned", "2", "count"),
    Shown("first pin", "#live-feed .feed-event.is-pinned:nth-child(1) .feed-title", I1_TITLE),
    Shown("first pin's level", "#live-feed .feed-event.is-pinned:nth-child(1)", L1, "data-sev"),
    Shown("first pin's timer", "#live-feed .feed-event.is-pinned:nth-child(1)", "未确认 0 分钟", "data-age"),
    Shown("second pin", "#live-feed .feed-event.is-pinned:nth-child(2) .feed-title", f"燃气 · {A1_MESSAGE}"),
    Shown("second pin's level", "#live-feed .feed-event.is-pinned:nth-child(2)",
          levels.label(2, kind="alarm"), "data-sev"),
    Shown("no flood", "#live-feed .feed-flood", "0", "count"),
    # the banner: the last severe item, named by its level as the feed names it
    Shown("banner", "#attention-banner.banner-severe", "1", "count"),
    Shown("banner level", "#attention-banner .banner-kind", t("banner.incident", level=L1)),
    Shown("banner title", "#attention-banner .banner-text", I1_TITLE),
    Shown("banner street", "#attention-banner .banner-where", "虹桥街道"),
]

#: The wall of 虹桥街道 (a wall token scoped to it) after :func:`publish_the_day`.
HONGQIAO: list[Shown] = [
    Shown("scope in the title", "#wall-scope", "· 虹桥街道"),
    Shown("AQI tile: the street's own", "#tile-value-green-aqi", "30"),
    Shown("PM2.5 tile: the district's", "#tile-value-green-pm25", "35"),
    *dimension("safety", "事件 1 · 告警 1 · 预警 1", "alarm"),  # i1; gas-1; police (district-wide) 50
    *dimension("green", "事件 1", "alarm"),  # i3 (level 2); wl-1 is jiangsulu's, its own AQI is fine
    *dimension("health", "全部正常", "ok"),  # i2 is jiangsulu's
    Shown("12345 new", "#hotline-new", "2"),  # t1, t3
    Shown("12345 in progress", "#hotline-open", "1"),
    Shown("12345 satisfaction", "#hotline-satisfaction", "100.0%"),
    Shown("cameras online (legend)", "#map-legend-count-online", "2"),
    Shown("cameras offline (legend)", "#map-legend-count-offline", "1"),
    Shown("cameras fault (legend)", "#map-legend-count-fault", "0"),
    Shown("cameras online rate", "#video-rate", "虹桥街道 66.7%"),
    bar("hongqiao", "虹桥街道", "66.7%"),
    Shown("street bars: its own only", "#video-streets .bar-row", "1", "count"),
    Shown("feed lines", "#live-feed .feed-event", "5", "count"),  # i1, i3, i4, gas-1, smoke-1
    Shown("pinned lines", "#live-feed .feed-event.is-pinned", "2", "count"),
    Shown("banner level", "#attention-banner .banner-kind", t("banner.incident", level=L1)),
]


def test_every_figure_on_the_wall_is_the_one_the_events_make(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, open_page
) -> None:
    """Into an empty state, a known day: tiles, headers, 12345, cameras, feed and banner
    read exactly the figures it makes, on the district's wall and on a street's."""
    street_page = open_page(1920, 1080)
    open_wall(page, dashboard)
    open_wall(street_page, dashboard, token=dashboard.add_wall("1920x1080", scope="hongqiao"))
    publish_the_day(rclient)
    assert_shows(page, DISTRICT)
    assert_shows(street_page, HONGQIAO)


def test_a_pin_ticks_and_leaves_once_acknowledged(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """未确认 N 分钟 counts the minutes the item has waited; 立案 takes it off the pins."""
    open_wall(page, dashboard)
    xadd(rclient, incident_reported("i-old", severity=2, title="等待立案", street="hongqiao",
                                    **e2e(now_ms() - 6 * 60_000 + 3_000)))
    pin = "#live-feed .feed-event.is-pinned"
    assert_shows(page, [Shown("pin", pin, "1", "count"), Shown("timer", pin, "未确认 5 分钟", "data-age")])
    assert_shows(page, [Shown("timer, a minute on", pin, "未确认 6 分钟", "data-age")])
    xadd(rclient, incident_step("acknowledged", "i-old", by="officer", version=1, **e2e()))
    assert_shows(page, [Shown("no pin", pin, "0", "count"),
                        Shown("still listed", "#live-feed .feed-event .feed-title", "等待立案")])


def test_a_flood_is_summarised_and_says_how_many_it_hides(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """13 alarms in a minute (more than 10 in 10 min): the level-1 one stays pinned, the
    rest are summarised with their number, and the banner says flood."""
    open_wall(page, dashboard)
    xadd_all(rclient, [sensor_alarm(f"gas-{n}", kind="gas", level=3, street="hongqiao", **e2e())
                       for n in range(12)]
             + [sensor_alarm("gas-severe", kind="gas", level=1, message="严重泄漏", street="hongqiao",
                             **e2e())])
    assert_shows(page, [
        Shown("pinned", "#live-feed .feed-event.is-pinned", "1", "count"),
        Shown("listed besides the pin", "#live-feed .feed-event:not(.is-pinned)", "0", "count"),
        Shown("summary", "#live-feed .feed-flood", t("flood.summary", n=13, w=10, s=1, h=12)),
        Shown("banner", "#attention-banner.banner-flood", t("flood.banner", n=13, w=10, s=1)),
    ])

"""The wall in a real Chromium against a real dashboard process and a real Redis."""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from playwright.sync_api import Page, Route

from dashboard.catalogue import load_catalogue
from dashboard.simulator import DistrictSimulator
from support.events import (
    EnvelopeFields,
    incident_reported,
    indicator_value,
    now_ms,
    sensor_alarm,
    video_point,
    video_status,
)
from support.log import xadd_all
from support.processes import ARTIFACTS, ROOT, DashboardProcess, wait_for

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
READY = "() => !!(window.cnLive && window.cnLive.view && document.querySelector('#live-badge.live-ok'))"
CJK = re.compile(r"[\u3400-\u9fff]")
#: The page has caught up with ``n`` applied events, every panel is filled, and the map
#: shows the cameras in trouble (when the legend counts any).
MAP_SETTLED = """n => window.cnLive.view.applied >= n
    && document.getElementById('map-legend-count-online').textContent !== '—'
    && document.querySelectorAll('#live-feed .feed-item').length > 0
    && [...document.querySelectorAll('.spark-line')].every(l => l.getAttribute('points'))
    && (['offline', 'fault'].every(s => document.getElementById('map-legend-count-' + s).textContent === '0')
        || !!document.querySelector('.video-cluster:not(.status-online)'))"""


def e2e() -> EnvelopeFields:
    """What every event these tests write carries: a unique id, the time now, the source."""
    return {"event_id": f"e2e-{uuid.uuid4().hex[:12]}", "ts": now_ms(), "source": "e2e"}


def open_wall(page: Page, dashboard: DashboardProcess, query: str = "", token: str | None = None) -> None:
    """Load the wall as its kiosk does and wait until it has its view and shows itself live."""
    page.goto(dashboard.wall_url(query, token))
    page.wait_for_function(READY, timeout=20_000)


def seconds_until(page: Page, expression: str, arg: Any = None, timeout: float = 5.0) -> float:
    """Seconds from now until ``expression`` holds in the page (fails after ``timeout``)."""
    start = time.monotonic()
    page.wait_for_function(expression, arg=arg, timeout=timeout * 1000)
    return time.monotonic() - start


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str],
           record_property: Callable[[str, object], None]) -> Callable[[str, float], None]:
    """Print a measured figure to the terminal (even under -q) and record it in the report."""
    def emit(name: str, seconds: float) -> None:
        record_property(name, round(seconds, 3))
        with capsys.disabled():
            print(f"\n[e2e] {name}: {seconds * 1000:.0f} ms", end="")
    return emit


def test_indicator_value_reaches_its_tile_within_a_second(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, report: Callable[[str, float], None]
) -> None:
    """A district-level indicator.value is shown in its tile within 1 s of the XADD."""
    decimals = next(i["decimals"] for i in load_catalogue() if i["key"] == "green.pm25")
    expected = f"{123.4:.{decimals}f}"
    open_wall(page, dashboard)
    start = time.monotonic()
    xadd_all(rclient, [indicator_value("green.pm25", 123.4, **e2e())])
    page.wait_for_function("t => document.getElementById('tile-value-green-pm25').textContent === t",
                           arg=expected, timeout=5_000)
    elapsed = time.monotonic() - start
    report("indicator_xadd_to_tile", elapsed)
    assert elapsed <= 1.0, f"tile updated after {elapsed:.3f} s"


def test_incident_reaches_the_feed_within_a_second(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, report: Callable[[str, float], None]
) -> None:
    """A reported incident appears as a feed entry, title included, within 1 s."""
    open_wall(page, dashboard)
    title = "娄山关路积水约20厘米"
    start = time.monotonic()
    xadd_all(rclient, [incident_reported("inc-feed-1", domain="waterway", title=title, severity=3,
                                         street="xinhualu", **e2e())])
    page.wait_for_function(
        "t => [...document.querySelectorAll('#live-feed .feed-item .feed-title')]"
        ".some(e => e.textContent === t)", arg=title, timeout=5_000)
    elapsed = time.monotonic() - start
    report("incident_xadd_to_feed", elapsed)
    assert elapsed <= 1.0, f"feed entry appeared after {elapsed:.3f} s"
    meta = page.locator("#live-feed .feed-item").first.locator(".feed-meta").text_content() or ""
    assert "新华路街道" in meta


def test_camera_fault_recolours_its_cluster_and_the_legend(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, report: Callable[[str, float], None]
) -> None:
    """A fault on one of two co-located cameras turns their cluster and the legend to fault."""
    xadd_all(rclient, [video_point(pid, lat=31.2205, lon=121.4240, street="tianshanlu", **e2e())
                       for pid in ("cam-a", "cam-b")])
    wait_for(lambda: dashboard.health()["applied"] == 2, message="two cameras applied")
    open_wall(page, dashboard)
    page.wait_for_selector(".video-cluster.status-online", timeout=10_000)
    assert page.locator(".video-cluster").count() == 1
    assert page.text_content("#map-legend-count-fault") == "0"
    start = time.monotonic()
    xadd_all(rclient, [video_status("cam-b", "fault", **e2e())])
    page.wait_for_function(
        "() => !!document.querySelector('.video-cluster.status-fault')"
        " && document.getElementById('map-legend-count-fault').textContent === '1'",
        timeout=5_000)
    elapsed = time.monotonic() - start
    report("camera_fault_to_cluster", elapsed)
    assert elapsed <= 1.0, f"cluster recoloured after {elapsed:.3f} s"
    assert page.locator(".video-cluster.status-online").count() == 0
    assert page.text_content("#map-legend-count-online") == "1"


def test_badge_shows_disconnection_and_recovery(
    dashboard: DashboardProcess, page: Page, report: Callable[[str, float], None]
) -> None:
    """The badge reads 已断开 within 5 s of the server dying and 实时 within 15 s of its return."""
    page.allowed_errors.append(r"WebSocket connection to 'ws://[^']*/live' failed")  # while it is down
    open_wall(page, dashboard)
    assert page.text_content("#live-badge") == "实时"
    dashboard.kill()
    report("kill_to_disconnected_badge", seconds_until(
        page, "() => document.getElementById('live-badge').textContent === '已断开'", timeout=5))
    dashboard.start()
    report("restart_to_live_badge", seconds_until(
        page, "() => document.getElementById('live-badge').textContent === '实时'", timeout=15))


XSS_TITLE = "<img src=x onerror=alert(1)><script>alert(2)</script>"
XSS_ADDRESS = "<b>bold</b>"
XSS_MESSAGE = "液位异常 <svg onload=alert(3)> 请核查"
INJECTED = ("#live-feed img, #live-feed svg, #live-feed script, #live-feed b, "
            "#attention-banner img, #attention-banner svg, #attention-banner script")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_event_text_is_shown_as_text_never_markup(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, lang: str
) -> None:
    """Markup in titles, addresses and alarm messages is shown literally and never runs."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_wall(page, dashboard, f"?lang={lang}")
    xadd_all(rclient, [
        incident_reported("inc-xss", domain="safety", title=XSS_TITLE, severity=1, address=XSS_ADDRESS,
                          street="hongqiao", **e2e()),
        sensor_alarm("gas-xss", kind="gas", level=2, message=XSS_MESSAGE, street="hongqiao", **e2e()),
    ])
    page.wait_for_function(
        "texts => { const t = document.getElementById('live-feed').textContent;"
        " return texts.every(x => t.includes(x)); }", arg=[XSS_TITLE, XSS_MESSAGE], timeout=5_000)
    page.wait_for_function("t => document.getElementById('attention-banner').textContent.includes(t)",
                           arg=XSS_TITLE, timeout=5_000)
    assert page.locator(INJECTED).count() == 0
    assert page.evaluate("""() => document.querySelectorAll('img[src="x"]').length === 0
        && ![...document.querySelectorAll('b')].some(b => b.textContent === 'bold')""")
    assert dialogs == []


def test_english_wall_has_english_labels(dashboard: DashboardProcess, page: Page) -> None:
    """?lang=en shows English panel titles and badge and no Chinese in the header title."""
    open_wall(page, dashboard, "?lang=en")
    titles = page.locator(".panel-title").all_text_contents()
    assert "Live Incidents & Alarms" in titles
    assert page.text_content("#live-badge") == "Live"
    title = page.text_content(".wall-title") or ""
    assert title and not CJK.search(title), title
    assert page.evaluate("document.documentElement.lang") == "en"


def feed_district(rclient: redis.Redis, dashboard: DashboardProcess) -> DistrictSimulator:
    """A realistic district: the simulator's bootstrap 9 simulated minutes ago, then 200
    events every 30 s since, so tiles have trend lines and the feed has entries (every
    age stays under the indicators' stale limits)."""
    now = now_ms()
    simulator = DistrictSimulator(seed=7, video_points=2000, start_ms=now - 540_000)
    total = xadd_all(rclient, simulator.bootstrap())
    for seconds_ago in range(510, 0, -30):
        total += xadd_all(rclient, simulator.step(now - seconds_ago * 1000, 200))
    wait_for(lambda: applied(dashboard) >= total, timeout=30, message=f"{total} events applied")
    return simulator


def applied(dashboard: DashboardProcess) -> int:
    """Events the dashboard has dealt with (applied or dead-lettered)."""
    health = dashboard.health()
    return int(health["applied"]) + int(health["dead"])


def screenshot_wall(page: Page, dashboard: DashboardProcess, rclient: redis.Redis,
                    simulator: DistrictSimulator, query: str, name: str) -> None:
    """Open the wall, let it receive a step of live events as a wall always does, then
    take its picture and check that it fits the display."""
    # a wall token is bound to its layout: the spliced wall has a token of its own
    token = dashboard.add_wall("5760x1080") if "wall=5760x1080" in query else None
    open_wall(page, dashboard, query, token)
    page.wait_for_selector(".video-cluster", timeout=20_000)
    before = applied(dashboard)
    count = xadd_all(rclient, simulator.step(now_ms(), 100))
    wait_for(lambda: applied(dashboard) >= before + count, message="live events applied")
    page.wait_for_function(MAP_SETTLED, arg=dashboard.health()["applied"], timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / name))
    box = page.evaluate("() => { const r = document.getElementById('wall-root').getBoundingClientRect();"
                        " const s = document.scrollingElement; return {x: r.left, y: r.top,"
                        " right: r.right, bottom: r.bottom, sw: s.scrollWidth, sh: s.scrollHeight,"
                        " w: innerWidth, h: innerHeight}; }")
    assert box["sw"] <= box["w"] and box["sh"] <= box["h"], f"{name}: scroll bars {box}"
    assert box["x"] >= -0.5 and box["y"] >= -0.5, f"{name}: wall starts off screen {box}"
    assert box["right"] <= box["w"] + 0.5 and box["bottom"] <= box["h"] + 0.5, f"{name}: overflows {box}"


def test_realistic_wall_fits_every_display_without_scrolling(
    dashboard: DashboardProcess, rclient: redis.Redis, open_page: Callable[..., Page]
) -> None:
    """Fed by the simulator, the wall fits 1920×1080 (zh, en) and 5760×1080 with no scroll bars."""
    simulator = feed_district(rclient, dashboard)
    for query, width, name in (("", 1920, "wall-zh.png"), ("?lang=en", 1920, "wall-en.png"),
                               ("?wall=5760x1080", 5760, "wall-5760.png")):
        screenshot_wall(open_page(width, 1080), dashboard, rclient, simulator, query, name)
    if os.environ.get("CN_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("wall-zh.png", "wall-en.png"):
            shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def test_clusters_show_outages_even_when_the_point_set_arrives_late(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """Clusters take their worst status even when the point set loads after the first view."""
    xadd_all(rclient, [video_point(pid, lat=31.2205, lon=121.4240, street="tianshanlu", **e2e())
                       for pid in ("cam-a", "cam-b")])
    xadd_all(rclient, [video_status("cam-b", "fault", **e2e())])
    wait_for(lambda: dashboard.health()["applied"] == 3, message="cameras applied")

    # A slow network, made deterministic: the wall's first render (which needs its config)
    # happens while the point set is still on its way.
    held: dict[str, Route] = {}

    def config(route: Route) -> None:
        if "points" in held:
            route.continue_()
        else:
            held["config"] = route

    def points(route: Route) -> None:
        held["points"] = route
        if "config" in held:
            held.pop("config").continue_()
        page.wait_for_function("() => document.getElementById('map-legend-count-fault').textContent === '1'")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        route.continue_()

    page.route("**/api/wall-config*", config)
    page.route("**/api/video.geojson*", points)
    open_wall(page, dashboard)
    page.wait_for_selector(".video-cluster", timeout=10_000)
    page.wait_for_selector(".video-cluster.status-fault", timeout=3_000)


def test_severe_incident_raises_the_banner_within_a_second(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page, report: Callable[[str, float], None]
) -> None:
    """A severity-1 incident with a location turns the header banner severe, with its title."""
    open_wall(page, dashboard)
    title = "天山路燃气管道泄漏 周边人员疏散"
    start = time.monotonic()
    xadd_all(rclient, [incident_reported("inc-severe", domain="pipeline", title=title, severity=1,
                                         lat=31.2185, lon=121.4110, address="天山路 345 号",
                                         street="tianshanlu", **e2e())])
    page.wait_for_function(
        "t => { const b = document.getElementById('attention-banner');"
        " return b.classList.contains('banner-severe') && b.textContent.includes(t); }",
        arg=title, timeout=5_000)
    elapsed = time.monotonic() - start
    report("severe_incident_to_banner", elapsed)
    assert elapsed <= 1.0, f"banner raised after {elapsed:.3f} s"

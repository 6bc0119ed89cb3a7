"""The wall in a real Chromium against a real dashboard process and a real Redis.

Tests that only need a wall share the module's dashboard (``shared_dashboard``), so
they write ids of their own and check what their own events did; those that count
cameras or clusters, kill the server or fill the district have a dashboard of their own.
How fast the screen follows is measured by ``make bench`` (visible, soak), not here:
here every deadline is generous.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable

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
#: How long a page may take to show what was pushed to it: generous, so a busy machine
#: cannot fail a test (the figures are ``make bench``'s: bench/visible.py, bench/soak.py).
DEADLINE_MS = 10_000
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


def test_indicator_value_reaches_its_tile(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page
) -> None:
    """A district-level indicator.value XADDed while the wall is open is shown in its tile."""
    decimals = next(i.decimals for i in load_catalogue() if i.key == "green.pm25")
    expected = f"{123.4:.{decimals}f}"
    open_wall(page, shared_dashboard)
    assert page.text_content("#tile-value-green-pm25") != expected
    xadd_all(shared_rclient, [indicator_value("green.pm25", 123.4, **e2e())])
    page.wait_for_function("t => document.getElementById('tile-value-green-pm25').textContent === t",
                           arg=expected, timeout=DEADLINE_MS)


def test_incident_reaches_the_feed(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page
) -> None:
    """A reported incident appears as a feed entry, title and street included."""
    open_wall(page, shared_dashboard)
    title = "娄山关路积水约20厘米"
    xadd_all(shared_rclient, [incident_reported("inc-feed-1", domain="waterway", title=title, severity=3,
                                                street="xinhualu", **e2e())])
    page.wait_for_function(
        "t => [...document.querySelectorAll('#live-feed .feed-item .feed-title')]"
        ".some(e => e.textContent === t)", arg=title, timeout=DEADLINE_MS)
    meta = page.locator("#live-feed .feed-item", has_text=title).locator(".feed-meta").text_content() or ""
    assert "新华路街道" in meta


def test_camera_fault_recolours_its_cluster_and_the_legend(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """A fault on one of two co-located cameras turns their cluster and the legend to fault."""
    xadd_all(rclient, [video_point(pid, lat=31.2205, lon=121.4240, street="tianshanlu", **e2e())
                       for pid in ("cam-a", "cam-b")])
    wait_for(lambda: dashboard.health()["applied"] == 2, message="two cameras applied")
    open_wall(page, dashboard)
    page.wait_for_selector(".video-cluster.status-online", timeout=10_000)
    assert page.locator(".video-cluster").count() == 1
    assert page.text_content("#map-legend-count-fault") == "0"
    xadd_all(rclient, [video_status("cam-b", "fault", **e2e())])
    page.wait_for_function(
        "() => !!document.querySelector('.video-cluster.status-fault')"
        " && document.getElementById('map-legend-count-fault').textContent === '1'",
        timeout=DEADLINE_MS)
    assert page.locator(".video-cluster.status-online").count() == 0
    assert page.text_content("#map-legend-count-online") == "1"


def test_badge_shows_disconnection_and_recovery(dashboard: DashboardProcess, page: Page) -> None:
    """The badge reads 已断开 once the server dies and 实时 again once it is back (the client
    reconnects by itself, backing off up to 5 s between attempts)."""
    page.allowed_errors.append(r"WebSocket connection to 'ws://[^']*/live' failed")  # while it is down
    # a request the page made as the server died, before its socket said so (the wall's
    # board and perception line ask nothing once /live is down; the moment before, they may)
    page.allowed_errors.append(r"Failed to load resource: net::ERR_CONNECTION_REFUSED")
    open_wall(page, dashboard)
    assert page.text_content("#live-badge") == "实时"
    dashboard.kill()
    page.wait_for_function("() => document.getElementById('live-badge').textContent === '已断开'",
                           timeout=DEADLINE_MS)
    dashboard.start()
    page.wait_for_function("() => document.getElementById('live-badge').textContent === '实时'",
                           timeout=3 * DEADLINE_MS)


XSS_TITLE = "<img src=x onerror=alert(1)><script>alert(2)</script>"
XSS_ADDRESS = "<b>bold</b>"
XSS_MESSAGE = "液位异常 <svg onload=alert(3)> 请核查"
INJECTED = ("#live-feed img, #live-feed svg, #live-feed script, #live-feed b, "
            "#attention-banner img, #attention-banner svg, #attention-banner script")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_event_text_is_shown_as_text_never_markup(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page, lang: str
) -> None:
    """Markup in titles, addresses and alarm messages is shown literally and never runs."""
    title, message = f"{XSS_TITLE} {lang}", f"{XSS_MESSAGE} {lang}"  # this run's, not the other's
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_wall(page, shared_dashboard, f"?lang={lang}")
    xadd_all(shared_rclient, [
        incident_reported(f"inc-xss-{lang}", domain="safety", title=title, severity=1, address=XSS_ADDRESS,
                          street="hongqiao", **e2e()),
        sensor_alarm(f"gas-xss-{lang}", kind="gas", level=2, message=message, street="hongqiao", **e2e()),
    ])
    page.wait_for_function(
        "texts => { const t = document.getElementById('live-feed').textContent;"
        " return texts.every(x => t.includes(x)); }", arg=[title, message], timeout=DEADLINE_MS)
    page.wait_for_function("t => document.getElementById('attention-banner').textContent.includes(t)",
                           arg=title, timeout=DEADLINE_MS)
    assert page.locator(INJECTED).count() == 0
    assert page.evaluate("""() => document.querySelectorAll('img[src="x"]').length === 0
        && ![...document.querySelectorAll('b')].some(b => b.textContent === 'bold')""")
    assert dialogs == []


def test_english_wall_has_english_labels(shared_dashboard: DashboardProcess, page: Page) -> None:
    """?lang=en shows English panel titles and badge and no Chinese in the header title."""
    open_wall(page, shared_dashboard, "?lang=en")
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
    dashboard.wait_applied(total, timeout=60)
    return simulator


def screenshot_wall(page: Page, dashboard: DashboardProcess, rclient: redis.Redis,
                    simulator: DistrictSimulator, query: str, name: str) -> None:
    """Open the wall, let it receive a step of live events as a wall always does, then
    take its picture and check that it fits the display."""
    # a wall token is bound to its layout: the 4K and the spliced wall have tokens of their own
    layout = next((name for name in ("3840x2160", "5760x1080") if f"wall={name}" in query), None)
    token = dashboard.add_wall(layout) if layout else None
    open_wall(page, dashboard, query, token)
    page.wait_for_selector(".video-cluster", timeout=20_000)
    before = dashboard.applied()
    count = xadd_all(rclient, simulator.step(now_ms(), 100))
    dashboard.wait_applied(before + count, timeout=30)
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
    """Fed by the simulator, the wall fits 1920×1080, 3840×2160 and 5760×1080 (zh, en) with
    no scroll bars."""
    simulator = feed_district(rclient, dashboard)
    shots = (("", 1920, 1080, "wall-zh.png"), ("?lang=en", 1920, 1080, "wall-en.png"),
             ("?wall=3840x2160", 3840, 2160, "wall-4k-zh.png"),
             ("?wall=3840x2160&lang=en", 3840, 2160, "wall-4k-en.png"),
             ("?wall=5760x1080", 5760, 1080, "wall-5760-zh.png"),
             ("?wall=5760x1080&lang=en", 5760, 1080, "wall-5760-en.png"))
    for query, width, height, name in shots:
        screenshot_wall(open_page(width, height), dashboard, rclient, simulator, query, name)
    if os.environ.get("CN_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for *_, name in shots:
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
    page.wait_for_selector(".video-cluster.status-fault", timeout=DEADLINE_MS)


def test_severe_incident_raises_the_banner(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page
) -> None:
    """A severity-1 incident with a location turns the header banner severe, with its title
    (bench/visible.py times this publish → visible, p99 budget 300 ms)."""
    open_wall(page, shared_dashboard)
    title = "天山路燃气管道泄漏 周边人员疏散"
    xadd_all(shared_rclient, [incident_reported("inc-severe", domain="pipeline", title=title, severity=1,
                                                lat=31.2185, lon=121.4110, address="天山路 345 号",
                                                street="tianshanlu", **e2e())])
    page.wait_for_function(
        "t => { const b = document.getElementById('attention-banner');"
        " return b.classList.contains('banner-severe') && b.textContent.includes(t); }",
        arg=title, timeout=DEADLINE_MS)
    # the duty line in the header's centre steps aside: it does not show through the banner
    duty = page.evaluate("() => getComputedStyle(document.getElementById('wall-duty')).visibility")
    assert duty == "hidden"

"""The wall's map in a real Chromium: its legend explains every symbol on it, street areas
take the colour of their own level, labels never collide, the mouse-less wall has no
Leaflet controls and the district fills its panel, and neither a resync nor a restart of
the instance draws the cameras twice.

Every deadline is generous (a busy 2-core machine); nothing here measures speed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from playwright.sync_api import Page

from dashboard import geo
from support.events import (
    EnvelopeFields,
    incident_reported,
    indicator_value,
    now_ms,
    sensor_alarm,
    sensor_reading,
    video_point,
    video_status,
)
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for
from tests.e2e.test_wall import feed_district, open_wall

pytestmark = pytest.mark.e2e

DEADLINE_S = 20.0


def e2e(**extra: Any) -> EnvelopeFields:
    fields: EnvelopeFields = {"event_id": f"e2e-{uuid.uuid4().hex[:12]}", "ts": now_ms(), "source": "e2e"}
    fields.update(extra)  # type: ignore[typeddict-item]
    return fields


def spot(code: str, dlat: float = 0.0, dlon: float = 0.0) -> tuple[float, float]:
    """A point inside street ``code`` (its label point, moved a little)."""
    for feature in geo.load_streets()["features"]:
        if feature["properties"]["code"] == code:
            p = feature["properties"]
            return p["label_lat"] + dlat, p["label_lon"] + dlon
    raise KeyError(code)


def poll(page: Page, script: str, arg: Any = None, timeout: float = DEADLINE_S, message: str = "") -> Any:
    """``page.evaluate(script, arg)`` until it returns something truthy (the CSP forbids the
    eval that ``wait_for_function`` with an expression would need)."""
    return wait_for(lambda: page.evaluate(script, arg), timeout, interval=0.2, message=message or script[:80])


# What the map draws, read from the DOM: the legend keys of every symbol class present.
SYMBOLS = """() => {
  const keys = new Set();
  document.querySelectorAll('.one-map .leaflet-marker-pane .video-cluster').forEach(c => {
    keys.add('cluster-count');
    if (c.querySelector('i')) { keys.add('cluster-bad'); }
    c.classList.forEach(k => { if (k.startsWith('status-')) { keys.add(k); } });
  });
  document.querySelectorAll('.one-map .leaflet-marker-pane .incident-marker').forEach(m =>
    m.classList.forEach(k => { if (k.startsWith('sev-')) { keys.add(k); } }));
  document.querySelectorAll('.one-map path.street-area').forEach(p =>
    p.classList.forEach(k => { if (k.startsWith('level-')) { keys.add(k); } }));
  return [...keys].sort();
}"""
LEGEND = """() => Object.fromEntries([...document.querySelectorAll('.map-legend [data-legend]')].map(
  e => [e.dataset.legend, e.querySelector('.legend-label').textContent.trim()]))"""
FILLS = """() => Object.fromEntries([...document.querySelectorAll('.one-map path.street-area')].map(p => {
  const code = [...p.classList].find(k => k.startsWith('street-') && k !== 'street-area').slice(7);
  return [code, getComputedStyle(p).fill + ' / ' + getComputedStyle(p).fillOpacity];
}))"""
CLUSTERS = """() => [...document.querySelectorAll('.one-map .leaflet-marker-pane .video-cluster')].map(c => {
  const r = c.getBoundingClientRect();
  return {n: Number(c.querySelector('b').textContent), x: Math.round(r.x), y: Math.round(r.y)};
})"""


def test_legend_explains_every_symbol_on_the_map(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """Cameras of every status, incidents of every level, shaded streets and sensors: each
    symbol class drawn has a legend entry with a label; the scale names the indicator and
    its thresholds; the legend speaks the page's language."""
    events = []
    for code in ("linkong", "xinjingzhen", "chengjiaqiao"):
        lat, lon = spot(code)
        events += [video_point(f"cam-{code}-{k}", lat=lat, lon=lon, street=code, **e2e()) for k in range(3)]
    events += [video_status("cam-xinjingzhen-0", "offline", **e2e()),
               video_status("cam-chengjiaqiao-0", "fault", **e2e())]
    for level, code in zip((1, 2, 3, 4), ("tianshanlu", "hongqiao", "xinhualu", "beixinjing"), strict=True):
        lat, lon = spot(code, 0.004, 0.004)
        events.append(incident_reported(f"inc-{level}", severity=level, lat=lat, lon=lon, street=code,
                                        **e2e()))
    events += [indicator_value("green.aqi", 60, **e2e(street="linkong")),
               indicator_value("green.aqi", 120, **e2e(street="tianshanlu")),
               indicator_value("green.aqi", 200, **e2e(street="hongqiao"))]
    lat, lon = spot("xianxiaxincun")
    events += [sensor_reading("gas-1", 1.0, lat=lat, lon=lon, street="xianxiaxincun", **e2e()),
               sensor_alarm("gas-1", level=2, lat=lat, lon=lon, street="xianxiaxincun", **e2e())]
    xadd_all(rclient, events)
    dashboard.wait_applied(len(events), timeout=30)
    open_wall(page, dashboard)
    wanted = {"cluster-count", "cluster-bad", "status-online", "status-offline", "status-fault",
              "sev-1", "sev-2", "sev-3", "sev-4", "level-ok", "level-warn", "level-alarm", "level-none"}
    present = set(poll(page, f"() => {{ const k = ({SYMBOLS})(); return k.length >= {len(wanted)} && k; }}",
                       message="every symbol class drawn"))
    assert wanted <= present, present
    legend = page.evaluate(LEGEND)
    missing = sorted(key for key in present if not legend.get(key))
    assert not missing, f"symbols without a legend entry: {missing}"
    assert {"sensor-normal", "sensor-alarm", "status-stale"} <= set(legend)
    assert legend["sev-1"] == "特别重大" and legend["sev-4"] == "一般"
    assert legend["level-warn"] == "预警"
    poll(page, "() => document.getElementById('map-scale-warn').textContent === '100–150'",
         message="the scale's thresholds")
    assert page.text_content("#map-scale-ok") == "< 100"
    assert page.text_content("#map-scale-alarm") == "≥ 150"
    assert "空气质量指数" in (page.text_content("#map-indicator-note") or "")


def test_english_legend(shared_dashboard: DashboardProcess, page: Page) -> None:
    open_wall(page, shared_dashboard, "?lang=en")
    legend = page.evaluate(LEGEND)
    assert legend["sev-1"] == "Critical" and legend["level-none"] == "No data"
    assert legend["cluster-bad"].startswith("Tag below")
    poll(page, "() => document.getElementById('map-indicator-note').textContent.includes('Air quality')")


def test_each_street_takes_the_colour_of_its_own_level(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """AQI values at three levels for three streets give three different fills (computed
    styles of their SVG paths), the streets without a value a fourth; a new value recolours
    its street alone."""
    xadd_all(rclient, [indicator_value("green.aqi", 60, **e2e(street="linkong")),
                       indicator_value("green.aqi", 120, **e2e(street="tianshanlu")),
                       indicator_value("green.aqi", 200, **e2e(street="hongqiao"))])
    dashboard.wait_applied(3)
    open_wall(page, dashboard)
    fills = poll(page, f"() => {{ const f = ({FILLS})(); return Object.keys(f).length === 11"
                       f" && f.hongqiao !== f.xinhualu && f; }}", message="eleven shaded streets")
    assert len({fills["linkong"], fills["tianshanlu"], fills["hongqiao"], fills["xinhualu"]}) == 4, fills
    others = {code: fill for code, fill in fills.items() if code not in ("linkong", "tianshanlu", "hongqiao")}
    assert len(set(others.values())) == 1, others  # no value: all alike
    colours = page.evaluate("() => { const s = getComputedStyle(document.documentElement);"
                            " return ['--ok', '--warn', '--alarm'].map(v => s.getPropertyValue(v).trim()); }")
    assert colours == ["#30d158", "#ffd60a", "#ff453a"]
    assert fills["linkong"].startswith("rgb(48, 209, 88)")
    assert fills["tianshanlu"].startswith("rgb(255, 214, 10)")
    assert fills["hongqiao"].startswith("rgb(255, 69, 58)")
    before = fills
    xadd_all(rclient, [indicator_value("green.aqi", 130, **e2e(street="linkong"))])
    after = poll(page, f"() => {{ const f = ({FILLS})(); return f.linkong !== {before['linkong']!r} && f; }}",
                 message="linkong recoloured")
    assert after["linkong"] == before["tianshanlu"]
    del after["linkong"], before["linkong"]
    assert after == before  # the other streets kept their colours


LABELS = """() => {
  const map = document.querySelector('.one-map').getBoundingClientRect();
  const labels = [...document.querySelectorAll('.street-label:not(.is-hidden) .street-label-text')]
    .map(e => { const r = e.getBoundingClientRect();
                return {t: e.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; });
  const clusters = [...document.querySelectorAll('.one-map .leaflet-marker-pane .video-cluster')]
    .map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; });
  return {labels, clusters, map: {x: map.x, y: map.y, w: map.width, h: map.height},
          all: document.querySelectorAll('.street-label').length};
}"""


def meet(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_street_labels_never_collide_nor_sit_under_clusters(
    dashboard: DashboardProcess, rclient: redis.Redis, open_page: Callable[..., Page], lang: str
) -> None:
    """At 1920×1080 with the simulator's 2,000 cameras, no two visible street labels'
    boxes meet, no cluster covers a label, every label is inside the map, and most
    streets keep their label."""
    feed_district(rclient, dashboard)
    page = open_page(1920, 1080)
    open_wall(page, dashboard, f"?lang={lang}")
    page.wait_for_selector(".one-map .video-cluster", timeout=20_000)
    page.wait_for_timeout(1500)  # the placement follows the last re-clustering
    facts = poll(page, f"() => {{ const f = ({LABELS})(); return f.all === 11 && f; }}", message="labels")
    labels, clusters, box = facts["labels"], facts["clusters"], facts["map"]
    # of 11: a few small areas under clusters may lose theirs; English names are longer, and
    # where the clusters fall varies from run to run (7–10 of 11 seen in en, 10–11 in zh)
    assert len(labels) >= (8 if lang == "zh" else 6), labels
    for i, a in enumerate(labels):
        assert box["x"] <= a["x"] and a["x"] + a["w"] <= box["x"] + box["w"] + 0.5, a
        assert box["y"] <= a["y"] and a["y"] + a["h"] <= box["y"] + box["h"] + 0.5, a
        for b in labels[i + 1:]:
            assert not meet(a, b), (a, b)
        for c in clusters:
            assert not meet(a, c), (a, c)


def test_wall_map_has_no_controls_fills_its_panel_and_shows_the_layers_asked_for(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page
) -> None:
    """No Leaflet control (zoom, layers, attribution) on the mouse-less wall; the district
    spans the map's width or height; ``?layers=`` leaves out the others, legend included."""
    xadd_all(shared_rclient, [video_point(f"cam-layers-{k}", lat=spot("linkong")[0], lon=spot("linkong")[1],
                                          street="linkong", **e2e()) for k in range(2)])
    open_wall(page, shared_dashboard)
    page.wait_for_selector(".one-map .video-cluster", timeout=20_000)
    assert page.locator(".leaflet-control").count() == 0
    assert page.locator(".one-map a, .one-map button, .one-map input").count() == 0
    extent = poll(page, """() => {
      const paths = [...document.querySelectorAll('.one-map path.street-area')];
      if (paths.length < 11) { return null; }
      const r = paths.map(p => p.getBoundingClientRect());
      const x0 = Math.min(...r.map(b => b.left)), x1 = Math.max(...r.map(b => b.right));
      const y0 = Math.min(...r.map(b => b.top)), y1 = Math.max(...r.map(b => b.bottom));
      const m = document.querySelector('.map-area').getBoundingClientRect();
      const f = document.querySelector('.map-frame').getBoundingClientRect();
      const l = document.querySelector('.map-legend').getBoundingClientRect();
      return {w: (x1 - x0) / m.width, h: (y1 - y0) / m.height, frame: (m.height + l.height) / f.height,
              legendInside: l.bottom <= f.bottom + 0.5};
    }""", message="the district drawn")
    assert max(extent["w"], extent["h"]) >= 0.95, extent
    assert min(extent["w"], extent["h"]) >= 0.85, extent  # the map area has the district's shape
    assert extent["frame"] >= 0.9 and extent["legendInside"], extent

    open_wall(page, shared_dashboard, "?layers=streets,incidents")
    poll(page, "() => document.querySelectorAll('.one-map path.street-area').length === 11")
    assert page.locator(".one-map .video-cluster").count() == 0
    assert page.locator(".legend-video, .legend-sensors").count() == 0
    assert page.locator(".legend-streets, .legend-incidents").count() == 2
    assert page.locator(".leaflet-control").count() == 0


def assert_cameras_drawn_once(page: Page, total: int, message: str) -> list[dict[str, int]]:
    """Every camera is in exactly one cluster (or alone), and no two clusters share a place."""
    def settled() -> list[dict[str, int]] | None:
        clusters = page.evaluate(CLUSTERS)
        places = {(c["x"], c["y"]) for c in clusters}
        drawn = sum(c["n"] for c in clusters)
        return clusters if drawn == total and len(places) == len(clusters) else None
    return list(wait_for(settled, DEADLINE_S, interval=0.25, message=message))


def test_a_resync_or_a_new_instance_draws_each_camera_once(
    dashboard: DashboardProcess, rclient: redis.Redis, page: Page
) -> None:
    """40 cameras in one spot make one badge of 40, before and after a resync (a fresh
    hello on the same socket), after the instance is killed and another takes over (restored
    from the log) and after the point set is registered again (a new geo version)."""
    page.allowed_errors.append(r"WebSocket connection to 'ws://[^']*/live' failed")  # while it is down
    page.allowed_errors.append(r"Failed to load resource: net::ERR_CONNECTION_REFUSED")  # as it dies
    lat, lon = spot("tianshanlu")
    cameras = [video_point(f"cam-spot-{k}", lat=lat + (k % 2) * 0.0001, lon=lon, street="tianshanlu", **e2e())
               for k in range(40)]
    xadd_all(rclient, cameras)
    dashboard.wait_applied(40)
    open_wall(page, dashboard)
    page.wait_for_selector(".one-map .video-cluster", timeout=20_000)
    assert [c["n"] for c in assert_cameras_drawn_once(page, 40, "first view")] == [40]

    # a gap in the sequence: the client asks for a resync and gets a new hello
    page.evaluate("() => { window.cnLive.seq -= 3; }")
    xadd_all(rclient, [video_status("cam-spot-3", "fault", **e2e())])
    poll(page, "() => !!document.querySelector('.one-map .video-cluster.status-fault')", message="resynced")
    page.wait_for_timeout(8_000)  # the hideout is sent again 1, 3 and 7 s after a hello
    assert [c["n"] for c in assert_cameras_drawn_once(page, 40, "after the resync")] == [40]

    # the instance dies; a new one takes over on the same address, restored from the log
    dashboard.kill()
    poll(page, "() => document.getElementById('live-badge').textContent === '已断开'", message="disconnected")
    dashboard.start()
    poll(page, "() => document.getElementById('live-badge').textContent === '实时'", timeout=60,
         message="live again")
    # and the point set is registered again (a simulator's bootstrap: a new geo version)
    xadd_all(rclient, [video_point(f"cam-spot-{k}", lat=lat + (k % 2) * 0.0001, lon=lon, street="tianshanlu",
                                   **e2e()) for k in range(40)])
    poll(page, "() => window.cnLive.view.geo_version >= 80", message="the new point set")
    page.wait_for_timeout(8_000)
    clusters = assert_cameras_drawn_once(page, 40, "after the fail-over")
    assert [c["n"] for c in clusters] == [40], clusters
    assert page.locator(".one-map .video-cluster.status-fault").count() == 1

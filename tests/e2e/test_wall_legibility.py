"""Legible from 8 m (#11 item 5), on a wall fed by the simulator as a demo day would be:
every visible text at least 16 design px, tile and figure labels 20, figures 40; a
3840×2160 display shows the 1920 design at twice the size; the 5760×1080 wall fills its
three screens and no text crosses a seam; English labels are not cut off; a wall URL
whose layout its token overrides says so.

One dashboard for the module (its district is fed once); every test opens its own page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from dashboard.i18n import t
from dashboard.redis_clients import sync_client
from dashboard.redis_server import EmbeddedRedis
from dashboard.simulator import DistrictSimulator
from support.events import now_ms
from support.log import xadd_all
from support.processes import DashboardProcess, wait_for

pytestmark = pytest.mark.e2e

SMALLEST_PX, LABEL_PX, FIGURE_PX = 16, 20, 40
LABELS = ".tile-name, .kpi-label, .panel-title, .dim-summary, .legend-label, .bar-label"
FIGURES = ".tile-value, .kpi-value"

#: Every visible text of the wall: text nodes (their line boxes, clipped to the map where
#: they sit in it) and generated content (::before/::after, e.g. the feed's level pills),
#: with the computed font size, and the scale the wall is drawn at.
TEXTS = r"""() => {
  const root = document.getElementById("wall-root");
  const scale = root.getBoundingClientRect().width / root.offsetWidth;
  function shown(el) {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) { return false; }
    }
    return true;
  }
  function clip(rect, el) {
    const box = (el.closest(".leaflet-container") || document.documentElement).getBoundingClientRect();
    const left = Math.max(rect.left, box.left, 0), right = Math.min(rect.right, box.right, innerWidth);
    const top = Math.max(rect.top, box.top, 0), bottom = Math.min(rect.bottom, box.bottom, innerHeight);
    return right - left > 0.5 && bottom - top > 0.5 ? [left, right, top, bottom] : null;
  }
  const texts = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !shown(el)) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].map(r => clip(r, el)).filter(Boolean);
    if (rects.length) {
      texts.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(getComputedStyle(el).fontSize),
                  rects, where: el.className.baseVal === undefined ? String(el.className) : "svg"});
    }
  }
  for (const el of root.querySelectorAll("*")) {
    for (const pseudo of ["::before", "::after"]) {
      const s = getComputedStyle(el, pseudo);
      const attr = /^attr\(([\w-]+)\)$/.exec(s.content);
      const text = attr ? el.getAttribute(attr[1]) || "" : /^"(.*)"$/.exec(s.content)?.[1] || "";
      const rect = text.trim() && shown(el) ? clip(el.getBoundingClientRect(), el) : null;
      if (rect) { texts.push({text: text.slice(0, 40), size: parseFloat(s.fontSize), rects: [rect],
                              where: String(el.className) + pseudo}); }
    }
  }
  return {scale, texts};
}"""

SIZES = """selector => [...document.querySelectorAll(selector)].filter(e => e.getClientRects().length)
    .map(e => ({text: e.textContent.trim().slice(0, 30), size: parseFloat(getComputedStyle(e).fontSize)}))"""

#: Labels whose text does not fit: overflowing their box (cut off or ellipsed), or a tile
#: whose name or figure reaches past the tile's bottom (the tile clips).
CUT_OFF = """labels => {
  const out = [];
  for (const el of document.querySelectorAll(labels)) {
    if (!el.getClientRects().length) { continue; }
    if (el.scrollWidth > el.clientWidth + 1) { out.push(el.textContent.trim() + " (too wide)"); }
  }
  for (const tile of document.querySelectorAll(".tile")) {
    const bottom = tile.getBoundingClientRect().bottom + 0.5;
    for (const part of tile.querySelectorAll(".tile-name, .tile-value")) {
      if (part.getBoundingClientRect().bottom > bottom) { out.push(part.textContent.trim() + " (clipped)"); }
    }
  }
  const canvas = document.createElement("canvas").getContext("2d");
  for (const row of document.querySelectorAll(".bar-row[data-label]")) {  // labels drawn by CSS
    const s = getComputedStyle(row, "::before");
    canvas.font = s.fontWeight + " " + s.fontSize + " " + s.fontFamily;
    const column = parseFloat(getComputedStyle(row).gridTemplateColumns.split(" ")[0]);
    if (canvas.measureText(row.dataset.label).width > column + 0.5) {
      out.push(row.dataset.label + " (bar label)");
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def district(module_redis: EmbeddedRedis, shared_dashboard: DashboardProcess) -> Iterator[DashboardProcess]:
    """The shared dashboard fed a realistic district: the simulator's bootstrap 9 minutes
    ago and 200 events every 30 s since (trend lines, a full feed, pins)."""
    client = sync_client(module_redis.url)
    now = now_ms()
    simulator = DistrictSimulator(seed=7, video_points=2000, start_ms=now - 540_000)
    total = shared_dashboard.applied() + xadd_all(client, simulator.bootstrap())
    for seconds_ago in range(510, 0, -30):
        total += xadd_all(client, simulator.step(now - seconds_ago * 1000, 200))
    shared_dashboard.wait_applied(total, timeout=60)
    client.close()
    yield shared_dashboard


def open_settled(page: Page, dashboard: DashboardProcess, query: str = "", token: str | None = None) -> None:
    """The wall with every panel drawn (a tile value, the 12345 figures and the feed)."""
    page.goto(dashboard.wall_url(query, token))

    def settled() -> bool:
        return bool(page.evaluate("""() => !!window.cnLive && !!window.cnLive.view
            && document.getElementById('hotline-new').textContent !== '—'
            && document.querySelectorAll('#live-feed .feed-event').length > 0
            && ![...document.querySelectorAll('.tile-value')].some(e => e.textContent === '—')
            && !!document.querySelector('.video-cluster')"""))
    wait_for(settled, timeout=30, interval=0.2, message="the wall drawn")
    page.evaluate("() => new Promise(r => setTimeout(r, 1200))")  # the slow panels' next round


def texts(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(TEXTS))


def too_small(found: dict[str, Any], smallest: float) -> list[str]:
    return [f"{x['size'] * found['scale']:.1f}px {x['text']!r} ({x['where']})" for x in found["texts"]
            if x["size"] * found["scale"] < smallest - 0.01]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_reads_from_8_m_at_the_1920_design(
    district: DashboardProcess, open_page: Callable[..., Page], lang: str
) -> None:
    """At 1920×1080 nothing is under 16 px; labels are 20 px or more, figures 40."""
    page = open_page(1920, 1080)
    open_settled(page, district, f"lang={lang}")
    found = texts(page)
    assert found["scale"] == pytest.approx(1.0)
    assert len(found["texts"]) > 150, "the walk saw the wall's texts"
    assert too_small(found, SMALLEST_PX) == []
    labels = page.evaluate(SIZES, LABELS)
    figures = page.evaluate(SIZES, FIGURES)
    assert len(figures) >= 16 + 4 and len(labels) >= 16 + 4
    assert [x for x in labels if x["size"] < LABEL_PX] == []
    assert [x for x in figures if x["size"] < FIGURE_PX] == []


def test_english_labels_are_not_cut_off(district: DashboardProcess, open_page: Callable[..., Page]) -> None:
    """In English every label fits its box (a long name is shortened, its full text kept as
    the title), on the 1920 and the 5760 design."""
    for width, token in ((1920, None), (5760, district.add_wall("5760x1080"))):
        page = open_page(width, 1080)
        open_settled(page, district, "lang=en", token)
        assert page.evaluate(CUT_OFF, LABELS) == [], f"at {width}"
        titled = page.evaluate(
            "() => [...document.querySelectorAll('.tile-name')].map(e => [e.textContent, e.title])")
        assert any(text != title for text, title in titled), "some names are shortened"


def test_a_4k_display_shows_the_design_at_twice_the_size(
    district: DashboardProcess, open_page: Callable[..., Page]
) -> None:
    """3840×2160 keeps the physical sizes: the 1920 design drawn at scale 2, whole."""
    page = open_page(3840, 2160)
    open_settled(page, district, token=district.add_wall("3840x2160"))
    found = texts(page)
    assert found["scale"] == pytest.approx(2.0)
    assert too_small(found, 2 * SMALLEST_PX) == []
    box = page.evaluate("() => document.getElementById('wall-root').getBoundingClientRect().toJSON()")
    assert box["width"] == pytest.approx(3840, abs=1) and box["height"] == pytest.approx(2160, abs=1)


def test_the_spliced_wall_fills_its_three_screens_and_no_text_crosses_a_seam(
    district: DashboardProcess, open_page: Callable[..., Page]
) -> None:
    """5760×1080: the map, the vital signs, and feed + 12345 + cameras each fill a screen;
    no text runs across x = 1920 or x = 3840."""
    page = open_page(5760, 1080)
    open_settled(page, district, token=district.add_wall("5760x1080"))
    found = texts(page)
    assert too_small(found, SMALLEST_PX) == []
    crossing = [f"{x['text']!r} {x['rects']}" for x in found["texts"] for left, right, _, _ in x["rects"]
                for seam in (1920, 3840) if left < seam - 0.5 and right > seam + 0.5]
    assert crossing == []
    covered = page.evaluate("""() => {
      const blocks = [...document.querySelectorAll('.map-frame, .vital-signs .panel, .right-column .panel')];
      return [0, 1, 2].map(third => blocks.reduce((area, el) => {
        const r = el.getBoundingClientRect();
        const w = Math.min(r.right, (third + 1) * 1920) - Math.max(r.left, third * 1920);
        return area + Math.max(0, w) * r.height;
      }, 0) / (1920 * (1080 - 100)));
    }""")
    assert all(share > 0.85 for share in covered), f"share of each screen covered by panels: {covered}"
    assert page.locator(".vital-signs .tile").count() == 24
    online = page.locator("#video-count-online").text_content()
    assert online == page.locator("#map-legend-count-online").text_content()  # one figure, shown twice


def test_a_layout_its_token_overrides_is_said_on_screen(
    district: DashboardProcess, open_page: Callable[..., Page]
) -> None:
    """A 1920 wall token opened with &wall=5760x1080 shows the 1920 design and says why."""
    page = open_page(1920, 1080)
    open_settled(page, district, "wall=5760x1080")
    note = page.locator("#layout-note")
    assert note.is_visible()
    assert note.text_content() == t("layout.token", used="1920x1080", asked="5760x1080")
    assert page.get_attribute("#wall-root", "data-layout") == "1920x1080"
    page = open_page(1920, 1080)
    open_settled(page, district)
    assert not page.locator("#layout-note").is_visible()

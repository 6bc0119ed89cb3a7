"""The console's perception page, the console map's hotspots layer and the wall's
perception line in a real Chromium, from a planted archive (#14 req 4, 9).

The archive holds support/planted.py's findings with its last day today, so that the
analyses (the 30 days, this week: ending today) find them: the recurring groups, the
hard tickets, the department most returned to and the one hotspot cell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard import clock
from dashboard.history_duckdb import DuckDBArchive
from dashboard.i18n import t, unit_name
from dashboard.units import UNIT_CODES
from layouts.perception import TABLES
from support import planted
from support.processes import ARTIFACTS, DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

#: every text of the page's grids (headers and cells)
GRID_TEXTS = """() => [...document.querySelectorAll(
    '#perception-page .ag-header-cell-text, #perception-page .ag-cell')]
  .map(e => e.textContent.trim()).filter(Boolean)"""

#: the wall's perception line and its parts: cut short (wider than shown, an ellipsis),
#: outside the hotline panel, or over its figures
WALL_LINE = """() => {
  const line = document.getElementById('perception-summary');
  const panel = line.closest('.panel'), kpis = panel.querySelector('.kpis');
  const box = e => e.getBoundingClientRect();
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const parts = [...line.querySelectorAll('.perception-part')];
  const cut = [line, ...parts].filter(e => e.scrollWidth > e.clientWidth + 0.5 ||
    getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth);
  const l = box(line), p = box(panel), k = box(kpis);
  const others = [...document.querySelectorAll('#wall-root .panel')]
    .filter(o => o !== panel && meet(box(o), l));
  return {text: line.textContent, parts: parts.length, cut: cut.length,
          inside: l.left >= p.left - 0.5 && l.right <= p.right + 0.5 && l.top >= p.top - 0.5
                  && l.bottom <= p.bottom + 0.5,
          overKpis: meet(l, k), overOthers: others.length,
          size: parseFloat(getComputedStyle(parts[0] || line).fontSize),
          scale: document.getElementById('wall-root').getBoundingClientRect().width /
                 document.getElementById('wall-root').offsetWidth};
}"""


def planted_archive(path: Path) -> Path:
    archive = DuckDBArchive(path)
    archive.write_events(planted.planted_rows(last_day=clock.beijing_day(clock.now_ms())), None)
    archive.close()
    return path


def started(dashboards: Callable[..., DashboardProcess], tmp_path: Path) -> DashboardProcess:
    dashboard = dashboards(CN_HISTORY_PATH=str(planted_archive(tmp_path / "history.duckdb")))
    wait_for(lambda: dashboard.health()["history"]["role"] == "writer", timeout=30)
    return dashboard


def grid_texts(page: Page) -> list[str]:
    texts: list[str] = page.evaluate(GRID_TEXTS)
    return texts


def test_the_perception_page_speaks_the_page_language_and_names_streets_and_units(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    dashboard = started(dashboards, tmp_path)
    page = sign_in(open_page(1920, 1080), dashboard, "officer", "/console/perception")
    expect(page.locator("#perception-page")).to_be_visible()
    recurring = page.locator("#perception-grid-recurring .ag-center-cols-container .ag-row")
    expect(recurring.first).to_be_visible(timeout=30_000)
    expect(page.locator("#perception-grid-hard .ag-row").first).to_be_visible()
    for name in TABLES:
        title = t(f"perception.table.{name}", "zh")
        expect(page.locator(f".perception-{name} .panel-title")).to_have_text(title)
    # what each table counts, with its thresholds, in Chinese
    expect(page.locator("#perception-note-recurring")).to_contain_text("同类且相距≤50米")
    expect(page.locator("#perception-note-recurring")).to_contain_text("文本相似度≥70")
    expect(page.locator("#perception-note-recurring")).to_contain_text("近30天")
    expect(page.locator("#perception-note-hard")).to_contain_text("1/5/15个工作日")
    texts = grid_texts(page)
    for column in ("category", "tickets", "street", "ticket_id", "unit", "callbacks"):
        assert t(f"perception.col.{column}", "zh") in texts, column
    assert not {"category", "tickets", "ticket_ids", "unit", "callbacks", "w0"} & set(texts)
    # streets and units by name, never as codes
    coded = [text for text in texts
             if any(code in text.split("、") for code in UNIT_CODES) or "dept-" in text]
    assert not coded, coded[:5]
    streets = page.locator("#perception-grid-unsatisfied_street .ag-cell[col-id=street]").all_text_contents()
    assert streets and set(streets) <= {unit_name(code, "zh") for code in UNIT_CODES}, streets
    # the recurring issues' tickets link to the console's ticket
    link = page.locator("#perception-grid-hard .ag-cell[col-id=ticket_id] a").first
    ticket = link.text_content() or ""
    assert ticket and link.get_attribute("href") == f"/console?ticket={ticket}"
    # numbers formatted: a share as a percentage
    share = page.locator("#perception-grid-unsatisfied_weeks .ag-cell[col-id=share]").last
    assert (share.text_content() or "").endswith("%") or share.text_content() == "—"
    # the header is truthful: live once /live answers, the clock runs; the fetch is dated
    expect(page.locator("#live-badge")).to_have_text(t("live.live", "zh"), timeout=15_000)
    first = page.locator("#wall-clock").text_content()
    assert first != "--:--:--"
    wait_for(lambda: page.locator("#wall-clock").text_content() != first, timeout=5)
    expect(page.locator("#perception-status")).to_contain_text("已更新")
    assert "王丽华" not in page.content() and "13912345678" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "perception-page-zh.png"))

    en = sign_in(open_page(1920, 1080), dashboard, "officer", "/console/perception?lang=en")
    expect(en.locator("#perception-grid-recurring .ag-center-cols-container .ag-row").first).to_be_visible(
        timeout=30_000)
    for name in TABLES:
        title = t(f"perception.table.{name}", "en")
        expect(en.locator(f".perception-{name} .panel-title")).to_have_text(title)
    expect(en.locator("#perception-note-recurring")).to_contain_text("within 50 m")
    texts = grid_texts(en)
    assert {"Category", "Tickets", "Street", "Ticket", "Callbacks"} <= set(texts)
    assert not any("类别" in text or "工单数" in text for text in texts)
    assert not [text for text in texts if any(code in text.split("、") for code in UNIT_CODES)]
    streets = en.locator("#perception-grid-unsatisfied_street .ag-cell[col-id=street]").all_text_contents()
    assert streets and set(streets) <= {unit_name(code, "en") for code in UNIT_CODES}, streets
    expect(en.locator("#live-badge")).to_have_text(t("live.live", "en"), timeout=15_000)
    expect(en.locator("#perception-status")).to_contain_text("Updated")
    en_link = en.locator("#perception-grid-hard .ag-cell[col-id=ticket_id] a").first
    assert en_link.get_attribute("href") == f"/console?ticket={en_link.text_content()}&lang=en"


def test_the_console_map_draws_the_hotspots_and_the_wall_line_is_whole(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    dashboard = started(dashboards, tmp_path)
    page = sign_in(open_page(1920, 1080), dashboard, "officer", "/console")
    expect(page.locator("#one-map .leaflet-control-layers")).to_be_visible(timeout=20_000)
    # the 12345 tab links to the perception page
    page.get_by_text(t("tab.tickets", "zh"), exact=True).click()
    expect(page.locator("#console-perception-link")).to_have_attribute("href", "/console/perception")
    # the hotspots layer: off at start, switched on in the layers control
    page.hover("#one-map .leaflet-control-layers")
    overlay = page.locator(".leaflet-control-layers-overlays label", has_text=t("map.hotspots", "zh"))
    expect(overlay).to_be_visible()
    assert page.locator("#one-map path.hotspot-cell").count() == 0
    overlay.locator("input").check()
    cells = page.locator("#one-map path.hotspot-cell")
    wait_for(lambda: cells.count() >= 1, timeout=30, message="the hotspot cell drawn")
    assert cells.count() == 1  # the planted cell, and only it
    # a hexagon (an H3 cell), around the planted spot
    points = page.evaluate("""() => {
      const path = document.querySelector('#one-map path.hotspot-cell').getAttribute('d');
      return (path.match(/[ML]/g) || []).length;
    }""")
    assert points == 6
    page.screenshot(path=str(ARTIFACTS / "console-hotspots.png"))

    for layout in ("1920x1080", "3840x2160", "5760x1080"):
        width, height = (int(n) for n in layout.split("x"))
        wall = open_page(width, height)
        wall.goto(dashboard.wall_url(token=dashboard.add_wall(layout)))
        expect(wall.locator("#perception-summary")).to_contain_text("感知研判：重复诉求", timeout=30_000)
        expect(wall.locator("#perception-summary")).to_contain_text("热点 1 处")
        line = wall.evaluate(WALL_LINE)
        assert line["parts"] >= 4 and line["cut"] == 0, (layout, line)
        assert line["inside"] and not line["overKpis"] and not line["overOthers"], (layout, line)
        assert line["size"] >= 16, (layout, line)
        if layout == "1920x1080":
            wall.screenshot(path=str(ARTIFACTS / "wall-perception-line.png"))

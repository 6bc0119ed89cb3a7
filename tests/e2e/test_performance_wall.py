"""The wall's ranking board (比学赶超) in a real Chromium, from the demo's history
backfilled into a real archive (#16 req 5): it takes the cameras' place in turns, every
street with its rank, index, trend and interval, whole at 1920×1080; a visitor's wall
shows it too (aggregates only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard import clock
from dashboard.history_duckdb import DuckDBArchive
from dashboard.i18n import unit_label
from dashboard.performance_api import wall_month
from dashboard.simulator_backfill import backfill
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CUT = """() => [...document.querySelectorAll('.board-row > span')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


def test_the_board_takes_turns_with_the_cameras(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    # 40 days before today: the wall's month (this one from the 8th, else the one before)
    assert backfill(archive, 40, clock.now_ms(), seed=4, video_points=300) > 100_000
    archive.close()
    dashboard = dashboards(CN_HISTORY_PATH=str(path))
    wait_for(lambda: dashboard.health()["history"]["role"] == "writer", timeout=30)

    page = open_page(1920, 1080)
    page.goto(dashboard.wall_url())
    rows = page.locator("#board-rows .board-row")
    expect(rows).to_have_count(11, timeout=60_000)
    month = wall_month(clock.beijing_day(clock.now_ms()))
    expect(page.locator("#board-month")).to_contain_text(month)
    summary = page.request.get(f"{dashboard.url}/api/performance/summary.json").json()
    best = summary["standings"][0]
    # short names, as the map labels streets where room is short (…街道 → …)
    expect(rows.first).to_contain_text(unit_label(best["unit"], "zh").removesuffix("街道"))
    expect(rows.first.locator(".board-index")).to_have_text(f"{best['index']:.1f}")
    # the turns: the board in the cameras' place, then the cameras back
    wait_for(lambda: page.evaluate("() => window.cnBoard && window.cnBoard.shown()"), 30, message="a board")
    column = page.locator("#right-column")
    if "show-board" not in (column.get_attribute("class") or ""):
        page.evaluate("() => window.cnBoard.turn()")
    expect(page.locator(".board")).to_be_visible()
    expect(page.locator("section.video")).to_be_hidden()
    assert page.evaluate(CUT) == []
    # read from metres away: nothing under the wall's 16 design px (tests/e2e/test_wall_legibility.py)
    sizes = page.evaluate("() => [...document.querySelectorAll('.board span')].map("
                          "e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, sizes
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "performance-wall.png"))
    page.evaluate("() => window.cnBoard.turn()")
    expect(page.locator("section.video")).to_be_visible()
    expect(page.locator(".board")).to_be_hidden()

    visitor = sign_in(open_page(1920, 1080), dashboard, "visitor", "/")
    expect(visitor.locator("#board-rows .board-row")).to_have_count(11, timeout=60_000)

"""The console's perception page and the wall's perception line in a real Chromium, from a
planted archive (#14 req 4, 9)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard.history_duckdb import DuckDBArchive
from support import planted
from support.processes import ARTIFACTS, DashboardProcess, wait_for
from tests.e2e.conftest import sign_in


def test_the_perception_page_shows_every_table_and_the_wall_its_line(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    archive.write_events(planted.planted_rows(), None)
    archive.close()
    dashboard = dashboards(CN_HISTORY_PATH=str(path))
    wait_for(lambda: dashboard.health()["history"]["role"] == "writer", timeout=30)

    page = sign_in(open_page(1920, 1080), dashboard, "officer", "/console/perception")
    expect(page.locator("#perception-page")).to_be_visible()
    recurring = page.locator("#perception-grid-recurring .ag-center-cols-container .ag-row")
    expect(recurring.first).to_be_visible(timeout=30_000)
    expect(page.locator("#perception-note-recurring")).to_contain_text("recurring issues")
    expect(page.locator("#perception-grid-hard .ag-row").first).to_be_visible()
    assert "王丽华" not in page.content() and "13912345678" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "perception-page.png"), full_page=True)

    wall = dashboard.wall_url()
    screen = open_page(1920, 1080)
    screen.goto(wall)
    expect(screen.locator("#perception-summary")).to_contain_text("感知研判：重复诉求", timeout=30_000)

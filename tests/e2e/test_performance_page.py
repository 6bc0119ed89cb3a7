"""The console's street performance page in a real Chromium, from a month of the demo's
history backfilled into a real archive (#16 req 5): every unit listed, each ranked one
with its interval, trend and figures as the API gives them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard.history_duckdb import DuckDBArchive
from dashboard.i18n import t, unit_label
from dashboard.simulator_backfill import backfill
from dashboard.workdays import start_of_day_ms
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_board_of_a_backfilled_month(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    # the days of November 2026 (the backfill writes the days before its end day)
    assert backfill(archive, 30, start_of_day_ms(date(2026, 12, 1)), seed=3, video_points=400) > 100_000
    archive.close()
    dashboard = dashboards(CN_HISTORY_PATH=str(path))
    wait_for(lambda: dashboard.health()["history"]["role"] == "writer", timeout=30)

    page = sign_in(open_page(1920, 1080), dashboard, "officer", "/console/performance?month=2026-11")
    rows = page.locator("#performance-grid .ag-center-cols-container .ag-row")
    expect(rows).to_have_count(11, timeout=60_000)
    expect(page.locator("#performance-status")).to_contain_text("2026-11")
    expect(page.locator(".load-period.is-current")).to_have_text("2026-11")
    body = page.request.get(f"{dashboard.url}/api/performance.json?month=2026-11").json()
    best = body["standings"][0]
    assert best["rank"] == 1 and best["index"] is not None
    # the pinned columns hold the rank and the street; the row with rank 1 is the API's best
    first = page.locator("#performance-grid .ag-pinned-left-cols-container .ag-row[row-index='0']")
    expect(first).to_contain_text(unit_label(best["unit"], "zh"))
    centre = page.locator("#performance-grid .ag-center-cols-container .ag-row[row-index='0']")
    expect(centre).to_contain_text(f"{best['index']:.1f}")
    shown = best["measures"]["hotline_on_time"]
    expect(centre).to_contain_text(f"{shown['value']:.1f}% ({shown['cases']})")
    if best["strongest"]:
        expect(centre).to_contain_text(t(f"perf.figure.{best['strongest']}", "zh"))
    # drill down: the cases behind the best unit's 12345 on-time rate, worst first, each a link
    centre.locator("[col-id=hotline_on_time]").click()
    figure = t("perf.figure.hotline_on_time", "zh")
    title = f"{unit_label(best['unit'], 'zh')} · {figure} · 2026-11：{shown['cases']} 件"
    expect(page.locator("#performance-cases-title")).to_contain_text(title, timeout=30_000)
    links = page.locator("#performance-cases .case-link")
    expect(links).to_have_count(shown["cases"])
    assert (links.first.get_attribute("href") or "").startswith("/console?ticket=")
    late = shown["cases"] - round(shown["value"] * shown["cases"] / 100)
    missed = t("perf.case.bad", "zh")
    expect(page.locator("#performance-cases .case-value", has_text=missed)).to_have_count(late)
    if late:  # worst first: the late ones lead
        expect(page.locator("#performance-cases .case-value").first).to_have_text(missed)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "performance-console.png"))

    # a week's board (ISO week 48: Monday 11-23 to Sunday 11-29) on the same page
    page.goto(f"{dashboard.url}/console/performance?week=2026-W48")
    expect(page.locator("#performance-status")).to_contain_text("2026-W48", timeout=60_000)
    weekly = page.request.get(f"{dashboard.url}/api/performance.json?week=2026-W48").json()
    assert (weekly["first_day"], weekly["last_day"]) == ("2026-11-23", "2026-11-29")
    top = weekly["standings"][0]
    first = page.locator("#performance-grid .ag-pinned-left-cols-container .ag-row[row-index='0']")
    expect(first).to_contain_text(unit_label(top["unit"], "zh"))
    expect(page.locator("#performance-grid .ag-center-cols-container .ag-row[row-index='0']")
           ).to_contain_text(f"{top['index']:.1f}")

"""The console's alarm-load page in a real Chromium, from a planted archive (#15 req 5):
every figure with its target and verdict in words, the top sources by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from playwright.sync_api import Page, expect

from dashboard.history import EventRow, event_row
from dashboard.history_duckdb import DuckDBArchive
from support.events import now_ms, sensor_alarm, sensor_cleared
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOUR = 3_600_000


def planted(now: int) -> list[EventRow]:
    """Over the last day: one alarm an hour from quiet sensors; a flood of 14 in 虹桥; a
    chattering 水位 sensor in 江苏路."""
    events = [sensor_alarm(f"smoke-{h:02d}", kind="smoke", level=4, street="xinhualu",
                           event_id=f"q{h}", ts=now - h * HOUR - 600_000) for h in range(1, 20)]
    flood = now - 5 * HOUR
    events += [sensor_alarm(f"gas-{n:02d}", kind="gas", level=1 if n < 2 else 3, street="hongqiao",
                            event_id=f"f{n}", ts=flood + n * 20_000) for n in range(14)]
    chatter = now - 3 * HOUR
    events.append(sensor_alarm("wl-0001", kind="water_level", level=2, street="jiangsulu", event_id="c0",
                               ts=chatter))
    for n in range(1, 4):
        events.append(sensor_cleared("wl-0001", street="jiangsulu", event_id=f"cc{n}",
                                     ts=chatter + (2 * n - 1) * 10_000))
        events.append(sensor_alarm("wl-0001", kind="water_level", level=2, street="jiangsulu",
                                   event_id=f"c{n}", ts=chatter + 2 * n * 10_000))
    rows = [event_row(f"{event['ts']}-{n}", orjson.dumps(event)) for n, event in enumerate(events)]
    return [row for row in rows if row is not None]


def test_the_alarm_load_page_says_each_figure_against_its_target(
        dashboards: Callable[..., DashboardProcess], open_page: Callable[..., Page], tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    rows = planted(now_ms())
    archive.write_events(rows, None)
    archive.close()
    dashboard = dashboards(CN_HISTORY_PATH=str(path))
    wait_for(lambda: dashboard.health()["history"]["role"] == "writer", timeout=30)

    page = sign_in(open_page(1920, 1080), dashboard, "officer", "/console/alarms?days=1")
    expect(page.locator("#alarm-load-page")).to_be_visible()
    raised = sum(1 for r in rows if r.type == "sensor.alarm")
    expect(page.locator("#alarm-load-alarms")).to_have_text(str(raised), timeout=30_000)
    expect(page.locator("#alarm-load-chattering")).to_have_text("1")
    expect(page.locator("#alarm-load-chattering-verdict")).to_have_text("未达标")
    # the flood: from the 11th alarm (+200 s) until the 4th leaves the window (+660 s), 7.7 of
    # the day's 1,440 minutes: within the 1 % target
    expect(page.locator("#alarm-load-flood")).to_have_text("7.7 分钟 · 0.5% · 1 次")
    expect(page.locator("#alarm-load-flood-verdict")).to_have_text("达标")
    expect(page.locator("#alarm-load-stale-verdict")).to_have_text("达标")
    first = page.locator("#alarm-load-sources .ag-row[row-index='0']")
    expect(first).to_contain_text("wl-0001")
    expect(first).to_contain_text("江苏路街道")
    expect(page.locator("#alarm-load-status")).to_contain_text("全区")
    expect(page.locator(".load-period.is-current")).to_have_text("近 1 天")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "alarm-load-zh.png"))

    street = sign_in(open_page(1920, 1080), dashboard, "jiangsu", "/console/alarms?days=1&lang=en")
    expect(street.locator("#alarm-load-alarms")).to_have_text("4", timeout=30_000)
    expect(street.locator("#alarm-load-status")).to_contain_text("Jiangsu Rd")
    expect(street.locator("#alarm-load-chattering-verdict")).to_have_text("Not met")

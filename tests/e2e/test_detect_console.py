"""Early warning in the officers' console, in a real Chromium (1920×1080) against a real
dashboard and Redis: an anomaly alarm of the inbox opens its series' detail, a plotly
figure with the usual band shaded, the anomaly marked and the engine's forecast with its
interval; the labels follow the language."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard import clock
from support.events import EnvelopeFields, indicator_anomaly, indicator_expected, indicator_value, now_ms
from support.log import xadd_all
from support.processes import ROOT, DashboardProcess, wait_for
from tests.e2e.test_console import open_console

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
STEP = 15 * 60_000
EXPLANATION = "PM2.5浓度 74μg/m³，通常 30–42（e2e）；偏高 9.1 个稳健标准差"
#: what the drawn figure holds: its traces' meta (dashboard/series_figure.py), the shaded
#: areas and the marker points plotly drew
FIGURE = """() => {
  const gd = document.querySelector('.series-figure .js-plotly-plot');
  if (!gd || !gd.data) return null;
  return {metas: gd.data.map(t => t.meta), names: gd.data.map(t => t.name),
          fills: gd.querySelectorAll('path.js-fill').length,
          marked: gd.querySelectorAll('.scatterlayer .trace .points path').length,
          title: (gd.querySelector('.gtitle') || {}).textContent || ''};
}"""


def e2e(ts: int) -> EnvelopeFields:
    return {"event_id": f"e2e-{uuid.uuid4().hex[:12]}", "ts": ts, "source": "e2e"}


def poll(page: Page, script: str, ok: object, timeout_s: float = 20.0) -> object:
    """``page.evaluate(script)`` until ``ok(result)`` (the CSP forbids eval: no wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = page.evaluate(script)
        if ok(last):  # type: ignore[operator]
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out: last {last!r}")


def seed(client: redis.Redis, dashboard: DashboardProcess) -> int:
    """Two hours of PM2.5 around 36, a spike of 74 a minute ago with its anomaly, the band
    of each hour and the forecast of the next 6 h (as the engine writes them)."""
    now = now_ms()
    hour = now - now % clock.HOUR_MS
    events = [indicator_value("green.pm25", 35.0 + (i % 4), **e2e(now - i * 5 * 60_000))
              for i in range(24, 1, -1)]
    previous = hour - clock.HOUR_MS
    events.append(indicator_expected(
        "green.pm25", previous, hour, expected=35.5, low=29.5, high=41.5, day_type="working",
        forecast=[[previous + i * STEP, 35.5, 29.5, 41.5] for i in range(1, 25)], **e2e(previous)))
    events.append(indicator_expected(
        "green.pm25", hour, hour + clock.HOUR_MS, expected=36.0, low=30.0, high=42.0, day_type="working",
        forecast=[[hour + i * STEP, 36.0 + i * 0.5, 30.0 + i * 0.5, 42.0 + i * 0.5] for i in range(1, 25)],
        **e2e(hour)))
    events.append(indicator_value("green.pm25", 74.0, **e2e(now - 60_000)))
    found = e2e(now - 60_000)
    found["event_id"] = "anomaly-e2e-pm25"  # the engine's ids start so (dashboard/detect.py)
    events.append(indicator_anomaly("green.pm25", 74.0, expected=36.0, low=30.0, high=42.0, score=9.1,
                                    level=2, explanation=EXPLANATION, day_type="working", **found))
    xadd_all(client, events)
    wait_for(lambda: dashboard.health()["applied"] >= len(events), message="seeded")
    return now


def test_an_anomaly_alarm_opens_its_series_figure_with_band_marker_and_forecast(
    page: Page, dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    seed(rclient, dashboard)
    open_console(page, dashboard)
    page.locator(".tab", has_text="告警").click()
    row = page.locator(".inbox-row", has_text="PM2.5浓度 74")
    expect(row.locator(".inbox-kind")).to_have_text("预知研判")
    row.locator("a.inbox-open").click()
    expect(page).to_have_url(re.compile(r"series=green\.pm25"))
    expect(page.locator(".detail-title")).to_have_text("PM2.5浓度")
    expect(page.locator(".detail-meta")).to_contain_text("常态 30–42 μg/m³")
    drawn = poll(page, FIGURE, lambda r: bool(r) and r["fills"] >= 2 and r["marked"] > 0)
    assert isinstance(drawn, dict)
    assert {"band", "values", "anomaly", "forecast", "forecast_band"} <= set(drawn["metas"])
    assert "常态区间" in drawn["names"] and "预测" in drawn["names"] and "异常点" in drawn["names"]
    assert drawn["title"] == "PM2.5浓度（μg/m³）"
    # the anomaly marker drawn where the anomaly is: one open circle on the anomaly trace
    marker = page.evaluate("""() => {
      const gd = document.querySelector('.series-figure .js-plotly-plot');
      const i = gd.data.findIndex(t => t.meta === 'anomaly');
      const trace = gd.querySelectorAll('.scatterlayer .trace')[i];
      return trace ? trace.querySelectorAll('.points path').length : -1; }""")
    assert marker == 1
    expect(page.locator(".series-notes")).to_contain_text("预知研判告警 1 条")
    page.wait_for_timeout(300)  # plotly's transition settles before the picture
    page.screenshot(path=str(SCREENSHOTS / "early-warning-console.png"))

    page.goto(page.url + "&lang=en" if "?" in page.url else page.url + "?lang=en")
    expect(page.locator(".detail-title")).to_have_text("PM2.5")
    drawn = poll(page, FIGURE, lambda r: bool(r) and "Usual band" in r["names"])
    assert isinstance(drawn, dict) and "Forecast" in drawn["names"] and "Anomaly" in drawn["names"]

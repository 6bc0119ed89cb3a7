"""Health of the feeding systems on the wall (#15 req 6): when every source of a family
of events is silent for longer than sources.toml allows, the wall says so where that
family's figures are ("数据源静默：测试接入平台 自 08:12 起无数据"), dims them instead of
showing them as current, and the indicator tiles say "源静默 08:12 起"; the next event
of the source takes every mark away.  /healthz and /metrics say the same, and the
console's inbox has the source's alarm."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect

from dashboard.catalogue import load_catalogue
from support.events import (
    EnvelopeFields,
    hotline_ticket,
    incident_reported,
    indicator_value,
    now_ms,
    sensor_reading,
    video_point,
)
from support.log import xadd, xadd_all
from support.processes import DashboardProcess, wait_for
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

SILENCE_S = 4
DEADLINE_S = 30.0  # generous: a busy 2-core machine
SOURCES = f"""
min_usual_per_hour = 30

[sources.test-feed]
name_zh = "测试接入平台"
name_en = "Test feed"
silence_s = {SILENCE_S}
expected = false
collapse_ratio = 0.0
"""
MARKS = ("hotline", "video", "incident", "sensor")

READ = """() => {
  const out = {};
  for (const family of FAMILIES) {
    const el = document.getElementById("source-silent-" + family);
    out[family] = el && !el.hidden ? el.textContent : null;
    out[family + ".title"] = el ? el.title : null;
  }
  const tile = document.querySelector(".tile .tile-stale:not([hidden])");
  out.tile = tile ? tile.textContent : null;
  const body = document.querySelector(".panel.hotline .panel-body");
  out.opacity = body ? getComputedStyle(body).opacity : null;
  return out;
}""".replace("FAMILIES", json.dumps(list(MARKS)))


def fed(**extra: Any) -> EnvelopeFields:
    return {"event_id": f"silence-{uuid.uuid4().hex[:12]}", "ts": now_ms(), "source": "test-feed", **extra}


def feed_every_family(rclient: redis.Redis) -> str:
    """One event of each family from ``test-feed``; the first tile's indicator key."""
    key = load_catalogue()[0].key
    xadd_all(rclient, [
        indicator_value(key, 42, **fed()),
        video_point("cam-s1", lat=31.21, lon=121.40, status="online", **fed(street="tianshanlu")),
        sensor_reading("gas-s1", 3.0, lat=31.21, lon=121.41, **fed(street="tianshanlu")),
        hotline_ticket("T-silence-1", **fed(street="tianshanlu")),
        incident_reported("I-silence-1", title="测试事件", **fed(street="tianshanlu")),
    ])
    return key


def marks(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(READ))


def wait_marks(page: Page, shown: bool) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        seen = marks(page)
        tile_marked = (seen["tile"] or "").startswith("源静默")
        ok = all((seen[f] is not None) == shown for f in MARKS) and tile_marked == shown
        return seen if ok else None
    return dict(wait_for(settled, DEADLINE_S, 0.25, f"the marks {'shown' if shown else 'hidden'}"))


def test_a_silent_source_is_marked_on_the_wall_and_unmarked_when_it_speaks(
        page: Page, dashboards: Any, rclient: redis.Redis, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    dashboard: DashboardProcess = dashboards(CN_SOURCES_PATH=str(sources))
    page.goto(dashboard.wall_url())
    feed_every_family(rclient)

    # fresh: nothing is marked while the source speaks
    wait_for(lambda: dashboard.health()["sources"].get("test-feed") in ("ok", "silent"), DEADLINE_S, 0.2,
             "the source seen")
    before = marks(page)
    if dashboard.health()["sources"]["test-feed"] == "ok":
        assert all(before[f] is None for f in MARKS), before

    # silent: every family's mark names the source and the time of its last event
    seen = wait_marks(page, shown=True)
    for family in MARKS:  # the panels' headers say since when; the legend names the source
        if family != "sensor":
            assert seen[family].startswith("源静默 ") and seen[family].endswith(" 起"), (family, seen)
        title = seen[f"{family}.title"]
        assert "测试接入平台" in title and "起无数据" in title, (family, seen)
    assert seen["tile"].startswith("源静默 ") and seen["tile"].endswith(" 起"), seen
    assert float(seen["opacity"]) < 0.6, seen  # the 12345 figures are dimmed, not current
    assert "测试接入平台" in seen["sensor"], seen  # the legend has room for the source's name
    assert dashboard.health()["sources"]["test-feed"] == "silent"
    metrics = httpx.get(f"{dashboard.url}/metrics", timeout=5).text
    assert 'cn_source_health{source="test-feed",status="silent"} 1.0' in metrics
    page.screenshot(path=str(dashboard.workdir / "source-silent-wall.png"))

    # the console's inbox has the source's alarm
    console = page.context.new_page()
    sign_in(console, dashboard, "admin", "/console")
    console.locator(".tab", has_text="告警").click()
    expect(console.locator(".inbox-item", has_text="测试接入平台")).to_be_visible(timeout=DEADLINE_S * 1000)
    console.close()

    # the source speaks again: every mark goes
    xadd(rclient, hotline_ticket("T-silence-2", **fed(street="tianshanlu")))
    wait_marks(page, shown=False)
    assert dashboard.health()["sources"]["test-feed"] == "ok"

"""Early warning on the wall in a real Chromium (1920×1080) against a real dashboard and
Redis: an indicator tile shows its usual band (the early-warning engine's
``indicator.expected``) and whether the value is inside it, in words and as a shade behind
its trend line; the words are text (textContent), never markup."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from playwright.sync_api import Page

from dashboard import clock
from support.events import EnvelopeFields, indicator_anomaly, indicator_expected, indicator_value, now_ms
from support.log import xadd_all
from support.processes import ROOT, DashboardProcess

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
DEADLINE_S = 20.0
READY = "() => !!(window.cnLive && window.cnLive.view && document.querySelector('#live-badge.live-ok'))"
TILE = "() => { const b = document.getElementById('tile-band-green-pm25'); " \
       "const r = document.getElementById('tile-bandarea-green-pm25'); " \
       "const f = b && b.closest('.tile-figure'); " \
       "return b && r ? [b.hidden, b.textContent + ' ' + b.title, b.className, r.getAttribute('height'), " \
       "f.scrollWidth <= f.clientWidth + 1] : null; }"


def e2e(ts: int | None = None) -> EnvelopeFields:
    return {"event_id": f"e2e-{uuid.uuid4().hex[:12]}", "ts": ts or now_ms(), "source": "e2e"}


def poll(page: Page, script: str, ok: object, timeout_s: float = DEADLINE_S) -> object:
    """``page.evaluate(script)`` until ``ok(result)`` (the app's CSP forbids eval: no
    wait_for_function with a string)."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = page.evaluate(script)
        if ok(last):  # type: ignore[operator]
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out: last {last!r}")


def test_the_tile_shows_its_usual_band_and_whether_the_value_is_in_it(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page
) -> None:
    now = now_ms()
    hour = now - now % clock.HOUR_MS
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(shared_dashboard.wall_url())
    poll(page, READY, bool)
    xadd_all(shared_rclient, [
        indicator_value("green.pm25", 33.0, **e2e(now - 2000)),
        indicator_value("green.pm25", 35.0, **e2e(now - 1000)),
        indicator_expected("green.pm25", hour, hour + clock.HOUR_MS, expected=36.0, low=30.0, high=42.0,
                           day_type="working", **e2e(now - 900)),
        indicator_value("green.pm25", 37.0, **e2e(now - 500)),
    ])
    hidden, text, cls, height, whole = poll(page, TILE, lambda r: r and not r[0] and "30" in r[1])  # type: ignore[misc]
    assert text == "常态 30–42" and "is-inside" in cls and whole
    assert float(height) > 0
    page.locator("#tile-green-pm25").screenshot(path=str(SCREENSHOTS / "early-warning-tile-inside.png"))

    xadd_all(shared_rclient, [indicator_value("green.pm25", 74.0, **e2e(now_ms()))])
    hidden, text, cls, height, whole = poll(page, TILE, lambda r: r and "is-outside" in r[2])  # type: ignore[misc]
    assert text == "超常态 30–42" and not hidden and whole
    assert page.evaluate("() => document.getElementById('tile-value-green-pm25').textContent") == "74"
    # the widest figures of the demo (four digits, a unit of two characters, a band of
    # four-digit ends) keep the tile whole: the band stands in two short lines
    xadd_all(shared_rclient, [
        indicator_value("health.clinic_visits_today", 6759, **e2e(now_ms() - 500)),
        indicator_expected("health.clinic_visits_today", hour, hour + clock.HOUR_MS, expected=6700.0,
                           low=6560.0, high=6900.0, day_type="working", **e2e(now_ms() - 400)),
    ])
    wide = TILE.replace("green-pm25", "health-clinic-visits-today")
    hidden, text, cls, height, whole = poll(page, wide, lambda r: r and not r[0])  # type: ignore[misc]
    assert text == "常态 6,560–6,900" and whole
    page.screenshot(path=str(SCREENSHOTS / "early-warning-tile.png"))


FEED = """() => Array.from(document.querySelectorAll('#live-feed .feed-event')).map(item => {
  const t = item.querySelector('.feed-title'), m = item.querySelector('.feed-meta');
  return [t.textContent, t.title, m.textContent,
          t.scrollWidth <= t.clientWidth + 1 && m.scrollWidth <= m.clientWidth + 1];
})"""

#: the catalogue's longest tile names, with wide figures: what an anomaly line must hold
WIDE = [("safety.police_calls_hour", 1280.0, 610.0, 1040.0), ("green.waste_sorting_rate", 61.4, 88.2, 96.5),
        ("health.ambulance_response_min", 18.7, 9.5, 13.2)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_anomaly_line_in_the_feed_is_whole_and_its_explanation_is_its_tooltip(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis, page: Page, lang: str
) -> None:
    """The engine's explanation is a sentence (PM2.5 58 µg/m³, usually 31–42 at Tuesday
    08:00 …; 3.1 robust deviations): the feed, read from metres away, says the series,
    its value and its usual band in one whole line, and keeps the sentence as the tooltip."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(shared_dashboard.wall_url(f"lang={lang}"))
    poll(page, READY, bool)
    tag = uuid.uuid4().hex[:6]
    events = []
    for n, (key, value, low, high) in enumerate(WIDE):
        explanation = f"{key} {value} ({tag}): " + "通常区间之外，偏离 4.2 个稳健标准差，" * 3
        events.append(indicator_anomaly(key, value, expected=(low + high) / 2, low=low, high=high, score=4.2,
                                        level=3, explanation=explanation, street="xianxiaxincun",
                                        **e2e(now_ms() - 100 + n)))
    xadd_all(shared_rclient, events)
    lines = poll(page, FEED, lambda r: sum(1 for line in r if tag in line[1]) == len(WIDE))
    ours = [line for line in lines if tag in line[1]]  # type: ignore[union-attr]
    usual = "常态" if lang == "zh" else "usual"
    police = ("110警情（近1小时） 1,280起", "常态 610–1,040 · 仙霞新村街道") if lang == "zh" \
        else ("Police calls (1 h) 1,280 calls", "usual 610–1,040 · Xianxia")
    page.locator("#live-feed").screenshot(path=str(SCREENSHOTS / f"early-warning-feed-{lang}.png"))
    assert police in [(line[0], line[2][:len(police[1])]) for line in ours]
    for title, tooltip, meta, whole in ours:
        assert usual in meta and tag not in title, title  # the figures, not the sentence
        assert "稳健标准差" in tooltip  # the engine's sentence, whole
        assert whole, f"cut short at 1920×1080: {title!r} / {meta!r}"
        assert ("仙霞新村街道" if lang == "zh" else "Xianxia") in meta

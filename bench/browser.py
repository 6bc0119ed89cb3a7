"""Chromium for the browser benchmarks: launch, pages that record their errors, CDP figures.

Chromium is Debian's (``/usr/bin/chromium``), headless, with the flags the e2e tests use
(``--no-sandbox --disable-gpu --disable-background-networking``) plus
``--enable-precise-memory-info``; rasterising is in software, so its CPU figures are an
upper bound of what a wall PC with a GPU spends.  Pages open in a fresh context each
(cold cache), 1920×1080.

The CPU of the browser is counted over its whole process tree (:func:`browser_pid`), so
a benchmark can report what the measuring browser itself cost.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psutil
from playwright.sync_api import Browser, CDPSession, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--enable-precise-memory-info"]
VIEWPORT = {"width": 1920, "height": 1080}

#: The wall has its view and shows itself live (the e2e tests' READY).
WALL_READY = "() => !!(window.cnLive && window.cnLive.view && document.querySelector('#live-badge.live-ok'))"

#: Installed in a page once ready: ``window.__cnProbe`` records (``performance.now()``)
#: when the text it is armed with (:data:`ARM`) first appears in the DOM, and when the
#: next animation frame callback runs after that.
PROBE = """() => {
  const probe = window.__cnProbe = { want: null, at: null, frame: null };
  const check = () => {
    if (probe.want === null || probe.at !== null) { return; }
    if (document.body.textContent.includes(probe.want)) {
      probe.at = performance.now();
      requestAnimationFrame(() => { probe.frame = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
ARM = "w => { Object.assign(window.__cnProbe, {want: w, at: null, frame: null}); return performance.now(); }"
SEEN = "() => window.__cnProbe.at !== null"


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on the way out."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def browser_pid() -> int | None:
    """The pid of this process's (newest) Chromium browser process: a descendant named
    chromium whose parent is not one (its renderers, GPU and utility processes are its
    descendants)."""
    found = None
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            root = "chrom" in process.name() and "chrom" not in process.parent().name()
            if root and (found is None or process.create_time() >= found.create_time()):
                found = process
    return found.pid if found else None


@dataclass
class Watched:
    """A page that records its console errors and uncaught errors, and the bytes it
    receives after :meth:`count_bytes` (CDP ``Network`` events: HTTP responses' encoded
    length, headers included, and WebSocket payloads)."""

    page: Page
    cdp: CDPSession
    errors: list[str] = field(default_factory=list)
    http_bytes: int = 0
    http_responses: int = 0
    ws_bytes: int = 0
    ws_frames: int = 0

    def count_bytes(self) -> None:
        self.http_bytes = self.http_responses = self.ws_bytes = self.ws_frames = 0

    def _loaded(self, event: dict[str, Any]) -> None:
        self.http_bytes += int(event.get("encodedDataLength") or 0)
        self.http_responses += 1

    def _frame(self, event: dict[str, Any]) -> None:
        response = event.get("response", {})
        payload = response.get("payloadData", "")
        # text frames arrive as text, binary ones base64: count the bytes that travelled
        self.ws_bytes += len(payload.encode()) if response.get("opcode") == 1 else len(payload) * 3 // 4
        self.ws_frames += 1

    def metrics(self) -> dict[str, float]:
        """CDP ``Performance.getMetrics``: JSHeapUsedSize, JSHeapTotalSize, Nodes, ..."""
        reply = self.cdp.send("Performance.getMetrics")
        return {m["name"]: m["value"] for m in reply["metrics"]}

    def collect_garbage(self) -> None:
        self.cdp.send("HeapProfiler.collectGarbage")


def open_page(browser: Browser, url: str | None = None) -> Watched:
    """A page in a fresh context, watched; navigated to ``url`` when given."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    watched = Watched(page, cdp)

    def on_console(message: ConsoleMessage) -> None:
        location = (message.location or {}).get("url", "")
        if message.type == "error" and not ("favicon" in location and "404" in message.text):
            watched.errors.append(f"console: {message.text} ({location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"pageerror: {error}"))
    cdp.send("Network.enable")
    cdp.send("Performance.enable")
    cdp.on("Network.loadingFinished", watched._loaded)
    cdp.on("Network.webSocketFrameReceived", watched._frame)
    if url is not None:
        page.goto(url, wait_until="load")
    return watched


def pump(page: Page, seconds: float) -> None:
    """Let ``seconds`` pass while Playwright dispatches the page's events."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        page.wait_for_timeout(min(left, 1.0) * 1000)


def clock_offset(page: Page, reads: int = 25) -> dict[str, float]:
    """(this process's ``time.monotonic()`` in ms) − (the page's ``performance.now()``):
    from the quickest of ``reads`` reads of the page's clock, each between two monotonic
    readings (page time ↔ their midpoint; error <= half that round trip, also returned).
    Both clocks are CLOCK_MONOTONIC, so the offset holds for the page's lifetime."""
    best: tuple[float, float] | None = None
    for _ in range(reads):
        before = time.monotonic()
        page_ms = float(page.evaluate("performance.now()"))
        after = time.monotonic()
        if best is None or after - before < best[0]:
            best = (after - before, (before + after) / 2 * 1000 - page_ms)
    assert best is not None
    return {"offset_ms": best[1], "round_trip_ms": best[0] * 1000}

"""What the console page sends: its Dash callback requests, recorded in a real Chromium.

:func:`capture` signs in through the form in a headless Chromium (:mod:`bench.browser`),
opens a console URL and records every ``POST /_dash-update-component`` the page sends:

* **initial**: every one from the navigation until the page is quiet (none in flight,
  none sent for :data:`QUIET_S`);
* **refresh**: then ``publish()`` is called (it must write events that concern every
  console area, so that /live cues them all), and the requests sent within
  :data:`REFRESH_WINDOW_S` of the first patch frame carrying a ``cue`` make one
  refresh, plus those sent within :data:`CHAIN_S` of one of their responses (a callback
  chained on another's result, e.g. a grid asking for rows).  Each callback (the body's
  ``output``) counts once: a second cue inside the window re-sends the same callbacks.

Nothing about the console's callbacks is assumed: ids, stores and chains are whatever
the page sends at bench time.  Each request keeps its body, the headers Chromium sent
(less cookies, host, length and connection: a replaying client has its own) and its
**wave**: 0 when it was sent before any recorded response of its set arrived, else one
more than the latest wave whose response it followed, so a replay can keep the page's
order (a wave waits for the previous one).  ``cue_seqs`` are the ``seq`` of the cue
frames seen, so a replay can put its own newest seq where the page put one (a store
holding the patch's seq).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from playwright.sync_api import Browser, Page, Request, WebSocket

from bench.browser import browser_pid, chromium, open_page, pump
from support.processes import PASSWORDS

UPDATE_PATH = "/_dash-update-component"
QUIET_S = 2.5
REFRESH_WINDOW_S = 1.5
CHAIN_S = 0.5
DROPPED_HEADERS = frozenset({"cookie", "host", "content-length", "connection"})


@dataclass
class Recorded:
    """One callback request as the page sent it (times in s from the capture's start)."""

    output: str
    body: str
    headers: dict[str, str]
    sent_s: float
    finished_s: float | None = None
    status: int | None = None
    response_bytes: int | None = None
    wave: int = 0


@dataclass
class Capture:
    path: str
    user: str
    initial: list[Recorded] = field(default_factory=list)
    refresh: list[Recorded] = field(default_factory=list)
    cue_seqs: list[int] = field(default_factory=list)
    cues: list[list[str]] = field(default_factory=list)
    initial_s: float = 0.0
    page_errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """What the JSON keeps: the callbacks of each phase with their waves and sizes."""
        def brief(items: list[Recorded]) -> list[dict[str, Any]]:
            return [{"output": r.output[:160], "wave": r.wave, "status": r.status,
                     "browser_ms": None if r.finished_s is None else round(1000 * (r.finished_s - r.sent_s)),
                     "response_bytes": r.response_bytes, "body_bytes": len(r.body)} for r in items]
        return {"path": self.path, "user": self.user, "initial_s": round(self.initial_s, 2),
                "initial": brief(self.initial), "refresh": brief(self.refresh), "cues": self.cues,
                "page_errors": self.page_errors}


def _waves(items: list[Recorded]) -> list[Recorded]:
    """Number the waves of ``items`` (see the module docstring), in sending order."""
    items = sorted(items, key=lambda r: r.sent_s)
    for r in items:
        before = [o.wave for o in items if o.finished_s is not None and o.finished_s <= r.sent_s]
        r.wave = max(before) + 1 if before else 0
    return items


class _Recorder:
    """The page's callback requests and cue frames, with their times."""

    def __init__(self, page: Page) -> None:
        self.t0 = time.monotonic()
        self.requests: list[tuple[Request, Recorded]] = []
        self.cue_frames: list[tuple[float, int, list[str]]] = []
        page.on("request", self._sent)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)
        page.on("websocket", self._socket)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _sent(self, request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(UPDATE_PATH):
            body = request.post_data or ""
            output = str(orjson.loads(body).get("output", "")) if body else ""
            self.requests.append((request, Recorded(output, body, {}, self.now())))

    def _finished(self, request: Request) -> None:
        for sent, record in self.requests:
            if sent is request and record.finished_s is None:
                record.finished_s = self.now()
                response = request.response() if request.failure is None else None
                record.status = response.status if response else None
                record.response_bytes = request.sizes()["responseBodySize"] if response else None

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode(errors="replace")
        if text.startswith('{"t":"patch"') and '"cue":[' in text and '"cue":[]' not in text:
            message = orjson.loads(text)
            if message.get("cue"):
                self.cue_frames.append((self.now(), int(message["seq"]), list(message["cue"])))

    def in_flight(self) -> int:
        return sum(1 for _, r in self.requests if r.finished_s is None)

    def last_activity(self) -> float:
        return max([r.finished_s or r.sent_s for _, r in self.requests], default=0.0)

    def headers(self) -> None:
        """Fill in the headers each request was sent with (asked of the browser afterwards)."""
        for request, record in self.requests:
            record.headers = {k: v for k, v in request.all_headers().items()
                              if k.lower() not in DROPPED_HEADERS and not k.startswith(":")}


def _settle(page: Page, recorder: _Recorder, timeout_s: float, what: str, beyond: int = 0,
            not_before: float = 0.0) -> None:
    """Pump the page until it has sent more than ``beyond`` callback requests, none is in
    flight, none was sent for QUIET_S (and ``not_before``, capture time, has passed), and
    its main thread is free again (an evaluation returns: a page busy drawing rows
    would send more once it is done)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pump(page, 0.25)
        quiet = recorder.now() - recorder.last_activity() >= QUIET_S and recorder.now() >= not_before
        if len(recorder.requests) > beyond and not recorder.in_flight() and quiet:
            sent = len(recorder.requests)
            page.evaluate("() => true")
            if len(recorder.requests) == sent and not recorder.in_flight():
                return
    raise TimeoutError(f"the console's {what} did not settle within {timeout_s:.0f} s "
                       f"({len(recorder.requests) - beyond} callback requests, "
                       f"{recorder.in_flight()} in flight)")


def _watchdog(seconds: float) -> threading.Timer:
    """Kill this process's Chromium after ``seconds`` (a page whose main thread never
    frees again would hold an evaluation for ever): what waits on it then fails."""
    pid = browser_pid()

    def kill() -> None:
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(seconds, kill)
    timer.daemon = True
    timer.start()
    return timer


def capture(base_url: str, path: str, publish: Callable[[], None], user: str = "officer",
            initial_timeout_s: float = 120.0, refresh_timeout_s: float = 60.0) -> Capture:
    """Record the callback requests of the console at ``path`` (e.g. ``/console?street=x``)
    signed in as ``user`` (one of :data:`support.processes.PASSWORDS`)."""
    result = Capture(path=path, user=user)
    with chromium() as browser:
        watchdog = _watchdog(initial_timeout_s + 2 * refresh_timeout_s + 30)
        try:
            recorder, initial_count, cues_before = _record(browser, base_url, result, publish,
                                                           initial_timeout_s, refresh_timeout_s)
        finally:
            watchdog.cancel()
    result.initial = _waves([r for _, r in recorder.requests[:initial_count]])
    cued = recorder.cue_frames[cues_before][0]
    later = sorted((r for _, r in recorder.requests[initial_count:]), key=lambda r: r.sent_s)
    chosen: dict[str, Recorded] = {}
    for r in later:
        in_window = cued <= r.sent_s <= cued + REFRESH_WINDOW_S
        chained = any(o.finished_s is not None and 0 <= r.sent_s - o.finished_s <= CHAIN_S
                      for o in chosen.values())
        if (in_window or chained) and r.output not in chosen:
            chosen[r.output] = r
    result.refresh = _waves(list(chosen.values()))
    result.cue_seqs = [seq for _, seq, _ in recorder.cue_frames]
    result.cues = [areas for _, _, areas in recorder.cue_frames[cues_before:]]
    if not result.refresh:
        sent = [round(r.sent_s - cued, 2) for r in later]
        raise RuntimeError(f"the console page sent no callback request within {REFRESH_WINDOW_S} s of a cue "
                           f"(requests after the cue at {sent} s; cues {recorder.cue_frames})")
    return result


def _record(browser: Browser, base_url: str, result: Capture, publish: Callable[[], None],
            initial_timeout_s: float, refresh_timeout_s: float) -> tuple[_Recorder, int, int]:
    """Sign in, load, settle, publish, settle: (the recorder, how many requests the
    initial load sent, how many cue frames came before the publication)."""
    from urllib.parse import quote

    watched = open_page(browser)
    page = watched.page
    page.goto(f"{base_url}/login?next={quote(result.path, safe='')}")
    page.fill("#user", result.user)
    page.fill("#password", PASSWORDS[result.user])
    recorder = _Recorder(page)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("[data-page=console]", state="attached", timeout=initial_timeout_s * 1000)
    _settle(page, recorder, initial_timeout_s, "initial load")
    result.initial_s = recorder.last_activity()
    initial_count, cues_before = len(recorder.requests), len(recorder.cue_frames)
    publish()
    deadline = time.monotonic() + refresh_timeout_s
    while len(recorder.cue_frames) == cues_before and time.monotonic() < deadline:
        pump(page, 0.1)
    if len(recorder.cue_frames) == cues_before:
        raise TimeoutError("no /live patch with a cue reached the console page")
    _settle(page, recorder, refresh_timeout_s, "refresh", beyond=initial_count,
            not_before=recorder.cue_frames[cues_before][0] + REFRESH_WINDOW_S)
    recorder.headers()
    result.page_errors = list(watched.errors)
    page.context.close()
    return recorder, initial_count, cues_before

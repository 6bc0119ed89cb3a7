"""A process of simulated officers replaying the console's callbacks as Chromium sent them.

``python -m bench.console_officers --base URL --capture FILE --users FILE`` reads a
:class:`bench.console_capture.Capture` (JSON) and a list of ``[user, password]``; every
officer, on one asyncio loop, with its own ``httpx.AsyncClient`` (its own cookies, at most
:data:`CONNECTIONS` connections, as Chromium keeps per host):

1. signs in through the form (``/login``: its CSRF cookie, then the session cookie);
2. opens its own ``/live`` WebSocket with its cookies and reads the hello;
3. replays the capture's **initial** requests, wave by wave (a wave's requests together,
   the next wave once they are all answered), each body as recorded and the recorded
   headers with its own CSRF token (and this server's origin);
4. once told to go, on each patch carrying a ``cue``, replays the capture's **refresh**
   the way the page does: at most one refresh in flight; a cue arriving while one runs
   marks the officer dirty and one new refresh starts when it ends (cues are merged,
   never queued); refreshes start at least :data:`MIN_GAP_S` apart (``assets/console.js``
   ``MIN_GAP_MS``).  A store value equal to a cue ``seq`` of the capture is replaced by
   the officer's newest seq.

Talks with its parent over stdin/stdout, one JSON object per line:

* out ``{"t": "ready", "pid", "initial": [...], "error"}`` once every officer has loaded its
  console (or ``error`` says why not);
* in ``{"t": "go"}``: refreshes start following cues;
* in ``{"t": "stop", "drain_s": s}``: no new refresh; those running get ``s`` seconds,
  then are cancelled (their unanswered requests count as failed, ``"unfinished"``); out
  ``{"t": "data", "requests": [...], "refreshes": [...], "officers": [...], "lag": [...]}``
  and the process exits.

A request record is ``[officer, phase, refresh_no, output, start, end, status, bytes,
error]`` (times ``time.monotonic()``, the system's clock, so they compare with the
parent's; ``bytes``: the response body as it travelled, never decoded); a refresh record
``[officer, refresh_no, start, end, bytes, requests, failures, cues_merged, areas]`` (``areas``:
how many console areas the merged cues named; the replay sends the whole captured refresh
whatever they were, where the page refreshes the cued areas only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.live_latency import _loop_lag

UPDATE_PATH = "/_dash-update-component"
CONNECTIONS = 6


def _page_seconds(name: str) -> float:
    """One of the page's own pacing constants (``var NAME = <ms>;`` in assets/console.js),
    so that the replay follows the page."""
    script = (Path(__file__).resolve().parent.parent / "assets" / "console.js").read_text(encoding="utf-8")
    found = re.search(rf"var {name} = (\d+);", script)
    if found is None:
        raise RuntimeError(f"assets/console.js no longer says `var {name} = <ms>;`")
    return int(found.group(1)) / 1000


MIN_GAP_S = _page_seconds("MIN_GAP_MS")
JITTER_S = _page_seconds("JITTER_MS")
REQUEST_TIMEOUT_S = 60.0
SIGN_IN_TIMEOUT_S = 60.0
OK_STATUSES = (200, 204)


@dataclass
class Template:
    """A recorded request, ready to send: its body, or the body with a seq put in."""

    output: str
    body: bytes
    headers: dict[str, str]
    wave: int
    seq_slots: list[dict[str, Any]]  # the inputs whose value is a cue seq
    parsed: dict[str, Any] | None
    # the other inputs and states by (id, property): the page sends what its last answers
    # set there (a store holding what a panel shows), as the browser's memory of them
    prop_slots: dict[tuple[str, str], list[dict[str, Any]]]

    @classmethod
    def of(cls, recorded: dict[str, Any], cue_seqs: set[int]) -> Template:
        parsed = orjson.loads(recorded["body"]) if recorded["body"] else None
        slots: list[dict[str, Any]] = []
        props: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for item in (parsed or {}).get("inputs", []) + (parsed or {}).get("state", []):
            for entry in item if isinstance(item, list) else [item]:
                value = entry.get("value")
                if entry.get("property") == "data" and isinstance(value, int) and value in cue_seqs:
                    slots.append(entry)
                elif isinstance(entry.get("id"), str):
                    props.setdefault((entry["id"], entry["property"]), []).append(entry)
        return cls(recorded["output"], recorded["body"].encode(), dict(recorded["headers"]),
                   int(recorded["wave"]), slots, parsed, props)

    @property
    def outputs(self) -> set[tuple[str, str]]:
        """The (id, property) pairs this callback sets (Dash's output key: ``id.prop`` or
        ``..id.prop...id.prop..``; pattern ids left out)."""
        parts = self.output.strip(".").split("...") if self.output.startswith("..") else [self.output]
        return {(cid, prop) for part in parts if not part.startswith("{")
                for cid, _, prop in [part.rpartition(".")]}

    def body_for(self, seq: int | None, props: dict[tuple[str, str], Any]) -> bytes:
        if self.parsed is None:
            return self.body
        known = [key for key in self.prop_slots if key in props]
        if not known and (not self.seq_slots or seq is None):
            return self.body
        for slot in self.seq_slots if seq is not None else ():
            slot["value"] = seq
        for key in known:
            for slot in self.prop_slots[key]:
                slot["value"] = props[key]
        return orjson.dumps(self.parsed)


def _waves(templates: list[Template]) -> list[list[Template]]:
    waves: dict[int, list[Template]] = {}
    for template in templates:
        waves.setdefault(template.wave, []).append(template)
    return [waves[k] for k in sorted(waves)]


@dataclass
class Officer:
    index: int
    user: str
    password: str
    base: str
    requests: list[list[Any]]
    refreshes: list[list[Any]]
    client: httpx.AsyncClient = field(init=False)
    ws: ClientConnection | None = None
    seq: int | None = None
    cues: int = 0
    dirty: int = 0  # cues since the last refresh started
    cued_at: float = 0.0  # when the first of them came
    areas: set[str] = field(default_factory=set)  # the areas those cues named
    following: bool = False
    stopping: bool = False
    closed: str | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    remembered: set[tuple[str, str]] = field(default_factory=set)  # what the page sends back
    props: dict[tuple[str, str], Any] = field(default_factory=dict)  # their newest values

    def remember(self, raw: bytes, encoding: str | None) -> None:
        """Keep what an answer set of the props the page sends back (as Dash's store does)."""
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding:
            return
        for cid, values in orjson.loads(raw).get("response", {}).items():
            for prop, value in values.items():
                if (cid, prop) in self.remembered:
                    self.props[(cid, prop)] = value

    def __post_init__(self) -> None:
        self.random = random.Random(self.index)  # the page's Math.random(), reproducibly
        self.client = httpx.AsyncClient(
            base_url=self.base, timeout=httpx.Timeout(REQUEST_TIMEOUT_S), follow_redirects=False,
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS))

    async def sign_in(self) -> None:
        await self.client.get("/login")
        response = await self.client.post("/login", data={
            "user": self.user, "password": self.password, "next": "/console",
            "csrf": self.client.cookies["_csrf_token"]})
        if response.status_code != 303:
            raise RuntimeError(f"sign-in of {self.user} answered {response.status_code}")

    async def open_live(self) -> None:
        cookies = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        url = "ws" + self.base.removeprefix("http") + "/live"
        self.ws = await connect(url, additional_headers={"Cookie": cookies, "Origin": self.base},
                                compression=None, max_size=None, ping_interval=None, open_timeout=30)
        hello = orjson.loads(await asyncio.wait_for(self.ws.recv(decode=False), 30))
        if hello.get("t") != "hello":
            raise RuntimeError(f"{self.user}'s first /live frame is not a hello: {str(hello)[:200]}")
        self.seq = hello.get("seq")

    async def read_live(self) -> None:
        assert self.ws is not None
        try:
            while True:
                frame = await self.ws.recv(decode=False)
                assert isinstance(frame, bytes)
                if frame.startswith(b'{"t":"patch"') and b'"cue":[' in frame and b'"cue":[]' not in frame:
                    patch = orjson.loads(frame)
                    self.seq = patch.get("seq", self.seq)
                    self.cues += 1
                    if self.following:
                        if not self.dirty:
                            self.cued_at = time.monotonic()
                        self.dirty += 1
                        self.areas.update(patch.get("cue") or ())
                        self.wake.set()
        except ConnectionClosed as exc:
            self.closed = f"{exc.rcvd.code if exc.rcvd else ''} {exc.rcvd.reason if exc.rcvd else ''}"

    async def post(self, template: Template, phase: str, number: int) -> list[Any]:
        headers = {**template.headers, "x-csrftoken": self.client.cookies.get("_csrf_token") or ""}
        if "origin" in headers:  # the page's own origin: this server's, not the captured one's
            headers["origin"] = self.base
        if "referer" in headers:
            headers["referer"] = self.base + "/" + headers["referer"].split("/", 3)[-1]
        body = template.body_for(self.seq, self.props)
        start, status, size, error = time.monotonic(), None, 0, None
        try:
            async with self.client.stream("POST", UPDATE_PATH, content=body, headers=headers) as response:
                status = response.status_code
                chunks = [chunk async for chunk in response.aiter_raw()]
                size = sum(len(chunk) for chunk in chunks)
            if status not in OK_STATUSES:
                error = f"status {status}"
            elif status == 200 and self.remembered & template.outputs:
                self.remember(b"".join(chunks), response.headers.get("content-encoding"))
        except asyncio.CancelledError:
            self.requests.append([self.index, phase, number, template.output, start, time.monotonic(), status,
                                  size, "unfinished"])
            raise
        except Exception as exc:  # a timeout or a dropped connection is a failed request, not a crash
            error = type(exc).__name__
        record = [self.index, phase, number, template.output, start, time.monotonic(), status, size, error]
        self.requests.append(record)
        return record

    async def replay(self, waves: list[list[Template]], phase: str, number: int) -> list[list[Any]]:
        done: list[list[Any]] = []
        for wave in waves:
            done += await asyncio.gather(*(self.post(t, phase, number) for t in wave))
        return done

    async def follow(self, waves: list[list[Template]]) -> None:
        """Refresh on cues: one at a time, merged, MIN_GAP_S apart and 0–JITTER_S later."""
        number, last_start = 0, -1e9
        while not self.stopping:
            await self.wake.wait()
            self.wake.clear()
            if self.stopping:
                break
            await asyncio.sleep(max(0.0, last_start + MIN_GAP_S - time.monotonic())
                                + self.random.uniform(0.0, JITTER_S))
            merged, areas, self.dirty, self.areas = self.dirty, len(self.areas), 0, set()
            number += 1
            last_start, cued_at = time.monotonic(), self.cued_at
            done = await self.replay(waves, "refresh", number)
            self.refreshes.append([self.index, number, last_start, time.monotonic(), sum(r[7] for r in done),
                                   len(done), sum(1 for r in done if r[8]), merged, areas, cued_at])
            if self.dirty:
                self.wake.set()


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


async def _command() -> dict[str, Any]:
    line = await asyncio.to_thread(sys.stdin.buffer.readline)
    if not line:
        raise SystemExit("parent went away")
    return dict(orjson.loads(line))


async def serve(base: str, capture: dict[str, Any], users: list[list[str]]) -> None:
    seqs = set(capture.get("cue_seqs", []))
    initial = _waves([Template.of(r, seqs) for r in capture["initial"]])
    refresh = _waves([Template.of(r, seqs) for r in capture["refresh"]])
    requests: list[list[Any]] = []
    refreshes: list[list[Any]] = []
    templates = [t for wave in initial + refresh for t in wave]
    sent_back = ({key for t in templates for key in t.prop_slots}
                 & {key for t in templates for key in t.outputs})
    officers = [Officer(k, user, password, base, requests, refreshes, remembered=set(sent_back))
                for k, (user, password) in enumerate(users)]
    lag: list[float] = []
    stop_lag = asyncio.Event()
    lag_task = asyncio.create_task(_loop_lag(lag, stop_lag))
    readers: list[asyncio.Task[None]] = []
    error = None
    try:
        await asyncio.wait_for(asyncio.gather(*(o.sign_in() for o in officers)), SIGN_IN_TIMEOUT_S)
        await asyncio.wait_for(asyncio.gather(*(o.open_live() for o in officers)), SIGN_IN_TIMEOUT_S)
        readers = [asyncio.create_task(o.read_live()) for o in officers]
        await asyncio.gather(*(o.replay(initial, "initial", 0) for o in officers))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    _emit({"t": "ready", "pid": os.getpid(), "error": error,
           "initial": [r for r in requests if r[1] == "initial"]})
    if error is None:
        await _command()  # go
        for officer in officers:
            officer.following = True
        followers = [asyncio.create_task(o.follow(refresh)) for o in officers]
        stop = await _command()
        for officer in officers:
            officer.stopping = True
            officer.wake.set()
        _, pending = await asyncio.wait(followers, timeout=float(stop.get("drain_s", 30)))
        for task in pending:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
    stop_lag.set()
    await lag_task
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for officer in officers:
        if officer.ws is not None:
            with contextlib.suppress(Exception):
                await officer.ws.close()
        await officer.client.aclose()
    _emit({"t": "data", "requests": [r for r in requests if r[1] == "refresh"], "refreshes": refreshes,
           "officers": [{"user": o.user, "cues": o.cues, "closed": o.closed} for o in officers], "lag": lag})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console_officers",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the dashboard's http://host:port")
    parser.add_argument("--capture", required=True, help="a console capture (JSON)")
    parser.add_argument("--users", required=True, help="a JSON list of [user, password]")
    args = parser.parse_args()
    with open(args.capture, "rb") as capture, open(args.users, "rb") as users:
        asyncio.run(serve(args.base, orjson.loads(capture.read()), orjson.loads(users.read())))


if __name__ == "__main__":
    main()

"""A process of measuring /live clients, for runs whose clients one process cannot keep up with.

``python -m bench.live_clients --url URL --clients N`` opens ``N`` WebSocket clients (the
:mod:`bench.live_latency` readers: each reads every frame and records, for the patches
and resync hellos, the receive time ``time.monotonic()`` and the frame's ``last_id``),
then talks with its parent over stdin/stdout, one JSON object per line:

* out ``{"t": "ready", "pid": ...}`` once every client has its hello;
* in ``{"final": <packed stream id>}`` once the parent has published everything; the
  clients are given up to ``DRAIN_TIMEOUT_S`` to reach that id, then
  out ``{"t": "drained", "drain_s": ...}``;
* in ``{"t": "dump"}``: out ``{"t": "data", "receivers": [...], "lag": [...]}`` (every
  receiver's record and the loop's lag samples, seconds), and the process exits.

``time.monotonic()`` is the system's CLOCK_MONOTONIC, so receive times compare with the
publisher's stamps taken in the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from typing import Any

import orjson

from bench.live_latency import DRAIN_TIMEOUT_S, _loop_lag, _open, _read


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


async def _command() -> dict[str, Any]:
    line = await asyncio.to_thread(sys.stdin.buffer.readline)
    if not line:
        raise SystemExit("parent went away")
    return dict(orjson.loads(line))


async def serve(url: str, clients: int) -> None:
    opened = await asyncio.gather(*(_open(url) for _ in range(clients)))
    receivers = [receiver for _, receiver in opened]
    readers = [asyncio.create_task(_read(ws, receiver)) for ws, receiver in opened]
    lag: list[float] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(_loop_lag(lag, stop))
    _emit({"t": "ready", "pid": os.getpid()})
    final = int((await _command())["final"])
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT_S:
        if all(r.newest >= final or r.closed for r in receivers):
            break
        await asyncio.sleep(0.01)
    _emit({"t": "drained", "drain_s": time.monotonic() - started})
    await _command()
    stop.set()
    await lag_task
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws, _ in opened), return_exceptions=True)
    _emit({"t": "data", "receivers": [dataclasses.asdict(r) for r in receivers], "lag": lag})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live_clients", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.url, args.clients))


if __name__ == "__main__":
    main()

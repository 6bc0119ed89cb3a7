"""A raw Redis→WebSocket relay: the practical latency limit the dashboard is compared with.

``python -m bench.relay --redis-url URL --port PORT`` serves WebSocket on 127.0.0.1:PORT.
It XREAD BLOCKs ``cn:events`` from ``$`` and sends each batch it gets to every connected
client as one frame ``{"t":"patch","seq":n,"last_id":"<newest id of the batch>","n":k}``
(after a first ``{"t":"hello",...}`` frame, as /live does).  No validation, no state, no
conflation, no per-client queue: one encoded frame, ``websockets.broadcast``.  It reads
the entries' fields like any consumer would, and drops them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

import orjson
import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast, serve

KEY = "cn:events"


async def relay(redis_url: str, port: int) -> None:
    client = aioredis.Redis.from_url(redis_url)
    clients: set[ServerConnection] = set()
    last_id = "0-0"
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.send(orjson.dumps({"t": "hello", "seq": seq, "view": {"last_id": last_id}}).decode())
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**16,
                     ping_interval=None):
        print(f"relay on ws://127.0.0.1:{port}/", flush=True)
        after = "$"
        reader = None
        while not stop.is_set():
            reader = asyncio.ensure_future(client.xread({KEY: after}, block=1000))
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not reader.done():
                break
            reply: Any = reader.result()  # [[stream, [(id, fields), ...]]] (RESP2)
            if not reply:
                continue
            entries = reply[0][1]
            after = entries[-1][0].decode()
            last_id = after
            seq += 1
            frame = orjson.dumps({"t": "patch", "seq": seq, "last_id": last_id, "n": len(entries)})
            broadcast(clients, frame.decode())
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(relay(args.redis_url, args.port))


if __name__ == "__main__":
    main()

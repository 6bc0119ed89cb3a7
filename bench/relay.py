"""A raw Redis→WebSocket relay: the practical latency limit the dashboard is compared with.

``python -m bench.relay --redis-url URL --port PORT [--forward]`` serves WebSocket on
127.0.0.1:PORT.  It XREAD BLOCKs ``cn:events`` from ``$`` and sends each batch it gets to
every connected client as one frame ``{"t":"patch","seq":n,"last_id":"<newest id of the
batch>","n":k}`` (after a first ``{"t":"hello",...}`` frame, as /live does).  No
validation, no state, no conflation, no per-client queue: one encoded frame,
``websockets.broadcast``.  It reads the entries' fields like any consumer would, and
drops them; with ``--forward`` the frame also carries them, as is, in ``"events"`` (a
JSON list of the raw event objects).

A plain HTTP GET (no WebSocket upgrade) of any path is answered with :data:`PAGE`: the
smallest browser client, which appends the text of every frame it receives to the DOM
(keeping the newest 50).  It is the relay's "wall" in the publish → visible benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

from dashboard.redis_clients import connect

KEY = "cn:events"

#: The relay's browser page: every frame's text becomes one <div> in #log, newest first.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>relay</title></head>
<body><div id="state">connecting</div><div id="log"></div>
<script>
(function () {
  var log = document.getElementById("log");
  var socket = new WebSocket("ws://" + window.location.host + "/");
  socket.onopen = function () { document.getElementById("state").textContent = "open"; };
  socket.onmessage = function (event) {
    var line = document.createElement("div");
    line.textContent = event.data;
    log.insertBefore(line, log.firstChild);
    while (log.childNodes.length > 50) { log.removeChild(log.lastChild); }
  };
})();
</script></body></html>"""


def _page(connection: ServerConnection, request: Request) -> Response | None:
    """Serve :data:`PAGE` to a plain HTTP request; let WebSocket upgrades through."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return None
    response = connection.respond(200, PAGE)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


async def relay(redis_url: str, port: int, forward: bool = False) -> None:
    client = connect(redis_url)  # the same client the dashboard builds (dashboard/redis_clients.py)
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
                     ping_interval=None, process_request=_page):
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
            if forward:  # the raw events, spliced in as they are (each is a JSON object)
                raws = [fields.get(b"event", b"null") for _, fields in entries]
                frame = frame[:-1] + b',"events":[' + b",".join(raws) + b"]}"
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
    parser.add_argument("--forward", action="store_true", help="frames carry the raw events")
    args = parser.parse_args()
    asyncio.run(relay(args.redis_url, args.port, args.forward))


if __name__ == "__main__":
    main()

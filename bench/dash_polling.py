"""The Dash polling reference: what a Dash user would otherwise build.

``python -m bench.dash_polling --redis-url URL --port PORT`` serves, on 127.0.0.1:PORT, a
minimal Dash app in the usual polling pattern: a ``dcc.Interval(interval=1000)`` and one
server callback that reads the newest :data:`ROWS` entries of the Redis stream
``cn:events`` (``XREVRANGE``), decodes each event's JSON and returns them to an
``html.Ul`` as one ``html.Li`` of text per event ("<type> <subject> <value>", newest
first).  Nothing else: no state, no validation, no conflation; a page sees an event at
its next poll, if the event is still among the newest :data:`ROWS` by then.

Dash as installed (4.4) with its default Flask backend, started with ``app.run``:
debug off, ``dev_tools_disable_version_check=True``, Werkzeug's threaded server; the
per-request log lines are silenced (they would cost the reference CPU that a production
server would not spend).  ``update_title=None`` so the page title does not flicker.

:class:`bench.common.PollingApp` runs it as a child process for the benchmarks (no Dash is
imported in the measuring process, and nothing of the benchmarks in this one).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import orjson

from dashboard.redis_clients import sync_client

KEY = "cn:events"
ROWS = 20  # newest entries shown
INTERVAL_MS = 1000


def describe(raw: bytes | None) -> str:
    """One line of text for an event: its type, what it is about, and its value."""
    try:
        event = orjson.loads(raw or b"null")
        data = event.get("data") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return "(not JSON)"
    subject = next((data[k] for k in ("key", "point_id", "incident_id", "sensor_id", "ticket_id")
                    if k in data), "")
    value = next((data[k] for k in ("value", "status", "title", "level") if k in data), "")
    return f"{event.get('type', '?')} {subject} {value}".strip()


def build_app(redis_url: str) -> Any:
    from dash import Dash, Input, Output, dcc, html

    client = sync_client(redis_url)
    app = Dash(__name__, title="Dash polling reference", update_title=None)
    app.layout = html.Div([
        html.H1("Newest events"),
        dcc.Interval(id="tick", interval=INTERVAL_MS),
        html.Ul(id="events"),
    ])

    @app.callback(Output("events", "children"), Input("tick", "n_intervals"))
    def newest(_: int | None) -> list[Any]:
        entries = client.xrevrange(KEY, count=ROWS)
        return [html.Li(describe(fields.get(b"event"))) for _, fields in entries]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dash_polling", description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = build_app(args.redis_url)
    print(f"Dash polling reference on http://127.0.0.1:{args.port}/", flush=True)
    app.run(host="127.0.0.1", port=args.port, debug=False, dev_tools_disable_version_check=True)


if __name__ == "__main__":
    main()

"""``python -m dashboard.console_worker_main SOCKET``: the console worker process
(dashboard/console_worker.py), started by an instance with its settings as one JSON line
on stdin; it serves the console on the Unix socket SOCKET until stdin ends."""

from __future__ import annotations

import os
import sys
import threading

import msgspec
import uvicorn

from dashboard.app import create_app
from dashboard.config import Settings
from dashboard.console_worker import worker_settings
from dashboard.logs import setup_logging

# The worker runs at a lower CPU priority than the instance: when both want a core, the
# kernel gives the instance (the replica and /live) about three quarters of it.
WORKER_NICE = 5


def main(argv: list[str] | None = None) -> int:
    """The worker until stdin ends (see the module doc)."""
    args = sys.argv[1:] if argv is None else argv
    os.nice(WORKER_NICE)
    settings = worker_settings(msgspec.json.decode(sys.stdin.buffer.readline(), type=Settings))
    setup_logging(settings.log_level)
    app = create_app(settings, worker=True)
    server = uvicorn.Server(uvicorn.Config(app, uds=args[0], log_level=settings.log_level,
                                           access_log=False, lifespan="on"))

    def leave_with_the_instance() -> None:
        sys.stdin.buffer.read()  # returns at EOF: the instance closed it, or is gone
        server.should_exit = True

    threading.Thread(target=leave_with_the_instance, name="parent-watch", daemon=True).start()
    server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

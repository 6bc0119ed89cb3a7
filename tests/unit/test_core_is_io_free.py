"""The core modules import no Redis, no Dash and no network code."""

from __future__ import annotations

import subprocess
import sys

CORE = ["dashboard.events", "dashboard.state", "dashboard.views", "dashboard.config"]
FORBIDDEN = ["redis", "dash", "socket", "websockets", "fastapi", "starlette", "httpx"]


def test_core_modules_do_no_io_imports() -> None:
    """Importing the core pulls in none of the I/O libraries."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + f"bad = sorted(m for m in {FORBIDDEN!r} if m in sys.modules)\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

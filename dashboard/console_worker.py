"""The console's callbacks in a process of their own, so that officers never slow the wall.

An instance applies the log and feeds ``/live`` on one event loop.  The console's Dash
callbacks (lists, inbox, detail, street view, exports) are CPU work in Python; on that
loop, twenty officers refreshing on each cue took the wall's delay from 0.1 s to seconds
(issue #18).  Within one process no arrangement of coroutines gives the wall a bound (a
callback holds the loop, and the GIL holds any thread), so the console runs in a
**worker process**: a second replica of the same log, started by the instance itself.

* The worker is started on the first console request (an instance that only serves walls
  never starts one) and restarted if it dies.  Until it is ready, and whenever it is
  not, the instance serves the console itself, as before: slower walls, never a broken
  console.
* The instance's guard checks every request as usual (session, role, CSRF, Origin,
  size, the callback's permission), then hands console requests (Dash callbacks of the
  console area, ``/console/export/``, the phone page's JSON ``/console/m/api/``) to the
  worker over a Unix socket in a private directory, with the caller's address and the
  newest log entry the instance has applied.  The worker's own guard checks them again
  (same users file, same Redis), and it answers once its replica has applied that entry
  (at most ``console_worker_wait_s``), so a refresh a /live cue asked for sees at least
  what the cue announced.
* The worker only follows the log (no pub/sub bridge, no snapshots: the instance does
  those), so the reducer gives it the same state; its audit entries go to the same
  audit stream.  Its metrics are at the instance's ``/metrics?process=console``.

Forwarding costs the instance's loop about 0.3 ms of CPU per request (aiohttp's client), spread
over small awaits; the callbacks' CPU is on the other process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.config import Settings

log = logging.getLogger("dashboard.console_worker")

CLIENT_HEADER = b"x-cn-client-ip"  # the caller's address, as the instance saw it
AFTER_HEADER = b"x-cn-after"  # the newest log entry the instance had applied
# request headers the worker must not receive (hop-by-hop, or recomputed by the client)
# (the Host stays: the worker's guard checks the Origin against it)
_DROP_REQUEST = frozenset({b"content-length", b"connection", b"keep-alive",
                           b"transfer-encoding", b"upgrade", CLIENT_HEADER, AFTER_HEADER})
# response headers the instance passes on; its guard adds the security headers itself
_KEEP_RESPONSE = frozenset({b"content-type", b"content-disposition", b"content-encoding",
                            b"content-length", b"set-cookie", b"location"})
WORKER_HOST = frozenset({"console-worker"})  # the Host of the instance's own requests to it
START_TIMEOUT_S = 180.0  # a worker not answering by then is killed and started again


class ConsoleWorker:
    """The instance's side: starts and watches the worker, forwards requests to it."""

    def __init__(self, settings: Settings, last_applied: Any) -> None:
        self.settings = settings
        self._last_applied = last_applied  # () -> the newest entry id applied here
        self._dir = Path(tempfile.mkdtemp(prefix="cn-console-"))  # 0700: this user only
        self.socket = self._dir / "worker.sock"
        self.status = "idle"  # idle → starting → ready (→ restarting → ready ...) → stopped
        self.restarts = 0
        self.forwarded = 0
        self.served_here = 0
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def health(self) -> dict[str, Any]:
        return {"status": self.status, "pid": self.pid, "restarts": self.restarts,
                "forwarded": self.forwarded, "served_here": self.served_here}

    # ------------------------------------------------------------------ forwarding
    async def forward(self, scope: Scope, body: bytes, send: Send, ip: str) -> bool:
        """Answer the request through the worker; False (nothing sent) when the worker is
        not ready or could not be reached, and the caller serves it here."""
        if self.status == "idle":
            self.status = "starting"
            self._task = asyncio.create_task(self._supervise(), name="console-worker")
        if self.status != "ready" or self._client is None:
            self.served_here += 1
            return False
        headers = [(k, v) for k, v in scope["headers"] if k not in _DROP_REQUEST]
        headers += [(CLIENT_HEADER, ip.encode()), (AFTER_HEADER, self._last_applied().encode())]
        query = scope.get("query_string", b"")
        url = "http://console-worker" + scope["path"] + (f"?{query.decode('latin-1')}" if query else "")
        try:
            response = await self._client.request(
                scope["method"], url, data=body or None, allow_redirects=False,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers])
        except (aiohttp.ClientError, OSError) as exc:  # it died between two health checks
            log.warning("console worker unreachable (%r); serving the console here", exc)
            self.served_here += 1
            return False
        self.forwarded += 1
        try:
            await send({"type": "http.response.start", "status": response.status,
                        "headers": [(k, v) for k, v in response.raw_headers
                                    if k.lower() in _KEEP_RESPONSE]})
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (aiohttp.ClientError, OSError) as exc:  # mid-answer: cut, as a dead server's would be
            log.warning("console worker failed mid-answer (%r)", exc)
        finally:
            response.release()
        return True

    async def metrics(self) -> bytes | None:
        """The worker's /metrics text, or None when it is not ready."""
        if self.status != "ready" or self._client is None:
            return None
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            async with self._client.get("http://console-worker/metrics",
                                        timeout=aiohttp.ClientTimeout(total=5.0)) as response:
                if response.status == 200:
                    return await response.read()
        return None

    # ------------------------------------------------------------------ lifecycle
    async def stop(self) -> None:
        previous, self.status = self.status, "stopped"
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._end_process()
        if self._client is not None:
            await self._client.close()
        shutil.rmtree(self._dir, ignore_errors=True)
        if previous != "idle":
            log.info("console worker stopped")

    async def _supervise(self) -> None:
        delay = 1.0
        while self.status != "stopped":
            try:
                await self._spawn()
                if await self._until_ready():
                    self.status, delay = "ready", 1.0
                    log.info("console worker %s ready on %s", self.pid, self.socket)
                    assert self._process is not None
                    code = await self._process.wait()
                    log.warning("console worker %s exited (%s); serving the console here until "
                                "it is back", self.pid, code)
                else:
                    log.warning("console worker %s did not become ready in %.0f s", self.pid,
                                START_TIMEOUT_S)
            except OSError as exc:
                log.error("console worker could not start: %r", exc)
            if self.status == "stopped":
                return
            self.status = "restarting"
            self.restarts += 1
            await self._end_process()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _spawn(self) -> None:
        self.socket.unlink(missing_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dashboard.console_worker_main", str(self.socket),
            stdin=asyncio.subprocess.PIPE,
            # its own session: a Ctrl-C at the terminal stops the instance, which then
            # closes the worker's stdin; the worker never goes first
            start_new_session=True)
        assert self._process.stdin is not None
        # the settings on stdin (they may hold the monitoring token: not on the command
        # line); stdin stays open, and the worker leaves when it reaches its end.  The
        # worker serves no sign-in: the WeCom Secret stays with the instance
        given = msgspec.structs.replace(self.settings, wecom_secret=None, wecom_secret_file=None)
        self._process.stdin.write(msgspec.json.encode(given) + b"\n")
        await self._process.stdin.drain()
        if self._client is None:
            # aiohttp: about a quarter of httpx's CPU per forwarded request (measured: 0.28
            # against 1.0 ms), and this CPU is the instance's event loop's
            self._client = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(self.socket), limit=64),
                auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=2.0, sock_read=120.0),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"))

    async def _until_ready(self) -> bool:
        assert self._process is not None and self._client is not None
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while asyncio.get_running_loop().time() < deadline and self._process.returncode is None:
            if self.socket.exists():
                with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                    async with self._client.get("http://console-worker/healthz",
                                                timeout=aiohttp.ClientTimeout(total=2.0)) as response:
                        if response.status == 200:
                            return True
            await asyncio.sleep(0.2)
        return False

    async def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker's signal to leave
        try:
            await asyncio.wait_for(process.wait(), 10.0)
        except TimeoutError:
            process.kill()
            await process.wait()


class WorkerDoor:
    """The worker's outermost layer: the caller's address from the instance, and each
    request held until this replica has applied what the instance had."""

    def __init__(self, app: ASGIApp, *, replica: Any, wait_s: float) -> None:
        self.app = app
        self.replica = replica
        self.wait_s = wait_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            # a request without the caller's address is the instance's own (its health checks)
            ip = headers.get(CLIENT_HEADER, b"127.0.0.1").decode("latin-1")
            scope = {**scope, "client": (ip, 0)}
            after = headers.get(AFTER_HEADER)
            if after:
                await self.replica.wait_applied(after.decode("latin-1"), self.wait_s)
        await self.app(scope, receive, send)


def worker_settings(settings: Settings) -> Settings:
    """The worker's settings: the instance's, with an audit spool of its own."""
    return msgspec.structs.replace(settings, audit_spool=settings.audit_spool + ".console-worker")

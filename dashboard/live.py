"""/live: views → patches → clients, over WebSocket (protocol: docs/live-protocol.md).

Clients are grouped by scope (the district, or one street) and audience (individual
records, or aggregates only for visitors).  Who a client is comes from the connection's
session (dashboard/identity.py); it is checked again before every frame sent, every
message received and at every beat (once a second, even for a client too far behind to
be sent the beat), and at once for every client when another instance signs a session
out (:meth:`Hub.recheck`), so an expired session, a changed password, a disabled user,
a sign-out anywhere or a revoked wall token closes the connection (4401) within one
beat; and a client may only ask for scopes its principal covers.  Changes from the replica
are accumulated and flushed at most once per ``patch_interval_ms``: each flush builds
one patch per group, encodes it once, and offers the same frame to every client of the
group.  Every client has a bounded queue and its own sender task, so a slow client
never delays the others: when its queue is full it is resynchronised (queue dropped,
one fresh hello queued), and a client stuck in one send longer than
``client_send_timeout_s`` is disconnected.  Severe incidents and alarms travel in the
patch's ``severe`` list, which is never conflated: every one is delivered (or the
client gets a hello holding them), and they do not wait for the conflation window: a
batch that brings one is flushed at once (at most one such flush per
``SEVERE_GAP_MS``), with whatever else is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from dashboard.auth import Principal
from dashboard.catalogue import Indicator
from dashboard.config import Settings
from dashboard.dimensions import DimensionMap
from dashboard.metrics import Metrics
from dashboard.projection import Projection
from dashboard.sources import Sources
from dashboard.state import Changes, State
from dashboard.units import UNIT_CODES
from dashboard.views import ViewBuilder
from dashboard.workdays import DeadlineRule

log = logging.getLogger("dashboard.live")
BEAT_INTERVAL_S = 1.0
MAX_RESYNCS_PER_MINUTE = 6
CLOCK_EVERY_BEATS = 5  # staleness is recomputed every 5 s
SEVERE_GAP_MS = 10  # a severe incident or alarm is flushed at once, at most this often


def encode(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


@dataclass(eq=False)
class Group:
    """Clients sharing one scope and audience, hence one sequence of patches."""

    scope: str | None
    audience: str = "records"
    seq: int = 0
    clients: set[Client] = field(default_factory=set)
    _hello: tuple[int, str] | None = None

    def forget_hello(self) -> None:
        self._hello = None

    def hello_frame(self, views: ViewBuilder) -> str:
        """The hello for the current seq, built once however many clients need it."""
        if self._hello is None or self._hello[0] != self.seq:
            view = views.hello(self.scope, self.audience)
            self._hello = (self.seq, encode({"t": "hello", "seq": self.seq, "view": view}))
        return self._hello[1]


@dataclass(eq=False)
class Client:
    ws: WebSocket
    group: Group
    queue: asyncio.Queue[str]
    principal: Principal  # re-checked before every frame and message (Hub.revalidate)
    resync_times: list[float] = field(default_factory=list)
    closed: bool = False
    sender: asyncio.Task[None] | None = None
    sending_since: float | None = None  # loop time a send began that has not finished
    stuck: bool = False  # the beat found it in one send past client_send_timeout_s


class Hub:
    """Owns the /live clients of one instance."""

    def __init__(self, state: State, settings: Settings, metrics: Metrics,
                 catalogue: list[Indicator], *,
                 revalidate: Callable[[Principal], Principal | None],
                 status: Callable[[], dict[str, Any]], dimensions: DimensionMap | None = None,
                 deadlines: DeadlineRule | None = None, sources: Sources | None = None) -> None:
        """``revalidate`` re-checks a client's principal before every frame and message
        (None: it may no longer come in); ``status`` gives extra fields of each beat."""
        self.settings = settings
        self.metrics = metrics
        self.views = ViewBuilder(state, feed_size=settings.feed_size,
                                 video_stale_s=settings.video_stale_s, catalogue=catalogue,
                                 projection=Projection(settings.map_crs),
                                 deadlines=deadlines,
                                 dimensions=dimensions, flood_alarms=settings.flood_alarms,
                                 flood_window_s=settings.flood_window_s, sources=sources)
        self.groups: dict[tuple[str | None, str], Group] = {}
        self.revalidate = revalidate
        self.status = status
        self._pending = Changes()
        self._ticked = False  # the clock moved what is stale or overdue since the last flush
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flush_due = 0.0
        self._last_flush = 0.0
        self._beat_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ changes in
    def on_changes(self, changes: Changes) -> None:
        """Called by the replica after each applied batch (in the event loop)."""
        self.views.observe(changes)
        self._pending.merge(changes)
        self._schedule_flush(urgent=bool(changes.severe))

    def on_tick(self, now_ms: int) -> None:
        """The clock: recompute staleness and overdue tickets; a patch follows if they moved."""
        if self.views.tick(now_ms):
            self._ticked = True
            self._schedule_flush()

    def _schedule_flush(self, urgent: bool = False) -> None:
        """A flush within the conflation window, or (``urgent``: a severe item is pending)
        at once, bringing a flush already planned forward."""
        now = time.monotonic()
        interval = (SEVERE_GAP_MS if urgent else self.settings.patch_interval_ms) / 1000
        due = max(now, self._last_flush + interval)
        if self._flush_handle is not None:
            if due >= self._flush_due:
                return
            self._flush_handle.cancel()
        self._flush_due = due
        self._flush_handle = asyncio.get_running_loop().call_later(due - now, self.flush)

    def on_restore(self, state: State) -> None:
        """The replica restored a snapshot (a new state object): resync every client."""
        self._pending = Changes()
        self._ticked = False
        self.views.reset(state)
        for group in self.groups.values():
            group.forget_hello()
        self._resync_all()

    def flush(self) -> None:
        """Send one patch per group for everything changed since the last flush."""
        self._flush_handle = None
        self._last_flush = time.monotonic()
        changes, self._pending = self._pending, Changes()
        ticked, self._ticked = self._ticked, False
        if not changes and not ticked:
            return
        for group in list(self.groups.values()):
            group.forget_hello()  # the state moved on, even where no patch is due
            if not group.clients:
                continue
            patch = self.views.patch(changes, group.scope, group.audience, ticked)
            if patch is None:
                continue
            group.seq += 1
            frame = encode({"t": "patch", "seq": group.seq, **patch})
            self.metrics.patches.inc()
            self.metrics.patch_bytes.observe(len(frame.encode()))
            for client in list(group.clients):
                self._offer(client, frame)

    def _resync_all(self) -> None:
        for group in self.groups.values():
            group.seq += 1
            for client in list(group.clients):
                self._resync(client)

    # ------------------------------------------------------------------ per client
    def _offer(self, client: Client, frame: str) -> None:
        if client.closed:
            return
        try:
            client.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._resync(client)

    def _resync(self, client: Client) -> None:
        """Drop what the client has not received yet and queue one fresh hello."""
        now = time.monotonic()
        client.resync_times = [t for t in client.resync_times if now - t < 60] + [now]
        self.metrics.resyncs.inc()
        while not client.queue.empty():
            client.queue.get_nowait()
        if len(client.resync_times) > MAX_RESYNCS_PER_MINUTE:
            self.metrics.disconnects.inc()
            self._drop(client, "too slow: resynchronised too often")
            return
        client.queue.put_nowait(client.group.hello_frame(self.views))

    def recheck(self) -> int:
        """Re-check every client's principal now (a session ended somewhere); those that
        may no longer come in are closed with 4401 ahead of anything queued.  How many."""
        ended = 0
        for group in list(self.groups.values()):
            for client in list(group.clients):
                ended += not self._check(client)
        return ended

    def _check(self, client: Client) -> bool:
        """Whether ``client`` may stay; if not, its sender closes it next (4401)."""
        if self._still_allowed(client):
            return True
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait("")  # wakes the sender, which checks again and closes
        return False

    def _drop(self, client: Client, reason: str) -> None:
        client.closed = True
        client.group.clients.discard(client)
        client.queue.put_nowait(encode({"t": "bye", "reason": reason}))

    def _join(self, client: Client, scope: str | None) -> None:
        client.group.clients.discard(client)
        key = (scope, client.principal.audience)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(scope, client.principal.audience)
        client.group = group
        group.clients.add(client)
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(group.hello_frame(self.views))

    def client_count(self) -> int:
        return sum(len(g.clients) for g in self.groups.values())

    def clients_by_role(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for group in self.groups.values():
            for client in group.clients:
                counts[client.principal.role] = counts.get(client.principal.role, 0) + 1
        return counts

    def _scope_error(self, principal: Principal, scope: str | None) -> str | None:
        if scope is not None and scope not in UNIT_CODES:
            return f"unknown scope {scope!r}"
        if principal.scope is not None and scope != principal.scope:
            return f"scope {scope or 'district'!r} is not allowed for {principal.name}"
        return None

    # ------------------------------------------------------------------ heartbeat
    def start(self) -> None:
        # the clock first: a hello before the first beat must not show a day or staleness
        # computed without it (two instances would then disagree for a few seconds)
        self.on_tick(int(time.time() * 1000))
        self._beat_task = asyncio.create_task(self._beats(), name="live-beats")

    async def stop(self) -> None:
        if self._flush_handle:
            self._flush_handle.cancel()
        if self._beat_task:
            self._beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat_task

    async def _beats(self) -> None:
        """Once a second: a beat (not sequenced) so clients can tell live from delayed;
        every few seconds, the clock-dependent parts of the views (staleness)."""
        beats = 0
        while True:
            await asyncio.sleep(BEAT_INTERVAL_S)
            beats += 1
            if beats % CLOCK_EVERY_BEATS == 0:
                self.on_tick(int(time.time() * 1000))
            state = self.views.state
            frame = encode({
                "t": "beat", "now": int(time.time() * 1000), "last_id": state.last_id,
                "applied": state.applied, **self.status(),
            })
            now = asyncio.get_running_loop().time()
            for group in list(self.groups.values()):
                for client in list(group.clients):
                    self._cut_stuck(client, now)
                    if client.queue.qsize() < client.queue.maxsize // 2:  # beats are optional
                        self._offer(client, frame)  # checked by the sender before it goes
                    else:
                        self._check(client)  # no beat for it, but the check all the same

    # ------------------------------------------------------------------ the endpoint
    async def serve(self, ws: WebSocket, principal: Principal) -> None:
        """Run one /live connection of ``principal`` until it closes.  An officer scoped
        to a street gets that street whatever the URL asks; asking for another is refused."""
        scope = ws.query_params.get("scope") or principal.scope
        error = self._scope_error(principal, scope)
        if error:
            await ws.close(code=1008, reason=error)
            return
        await ws.accept()
        client = Client(ws=ws, group=Group(None), principal=principal,
                        queue=asyncio.Queue(maxsize=self.settings.client_queue_frames))
        self._join(client, scope)
        self.metrics.clients.inc()
        sender = client.sender = asyncio.create_task(self._send_loop(client), name="live-send")
        try:
            await self._receive_loop(client)
        except WebSocketDisconnect:
            pass
        finally:
            client.closed = True
            client.group.clients.discard(client)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            self.metrics.clients.dec()
            if ws.application_state != WebSocketState.DISCONNECTED:
                with contextlib.suppress(Exception):
                    await ws.close()

    async def _send_loop(self, client: Client) -> None:
        """Send the client's frames in order.  A send that has not finished after
        ``client_send_timeout_s`` is cut off by the beat (:meth:`_cut_stuck`), which keeps
        the common send free of a timer (``wait_for`` cost a task per frame per client)."""
        loop = asyncio.get_running_loop()
        while True:
            frame = await client.queue.get()
            if not self._still_allowed(client):
                with contextlib.suppress(Exception):
                    await client.ws.close(code=4401, reason="signed out: session or token no longer valid")
                return
            client.sending_since = loop.time()
            try:
                await client.ws.send_text(frame)
            except asyncio.CancelledError:
                if not client.stuck:
                    raise
                self.metrics.disconnects.inc()
                log.info("closing /live client stuck in send for %.0fs", self.settings.client_send_timeout_s)
                with contextlib.suppress(Exception):
                    await client.ws.close(code=1013, reason="too slow")
                return
            except Exception:  # the socket is gone; the receive loop will notice
                return
            finally:
                client.sending_since = None
            self.metrics.frames_sent.inc()
            if client.closed and client.queue.empty():
                with contextlib.suppress(Exception):
                    await client.ws.close(code=1013, reason="too slow")
                return

    def _cut_stuck(self, client: Client, now: float) -> None:
        """Cut off a client whose current send began over ``client_send_timeout_s`` ago."""
        since = client.sending_since
        if (since is not None and now - since > self.settings.client_send_timeout_s and not client.stuck
                and client.sender is not None):
            client.stuck = True
            client.sender.cancel()

    def _still_allowed(self, client: Client) -> bool:
        principal = self.revalidate(client.principal)
        if principal is None or principal.audience != client.principal.audience or (
                principal.scope is not None and client.group.scope != principal.scope):
            client.closed = True
            client.group.clients.discard(client)
            return False
        client.principal = principal
        return True

    async def _receive_loop(self, client: Client) -> None:
        limit = self.settings.max_client_message_bytes
        while True:
            received = await client.ws.receive()
            if received["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(received.get("code", 1000))
            text = received.get("text")
            if text is None:  # a binary frame
                self._offer(client, encode({"t": "error", "reason": "text frames only"}))
                continue
            if len(text) > limit:
                await client.ws.close(code=1009, reason=f"message over {limit} bytes")
                return
            if not self._still_allowed(client):
                await client.ws.close(code=4401, reason="signed out: session or token no longer valid")
                return
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                message = None
            kind = message.get("t") if isinstance(message, dict) else None
            if not isinstance(kind, str):  # any other JSON: said so, the connection kept
                self._offer(client, encode({"t": "error", "reason": "expected JSON: an object with 't'"}))
                continue
            assert isinstance(message, dict)
            if kind == "resync":
                self.metrics.resyncs.inc()
                self._offer(client, client.group.hello_frame(self.views))
            elif kind == "scope":
                scope = message.get("scope") or None
                error = (self._scope_error(client.principal, scope) if scope is None or isinstance(scope, str)
                         else "a scope is a unit code or null")
                if error:
                    self._offer(client, encode({"t": "error", "reason": error}))
                    continue
                self._join(client, scope)
            elif kind == "ping":
                self._offer(client, encode({"t": "pong", "now": int(time.time() * 1000)}))
            else:
                self._offer(client, encode({"t": "error", "reason": f"unknown message type {kind[:40]!r}"}))

"""One instance's replica of the state, kept current from the Redis log.

Start-up: load the newest snapshot, replay the log after it, then follow the log with
XREAD BLOCK.  In parallel, pub/sub messages are bridged into the log (exactly once
across instances, see :mod:`dashboard.bus`) and snapshots are written now and then.
When Redis goes away the replica keeps its state, reports ``redis_up = False``, retries
with backoff and carries on from the last applied id: nothing is lost or applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

from dashboard import snapshots, streamids
from dashboard import state as st
from dashboard.config import Settings
from dashboard.eventlog import Entry, EventLog, Subscription
from dashboard.events import InvalidEvent, parse_event
from dashboard.metrics import Metrics
from dashboard.redis_clients import REDIS_AWAY, REDIS_DOWN, error_text
from dashboard.tasks import cancel_all

log = logging.getLogger("dashboard.replica")


class StateListener(Protocol):
    """Who follows the replica's state (the /live hub).  Both are called in the event loop."""

    def on_changes(self, changes: st.Changes) -> None:
        """After every applied batch, with what it changed."""

    def on_restore(self, state: st.State) -> None:
        """After a snapshot restore: ``state`` is a new object; everything may have changed."""


class Listeners:
    """Several listeners as one, called in order (the console's index before the hub, so
    that what a patch cues is already indexed)."""

    def __init__(self, *listeners: StateListener) -> None:
        self.listeners = listeners

    def on_changes(self, changes: st.Changes) -> None:
        for listener in self.listeners:
            listener.on_changes(changes)

    def on_restore(self, state: st.State) -> None:
        for listener in self.listeners:
            listener.on_restore(state)


class Backoff:
    """Exponential backoff with a ceiling; ``reset`` after a success."""

    def __init__(self, first: float = 0.05, ceiling: float = 2.0) -> None:
        self.first, self.ceiling, self.delay = first, ceiling, first

    async def wait(self) -> None:
        await asyncio.sleep(self.delay)
        self.delay = min(self.delay * 2, self.ceiling)

    def reset(self) -> None:
        self.delay = self.first


class Replica:
    """Holds ``state`` and keeps it current, telling ``listener`` what changed."""

    def __init__(self, bus: EventLog, settings: Settings, metrics: Metrics, state: st.State,
                 listener: StateListener, *, follower: bool = False) -> None:
        self.bus = bus
        # a follower (the console worker, dashboard/console_worker.py) only follows the log:
        # the instance beside it bridges pub/sub and writes the snapshots
        self.follower = follower
        self.settings = settings
        self.metrics = metrics
        self.listener = listener
        self.state = state
        self._limit_dedup()
        self.redis_up = False
        self.ready = asyncio.Event()
        self.snapshot_id = "0-0"
        self._dead_backlog: list[tuple[str, bytes | None, str]] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._snapshot_applied = 0
        self._waiters: list[tuple[tuple[int, int], asyncio.Future[None]]] = []
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Restore (snapshot + replay) if Redis answers, then start the background loops.

        Returns once the state is restored, or at once if Redis is down (the follower
        keeps trying and restores when Redis comes back)."""
        try:
            await self.restore()
        except REDIS_DOWN as exc:
            log.warning("redis unavailable at start-up (%s); serving an empty state", exc)
            self.redis_up = False
        self._tasks = [asyncio.create_task(self._follow_log(), name="follow-log")]
        if not self.follower:
            self._tasks += [asyncio.create_task(self._bridge_pubsub(), name="bridge-pubsub"),
                            asyncio.create_task(self._snapshots(), name="snapshots")]

    async def stop(self) -> None:
        # redis-py may turn a cancellation into a connection error, which the loops would
        # retry: the flag makes them leave instead.
        self._stopping = True
        await cancel_all(self._tasks)

    async def restore(self) -> None:
        """Load the newest snapshot and replay the log after it, without blocking reads.
        Should another instance trim the log past the replay meanwhile, start again from
        its newer snapshot."""
        started = time.perf_counter()
        await self._load_snapshot()
        self.redis_up = True
        while True:
            entries = await self.bus.read_range(self.state.last_id, self.settings.read_batch)
            if not entries:
                break
            if await self._trimmed_past_us():
                if await self._load_snapshot():
                    continue
                log.error("log entries after %s were trimmed and no snapshot covers them "
                          "(trimmed by hand?); carrying on from the oldest entry left",
                          self.state.last_id)
            self.process(entries)
        await self._flush_dead()
        self.metrics.restore_seconds.set(time.perf_counter() - started)
        self.ready.set()
        self.listener.on_restore(self.state)

    async def _load_snapshot(self) -> bool:
        """Replace the state by the newest snapshot if it is ahead of it; True if it was."""
        snapshot = await self.bus.load_snapshot()
        if snapshot is None:
            return False
        snapshot_id, blob = snapshot
        if self.state.last_id != streamids.ZERO and not streamids.is_after(snapshot_id, self.state.last_id):
            return False
        self.state = st.from_json(blob)
        self._limit_dedup()
        self.snapshot_id = snapshot_id
        self._snapshot_applied = self.state.applied
        return True

    def _limit_dedup(self) -> None:
        """The state's dedup window takes this instance's bounds (every instance of one log
        needs the same ones, as it needs the same reducer: the digest shows a difference)."""
        self.state.dedup.limit(self.settings.dedup_window_s * 1000, self.settings.dedup_max_ids)

    # ------------------------------------------------------------------ applying
    def process(self, entries: list[Entry]) -> st.Changes:
        """Validate and apply a batch of log entries, in order.  Synchronous and fast:
        no awaits inside, so no reader ever sees a half-applied batch.  A copy of an event
        applied within the dedup window is counted (``cn_events_duplicate``), neither
        applied nor dead-lettered."""
        changes = st.Changes()
        state = self.state
        limit = self.settings.max_event_bytes
        applied = dead = 0
        for entry_id, raw in entries:
            try:
                if raw is None:
                    raise InvalidEvent("log entry has no 'event' field")
                event = parse_event(raw, limit)
            except InvalidEvent as exc:
                st.note_dead(state, entry_id)
                self._dead_backlog.append((entry_id, raw, str(exc)))
                dead += 1
                continue
            st.apply(state, entry_id, event, changes)
            applied += 1
        self.metrics.applied.inc(applied - changes.duplicates)
        if dead:
            self.metrics.dead.inc(dead)
        if changes.duplicates:
            self.metrics.duplicates.inc(changes.duplicates)
        self.metrics.dedup_ids.set(len(state.dedup))
        self.metrics.dedup_span.set(state.dedup.span_ms / 1000)
        self.metrics.lag_seconds.set(max(0.0, time.time() - streamids.entry_ms(state.last_id) / 1000))
        if self._waiters:
            self._wake_waiters()
        return changes

    async def wait_applied(self, entry_id: str, timeout: float = 5.0) -> bool:
        """Wait until the log entry ``entry_id`` has been applied here; False on timeout."""
        target = streamids.parse(entry_id)
        if streamids.parse(self.state.last_id) >= target:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((target, future))
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters = [(t, f) for t, f in self._waiters if f is not future]

    def _wake_waiters(self) -> None:
        applied = streamids.parse(self.state.last_id)
        for target, future in self._waiters:
            if target <= applied and not future.done():
                future.set_result(None)

    async def _flush_dead(self) -> None:
        while self._dead_backlog:
            entry_id, raw, reason = self._dead_backlog[0]
            await self.bus.dead_letter(entry_id, raw, reason)
            self._dead_backlog.pop(0)
            log.info("dead-lettered %s: %s", entry_id, reason)

    # ------------------------------------------------------------------ loops
    async def _follow_log(self) -> None:
        backoff = Backoff()
        while not self._stopping:
            try:
                if not self.ready.is_set():
                    await self.restore()
                entries = await self.bus.read(self.state.last_id, self.settings.read_batch, 1000)
                self._set_redis(True)
                backoff.reset()
                if entries and await self._trimmed_past_us():
                    await self._catch_up_from_snapshot()
                    continue
                if entries:
                    changes = self.process(entries)
                    if changes:
                        self.listener.on_changes(changes)
                    await self._flush_dead()
            except REDIS_DOWN as exc:
                if self._stopping:
                    return
                if self.redis_up:
                    log.warning("redis connection lost: %s", exc)
                self._set_redis(False)
                await backoff.wait()

    async def _trimmed_past_us(self) -> bool:
        """Whether entries after our last applied one may have been trimmed away (another
        instance trims the log behind its snapshots; an instance that lagged further
        behind, e.g. paused, would otherwise skip them without knowing).  Trimming removes
        a prefix, so nothing after ``last_id`` was lost while the oldest entry left is at
        or before it."""
        if self.state.last_id == "0-0":
            return False
        head = await self.bus.log_head_id()
        return head is not None and streamids.parse(head) > streamids.parse(self.state.last_id)

    async def _catch_up_from_snapshot(self) -> None:
        """Reload from the newest snapshot (which is ahead of every trim) and replay."""
        behind = self.state.last_id
        self.metrics.trim_gaps.inc()
        await self.restore()
        log.warning("fell behind a log trim at %s; reloaded snapshot %s and replayed to %s",
                    behind, self.snapshot_id, self.state.last_id)

    async def _bridge_pubsub(self) -> None:
        """Append what producers PUBLISH to the log.  A received batch is written before the
        next one is read, and a write that fails because Redis is away is retried (the
        bridge is idempotent) while the subscription stays open, so nothing this instance
        received is dropped.  A batch that Redis answers but refuses is retried
        ``bridge_max_attempts`` times, then dead-lettered (:meth:`_give_up`), and reading
        goes on.  What is published while no instance is subscribed is lost, as pub/sub
        does (docs/deploy.md)."""
        backoff = Backoff()
        unwritten: list[bytes] = []
        while not self._stopping:
            subscription: Subscription | None = None
            try:
                subscription = await self.bus.subscribe()
                backoff.reset()
                while not self._stopping:
                    if unwritten:
                        await self._write_bridged(unwritten)
                        unwritten = []
                    unwritten = await subscription.batch(timeout=1.0, limit=500)
            except Exception as exc:  # the subscription itself failed: subscribe again
                if self._stopping:
                    return
                (log.warning if backoff.delay == backoff.first else log.debug)(
                    "pub/sub subscription lost (%d received messages kept): %s", len(unwritten),
                    error_text(exc))
                await backoff.wait()
            finally:
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.aclose()

    async def _write_bridged(self, raws: list[bytes]) -> None:
        """Write received pub/sub messages to the log.  While Redis is away: retry with
        backoff for as long as it takes.  When Redis answers with a refusal (a script an
        ACL forbids, a Cluster client refusing a command): retry up to
        ``bridge_max_attempts`` times, then :meth:`_give_up` on the batch."""
        backoff = Backoff()
        refusals = 0
        while not self._stopping:
            try:
                await self.bus.bridge_many(raws)
            except REDIS_AWAY as exc:
                cause = error_text(exc)
            except Exception as exc:  # Redis answered, and refused
                refusals += 1
                cause = error_text(exc)
                if refusals >= self.settings.bridge_max_attempts:
                    self.metrics.bridge_errors.inc()
                    log.warning("writing %d pub/sub messages to the log failed %d times (%s); "
                                "writing them one by one, dead-lettering those refused",
                                len(raws), refusals, cause)
                    await self._give_up(raws)
                    return
            else:
                self.metrics.bridged.inc(len(raws))
                return
            self.metrics.bridge_errors.inc()
            (log.warning if backoff.delay == backoff.first else log.debug)(
                "writing %d pub/sub messages to the log failed (%d of %d refusals), retrying: %s",
                len(raws), refusals, self.settings.bridge_max_attempts, cause)
            await backoff.wait()

    async def _give_up(self, raws: list[bytes]) -> None:
        """Each message of a refused batch alone: appended if Redis takes it now, else
        dead-lettered with the reason (``cn_pubsub_given_up_total``).  Should the dead
        letter be refused too, the message is dropped (logged and counted): the bridge must
        read on.  While Redis is away, wait: an outage loses nothing."""
        for raw in raws:
            backoff = Backoff()
            while not self._stopping:
                try:
                    await self._append_or_dead_letter(raw)
                    break
                except REDIS_AWAY as exc:
                    log.debug("redis away while giving up on pub/sub messages: %s", error_text(exc))
                    await backoff.wait()

    async def _append_or_dead_letter(self, raw: bytes) -> None:
        """One published message to the log, else to the dead letters, else dropped;
        raises only while Redis is away (REDIS_AWAY)."""
        try:
            await self.bus.bridge_many([raw])
            self.metrics.bridged.inc()
            return
        except REDIS_AWAY:
            raise
        except Exception as exc:
            reason = f"pub/sub message not appended to the log: {error_text(exc)}"
        try:
            await self.bus.dead_letter_published(raw, reason)
        except REDIS_AWAY:
            raise
        except Exception as exc:
            self.metrics.given_up.labels("dropped").inc()
            log.error("dropped a published message (%s); its dead letter was refused too: %s",
                      reason, error_text(exc))
            return
        self.metrics.given_up.labels("dead_lettered").inc()
        log.warning("dead-lettered a published message: %s", reason)

    async def _snapshots(self) -> None:
        """Write a snapshot every ``snapshot_every_s`` (or sooner after many events)."""
        last = time.monotonic()
        while not self._stopping:
            await asyncio.sleep(1.0)
            pending = self.state.applied - self._snapshot_applied
            due = time.monotonic() - last >= self.settings.snapshot_every_s
            if pending <= 0 or not (due or pending >= self.settings.snapshot_every_events):
                continue
            try:
                await self.snapshot()
                last = time.monotonic()
            except REDIS_DOWN:
                continue

    async def snapshot(self) -> bool:
        """Write the current state as a snapshot (unless a newer one exists) and trim the
        log when it is longer than ``log_max_len``."""
        last_id, applied = self.state.last_id, self.state.applied
        if self.settings.snapshot_fork:  # a forked child serialises: the loop carries on
            blob = await snapshots.compressed_off_loop(self.state)
        else:
            blob = snapshots.compressed(self.state)
        stored = await self.bus.save_snapshot(last_id, blob)
        self._snapshot_applied = applied
        self.snapshot_id = last_id
        self.metrics.snapshot_bytes.set(len(blob))
        if await self.bus.log_length() > self.settings.log_max_len:
            await self.bus.trim_before(last_id)
        return stored

    def _set_redis(self, up: bool) -> None:
        self.redis_up = up
        self.metrics.redis_up.set(1 if up else 0)

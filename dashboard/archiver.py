"""The archiver: copies the log and the audit stream into the history archive.

Every instance runs one; only the holder of the archive lease (dashboard/lease.py, key
``<prefix>history:lease``) writes, so with several instances one of them archives and
another takes over within ``history_lease_s`` when it dies.  The writer resumes from
the cursor stored in the archive with the rows (dashboard/history.py), reads up to
``history_batch`` entries after it, and writes them and the new cursor in one
transaction: a restart or a fail-over archives each entry exactly once (a repeated
batch inserts nothing).  Log entries that do not validate are not archived (they were
dead-lettered, not applied).

Off the event loop: the archive's calls (and the row building, which parses every
event) run in one thread of their own; the loop only reads Redis and renews the lease.
When Redis or the archive goes away the archiver retries with backoff and says so in
/healthz (``history``) and in ``cn_history_*`` metrics; the instance carries on.

If the log is trimmed past the cursor before the archiver reads it (the writer was down
for longer than the log holds), the missing entries are lost to the archive: counted in
``cn_history_gaps`` and logged, never silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge
from redis.exceptions import RedisError

from dashboard import streamids
from dashboard.bus import Bus
from dashboard.eventlog import Entry
from dashboard.history import (
    AUDIT_STREAM,
    EVENTS_STREAM,
    Archive,
    ArchiveError,
    audit_row,
    event_row,
)
from dashboard.lease import Lease
from dashboard.metrics import Metrics
from dashboard.replica import Backoff
from dashboard.tasks import cancel_all

log = logging.getLogger("dashboard.archiver")
T = TypeVar("T")
IDLE_S = 1.0  # a writer that found little new (a tenth of a batch or less) looks again after
# this: fewer, larger transactions (one of 14 rows cost DuckDB ~9 ms, one of 1,000 ~45 ms)


class ArchiverMetrics:
    """The archiver's series, in the instance's registry."""

    def __init__(self, metrics: Metrics) -> None:
        r = metrics.registry
        self.archived = Counter("cn_history_archived", "Rows written to the history archive",
                                ["stream"], registry=r)
        self.errors = Counter("cn_history_errors", "Failed archiver rounds (each retried)",
                              ["cause"], registry=r)
        self.gaps = Counter("cn_history_gaps", "Times the log was trimmed past the archive's cursor "
                            "(entries lost to the archive)", registry=r)
        self.writer = Gauge("cn_history_writer", "1 while this instance holds the archive lease",
                            registry=r)
        self.lag = Gauge("cn_history_lag_seconds", "Now minus the time of the last archived log entry",
                         registry=r)


class Archiver:
    """Archives while it holds the lease; see the module docstring."""

    def __init__(self, bus: Bus, open_archive: Callable[[], Archive], lease: Lease, metrics: Metrics,
                 *, batch: int, max_event_bytes: int, where: str) -> None:
        self.bus = bus
        self.open_archive = open_archive
        self.lease = lease
        self.metrics = ArchiverMetrics(metrics)
        self.batch = batch
        self.max_event_bytes = max_event_bytes
        self.where = where  # engine and place, for /healthz (no password)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="history")
        self._archive: Archive | None = None
        self._cursors: dict[str, str] = {}
        self._ahead: tuple[str, list[Entry]] | None = None  # (read after, entries) read ahead
        self._tasks: list[asyncio.Task[None]] = []
        self.problem: str | None = None
        self.archived = 0  # rows this process wrote

    # ---- life
    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._keep_lease(), name="history-lease"),
                       asyncio.create_task(self._run(), name="history-archiver")]

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        with contextlib.suppress(RedisError, OSError):
            await asyncio.wait_for(self.lease.release(), 2.0)
        await self._close()
        self._thread.shutdown(wait=True)

    def health(self) -> dict[str, Any]:
        return {"archive": self.where, "role": "writer" if self.lease.held else "standby",
                "cursor": self._cursors.get(EVENTS_STREAM), "archived": self.archived,
                "problem": self.problem}

    async def read(self, fn: Callable[[Archive], T]) -> T | None:
        """``fn(archive)`` in the archiver's thread with its open archive (perception and
        Open311, dashboard/perception_api.py: DuckDB lets no other connection read the file
        this process writes); None while this instance holds no open archive."""
        archive = self._archive
        if archive is None or not self.lease.held:
            return None
        return await self._call(fn, archive)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def _close(self) -> None:
        archive, self._archive = self._archive, None
        self._cursors.clear()
        self._ahead = None
        if archive is not None:
            with contextlib.suppress(Exception):
                await self._call(archive.close)

    # ---- the lease
    async def _keep_lease(self) -> None:
        while True:
            try:
                if not await self.lease.refresh() and self.problem and self.problem.startswith("Redis"):
                    self.problem = None  # a standby has no round of its own to clear it
            except (RedisError, OSError) as exc:
                self._trouble("redis", f"Redis: {exc!r}")
            self.metrics.writer.set(1 if self.lease.held else 0)
            await asyncio.sleep(self.lease.period_s)

    # ---- the work
    async def _run(self) -> None:
        backoff = Backoff(first=0.2, ceiling=5.0)
        while True:
            if not self.lease.held:
                await self._close()  # DuckDB: free the file for the new holder
                await asyncio.sleep(min(1.0, self.lease.period_s))
                continue
            try:
                if self._archive is None:
                    self._archive = await self._call(self.open_archive)
                moved = await self._archive_events() + await self._archive_audit()
                self.problem = None
                backoff.reset()
                if moved <= self.batch // 10:
                    await asyncio.sleep(IDLE_S)
            except ArchiveError as exc:
                self._trouble("archive", str(exc))
                await self._close()
                await backoff.wait()
            except (RedisError, OSError) as exc:
                self._trouble("redis", f"Redis: {exc!r}")
                await backoff.wait()
            except Exception as exc:  # a bug must not end archiving for the process's life
                log.exception("history archiver: unexpected error")
                self._trouble("unexpected", f"unexpected: {exc!r}")
                await self._close()
                await backoff.wait()

    def _trouble(self, cause: str, text: str) -> None:
        if self.problem != text:
            log.warning("history archiver: %s", text)
        self.problem = text
        self.metrics.errors.labels(cause).inc()

    async def _cursor(self, archive: Archive, stream: str) -> str:
        if stream not in self._cursors:
            self._cursors[stream] = await self._call(archive.cursor, stream)
        return self._cursors[stream]

    async def _archive_events(self) -> int:
        """One batch of the log; while the thread writes it, the next batch is read."""
        archive = self._archive
        assert archive is not None
        after = await self._cursor(archive, EVENTS_STREAM)
        ahead, self._ahead = self._ahead, None
        entries = ahead[1] if ahead and ahead[0] == after else await self.bus.read_range(after, self.batch)
        if not entries:
            return 0
        if after != streamids.ZERO and not ahead:
            head = await self.bus.log_head_id()
            if head == entries[0][0] and streamids.is_after(head, after):
                self.metrics.gaps.inc()
                log.error("history archiver: the log was trimmed past the archive's cursor %s "
                          "(oldest entry left %s): entries between are not archived", after, head)
        if not self.lease.held:  # lost it while reading: the new holder archives these
            return 0
        last = entries[-1][0]
        writing = asyncio.ensure_future(self._call(self._write_events, archive, entries, last))
        try:
            if len(entries) == self.batch:  # probably more waiting: read it meanwhile
                self._ahead = (last, await self.bus.read_range(last, self.batch))
        finally:
            written = await writing
        self._done(EVENTS_STREAM, last, written)
        self.metrics.lag.set(max(0.0, time.time() - streamids.entry_ms(last) / 1000))
        return len(entries)

    def _write_events(self, archive: Archive, entries: list[Entry], last: str) -> int:
        rows = [row for entry_id, raw in entries
                if (row := event_row(entry_id, raw, self.max_event_bytes)) is not None]
        return archive.write_events(rows, last)

    async def _archive_audit(self) -> int:
        archive = self._archive
        assert archive is not None
        after = await self._cursor(archive, AUDIT_STREAM)
        reply: Any = await self.bus.redis.xrange(self.bus.keys.audit, min=f"({after}", count=self.batch)
        if not reply or not self.lease.held:
            return 0
        entries = [(entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id), fields)
                   for entry_id, fields in reply]
        last = entries[-1][0]
        written = await self._call(
            lambda: archive.write_audit([audit_row(entry_id, fields) for entry_id, fields in entries], last))
        self._done(AUDIT_STREAM, last, written)
        return len(entries)

    def _done(self, stream: str, last: str, written: int) -> None:
        self._cursors[stream] = last
        self.archived += written
        self.metrics.archived.labels(stream).inc(written)

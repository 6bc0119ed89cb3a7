"""The early-warning engine: a producer (``changning-dashboard detect``, also run by
``run --demo``) around the pure :class:`dashboard.detect.Detector`.

* **Learns** from the archive: the indicator values and sensor readings of the last
  ``detect_history_days`` (the ``series_points`` query).  Where it reads: in the instance
  (``run --demo``) through the archiver's own thread (:meth:`Archiver.read`, as perception
  does: a DuckDB file admits one process); standalone, it opens the archive itself
  (PostgreSQL by ``history_url``, or a DuckDB file no instance holds open).
* **Follows** the log (XREAD after its cursor, ``<prefix>detect:cursor``, kept in Redis
  once the events an entry called for are written), scores each new value and writes
  ``indicator.anomaly`` / ``indicator.expected`` events (deterministic ids), each through
  the bus's idempotent append (:meth:`Bus.bridge_many`: an id already appended within
  ``dedup_ttl_s`` is not appended again), so several engines put one copy in the log.
* **Refits** each baseline every :data:`dashboard.detect.REFIT_MS`, off the event loop (a
  thread; the fit copies the points), at most :data:`REFIT_SLICE_S` between two reads of
  the log.  After a start the log is followed once every series learned from the archive
  has been fitted (the tiles get their bands as each is fitted); meanwhile the cursor
  keeps the place, and what arrived is scored afterwards.
* **Keeps** its fitted baselines in a file (dashboard/baseline_store.py) after each round of
  fits; a restart installs those still fresh and fits only the rest before following.
* **Keeps running** when Redis or the archive goes away: reads and writes are retried,
  the events owed are kept (bounded) and written when Redis is back, the cursor only
  moves after they are; a restart resumes from the cursor (the first start from
  ``detect_lookback_s`` back), and what it writes again has the same ids, so the reducer
  keeps one alarm.  An archive that does not answer leaves the baselines as they were
  (learning from the followed log meanwhile) and is asked again a minute later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dashboard import baseline_store, clock
from dashboard.bus import Bus
from dashboard.config import Settings
from dashboard.detect import REFIT_MS, Detector
from dashboard.events import InvalidEvent, parse_event
from dashboard.history import Archive, ArchiveError
from dashboard.streamids import entry_ms

log = logging.getLogger("dashboard.detect")
FOLLOWED = frozenset({"indicator.value", "sensor.reading", "sensor.alarm", "sensor.cleared"})
OUTBOX_MAX = 50_000  # events owed while Redis is away (the oldest dropped beyond)
RETRY_S = 1.0
RELEARN_S = 60.0  # an archive that did not answer is asked again after this
REFIT_EVERY_S = 60.0  # how often due refits are looked for
#: fitting at most this long between two reads of the log: a first learning of thousands of
#: series (a minute or more) does not hold the log up
REFIT_SLICE_S = 1.0
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
Row = tuple[int, str, str | None, dict[str, Any]]
#: reads the archive: fn(archive) in whatever thread may touch it; None: no archive now
History = Callable[[Callable[[Archive], list[Row]]], Awaitable[list[Row] | None]]


def series_rows(archive: Archive, since_ms: int) -> list[Row]:
    """The archived points from the Beijing day of ``since_ms`` on (ts, type, street, data)."""
    day = clock.beijing(since_ms).date()
    out: list[Row] = []
    for ms, kind, street, data in archive.query("series_points", day.isoformat()):
        payload = orjson.loads(data) if isinstance(data, str | bytes) else data
        if int(ms) >= since_ms and isinstance(payload, dict):
            out.append((int(ms), kind, street, payload))
    return out


class Engine:
    """One engine: ``await run(stop)`` until ``stop`` is set."""

    def __init__(self, bus: Bus, detector: Detector, history: History, settings: Settings,
                 now: Callable[[], int] = clock.now_ms) -> None:
        self.bus = bus
        self.detector = detector
        self.history = history
        self.settings = settings
        self.now = now
        self.outbox: deque[bytes] = deque(maxlen=OUTBOX_MAX)
        self.cursor: str | None = None
        self.pending_cursor: str | None = None
        self.learned = False
        self.written = 0
        self.anomalies = 0
        self._last_learn = -1e9
        self._last_refit = 0.0
        self._refit_behind = False
        self._first_fit = True  # until every series learned from the archive has been fitted
        self.kept_path = baseline_store.path_for(settings)
        self.kept_print = baseline_store.fingerprint(detector.calendar, detector.history_ms)
        self.reused = 0  # baselines installed from the kept file at the last learning

    async def learn(self) -> bool:
        """Fit every baseline from the archive; False when it cannot be read now."""
        self._last_learn = time.monotonic()
        since = self.now() - self.settings.detect_history_days * clock.DAY_MS
        try:
            rows = await self.history(lambda archive: series_rows(archive, since))
        except (ArchiveError, OSError) as exc:
            log.warning("detect: the archive cannot be read (%s); learning from the log meanwhile", exc)
            return False
        if rows is None:
            log.warning("detect: no archive to learn from now; learning from the log meanwhile")
            return False
        taken = self.detector.take(rows)
        self.learned = True
        await self._install_kept()
        self._refit_behind = True  # the series still due: fitted a slice at a time by run()
        log.info("detect: learned %d archived points, %d series; fitting their baselines", taken,
                 len(self.detector.series))
        return True

    async def _install_kept(self) -> None:
        """The kept baselines still fresh, installed on the series learned (their bands
        written): only the rest is fitted before the log is followed."""
        if self.kept_path is None:
            return
        now = self.now()
        kept = await asyncio.to_thread(baseline_store.load, self.kept_path, self.kept_print)
        self.reused = 0
        for sid, baseline in kept.items():
            if sid in self.detector.series and 0 <= now - baseline.fitted_ms < REFIT_MS:
                self.detector.install(sid, baseline)
                band = self.detector.band_event(sid, now)
                if band is not None:
                    self.outbox.append(orjson.dumps(band))
                self.reused += 1
        log.info("detect: %d kept baseline(s) reused from %s", self.reused, self.kept_path)

    async def _keep(self) -> None:
        """Every fitted baseline written to the kept file (a failure is logged, not raised)."""
        if self.kept_path is None:
            return
        fitted = {sid: s.baseline for sid, s in self.detector.series.items() if s.baseline is not None}
        try:
            await asyncio.to_thread(baseline_store.save, self.kept_path, self.kept_print, fitted)
        except OSError as exc:
            log.warning("detect: baselines cannot be kept in %s (%s)", self.kept_path, exc)

    async def refit(self, all_series: bool = False, budget_s: float | None = None) -> int:
        """Fit the due series (or all), each in a thread; with ``budget_s``, stop once that
        long has been spent (the rest next time: the log is followed in between).  Sets
        :attr:`_refit_behind` when some were left."""
        now = self.now()
        due = list(self.detector.series) if all_series else self.detector.refit_due(now)
        started = time.monotonic()
        done = 0
        for sid in due:
            job = self.detector.fit_job(sid, now)
            self.detector.install(sid, await asyncio.to_thread(job))
            band = self.detector.band_event(sid, now)
            if band is not None:
                self.outbox.append(orjson.dumps(band))
            done += 1
            if budget_s is not None and time.monotonic() - started >= budget_s:
                break
        self._refit_behind = done < len(due)
        if not self._refit_behind and done:
            await self._keep()
            ready = sum(self.detector.status(sid, now)["state"] == "ready" for sid in self.detector.series)
            log.info("detect: %d baseline(s) fitted; %d of %d series ready", done, ready,
                     len(self.detector.series))
        return done

    async def start_cursor(self) -> str:
        stored = await self.bus.redis.get(self.settings.keys.detect_cursor)
        if stored:
            return stored.decode() if isinstance(stored, bytes) else str(stored)
        return f"{max(0, self.now() - self.settings.detect_lookback_s * 1000)}-0"

    def take_entries(self, entries: list[tuple[str, bytes | None]]) -> None:
        for entry_id, raw in entries:
            self.pending_cursor = entry_id
            if raw is None:
                continue
            try:
                event = parse_event(raw, self.settings.max_event_bytes)
            except InvalidEvent:
                continue
            if event.type not in FOLLOWED:
                continue
            ts = event.ts if event.ts is not None else entry_ms(entry_id)
            for out in self.detector.observe(ts, event.type, event.street, event.data):
                self.anomalies += out["type"] == "indicator.anomaly"
                self.outbox.append(orjson.dumps(out))

    async def flush(self) -> None:
        """Write what is owed, then move the cursor (Redis errors propagate)."""
        while self.outbox:
            batch = [self.outbox[i] for i in range(min(1000, len(self.outbox)))]
            # each appended unless an engine already did (its id, within dedup_ttl_s): two
            # engines, or one restarted, put each anomaly into the log once
            appended = await self.bus.bridge_many(batch)
            for raw, entry in zip(batch, appended, strict=True):
                self.outbox.popleft()
                if b'"indicator.anomaly"' in raw:  # an operator reads which engine raised what
                    log.info("detect: anomaly %s %s", orjson.loads(raw)["id"],
                             f"appended as {entry}" if entry else "already in the log (another engine's)")
            self.written += len(batch)
        if self.pending_cursor is not None and self.pending_cursor != self.cursor:
            await self.bus.redis.set(self.settings.keys.detect_cursor, self.pending_cursor)
            self.cursor = self.pending_cursor

    async def step(self, block_ms: int = 1000) -> None:
        if self.cursor is None:
            self.cursor = self.pending_cursor = await self.start_cursor()
            log.info("detect: following the log after %s", self.cursor)
        after = self.pending_cursor or self.cursor
        entries = await self.bus.read(after, 2000, block_ms)
        self.take_entries(entries)
        await self.flush()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        while not stop.is_set():
            if not self.learned and time.monotonic() - self._last_learn >= RELEARN_S:
                await self.learn()
            if self._refit_behind or time.monotonic() - self._last_refit >= REFIT_EVERY_S:
                self._last_refit = time.monotonic()
                await self.refit(budget_s=REFIT_SLICE_S)
            if self.learned and self._first_fit:
                if self._refit_behind:
                    # the first fits after learning: the log waits (its cursor keeps the
                    # place), so a value is scored against a fitted baseline, not passed
                    # over; the bands fitted so far go out meanwhile
                    with contextlib.suppress(*REDIS_ERRORS):
                        await self.flush()
                    continue
                self._first_fit = False
            try:
                await self.step()
            except REDIS_ERRORS as exc:
                log.warning("detect: redis unavailable (%s); %d event(s) owed, retrying", exc,
                            len(self.outbox))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), RETRY_S)


def build_detector(settings: Settings) -> Detector:
    from dashboard.catalogue import load_catalogue
    from dashboard.i18n import t
    from dashboard.simulator_vocab import SENSOR_KINDS
    from dashboard.workdays import load_calendar

    names = {kind[0]: (t(f"sensor.{kind[0]}", "zh"), t(f"sensor.{kind[0]}", "en")) for kind in SENSOR_KINDS}
    return Detector(load_catalogue(settings.catalogue_path), load_calendar(settings.calendar_path),
                    threshold=settings.detect_threshold, sensor_names=names,
                    history_ms=settings.detect_history_days * clock.DAY_MS)


def direct_history(settings: Settings) -> History:
    """The archive opened by this process for each read (standalone ``detect``)."""
    from dashboard.history_open import open_archive

    async def read(fn: Callable[[Archive], list[Row]]) -> list[Row] | None:
        def work() -> list[Row]:
            archive = open_archive(settings)
            try:
                return fn(archive)
            finally:
                archive.close()

        return await asyncio.to_thread(work)

    return read

"""The live parts of one instance (:class:`Runtime`) and how they are built.

No Dash here: routes, callbacks and actions import :class:`Runtime` from this module, so
that only the composition root (dashboard/app.py) imports the pages and callbacks.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from dashboard import clock, streamids, workdays
from dashboard import state as st
from dashboard.archiver import Archiver
from dashboard.attempts import Attempts
from dashboard.audit import Auditor
from dashboard.audit_rollup import FailureRollup
from dashboard.auth import UserStore
from dashboard.bus import Bus, connect_for
from dashboard.catalogue import Indicator, load_catalogue
from dashboard.checkin_scheduler import CheckinScheduler
from dashboard.config import ConfigError, Settings, checkin_schedule
from dashboard.console import ConsoleConfig, load_console_config
from dashboard.console_index import IncidentIndex
from dashboard.console_worker import ConsoleWorker
from dashboard.dimensions import load_dimensions
from dashboard.history_open import archive_opener, archive_where
from dashboard.identity import Identity
from dashboard.lease import Lease
from dashboard.live import Hub
from dashboard.loopwatch import LoopWatch
from dashboard.metrics import Metrics
from dashboard.performance import Config as PerformanceConfig
from dashboard.performance import load_config as load_performance
from dashboard.ratelimits import SignInLimits
from dashboard.redis_clients import ClientOptions, blocking_read_ms
from dashboard.replica import Listeners, Replica
from dashboard.risk import Refusals
from dashboard.security_feed import Notice, SecurityFeed
from dashboard.sessions import Sessions
from dashboard.shared_answers import AreaVersions, SharedAnswers
from dashboard.sources import Sources, load_sources
from dashboard.sources import health as source_health
from dashboard.users_watch import UsersWatch
from dashboard.workdays import DeadlineRule

log = logging.getLogger(__name__)

#: the users file is looked at once a second at most, unless its watch says it changed
USERS_RECHECK_S = 1.0


@dataclass
class Runtime:
    """The live parts of one instance, reachable from routes and callbacks."""

    settings: Settings
    metrics: Metrics
    bus: Bus
    replica: Replica
    hub: Hub
    catalogue: list[Indicator]
    console: ConsoleConfig
    auditor: Auditor
    identity: Identity
    sign_in_limits: SignInLimits
    feed: SecurityFeed
    rollup: FailureRollup
    refusals: Refusals
    loop_watch: LoopWatch
    incidents: IncidentIndex
    answers: SharedAnswers
    users_watch: UsersWatch
    archiver: Archiver | None = None  # None: no archive configured, or the console worker
    console_worker: ConsoleWorker | None = None  # set by the app unless it is the worker
    checkin_scheduler: CheckinScheduler | None = None  # 查岗 requests (None: the console worker)
    deadlines: DeadlineRule = field(default_factory=DeadlineRule)  # 12345 working-day deadlines
    sources: Sources = field(default_factory=load_sources)  # the feeding systems (sources.toml)
    performance: PerformanceConfig = field(default_factory=load_performance)  # performance.toml
    started: float = field(default_factory=time.time)
    _digest: tuple[tuple[str, int, int], str] | None = None

    @property
    def state(self) -> st.State:
        return self.replica.state

    def digest(self) -> str:
        """State digest, recomputed only when the state has moved on."""
        s = self.state
        key = (s.last_id, s.applied, s.dead)
        if self._digest is None or self._digest[0] != key:
            self._digest = (key, st.digest(s))
        return self._digest[1]

    def on_notice(self, notice: Notice) -> None:
        """What another instance (or the CLI) told every instance through the feed: a
        session ended (open /live connections of it close at once), or a lock was lifted."""
        if notice.kind == "revoke":
            self.identity.sessions.revoke(notice.sid, notice.until_ms)
            self.hub.recheck()
        elif notice.kind == "unlock":
            with contextlib.suppress(ValueError):  # not an address: nothing of ours to forget
                self.sign_in_limits.forget_local(notice.account, notice.address)

    def health(self, *, with_digest: bool = False) -> dict[str, Any]:
        """The /healthz body.  The state digest hashes the whole state (at 100,000
        incidents tens of milliseconds of the event loop), so it is computed only when
        asked (``/healthz?digest=1``)."""
        s = self.state
        return {
            "redis": "up" if self.replica.redis_up else "down",
            "applied": s.applied,
            "last_id": s.last_id,
            "dead": s.dead,
            "clients": self.hub.client_count(),
            **({"digest": self.digest()} if with_digest else {}),
            "snapshot_id": self.replica.snapshot_id,
            "lag_s": round(max(0.0, time.time() - streamids.entry_ms(s.last_id) / 1000), 3)
            if s.last_id != streamids.ZERO else None,
            "uptime_s": round(time.time() - self.started, 1),
            "audit_spooled": self.auditor.spooled,
            "loop_lag_max_s": round(self.loop_watch.longest, 4),
            "console_worker": self.console_worker.health() if self.console_worker else None,
            "history": self.archiver.health() if self.archiver else None,
            "calendar": self.calendar_health(),
            "sources": {item["source"]: item["status"]
                        for item in source_health(s.sources, self.sources, clock.now_ms())},
        }

    def calendar_health(self) -> dict[str, Any]:
        """The working-day calendar: its file, its years, and the years in use it cannot
        count on (missing or provisional): ``ok`` False when there are any."""
        rule = self.deadlines
        created = {t["created"] for t in self.state.tickets.values() if t.get("status") != "closed"}
        gaps = rule.gaps(created, clock.now_ms())
        return {"path": rule.calendar.path, "years": sorted(rule.calendar.years),
                "gaps": {str(year): why for year, why in gaps.items()}, "ok": not gaps}


def build_runtime(settings: Settings, *, follower: bool = False) -> Runtime:
    """Every part, each given its collaborators at construction.  Connects to nothing yet
    (the app's lifespan starts the replica, the hub and the auditor).  ``follower``: the
    replica only follows the log (the console worker's, dashboard/console_worker.py)."""
    if not settings.redis_url:
        raise ValueError("create_app needs settings.redis_url (the CLI starts an embedded Redis)")
    try:
        catalogue = load_catalogue(settings.catalogue_path)
        dimensions = load_dimensions(settings.catalogue_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'catalogue_path': {exc}") from None
    try:
        console = load_console_config(settings.console_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'console_path': {exc}") from None
    deadlines = deadline_rule(settings)
    try:
        feeding = load_sources(settings.sources_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'sources_path': {exc}") from None
    try:
        performance = load_performance(settings.performance_path)
    except ValueError as exc:
        raise ConfigError(f"Config 'performance_path': {exc}") from None
    metrics = Metrics()
    bus = Bus(connect_for(settings), settings)
    store = UserStore(settings.users_file, recheck_s=USERS_RECHECK_S)
    feed = SecurityFeed(bus.redis, settings.keys.security,
                        max(settings.session_ttl_s, settings.wall_session_ttl_s),
                        block_ms=blocking_read_ms(ClientOptions.of(settings), 5_000))
    identity = Identity(store, Sessions(store, settings.session_ttl_s, settings.wall_session_ttl_s),
                        feed, visitor_anonymous=settings.visitor_anonymous)
    limits = SignInLimits.from_settings(Attempts(bus.redis, settings.login_window_s), settings)

    state = st.State()
    replica: Replica | None = None  # the hub's beat asks it whether Redis is up

    def status() -> dict[str, Any]:
        return {"redis": "up" if replica is not None and replica.redis_up else "down"}

    hub = Hub(state, settings, metrics, catalogue, revalidate=identity.revalidate, status=status,
              dimensions=dimensions, deadlines=deadlines, sources=feeding)
    index, versions = IncidentIndex(state), AreaVersions()
    replica = Replica(bus, settings, metrics, state, listener=Listeners(index, versions, hub),
                      follower=follower)
    auditor = Auditor(bus.redis, settings.keys.audit, settings.audit_spool, settings.audit_spool_max,
                      metrics)
    rollup = FailureRollup(auditor, settings.audit_rollup_s, settings.audit_rollup_sources)
    return Runtime(settings, metrics, bus, replica, hub, catalogue, console, auditor, identity, limits,
                   feed, rollup, Refusals(metrics), LoopWatch(metrics), index, SharedAnswers(versions),
                   UsersWatch(store), archiver=None if follower else build_archiver(settings, bus, metrics),
                   deadlines=deadlines, sources=feeding, performance=performance,
                   checkin_scheduler=None if follower else CheckinScheduler(
                       bus, checkin_schedule(settings), lambda: replica.state, settings.checkin_tick_s,
                       time.time))


def deadline_rule(settings: Settings) -> DeadlineRule:
    """The 12345 deadline rule of the settings; a bad calendar file is a ConfigError naming
    its line, and the years it lacks for now and the coming deadlines are logged at once
    (and shown by /healthz ``calendar``), never silently counted as plain weekdays."""
    try:
        rule = workdays.rule_of(settings.calendar_path, (settings.hotline_days_emergency,
                                settings.hotline_days_urgent, settings.hotline_days_normal),
                                settings.hotline_near_days)
    except workdays.CalendarError as exc:
        raise ConfigError(f"Config 'calendar_path': {exc}") from None
    for year, why in rule.gaps((), clock.now_ms()).items():
        log.warning("calendar %s: the year %s is %s; add its notice (docs/events.md, 'Deadlines in "
                    "working days')", rule.calendar.path, year,
                    "provisional: its bridging days and make-up working days are not entered, so 12345 "
                    "deadlines in it count its statutory holidays only" if why == "provisional" else
                    "missing: 12345 deadlines in it count weekends only, no holidays")
    return rule


def build_archiver(settings: Settings, bus: Bus, metrics: Metrics) -> Archiver | None:
    """The history archiver (every instance runs one; the lease holder writes), or None
    when no archive is configured."""
    opener, where = archive_opener(settings), archive_where(settings)
    if opener is None or where is None:
        return None
    lease = Lease(bus.redis, f"{settings.keys.prefix}history:lease", settings.history_lease_s)
    return Archiver(bus, opener, lease, metrics, batch=settings.history_batch,
                    max_event_bytes=settings.max_event_bytes, where=where)

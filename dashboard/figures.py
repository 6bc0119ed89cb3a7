"""Every figure a screen shows, computed here once per scope.  No I/O.

A wall's tiles, dimension headers, 12345 panel, camera counts, feed pins and flood
summary all come from :class:`Figures`, for the district or one street (a street's
figures are the same computation restricted to it), so a number shown twice is the same
number.  The tallies are kept incrementally from the keys the reducer reports
(:meth:`Figures.observe`); what depends on the wall clock (stale cameras and series,
overdue tickets, the flood window, shelves that ran out) is recomputed by
:meth:`Figures.tick`.
"""

from __future__ import annotations

from typing import Any

from dashboard import camera
from dashboard.attention import Watch
from dashboard.cards import HotlineTally, StatusTally, in_scope, indicator_in_scope
from dashboard.catalogue import DIMENSIONS, Indicator
from dashboard.catalogue import level as indicator_level
from dashboard.clock import beijing_day
from dashboard.dimensions import DimensionMap, load_dimensions
from dashboard.protocol import Section
from dashboard.sources import Sources, health, load_sources, silent_families
from dashboard.state import Changes, State, series_key
from dashboard.units import UNIT_CODES
from dashboard.workdays import Deadline, DeadlineRule

DEFAULT_INDICATOR_STALE_S = 900


class Figures:
    """The figures of every scope.  Call :meth:`observe` with every Changes before asking
    for figures, and :meth:`tick` with the wall clock."""

    def __init__(self, state: State, catalogue: dict[str, Indicator], *,
                 dimensions: DimensionMap | None = None, video_stale_s: int = 900,
                 deadlines: DeadlineRule | None = None, flood_alarms: int = 10,
                 flood_window_s: int = 600, sources: Sources | None = None) -> None:
        self.state = state
        self.sources = sources if sources is not None else load_sources()
        self.catalogue = catalogue
        self.video_stale_ms = video_stale_s * 1000
        self.deadlines = deadlines if deadlines is not None else DeadlineRule()
        self.due: dict[str, Deadline] = {}  # open 12345 tickets → their deadline
        self.video = StatusTally("video")
        self.tickets = StatusTally("tickets")
        self.hotline_days = HotlineTally()
        self.watch = Watch(dimensions or load_dimensions(), flood_alarms, flood_window_s * 1000)
        self.now_ms = 0  # the wall clock of the last tick (0 before the first one)
        # stale camera and series ids; "silent": the families of events whose sources are all
        # silent (dashboard/sources.py silent_families), what the screens mark as not current
        self.stale: dict[str, Any] = {"video": [], "indicators": [], "silent": {}}
        self.overdue: dict[str, str | None] = {}  # open 12345 tickets past their deadline → street
        self.near: dict[str, str | None] = {}  # open 12345 tickets due soon → street
        self._shelved: tuple[tuple[int, int], frozenset[str]] = ((-1, -1), frozenset())
        self._levels: dict[str, tuple[str, str | None, str]] = {}  # series not ok → key, street, level
        self.reset(state)

    def reset(self, state: State) -> None:
        """Point at a new state object (after a snapshot restore)."""
        self.state = state
        self.video.rebuild(state)
        self.tickets.rebuild(state)
        self.hotline_days.rebuild(state)
        self.due.clear()
        self._update_deadlines(state.tickets)
        self.watch.rebuild(state)
        self._levels.clear()
        self._update_levels(state.indicators)

    def observe(self, changes: Changes) -> None:
        keys = changes.keys
        self.video.update(self.state, keys.get(Section.VIDEO, set()))
        tickets = keys.get(Section.TICKETS, set())
        self.tickets.update(self.state, tickets)
        self.hotline_days.update(self.state, tickets)
        self._update_deadlines(tickets)
        self.watch.update(self.state, keys.get(Section.INCIDENTS, ()), keys.get(Section.ALARMS, ()))
        self._update_levels(keys.get(Section.INDICATORS, ()))

    def _update_deadlines(self, tids: Any) -> None:
        """Each open ticket's deadline (working days on the calendar, from its event times:
        the same on every instance); the clock only compares against it."""
        for tid in tids:
            ticket = self.state.tickets.get(tid)
            due = self.deadlines.of(ticket) if ticket is not None else None
            if due is None:
                self.due.pop(tid, None)
            else:
                self.due[tid] = due

    def _update_levels(self, sids: Any) -> None:
        for sid in sids:
            series = self.state.indicators.get(sid)
            indicator = self.catalogue.get(series["key"]) if series else None
            level = indicator_level(series["value"], indicator) if series and indicator else "ok"
            if series is not None and level != "ok":
                self._levels[sid] = (series["key"], series["street"], level)
            else:
                self._levels.pop(sid, None)

    # ---------------------------------------------------------------- the clock
    def tick(self, now_ms: int) -> bool:
        """Recompute what depends on the wall clock at ``now_ms``; True when that changed
        anything a view shows, so a patch is due."""
        video = camera.stale_ids(self.state.video, now_ms, self.video_stale_ms)
        indicators = sorted(
            sid for sid, x in self.state.indicators.items()
            if x["ts"] is not None and x["ts"] < now_ms - 1000 * self._stale_after_s(x["key"])
        )
        silent = silent_families(self.state.sources, health(self.state.sources, self.sources, now_ms), now_ms)
        stale = {"video": video, "indicators": indicators, "silent": silent}
        tickets = self.state.tickets
        overdue: dict[str, str | None] = {}
        near: dict[str, str | None] = {}
        for tid, due in self.due.items():
            flag = DeadlineRule.flag(due, now_ms)
            if flag is not None and tid in tickets:
                (overdue if flag == "overdue" else near)[tid] = tickets[tid].get("street")
        # what the passing time alone changes: the flood window, the shelves, the day
        before = self._by_the_clock()
        self.now_ms = now_ms
        after = self._by_the_clock()
        if (stale, overdue, near) == (self.stale, self.overdue, self.near) and before == after:
            return False
        self.stale, self.overdue, self.near = stale, overdue, near
        return True

    def _by_the_clock(self) -> tuple[Any, ...]:
        return self.watch.window_ids(self.state, self._now()), self.shelved, self._hotline_day(self.now_ms)

    @property
    def shelved(self) -> frozenset[str]:
        """The alarms shelved at the clock's time (a shelf ends by itself); computed once
        per clock time and applied entry."""
        at = (self.now_ms, self.state.applied)
        if self._shelved[0] != at:
            self._shelved = (at, frozenset(key for key, shelf in self.state.alarm_shelves.items()
                                           if shelf.get("until", 0) > self.now_ms))
        return self._shelved[1]

    def _stale_after_s(self, key: str) -> int:
        indicator = self.catalogue.get(key)
        return indicator.stale_after_s if indicator else DEFAULT_INDICATOR_STALE_S

    def _now(self) -> int:
        """The clock for the flood window: the last tick, or (before the first) the newest
        alarm's time."""
        if self.now_ms or not self.state.alarms:
            return self.now_ms
        return self.state.alarms[next(reversed(self.state.alarms))]["ts"]

    def stale_view(self, scope: str | None) -> dict[str, Any]:
        if scope is None:
            return self.stale
        video = self.state.video
        indicators = self.state.indicators
        return {
            "video": [p for p in self.stale["video"] if p in video and video[p]["street"] == scope],
            "indicators": [i for i in self.stale["indicators"]
                           if i in indicators and indicator_in_scope(indicators[i]["street"], scope)],
            "silent": self.stale["silent"],  # a source feeds the whole district
        }

    # ---------------------------------------------------------------- cameras
    def summary(self, scope: str | None) -> dict[str, Any]:
        """Cameras by status (dashboard/camera.py: each counted once, stale among them) for
        the scope, and per street ``[total, online]`` with its rate level."""
        video = self.state.video
        stale_by_street: dict[str, int] = {}
        for pid in self.stale["video"]:
            point = video.get(pid)
            if point is not None and point["status"] == "online":
                street = point["street"] or "none"
                stale_by_street[street] = stale_by_street.get(street, 0) + 1
        streets = {}
        for street, by_status in sorted(self.video.counts.items()):
            if street in UNIT_CODES and in_scope(street, scope):
                street_counts = camera.counts(by_status, stale_by_street.get(street, 0))
                streets[street] = [sum(by_status.values()), street_counts["online"]]
        stale = sum(n for street, n in stale_by_street.items() if in_scope(street, scope))
        totals = camera.counts(self.video.totals(scope), stale)
        levels = {street: camera.rate_level(total, online) for street, (total, online) in streets.items()}
        return {"video": {"total": sum(totals.values()), **totals, "streets": streets, "levels": levels}}

    # ---------------------------------------------------------------- 12345
    def hotline(self, scope: str | None) -> dict[str, Any]:
        """The 12345 figures of today (Beijing; the newest day with a ticket if that is
        later) for the scope, its open tickets by status and the overdue ones."""
        day = self._hotline_day(self.now_ms)
        figures = self.hotline_days.figures(day, scope)
        open_by_status = {k: n for k, n in self.tickets.totals(scope).items() if k != "closed"}
        rated = figures["rated"]
        return {
            "day": day,
            **figures,
            "open": open_by_status,
            "overdue": sum(1 for street in self.overdue.values() if in_scope(street, scope)),
            "near": sum(1 for street in self.near.values() if in_scope(street, scope)),
            "streets": self._due_by_street(scope),
            "satisfaction": round(figures["satisfied"] / rated, 3) if rated else None,
        }

    def _due_by_street(self, scope: str | None) -> dict[str, list[int]]:
        """Per street of the scope, its open tickets ``[overdue, near]`` (streets with none
        left out)."""
        out: dict[str, list[int]] = {}
        for index, flagged in enumerate((self.overdue, self.near)):
            for street in flagged.values():
                if street is not None and in_scope(street, scope):
                    out.setdefault(street, [0, 0])[index] += 1
        return dict(sorted(out.items()))

    def _hotline_day(self, now_ms: int) -> str | None:
        """Today in Beijing at ``now_ms``, or the newest day with a ticket if that is later
        (None before the first ticket: there is nothing to count)."""
        latest = self.hotline_days.latest_day()
        if latest is None or not now_ms:
            return latest
        return max(latest, beijing_day(now_ms))

    # ---------------------------------------------------------------- the dimensions
    def dimensions(self, scope: str | None) -> dict[str, Any]:
        """Per dimension, what its header says: open ``incidents`` of its domains, active
        ``alarms`` (sensor alarms of its kinds and its series in alarm), ``warnings`` (its
        series in warning: the district counts every series, a street those its tiles
        show), the ``level`` these make (alarm: anything of levels 1–2 or a
        series in alarm; warn: anything else; ok) and, for a street, the ``series`` its
        tiles show instead of the district's (``key`` → ``key@street``)."""
        counts = self.watch.counts(scope, self.shelved)
        out: dict[str, Any] = {}
        for dimension in DIMENSIONS:
            c = counts[dimension]
            out[dimension] = {"incidents": c["incidents"], "alarms": c["alarms"], "warnings": 0,
                              "severe": c["severe_incidents"] + c["severe_alarms"], "series": {}}
        for key, street, level in self._levels.values():
            indicator = self.catalogue.get(key)
            # a street counts the series its tiles show: its own, else the district's
            own = series_key(key, scope) in self.state.indicators
            if indicator is not None and (scope is None or street == scope or (street is None and not own)):
                out[indicator.dimension]["alarms" if level == "alarm" else "warnings"] += 1
                out[indicator.dimension]["severe"] += level == "alarm"
        if scope is not None:
            for key, indicator in self.catalogue.items():
                sid = series_key(key, scope)
                if sid in self.state.indicators:
                    out[indicator.dimension]["series"][key] = sid
        for d in out.values():
            d["level"] = "alarm" if d["severe"] else "warn" if d["incidents"] or d["alarms"] \
                or d["warnings"] else "ok"
            del d["severe"]
        return out

    # ---------------------------------------------------------------- attention
    def attention(self, scope: str | None) -> dict[str, Any]:
        """The feed's pins (unacknowledged levels 1–2, most severe then oldest), how many
        more wait unshown, and the flood (None unless one is on): dashboard/attention.py."""
        pins, total = self.watch.pins(scope, self.shelved)
        shown = {key for kind, key in pins if kind == "alarm"}
        return {"pins": pins, "more": total - len(pins),
                "flood": self.watch.flood(self.state, scope, self._now(), shown)}

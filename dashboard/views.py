"""Projections of the state for screens: what a client may see, shaped for the wire.  No I/O.

A *view* is a dict of the sections of dashboard/protocol.py: record sections (``video``,
``indicators``, ``incidents``, ``alarms``, ``sensors``, ``duty``) and replaced sections
(``summary``, ``feed``, ``attention``, ``dimensions``, ``hotline``, ``stale``,
``geo_version``; ``counts`` for visitors).  Every figure in them comes from
dashboard/figures.py, once per scope.
:class:`ViewBuilder` makes the full view for a hello and the partial one for a patch from
the keys the reducer reported as changed, for one scope (the district or one street) and
one audience: ``records`` (walls and staff: individual records, personal fields masked as
dashboard/classify.py says) or ``aggregates`` (visitors: counts and public indicators
only, no individual record at all).  Callers' names and phones are not projected at all;
officers' phones and exact addresses leave masked.

The contract that tests hold it to: a client that applies every patch of its group to
the hello it started from holds exactly the view a fresh hello would give it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard import roster_view, visitor_view
from dashboard.cards import (
    alarm_card,
    band_card,
    duty_card,
    in_scope,
    inbox_street,
    incident_card,
    indicator_in_scope,
    rejection_card,
    sensor_card,
)
from dashboard.catalogue import Indicator
from dashboard.catalogue import level as indicator_level
from dashboard.dimensions import DimensionMap
from dashboard.figures import Figures
from dashboard.projection import Projection
from dashboard.protocol import CUES, Section
from dashboard.sources import Sources
from dashboard.state import Changes, State
from dashboard.workdays import DeadlineRule

#: Indicator history points a view holds per series (6 h at 5 min); the state keeps more
#: (dashboard/state.py INDICATOR_HISTORY) for the console's charts.
HISTORY_POINTS = 72
#: Replaced sections sent in a patch only when they differ from what the scope's clients
#: hold (they are recomputed on many changes that leave them as they were).
SENT_WHEN_CHANGED = (Section.DIMENSIONS, Section.ATTENTION)
SentKey = tuple[str | None, str, Section]  # scope, audience, section


class ViewBuilder:
    """Builds hellos and patches for every scope.  Call :meth:`observe` with every Changes
    before building patches from it, so the incremental tallies stay right, and
    :meth:`tick` with the wall clock for what depends on it (staleness, overdue tickets)."""

    history_points = HISTORY_POINTS

    def __init__(self, state: State, *, feed_size: int = 50, video_stale_s: int = 900,
                 catalogue: list[Indicator] | None = None,
                 projection: Projection | None = None, deadlines: DeadlineRule | None = None,
                 dimensions: DimensionMap | None = None, flood_alarms: int = 10,
                 flood_window_s: int = 600, sources: Sources | None = None) -> None:
        self.state = state
        self.feed_size = feed_size
        self.catalogue = {indicator.key: indicator for indicator in catalogue or ()}
        self.projection = projection or Projection("gcj02")
        self.figures = Figures(state, self.catalogue, dimensions=dimensions, video_stale_s=video_stale_s,
                               deadlines=deadlines, flood_alarms=flood_alarms,
                               flood_window_s=flood_window_s, sources=sources)
        # per scope: the incidents and alarms its clients hold (feed, pins, open severe cases)
        self._members: dict[str | None, tuple[set[str], set[str]]] = {}
        self._sent: dict[SentKey, Any] = {}  # see SENT_WHEN_CHANGED
        self._open_severe: set[str] = set()
        self.calendar = deadlines.calendar if deadlines is not None else None
        self._clock_ms = 0  # the wall clock of the last tick (what on-duty-now is computed at)
        self._on_duty: list[dict[str, Any]] = []  # every centre's, at _clock_ms
        self.reset(state)

    def reset(self, state: State) -> None:
        """Point at a new state object (after a snapshot restore); clients get new hellos."""
        self.state = state
        self.figures.reset(state)
        self._members.clear()
        self._sent.clear()
        self._open_severe = {iid for iid, incident in state.incidents.items() if _open_severe(incident)}
        self._on_duty = roster_view.on_duty_wall(state.roster, self._clock_ms, self.calendar, None)

    def observe(self, changes: Changes) -> None:
        self.figures.observe(changes)
        if any(key.startswith("roster:") for key in changes.keys.get(Section.DUTY, ())):
            self._on_duty = roster_view.on_duty_wall(self.state.roster, self._clock_ms, self.calendar, None)
        for iid in changes.keys.get(Section.INCIDENTS, ()):
            incident = self.state.incidents.get(iid)
            if incident is not None and _open_severe(incident):
                self._open_severe.add(iid)
            else:
                self._open_severe.discard(iid)

    @property
    def geo_version(self) -> int:
        """Version of the point set, from the state: equal on every replica."""
        return self.state.video_registrations

    # ---------------------------------------------------------------- the clock
    def tick(self, now_ms: int) -> bool:
        """Recompute what depends on the wall clock (views only, never the reducer): stale
        cameras and series, overdue tickets, the flood window, shelves, who is on duty.
        True when that changed, so a patch is due."""
        moved = self.figures.tick(now_ms)
        self._clock_ms = now_ms
        on_duty = roster_view.on_duty_wall(self.state.roster, now_ms, self.calendar, None)
        if on_duty != self._on_duty:
            self._on_duty = on_duty
            moved = True
        return moved

    def roster(self, scope: str | None) -> list[dict[str, Any]]:
        """On duty now (surnames only): every centre's for the district, else the unit's
        and the district centre's."""
        return [row for row in self._on_duty if scope is None or row["center"] in ("district", scope)]

    def stale_view(self, scope: str | None) -> dict[str, Any]:
        return self.figures.stale_view(scope)

    def summary(self, scope: str | None) -> dict[str, Any]:
        return self.figures.summary(scope)

    def hotline(self, scope: str | None) -> dict[str, Any]:
        return self.figures.hotline(scope)

    def dimensions(self, scope: str | None) -> dict[str, Any]:
        return self.figures.dimensions(scope)

    # ---------------------------------------------------------------- the point set
    def video_geojson(self, scope: str | None = None) -> dict[str, Any]:
        """Every video point (of the scope) as GeoJSON in the map's CRS; properties: id and
        street only (status travels separately, through /live and the layer's hideout)."""
        features = []
        for pid, p in self.state.video.items():
            if not in_scope(p["street"], scope):
                continue
            lat, lon = self.projection.point(p["lat"], p["lon"], p.get("crs"))
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {"id": pid, "street": p["street"]},
            })
        return {"type": "FeatureCollection", "features": features}

    def _placed(self, card: dict[str, Any]) -> dict[str, Any]:
        """A card with its lat/lon converted to the map's CRS."""
        if card.get("lat") is not None and card.get("lon") is not None:
            card["lat"], card["lon"] = self.projection.point(card["lat"], card["lon"], card.get("crs"))
            card["crs"] = self.projection.map_crs
        return card

    # ---------------------------------------------------------------- cards
    def indicator_card(self, series: Mapping[str, Any], tail: int | None = None) -> dict[str, Any]:
        """A series with its level (ok/warn/alarm from the catalogue's thresholds), the
        number of points ever appended (``n``) and either its last :data:`HISTORY_POINTS`
        points (a hello) or the last ``tail`` points (a patch: what was appended)."""
        indicator = self.catalogue.get(series["key"])
        history = series["history"]
        card = {"key": series["key"], "street": series["street"], "value": series["value"],
                "ts": series["ts"], "n": series.get("n", len(history)),
                "level": indicator_level(series["value"], indicator) if indicator else "ok",
                "band": band_card(series)}
        if tail is None:
            card["history"] = history[-HISTORY_POINTS:]
        else:
            card["tail"] = history[-min(tail, HISTORY_POINTS, len(history)):] if tail else []
        return card

    def indicators_view(self, scope: str | None) -> dict[str, Any]:
        return {sid: self.indicator_card(x) for sid, x in self.state.indicators.items()
                if indicator_in_scope(x["street"], scope)}

    # ---------------------------------------------------------------- full view
    def hello(self, scope: str | None, audience: str = "records") -> dict[str, Any]:
        if audience != "records":
            return visitor_view.hello(self, scope)
        s = self.state
        attention = self.figures.attention(scope)
        incidents, alarms = self._membership(scope, attention["pins"])
        held = self._members.setdefault(scope, (set(), set()))
        held[0].update(incidents)  # what this scope's clients may hold now: see patch()
        held[1].update(alarms)
        return {
            "scope": scope,
            "audience": "records",
            "last_id": s.last_id,
            "applied": s.applied,
            "history_points": self.history_points,
            # online is the default: only cameras in another state are listed
            "video": {pid: p["status"] for pid, p in s.video.items()
                      if p["status"] != "online" and in_scope(p["street"], scope)},
            "indicators": self.indicators_view(scope),
            "geo_version": self.geo_version,
            "stale": self.stale_view(scope),
            "incidents": {iid: self._placed(incident_card(s.incidents[iid])) for iid in incidents},
            "alarms": {aid: self._placed(alarm_card(s.alarms[aid])) for aid in alarms},
            "sensors": {sid: self._placed(sensor_card(x)) for sid, x in s.sensors.items()
                        if in_scope(x.get("street"), scope)},
            "duty": {k: duty_card(x) for k, x in s.duty.items()
                     if scope is None or x["center"] in ("district", scope)},
            "feed": self.feed(scope),
            "attention": self.remember((scope, "records", Section.ATTENTION), attention),
            "dimensions": self.remember((scope, "records", Section.DIMENSIONS),
                                        self.figures.dimensions(scope)),
            "summary": self.summary(scope),
            "hotline": self.hotline(scope),
            "roster": self.remember((scope, "records", Section.ROSTER), self.roster(scope)),
        }

    def remember(self, group: SentKey, value: Any) -> Any:
        """``value`` as a hello of ``group`` (scope, audience, section) gives it."""
        self._sent[group] = value
        return value

    def changed(self, group: SentKey, value: Any) -> bool:
        """Whether ``value`` differs from what the group's clients hold (then remembered):
        a section of :data:`SENT_WHEN_CHANGED` goes in a patch only when this is True."""
        if self._sent.get(group) == value:
            return False
        self._sent[group] = value
        return True

    def _membership(self, scope: str | None, pins: list[list[str]]) -> tuple[set[str], set[str]]:
        """The incidents and alarms a view of ``scope`` holds: those of its feed and of its
        pins, and every open severity-1 incident."""
        listed = self.feed(scope) + pins
        incidents = {key for kind, key in listed if kind == "incident"}
        incidents.update(iid for iid in self._open_severe
                         if in_scope(self.state.incidents[iid]["street"], scope))
        return incidents, {key for kind, key in listed if kind == "alarm"}

    # ---------------------------------------------------------------- patch
    def patch(self, changes: Changes, scope: str | None, audience: str = "records",
              ticked: bool = False) -> dict[str, Any] | None:
        """The part of the view that ``changes`` (and, when ``ticked``, the clock) touched,
        or None when nothing in scope did."""
        if audience != "records":
            return visitor_view.patch(self, changes, scope, ticked)
        s = self.state
        keys = changes.keys
        set_: dict[str, dict[str, Any]] = {}
        del_: dict[str, list[str]] = {}

        def put(section: Section, key: str, value: Any) -> None:
            set_.setdefault(section.value, {})[key] = value

        for pid in keys.get(Section.VIDEO, ()):
            point = s.video.get(pid)
            if point is not None and in_scope(point["street"], scope):
                put(Section.VIDEO, pid, point["status"])
        for sid in keys.get(Section.INDICATORS, ()):
            series = s.indicators.get(sid)
            if series is not None and indicator_in_scope(series["street"], scope):
                put(Section.INDICATORS, sid, self.indicator_card(series, changes.points.get(sid, 0)))
        attention_due = bool(keys.keys() & {Section.INCIDENTS, Section.ALARMS, Section.INBOX}) or ticked
        attention = self.figures.attention(scope) if attention_due else None
        if attention is not None:
            self._patch_members(changes, scope, attention["pins"], put, del_)
        for sid in keys.get(Section.SENSORS, ()):
            sensor = s.sensors.get(sid)
            if sensor is not None and in_scope(sensor.get("street"), scope):
                put(Section.SENSORS, sid, self._placed(sensor_card(sensor)))
        for key in keys.get(Section.DUTY, ()):
            shift = s.duty.get(key)
            if shift is not None and (scope is None or shift["center"] in ("district", scope)):
                put(Section.DUTY, key, duty_card(shift))
        rejections = self._rejections(keys.get(Section.REJECTIONS, set()), scope)
        severe = [item for item in changes.severe if self._severe_in_scope(item, scope)]
        cue = self._cue(changes, scope, set_, del_, rejections, ticked)
        if not (set_ or del_ or severe or rejections or cue):
            return None
        patch: dict[str, Any] = {"last_id": s.last_id, "applied": s.applied}
        if set_:
            patch["set"] = set_
        if del_:
            patch["del"] = del_
        if Section.VIDEO in keys or ticked:
            patch[Section.SUMMARY.value] = self.summary(scope)
        if Section.INCIDENTS in keys or Section.ALARMS in keys:
            patch[Section.FEED.value] = self.feed(scope)
        if attention is not None and self.changed((scope, "records", Section.ATTENTION), attention):
            patch[Section.ATTENTION.value] = attention
        if attention_due or Section.INDICATORS in keys:
            dimensions = self.figures.dimensions(scope)
            if self.changed((scope, "records", Section.DIMENSIONS), dimensions):
                patch[Section.DIMENSIONS.value] = dimensions
        if Section.TICKETS in keys or ticked:
            patch[Section.HOTLINE.value] = self.hotline(scope)
        if ticked:
            patch[Section.STALE.value] = self.stale_view(scope)
        if Section.GEO in keys:
            patch[Section.GEO_VERSION.value] = self.geo_version
        if (ticked or Section.DUTY in keys) and self.changed((scope, "records", Section.ROSTER),
                                                             on_duty := self.roster(scope)):
            patch[Section.ROSTER.value] = on_duty
        if severe:
            patch["severe"] = severe
        if rejections:
            patch["rejections"] = rejections
        if cue:
            patch["cue"] = cue
        return patch

    def _patch_members(self, changes: Changes, scope: str | None, pins: list[list[str]], put: Any,
                       del_: dict[str, list[str]]) -> None:
        """Incidents and alarms: set the changed members and those that joined, delete those
        that left (fell out of the feed, closed after being severe, or were evicted)."""
        s = self.state
        incidents, alarms = self._membership(scope, pins)
        held_incidents, held_alarms = self._members.get(scope, (set(), set()))
        for iid in sorted((changes.keys.get(Section.INCIDENTS, set()) & incidents)
                          | (incidents - held_incidents)):
            put(Section.INCIDENTS, iid, self._placed(incident_card(s.incidents[iid])))
        for aid in sorted((changes.keys.get(Section.ALARMS, set()) & alarms) | (alarms - held_alarms)):
            put(Section.ALARMS, aid, self._placed(alarm_card(s.alarms[aid])))
        if gone := sorted(held_incidents - incidents):
            del_[Section.INCIDENTS.value] = gone
        if gone := sorted(held_alarms - alarms):
            del_[Section.ALARMS.value] = gone
        self._members[scope] = (incidents, alarms)

    def _rejections(self, entries: set[str], scope: str | None) -> list[dict[str, Any]]:
        if not entries:
            return []
        out = []
        for rejection in self.state.rejections:
            if rejection["entry"] not in entries:
                continue
            record: Mapping[str, Any] | None = self.state.incidents.get(rejection.get("incident_id") or "")
            if record is None and rejection.get("ticket_id"):
                record = self.state.tickets.get(rejection.get("ticket_id") or "")
            if scope is None or (record is not None and in_scope(record.get("street"), scope)):
                out.append(rejection_card(rejection))
        return out

    def _cue(self, changes: Changes, scope: str | None, set_: dict[str, Any],
             del_: dict[str, Any], rejections: list[Any], ticked: bool) -> list[str]:
        """The console areas this patch concerns, in scope (see protocol.CUES)."""
        touched: set[Section] = {Section(name) for name in set_} | {Section(name) for name in del_}
        if rejections:
            touched.add(Section.REJECTIONS)
        if ticked:
            touched.add(Section.STALE)
        if Section.GEO in changes.keys:
            touched.add(Section.GEO)
        if any(in_scope(self.state.tickets[t].get("street"), scope)
               for t in changes.keys.get(Section.TICKETS, ()) if t in self.state.tickets):
            touched.add(Section.TICKETS)
        for key in changes.keys.get(Section.DUTY, ()):  # a check-in or a handover of a centre in scope
            kind, _, rest = key.partition(":")
            centre = rest.partition("/")[0] if kind in ("checkin", "handover") else None
            if centre is not None and (scope is None or centre in ("district", scope)):
                touched.add(Section.DUTY)
                break
        for key in changes.keys.get(Section.INBOX, ()):
            known, street = inbox_street(self.state, key)
            if scope is None or (known and indicator_in_scope(street, scope)):
                touched.add(Section.INBOX)
                break
        return sorted({cue for section in touched for cue in CUES.get(section, ())})

    def _severe_in_scope(self, item: Mapping[str, Any], scope: str | None) -> bool:
        record = (self.state.incidents if item["kind"] == "incident" else self.state.alarms).get(
            item["id"]
        )
        return record is not None and in_scope(record.get("street"), scope)

    # ---------------------------------------------------------------- summaries
    def feed(self, scope: str | None) -> list[list[str]]:
        """Newest first: [kind, key] of incidents and alarms in scope."""
        out: list[list[str]] = []
        for kind, key in reversed(self.state.feed):
            record = (self.state.incidents if kind == "incident" else self.state.alarms).get(key)
            if record is not None and in_scope(record.get("street"), scope):
                out.append([kind, key])
                if len(out) >= self.feed_size:
                    break
        return out


def _open_severe(incident: Mapping[str, Any]) -> bool:
    return bool(incident["severity"] == 1 and incident["status"] != "closed")

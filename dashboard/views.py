"""Projections of the state for screens: what a client may see, shaped for the wire.  No I/O.

A *view* is a dict of sections (``video``, ``indicators``, ``incidents``, ``alarms``,
``sensors``, ``duty``) plus derived summaries (``summary``, ``hotline``, ``feed``).
:class:`ViewBuilder` makes the full view for a hello and the partial one for a patch
from the keys the reducer reported as changed, for one scope (the district or one
street) and one audience: ``records`` (walls and staff: individual records, personal
fields masked as dashboard/classify.py says) or ``aggregates`` (visitors: counts and
public indicators only, no individual record at all).  Callers' names and phones are
not projected at all; officers' phones and exact addresses leave masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard.classify import mask_address, mask_phone
from dashboard.state import Changes, State
from dashboard.units import UNIT_CODES

HELLO_HISTORY = 72  # indicator history points in a hello (6 h at 5 min)
VIDEO_STATUSES = ("online", "offline", "fault")


def in_scope(street: str | None, scope: str | None) -> bool:
    """District scope (None) sees everything; a street scope sees only its own records."""
    return scope is None or street == scope


def indicator_in_scope(street: str | None, scope: str | None) -> bool:
    """Like :func:`in_scope`, but a street scope also sees the district-wide indicators."""
    return scope is None or street in (None, scope)


def incident_card(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident as the wall and the feed show it (the address masked)."""
    card = {
        name: incident.get(name)
        for name in ("id", "domain", "title", "severity", "street", "status", "reported",
                     "updated", "unit", "version", "lat", "lon", "crs")
    }
    card["address"] = mask_address(incident.get("address"))
    return card


def alarm_card(alarm: dict[str, Any]) -> dict[str, Any]:
    return {
        name: alarm.get(name)
        for name in ("id", "sensor_id", "kind", "level", "message", "street", "ts",
                     "lat", "lon", "crs", "acked")
    }


def sensor_card(sensor: dict[str, Any]) -> dict[str, Any]:
    return {
        name: sensor.get(name)
        for name in ("id", "kind", "value", "unit", "ts", "street", "lat", "lon", "crs", "alarm")
    }


def duty_card(shift: dict[str, Any]) -> dict[str, Any]:
    return {**shift, "phone": mask_phone(shift.get("phone"))}


def indicator_card(series: dict[str, Any], history: int = 0) -> dict[str, Any]:
    card = {"key": series["key"], "street": series["street"], "value": series["value"],
            "ts": series["ts"]}
    if history:
        card["history"] = series["history"][-history:]
    return card


@dataclass
class StatusTally:
    """Counts of one kind of record (``video`` or ``tickets``) by street and status, kept
    incrementally from the changed keys so a patch never rescans the whole state."""

    section: str
    status: dict[str, tuple[str, str]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def rebuild(self, state: State) -> None:
        self.status.clear()
        self.counts.clear()
        for key, record in getattr(state, self.section).items():
            self._count(key, record)

    def update(self, state: State, keys: set[str]) -> None:
        records = getattr(state, self.section)
        for key in keys:
            old = self.status.pop(key, None)
            if old is not None:
                self.counts[old[0]][old[1]] -= 1
            record = records.get(key)
            if record is not None:
                self._count(key, record)

    def _count(self, key: str, record: dict[str, Any]) -> None:
        street, status = record.get("street") or "none", record.get("status") or "none"
        self.status[key] = (street, status)
        bucket = self.counts.setdefault(street, {})
        bucket[status] = bucket.get(status, 0) + 1

    def totals(self, scope: str | None) -> dict[str, int]:
        out: dict[str, int] = {}
        for street, by_status in self.counts.items():
            if scope is None or street == scope:
                for status, n in by_status.items():
                    out[status] = out.get(status, 0) + n
        return out

    def video_summary(self, scope: str | None) -> dict[str, Any]:
        streets = {
            street: [sum(c.values()), c.get("online", 0)]
            for street, c in sorted(self.counts.items())
            if street in UNIT_CODES and in_scope(street, scope)
        }
        totals = dict.fromkeys(VIDEO_STATUSES, 0) | self.totals(scope)
        return {"total": sum(totals.values()), **totals, "streets": streets}


class ViewBuilder:
    """Builds hellos and patches for one scope.  Call :meth:`observe` with every Changes
    before building patches from it, so the incremental tallies stay right."""

    def __init__(self, state: State, feed_size: int = 50, video_stale_s: int = 900,
                 indicator_stale_s: dict[str, int] | None = None, map_crs: str = "gcj02",
                 hotline_overdue_s: float = 86_400) -> None:
        self.state = state
        self.feed_size = feed_size
        self.video_stale_ms = video_stale_s * 1000
        self.indicator_stale_ms = {k: v * 1000 for k, v in (indicator_stale_s or {}).items()}
        self.map_crs = map_crs
        self.hotline_overdue_ms = int(hotline_overdue_s * 1000)
        self.overdue: dict[str, str | None] = {}  # open 12345 tickets past their limit → street
        self.video = StatusTally("video")
        self.tickets = StatusTally("tickets")
        self.stale: dict[str, list[str]] = {"video": [], "indicators": []}
        self.reset(state)

    def reset(self, state: State) -> None:
        """Point at a new state object (after a snapshot restore)."""
        self.state = state
        self.video.rebuild(state)
        self.tickets.rebuild(state)

    def observe(self, changes: Changes) -> None:
        self.video.update(self.state, changes.keys.get("video", set()))
        self.tickets.update(self.state, changes.keys.get("ticket", set()))

    @property
    def geo_version(self) -> int:
        """Version of the point set, from the state: equal on every replica."""
        return self.state.video_registrations

    # ---------------------------------------------------------------- the clock
    def tick(self, now_ms: int) -> bool:
        """Recompute what is stale at ``now_ms`` (wall-clock: views only, never the
        reducer).  True when that changed, so a patch is due."""
        cutoff = now_ms - self.video_stale_ms
        video = sorted(pid for pid, p in self.state.video.items() if p["last"] < cutoff)
        default_ms = 900_000
        indicators = sorted(
            sid for sid, x in self.state.indicators.items()
            if x["ts"] is not None
            and x["ts"] < now_ms - self.indicator_stale_ms.get(x["key"], default_ms)
        )
        stale = {"video": video, "indicators": indicators}
        overdue_cutoff = now_ms - self.hotline_overdue_ms
        overdue = {tid: t.get("street") for tid, t in self.state.tickets.items()
                   if t.get("status") != "closed" and t["created"] < overdue_cutoff}
        if stale == self.stale and overdue == self.overdue:
            return False
        self.stale, self.overdue = stale, overdue
        return True

    def stale_view(self, scope: str | None) -> dict[str, list[str]]:
        if scope is None:
            return self.stale
        video = self.state.video
        indicators = self.state.indicators
        return {
            "video": [p for p in self.stale["video"] if p in video and video[p]["street"] == scope],
            "indicators": [i for i in self.stale["indicators"]
                           if i in indicators and indicator_in_scope(indicators[i]["street"], scope)],
        }

    # ---------------------------------------------------------------- the point set
    def video_geojson(self, scope: str | None = None) -> dict[str, Any]:
        """Every video point (of the scope) as GeoJSON in the map's CRS; properties: id and
        street only (status travels separately, through /live and the layer's hideout)."""
        features = []
        for pid, p in self.state.video.items():
            if not in_scope(p["street"], scope):
                continue
            lat, lon = self.to_map(p["lat"], p["lon"], p.get("crs"))
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {"id": pid, "street": p["street"]},
            })
        return {"type": "FeatureCollection", "features": features}

    def to_map(self, lat: float, lon: float, crs: str | None) -> tuple[float, float]:
        """A point converted from its CRS to the map's."""
        source = crs or "gcj02"
        if source == self.map_crs or {source, self.map_crs} <= {"wgs84", "cgcs2000"}:
            return lat, lon
        from dashboard.geo import convert  # only when a base map needs another CRS

        return convert(lat, lon, source, self.map_crs)

    def _placed(self, card: dict[str, Any]) -> dict[str, Any]:
        """A card with its lat/lon converted to the map's CRS."""
        if card.get("lat") is not None and card.get("lon") is not None:
            card["lat"], card["lon"] = self.to_map(card["lat"], card["lon"], card.get("crs"))
            card["crs"] = self.map_crs
        return card

    # ---------------------------------------------------------------- full view
    def hello(self, scope: str | None, audience: str = "records") -> dict[str, Any]:
        if audience != "records":
            return self.aggregate_hello(scope)
        s = self.state
        return {
            "scope": scope,
            "audience": "records",
            "last_id": s.last_id,
            "applied": s.applied,
            # online is the default: only cameras in another state are listed
            "video": {pid: p["status"] for pid, p in s.video.items()
                      if p["status"] != "online" and in_scope(p["street"], scope)},
            "indicators": {sid: indicator_card(x, HELLO_HISTORY) for sid, x in s.indicators.items()
                           if indicator_in_scope(x["street"], scope)},
            "geo_version": self.geo_version,
            "stale": self.stale_view(scope),
            "incidents": self._feed_incidents(scope),
            "alarms": self._feed_alarms(scope),
            "sensors": {sid: self._placed(sensor_card(x)) for sid, x in s.sensors.items()
                        if in_scope(x.get("street"), scope)},
            "duty": {k: duty_card(x) for k, x in s.duty.items()
                     if scope is None or x["center"] in ("district", scope)},
            "feed": self.feed(scope),
            "summary": self.summary(scope),
            "hotline": self.hotline(scope),
        }

    # ---------------------------------------------------------------- patch
    def patch(self, changes: Changes, scope: str | None,
              audience: str = "records") -> dict[str, Any] | None:
        """The part of the view that ``changes`` touched, or None when nothing in scope did."""
        if audience != "records":
            return self.aggregate_patch(changes, scope)
        s = self.state
        set_: dict[str, dict[str, Any]] = {}
        del_: dict[str, list[str]] = {}

        def put(section: str, key: str, value: Any) -> None:
            set_.setdefault(section, {})[key] = value

        for pid in changes.keys.get("video", ()):
            point = s.video.get(pid)
            if point is not None and in_scope(point["street"], scope):
                put("video", pid, point["status"])
        for sid in changes.keys.get("indicator", ()):
            series = s.indicators.get(sid)
            if series is not None and indicator_in_scope(series["street"], scope):
                put("indicators", sid, indicator_card(series))
        for iid in changes.keys.get("incident", ()):
            incident = s.incidents.get(iid)
            if incident is None:
                del_.setdefault("incidents", []).append(iid)
            elif in_scope(incident["street"], scope):
                put("incidents", iid, self._placed(incident_card(incident)))
        for aid in changes.keys.get("alarm", ()):
            alarm = s.alarms.get(aid)
            if alarm is not None and in_scope(alarm["street"], scope):
                put("alarms", aid, self._placed(alarm_card(alarm)))
        for sid in changes.keys.get("sensor", ()):
            sensor = s.sensors.get(sid)
            if sensor is not None and in_scope(sensor.get("street"), scope):
                put("sensors", sid, self._placed(sensor_card(sensor)))
        for key in changes.keys.get("duty", ()):
            shift = s.duty.get(key)
            if shift is not None and (scope is None or shift["center"] in ("district", scope)):
                put("duty", key, duty_card(shift))
        for entry in changes.keys.get("rejection", ()):
            rejection = next((r for r in reversed(s.rejections) if r["entry"] == entry), None)
            incident = s.incidents.get(rejection.get("incident_id") or "") if rejection else None
            if rejection is not None and (scope is None or (
                    incident is not None and in_scope(incident["street"], scope))):
                put("rejections", entry, rejection)

        severe = [item for item in changes.severe if self._severe_in_scope(item, scope)]
        derived = {"ticket", "stale", "video_registry"} & changes.keys.keys()
        if not set_ and not del_ and not severe and not derived:
            return None
        patch: dict[str, Any] = {"last_id": s.last_id, "applied": s.applied}
        if set_:
            patch["set"] = set_
        if del_:
            patch["del"] = del_
        if severe:
            patch["severe"] = severe
        if "video" in changes.keys:
            patch["summary"] = self.summary(scope)
        if "incident" in changes.keys or "alarm" in changes.keys:
            patch["feed"] = self.feed(scope)
        if "ticket" in changes.keys:
            patch["hotline"] = self.hotline(scope)
        if "stale" in changes.keys:
            patch["stale"] = self.stale_view(scope)
            patch["hotline"] = self.hotline(scope)
        if "video_registry" in changes.keys:
            patch["geo_version"] = self.geo_version
        return patch

    def _severe_in_scope(self, item: dict[str, Any], scope: str | None) -> bool:
        record = (self.state.incidents if item["kind"] == "incident" else self.state.alarms).get(
            item["id"]
        )
        return record is not None and in_scope(record.get("street"), scope)

    # ---------------------------------------------------------------- aggregates (visitors)
    def aggregate_hello(self, scope: str | None) -> dict[str, Any]:
        """Public figures only: indicators, camera and 12345 counts, open cases by domain."""
        s = self.state
        return {
            "scope": scope,
            "audience": "aggregates",
            "last_id": s.last_id,
            "applied": s.applied,
            "indicators": {sid: indicator_card(x, HELLO_HISTORY) for sid, x in s.indicators.items()
                           if indicator_in_scope(x["street"], scope)},
            "stale": {"video": [], "indicators": self.stale_view(scope)["indicators"]},
            "summary": self.summary(scope),
            "hotline": self.hotline(scope),
            "counts": self.counts(scope),
        }

    def aggregate_patch(self, changes: Changes, scope: str | None) -> dict[str, Any] | None:
        s = self.state
        patch: dict[str, Any] = {}
        indicators = {sid: indicator_card(s.indicators[sid])
                      for sid in changes.keys.get("indicator", ()) if sid in s.indicators
                      and indicator_in_scope(s.indicators[sid]["street"], scope)}
        if indicators:
            patch["set"] = {"indicators": indicators}
        if "video" in changes.keys:
            patch["summary"] = self.summary(scope)
        if "incident" in changes.keys or "alarm" in changes.keys:
            patch["counts"] = self.counts(scope)
        if "ticket" in changes.keys or "stale" in changes.keys:
            patch["hotline"] = self.hotline(scope)
        if "stale" in changes.keys:
            patch["stale"] = {"video": [], "indicators": self.stale_view(scope)["indicators"]}
        if not patch:
            return None
        return {"last_id": s.last_id, "applied": s.applied, **patch}

    def counts(self, scope: str | None) -> dict[str, Any]:
        """Open incidents by domain and by severity, active alarms: no record, only numbers."""
        by_domain: dict[str, int] = {}
        by_severity: dict[str, int] = {}
        for incident in self.state.incidents.values():
            if incident["status"] == "closed" or not in_scope(incident["street"], scope):
                continue
            by_domain[incident["domain"]] = by_domain.get(incident["domain"], 0) + 1
            severity = str(incident["severity"])
            by_severity[severity] = by_severity.get(severity, 0) + 1
        alarms = sum(1 for a in self.state.alarms.values()
                     if not a.get("acked") and in_scope(a.get("street"), scope))
        return {"incidents": by_domain, "severity": by_severity, "alarms": alarms}

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

    def _feed_incidents(self, scope: str | None) -> dict[str, Any]:
        cards = {key: self._placed(incident_card(self.state.incidents[key]))
                 for kind, key in self.feed(scope) if kind == "incident"}
        for iid, incident in self.state.incidents.items():  # every open severe case
            if incident["severity"] == 1 and incident["status"] != "closed" and in_scope(
                incident["street"], scope
            ):
                cards[iid] = self._placed(incident_card(incident))
        return cards

    def _feed_alarms(self, scope: str | None) -> dict[str, Any]:
        return {key: self._placed(alarm_card(self.state.alarms[key]))
                for kind, key in self.feed(scope) if kind == "alarm"}

    def summary(self, scope: str | None) -> dict[str, Any]:
        return {"video": self.video.video_summary(scope)}

    def hotline(self, scope: str | None) -> dict[str, Any]:
        """The latest day's 12345 figures (district-wide daily counts; open tickets in scope)."""
        days = self.state.hotline_days
        day = max(days) if days else None
        figures = dict(days[day]) if day else {}
        open_by_status = {k: n for k, n in self.tickets.totals(scope).items() if k != "closed"}
        rated = figures.get("rated", 0)
        return {
            "day": day,
            **figures,
            "open": open_by_status,
            "overdue": sum(1 for street in self.overdue.values() if in_scope(street, scope)),
            "satisfaction": round(figures["satisfied"] / rated, 3) if rated else None,
        }

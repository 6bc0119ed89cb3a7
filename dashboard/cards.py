"""What a scope sees and how a record looks on a screen: the scope rules, the record
cards of the /live view (the fields they carry, projected by dashboard/classify.py:
personal fields masked, free text scanned), and incremental tallies (per status; the
12345 figures per day and street).  No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard import roster
from dashboard.classify import project
from dashboard.clock import beijing_day
from dashboard.state import State


def in_scope(street: str | None, scope: str | None) -> bool:
    """District scope (None) sees everything; a street scope sees only its own records."""
    return scope is None or street == scope


def indicator_in_scope(street: str | None, scope: str | None) -> bool:
    """Like :func:`in_scope`, but a street scope also sees the district-wide indicators."""
    return scope is None or street in (None, scope)


def inbox_street(state: State, key: str) -> tuple[bool, str | None]:
    """Which street an alarm of the inbox belongs to, without building the inbox:
    ``(known, street)`` for a sensor alarm (its key, ``state.alarm_key``), ``video:<point>`` or
    ``indicator:<series>`` (a district-wide series has street None)."""
    kind, _, rest = key.partition(":")
    if kind == "video":
        point = state.video.get(rest)
        return (point is not None, point["street"] if point else None)
    if kind == "indicator":
        series = state.indicators.get(rest)
        return (series is not None, series["street"] if series else None)
    if kind == "source":  # a feeding system serves the whole district
        return (rest in state.sources, None)
    if kind == "roster":  # a centre's post, <centre>/<post>: the district centre's has street None
        centre = rest.partition("/")[0]
        known = any(f"{r['center']}/{r['post']}" == rest for r in state.roster["rotations"].values())
        return (known, None if centre == "district" else centre)
    if kind == "checkin":  # a missed check-in of a centre's post (dashboard/checkin.py)
        centre = rest.partition("/")[0]
        return (True, None if centre == "district" else centre)
    if kind == "handover":  # a centre's unacknowledged handover, handover:<centre>
        return (roster.known_center(rest), None if rest == "district" else rest)
    alarm = state.alarms.get(key)
    return (alarm is not None, alarm.get("street") if alarm else None)


#: The fields of each record card of a /live view (docs/live-protocol.md).
INCIDENT_CARD = ("id", "domain", "title", "severity", "street", "status", "reported", "updated", "unit",
                 "version", "lat", "lon", "crs")
ALARM_CARD = ("id", "sensor_id", "kind", "level", "message", "street", "ts", "lat", "lon", "crs", "acked",
              "active", "reactivations", "chattering", "anomaly")
#: a usual band still describes a value this long after its range ended (the engine
#: writes the next hour's band with the next hour's first value)
BAND_GRACE_MS = 15 * 60_000
SENSOR_CARD = ("id", "kind", "value", "unit", "ts", "street", "lat", "lon", "crs", "alarm")
DUTY_CARD = ("center", "post", "name", "phone", "start", "end", "ts")


def incident_card(incident: Mapping[str, Any]) -> dict[str, Any]:
    """An incident as the wall and the feed show it (the title scanned); its address is
    not sent: no wall shows it (the console's detail shows it masked, with a reveal)."""
    return project("incident", incident, INCIDENT_CARD)


def band_card(series: Mapping[str, Any]) -> dict[str, Any] | None:
    """The series' usual band as its tile shows it, with ``inside``: whether the current
    value lies in it (None when there is no band for the value's time: learning, or old).
    The one home of the rule; the browser draws the result."""
    band = series.get("band")
    if band is None:
        return None
    card = project("band", band)
    ts, value = series.get("ts"), series.get("value")
    current = ts is not None and band["from"] <= ts < band["until"] + BAND_GRACE_MS
    if band["state"] != "ready" or not current or value is None or band["low"] is None:
        card["inside"] = None
    else:
        card["inside"] = band["low"] <= value <= band["high"]
    card["current"] = current
    return card


def alarm_card(alarm: Mapping[str, Any]) -> dict[str, Any]:
    return project("alarm", alarm, ALARM_CARD)


def sensor_card(sensor: Mapping[str, Any]) -> dict[str, Any]:
    return project("sensor", sensor, SENSOR_CARD)


def duty_card(shift: Mapping[str, Any]) -> dict[str, Any]:
    return project("duty", shift, DUTY_CARD)


def rejection_card(rejection: Mapping[str, Any]) -> dict[str, Any]:
    """A refused event (dashboard/records.py Rejection), as a view or a detail lists it."""
    return project("rejection", rejection)


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

    def _count(self, key: str, record: Mapping[str, Any]) -> None:
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


HOTLINE_FIELDS = ("new", "closed", "satisfied", "rated", "repeat")


@dataclass
class HotlineTally:
    """12345 figures per Beijing day and street (``new``, ``repeat`` on the day a ticket
    came in; ``closed``, ``rated``, ``satisfied`` on the day it closed), kept from the
    tickets as they change, so a street's figures and the district's are one computation
    (the district's are the sum of its streets').  Keeps :data:`DAYS_KEPT` days."""

    DAYS_KEPT = 14
    held: dict[str, tuple[tuple[str, str | None, str], ...]] = field(default_factory=dict)
    days: dict[str, dict[str | None, dict[str, int]]] = field(default_factory=dict)

    def rebuild(self, state: State) -> None:
        self.held.clear()
        self.days.clear()
        self.update(state, state.tickets)

    def update(self, state: State, keys: Iterable[str]) -> None:
        for key in keys:
            ticket = state.tickets.get(key)
            if ticket is None:
                continue  # forgotten by the reducer (closed long ago): its figures stay
            self._add(self.held.pop(key, ()), -1)
            self.held[key] = self._contribution(ticket)
            self._add(self.held[key], 1)
        if len(self.held) > 2 * len(state.tickets) + 1000:  # the reducer evicted closed tickets
            self.held = {k: v for k, v in self.held.items() if k in state.tickets}

    @staticmethod
    def _contribution(ticket: Mapping[str, Any]) -> tuple[tuple[str, str | None, str], ...]:
        street = ticket.get("street")
        day = beijing_day(ticket["created"])
        out = [(day, street, "new")]
        if ticket.get("repeat_of"):
            out.append((day, street, "repeat"))
        if ticket.get("status") == "closed" and ticket.get("closed") is not None:
            closed = beijing_day(ticket["closed"])
            out.append((closed, street, "closed"))
            if ticket.get("satisfied") is not None:
                out.append((closed, street, "rated"))
                if ticket["satisfied"]:
                    out.append((closed, street, "satisfied"))
        return tuple(out)

    def _add(self, contribution: Iterable[tuple[str, str | None, str]], n: int) -> None:
        for day, street, name in contribution:
            streets = self.days.get(day)
            if streets is None:
                if n < 0:
                    continue  # a day no longer kept
                streets = self.days[day] = {}
                for old in sorted(self.days)[:-self.DAYS_KEPT]:
                    del self.days[old]
                if day not in self.days:
                    continue
            figures = streets.setdefault(street, dict.fromkeys(HOTLINE_FIELDS, 0))
            figures[name] += n

    def latest_day(self) -> str | None:
        return max(self.days) if self.days else None

    def figures(self, day: str | None, scope: str | None) -> dict[str, int]:
        """The figures of ``day`` for ``scope`` (the district: every street and none)."""
        out = dict.fromkeys(HOTLINE_FIELDS, 0)
        for street, figures in self.days.get(day or "", {}).items():
            if scope is None or street == scope:
                for name in HOTLINE_FIELDS:
                    out[name] += figures[name]
        return out

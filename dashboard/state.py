"""The district's state and the reducer that builds it from the log.  No I/O.

``apply(state, entry_id, event)`` is deterministic: it reads no clock and draws no
random numbers, so every instance that applies the same log entries in the same order
holds the same state, and :func:`digest` proves it.  For speed ``apply`` updates the
state in place and returns what it changed (``Changes``), which the push layer turns
into patches.  Everything in ``State`` is plain JSON data, so a snapshot is
``to_json(state)`` and a restore is ``from_json(blob)``.

Time in the state is event time (the event's ``ts``, or the log entry's time when the
producer gave none).  Anything that depends on *now* (staleness, deadlines, ages) is
computed by the views, never stored here.

Exactly-once effect: an event whose ``id`` the state's :class:`~dashboard.dedup.DedupWindow`
remembers is a producer's retry and is ignored (``Changes.duplicates``); the window is
part of the state, so snapshots and the digest hold it.  Events without ``id`` are
applied as they come.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import Any

import orjson

from dashboard import alarm_states, checkin, handover, hotline, lifecycle, roster, sources
from dashboard.clock import beijing_day
from dashboard.dedup import DedupWindow
from dashboard.events import (
    AlarmAck,
    DutyCheckin,
    DutyCheckinRequest,
    DutyHandover,
    DutyHandoverAck,
    DutyOverride,
    DutyRoster,
    DutyShift,
    DutySwap,
    Event,
    HotlineStep,
    HotlineTicket,
    IncidentReported,
    IncidentStep,
    IndicatorAnomaly,
    IndicatorExpected,
    IndicatorValue,
    SensorAlarm,
    SensorCleared,
    SensorReading,
    VideoPoint,
    VideoStatus,
    payload,
)
from dashboard.protocol import Section
from dashboard.records import (
    AlarmRecord,
    AnomalyDetail,
    BandRecord,
    DutyRecord,
    InboxDecision,
    IncidentRecord,
    IndicatorSeries,
    Rejection,
    SensorRecord,
    TicketRecord,
    TicketStepEntry,
    TimelineEntry,
    VideoRecord,
)
from dashboard.streamids import entry_ms

# Bounds that keep memory flat over weeks of running.  Changing one changes the digest.
VIDEO_HISTORY = 20
SENSOR_READINGS = 30
INDICATOR_HISTORY = 288
BAND_TRAIL = 24 * 4 + 6 * 4  # band points kept per series: a day past at 15 min, 6 h ahead
FEED_SIZE = 200
ALARMS_KEPT = 2_000
REJECTIONS_KEPT = 200
PENDING_PER_KEY = 50
PENDING_TOTAL = 20_000
CLOSED_INCIDENTS_KEPT = 100_000
CLOSED_TICKETS_KEPT = 50_000
HOTLINE_DAYS_KEPT = 14

@dataclass(slots=True)
class State:
    """The replicated state.  Treat it as read-only outside :func:`apply`."""

    applied: int = 0
    last_id: str = "0-0"
    dead: int = 0
    video: dict[str, VideoRecord] = field(default_factory=dict)
    video_history: dict[str, list[list[Any]]] = field(default_factory=dict)
    video_registrations: int = 0  # bumps when the point set changes: clients refetch it
    indicators: dict[str, IndicatorSeries] = field(default_factory=dict)
    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    tickets: dict[str, TicketRecord] = field(default_factory=dict)
    hotline_days: dict[str, dict[str, int]] = field(default_factory=dict)
    sensors: dict[str, SensorRecord] = field(default_factory=dict)
    alarms: dict[str, AlarmRecord] = field(default_factory=dict)
    duty: dict[str, DutyRecord] = field(default_factory=dict)
    roster: roster.Tables = field(default_factory=roster.empty)  # rotations and changes (dashboard/roster.py)
    checkins: checkin.Tables = field(default_factory=checkin.empty)  # requests (dashboard/checkin.py)
    handovers: dict[str, handover.HandoverRecord] = field(default_factory=dict)  # id → handover (交接班)
    feed: list[list[str]] = field(default_factory=list)  # [kind, key], newest last
    rejections: list[Rejection] = field(default_factory=list)
    alarm_acks: dict[str, InboxDecision] = field(default_factory=dict)  # inbox key → ack
    alarm_shelves: dict[str, InboxDecision] = field(default_factory=dict)  # inbox key → shelf
    # source (sensor:, video:, indicator:) → out of service (dashboard/alarm_states.py)
    alarm_out_of_service: dict[str, InboxDecision] = field(default_factory=dict)
    # feeding system → its arrivals (dashboard/sources.py observe)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, list[list[Any]]] = field(default_factory=dict)  # waiting for an unknown id
    pending_count: int = 0
    dedup: DedupWindow = field(default_factory=DedupWindow)  # ids applied (dashboard/dedup.py)


@dataclass(slots=True)
class Changes:
    """What one or more applied entries touched: section → keys (sets, so conflated)."""

    keys: dict[Section, set[str]] = field(default_factory=dict)
    severe: list[dict[str, Any]] = field(default_factory=list)  # never conflated away
    points: dict[str, int] = field(default_factory=dict)  # indicator series → points appended
    duplicates: int = 0  # entries ignored as copies of an event already applied

    def add(self, section: Section, key: str) -> None:
        self.keys.setdefault(section, set()).add(key)

    def merge(self, other: Changes) -> None:
        for section, keys in other.keys.items():
            self.keys.setdefault(section, set()).update(keys)
        self.severe.extend(other.severe)
        for sid, n in other.points.items():
            self.points[sid] = self.points.get(sid, 0) + n
        self.duplicates += other.duplicates

    def __bool__(self) -> bool:
        return bool(self.keys) or bool(self.severe)


def _push_bounded(items: list[Any], item: Any, limit: int) -> None:
    items.append(item)
    if len(items) > limit:
        del items[: len(items) - limit]


def apply(state: State, entry_id: str, event: Event, changes: Changes | None = None) -> Changes:
    """Apply one log entry.  Deterministic; mutates ``state``; returns what changed.

    An event about an id that is not known yet (a status for an unregistered camera, a
    step of an unreported incident) is parked in ``state.pending`` and applied when
    the id appears.  An incident step that breaks the lifecycle or carries a stale
    ``version`` is refused: recorded in ``state.rejections``, not applied.  An event
    whose ``id`` was applied within the dedup window changes nothing but ``last_id``
    (counted in ``changes.duplicates``, not in ``applied``).
    """
    changes = changes if changes is not None else Changes()
    ts = event.ts if event.ts is not None else entry_ms(entry_id)
    if event.id is not None and not state.dedup.admit(event.id, ts, entry_ms(entry_id)):
        state.last_id = entry_id
        changes.duplicates += 1
        return changes
    # (after the dedup: a retry changes nothing, so the source's arrivals count applied events)
    sources.observe(state.sources, event.source, event.type, entry_ms(entry_id))
    handler = _HANDLERS.get(event.type) or _incident_step
    handler(state, entry_id, event, ts, changes)
    state.applied += 1
    state.last_id = entry_id
    return changes


def note_dead(state: State, entry_id: str) -> None:
    """Count a log entry that failed validation (it still advances ``last_id``)."""
    state.dead += 1
    state.last_id = entry_id


# ---------------------------------------------------------------- pending (unknown ids)


def _park(state: State, key: str, entry_id: str, event: Event) -> None:
    if state.pending_count >= PENDING_TOTAL:
        return  # bounded: beyond this, early events about unknown ids are dropped
    waiting = state.pending.setdefault(key, [])
    if len(waiting) >= PENDING_PER_KEY:
        return
    waiting.append([entry_id, orjson.loads(orjson.dumps(_event_dict(event)))])
    state.pending_count += 1


def _unpark(state: State, key: str, changes: Changes) -> None:
    waiting = state.pending.pop(key, None)
    if not waiting:
        return
    state.pending_count -= len(waiting)
    from dashboard.events import event_from_dict  # already validated once

    for entry_id, raw in waiting:
        event = event_from_dict(raw)
        ts = event.ts if event.ts is not None else entry_ms(entry_id)
        (_HANDLERS.get(event.type) or _incident_step)(state, entry_id, event, ts, changes)


def _event_dict(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": event.type, "data": event.data}
    for name in ("id", "ts", "source", "street", "crs"):
        value = getattr(event, name)
        if value is not None:
            out[name] = value
    return out


# ---------------------------------------------------------------- video


def _video_point(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, VideoPoint)
    pid = d.point_id
    known = state.video.get(pid)
    status = d.status or (known["status"] if known else "online")
    state.video[pid] = {
        "id": pid,
        "name": d.name,
        "lat": d.lat,
        "lon": d.lon,
        "crs": event.crs or "gcj02",
        "kind": d.kind,
        "street": event.street,
        "status": status,
        "since": known["since"] if known and known["status"] == status else ts,
        "last": ts,
    }
    if not known:
        state.video_history[pid] = [[ts, status, "registered"]]
    state.video_registrations += 1
    changes.add(Section.VIDEO, pid)
    changes.add(Section.GEO, pid)  # the point set (positions, names) changed
    _unpark(state, f"video:{pid}", changes)


def _video_status(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, VideoStatus)
    pid = d.point_id
    point = state.video.get(pid)
    if point is None:
        _park(state, f"video:{pid}", entry_id, event)
        return
    point["last"] = max(point["last"], ts)  # a report with the same status is a heartbeat
    if point["status"] != d.status:
        point["status"] = d.status
        point["since"] = ts
        _push_bounded(
            state.video_history.setdefault(pid, []), [ts, d.status, d.reason],
            VIDEO_HISTORY,
        )
        changes.add(Section.VIDEO, pid)


# ---------------------------------------------------------------- indicators


def series_key(key: str, street: str | None) -> str:
    """Indicator series id: the catalogue key, with ``@street`` for a street-level value."""
    return f"{key}@{street}" if street else key


def _series(state: State, sid: str, key: str, street: str | None) -> IndicatorSeries:
    """The record of series ``sid``, made empty on its first event (a value or a band)."""
    series = state.indicators.get(sid)
    if series is None:
        series = state.indicators[sid] = {"key": key, "street": street, "value": None, "ts": None,
                                          "history": [], "n": 0}
    return series


def _indicator(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, IndicatorValue)
    sid = series_key(d.key, event.street)
    series = _series(state, sid, d.key, event.street)
    if series["ts"] is None or ts >= series["ts"]:
        series["value"] = d.value
        series["ts"] = ts
    _push_bounded(series["history"], [ts, d.value], INDICATOR_HISTORY)
    series["n"] = series.get("n", 0) + 1  # points ever appended: a client's tail index
    if "anomaly" in series:
        _clear_anomaly(state, series["anomaly"], series.get("band"), d.value, ts, changes)
    changes.add(Section.INDICATORS, sid)
    changes.points[sid] = changes.points.get(sid, 0) + 1


def _indicator_expected(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """The usual band of a series for an hour (the early-warning engine's): the newest
    range wins, so a late copy of an older hour does not replace the current band."""
    d = payload(event, IndicatorExpected)
    sid = series_key(d.key, event.street)
    series = _series(state, sid, d.key, event.street)
    old = series.get("band")
    if old is not None and old["from"] > d.from_ts:
        return
    series["band"] = {"from": d.from_ts, "until": d.until_ts, "state": d.state, "left_s": d.left_s,
                      "expected": d.expected, "low": d.low, "high": d.high}
    if d.state == "ready" and d.expected is not None and d.low is not None and d.high is not None:
        _band_trail(series, [[ts, d.expected, d.low, d.high], *([*p] for p in d.forecast)])
    changes.add(Section.INDICATORS, sid)


def _band_trail(series: IndicatorSeries, points: list[list[Any]]) -> None:
    """The series' usual band through time, [ts, expected, low, high], for the console's
    figure: what each ``indicator.expected`` said for its time and its forecast of the next
    hours.  A newer forecast replaces what an older one said from its first point on, so
    the past keeps the bands that were current then and the future is the latest forecast;
    bounded (:data:`BAND_TRAIL`)."""
    first = points[0][0]
    kept = [p for p in series.get("bands", []) if p[0] < first]
    merged = kept + sorted(points, key=lambda p: p[0])
    series["bands"] = merged[-BAND_TRAIL:]


def _indicator_anomaly(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """An early-warning finding becomes an alarm of kind ``anomaly`` in ``state.alarms`` (the
    sensor alarms' record: ``sensor_id`` names the indicator series, or for a sensor's
    series ``sensor:<id>`` the sensor; its message the explanation), keyed by its event id:
    the engine's ids are deterministic, so any number of engines raise one alarm.  Its
    ISA-18.2 states are a sensor alarm's (dashboard/alarm_states.py): it clears when a later
    value of the series is back inside its usual band (:func:`_clear_anomaly`), and a new
    anomaly of the series within a minute of that re-activates it."""
    d = payload(event, IndicatorAnomaly)
    key = alarm_key(event, entry_id)
    if key in state.alarms:
        return
    on_sensor = d.key.startswith(SENSOR_SERIES)
    ref = d.key[len(SENSOR_SERIES):] if on_sensor else series_key(d.key, event.street)
    detail: AnomalyDetail = {"key": d.key, "value": d.value, "expected": d.expected, "low": d.low,
                             "high": d.high, "score": d.score, "day_type": d.day_type}
    holder: IndicatorSeries | SensorRecord | None = (state.sensors.get(ref) if on_sensor
                                                     else state.indicators.get(ref))
    last = state.alarms.get(holder.get("anomaly") or "") if holder is not None else None
    if last is not None and _reactivate(state, last, ANOMALY_KIND, key, ts, d.level, d.explanation, entry_id,
                                        changes):
        last["anomaly"] = detail
        return
    alarm: AlarmRecord = {
        "id": key, "sensor_id": ref, "kind": ANOMALY_KIND, "level": d.level,
        "message": d.explanation, "lat": None, "lon": None, "crs": event.crs or "gcj02",
        "street": event.street, "ts": ts, "acked": None, "active": True, "since": ts, "cleared": None,
        "reactivations": 0, "chattering": False, "anomaly": detail,
    }
    sensor = state.sensors.get(ref) if on_sensor else None
    if sensor is not None and "lat" in sensor and "lon" in sensor:  # its pin on the map
        alarm["lat"], alarm["lon"], alarm["crs"] = sensor["lat"], sensor["lon"], sensor.get("crs", "gcj02")
    _add_alarm(state, entry_id, key, alarm, changes)
    if holder is not None:
        holder["anomaly"] = key
        changes.add(Section.SENSORS if on_sensor else Section.INDICATORS, ref)


def _clear_anomaly(state: State, key: str | None, band: BandRecord | None, value: float, ts: int,
                   changes: Changes) -> None:
    """A value of a series with an active anomaly alarm, later than the anomaly, back inside
    the usual band clears the alarm (ISA-18.2 "return to normal").  The band: the series'
    current one (indicator.expected) when it covers ``ts``, else the band the anomaly was
    measured against.  Raised beyond :data:`dashboard.detect` threshold, cleared inside
    ± 3 robust deviations: the gap is the hysteresis that keeps it from chattering."""
    alarm = state.alarms.get(key or "")
    if alarm is None or not alarm.get("active", True) or ts <= alarm.get("since", alarm["ts"]):
        return
    detail = alarm.get("anomaly")
    if detail is None:
        return
    low, high = detail["low"], detail["high"]
    if (band is not None and band["state"] == "ready" and band["low"] is not None and band["high"] is not None
            and band["from"] <= ts < band["until"]):
        low, high = band["low"], band["high"]
    if low <= value <= high:
        alarm["active"] = False
        alarm["cleared"] = ts
        changes.add(Section.ALARMS, alarm["id"])


# ---------------------------------------------------------------- incidents


def _incident_reported(
    state: State, entry_id: str, event: Event, ts: int, changes: Changes
) -> None:
    d = payload(event, IncidentReported)
    iid = d.incident_id
    if iid in state.incidents:
        _reject(state, entry_id, event, "already reported", changes)
        return
    state.incidents[iid] = {
        "id": iid,
        "domain": d.domain,
        "title": d.title,
        "severity": d.severity,
        "lat": d.lat,
        "lon": d.lon,
        "crs": event.crs or "gcj02",
        "address": d.address,
        "description": d.description,
        "street": event.street,
        "status": "reported",
        "version": 1,
        "reported": ts,
        "updated": ts,
        "unit": None,
        "timeline": [{"step": "reported", "ts": ts, "by": event.source, "entry": entry_id}],
    }
    changes.add(Section.INCIDENTS, iid)
    _feed(state, "incident", iid)
    if d.severity == 1:
        changes.severe.append({"kind": "incident", "id": iid, "entry": entry_id})
    _evict_closed(state.incidents, CLOSED_INCIDENTS_KEPT, changes, Section.INCIDENTS)
    _unpark(state, f"incident:{iid}", changes)


def _incident_step(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, IncidentStep)
    iid = d.incident_id
    step = event.type.removeprefix("incident.")
    incident = state.incidents.get(iid)
    if incident is None:
        _park(state, f"incident:{iid}", entry_id, event)
        return
    reason = lifecycle.refusal(incident, step, d.version, d.severity)
    if reason:
        _reject(state, entry_id, event, reason, changes)
        return
    incident["status"] = lifecycle.status_after(step, incident["status"])  # type: ignore[arg-type]
    if step == "dispatched" and d.unit:
        incident["unit"] = d.unit
    if step == "escalated" and d.severity is not None:  # refusal() saw to it
        incident["severity"] = d.severity
        if d.severity == 1:
            changes.severe.append({"kind": "incident", "id": iid, "entry": entry_id})
    incident["version"] += 1
    incident["updated"] = ts
    entry: TimelineEntry = {"step": step, "ts": ts, "by": d.by, "entry": entry_id}
    if d.unit is not None:
        entry["unit"] = d.unit
    if d.note is not None:
        entry["note"] = d.note
    if d.severity is not None:
        entry["severity"] = d.severity
    incident["timeline"].append(entry)
    changes.add(Section.INCIDENTS, iid)


def _reject(state: State, entry_id: str, event: Event, reason: str, changes: Changes) -> None:
    _push_bounded(
        state.rejections,
        {
            "entry": entry_id,
            "type": event.type,
            "id": event.id,
            "incident_id": event.data.get("incident_id"),
            "by": event.data.get("by"),
            "reason": reason,
            **({"ticket_id": event.data.get("ticket_id")} if event.type.startswith("hotline.") else {}),
        },
        REJECTIONS_KEPT,
    )
    changes.add(Section.REJECTIONS, entry_id)


def _evict_closed(records: MutableMapping[str, Any], keep: int, changes: Changes,
                  section: Section) -> None:
    """Forget the oldest closed records once more than ``keep`` records are held (and say
    so in ``changes``: the console's index drops them).  Reads from the oldest on and
    stops at the first ``excess`` closed ones, instead of listing every closed record."""
    excess = len(records) - keep
    if excess <= 0:
        return
    for key in list(islice((k for k, r in records.items() if r.get("status") == "closed"), excess)):
        del records[key]
        changes.add(section, key)


def _feed(state: State, kind: str, key: str) -> None:
    _push_bounded(state.feed, [kind, key], FEED_SIZE)


# ---------------------------------------------------------------- 12345 hotline


def _hotline_stats(state: State, ts: int) -> dict[str, int]:
    """The day's 12345 counters (Beijing day of ``ts``), the oldest days forgotten."""
    day = beijing_day(ts)
    stats = state.hotline_days.get(day)
    if stats is None:
        stats = state.hotline_days[day] = {"new": 0, "closed": 0, "satisfied": 0, "rated": 0,
                                           "repeat": 0}
        if len(state.hotline_days) > HOTLINE_DAYS_KEPT:
            for old in sorted(state.hotline_days)[:-HOTLINE_DAYS_KEPT]:
                del state.hotline_days[old]
    return stats


#: Registration fields the flow keeps for itself: a producer's copy does not overwrite them.
_FLOW_FIELDS = frozenset({"ticket_id", "status", "version", "timeline", "unit", "result",
                          "extension_requested", "extended_until", "returns", "reopens", "closed",
                          "created", "updated"})


def _known_ticket(state: State, tid: str) -> TicketRecord | None:
    """The ticket ``tid``; one from a snapshot of before the work-order flow gets the
    flow's fields (version 1, its v1 status as a state, an empty timeline), the same on
    every instance."""
    ticket = state.tickets.get(tid)
    if ticket is not None and "version" not in ticket:
        ticket.update({"version": 1, "timeline": [], "urgency": ticket.get("urgency", 3),
                       "status": hotline.V1_STATUS.get(ticket.get("status", ""), "registered")})
    return ticket


def _ticket(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """``hotline.ticket``: registers a ticket (version 1), or, for a known one, is the 12345
    system's own update: its fields as reported and, with a v1 status, its state."""
    d = payload(event, HotlineTicket)
    tid = d.ticket_id
    ticket = _known_ticket(state, tid)
    stats = _hotline_stats(state, ts)
    status = hotline.state_of_v1(d.status)
    if ticket is None:
        ticket = state.tickets[tid] = {
            "id": tid, "created": ts, "closed": None, "version": 1, "status": status,
            "urgency": d.urgency, "unit": None, "result": None, "extension_requested": None,
            "extended_until": None, "returns": 0, "reopens": 0,
            "timeline": [{"step": "registered", "ts": ts, "by": event.source, "entry": entry_id,
                          "status": status}],
        }
        stats["new"] += 1
        if d.repeat_of:
            stats["repeat"] += 1
    elif ticket["status"] != status:
        ticket["status"] = status
        ticket["version"] += 1
        ticket["timeline"].append({"step": "status", "ts": ts, "by": event.source,
                                   "entry": entry_id, "status": status})
    was_closed = ticket.get("closed") is not None
    # every field as reported, those a producer added too (but not the flow's own)
    ticket.update({k: v for k, v in event.data.items()  # type: ignore[typeddict-item]
                   if v is not None and k not in _FLOW_FIELDS})
    ticket["street"] = event.street or ticket.get("street")
    ticket["updated"] = ts
    if status == "closed" and not was_closed:
        ticket["closed"] = ts
        stats["closed"] += 1
        if d.satisfied is not None:
            stats["rated"] += 1
            stats["satisfied"] += 1 if d.satisfied else 0
    changes.add(Section.TICKETS, tid)
    _evict_closed(state.tickets, CLOSED_TICKETS_KEPT, changes, Section.TICKETS)
    _unpark(state, f"ticket:{tid}", changes)


def _hotline_step(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """A step of the work-order flow (dashboard/hotline.py): judged, then applied with who
    and when in the ticket's timeline; a step for an unknown ticket waits for it."""
    d = payload(event, HotlineStep)
    tid = d.ticket_id
    step = event.type.removeprefix("hotline.")
    ticket = _known_ticket(state, tid)
    if ticket is None:
        _park(state, f"ticket:{tid}", entry_id, event)
        return
    reason = hotline.refusal(ticket, step, event.data)
    if reason:
        _reject(state, entry_id, event, reason, changes)
        return
    ticket["status"] = hotline.status_after(step, ticket["status"])  # type: ignore[arg-type]
    entry: TicketStepEntry = {"step": step, "ts": ts, "by": d.by, "entry": entry_id,
                              "status": ticket["status"]}
    for name in ("unit", "note", "reply", "result", "reason", "until", "approved"):
        value = getattr(d, name)
        if value is not None:
            entry[name] = value
    if step == "dispatched":
        ticket["unit"] = d.unit
    elif step == "replied":
        ticket["reply"] = d.reply or ""
    elif step == "visited":
        ticket["result"] = d.result
        stats = _hotline_stats(state, ts)
        stats["rated"] += 1
        stats["satisfied"] += d.result != "unsatisfied"
    elif step == "closed":
        ticket["closed"] = ts
        _hotline_stats(state, ts)["closed"] += 1
    elif step == "returned":
        ticket["unit"] = None
        ticket["returns"] = ticket.get("returns", 0) + 1
    elif step == "reopened":
        ticket["result"] = None
        ticket["reopens"] = ticket.get("reopens", 0) + 1
    elif step == "extension":
        if d.approved is None:
            ticket["extension_requested"] = d.until
        else:
            if d.approved:
                ticket["extended_until"] = ticket.get("extension_requested")
            entry["until"] = ticket.get("extension_requested") or ""
            ticket["extension_requested"] = None
    ticket["version"] = ticket.get("version", 1) + 1
    ticket["updated"] = ts
    ticket["timeline"].append(entry)
    changes.add(Section.TICKETS, tid)


# ---------------------------------------------------------------- sensors and alarms


def _sensor_reading(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, SensorReading)
    sid = d.sensor_id
    sensor = state.sensors.get(sid)
    if sensor is None:
        sensor = state.sensors[sid] = {"id": sid, "readings": [], "alarm": None}
    sensor.update({
        "kind": d.kind, "value": d.value, "unit": d.unit, "ts": ts,
        "street": event.street or sensor.get("street"), "crs": event.crs or "gcj02",
    })
    if d.lat is not None and d.lon is not None:
        sensor["lat"], sensor["lon"] = d.lat, d.lon
    _push_bounded(sensor["readings"], [ts, d.value], SENSOR_READINGS)
    if "anomaly" in sensor:
        _clear_anomaly(state, sensor["anomaly"], None, d.value, ts, changes)
    changes.add(Section.SENSORS, sid)


#: Inbox keys of the alarms that are not sensor alarms (dashboard/inbox.py): a camera down
#: too long, an indicator in alarm.  A sensor alarm's key never starts with one of them.
OTHER_INBOX_KINDS = ("video:", "indicator:", "sensor:", "source:", "roster:", "checkin:", "handover:")
#: The keys an out-of-service decision may name directly (a source, not one alarm).
SOURCE_KINDS = OTHER_INBOX_KINDS
#: the ``kind`` of an early-warning alarm (indicator.anomaly) in ``state.alarms``
ANOMALY_KIND = alarm_states.ANOMALY
#: an early-warning series of a sensor: ``sensor:<sensor id>`` (dashboard/detect.py)
SENSOR_SERIES = "sensor:"


def alarm_key(event: Event, entry_id: str) -> str:
    """A sensor alarm's identity, in the inbox, the feed and the flood count: its event
    ``id`` (so a producer's retry is the same alarm), else its log entry id (also when the
    id looks like another inbox kind's key)."""
    if event.id is None or event.id.startswith(OTHER_INBOX_KINDS):
        return entry_id
    return event.id


def _sensor_alarm(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """A new alarm; one already held (a retry beyond the dedup window) is not raised again.
    An alarm of the kind the sensor's last alarm has, within a minute of that one's clearing,
    re-activates it (ISA-18.2; dashboard/alarm_states.py): one line, counted, chattering at
    the third such re-activation."""
    d = payload(event, SensorAlarm)
    key = alarm_key(event, entry_id)
    if key in state.alarms:
        return
    sensor = state.sensors.get(d.sensor_id)
    last = _last_alarm(state, d.sensor_id, sensor)
    if last is not None and _reactivate(state, last, d.kind, key, ts, d.level, d.message, entry_id, changes):
        return
    alarm: AlarmRecord = {
        "id": key,
        "sensor_id": d.sensor_id,
        "kind": d.kind,
        "level": d.level,
        "message": d.message,
        "lat": d.lat,
        "lon": d.lon,
        "crs": event.crs or "gcj02",
        "street": event.street,
        "ts": ts,
        "acked": None,
        "active": True,
        "since": ts,
        "cleared": None,
        "reactivations": 0,
        "chattering": False,
    }
    _add_alarm(state, entry_id, key, alarm, changes)
    if sensor is not None:
        sensor["alarm"] = key
        changes.add(Section.SENSORS, d.sensor_id)


def _reactivate(state: State, last: AlarmRecord, kind: str, key: str, ts: int, level: int,
                message: str | None, entry_id: str, changes: Changes) -> bool:
    """Fold a new alarm ``key`` into ``last`` when it re-activates it (the same kind, within
    a minute of its clearing: dashboard/alarm_states.py); True when folded (or already)."""
    if not alarm_states.reactivates(last, kind, ts):
        return False
    folded = last.setdefault("folded", [])
    if key in folded:
        return True
    _push_bounded(folded, key, alarm_states.FOLDED_KEPT)
    count = last.get("reactivations", 0) + 1
    was_chattering = last.get("chattering", False)
    last["active"], last["since"], last["cleared"], last["acked"] = True, ts, None, None
    last["reactivations"] = count
    last["chattering"] = alarm_states.chattering(count)
    last["level"] = min(last["level"], level)
    last["message"] = message
    changes.add(Section.ALARMS, last["id"])
    if level == 1 and not was_chattering:
        changes.severe.append({"kind": "alarm", "id": last["id"], "entry": entry_id})
    return True


def _add_alarm(state: State, entry_id: str, key: str, alarm: AlarmRecord, changes: Changes) -> None:
    state.alarms[key] = alarm
    if len(state.alarms) > ALARMS_KEPT:
        del state.alarms[next(iter(state.alarms))]
    changes.add(Section.ALARMS, key)
    _feed(state, "alarm", key)
    if alarm["level"] == 1:
        changes.severe.append({"kind": "alarm", "id": key, "entry": entry_id})


def _last_alarm(state: State, sensor_id: str, sensor: SensorRecord | None) -> AlarmRecord | None:
    """The sensor's newest alarm still held (its record names it; a sensor that sent no
    reading has none: the newest alarm of it, looked for from the newest)."""
    if sensor is not None:
        return state.alarms.get(sensor.get("alarm") or "")
    return next((a for a in reversed(state.alarms.values()) if a["sensor_id"] == sensor_id), None)


def _sensor_cleared(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """The sensor is back to normal: every active alarm of it clears (acknowledged ones
    become normal, the others wait for an acknowledgement as "back to normal").  A sensor
    without an active alarm: nothing to do."""
    d = payload(event, SensorCleared)
    for key, alarm in state.alarms.items():
        if alarm["sensor_id"] == d.sensor_id and alarm.get("active", True):
            alarm["active"] = False
            alarm["cleared"] = ts
            changes.add(Section.ALARMS, key)
    if d.sensor_id in state.sensors:
        changes.add(Section.SENSORS, d.sensor_id)


# ---------------------------------------------------------------- duty


def _duty(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    d = payload(event, DutyShift)
    key = f"{d.center}/{d.post}"
    state.duty[key] = {
        "center": d.center, "post": d.post, "name": d.name, "phone": d.phone,
        "start": d.start, "end": d.end, "ts": ts,
    }
    changes.add(Section.DUTY, key)


def _roster(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """A rotation, an override or a swap of a roster (dashboard/roster.py decides; a
    refusal is kept with its reason and changes nothing)."""
    tables = state.roster
    if event.type == "duty.roster":
        r = payload(event, DutyRoster)
        reason = roster.add_rotation(tables, {
            "id": r.rotation_id, "center": r.center, "post": r.post, "name": r.name, "phone": r.phone,
            "dtstart": r.dtstart, "dtend": r.dtend, "rrule": r.rrule, "until": r.until, "days": r.days,
            "by": r.by, "ts": ts})
        center = r.center
    elif event.type == "duty.override":
        o = payload(event, DutyOverride)
        reason = roster.add_override(tables, {
            "kind": "override", "rotation": o.rotation_id, "occurrence": o.occurrence, "name": o.name,
            "phone": o.phone, "start": o.start, "end": o.end, "partner": None, "by": o.by,
            "reason": o.reason, "ts": ts})
        center = tables["rotations"].get(o.rotation_id, {}).get("center", "")  # type: ignore[call-overload]
    else:
        w = payload(event, DutySwap)
        def side(rotation_id: str, occurrence: str) -> roster.Change:
            return {"kind": "swap", "rotation": rotation_id, "occurrence": occurrence, "name": "",
                    "phone": None, "start": None, "end": None, "partner": None, "by": w.by,
                    "reason": w.reason, "ts": ts}
        reason = roster.add_swap(tables, side(w.rotation_id, w.occurrence),
                                 side(w.other_rotation_id, w.other_occurrence))
        center = tables["rotations"].get(w.rotation_id, {}).get("center", "")  # type: ignore[call-overload]
    if reason:
        _reject(state, entry_id, event, reason, changes)
    else:
        changes.add(Section.DUTY, f"roster:{center}")


def _checkin(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """A check-in request (查岗) or its answer (dashboard/checkin.py decides; a refused
    answer, to no open request or by someone not on duty there, is kept with its reason
    and changes nothing)."""
    if event.type == "duty.checkin_request":
        q = payload(event, DutyCheckinRequest)
        reason = checkin.add_request(state.checkins, q.center, q.post, q.at, q.due, ts)
        center, post = q.center, q.post
    else:
        a = payload(event, DutyCheckin)
        _, reason = checkin.answer(state.checkins, state.roster, a.center, a.post, a.name, ts)
        center, post = a.center, a.post
    if reason:
        _reject(state, entry_id, event, reason, changes)
        return
    changes.add(Section.DUTY, f"checkin:{center}/{post}")
    changes.add(Section.INBOX, f"checkin:{center}/{post}")
def _handover(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """A handover or its acknowledgement (dashboard/handover.py decides; a refusal is
    kept with its reason and changes nothing)."""
    if event.type == "duty.handover":
        h = payload(event, DutyHandover)
        center = h.center
        reason = handover.submit(state.handovers, state.roster, {
            "id": h.handover_id, "center": h.center, "post": h.post, "from_name": h.from_,
            "to_name": h.to, "shift_start": h.shift_start, "shift_end": h.shift_end,
            "summary": h.summary, "notes": h.notes, "open_items": list(h.open_items), "by": h.by,
            "ts": ts, "acked_by": None, "acked_ts": None, "acked_account": None})
    else:
        a = payload(event, DutyHandoverAck)
        center = state.handovers.get(a.handover_id, {}).get("center", "")  # type: ignore[call-overload]
        reason = handover.acknowledge(state.handovers, a.handover_id, a.by, ts, a.account)
    if reason:
        _reject(state, entry_id, event, reason, changes)
    else:
        changes.add(Section.DUTY, f"handover:{center}")
        changes.add(Section.INBOX, f"handover:{center}")


# ---------------------------------------------------------------- alarm inbox


def _alarm_ack(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """Acknowledge or shelve an inbox alarm.  The latest word wins; a new alarm on the
    same camera or indicator starts unacknowledged again (the inbox compares times)."""
    d = payload(event, AlarmAck)
    key = d.alarm_id
    record: InboxDecision = {"by": d.by, "ts": ts, "comment": d.comment, "reason": d.reason,
                             "entry": entry_id}
    if event.type == "alarm.shelved":
        if not d.until or not d.reason:
            _reject(state, entry_id, event, "shelving needs a reason and an end time", changes)
            return
        record["until"] = d.until
        state.alarm_shelves[key] = record
    else:
        state.alarm_acks[key] = record
        state.alarm_shelves.pop(key, None)
        if key in state.alarms:
            state.alarms[key]["acked"] = {"by": d.by, "ts": ts, "comment": d.comment}
            changes.add(Section.ALARMS, key)
    for table in (state.alarm_acks, state.alarm_shelves):
        if len(table) > ALARMS_KEPT * 2:
            del table[next(iter(table))]
    changes.add(Section.INBOX, key)


def _alarm_service(state: State, entry_id: str, event: Event, ts: int, changes: Changes) -> None:
    """Take an alarm's source out of service (with a reason) or return it to service.  The
    decision is kept under the source (dashboard/alarm_states.py ``source_key``): a sensor
    alarm's key names its sensor, so that sensor's later alarms are out of service too."""
    d = payload(event, AlarmAck)
    key = d.alarm_id
    alarm = state.alarms.get(key)
    if alarm is not None:
        key = alarm_states.alarm_source(alarm)
    elif not key.startswith(SOURCE_KINDS):
        _reject(state, entry_id, event, f"no such alarm or source: {key[:80]}", changes)
        return
    if event.type == "alarm.in_service":
        state.alarm_out_of_service.pop(key, None)
    else:
        if not d.reason:
            _reject(state, entry_id, event, "taking an alarm out of service needs a reason", changes)
            return
        state.alarm_out_of_service[key] = {"by": d.by, "ts": ts, "comment": d.comment, "reason": d.reason,
                                           "entry": entry_id}
        if len(state.alarm_out_of_service) > ALARMS_KEPT:
            del state.alarm_out_of_service[next(iter(state.alarm_out_of_service))]
    changes.add(Section.INBOX, key)
    for aid, held in state.alarms.items():  # its alarms' pins and counts change
        if alarm_states.alarm_source(held) == key:
            changes.add(Section.ALARMS, aid)


_HANDLERS = {
    "video.point": _video_point,
    "video.status": _video_status,
    "indicator.value": _indicator,
    "indicator.anomaly": _indicator_anomaly,
    "indicator.expected": _indicator_expected,
    "incident.reported": _incident_reported,
    "hotline.ticket": _ticket,
    **{f"hotline.{step}": _hotline_step for step in hotline.STEPS},
    "sensor.reading": _sensor_reading,
    "sensor.alarm": _sensor_alarm,
    "sensor.cleared": _sensor_cleared,
    "duty.shift": _duty,
    "duty.roster": _roster,
    "duty.override": _roster,
    "duty.swap": _roster,
    "duty.checkin_request": _checkin,
    "duty.checkin": _checkin,
    "duty.handover": _handover,
    "duty.handover_ack": _handover,
    "alarm.acknowledged": _alarm_ack,
    "alarm.shelved": _alarm_ack,
    "alarm.out_of_service": _alarm_service,
    "alarm.in_service": _alarm_service,
}


# ---------------------------------------------------------------- snapshot and digest


def to_json(state: State) -> bytes:
    """The whole state as canonical JSON (sorted keys): the snapshot and digest format."""
    return orjson.dumps(
        {f.name: getattr(state, f.name) for f in fields(State)}, option=orjson.OPT_SORT_KEYS,
        default=_plain,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, DedupWindow):
        return value.to_data()
    raise TypeError(f"{type(value).__name__} is not part of a snapshot")


def from_json(blob: bytes) -> State:
    """Inverse of :func:`to_json`; unknown keys (from a newer version) are ignored, and a
    snapshot from before the dedup window starts with an empty one."""
    raw = orjson.loads(blob)
    names = {f.name for f in fields(State)}
    values = {k: v for k, v in raw.items() if k in names}
    if "dedup" in values:
        values["dedup"] = DedupWindow.from_data(values["dedup"])
    return State(**values)


def digest(state: State) -> str:
    """A short hash of the whole state: equal on every instance that applied the same log."""
    return hashlib.sha256(to_json(state)).hexdigest()[:16]

"""The shapes of the records the reducer keeps (dashboard/state.py).  No I/O.

The state stays plain JSON data (snapshots are ``orjson`` of it), so the records are
TypedDicts: a checker holds readers to the field names, and nothing changes at run time.
Times are epoch milliseconds of event time.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class VideoRecord(TypedDict):
    id: str
    name: str
    lat: float
    lon: float
    crs: str
    kind: str | None
    street: str | None
    status: str  # as reported: online | offline | fault (stale is the views': camera.py)
    since: int  # when the status began
    last: int  # the last report of any kind, heartbeats included


class IndicatorSeries(TypedDict):
    key: str
    street: str | None
    value: float | None
    ts: int | None
    history: list[list[Any]]  # [ts, value], in arrival order, bounded
    n: int  # points ever appended
    band: NotRequired[BandRecord]  # the usual band (indicator.expected)
    bands: NotRequired[list[list[Any]]]  # the band through time and its forecast: [ts, expected, low, high]
    anomaly: NotRequired[str]  # the key of its latest early-warning alarm


#: An indicator series' usual band from ``from`` to ``until`` (the early-warning engine's
#: indicator.expected), or ``state`` learning with ``left_s`` still needed.
BandRecord = TypedDict("BandRecord", {
    "from": int, "until": int, "state": str, "left_s": int,
    "expected": float | None, "low": float | None, "high": float | None,
})


class AnomalyDetail(TypedDict):
    """What an early-warning alarm (kind ``anomaly``) found: the figures of its explanation."""

    key: str
    value: float
    expected: float
    low: float
    high: float
    score: float
    day_type: str | None


class TimelineEntry(TypedDict, total=False):
    step: str
    ts: int
    by: str | None
    entry: str
    unit: str
    note: str
    severity: int


class IncidentRecord(TypedDict):
    id: str
    domain: str
    title: str
    severity: int
    lat: float | None
    lon: float | None
    crs: str
    address: str | None
    description: str | None
    street: str | None
    status: str  # lifecycle.Status
    version: int
    reported: int
    updated: int
    unit: str | None
    timeline: list[TimelineEntry]


class TicketStepEntry(TypedDict, total=False):
    """One step of a 12345 ticket's timeline: who took it and when (dashboard/hotline.py)."""

    step: str  # "registered", a hotline step, or "status" (a v1 status update)
    ts: int
    by: str | None
    entry: str
    status: str  # the state after the step
    unit: str
    note: str
    reply: str
    result: str
    reason: str
    until: str
    approved: bool


class TicketRecord(TypedDict, total=False):
    """A 12345 ticket: the registration's fields as last reported (producers may add
    more), its place in the work-order flow (dashboard/hotline.py) and its timeline."""

    id: str
    version: int
    urgency: int
    unit: str | None  # the unit it is dispatched to (None at the dispatcher)
    reply: str
    result: str | None  # the last callback's result
    extension_requested: str | None  # the date an extension asks for, until decided
    extended_until: str | None  # the approved extension's date (moves the deadline)
    returns: int
    reopens: int
    timeline: list[TicketStepEntry]
    created: int
    closed: int | None
    updated: int
    street: str | None
    status: str
    category: str
    summary: str
    address: str
    caller_name: str
    caller_phone: str
    satisfied: bool
    repeat_of: str
    lat: float
    lon: float


class SensorRecord(TypedDict, total=False):
    id: str
    kind: str
    value: float
    unit: str | None
    ts: int
    street: str | None
    crs: str
    lat: float
    lon: float
    readings: list[list[Any]]  # [ts, value], bounded
    alarm: str | None  # the key of its latest alarm (state.alarm_key)
    anomaly: str  # the key of its latest early-warning alarm (kind anomaly)


class AckRecord(TypedDict):
    by: str
    ts: int
    comment: str | None


class AlarmRecord(TypedDict):
    id: str  # its key: the event id, else the log entry id (state.alarm_key)
    sensor_id: str
    kind: str
    level: int
    message: str | None
    lat: float | None
    lon: float | None
    crs: str
    street: str | None
    ts: int  # first raised
    acked: AckRecord | None
    anomaly: NotRequired[AnomalyDetail]  # kind "anomaly": an early-warning alarm
    # ISA-18.2 (dashboard/alarm_states.py); absent in a snapshot from before them: active
    active: NotRequired[bool]  # its condition holds (False once sensor.cleared)
    since: NotRequired[int]  # the last activation
    cleared: NotRequired[int | None]  # when it last cleared
    reactivations: NotRequired[int]  # clears followed by a re-activation within a minute
    chattering: NotRequired[bool]
    folded: NotRequired[list[str]]  # ids of the re-activating events folded into it (bounded)


class InboxDecision(TypedDict, total=False):
    """An acknowledgement or a shelving of an inbox alarm (``until`` for a shelf)."""

    by: str
    ts: int
    comment: str | None
    reason: str | None
    entry: str
    until: int


class DutyRecord(TypedDict):
    center: str
    post: str
    name: str
    phone: str | None
    start: str | None
    end: str | None
    ts: int


class Rejection(TypedDict):
    entry: str
    type: str
    id: str | None
    incident_id: str | None
    by: str | None
    reason: str
    ticket_id: NotRequired[str | None]

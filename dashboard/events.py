"""The event envelope and the typed v1 payloads: parse and validate, no I/O.

An event is JSON: ``{"type", "id", "ts", "source", "street", "crs", "data"}``; only
``type`` and ``data`` are required.  :func:`parse_event` either returns an
:class:`Event` whose ``data`` has been validated against the payload type of its
``type``, or raises :class:`InvalidEvent` with a reason a person can act on.  Unknown
envelope and payload fields are kept (``Event.extra`` and ``Event.data``), unknown
types are refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, get_args

import msgspec

from dashboard.hotline import STEPS as HOTLINE_STEPS
from dashboard.hotline import Result as CallbackResult
from dashboard.hotline import V1Status as TicketStatus
from dashboard.lifecycle import STEPS as INCIDENT_STEPS
from dashboard.units import UNIT_CODES

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]
Severity = Annotated[int, msgspec.Meta(ge=1, le=4)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Text = Annotated[str, msgspec.Meta(max_length=4_000)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
FORECAST_MAX = 96  # points of an indicator.expected forecast (6 h every 15 min is 24)
#: Free text a person wrote (a reply, a reason): any language, as long as the event allows.
LongText = Annotated[str, msgspec.Meta(max_length=60_000)]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]

#: What a video platform reports of a camera ("stale" is the views' own: dashboard/camera.py).
ReportedStatus = Literal["online", "offline", "fault"]
#: The eight domains of the district's work plan.
Domain = Literal["epidemic", "crowd", "pipeline", "waterway", "care", "antifraud", "environment", "safety"]
Crs = Literal["gcj02", "wgs84", "bd09", "cgcs2000"]

VIDEO_STATUSES: tuple[ReportedStatus, ...] = get_args(ReportedStatus)
INCIDENT_DOMAINS: tuple[Domain, ...] = get_args(Domain)
TICKET_STATUSES: tuple[TicketStatus, ...] = get_args(TicketStatus)
CRS_NAMES: tuple[Crs, ...] = get_args(Crs)
MAX_DEPTH = 16  # deeper JSON is refused before it reaches a validator


class VideoPoint(msgspec.Struct):
    point_id: Id
    name: ShortText
    lat: Lat
    lon: Lon
    kind: ShortText | None = None
    status: ReportedStatus | None = None


class VideoStatus(msgspec.Struct):
    point_id: Id
    status: ReportedStatus
    reason: ShortText | None = None


class IndicatorValue(msgspec.Struct):
    key: Id
    value: float


class IncidentReported(msgspec.Struct):
    incident_id: Id
    domain: Domain
    title: ShortText
    severity: Severity
    lat: Lat | None = None
    lon: Lon | None = None
    address: ShortText | None = None
    description: Text | None = None


class IncidentStep(msgspec.Struct):
    incident_id: Id
    by: ShortText | None = None
    unit: ShortText | None = None
    note: Text | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    severity: Severity | None = None  # incident.escalated only


class HotlineTicket(msgspec.Struct):
    ticket_id: Id
    category: ShortText
    summary: Text
    status: TicketStatus
    address: ShortText | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    caller_name: ShortText | None = None
    caller_phone: ShortText | None = None
    satisfied: bool | None = None
    repeat_of: Id | None = None
    urgency: Annotated[int, msgspec.Meta(ge=1, le=3)] = 3  # 1 emergency, 2 urgent, 3 normal


class HotlineStep(msgspec.Struct):
    """A step of a 12345 ticket (``hotline.<step>``, dashboard/hotline.py): who, on which
    version, and what the step needs (``unit`` to dispatch, ``reply``, the callback's
    ``result``, a ``reason`` to return or reopen, ``until`` or ``approved`` for an
    extension)."""

    ticket_id: Id
    by: ShortText | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    note: LongText | None = None
    unit: ShortText | None = None
    reply: LongText | None = None
    result: CallbackResult | None = None
    reason: LongText | None = None
    until: IsoDate | None = None
    approved: bool | None = None


class SensorReading(msgspec.Struct):
    sensor_id: Id
    kind: ShortText
    value: float
    unit: ShortText | None = None
    lat: Lat | None = None
    lon: Lon | None = None


class SensorAlarm(msgspec.Struct):
    sensor_id: Id
    kind: ShortText
    level: Severity
    message: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None


DayType = Literal["working", "rest"]


class IndicatorAnomaly(msgspec.Struct):
    """The early-warning engine's finding (dashboard/detect.py): ``key`` an indicator key
    (the series is ``key`` with the envelope's street) or ``sensor:<sensor_id>``; the value,
    its expectation and usual band, the signed robust score, the level and the words."""

    key: Id
    value: float
    expected: float
    low: float
    high: float
    score: float
    level: Severity
    explanation: Text
    day_type: DayType | None = None


class IndicatorExpected(msgspec.Struct):
    """An indicator series' usual band from ``from_ts`` to ``until_ts`` (epoch ms), or
    that its baseline is still learning (``state``, ``left_s`` still needed)."""

    key: Id
    from_ts: int
    until_ts: int
    state: Literal["ready", "learning"]
    left_s: Annotated[int, msgspec.Meta(ge=0)] = 0
    expected: float | None = None
    low: float | None = None
    high: float | None = None
    day_type: DayType | None = None
    #: the next hours (the early-warning engine's ``Baseline.forecast``): [ts, expected, low,
    #: high] per step, in time order; none while learning
    forecast: Annotated[list[tuple[int, float, float, float]], msgspec.Meta(max_length=FORECAST_MAX)] = []


class SensorCleared(msgspec.Struct):
    """The sensor is back to normal: its active alarms clear (dashboard/alarm_states.py)."""

    sensor_id: Id
    message: Text | None = None


class DutyShift(msgspec.Struct):
    center: Id
    post: ShortText
    name: ShortText
    phone: ShortText | None = None
    start: ShortText | None = None
    end: ShortText | None = None


class DutyRoster(msgspec.Struct):
    """A rotation of a roster (dashboard/roster.py): one person's shift repeated by an
    RFC 5545 RRULE; the same ``rotation_id`` again replaces it."""

    rotation_id: Id
    center: Id
    post: ShortText
    name: ShortText
    dtstart: ShortText
    dtend: ShortText
    rrule: ShortText
    phone: ShortText | None = None
    until: ShortText | None = None
    days: Literal["all", "workdays", "restdays"] = "all"
    by: ShortText | None = None


class DutyOverride(msgspec.Struct):
    """One occurrence of a rotation (its start, the iCalendar RECURRENCE-ID) staffed by
    another person, optionally at other times."""

    rotation_id: Id
    occurrence: ShortText
    name: ShortText
    phone: ShortText | None = None
    start: ShortText | None = None
    end: ShortText | None = None
    by: ShortText | None = None
    reason: Text | None = None


class DutyHandover(msgspec.Struct):
    """The outgoing officer's handover (交接班) of one shift of a centre's post
    (dashboard/handover.py): ``from`` hands over to ``to``, the incoming officer."""

    handover_id: Id
    center: Id
    post: ShortText
    from_: ShortText = msgspec.field(name="from")
    to: ShortText = msgspec.field()
    shift_start: ShortText = msgspec.field()
    shift_end: ShortText = msgspec.field()
    summary: Text = msgspec.field()
    open_items: Annotated[list[Id], msgspec.Meta(max_length=500)] = msgspec.field(default_factory=list)
    notes: Text | None = None
    by: ShortText | None = None


class DutyHandoverAck(msgspec.Struct):
    """The incoming officer (``by``, the handover's ``to``) acknowledges a handover."""

    handover_id: Id
    by: ShortText
    account: ShortText | None = None


class DutySwap(msgspec.Struct):
    """The people of two occurrences exchange them."""

    rotation_id: Id
    occurrence: ShortText
    other_rotation_id: Id
    other_occurrence: ShortText
    by: ShortText | None = None
    reason: Text | None = None


class DutyCheckinRequest(msgspec.Struct):
    """A post asked to confirm presence (查岗) at ``at``, answerable until ``due``
    (dashboard/checkin.py; written by the scheduler with the id ``checkin:<centre>/<post>@<at>``)."""

    center: Id
    post: ShortText
    at: ShortText
    due: ShortText


class DutyCheckin(msgspec.Struct):
    """The post's open check-in request answered by ``name``, on duty there (确认在岗)."""

    center: Id
    post: ShortText
    name: ShortText


class AlarmAck(msgspec.Struct):
    """Acknowledge (or shelve) an alarm of the inbox: a sensor alarm (its log entry id), a
    camera offline too long (``video:<point_id>``) or an indicator in alarm
    (``indicator:<series>``)."""

    alarm_id: Id
    by: ShortText
    comment: Text | None = None
    reason: Text | None = None
    until: int | None = None  # shelved until (epoch ms)


PAYLOADS: dict[str, type[msgspec.Struct]] = {
    "video.point": VideoPoint,
    "video.status": VideoStatus,
    "indicator.value": IndicatorValue,
    "indicator.anomaly": IndicatorAnomaly,
    "indicator.expected": IndicatorExpected,
    "incident.reported": IncidentReported,
    "hotline.ticket": HotlineTicket,
    "sensor.reading": SensorReading,
    "sensor.alarm": SensorAlarm,
    "sensor.cleared": SensorCleared,
    "duty.shift": DutyShift,
    "duty.roster": DutyRoster,
    "duty.override": DutyOverride,
    "duty.swap": DutySwap,
    "duty.checkin_request": DutyCheckinRequest,
    "duty.checkin": DutyCheckin,
    "duty.handover": DutyHandover,
    "duty.handover_ack": DutyHandoverAck,
    "alarm.acknowledged": AlarmAck,
    "alarm.shelved": AlarmAck,
    "alarm.out_of_service": AlarmAck,
    "alarm.in_service": AlarmAck,
    **{f"incident.{step}": IncidentStep for step in INCIDENT_STEPS},
    **{f"hotline.{step}": HotlineStep for step in HOTLINE_STEPS},
}

ENVELOPE_FIELDS = frozenset({"type", "id", "ts", "source", "street", "crs", "data"})


class InvalidEvent(ValueError):
    """The event cannot be applied; ``str(exc)`` is the reason stored with the dead letter."""


class Event(msgspec.Struct, frozen=True):
    """A validated event.  ``ts`` is epoch milliseconds, or None when the producer gave none
    (the reducer then uses the time of the log entry)."""

    type: str
    data: dict[str, Any]
    id: str | None = None
    ts: int | None = None
    source: str | None = None
    street: str | None = None
    crs: str | None = None
    extra: dict[str, Any] = {}
    payload: Any = None  # ``data`` validated: an instance of PAYLOADS[type]


P = TypeVar("P", bound=msgspec.Struct)


def payload(event: Event, kind: type[P]) -> P:
    """The event's validated payload as ``kind`` (the reducer's typed view of ``data``;
    ``data`` itself keeps fields the payload type does not name)."""
    value = event.payload
    if not isinstance(value, kind):
        raise TypeError(f"{event.type}: payload is {type(value).__name__}, not {kind.__name__}")
    return value


def parse_ts(value: Any) -> int | None:
    """ISO-8601 with a UTC offset, or epoch milliseconds, to epoch milliseconds."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidEvent("ts must be ISO-8601 with an offset or epoch milliseconds, got a bool")
    if isinstance(value, int | float):
        if not 0 <= value < 1e14:
            raise InvalidEvent(f"ts {value!r} is not a plausible epoch-milliseconds value")
        return int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEvent(f"ts {value!r} is not ISO-8601") from None
        if moment.tzinfo is None:
            raise InvalidEvent(f"ts {value!r} has no UTC offset (write e.g. +08:00)")
        return int(moment.timestamp() * 1000)
    raise InvalidEvent(f"ts must be a string or a number, got {type(value).__name__}")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of decoded JSON, stopping early once ``limit`` is passed."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def raw_nesting_possible(obj: dict[str, Any]) -> bool:
    """Cheap pre-check: only an event whose data or extra fields hold containers can be deep."""
    return any(isinstance(v, dict | list) for v in obj["data"].values()) or any(
        isinstance(v, dict | list) for k, v in obj.items() if k not in ENVELOPE_FIELDS
    )


_decoder = msgspec.json.Decoder()


def parse_event(raw: bytes | str, max_bytes: int = 65_536) -> Event:
    """Decode and validate one event; raise InvalidEvent with the reason otherwise."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise InvalidEvent(f"event is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        obj = _decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise InvalidEvent(f"not valid JSON: {exc}") from None
    return event_from_dict(obj)


def event_from_dict(obj: Any) -> Event:
    """Validate an already-decoded envelope (see :func:`parse_event`)."""
    if not isinstance(obj, dict):
        raise InvalidEvent(f"an event must be a JSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise InvalidEvent("missing 'type' (a string such as 'video.status')")
    payload_type = PAYLOADS.get(kind)
    if payload_type is None:
        raise InvalidEvent(f"unknown event type '{kind}' (known: {', '.join(sorted(PAYLOADS))})")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise InvalidEvent(f"'data' must be an object for {kind}")
    if raw_nesting_possible(obj) and _depth(obj, MAX_DEPTH) > MAX_DEPTH:
        raise InvalidEvent(f"event is nested deeper than {MAX_DEPTH} levels")
    try:
        validated = msgspec.convert(data, payload_type)
    except msgspec.ValidationError as exc:
        raise InvalidEvent(f"{kind}: {exc}".replace("`$", "`data")) from None

    event_id = obj.get("id")
    if event_id is not None and (not isinstance(event_id, str | int) or isinstance(event_id, bool)):
        raise InvalidEvent("'id' must be a string")
    if event_id is not None and not 0 < len(str(event_id)) <= 128:
        raise InvalidEvent("'id' must be 1 to 128 characters")
    street = obj.get("street")
    if street is not None and street != "district" and street not in UNIT_CODES:
        raise InvalidEvent(
            f"unknown street '{street}' (known: district, {', '.join(sorted(UNIT_CODES))})"
        )
    crs = obj.get("crs")
    if crs is not None and crs not in CRS_NAMES:
        raise InvalidEvent(f"unknown crs '{crs}' (known: {', '.join(CRS_NAMES)})")
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise InvalidEvent("'source' must be a string")
    extra = {k: v for k, v in obj.items() if k not in ENVELOPE_FIELDS}
    return Event(
        type=kind,
        data=data,
        id=None if event_id is None else str(event_id),
        ts=parse_ts(obj.get("ts")),
        source=source,
        street=None if street == "district" else street,
        crs=crs,
        extra=extra,
        payload=validated,
    )

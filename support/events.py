"""One factory per event type: envelopes as a producer writes them (DESIGN.md, docs/events.md).

Every function returns a plain dict, ready for ``orjson.dumps`` (or :mod:`support.log`),
holding exactly what it was given: an envelope field (``event_id`` as ``id``, ``ts``,
``source``, ``street``, ``crs``) or an optional payload field left out or ``None`` is not
written, so an event without ``ts`` takes its log entry's time and one without ``id`` is
not deduplicated, as the contract says.  Required payload fields are arguments; a few
have the defaults the tests mostly use (a camera named after its id at 31.2 N 121.4 E).

Factories build valid events only: tests of refusals write their broken bytes by hand.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, Required, TypedDict

if TYPE_CHECKING:
    from typing_extensions import Unpack

VideoStatus = Literal["online", "offline", "fault"]
IncidentDomain = Literal["epidemic", "crowd", "pipeline", "waterway", "care", "antifraud", "environment",
                         "safety"]
IncidentStepName = Literal["acknowledged", "dispatched", "resolved", "verified", "closed", "noted",
                           "escalated", "reopened"]
TicketStatus = Literal["new", "dispatched", "replied", "closed"]
HotlineStepName = Literal["dispatched", "signed", "replied", "visited", "closed", "returned", "extension",
                          "reopened"]


class Envelope(TypedDict, total=False):
    """An event as written to the log (``data`` is the type's payload)."""

    type: Required[str]
    id: str
    ts: int | str
    source: str
    street: str
    crs: str
    data: Required[dict[str, Any]]


class EnvelopeFields(TypedDict, total=False):
    """The optional envelope fields every factory takes as keywords."""

    event_id: str  # written as "id"
    ts: int | str  # epoch ms, or ISO-8601 with an offset
    source: str
    street: str  # a unit code, or "district"
    crs: str


def now_ms() -> int:
    """The wall clock in epoch milliseconds (for ``ts``)."""
    return int(time.time() * 1000)


def envelope(kind: str, data: dict[str, Any], **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An event of type ``kind``; payload fields that are ``None`` are left out."""
    event: Envelope = {"type": kind, "data": {k: v for k, v in data.items() if v is not None}}
    if "event_id" in fields:
        event["id"] = fields["event_id"]
    if "ts" in fields:
        event["ts"] = fields["ts"]
    if "source" in fields:
        event["source"] = fields["source"]
    if "street" in fields:
        event["street"] = fields["street"]
    if "crs" in fields:
        event["crs"] = fields["crs"]
    return event


def video_point(point_id: str, *, name: str | None = None, lat: float = 31.2, lon: float = 121.4,
                kind: str | None = None, status: VideoStatus | None = None,
                **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A camera registered (``name`` defaults to ``point_id``)."""
    return envelope("video.point", {"point_id": point_id, "name": point_id if name is None else name,
                                    "lat": lat, "lon": lon, "kind": kind, "status": status}, **fields)


def video_status(point_id: str, status: VideoStatus, *, reason: str | None = None,
                 **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A camera's status (the same status again is a keep-alive)."""
    return envelope("video.status", {"point_id": point_id, "status": status, "reason": reason}, **fields)


def indicator_value(key: str, value: float, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A value of the catalogue's indicator ``key``; ``street`` makes it a street-level value."""
    return envelope("indicator.value", {"key": key, "value": value}, **fields)


def indicator_anomaly(key: str, value: float, *, expected: float, low: float, high: float, score: float,
                      level: int = 4, explanation: str = "偏离常态", day_type: str | None = None,
                      **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The early-warning engine's finding on a series (``key``: indicator key or ``sensor:<id>``)."""
    return envelope("indicator.anomaly", {"key": key, "value": value, "expected": expected, "low": low,
                                          "high": high, "score": score, "level": level,
                                          "explanation": explanation, "day_type": day_type}, **fields)


def indicator_expected(key: str, from_ts: int, until_ts: int, *, state: str = "ready",
                       left_s: int | None = None, expected: float | None = None, low: float | None = None,
                       high: float | None = None,
                       day_type: str | None = None, forecast: list[list[float]] | None = None,
                       **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An indicator series' usual band for a time range, or that it is still learning;
    ``forecast``: the next hours, [ts, expected, low, high] per step."""
    data: dict[str, Any] = {"key": key, "from_ts": from_ts, "until_ts": until_ts, "state": state,
                            "left_s": left_s, "expected": expected, "low": low, "high": high,
                            "day_type": day_type}
    if forecast is not None:
        data["forecast"] = forecast
    return envelope("indicator.expected", data, **fields)


def incident_reported(incident_id: str, *, domain: IncidentDomain = "safety", title: str | None = None,
                      severity: int = 2, lat: float | None = None, lon: float | None = None,
                      address: str | None = None, description: str | None = None,
                      **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A new incident (severity 1 most severe … 4; ``title`` defaults to the id)."""
    return envelope("incident.reported", {
        "incident_id": incident_id, "domain": domain, "title": incident_id if title is None else title,
        "severity": severity, "lat": lat, "lon": lon, "address": address, "description": description,
    }, **fields)


def incident_step(step: IncidentStepName, incident_id: str, *, by: str | None = None, unit: str | None = None,
                  note: str | None = None, version: int | None = None, severity: int | None = None,
                  **fields: Unpack[EnvelopeFields]) -> Envelope:
    """``incident.<step>``: a lifecycle step (``version`` it was based on, ``unit`` for a
    dispatch, ``severity`` for an escalation)."""
    return envelope(f"incident.{step}", {"incident_id": incident_id, "by": by, "unit": unit, "note": note,
                                         "version": version, "severity": severity}, **fields)


def hotline_ticket(ticket_id: str, *, category: str = "噪声", summary: str = "扰民",
                   status: TicketStatus = "new", address: str | None = None, lat: float | None = None,
                   lon: float | None = None, caller_name: str | None = None, caller_phone: str | None = None,
                   satisfied: bool | None = None, repeat_of: str | None = None,
                   urgency: int | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A 12345 citizen-hotline ticket, new or updated (``urgency`` 1 emergency … 3 normal)."""
    return envelope("hotline.ticket", {
        "ticket_id": ticket_id, "category": category, "summary": summary, "status": status,
        "address": address, "lat": lat, "lon": lon, "caller_name": caller_name,
        "caller_phone": caller_phone, "satisfied": satisfied, "repeat_of": repeat_of,
        "urgency": urgency,
    }, **fields)


def hotline_step(step: HotlineStepName, ticket_id: str, *, by: str | None = None, version: int | None = None,
                 note: str | None = None, unit: str | None = None, reply: str | None = None,
                 result: str | None = None, reason: str | None = None, until: str | None = None,
                 approved: bool | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """``hotline.<step>``: a step of the 12345 work-order flow (dashboard/hotline.py)."""
    return envelope(f"hotline.{step}", {
        "ticket_id": ticket_id, "by": by, "version": version, "note": note, "unit": unit,
        "reply": reply, "result": result, "reason": reason, "until": until, "approved": approved,
    }, **fields)


def sensor_reading(sensor_id: str, value: float, *, kind: str = "gas", unit: str | None = None,
                   lat: float | None = None, lon: float | None = None,
                   **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An IoT sensor's reading."""
    return envelope("sensor.reading", {"sensor_id": sensor_id, "kind": kind, "value": value, "unit": unit,
                                       "lat": lat, "lon": lon}, **fields)


def sensor_alarm(sensor_id: str, *, kind: str = "gas", level: int = 2, message: str | None = None,
                 lat: float | None = None, lon: float | None = None,
                 **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An IoT sensor's alarm (level 1 most severe … 4)."""
    return envelope("sensor.alarm", {"sensor_id": sensor_id, "kind": kind, "level": level,
                                     "message": message, "lat": lat, "lon": lon}, **fields)


def sensor_cleared(sensor_id: str, *, message: str | None = None,
                   **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The sensor is back to normal: its active alarms clear."""
    return envelope("sensor.cleared", {"sensor_id": sensor_id, "message": message}, **fields)


def duty_shift(center: str, post: str, name: str, *, phone: str | None = None, start: str | None = None,
               end: str | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """Who holds a duty post at a centre (``district`` or a unit code)."""
    return envelope("duty.shift", {"center": center, "post": post, "name": name, "phone": phone,
                                   "start": start, "end": end}, **fields)


def duty_roster(rotation_id: str, center: str, post: str, name: str, dtstart: str, dtend: str, rrule: str, *,
                phone: str | None = None, until: str | None = None, days: str | None = None,
                by: str | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A roster's rotation: ``name`` on ``post`` from ``dtstart`` to ``dtend``, repeated by ``rrule``."""
    return envelope("duty.roster", {"rotation_id": rotation_id, "center": center, "post": post, "name": name,
                                    "dtstart": dtstart, "dtend": dtend, "rrule": rrule, "phone": phone,
                                    "until": until, "days": days, "by": by}, **fields)


def duty_override(rotation_id: str, occurrence: str, name: str, *, phone: str | None = None,
                  start: str | None = None, end: str | None = None, by: str | None = None,
                  reason: str | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """One occurrence of a rotation (its start) staffed by ``name`` instead."""
    return envelope("duty.override", {"rotation_id": rotation_id, "occurrence": occurrence, "name": name,
                                      "phone": phone, "start": start, "end": end, "by": by,
                                      "reason": reason}, **fields)


def duty_swap(rotation_id: str, occurrence: str, other_rotation_id: str, other_occurrence: str, *,
              by: str | None = None, reason: str | None = None, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The people of two occurrences exchange them."""
    return envelope("duty.swap", {"rotation_id": rotation_id, "occurrence": occurrence,
                                  "other_rotation_id": other_rotation_id,
                                  "other_occurrence": other_occurrence, "by": by, "reason": reason},
                    **fields)


def duty_checkin_request(center: str, post: str, at: str, due: str,
                         **fields: Unpack[EnvelopeFields]) -> Envelope:
    """A post asked to confirm presence (查岗) at ``at``, answerable until ``due``; give it
    ``event_id=f"checkin:{center}/{post}@{at}"`` as the scheduler does."""
    return envelope("duty.checkin_request", {"center": center, "post": post, "at": at, "due": due}, **fields)


def duty_checkin(center: str, post: str, name: str, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The post's open check-in request answered by ``name`` (确认在岗)."""
    return envelope("duty.checkin", {"center": center, "post": post, "name": name}, **fields)
def duty_handover(handover_id: str, center: str, post: str, from_: str, to: str, shift_start: str,
                  shift_end: str, summary: str, *, open_items: list[str] | None = None,
                  notes: str | None = None, by: str | None = None,
                  **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The outgoing officer ``from_`` hands the shift of ``center``/``post`` over to ``to``."""
    return envelope("duty.handover", {"handover_id": handover_id, "center": center, "post": post,
                                      "from": from_, "to": to, "shift_start": shift_start,
                                      "shift_end": shift_end, "summary": summary,
                                      "open_items": open_items or [], "notes": notes, "by": by}, **fields)


def duty_handover_ack(handover_id: str, by: str, *, account: str | None = None,
                      **fields: Unpack[EnvelopeFields]) -> Envelope:
    """The incoming officer ``by`` acknowledges a handover."""
    return envelope("duty.handover_ack", {"handover_id": handover_id, "by": by, "account": account},
                    **fields)


def alarm_acknowledged(alarm_id: str, by: str, *, comment: str | None = None,
                       **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An alarm of the console's inbox acknowledged (``alarm_id``: a sensor alarm's event
    id, or its log entry id when it has none; ``video:<point_id>`` or ``indicator:<series>``)."""
    return envelope("alarm.acknowledged", {"alarm_id": alarm_id, "by": by, "comment": comment}, **fields)


def alarm_shelved(alarm_id: str, by: str, reason: str, until: int,
                  **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An alarm hidden until ``until`` (epoch ms), with a reason."""
    return envelope("alarm.shelved", {"alarm_id": alarm_id, "by": by, "reason": reason, "until": until},
                    **fields)


def alarm_out_of_service(alarm_id: str, by: str, reason: str,
                         **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An alarm's source taken out of service (maintenance), with a reason."""
    return envelope("alarm.out_of_service", {"alarm_id": alarm_id, "by": by, "reason": reason}, **fields)


def alarm_in_service(alarm_id: str, by: str, **fields: Unpack[EnvelopeFields]) -> Envelope:
    """An alarm's source returned to service."""
    return envelope("alarm.in_service", {"alarm_id": alarm_id, "by": by}, **fields)

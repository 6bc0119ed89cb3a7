"""Data classification, and the one projection through which records reach a screen.

Every field of every event type (:data:`CLASSIFICATION`) and of every record the reducer
keeps (:data:`RECORDS`) is one of:

* ``public``   may be shown to anyone, visitors included (in aggregates);
* ``internal`` is shown to signed-in staff and wall devices, never to visitors;
* ``text``     internal free text (titles, descriptions, notes, summaries, alarm
  messages, comments): shown like internal, after the personal data found in it
  (phones, ID numbers, house and room numbers, names) has been masked;
* ``personal`` (names and phones of 12345 callers, officers' phones, exact addresses)
  leaves only masked (:data:`MASKS`), for every role; an officer may reveal one field of
  one record with a reason, and that reveal is audited (dashboard/console_policy.py).

Masking by construction: a view, a row, a detail or an export is built by
:func:`project`, naming the fields its screen shows; what is not named is not sent (a
producer's extra fields included), and each named field leaves as its class says.  No
other module masks (how each kind of datum is masked is dashboard/masks.py, which only
this module calls); unit tests hold every payload field and every record field to a
class here, and every other module to this door.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.hotline import STEPS as HOTLINE_STEPS
from dashboard.lifecycle import STEPS
from dashboard.masks import mask_address, mask_free_text, mask_name, mask_phone, mask_surname

PUBLIC, INTERNAL, TEXT, PERSONAL = "public", "internal", "text", "personal"
CLASSES = (PUBLIC, INTERNAL, TEXT, PERSONAL)

_INCIDENT_STEP = {"incident_id": INTERNAL, "by": INTERNAL, "unit": INTERNAL, "note": TEXT,
                  "version": INTERNAL, "severity": PUBLIC}
_HOTLINE_STEP = {"ticket_id": INTERNAL, "by": INTERNAL, "version": INTERNAL, "note": TEXT,
                 "unit": INTERNAL, "reply": TEXT, "result": PUBLIC, "reason": TEXT,
                 "until": INTERNAL, "approved": INTERNAL}
_ALARM_ACK = {"alarm_id": INTERNAL, "by": INTERNAL, "comment": TEXT, "reason": TEXT,
              "until": INTERNAL}

CLASSIFICATION: dict[str, dict[str, str]] = {
    "envelope": {"type": PUBLIC, "id": INTERNAL, "ts": PUBLIC, "source": INTERNAL,
                 "street": PUBLIC, "crs": INTERNAL},
    "video.point": {"point_id": INTERNAL, "name": INTERNAL, "lat": INTERNAL, "lon": INTERNAL,
                    "kind": PUBLIC, "status": PUBLIC},
    "video.status": {"point_id": INTERNAL, "status": PUBLIC, "reason": TEXT},
    "indicator.value": {"key": PUBLIC, "value": PUBLIC},
    "indicator.anomaly": {"key": PUBLIC, "value": PUBLIC, "expected": PUBLIC, "low": PUBLIC,
                          "high": PUBLIC, "score": PUBLIC, "level": PUBLIC, "explanation": TEXT,
                          "day_type": PUBLIC},
    "indicator.expected": {"key": PUBLIC, "from_ts": PUBLIC, "until_ts": PUBLIC, "state": PUBLIC,
                           "left_s": PUBLIC, "expected": PUBLIC, "low": PUBLIC, "high": PUBLIC,
                           "day_type": PUBLIC, "forecast": PUBLIC},
    "incident.reported": {"incident_id": INTERNAL, "domain": PUBLIC, "title": TEXT,
                          "severity": PUBLIC, "lat": INTERNAL, "lon": INTERNAL,
                          "address": PERSONAL, "description": TEXT},
    **{f"incident.{step}": _INCIDENT_STEP for step in STEPS},
    "hotline.ticket": {"ticket_id": INTERNAL, "category": PUBLIC, "summary": TEXT,
                       "status": PUBLIC, "address": PERSONAL, "lat": INTERNAL, "lon": INTERNAL,
                       "caller_name": PERSONAL, "caller_phone": PERSONAL, "satisfied": PUBLIC,
                       "repeat_of": INTERNAL, "urgency": PUBLIC},
    **{f"hotline.{step}": _HOTLINE_STEP for step in HOTLINE_STEPS},
    "sensor.reading": {"sensor_id": INTERNAL, "kind": PUBLIC, "value": INTERNAL, "unit": PUBLIC,
                       "lat": INTERNAL, "lon": INTERNAL},
    "sensor.alarm": {"sensor_id": INTERNAL, "kind": PUBLIC, "level": PUBLIC, "message": TEXT,
                     "lat": INTERNAL, "lon": INTERNAL},
    "sensor.cleared": {"sensor_id": INTERNAL, "message": TEXT},
    "duty.shift": {"center": PUBLIC, "post": PUBLIC, "name": INTERNAL, "phone": PERSONAL,
                   "start": INTERNAL, "end": INTERNAL},
    "duty.roster": {"rotation_id": INTERNAL, "center": PUBLIC, "post": PUBLIC, "name": INTERNAL,
                    "phone": PERSONAL, "dtstart": INTERNAL, "dtend": INTERNAL, "rrule": INTERNAL,
                    "until": INTERNAL, "days": INTERNAL, "by": INTERNAL},
    "duty.override": {"rotation_id": INTERNAL, "occurrence": INTERNAL, "name": INTERNAL,
                      "phone": PERSONAL, "start": INTERNAL, "end": INTERNAL, "by": INTERNAL,
                      "reason": TEXT},
    "duty.swap": {"rotation_id": INTERNAL, "occurrence": INTERNAL, "other_rotation_id": INTERNAL,
                  "other_occurrence": INTERNAL, "by": INTERNAL, "reason": TEXT},
    "duty.checkin_request": {"center": PUBLIC, "post": PUBLIC, "at": INTERNAL, "due": INTERNAL},
    "duty.checkin": {"center": PUBLIC, "post": PUBLIC, "name": PERSONAL},
    "duty.handover": {"handover_id": INTERNAL, "center": PUBLIC, "post": PUBLIC, "from": PERSONAL,
                      "to": PERSONAL, "shift_start": INTERNAL, "shift_end": INTERNAL, "summary": TEXT,
                      "open_items": INTERNAL, "notes": TEXT, "by": INTERNAL},
    "duty.handover_ack": {"handover_id": INTERNAL, "by": PERSONAL, "account": INTERNAL},
    "alarm.acknowledged": _ALARM_ACK,
    "alarm.shelved": _ALARM_ACK,
    "alarm.out_of_service": _ALARM_ACK,
    "alarm.in_service": _ALARM_ACK,
}


@dataclass(frozen=True)
class Records:
    """A field holding records of another kind of :data:`RECORDS` (a list, or one record
    with ``many=False``), projected with every field of that kind."""

    kind: str
    many: bool = True


_PLACE = {"lat": INTERNAL, "lon": INTERNAL, "crs": INTERNAL, "street": PUBLIC}

#: The records of dashboard/records.py (and the audit trail's entries), field by field.
RECORDS: dict[str, dict[str, str | Records]] = {
    "camera": {"id": INTERNAL, "name": INTERNAL, "kind": PUBLIC, "status": PUBLIC, "since": INTERNAL,
               "last": INTERNAL, **_PLACE},
    "camera_status": {"ts": INTERNAL, "status": PUBLIC, "reason": TEXT},
    "incident": {"id": INTERNAL, "domain": PUBLIC, "title": TEXT, "severity": PUBLIC, "address": PERSONAL,
                 "description": TEXT, "status": PUBLIC, "version": INTERNAL, "reported": INTERNAL,
                 "updated": INTERNAL, "unit": INTERNAL, "timeline": Records("step"), **_PLACE},
    "step": {"step": PUBLIC, "ts": INTERNAL, "by": INTERNAL, "entry": INTERNAL, "unit": INTERNAL,
             "note": TEXT, "severity": PUBLIC},
    "ticket": {"id": INTERNAL, "created": INTERNAL, "closed": INTERNAL, "updated": INTERNAL,
               "status": PUBLIC, "category": PUBLIC, "summary": TEXT, "address": PERSONAL,
               "caller_name": PERSONAL, "caller_phone": PERSONAL, "satisfied": PUBLIC,
               "repeat_of": INTERNAL, "lat": INTERNAL, "lon": INTERNAL, "street": PUBLIC,
               "version": INTERNAL, "urgency": PUBLIC, "unit": INTERNAL, "reply": TEXT,
               "result": PUBLIC, "extension_requested": INTERNAL, "extended_until": INTERNAL,
               "returns": INTERNAL, "reopens": INTERNAL, "timeline": Records("ticket_step")},
    "ticket_step": {"step": PUBLIC, "ts": INTERNAL, "by": INTERNAL, "entry": INTERNAL,
                    "status": PUBLIC, "unit": INTERNAL, "note": TEXT, "reply": TEXT,
                    "result": PUBLIC, "reason": TEXT, "until": INTERNAL, "approved": INTERNAL},
    "sensor": {"id": INTERNAL, "kind": PUBLIC, "value": INTERNAL, "unit": PUBLIC, "ts": INTERNAL,
               "readings": INTERNAL, "alarm": INTERNAL, "anomaly": INTERNAL, **_PLACE},
    "alarm": {"id": INTERNAL, "sensor_id": INTERNAL, "kind": PUBLIC, "level": PUBLIC, "message": TEXT,
              "ts": INTERNAL, "acked": Records("ack", many=False), "active": PUBLIC, "since": INTERNAL,
              "cleared": INTERNAL, "reactivations": PUBLIC, "chattering": PUBLIC, "folded": INTERNAL,
              "anomaly": Records("anomaly", many=False), **_PLACE},
    "anomaly": {"key": PUBLIC, "value": PUBLIC, "expected": PUBLIC, "low": PUBLIC, "high": PUBLIC,
                "score": PUBLIC, "day_type": PUBLIC},
    # an indicator series (the console's series detail, dashboard/console.py series_detail)
    "series": {"key": PUBLIC, "street": PUBLIC, "value": PUBLIC, "ts": PUBLIC, "history": PUBLIC,
               "n": INTERNAL, "band": Records("band", many=False), "bands": PUBLIC, "anomaly": INTERNAL},
    "band": {"from": PUBLIC, "until": PUBLIC, "state": PUBLIC, "left_s": PUBLIC, "expected": PUBLIC,
             "low": PUBLIC, "high": PUBLIC},
    "ack": {"by": INTERNAL, "ts": INTERNAL, "comment": TEXT},
    "decision": {"by": INTERNAL, "ts": INTERNAL, "comment": TEXT, "reason": TEXT, "entry": INTERNAL,
                 "until": INTERNAL},
    "duty": {"center": PUBLIC, "post": PUBLIC, "name": INTERNAL, "phone": PERSONAL, "start": INTERNAL,
             "end": INTERNAL, "ts": INTERNAL},
    # a roster's shift in the console (full name, phone masked) and on the wall (surname only)
    "roster_shift": {"center": PUBLIC, "post": PUBLIC, "name": INTERNAL, "phone": PERSONAL,
                     "start": INTERNAL, "end": INTERNAL, "rotation": INTERNAL, "occurrence": INTERNAL,
                     "changed": INTERNAL},
    "roster_wall": {"center": PUBLIC, "post": PUBLIC, "surname": PERSONAL},
    "roster_gap": {"center": PUBLIC, "post": PUBLIC, "start": INTERNAL, "end": INTERNAL},
    # a check-in request (dashboard/checkin.py): who answered is personal (masked 王*)
    "checkin": {"id": INTERNAL, "center": PUBLIC, "post": PUBLIC, "at": INTERNAL, "due": INTERNAL,
                "answered_by": PERSONAL, "answered_at": INTERNAL, "ts": INTERNAL, "status": PUBLIC,
                "minutes_left": PUBLIC},
    # a handover (dashboard/handover.py HandoverRecord): the officers' names are personal
    "handover": {"id": INTERNAL, "center": PUBLIC, "post": PUBLIC, "from_name": PERSONAL,
                 "to_name": PERSONAL, "shift_start": INTERNAL, "shift_end": INTERNAL, "summary": TEXT,
                 "notes": TEXT, "open_items": INTERNAL, "by": INTERNAL, "ts": INTERNAL,
                 "acked_by": PERSONAL, "acked_ts": INTERNAL, "acked_account": INTERNAL},
    "rejection": {"entry": INTERNAL, "type": PUBLIC, "id": INTERNAL, "incident_id": INTERNAL,
                  "ticket_id": INTERNAL,
                  "by": INTERNAL, "reason": INTERNAL},
    "audit": {"id": INTERNAL, "ts": INTERNAL, "who": INTERNAL, "role": INTERNAL, "action": INTERNAL,
              "target": INTERNAL, "detail": TEXT, "outcome": INTERNAL, "ip": INTERNAL,
              "instance": INTERNAL, "detail_key": INTERNAL, "detail_values": INTERNAL,
              "count": INTERNAL},  # how many failures one rolled-up entry stands for
}

# how each personal field is masked (a personal field without a mask is withheld whole)
MASKS: dict[str, Callable[[Any], Any]] = {
    "address": mask_address,
    "caller_name": mask_name,
    "caller_phone": mask_phone,
    "phone": mask_phone,
    "name": mask_name,  # a check-in's officer (duty.checkin)
    "answered_by": mask_name,
    "surname": mask_surname,  # the wall's on-duty-now: 王**
    # handover officers (duty.handover, duty.handover_ack, the handover record): 王*
    **dict.fromkeys(("from", "to", "from_name", "to_name", "acked_by"), mask_name),
}

# which records can be revealed, and the event type whose classification they follow
REVEALABLE: dict[str, str] = {"ticket": "hotline.ticket", "incident": "incident.reported",
                              "duty": "duty.shift"}


def personal_fields(event_type: str) -> tuple[str, ...]:
    return tuple(name for name, cls in CLASSIFICATION[event_type].items() if cls == PERSONAL)


def project(kind: str, record: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The ``fields`` of ``record`` (a record of ``kind``) that a screen shows, each as
    its class allows: personal fields masked, free text scanned and masked, nothing
    else.  ``fields`` None: every classified field.  A field that :data:`RECORDS` does not
    classify for ``kind`` cannot be asked for (KeyError), so it cannot slip out."""
    table = RECORDS[kind]
    out: dict[str, Any] = {}
    for name in table if fields is None else fields:
        cls = table[name]
        value = record.get(name)
        if isinstance(cls, Records):
            if value is None:
                out[name] = None
            elif cls.many:
                out[name] = [project(cls.kind, item) for item in value]
            else:
                out[name] = project(cls.kind, value)
        elif cls == TEXT:
            out[name] = mask_free_text(value)
        elif cls == PERSONAL:
            mask = MASKS.get(name)
            out[name] = mask(value) if mask else None
        else:
            out[name] = value
    return out


def can_reveal(kind: str, field: str) -> bool:
    event_type = REVEALABLE.get(kind)
    return event_type is not None and CLASSIFICATION[event_type].get(field) == PERSONAL

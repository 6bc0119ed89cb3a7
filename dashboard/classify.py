"""Data classification: every field of every event type is public, internal or personal.

This table is the one place that says so.  What leaves the process follows from it:

* ``public``   may be shown to anyone, visitors included (in aggregates);
* ``internal`` is shown to signed-in staff and wall devices, never to visitors;
* ``personal`` (names and phones of 12345 callers, officers' phones, exact addresses)
  leaves only masked (:data:`MASKS`), for every role; an officer may reveal one field of
  one record with a reason, and that reveal is audited (callbacks/console.py).

A unit test checks that every field of every payload in :mod:`dashboard.events` is
classified here, so a new field cannot slip out unclassified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboard.lifecycle import STEPS

PUBLIC, INTERNAL, PERSONAL = "public", "internal", "personal"

_INCIDENT_STEP = {"incident_id": INTERNAL, "by": INTERNAL, "unit": INTERNAL, "note": INTERNAL,
                  "version": INTERNAL, "severity": PUBLIC}
_ALARM_ACK = {"alarm_id": INTERNAL, "by": INTERNAL, "comment": INTERNAL, "reason": INTERNAL,
              "until": INTERNAL}

CLASSIFICATION: dict[str, dict[str, str]] = {
    "envelope": {"type": PUBLIC, "id": INTERNAL, "ts": PUBLIC, "source": INTERNAL,
                 "street": PUBLIC, "crs": INTERNAL},
    "video.point": {"point_id": INTERNAL, "name": INTERNAL, "lat": INTERNAL, "lon": INTERNAL,
                    "kind": PUBLIC, "status": PUBLIC},
    "video.status": {"point_id": INTERNAL, "status": PUBLIC, "reason": INTERNAL},
    "indicator.value": {"key": PUBLIC, "value": PUBLIC},
    "incident.reported": {"incident_id": INTERNAL, "domain": PUBLIC, "title": INTERNAL,
                          "severity": PUBLIC, "lat": INTERNAL, "lon": INTERNAL,
                          "address": PERSONAL, "description": INTERNAL},
    **{f"incident.{step}": _INCIDENT_STEP for step in STEPS},
    "hotline.ticket": {"ticket_id": INTERNAL, "category": PUBLIC, "summary": INTERNAL,
                       "status": PUBLIC, "address": PERSONAL, "lat": INTERNAL, "lon": INTERNAL,
                       "caller_name": PERSONAL, "caller_phone": PERSONAL, "satisfied": PUBLIC,
                       "repeat_of": INTERNAL},
    "sensor.reading": {"sensor_id": INTERNAL, "kind": PUBLIC, "value": INTERNAL, "unit": PUBLIC,
                       "lat": INTERNAL, "lon": INTERNAL},
    "sensor.alarm": {"sensor_id": INTERNAL, "kind": PUBLIC, "level": PUBLIC, "message": INTERNAL,
                     "lat": INTERNAL, "lon": INTERNAL},
    "duty.shift": {"center": PUBLIC, "post": PUBLIC, "name": INTERNAL, "phone": PERSONAL,
                   "start": INTERNAL, "end": INTERNAL},
    "alarm.acknowledged": _ALARM_ACK,
    "alarm.shelved": _ALARM_ACK,
}


def mask_phone(phone: str | None) -> str | None:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """张*, 欧阳** : keep the first character."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


_ROAD_ENDS = ("大道", "路", "街", "巷", "弄", "道")


def mask_address(address: str | None) -> str | None:
    """An exact address cut to its road: 长宁区天山路123号5室 → 长宁区天山路***."""
    if not address:
        return address
    cut = -1
    for end in _ROAD_ENDS:
        found = address.find(end)
        if found != -1 and (cut == -1 or found + len(end) < cut):
            cut = found + len(end)
    if cut == -1 or cut >= len(address):
        return address[: max(1, len(address) // 2)] + "***"
    return address[:cut] + "***"


# how each personal field is masked (a personal field without a mask is withheld whole)
MASKS: dict[str, Callable[[Any], Any]] = {
    "address": mask_address,
    "caller_name": mask_name,
    "caller_phone": mask_phone,
    "phone": mask_phone,
}

# which records can be revealed, and the event type whose classification they follow
REVEALABLE: dict[str, str] = {"ticket": "hotline.ticket", "incident": "incident.reported",
                              "duty": "duty.shift"}


def personal_fields(event_type: str) -> tuple[str, ...]:
    return tuple(name for name, cls in CLASSIFICATION[event_type].items() if cls == PERSONAL)


def mask_personal(record: dict[str, Any], event_type: str) -> dict[str, Any]:
    """A copy of ``record`` with every personal field of ``event_type`` masked."""
    out = dict(record)
    for name in personal_fields(event_type):
        if name in out:
            mask = MASKS.get(name)
            out[name] = mask(out[name]) if mask else None
    return out


def can_reveal(kind: str, field: str) -> bool:
    event_type = REVEALABLE.get(kind)
    return event_type is not None and CLASSIFICATION[event_type].get(field) == PERSONAL

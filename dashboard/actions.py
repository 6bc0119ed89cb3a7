"""What officers do: incident lifecycle steps and alarm acknowledgements, as log events.

An action is checked against the current state first (an invalid transition is refused
at once, with its reason, and nothing is written); then it is appended to the log with
who did it and the version it was based on, and we wait until this instance has applied
it.  The reducer is the judge: if another officer's action on the same incident reached
the log first, ours is refused there with a version conflict, identically on every
instance, and the officer is told what happened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from dashboard import clock
from dashboard.lifecycle import STEP_OF_VERB, refusal

if TYPE_CHECKING:
    from dashboard.runtime import Runtime



@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    entry: str | None = None
    version: int | None = None


async def incident_action(runtime: Runtime, user: str, incident_id: str, verb: str, *,
                          version: int | None, unit: str | None = None, note: str | None = None,
                          severity: int | None = None, role: str = "officer", ip: str = "") -> Outcome:
    """Take ``verb`` on an incident as ``user``; the Outcome says whether it stood.  Every
    attempt, taken or refused, is audited."""
    outcome = await _incident_action(runtime, user, incident_id, verb, version=version, unit=unit,
                                     note=note, severity=severity)
    await runtime.auditor.record(f"incident.{verb}", user, role, target=f"incident:{incident_id}",
                                 detail=outcome.message if not outcome.ok else (unit or note or ""),
                                 outcome="ok" if outcome.ok else "refused", ip=ip)
    return outcome


async def _incident_action(runtime: Runtime, user: str, incident_id: str, verb: str, *,
                           version: int | None, unit: str | None, note: str | None,
                           severity: int | None) -> Outcome:
    step = STEP_OF_VERB.get(verb)  # type: ignore[call-overload]
    if step is None:
        return Outcome(False, f"unknown action '{verb}'")
    incident = runtime.state.incidents.get(incident_id)
    if incident is None:
        return Outcome(False, f"incident {incident_id} is not known")
    if step == "dispatched" and not unit:
        return Outcome(False, "choose a unit to dispatch to")
    if step == "noted" and not (note or "").strip():
        return Outcome(False, "a note needs text")
    reason = refusal(incident, step, version, severity)
    if reason:
        return Outcome(False, reason, version=incident["version"])
    data: dict[str, Any] = {"incident_id": incident_id, "by": user, "version": version}
    for name, value in (("unit", unit), ("note", note), ("severity", severity)):
        if value:
            data[name] = value
    event = {"type": f"incident.{step}", "id": f"act-{uuid.uuid4().hex}", "source": "console",
             "ts": clock.now_ms(), "street": incident["street"], "data": data}
    return await _write_and_judge(runtime, event, incident_id)


async def alarm_action(runtime: Runtime, user: str, alarm_key: str, verb: str, *,
                       comment: str | None = None, reason: str | None = None,
                       shelve_minutes: float | None = None, role: str = "officer",
                       ip: str = "") -> Outcome:
    """Acknowledge (with a comment) or shelve (with a reason, for a time) an inbox alarm;
    audited like incident actions."""
    outcome = await _alarm_action(runtime, user, alarm_key, verb, comment=comment, reason=reason,
                                  shelve_minutes=shelve_minutes)
    await runtime.auditor.record(f"alarm.{verb}", user, role, target=f"alarm:{alarm_key}",
                                 detail=outcome.message if not outcome.ok else (comment or reason or ""),
                                 outcome="ok" if outcome.ok else "refused", ip=ip)
    return outcome


async def _alarm_action(runtime: Runtime, user: str, alarm_key: str, verb: str, *,
                        comment: str | None, reason: str | None,
                        shelve_minutes: float | None) -> Outcome:
    now = clock.now_ms()
    data: dict[str, Any] = {"alarm_id": alarm_key, "by": user}
    if verb == "acknowledge":
        kind = "alarm.acknowledged"
        if comment:
            data["comment"] = comment
    elif verb == "shelve":
        if not (reason or "").strip() or not shelve_minutes or shelve_minutes <= 0:
            return Outcome(False, "shelving needs a reason and a duration")
        kind = "alarm.shelved"
        data.update(reason=reason, until=now + int(shelve_minutes * 60_000))
    else:
        return Outcome(False, f"unknown action '{verb}'")
    event = {"type": kind, "id": f"act-{uuid.uuid4().hex}", "source": "console", "ts": now,
             "data": data}
    return await _write_and_judge(runtime, event, None)


async def _write_and_judge(runtime: Runtime, event: dict[str, Any],
                           incident_id: str | None) -> Outcome:
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return Outcome(False, "written, but not yet applied here after 5 s: check again",
                       entry=entry)
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    if rejection is not None:
        incident = runtime.state.incidents.get(incident_id or "")
        current = incident["version"] if incident is not None else None
        return Outcome(False, rejection["reason"], entry=entry, version=current)
    version = runtime.state.incidents[incident_id]["version"] if incident_id else None
    return Outcome(True, "done", entry=entry, version=version)

"""What officers do: incident lifecycle steps, 12345 ticket steps and alarm
acknowledgements, as log events.

An action is checked against the current state first (an invalid transition is refused
at once, with its reason, and nothing is written); then it is appended to the log with
who did it and the version it was based on, and we wait until this instance has applied
it.  The reducer is the judge: if another officer's action on the same incident reached
the log first, ours is refused there with a version conflict, identically on every
instance, and the officer is told what happened.

A refused action says why with a :class:`~dashboard.lifecycle.Refusal` (a reason code of
dashboard/i18n.py and its values): the console shows it in the officer's language
(:meth:`Outcome.says`), the audit trail keeps the code, its values and the English text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from dashboard import clock, hotline
from dashboard.i18n import say
from dashboard.inbox import alarm_exists
from dashboard.lifecycle import STEP_OF_VERB, Refusal, why_refused

if TYPE_CHECKING:
    from dashboard.runtime import Runtime



@dataclass(frozen=True)
class Outcome:
    """What an action came to: it stood (``ok``), or ``refused`` with its reason."""

    ok: bool
    refused: Refusal | None = None
    entry: str | None = None
    version: int | None = None

    @property
    def message(self) -> str:
        """The log's English text: "done" or the reason."""
        return "done" if self.refused is None else str(self.refused)

    def says(self, strings: dict[str, str]) -> str:
        """The reason in the language of ``strings`` (dashboard/i18n.py ``client_strings``)."""
        return "" if self.refused is None else say(strings, self.refused.key, self.refused.values)


def _refused(code: str, entry: str | None = None, version: int | None = None, **values: Any) -> Outcome:
    return Outcome(False, Refusal(code, values), entry=entry, version=version)


async def _audit(runtime: Runtime, action: str, user: str, role: str, target: str, outcome: Outcome,
                 detail: str, ip: str) -> None:
    """Every attempt, taken (with what the officer wrote) or refused (with the reason's code)."""
    if outcome.refused is not None:
        await runtime.auditor.record(action, user, role, target=target, detail_key=outcome.refused.key,
                                     detail_values=outcome.refused.values, outcome="refused", ip=ip)
    else:
        await runtime.auditor.record(action, user, role, target=target, detail=detail, outcome="ok", ip=ip)


async def incident_action(runtime: Runtime, user: str, incident_id: str, verb: str, *,
                          version: int | None, unit: str | None = None, note: str | None = None,
                          severity: int | None = None, role: str = "officer", ip: str = "") -> Outcome:
    """Take ``verb`` on an incident as ``user``; the Outcome says whether it stood.  Every
    attempt, taken or refused, is audited."""
    outcome = await _incident_action(runtime, user, incident_id, verb, version=version, unit=unit,
                                     note=note, severity=severity)
    await _audit(runtime, f"incident.{verb}", user, role, f"incident:{incident_id}", outcome,
                 unit or note or "", ip)
    return outcome


async def _incident_action(runtime: Runtime, user: str, incident_id: str, verb: str, *,
                           version: int | None, unit: str | None, note: str | None,
                           severity: int | None) -> Outcome:
    step = STEP_OF_VERB.get(verb)  # type: ignore[call-overload]
    if step is None:
        return _refused("unknown_action", verb=verb)
    incident = runtime.state.incidents.get(incident_id)
    if incident is None:
        return _refused("unknown_incident", id=incident_id)
    if step == "dispatched" and not unit:
        return _refused("no_unit")
    if unit and unit not in runtime.console.dispatch_units:  # only the configured units
        return _refused("unknown_unit", unit=unit[:60])
    if step == "noted" and not (note or "").strip():
        return _refused("no_note")
    reason = why_refused(incident, step, version, severity)
    if reason:
        return Outcome(False, reason, version=incident["version"])
    data: dict[str, Any] = {"incident_id": incident_id, "by": user, "version": version}
    for name, value in (("unit", unit), ("note", note), ("severity", severity)):
        if value:
            data[name] = value
    event = {"type": f"incident.{step}", "id": f"act-{uuid.uuid4().hex}", "source": "console",
             "ts": clock.now_ms(), "street": incident["street"], "data": data}
    return await _write_and_judge(runtime, event, incident_id, step, version, severity)


async def alarm_action(runtime: Runtime, user: str, alarm_key: str, verb: str, *,
                       comment: str | None = None, reason: str | None = None,
                       shelve_minutes: float | None = None, role: str = "officer",
                       ip: str = "") -> Outcome:
    """Acknowledge (with a comment), shelve (with a reason, for a time), take out of service
    (with a reason) or return to service an inbox alarm (dashboard/alarm_states.py);
    audited like incident actions."""
    outcome = await _alarm_action(runtime, user, alarm_key, verb, comment=comment, reason=reason,
                                  shelve_minutes=shelve_minutes)
    await _audit(runtime, f"alarm.{verb}", user, role, f"alarm:{alarm_key}", outcome,
                 comment or reason or "", ip)
    return outcome


async def _alarm_action(runtime: Runtime, user: str, alarm_key: str, verb: str, *,
                        comment: str | None, reason: str | None,
                        shelve_minutes: float | None) -> Outcome:
    now = clock.now_ms()
    if not alarm_exists(runtime.state, alarm_key, runtime.sources):
        return _refused("unknown_alarm", key=alarm_key[:80])
    data: dict[str, Any] = {"alarm_id": alarm_key, "by": user}
    if verb == "acknowledge":
        kind = "alarm.acknowledged"
        if comment:
            data["comment"] = comment
    elif verb == "shelve":
        if not (reason or "").strip() or not shelve_minutes or shelve_minutes <= 0:
            return _refused("shelve_needs")
        kind = "alarm.shelved"
        data.update(reason=reason, until=now + int(shelve_minutes * 60_000))
    elif verb == "out_of_service":
        if not (reason or "").strip():
            return _refused("out_of_service_needs")
        kind = "alarm.out_of_service"
        data["reason"] = reason
    elif verb == "in_service":
        kind = "alarm.in_service"
    else:
        return _refused("unknown_action", verb=verb)
    event = {"type": kind, "id": f"act-{uuid.uuid4().hex}", "source": "console", "ts": now,
             "data": data}
    return await _write_and_judge(runtime, event, None, None, None, None)


async def ticket_action(runtime: Runtime, user: str, ticket_id: str, verb: str, *,
                        version: int | None, unit: str | None = None, text: str | None = None,
                        result: str | None = None, until: str | None = None,
                        approved: bool | None = None, role: str = "officer", ip: str = "") -> Outcome:
    """Take a step of the 12345 work-order flow (dashboard/hotline.py) on a ticket as
    ``user``: ``unit`` to dispatch, ``text`` the reply, the reason (return, reopen) or a
    note, ``result`` of a callback, ``until`` an extension's date, ``approved`` the
    extension's decision.  Checked, written, judged by the reducer; every attempt,
    taken or refused, is audited.  The console and the phone app both call this."""
    outcome = await _ticket_action(runtime, user, ticket_id, verb, version=version, unit=unit, text=text,
                                   result=result, until=until, approved=approved)
    detail = unit or until or text or result or ("" if approved is None else f"approved={approved}")
    await _audit(runtime, f"ticket.{verb}", user, role, f"ticket:{ticket_id}", outcome, detail, ip)
    return outcome


async def ticket_refused(runtime: Runtime, user: str, ticket_id: str, verb: str, code: str, *,
                         role: str = "officer", ip: str = "", version: int | None = None,
                         values: dict[str, Any] | None = None) -> Outcome:
    """A ticket step refused before the flow is asked (the phone's checks: a ticket not at
    the officer's units, a text too long), audited like :func:`ticket_action`'s refusals."""
    outcome = _refused(code, version=version, **(values or {}))
    await _audit(runtime, f"ticket.{verb}", user, role, f"ticket:{ticket_id}", outcome, "", ip)
    return outcome


async def _ticket_action(runtime: Runtime, user: str, ticket_id: str, verb: str, *,
                         version: int | None, unit: str | None, text: str | None, result: str | None,
                         until: str | None, approved: bool | None) -> Outcome:
    step = hotline.STEP_OF_VERB.get(verb)  # type: ignore[call-overload]
    if step is None:
        return _refused("unknown_action", verb=verb[:40])
    ticket = runtime.state.tickets.get(ticket_id)
    if ticket is None:
        return _refused("unknown_ticket", id=ticket_id[:80])
    data: dict[str, Any] = {"ticket_id": ticket_id, "by": user, "version": version}
    if verb == "dispatch":
        data["unit"] = unit
    elif verb == "visit":
        data["result"] = result
    elif verb == "extend":
        data["until"] = until
    elif verb == "decide":
        if approved is None:
            return _refused("ticket_extension_needs")
        data["approved"] = approved
    if (text or "").strip():
        data[hotline.TEXT_FIELD.get(verb, "note")] = text
    reason = hotline.why_refused(ticket, step, data)
    if reason:
        return Outcome(False, reason, version=ticket["version"])
    event: dict[str, Any] = {"type": f"hotline.{step}", "id": f"act-{uuid.uuid4().hex}", "source": "console",
                             "ts": clock.now_ms(), "data": {k: v for k, v in data.items() if v is not None}}
    if ticket.get("street"):
        event["street"] = ticket["street"]
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return _refused("not_applied", entry=entry)
    now = runtime.state.tickets.get(ticket_id)
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    if rejection is not None:  # another step reached the log first: explained against the ticket now
        again = hotline.why_refused(now, step, data) if now is not None else None
        return Outcome(False, again or Refusal("superseded"), entry=entry,
                       version=now["version"] if now is not None else None)
    return Outcome(True, entry=entry, version=now["version"] if now is not None else None)


async def _write_and_judge(runtime: Runtime, event: dict[str, Any], incident_id: str | None,
                           step: str | None, version: int | None, severity: int | None) -> Outcome:
    """Append ``event`` and wait for the reducer's verdict on it.

    A step the reducer refused (another officer's step reached the log first) is
    explained against the incident as it is now, which the officer will see next; the
    reducer's own words stay in ``state.rejections`` and the log."""
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return _refused("not_applied", entry=entry)
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    incident = runtime.state.incidents.get(incident_id or "")
    if rejection is not None:
        reason = why_refused(incident, step, version, severity) if incident and step else None
        current = incident["version"] if incident is not None else None
        return Outcome(False, reason or Refusal("superseded"), entry=entry, version=current)
    return Outcome(True, entry=entry, version=incident["version"] if incident is not None else None)

"""Roster edits from the console (add a rotation, an override, a swap) as audited log events.

Who may edit a centre's roster (:func:`may_edit`): an admin any centre's; an officer the
centre of their scope ("centre lead": a street officer their unit's, an officer of the
whole district the district centre's).  An edit is checked against the roster as it
stands (a copy of its tables: nothing is written when it would be refused), appended to
the log, and judged by the reducer (another edit may have reached the log first); every
attempt, taken or refused, is audited as ``roster.<verb>``.  A refusal's reason is the
model's English text (dashboard/roster.py), inside a translated sentence.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import orjson

from dashboard import clock
from dashboard.actions import Outcome
from dashboard.auth import Principal
from dashboard.events import InvalidEvent, event_from_dict
from dashboard.lifecycle import Refusal
from dashboard.state import Changes, State, apply

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

VERBS = ("rotation", "override", "swap")


def may_edit(principal: Principal, center: str) -> bool:
    """Admins edit every centre's roster; an officer the centre of their own scope."""
    if principal.role == "admin":
        return True
    if not principal.can("act"):
        return False
    return center == (principal.scope or "district")


def _refused(code: str, **values: Any) -> Outcome:
    return Outcome(False, Refusal(code, values))


def _centre_of(runtime: Runtime, rotation_id: str) -> str | None:
    rotation = runtime.state.roster["rotations"].get(rotation_id)
    return rotation["center"] if rotation is not None else None


def build_event(verb: str, fields: dict[str, Any], user: str) -> tuple[dict[str, Any] | None, str | None]:
    """The event of an edit (its ``data`` from the form's ``fields``) and the centre it
    concerns for a rotation; (None, None) for an unknown verb."""
    text = {k: (str(v).strip() if v is not None else "") for k, v in fields.items()}
    if verb == "rotation":
        data = {"rotation_id": text.get("rotation_id") or f"console-{uuid.uuid4().hex[:12]}",
                "center": text.get("center", ""), "post": text.get("post", ""), "name": text.get("name", ""),
                "phone": text.get("phone") or None, "dtstart": text.get("start", ""),
                "dtend": text.get("end", ""), "rrule": text.get("rrule") or "FREQ=DAILY",
                "until": text.get("until") or None, "by": user}
        kind = "duty.roster"
    elif verb == "override":
        rotation_id, _, occurrence = text.get("occurrence", "").rpartition("@")
        data = {"rotation_id": rotation_id, "occurrence": occurrence, "name": text.get("name", ""),
                "phone": text.get("phone") or None, "by": user, "reason": text.get("reason") or None}
        kind = "duty.override"
    elif verb == "swap":
        first, _, at = text.get("occurrence", "").rpartition("@")
        second, _, other = text.get("other", "").rpartition("@")
        data = {"rotation_id": first, "occurrence": at, "other_rotation_id": second,
                "other_occurrence": other, "by": user, "reason": text.get("reason") or None}
        kind = "duty.swap"
    else:
        return None, None
    return {"type": kind, "data": {k: v for k, v in data.items() if v is not None}}, data.get("center")


async def roster_action(runtime: Runtime, principal: Principal, verb: str, fields: dict[str, Any], *,
                        ip: str = "") -> Outcome:
    """Make one roster edit as ``principal``; the Outcome says whether it stood.  Audited."""
    outcome, target = await _roster_action(runtime, principal, verb, fields)
    if outcome.refused is not None:
        await runtime.auditor.record(f"roster.{verb}", principal.name, principal.role, target=target,
                                     detail_key=outcome.refused.key, detail_values=outcome.refused.values,
                                     outcome="refused", ip=ip)
    else:
        await runtime.auditor.record(f"roster.{verb}", principal.name, principal.role, target=target,
                                     detail=orjson.dumps(fields).decode()[:500], outcome="ok", ip=ip)
    return outcome


async def _roster_action(runtime: Runtime, principal: Principal, verb: str,
                         fields: dict[str, Any]) -> tuple[Outcome, str]:
    event, center = build_event(verb, fields, principal.name)
    if event is None:
        return _refused("unknown_action", verb=verb[:40]), "roster"
    data = event["data"]
    if verb != "rotation":
        center = _centre_of(runtime, data["rotation_id"])
        if center is None:
            return _refused("roster", reason=f"no rotation '{data['rotation_id'][:80]}'"), "roster"
    target = f"roster:{center}"
    if not may_edit(principal, center or ""):
        return _refused("roster_scope", center=center or "?"), target
    if verb == "swap" and _centre_of(runtime, data["other_rotation_id"]) not in (center, None) \
            and principal.role != "admin":
        return _refused("roster_scope", center=_centre_of(runtime, data["other_rotation_id"]) or "?"), target
    try:
        parsed = event_from_dict(event)
    except InvalidEvent as exc:
        return _refused("roster", reason=str(exc)[:300]), target
    trial = State(roster={"rotations": dict(runtime.state.roster["rotations"]),
                          "changes": dict(runtime.state.roster["changes"])})
    apply(trial, "0-1", parsed, Changes())
    if trial.rejections:
        return _refused("roster", reason=trial.rejections[-1]["reason"][:300]), target
    event.update(id=f"act-{uuid.uuid4().hex}", source="console", ts=clock.now_ms())
    if center and center != "district":
        event["street"] = center
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return _refused("not_applied", entry=entry), target
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    if rejection is not None:
        return Outcome(False, Refusal("roster", {"reason": rejection["reason"][:300]}), entry=entry), target
    return Outcome(True, entry=entry), target

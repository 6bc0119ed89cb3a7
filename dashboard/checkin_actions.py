"""Confirming presence (确认在岗) from the console or the phone, as an audited log event.

``confirm(runtime, principal, request_id)``: the signed-in officer (the ``act``
permission) answers one open check-in request of a post they are on duty at — the user
name is the roster's person (dashboard/checkin_view.py).  Checked against the state as it
stands first (nothing is written when the reducer would refuse it), appended as
``duty.checkin``, then judged by the reducer (the request may have become due meanwhile);
every attempt, taken or refused, is audited as ``checkin.confirm``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import orjson

from dashboard import clock
from dashboard.actions import Outcome
from dashboard.auth import Principal
from dashboard.events import event_from_dict
from dashboard.lifecycle import Refusal
from dashboard.state import Changes, State, apply

if TYPE_CHECKING:
    from dashboard.runtime import Runtime


async def confirm(runtime: Runtime, principal: Principal, request_id: str, *, ip: str = "") -> Outcome:
    """Answer ``request_id`` as ``principal``; the Outcome says whether it stood.  Audited."""
    outcome = await _confirm(runtime, principal, request_id)
    target = f"checkin:{request_id.rpartition('@')[0][:120]}"
    if outcome.refused is not None:
        await runtime.auditor.record("checkin.confirm", principal.name, principal.role, target=target,
                                     detail_key=outcome.refused.key, detail_values=outcome.refused.values,
                                     outcome="refused", ip=ip)
    else:
        await runtime.auditor.record("checkin.confirm", principal.name, principal.role, target=target,
                                     detail=request_id[:200], outcome="ok", ip=ip)
    return outcome


def _refused(code: str, **values: str) -> Outcome:
    return Outcome(False, Refusal(code, values))


async def _confirm(runtime: Runtime, principal: Principal, request_id: str) -> Outcome:
    if not principal.can("act"):
        return _refused("checkin_none")
    request = runtime.state.checkins["requests"].get(request_id)
    if request is None:
        return _refused("checkin_none")
    now = clock.now_ms()
    event = {"type": "duty.checkin", "id": f"act-{uuid.uuid4().hex}", "source": "console", "ts": now,
             "data": {"center": request["center"], "post": request["post"], "name": principal.on_roster}}
    if request["center"] != "district":
        event["street"] = request["center"]
    trial = State(roster=runtime.state.roster,
                  checkins={"requests": {request_id: dict(request)}})  # type: ignore[dict-item]
    apply(trial, "0-1", event_from_dict(event), Changes())
    if trial.rejections:
        return _refused("checkin", reason=trial.rejections[-1]["reason"][:300])
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return Outcome(False, Refusal("not_applied", {"entry": entry}), entry=entry)
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    if rejection is not None:
        return Outcome(False, Refusal("checkin", {"reason": rejection["reason"][:300]}), entry=entry)
    return Outcome(True, entry=entry)


"""Handovers from the console (交接班): the draft of an officer's shift, the submission and
the incoming officer's acknowledgement, as audited log events.

Who: an admin for every centre; an officer (the ``act`` permission) for the centre of their
scope (a street officer their unit's, an officer of the whole district the district
centre's), as for roster edits (dashboard/roster_actions.py ``may_edit``).  Each action is
checked against the state as it stands (a copy: nothing is written when the reducer would
refuse it, and the reason is shown), appended to the log, and judged by the reducer; every
attempt is audited as ``handover.submit`` / ``handover.ack``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson

from dashboard import clock, handover, roster
from dashboard.actions import Outcome
from dashboard.auth import Principal
from dashboard.events import InvalidEvent, event_from_dict
from dashboard.lifecycle import Refusal
from dashboard.roster_actions import may_edit
from dashboard.sources import alarming, health
from dashboard.state import Changes, State, apply
from dashboard.workdays import DeadlineRule

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

SHIFTS_BACK_H = 16  # the shifts offered for a handover: running now or ended this long ago


def _refused(code: str, **values: Any) -> Outcome:
    return Outcome(False, Refusal(code, values))


def shift_value(shift: roster.Shift) -> str:
    """One shift as the console's choice value: ``centre|post|name|start|end``."""
    return "|".join(
        (shift.center, shift.post, shift.name, roster.stamp(shift.start), roster.stamp(shift.end))
    )


def parse_shift_value(value: str | None) -> dict[str, str] | None:
    parts = (value or "").split("|")
    if len(parts) != 5 or not all(parts):
        return None
    return dict(zip(("center", "post", "name", "start", "end"), parts, strict=True))


def handover_shifts(tables: roster.Tables, now_ms: int, street: str | None) -> list[roster.Shift]:
    """The shifts a handover may be written for now: running, or ended within
    :data:`SHIFTS_BACK_H` hours, of the district centre and the scope's street (newest first)."""
    now = clock.beijing(now_ms)
    found = roster.shifts(tables, now - timedelta(hours=SHIFTS_BACK_H), now + timedelta(seconds=1))
    centres = {"district", street} if street else None
    return sorted(
        (s for s in found if s.start <= now and (centres is None or s.center in centres)),
        key=lambda s: (-s.end.timestamp(), s.center, s.post, s.name),
    )


def incoming(tables: roster.Tables, center: str, post: str, end_iso: str) -> list[str]:
    """Who is on duty at ``center``/``post`` when the shift ends (the incoming officers)."""
    end = clock.parse_local(end_iso)
    if end is None:
        return []
    return sorted(
        {
            s.name
            for s in roster.shifts(tables, end, end + timedelta(seconds=1))
            if (s.center, s.post) == (center, post) and s.start <= end < s.end
        }
    )


def overdue_tickets(runtime: Runtime, now_ms: int) -> dict[str, str | None]:
    """Open 12345 tickets past their deadline (the same rule as the wall's figures)."""
    out: dict[str, str | None] = {}
    for tid, ticket in runtime.state.tickets.items():
        if (
            ticket.get("closed") is None
            and DeadlineRule.flag(runtime.deadlines.of(ticket), now_ms) == "overdue"
        ):
            out[tid] = ticket.get("street")
    return out


def silent_sources(runtime: Runtime, now_ms: int) -> list[str]:
    return [
        item["name_zh"] for item in health(runtime.state.sources, runtime.sources, now_ms) if alarming(item)
    ]


def draft_for(
    runtime: Runtime, value: str | None, notes: str = "", lang: str = "zh"
) -> dict[str, Any] | None:
    """The draft of the chosen shift (``value``: :func:`shift_value`) with its text, and
    the incoming officers; None for no shift."""
    chosen = parse_shift_value(value)
    start = clock.parse_local(chosen["start"]) if chosen else None
    end = clock.parse_local(chosen["end"]) if chosen else None
    if chosen is None or start is None or end is None:
        return None
    now = clock.now_ms()
    got = handover.draft(
        runtime.state,
        chosen["center"],
        int(start.timestamp() * 1000),
        int(end.timestamp() * 1000),
        now,
        overdue=overdue_tickets(runtime, now),
        silent=silent_sources(runtime, now),
        notes=notes,
    )
    return {
        **got,
        "text": handover.summary_text(got, lang),
        "incoming": incoming(runtime.state.roster, chosen["center"], chosen["post"], chosen["end"]),
    }


async def _append(runtime: Runtime, event: dict[str, Any], center: str) -> Outcome:
    event.update(id=f"act-{uuid.uuid4().hex}", source="console", ts=clock.now_ms())
    if center != "district":
        event["street"] = center
    try:
        parsed = event_from_dict(event)
    except InvalidEvent as exc:
        return _refused("handover", reason=str(exc)[:300])
    trial = State(roster=runtime.state.roster, handovers=dict(runtime.state.handovers))
    if parsed.type == "duty.handover_ack":  # the ack writes into the record: copy the one concerned
        hid = parsed.data.get("handover_id")
        if hid in trial.handovers:
            trial.handovers[hid] = {**trial.handovers[hid]}
    apply(trial, "0-1", parsed, Changes())
    if trial.rejections:
        return _refused("handover", reason=trial.rejections[-1]["reason"][:300])
    entry = await runtime.bus.append(orjson.dumps(event))
    if not await runtime.replica.wait_applied(entry, timeout=5.0):
        return Outcome(False, Refusal("not_applied", {"entry": entry}), entry=entry)
    rejection = next((r for r in reversed(runtime.state.rejections) if r["entry"] == entry), None)
    if rejection is not None:
        return Outcome(False, Refusal("handover", {"reason": rejection["reason"][:300]}), entry=entry)
    return Outcome(True, entry=entry)


async def submit_handover(
    runtime: Runtime,
    principal: Principal,
    shift: str | None,
    to: str | None,
    summary: str | None,
    *,
    ip: str = "",
) -> Outcome:
    """The outgoing officer's handover of the chosen shift to ``to``.  Audited."""
    chosen = parse_shift_value(shift)
    target = f"handover:{chosen['center']}" if chosen else "handover"
    if chosen is None:
        outcome = _refused("handover", reason="no shift chosen")
    elif not may_edit(principal, chosen["center"]):
        outcome = _refused("handover_scope", center=chosen["center"])
    elif not (summary or "").strip():
        outcome = _refused("handover", reason="the summary is empty")
    else:
        got = draft_for(runtime, shift)
        event = {
            "type": "duty.handover",
            "data": {
                "handover_id": f"ho-{uuid.uuid4().hex[:16]}",
                "center": chosen["center"],
                "post": chosen["post"],
                "from": chosen["name"],
                "to": (to or "").strip(),
                "shift_start": chosen["start"],
                "shift_end": chosen["end"],
                "summary": (summary or "").strip()[:4000],
                "open_items": got["open_items"] if got else [],
                "by": principal.name,
            },
        }
        outcome = await _append(runtime, event, chosen["center"])
    await _audit(runtime, "handover.submit", principal, target, outcome, {"shift": shift, "to": to}, ip)
    return outcome


async def acknowledge_handover(
    runtime: Runtime, principal: Principal, handover_id: str | None, name: str | None, *, ip: str = ""
) -> Outcome:
    """The incoming officer (``name``, who must be the handover's ``to``) acknowledges it.  Audited."""
    record = runtime.state.handovers.get(handover_id or "")
    target = f"handover:{record['center']}" if record else "handover"
    if record is None:
        outcome = _refused("handover", reason=f"no handover '{(handover_id or '')[:80]}'")
    elif not may_edit(principal, record["center"]):
        outcome = _refused("handover_scope", center=record["center"])
    else:
        event = {
            "type": "duty.handover_ack",
            "data": {"handover_id": record["id"], "by": (name or "").strip(), "account": principal.name},
        }
        outcome = await _append(runtime, event, record["center"])
    await _audit(runtime, "handover.ack", principal, target, outcome, {"handover_id": handover_id}, ip)
    return outcome


async def _audit(
    runtime: Runtime,
    action: str,
    principal: Principal,
    target: str,
    outcome: Outcome,
    detail: dict[str, Any],
    ip: str,
) -> None:
    if outcome.refused is not None:
        await runtime.auditor.record(
            action,
            principal.name,
            principal.role,
            target=target,
            detail_key=outcome.refused.key,
            detail_values=outcome.refused.values,
            outcome="refused",
            ip=ip,
        )
    else:
        await runtime.auditor.record(
            action,
            principal.name,
            principal.role,
            target=target,
            detail=orjson.dumps(detail).decode()[:500],
            outcome="ok",
            ip=ip,
        )


def handover_log(
    state: State,
    *,
    center: str | None = None,
    text: str = "",
    day: str = "",
    street: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The handover log, newest first, as a screen shows it (classify's ``handover``:
    names masked, free text scanned): filtered by centre, a text in the summary, notes or
    centre/post, and a day (``YYYY-MM-DD``, Beijing, of the shift's start or of the
    submission); an officer of one street sees the district centre's and theirs."""
    from dashboard.classify import project

    needle = text.strip().lower()
    out: list[dict[str, Any]] = []
    for record in sorted(state.handovers.values(), key=lambda r: r["ts"], reverse=True):
        if street and record["center"] not in ("district", street):
            continue
        if center and record["center"] != center:
            continue
        if day and not (record["shift_start"].startswith(day) or clock.beijing_day(record["ts"]) == day):
            continue
        shown = project("handover", record)
        if (
            needle
            and needle
            not in " ".join(
                str(shown.get(k) or "") for k in ("summary", "notes", "center", "post", "id")
            ).lower()
        ):
            continue
        out.append(shown)
        if len(out) >= limit:
            break
    return out

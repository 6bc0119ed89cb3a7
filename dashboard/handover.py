"""Handover (交接班, issue 16 part 2): the model and the draft, pure (no Redis, no clock).

* :func:`submit` and :func:`acknowledge` are the reducer's rules for ``duty.handover`` and
  ``duty.handover_ack`` (dashboard/state.py calls them): the reason of a refusal, or None
  after the record was written.  A handover is refused when its officer (``from``) has no
  shift of that centre and post starting at ``shift_start`` (ending at ``shift_end``), when
  it comes before that shift starts or more than :data:`LATE_MS` after it ended, when the
  incoming officer (``to``) is not on duty at that post when the shift ends, or when its
  id was submitted before.  An acknowledgement is refused for an unknown handover, by
  anyone but its incoming officer, and a second time.
* :func:`draft` is what the system proposes for a shift: cases opened and closed in it,
  open cases and active alarms now, overdue 12345 tickets, silent sources, the notes.
* :func:`unacknowledged` lists the handovers waiting longer than the limit (the inbox's
  ``handover:<centre>`` alarm).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from dashboard import alarm_states, lifecycle, roster
from dashboard.clock import beijing, parse_local

HANDOVERS_KEPT = 5_000  # the oldest go first (the archive keeps every event)
LATE_MS = 4 * 3_600_000  # a handover may come up to 4 h after its shift ended
OPEN_ITEMS_MAX = 500


class HandoverRecord(TypedDict):
    id: str
    center: str
    post: str
    from_name: str
    to_name: str
    shift_start: str
    shift_end: str
    summary: str
    notes: str | None
    open_items: list[str]
    by: str | None  # the account that submitted it
    ts: int
    acked_by: str | None
    acked_ts: int | None
    acked_account: str | None


def _shift_of(tables: roster.Tables, center: str, post: str, name: str, start: datetime,
              end: datetime) -> roster.Shift | None:
    for shift in roster.shifts(tables, start, start + timedelta(seconds=1)):
        if (shift.center, shift.post, shift.name, shift.start) == (center, post, name, start):
            return shift if shift.end == end else None
    return None


def submit(handovers: dict[str, HandoverRecord], tables: roster.Tables, record: HandoverRecord) -> str | None:
    """Add a handover; the reason when it is refused (nothing changes then)."""
    if record["id"] in handovers:
        return f"handover {record['id'][:80]} was submitted before"
    if not roster.known_center(record["center"]):
        return f"unknown centre '{record['center'][:40]}'"
    start, end = parse_local(record["shift_start"]), parse_local(record["shift_end"])
    if start is None or end is None or end <= start:
        return f"the shift {record['shift_start'][:40]}–{record['shift_end'][:40]} is no shift"
    where = f"{record['center']}/{record['post']}"
    shift = _shift_of(tables, record["center"], record["post"], record["from_name"], start, end)
    if shift is None:
        return (f"{record['from_name']} is not on duty at {where} "
                f"{roster.stamp(start)}–{roster.stamp(end)}")
    moment = beijing(record["ts"])
    if moment < shift.start:
        return f"the shift at {where} has not started ({roster.stamp(shift.start)})"
    if moment > shift.end + timedelta(milliseconds=LATE_MS):
        return f"the shift at {where} ended at {roster.stamp(shift.end)}, too long ago for its handover"
    incoming = {s.name for s in roster.shifts(tables, end, end + timedelta(seconds=1))
                if (s.center, s.post) == (record["center"], record["post"]) and s.start <= end < s.end}
    if record["to_name"] not in incoming:
        return (f"{record['to_name']} is not on duty at {where} at {roster.stamp(end)}"
                + (f" (on duty: {', '.join(sorted(incoming))})" if incoming else " (no one is)"))
    handovers[record["id"]] = record
    while len(handovers) > HANDOVERS_KEPT:
        del handovers[next(iter(handovers))]
    return None


def acknowledge(handovers: dict[str, HandoverRecord], handover_id: str, by: str, ts: int,
                account: str | None = None) -> str | None:
    """The incoming officer acknowledges a handover; the reason when it is refused."""
    record = handovers.get(handover_id)
    if record is None:
        return f"no handover '{handover_id[:80]}'"
    if record["acked_by"] is not None:
        return f"handover {handover_id[:80]} was acknowledged already by {record['acked_by']}"
    if by != record["to_name"]:
        return f"only the incoming officer {record['to_name']} may acknowledge it, not {by[:40]}"
    record["acked_by"], record["acked_ts"], record["acked_account"] = by, ts, account
    return None


def unacknowledged(handovers: Mapping[str, HandoverRecord], now_ms: int,
                   limit_min: float) -> list[HandoverRecord]:
    """The handovers not acknowledged ``limit_min`` minutes after they were submitted,
    newest per centre only (the inbox has one alarm per centre), oldest first."""
    newest: dict[str, HandoverRecord] = {}
    for record in handovers.values():
        if record["acked_by"] is None and now_ms - record["ts"] >= limit_min * 60_000:
            held = newest.get(record["center"])
            if held is None or record["ts"] >= held["ts"]:
                newest[record["center"]] = record
    return sorted(newest.values(), key=lambda r: r["ts"])


# ---------------------------------------------------------------- the draft


def _in_centre(street: str | None, center: str) -> bool:
    return center == "district" or street == center


def _closed_at(incident: Mapping[str, Any]) -> int | None:
    """When the incident was (last) closed, if it is closed now."""
    if incident["status"] != "closed":
        return None
    times = [e.get("ts", 0) for e in incident.get("timeline", ()) if e.get("step") == "closed"]
    return max(times) if times else incident["updated"]


def draft(state: Any, center: str, start_ms: int, end_ms: int, now_ms: int, *,
          overdue: Mapping[str, str | None] | None = None, silent: Iterable[str] = (),
          notes: str = "") -> dict[str, Any]:
    """The handover draft of ``center``'s shift [start_ms, end_ms) as of ``now_ms``.

    ``state`` is the replica's (dashboard/state.py State); ``overdue`` the open 12345 tickets
    past their deadline (ticket id → street, dashboard/figures.py ``Figures.overdue``);
    ``silent`` the feeding systems silent now (dashboard/sources.py).  A street centre sees
    its street's cases, the district centre every one.  ``open_items``: the open incidents,
    the active alarms and the overdue tickets (ids), what the incoming officer takes over."""
    incidents = [i for i in state.incidents.values() if _in_centre(i.get("street"), center)]
    opened = sorted(i["id"] for i in incidents if start_ms <= i["reported"] < end_ms)
    closed = sorted(i["id"] for i in incidents
                    if (at := _closed_at(i)) is not None and start_ms <= at < end_ms)
    open_now = sorted(i["id"] for i in incidents if i["status"] in lifecycle.OPEN)
    tickets = [t for t in state.tickets.values() if _in_centre(t.get("street"), center)]
    tickets_opened = sorted(t["id"] for t in tickets if start_ms <= t.get("created", -1) < end_ms)
    tickets_closed = sorted(t["id"] for t in tickets
                            if t.get("closed") is not None and start_ms <= t["closed"] < end_ms)
    alarms = sorted(a["id"] for a in state.alarms.values()
                    if _in_centre(a.get("street"), center) and a.get("active", True)
                    and alarm_states.alarm_state(a) != "normal")
    late = sorted(tid for tid, street in (overdue or {}).items() if _in_centre(street, center))
    quiet = sorted(silent)
    return {
        "center": center, "start": start_ms, "end": end_ms, "as_of": now_ms,
        "incidents_opened": opened, "incidents_closed": closed, "incidents_open": open_now,
        "tickets_opened": tickets_opened, "tickets_closed": tickets_closed,
        "alarms_active": alarms, "tickets_overdue": late, "sources_silent": quiet,
        "notes": notes.strip(),
        "open_items": (open_now + alarms + late)[:OPEN_ITEMS_MAX],
    }


def summary_text(draft_: Mapping[str, Any], lang: str = "zh", limit: int = 10) -> str:
    """The draft as the text the officer edits: one line per part, ids listed (up to
    ``limit`` per line, then how many more)."""
    from dashboard.i18n import t

    sep, colon = ("、", "：") if lang == "zh" else (", ", ": ")
    lines = [t("handover.draft_head", lang, start=_hm(draft_["start"]), end=_hm(draft_["end"]))]
    for key in DRAFT_PARTS:
        items = list(draft_[key])
        line = t(f"handover.line.{key}", lang, n=len(items))
        if items:
            line += colon + sep.join(items[:limit])
            if len(items) > limit:
                line += t("handover.more", lang, n=len(items) - limit)
        lines.append(line)
    if draft_["notes"]:
        lines.append(t("handover.notes_line", lang) + colon + draft_["notes"])
    return "\n".join(lines)


DRAFT_PARTS = ("incidents_opened", "incidents_closed", "incidents_open", "alarms_active",
               "tickets_opened", "tickets_closed", "tickets_overdue", "sources_silent")


def _hm(ms: int) -> str:
    return beijing(ms).strftime("%m-%d %H:%M")

"""The 12345 work orders on an officer's phone (``/console/m``): whose tickets, in which
order, and what the page shows of one.  Pure: the state, the user's record of the users
file, the deadline rule and ``now`` come in; no I/O (the routes are dashboard/phone_api.py).

*My units* (:func:`units_of`): the user's ``unit`` (users file) if set; else, for a
street officer (``scope`` a street code), the street's code and its centre's name (the
two names a ticket is dispatched to a street by, dashboard/hotline.py ``UNITS_KNOWN``);
else (the district, no unit) None: every open ticket.

The list (:func:`ticket_list`): the open tickets dispatched to or signed by my units
(the district: every open ticket), overdue first, then near-due, then the rest, each
group by its deadline (earliest first); only the page asked for is projected (masked by
dashboard/classify.py as the console's table is).  The detail (:func:`ticket_card`) is
the console drawer's projection, its timeline, and the buttons the officer may take now
(:data:`PHONE_BUTTONS` ∩ ``hotline.allowed_buttons``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard import hotline
from dashboard.classify import project
from dashboard.clock import clock_text
from dashboard.i18n import t, unit_label, unit_name
from dashboard.state import State
from dashboard.units import UNIT_CODES, UNIT_NAMES
from dashboard.workdays import Deadline, DeadlineRule

#: The steps an officer takes on the phone, in the order of its bottom bar.
PHONE_BUTTONS = hotline.PHONE_BUTTONS
#: The states in which a ticket is at a unit (dispatched to it, or signed by it).
AT_UNIT: frozenset[str] = frozenset({"dispatched", "signed"})
#: The longest text (reply, reason, note) the phone accepts, as the console's text box.
TEXT_MAX = 4000
#: The longest page of the list.
PAGE_MAX = 200

LIST_FIELDS = ("id", "category", "summary", "status", "street", "urgency", "unit", "version")
DETAIL_FIELDS = ("id", "category", "status", "created", "street", "caller_name", "caller_phone",
                 "address", "summary", "version", "urgency", "unit", "reply", "result",
                 "extension_requested", "extended_until", "timeline")
_FLAG_ORDER = {"overdue": 0, "near": 1}
TEXTS = ("reply", "reason", "note")  # what an officer wrote at a step


def units_of(user: Mapping[str, Any] | None, scope: str | None) -> frozenset[str] | None:
    """The units whose tickets a user works on (None: every open ticket of the district)."""
    unit = (user or {}).get("unit")
    if unit:
        return frozenset({str(unit)})
    if scope in UNIT_CODES:
        return frozenset({scope, t("dispatch.centre", "zh", name=UNIT_NAMES[scope][0])})
    return None


def is_mine(ticket: Mapping[str, Any], units: frozenset[str] | None, scope: str | None) -> bool:
    """Whether the officer may open and act on ``ticket``: it is at one of ``units`` (its
    ``unit``, whatever its state), or, for the district (``units`` None), in their scope."""
    if units is None:
        return scope is None or ticket.get("street") == scope
    return ticket.get("unit") in units


def is_listed(ticket: Mapping[str, Any], units: frozenset[str] | None, scope: str | None) -> bool:
    """Whether ``ticket`` is in the officer's list: open, theirs, and (for a unit) still to
    be done there (dispatched or signed; a replied ticket waits for the dispatcher's callback)."""
    status = ticket.get("status")
    if status not in hotline.OPEN or not is_mine(ticket, units, scope):
        return False
    return units is None or status in AT_UNIT


def ticket_list(state: State, units: frozenset[str] | None, scope: str | None, now: int,
                deadlines: DeadlineRule, lang: str, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """One page of my open tickets by deadline, and how many there are."""
    keyed: list[tuple[int, int, str, Any, Any]] = []
    dues: dict[tuple[Any, ...], Deadline | None] = {}
    for ticket in state.tickets.values():
        if not is_listed(ticket, units, scope):
            continue
        due = _deadline(deadlines, ticket, dues)
        flag = DeadlineRule.flag(due, now)
        keyed.append((_FLAG_ORDER.get(flag or "", 2), due.due_ms if due is not None else 2**62,
                      ticket["id"], ticket, due))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    offset, limit = max(0, offset), max(1, min(limit, PAGE_MAX))
    rows = []
    for _, _, _, ticket, due in keyed[offset:offset + limit]:
        row = project("ticket", ticket, LIST_FIELDS)
        flag = DeadlineRule.flag(due, now)
        rows.append({**row, "street_name": unit_name(row["street"], lang) if row["street"] else "—",
                     "status_text": t(f"hotline.status.{row['status']}", lang),
                     "deadline": due.day if due is not None else None, "flag": flag,
                     "flag_text": t(f"ticket.flag.{flag}", lang) if flag else ""})
    return {"rows": rows, "total": len(keyed), "offset": offset, "limit": limit}


_BEIJING_MS = 8 * 3_600_000  # UTC+8 all year (no daylight saving since 1991)
_DAY_MS = 86_400_000


def _deadline(rule: DeadlineRule, ticket: Mapping[str, Any], seen: dict[tuple[Any, ...], Deadline | None]
              ) -> Deadline | None:
    """``rule.of(ticket)``, computed once per registration day, urgency and extension: a
    deadline depends on nothing else, and 5,000 tickets have a few dozen of those (the
    calendar walk is most of the list's cost otherwise)."""
    created = ticket.get("created")
    if created is None or ticket.get("status") == "closed":
        return rule.of(ticket)
    key = ((created + _BEIJING_MS) // _DAY_MS, ticket.get("urgency"), ticket.get("extended_until"))
    if key not in seen:
        seen[key] = rule.of(ticket)
    return seen[key]


def ticket_card(state: State, ticket_id: str, now: int, deadlines: DeadlineRule,
                lang: str) -> dict[str, Any] | None:
    """One ticket as the phone shows it (masked as the console's drawer), or None."""
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        return None
    card = project("ticket", ticket, DETAIL_FIELDS)
    due = deadlines.of(ticket)
    flag = DeadlineRule.flag(due, now)
    allowed = set(hotline.allowed_buttons(ticket))
    steps = []
    for step in card.get("timeline") or []:
        words = [unit_label(step["unit"], lang) if step.get("unit") else None,
                 t(f"hotline.result.{step['result']}", lang) if step.get("result") else None,
                 step.get("until"),
                 None if step.get("approved") is None
                 else t("ticket.approved" if step["approved"] else "ticket.denied", lang)]
        steps.append({"when": clock_text(step.get("ts")), "by": step.get("by") or "",
                      "step_text": t(f"ticket.step.{step['step']}", lang)
                      if f"ticket.step.{step['step']}" in _STEP_KEYS else step["step"],
                      "words": " · ".join(w for w in words if w),
                      "text": "\n".join(step[name] for name in TEXTS if step.get(name))})
    return {
        **{k: v for k, v in card.items() if k != "timeline"},
        "street_name": unit_name(card["street"], lang) if card.get("street") else "—",
        "created_text": clock_text(card.get("created")),
        "status_text": t(f"hotline.status.{card['status']}", lang),
        "urgency_text": t(f"ticket.urgency.{card['urgency']}", lang)
        if card.get("urgency") in hotline.URGENCIES else "",
        "unit_text": unit_label(card.get("unit"), lang) if card.get("unit") else "",
        "result_text": t(f"hotline.result.{card['result']}", lang) if card.get("result") else "",
        "deadline": due.day if due is not None else None, "flag": flag,
        "flag_text": t(f"ticket.flag.{flag}", lang) if flag else "",
        "timeline": steps,
        "buttons": [b for b in PHONE_BUTTONS if b in allowed],
    }


_STEP_KEYS = frozenset(f"ticket.step.{s}" for s in ("registered", "status", *hotline.STEPS))

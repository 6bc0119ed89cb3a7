"""The 12345 work-order flow (受理 → 派单 → 签收 → 办结 → 回访 → 结案): the one home of its
steps, the console's verbs for them, what may follow what, and why a step is refused.
No I/O, no clock: the reducer (dashboard/state.py) judges ``hotline.<step>`` events with
:func:`why_refused` identically on every instance; officers' actions (dashboard/actions.py)
check the same function before writing, and the console shows :func:`allowed_verbs`.

States: ``registered`` (a new ticket, or one a unit returned: the dispatcher's) →
``dispatched`` (to a unit) → ``signed`` (the unit took it) → ``replied`` (办结, reply text) →
``visited`` (回访 with a result) → ``closed``.  ``returned`` (退单) sends a dispatched or
signed ticket back to ``registered`` with a reason; ``reopened`` (重办) after an
unsatisfied visit sends it back to ``dispatched`` (to the same unit); ``extension`` (延期)
is a request (``until``) and then a decision (``approved``) that leave the state alone.

A v1 producer's ``hotline.ticket`` with a ``status`` for a known ticket is the 12345
system's own word and is taken as it comes (:data:`V1_STATUS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from dashboard.lifecycle import Refusal
from dashboard.units import UNIT_CODES, UNITS

#: Where a ticket can be; the flow's order.
Status = Literal["registered", "dispatched", "signed", "replied", "visited", "closed"]
#: The steps that follow the registration (event type ``hotline.<step>``).
Step = Literal["dispatched", "signed", "replied", "visited", "closed", "returned", "extension",
               "reopened"]
#: What an officer does; ``extend`` asks for more time, ``decide`` grants or refuses it.
Verb = Literal["dispatch", "sign", "reply", "visit", "close", "return", "extend", "decide", "reopen"]
#: A callback's result (回访).
Result = Literal["satisfied", "basic", "unsatisfied"]
#: Urgency: 1 emergency (紧急), 2 urgent (急), 3 normal (普通).
Urgency = Literal[1, 2, 3]

FLOW: tuple[Status, ...] = get_args(Status)
STEPS: tuple[Step, ...] = get_args(Step)
VERBS: tuple[Verb, ...] = get_args(Verb)
RESULTS: tuple[Result, ...] = get_args(Result)
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
OPEN: frozenset[Status] = frozenset(FLOW) - {"closed"}

STEP_OF_VERB: dict[Verb, Step] = {
    "dispatch": "dispatched", "sign": "signed", "reply": "replied", "visit": "visited",
    "close": "closed", "return": "returned", "extend": "extension", "decide": "extension",
    "reopen": "reopened",
}

#: The states each step may be taken from.
TRANSITIONS: dict[Step, frozenset[Status]] = {
    "dispatched": frozenset({"registered", "dispatched"}),
    "signed": frozenset({"dispatched"}),
    "replied": frozenset({"signed"}),
    "visited": frozenset({"replied"}),
    "closed": frozenset({"visited"}),
    "returned": frozenset({"dispatched", "signed"}),
    "extension": frozenset({"dispatched", "signed"}),
    "reopened": frozenset({"visited"}),
}
_STATUS_AFTER: dict[Step, Status | None] = {
    "returned": "registered", "reopened": "dispatched", "extension": None,
}

#: v1 ``hotline.ticket`` statuses (the 12345 system's word) and the state each one means.
V1Status = Literal["new", "dispatched", "replied", "closed"]
V1_STATUSES: tuple[V1Status, ...] = get_args(V1Status)
V1_STATUS: dict[str, Status] = {status: "registered" if status == "new" else status
                                for status in V1_STATUSES}


def _packaged_units() -> frozenset[str]:
    """The units a ticket may be dispatched to: the street codes, the street centres and
    the packaged console's departments (the reducer's list is the packaged one, so every
    instance judges alike whatever a district's console file adds)."""
    from dashboard.catalogue import read_toml
    from dashboard.i18n import t

    packaged = Path(__file__).resolve().parent / "data" / "console.toml"
    departments = read_toml(packaged, "the console configuration").get("dispatch_units", [])
    centres = {t("dispatch.centre", "zh", name=zh) for _, zh, _ in UNITS}
    return frozenset(departments) | centres | UNIT_CODES


UNITS_KNOWN: frozenset[str] = _packaged_units()


def status_after(step: Step, status: Status) -> Status:
    """The state a ticket in ``status`` has after ``step``."""
    after = _STATUS_AFTER.get(step, step)
    return status if after is None else after  # type: ignore[return-value]


#: The log's wording of the reasons (English and stable: ``state.rejections``).
LOG_TEXT: dict[str, str] = {
    "ticket_conflict": "version conflict: ticket {id} is at version {current} ({ticket_state}), "
                       "the step was based on version {based}",
    "ticket_not_from": "cannot {ticket_verb} a ticket that is {ticket_state}",
    "ticket_unknown_unit": "no such unit to dispatch to: {unit}",
    "ticket_no_unit": "dispatching needs a unit",
    "ticket_needs_result": "a callback needs a result (satisfied, basic or unsatisfied)",
    "ticket_reopen_needs": "only a ticket whose callback was unsatisfied can be reopened",
    "ticket_no_request": "there is no extension request to decide on",
    "ticket_request_pending": "an extension request is already waiting for a decision",
    "ticket_extension_needs": "an extension step needs a date (until) or a decision (approved)",
    "ticket_needs_reason": "{ticket_verb} needs a reason",
    "ticket_needs_reply": "a reply needs text",
    "ticket_bad_until": "an extension needs a real date (YYYY-MM-DD), not {until}",
}


class TicketRefusal(Refusal):
    """A :class:`~dashboard.lifecycle.Refusal` worded by :data:`LOG_TEXT` for the log."""

    def __str__(self) -> str:
        return LOG_TEXT[self.code].format(**self.values) if self.code in LOG_TEXT else super().__str__()


def _no(code: str, **values: Any) -> TicketRefusal:
    return TicketRefusal(code, values)


def why_refused(ticket: Mapping[str, Any], step: str, data: Mapping[str, Any]) -> Refusal | None:
    """Why ``step`` (with its payload ``data``) may not be taken on ``ticket`` now, or None.

    ``data["version"]`` is the ticket version the step was based on (absent: not checked).
    """
    version, current = data.get("version"), ticket.get("version", 1)
    if version is not None and version != current:
        return _no("ticket_conflict", id=ticket["id"], current=current,
                   ticket_state=ticket["status"], based=version)
    allowed = TRANSITIONS.get(step)  # type: ignore[call-overload]
    if allowed is None:
        return _no("unknown_step", step=step)
    verb = _verb(step, data)
    if ticket["status"] not in allowed:
        return _no("ticket_not_from", ticket_verb=verb, ticket_state=ticket["status"])
    if step == "dispatched":
        unit = data.get("unit")
        if not unit:
            return _no("ticket_no_unit")
        if unit not in UNITS_KNOWN:
            return _no("ticket_unknown_unit", unit=str(unit)[:60])
    if step == "replied" and not str(data.get("reply") or "").strip():
        return _no("ticket_needs_reply")
    if step in ("returned", "reopened") and not str(data.get("reason") or "").strip():
        return _no("ticket_needs_reason", ticket_verb=verb)
    if step == "visited" and data.get("result") not in RESULTS:
        return _no("ticket_needs_result")
    if step == "reopened" and ticket.get("result") != "unsatisfied":
        return _no("ticket_reopen_needs")
    if step == "extension":
        pending = ticket.get("extension_requested")
        if data.get("approved") is not None:
            if not pending:
                return _no("ticket_no_request")
        elif data.get("until"):
            if pending:
                return _no("ticket_request_pending")
            if not _is_date(str(data["until"])):
                return _no("ticket_bad_until", until=str(data["until"])[:20])
        else:
            return _no("ticket_extension_needs")
    return None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _verb(step: str, data: Mapping[str, Any]) -> str:
    if step == "extension":
        return "decide" if data.get("approved") is not None else "extend"
    return next(v for v, s in STEP_OF_VERB.items() if s == step)


def refusal(ticket: Mapping[str, Any], step: str, data: Mapping[str, Any]) -> str | None:
    """:func:`why_refused` as the log's text."""
    reason = why_refused(ticket, step, data)
    return None if reason is None else str(reason)


def allowed_verbs(ticket: Mapping[str, Any]) -> tuple[Verb, ...]:
    """The verbs the flow allows on ``ticket`` now, in button order."""
    status = ticket.get("status")
    pending = bool(ticket.get("extension_requested"))
    out: list[Verb] = []
    for verb in VERBS:
        step = STEP_OF_VERB[verb]
        if status not in TRANSITIONS[step]:
            continue
        if (verb == "extend" and pending) or (verb == "decide" and not pending):
            continue
        if verb == "reopen" and ticket.get("result") != "unsatisfied":
            continue
        out.append(verb)
    return tuple(out)


def state_of_v1(status: str) -> Status:
    """The state a v1 ``hotline.ticket`` status stands for."""
    return V1_STATUS[status]


#: The console's buttons (and the phone's): one per verb, the extension decision as two.
Button = Literal["dispatch", "sign", "reply", "visit", "close", "return", "extend", "approve", "deny",
                 "reopen"]
BUTTONS: tuple[Button, ...] = get_args(Button)


#: The buttons of the officers' phone page (dashboard/phone.py), in the order of its bottom
#: bar: a unit's own steps (签收, 办结, 退单, 延期).
PHONE_BUTTONS: tuple[Button, ...] = ("sign", "reply", "return", "extend")


#: The payload field an officer's text fills, per verb (a note for the others).
TEXT_FIELD: dict[str, str] = {"reply": "reply", "return": "reason", "reopen": "reason"}


def verb_of_button(button: str) -> tuple[Verb | None, bool | None]:
    """The verb a button takes and, for the extension decision, whether it approves."""
    if button in ("approve", "deny"):
        return "decide", button == "approve"
    return (button, None) if button in VERBS else (None, None)


def allowed_buttons(ticket: Mapping[str, Any]) -> tuple[Button, ...]:
    """The buttons :func:`allowed_verbs` allows on ``ticket`` now, in button order."""
    verbs = set(allowed_verbs(ticket))
    return tuple(b for b in BUTTONS if verb_of_button(b)[0] in verbs)


#: The work plan's four themes (epidemic control, property management, livelihoods,
#: construction) and the simulator's categories (dashboard/simulator_vocab.py) in each;
#: a category of no theme is counted on its own.
THEMES: dict[str, tuple[str, ...]] = {
    "epidemic": ("疫情防控",),
    "property": ("物业管理",),
    "livelihoods": ("养老服务", "消费维权", "公共设施"),
    "construction": ("建设施工",),
}
THEME_OF_CATEGORY: dict[str, str] = {c: theme for theme, cats in THEMES.items() for c in cats}

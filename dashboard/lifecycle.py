"""The incident case flow (发现 → 立案 → 派单 → 处置 → 核查 → 结案): the one home of its steps,
the console's verbs for them, what may follow what, and why a step is refused.  No I/O.

The reducer (dashboard/state.py) judges steps with :func:`refusal`; officers' actions
(dashboard/actions.py) check the same function before writing; the console shows the
buttons :func:`allowed_verbs` returns.  Nothing else may list steps, verbs or
transitions: ``tests/unit/test_one_home.py`` fails on a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from dashboard.i18n import message

#: Where an incident can be; the flow's order.
Status = Literal["reported", "acknowledged", "dispatched", "resolved", "verified", "closed"]
#: The lifecycle steps that follow ``incident.reported`` (event type ``incident.<step>``).
Step = Literal["acknowledged", "dispatched", "resolved", "verified", "closed",
               "noted", "escalated", "reopened"]
#: What an officer does (the console's buttons), one per step.
Verb = Literal["acknowledge", "dispatch", "resolve", "verify", "close", "reopen", "escalate", "note"]

FLOW: tuple[Status, ...] = get_args(Status)
STEPS: tuple[Step, ...] = get_args(Step)
VERBS: tuple[Verb, ...] = get_args(Verb)

STEP_OF_VERB: dict[Verb, Step] = {
    "acknowledge": "acknowledged", "dispatch": "dispatched", "resolve": "resolved",
    "verify": "verified", "close": "closed", "reopen": "reopened", "escalate": "escalated",
    "note": "noted",
}
VERB_OF_STEP: dict[Step, Verb] = {step: verb for verb, step in STEP_OF_VERB.items()}

#: Cases still in the flow (the console lists them first and counts them as open).
OPEN: frozenset[Status] = frozenset(FLOW) - {"closed"}

#: The statuses each step may be taken from.
TRANSITIONS: dict[Step, frozenset[Status]] = {
    "acknowledged": frozenset({"reported"}),
    "dispatched": frozenset({"acknowledged", "dispatched"}),
    "resolved": frozenset({"dispatched"}),
    "verified": frozenset({"resolved"}),
    "closed": frozenset({"verified"}),
    "reopened": frozenset({"resolved", "verified", "closed"}),
    "escalated": frozenset({"reported", "acknowledged", "dispatched", "resolved", "verified"}),
    "noted": frozenset(FLOW),
}
#: The status a step leads to (None: the status stays as it was).
_STATUS_AFTER: dict[Step, Status | None] = {"reopened": "acknowledged", "escalated": None, "noted": None}

#: The deadline stages of an open case (dashboard/data/console.toml has minutes for each)
#: and the stage an incident in each status is waiting for.
Stage = Literal["acknowledge", "dispatch", "resolve"]
STAGES: tuple[Stage, ...] = get_args(Stage)
STAGE_OF_STATUS: dict[Status, Stage] = {
    "reported": "acknowledge", "acknowledged": "dispatch", "dispatched": "resolve",
}


def status_after(step: Step, status: Status) -> Status:
    """The status an incident in ``status`` has after ``step``."""
    after = _STATUS_AFTER.get(step, step)
    return status if after is None else after  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action or a step is refused: a reason ``code`` and the ``values`` it names.

    People read it in their language: ``refusal.<code>`` of dashboard/i18n.py, filled by
    ``i18n.say`` (which shows a status, verb or severity by its label).  ``str()`` is the
    log's English text (the reducer's rejection reason, the audit trail's ``detail``)."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The message key of dashboard/i18n.py."""
        return f"refusal.{self.code}"

    def __str__(self) -> str:
        if self.code in LOG_TEXT:
            return LOG_TEXT[self.code].format(**self.values)
        return message(self.key, self.values, "en")


#: The log's wording of the case flow's reasons (English and stable: ``state.rejections``,
#: the /live protocol); other reasons are logged with their English label.
LOG_TEXT: dict[str, str] = {
    "conflict": "version conflict: incident {id} is at version {current} ({status}), "
                "the action was based on version {based}",
    "unknown_step": "unknown step '{step}'",
    "not_from": "cannot {verb} an incident that is {status}",
    "escalate_needs": "escalation needs a severity more severe than {severity}",
}


def why_refused(incident: Mapping[str, Any], step: str, version: int | None,
                severity: int | None = None) -> Refusal | None:
    """Why ``step`` may not be applied to ``incident`` now, or None when it may.

    ``version`` is the incident version the step was based on (None: not checked);
    ``severity`` the new severity of an escalation.
    """
    if version is not None and version != incident["version"]:
        return Refusal("conflict", {"id": incident["id"], "current": incident["version"],
                                    "status": incident["status"], "based": version})
    allowed = TRANSITIONS.get(step)  # type: ignore[call-overload]
    if allowed is None:
        return Refusal("unknown_step", {"step": step})
    if incident["status"] not in allowed:
        return Refusal("not_from", {"verb": VERB_OF_STEP[step], "status": incident["status"]})  # type: ignore[index]
    if step == "escalated" and (severity is None or severity >= incident["severity"]):
        return Refusal("escalate_needs", {"severity": incident["severity"]})
    return None


def refusal(incident: Mapping[str, Any], step: str, version: int | None,
            severity: int | None = None) -> str | None:
    """:func:`why_refused` as the log's text (the reducer records it in ``state.rejections``)."""
    reason = why_refused(incident, step, version, severity)
    return None if reason is None else str(reason)


def allowed_verbs(status: str) -> tuple[Verb, ...]:
    """The verbs the case flow allows on an incident in ``status``, in button order."""
    return tuple(verb for verb in VERBS if status in TRANSITIONS[STEP_OF_VERB[verb]])

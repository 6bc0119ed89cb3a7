"""Who may do what in the console: the actions an incident offers a principal, whether a
record or an inbox alarm is in a principal's scope, the audit of a look at a record that
holds personal data, and the one audited reveal of a personal field.  No Dash, no Redis:
the audit trail and the reveal counter are passed in.

The callbacks (callbacks/console.py) turn a denial into the guard's 403; everything an
officer is told comes back as a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from dashboard import classify, lifecycle, roster
from dashboard.auth import Principal
from dashboard.cards import in_scope, inbox_street, indicator_in_scope
from dashboard.console_url import DrillKind
from dashboard.state import State

#: Records with personal fields that may be revealed (dashboard/classify.py REVEALABLE).
REVEALABLE_KINDS: frozenset[DrillKind] = frozenset({"incident", "ticket", "duty"})
#: Records whose opening is audited (they hold personal data, shown masked).
AUDITED_LOOKS: frozenset[DrillKind] = frozenset({"incident", "ticket"})


class AuditTrail(Protocol):
    """dashboard.audit.Auditor: ``record`` returns False when the entry could not be kept."""

    async def record(self, action: str, who: str, role: str, **fields: Any) -> bool: ...


class Tally(Protocol):
    """A counter (prometheus_client.Counter)."""

    def inc(self, amount: float = 1) -> None: ...


def allowed_actions(incident: Mapping[str, Any], principal: Principal) -> tuple[lifecycle.Verb, ...]:
    """The verbs the case flow allows on ``incident`` now, if the principal may act at all."""
    return lifecycle.allowed_verbs(incident["status"]) if principal.can("act") else ()


def record_of(state: State, kind: DrillKind, key: str) -> Mapping[str, Any] | None:
    """The raw record a console URL drills into (unmasked: for policies, never for screens)."""
    tables: dict[str, Mapping[str, Any]] = {
        "incident": state.incidents, "ticket": state.tickets, "duty": state.duty,
        "camera": state.video, "sensor": state.sensors, "series": state.indicators,
    }
    found = tables[kind].get(key)
    if found is None and kind == "duty":  # a roster's occurrence, <rotation>@<start>
        return roster.occurrence_record(state.roster, key)
    return found


def sees_record(principal: Principal, kind: DrillKind, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` (of ``kind``) is in the principal's scope.  A duty shift is the
    district centre's (everyone's) or one unit's; an indicator series the district's
    (everyone's) or one street's."""
    if kind == "duty":
        return record["center"] == "district" or principal.sees_street(record["center"])
    if kind == "series":  # a street sees the district-wide series too, as on its wall
        return indicator_in_scope(record.get("street"), principal.scope)
    return principal.sees_street(record.get("street"))


def inbox_in_scope(state: State, key: str, scope: str | None) -> bool:
    """Whether the inbox alarm ``key`` may be acknowledged or shelved by someone of
    ``scope``: the district may act on any key; a street on the alarms of its street that
    are known (its inbox lists no district-wide alarm).  Reads one record, never the inbox."""
    if scope is None:
        return True
    known, street = inbox_street(state, key)
    return known and in_scope(street, scope)


async def audit_look(auditor: AuditTrail, principal: Principal, kind: DrillKind, record_id: str,
                     ip: str = "") -> None:
    """Record that the principal opened a record holding personal data (shown masked)."""
    await auditor.record("view", principal.name, principal.role, target=f"{kind}:{record_id}",
                         detail_key="audit.d.view_masked", ip=ip)


@dataclass(frozen=True, slots=True)
class Reveal:
    """What a reveal came to.  ``shown``: ``value`` is the field's value.  ``need_reason``
    and ``unaudited``: nothing shown, the officer is told why.  ``denied``: the request
    should not have been made (``reason`` for the guard's 403)."""

    outcome: Literal["shown", "need_reason", "unaudited", "denied"]
    value: Any = None
    reason: str = ""


async def reveal(state: State, principal: Principal, kind: DrillKind, key: str, field: str,
                 reason: str | None, *, auditor: AuditTrail, counter: Tally, ip: str = "") -> Reveal:
    """Reveal one personal ``field`` of one record (an incident's address, a 12345 caller's
    name, phone or address, a duty officer's phone) to ``principal``, with ``reason``.

    The caller must have checked the ``reveal`` permission.  Refused unless the field is a
    revealable personal field and the record is in the principal's scope; the audit entry
    is written *before* the value is returned, and if it cannot be written nothing is
    shown; each value shown counts once on ``counter``."""
    if not (reason or "").strip():
        return Reveal("need_reason")
    if not classify.can_reveal(kind, field):
        return Reveal("denied", reason=f"{field} of a {kind} is not a revealable field")
    record = record_of(state, kind, key)
    if record is None or not sees_record(principal, kind, record):
        return Reveal("denied", reason=f"{kind} {key} is not in {principal.name}'s scope")
    target = f"{kind}:{record.get('id', key)}#{field}"
    if not await auditor.record("reveal", principal.name, principal.role, target=target,
                                detail=(reason or "").strip(), ip=ip):
        return Reveal("unaudited", reason="audit unavailable")
    counter.inc()
    return Reveal("shown", value=record.get(field))

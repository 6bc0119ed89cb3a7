"""Simulated casework for :mod:`dashboard.simulator`: incidents and 12345 hotline tickets.

Each desk keeps only its open cases and walks them through their workflow, one event per
call, never in the same simulator step as the report (a case is acted on after it is
seen).  Generators return :data:`~dashboard.simulator_devices.Emitted` triples.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dashboard import hotline
from dashboard import simulator_vocab as vocab
from dashboard.clock import beijing_day
from dashboard.lifecycle import FLOW
from dashboard.simulator_devices import Emitted, Scatter

INCIDENT_DOMAINS = tuple(vocab.INCIDENT_TITLES)
INCIDENT_STEPS = FLOW[1:]  # the happy path after the report
SEVERITY_WEIGHTS = (3, 15, 42, 40)  # severities 1..4: 1 (most severe) in ~3 % of incidents
REPEAT_PREFIX = "再次反映："


@dataclass(slots=True)
class _Incident:
    reported_step: int
    street: str
    version: int = 1  # the version an officer sees; a lifecycle event carries it, then +1
    stage: int = 0  # index into INCIDENT_STEPS of the next step


class IncidentDesk:
    """Open incidents and their lifecycle.

    A lifecycle event carries ``version`` = the incident's version *before* the step (1 for
    ``acknowledged`` … 5 for ``closed``): the optimistic-concurrency token an officer's
    action would send.  ``incident.dispatched`` names the incident's unit.
    """

    def __init__(self, scatter: Scatter, seed: int | str) -> None:
        self._scatter = scatter
        self._seed = seed
        self._serial = 0
        self._open: dict[str, _Incident] = {}

    def __len__(self) -> int:
        return len(self._open)

    def report(self, step_no: int) -> Emitted:
        """A new ``incident.reported`` at a random place, weighted towards dense units."""
        rng = self._scatter.rng
        self._serial += 1
        incident_id = f"inc-{self._seed}-{self._serial:06d}"
        domain = rng.choice(INCIDENT_DOMAINS)
        (severity,) = rng.choices((1, 2, 3, 4), weights=SEVERITY_WEIGHTS)
        lat, lon, street = self._scatter.place()
        _, address = self._scatter.address(street)
        self._open[incident_id] = _Incident(step_no, street)
        data = {
            "incident_id": incident_id, "domain": domain,
            "title": rng.choice(vocab.INCIDENT_TITLES[domain]), "severity": severity,
            "lat": lat, "lon": lon, "address": address,
            "description": f"{address}：{vocab.INCIDENT_DETAILS[domain]}",
        }
        return "incident.reported", street, data

    def advance(self, step_no: int) -> Emitted | None:
        """The next lifecycle event of a random open incident; None if the one drawn was
        reported in this step."""
        if not self._open:
            return None
        incident_id = self._scatter.rng.choice(list(self._open))
        incident = self._open[incident_id]
        if incident.reported_step == step_no:
            return None
        step = INCIDENT_STEPS[incident.stage]
        data: dict[str, Any] = {
            "incident_id": incident_id, "by": self._scatter.officer(),
            "note": vocab.STEP_NOTES[step], "version": incident.version,
        }
        if step == "dispatched":
            data["unit"] = incident.street
        incident.version += 1
        incident.stage += 1
        if step == "closed":
            del self._open[incident_id]
        return f"incident.{step}", incident.street, data


@dataclass(slots=True)
class _Ticket:
    ticket_id: str
    reported_step: int
    category: str
    summary: str
    address: str
    lat: float
    lon: float
    street: str
    status: str = "registered"  # as the reducer will hold it (dashboard/hotline.py)
    version: int = 1  # the version the next step is based on
    unit: str | None = None
    asked_extension: bool = False
    pending_extension: bool = False
    result: str | None = None


#: How often a unit returns a ticket it was sent, asks for more time, and how often an
#: unsatisfied callback is reopened (the rest are closed as they stand).
RETURN_SHARE = 0.07
EXTENSION_SHARE = 0.08
REOPEN_SHARE = 0.6
URGENCY_WEIGHTS = (4, 16, 80)  # 1 emergency, 2 urgent, 3 normal
#: Simulator steps after which a callback is rated by its speed: quick answers please.
QUICK_STEPS, SLOW_STEPS = 60, 240


class HotlineDesk:
    """Open 12345 tickets through the work-order flow of dashboard/hotline.py: registered
    (``hotline.ticket``, v1 status new) → dispatched (to the street, sometimes a
    department) → signed → replied → visited → closed; about 7 % returned by the unit
    (then dispatched again), 8 % ask for an extension (mostly approved), and an
    unsatisfied callback (likelier the slower the reply) is mostly reopened.

    About 6 % of new tickets repeat one of the last 50 closed tickets (``repeat_of``).
    Only the new ticket carries the caller's (fake) name and phone; each step carries
    the version it was based on, like an officer's action.
    """

    def __init__(self, scatter: Scatter, seed: int | str) -> None:
        self._scatter = scatter
        self._seed = seed
        self._serial = 0
        self._open: dict[str, _Ticket] = {}
        self._recent_closed: deque[_Ticket] = deque(maxlen=50)

    def __len__(self) -> int:
        return len(self._open)

    def new_ticket(self, step_no: int) -> Emitted:
        """A ``hotline.ticket`` with status new."""
        rng = self._scatter.rng
        self._serial += 1
        ticket_id = f"12345-{self._seed}-{self._serial:06d}"
        extra: dict[str, Any] = {}
        if self._recent_closed and rng.random() < 0.06:
            earlier = self._recent_closed[rng.randrange(len(self._recent_closed))]
            category, summary = earlier.category, earlier.summary
            summary = summary if summary.startswith(REPEAT_PREFIX) else REPEAT_PREFIX + summary
            address, lat, lon, street = earlier.address, earlier.lat, earlier.lon, earlier.street
            extra["repeat_of"] = earlier.ticket_id
        else:
            category = rng.choice(list(vocab.TICKET_SUMMARIES))
            lat, lon, street = self._scatter.place()
            road, address = self._scatter.address(street)
            summary = rng.choice(vocab.TICKET_SUMMARIES[category]).format(road=road)
        ticket = _Ticket(ticket_id, step_no, category, summary, address, lat, lon, street)
        self._open[ticket_id] = ticket
        (urgency,) = rng.choices((1, 2, 3), weights=URGENCY_WEIGHTS)
        data = {
            "ticket_id": ticket_id, "category": category, "summary": summary, "status": "new",
            "address": address, "lat": lat, "lon": lon, "caller_name": self._scatter.person(),
            "caller_phone": self._scatter.mobile(), "urgency": urgency, **extra,
        }
        return "hotline.ticket", street, data

    def progress(self, step_no: int, ts: int) -> Emitted | None:
        """The next step of a random open ticket; None if it was opened in this step."""
        if not self._open:
            return None
        rng = self._scatter.rng
        ticket = self._open[rng.choice(list(self._open))]
        if ticket.reported_step == step_no:
            return None
        step, data = self._next_step(ticket, step_no, ts)
        data = {"ticket_id": ticket.ticket_id, "by": self._scatter.officer(),
                "version": ticket.version, **data}
        ticket.version += 1
        ticket.status = hotline.status_after(step, ticket.status)  # type: ignore[arg-type]
        if ticket.status == "closed":
            del self._open[ticket.ticket_id]
            self._recent_closed.append(ticket)
        return f"hotline.{step}", ticket.street, data

    def _next_step(self, ticket: _Ticket, step_no: int, ts: int) -> tuple[hotline.Step, dict[str, Any]]:
        rng = self._scatter.rng
        status = ticket.status
        if status == "registered":
            unit = ticket.street if rng.random() < 0.8 else rng.choice(vocab.TICKET_DEPARTMENTS)
            ticket.unit = unit
            return "dispatched", {"unit": unit, "note": vocab.TICKET_NOTES["dispatched"]}
        if ticket.pending_extension:
            ticket.pending_extension = False
            return "extension", {"approved": rng.random() < 0.8}
        if status in ("dispatched", "signed") and rng.random() < RETURN_SHARE:
            ticket.unit = None
            return "returned", {"reason": rng.choice(vocab.TICKET_RETURN_REASONS)}
        if status == "dispatched":
            return "signed", {"note": vocab.TICKET_NOTES["signed"]}
        if status == "signed":
            if not ticket.asked_extension and rng.random() < EXTENSION_SHARE:
                ticket.asked_extension = ticket.pending_extension = True
                later = date.fromisoformat(beijing_day(ts)) + timedelta(days=rng.randint(10, 30))
                return "extension", {"until": later.isoformat(),
                                     "note": vocab.TICKET_NOTES["extension"]}
            return "replied", {"reply": rng.choice(vocab.TICKET_REPLIES)}
        if status == "replied":
            ticket.result = self._callback(step_no - ticket.reported_step)
            return "visited", {"result": ticket.result}
        # visited
        if ticket.result == "unsatisfied" and rng.random() < REOPEN_SHARE:
            ticket.result = None
            return "reopened", {"reason": vocab.TICKET_NOTES["reopened"]}
        return "closed", {"note": vocab.TICKET_NOTES["closed"]}

    def _callback(self, age_steps: int) -> str:
        """The callback's result: satisfied mostly when the reply came quickly."""
        speed = min(1.0, max(0.0, (age_steps - QUICK_STEPS) / (SLOW_STEPS - QUICK_STEPS)))
        (result,) = self._scatter.rng.choices(
            ("satisfied", "basic", "unsatisfied"),
            weights=(0.8 - 0.4 * speed, 0.15 + 0.1 * speed, 0.05 + 0.3 * speed))
        return result

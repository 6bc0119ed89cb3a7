"""The figures of street performance (dashboard/performance.py ``FIGURES``) for a period,
from the archive: one :class:`~dashboard.performance.Measure` per unit and figure.

Every figure counts what *began* in the period (incidents reported, tickets registered,
alarms raised; callbacks made; camera-time in it) and looks at what followed up to
``now``, so a month's figures settle as its cases finish:

* ``incident_on_time``: of the incidents reported, the share resolved (处置) within the
  limit of their severity and domain (console.toml, ``resolve`` minutes from the report);
  a case still unresolved past its limit counts as late, one not yet due is not counted.
* ``report_to_ack_min`` / ``dispatch_to_resolve_min``: the median minutes from the report
  to 立案, and from the first 派单 to 处置.
* ``incident_reopen``: of the incidents resolved, the share reopened (返工) since.
* ``hotline_on_time``: of the tickets registered, the share replied to (办结) by their
  working-day deadline (dashboard/workdays.py: the calendar, the urgency's days, an
  approved extension's day); open past the deadline is late, open before it not counted.
* ``hotline_satisfied``: of the callbacks made, the share satisfied or basically satisfied
  (满意 + 基本满意, as Shanghai's 12345 counts its satisfaction rate).
* ``hotline_recurring``: of the tickets registered, the share in a recurring issue
  (dashboard/perception.py ``recurring`` over the period).
* ``camera_online``: camera-time online over all camera-time in the period (each camera
  from its registration or its status before the period, within ``CAMERA_LOOKBACK_DAYS``).
* ``alarm_ack_min``: the median minutes from a sensor alarm to its first acknowledgement;
  an alarm never acknowledged counts as acknowledged ``now`` (so ignoring alarms does not
  help a street).
* ``checkin_answered``: of the street centre's check-in requests (查岗) that opened in the
  period and were due by ``now``, the share answered in time by someone on duty at the
  post (dashboard/checkin.py ``settled``, over the archive: checkin_reads.py); a missed
  check-in counts against the street.

``cases`` of a measure is how many incidents, tickets, callbacks, cameras or alarms it was
counted from.  What the log holds is counted: a step the reducer refused (a stale version)
is in the archive too, so a refused step taken first would count; such steps are rare and
a step before the one it follows is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Literal

from dashboard import checkin_reads, perception
from dashboard.clock import BEIJING
from dashboard.console import ConsoleConfig
from dashboard.history import Archive
from dashboard.performance import FIGURE_KEYS, Measure
from dashboard.units import UNIT_CODES
from dashboard.workdays import CalendarError, DeadlineRule, deadline, end_of_day_ms, start_of_day_ms

CAMERA_LOOKBACK_DAYS = 31
STEPS_LOOKAHEAD_DAYS = 120  # steps are looked for from the period's first day on
MIN = 60_000

Figures = dict[str, dict[str, Measure]]  # unit → figure → measure
CaseKind = Literal["incident", "ticket", "callback", "camera", "alarm", "checkin"]


@dataclass(frozen=True, slots=True)
class Case:
    """One case behind a figure: its unit, what it is, its id, its value (100 or 0 for a
    share: on time or not; minutes; a camera's online percentage) and its weight (a
    camera's time in the period; 1 otherwise)."""

    unit: str
    kind: CaseKind
    id: str
    value: float
    weight: float = 1.0


Cases = dict[str, list[Case]]  # figure → cases
#: how each figure's cases make its value: the weighted mean, or the median
MEDIANS = frozenset({"report_to_ack_min", "dispatch_to_resolve_min", "alarm_ack_min"})
#: the shares whose every case is 100 or 0 (on time or not, reopened or not …)
FLAGS = frozenset({"incident_on_time", "incident_reopen", "hotline_on_time", "hotline_satisfied",
                   "hotline_recurring", "checkin_answered"})


def measure(figure: str, cases: list[Case]) -> Measure:
    if not cases:
        return Measure(None, 0)
    if figure in MEDIANS:
        return Measure(round(median(c.value for c in cases), 1), len(cases))
    total = sum(c.weight for c in cases)
    return Measure(round(sum(c.value * c.weight for c in cases) / total, 1) if total else None, len(cases))


def _flag(good: bool) -> float:
    return 100.0 if good else 0.0


def incident_cases(archive: Archive, first_day: str, last_day: str, now_ms: int,
                   console: ConsoleConfig) -> Cases:
    out: Cases = defaultdict(list)
    for iid, street, severity, domain, reported, acked, dispatched, resolved, reopened in archive.query(
            "performance_incidents", first_day, last_day, first_day):
        limit = reported + console.limits(domain or "", int(severity or 4))["resolve"] * MIN
        if resolved is not None:
            out["incident_on_time"].append(Case(street, "incident", iid, _flag(resolved <= limit)))
            out["incident_reopen"].append(Case(street, "incident", iid, _flag(bool(reopened))))
        elif now_ms > limit:
            out["incident_on_time"].append(Case(street, "incident", iid, 0.0))
        if acked is not None:
            out["report_to_ack_min"].append(Case(street, "incident", iid, (acked - reported) / MIN))
        if dispatched is not None and resolved is not None and resolved >= dispatched:
            out["dispatch_to_resolve_min"].append(Case(street, "incident", iid,
                                                       (resolved - dispatched) / MIN))
    return out


def ticket_cases(archive: Archive, first_day: str, last_day: str, now_ms: int, rule: DeadlineRule) -> Cases:
    out: Cases = defaultdict(list)
    for tid, street, registered, urgency, replied, until in archive.query(
            "performance_tickets", first_day, last_day, first_day):
        try:
            due = deadline(rule.calendar, registered, int(urgency or 3), rule.days, 0, until).due_ms
        except (CalendarError, ValueError):
            continue  # a year the calendar cannot count (flagged at start-up): not judged
        if replied is not None:
            out["hotline_on_time"].append(Case(street, "ticket", tid, _flag(replied <= due)))
        elif now_ms > due:
            out["hotline_on_time"].append(Case(street, "ticket", tid, 0.0))
    back = (date.fromisoformat(first_day) - timedelta(days=STEPS_LOOKAHEAD_DAYS)).isoformat()
    for tid, street, good in archive.query("performance_callbacks", back, first_day, last_day):
        out["hotline_satisfied"].append(Case(street, "callback", tid, _flag(bool(good))))
    return out


def recurring_cases(archive: Archive, first_day: str, last_day: str, rules: perception.Rules) -> Cases:
    regs = perception.registrations(archive, first_day, last_day)
    table = perception.recurring(regs, rules, first_day, last_day)
    inside = {t for row in table.records() for t in str(row["ticket_ids"]).split()}
    return {"hotline_recurring": [Case(street, "ticket", tid, _flag(tid in inside))
                                  for street, tid in zip(regs["street"].tolist(), regs["ticket_id"].tolist(),
                                                         strict=True)]}


def camera_cases(archive: Archive, first_day: str, last_day: str, now_ms: int) -> Cases:
    start = start_of_day_ms(date.fromisoformat(first_day))
    end = min(now_ms, end_of_day_ms(date.fromisoformat(last_day)))
    back = (date.fromisoformat(first_day) - timedelta(days=CAMERA_LOOKBACK_DAYS)).isoformat()
    online: dict[tuple[str, str], float] = defaultdict(float)
    total: dict[tuple[str, str], float] = defaultdict(float)
    rows = archive.query("performance_cameras", back, last_day)
    for n, (point, street, ms, status) in enumerate(rows):
        nxt = rows[n + 1] if n + 1 < len(rows) and rows[n + 1][0] == point else None
        a, b = max(ms, start), min(nxt[2] if nxt else end, end)
        if b > a:
            total[street, point] += b - a
            online[street, point] += (b - a) if status == "online" else 0
    return {"camera_online": [Case(street, "camera", point, 100 * online[street, point] / t, t)
                              for (street, point), t in total.items()]}


def acked_or(acked: int | None, now_ms: int) -> int:
    """An alarm never acknowledged counts as acknowledged now (ignoring alarms does not help)."""
    return now_ms if acked is None else acked


def alarm_cases(archive: Archive, first_day: str, last_day: str, now_ms: int) -> Cases:
    rows = archive.query("performance_alarms", first_day, last_day, first_day)
    return {"alarm_ack_min": [Case(street, "alarm", aid, (acked_or(acked, now_ms) - raised) / MIN)
                              for aid, street, raised, acked in rows]}


def checkin_cases(archive: Archive, first_day: str, last_day: str, now_ms: int) -> Cases:
    start = start_of_day_ms(date.fromisoformat(first_day))
    end = min(now_ms, end_of_day_ms(date.fromisoformat(last_day)))
    if end <= start:
        return {"checkin_answered": []}
    requests = checkin_reads.settled(archive, datetime.fromtimestamp(start / 1000, BEIJING),
                                     datetime.fromtimestamp(end / 1000, BEIJING))
    return {"checkin_answered": [Case(r["center"], "checkin", r["id"], _flag(bool(r["answered_by"])))
                                 for r in requests]}


def cases(archive: Archive, first_day: str, last_day: str, now_ms: int, *, console: ConsoleConfig,
          rule: DeadlineRule, rules: perception.Rules | None = None,
          only: frozenset[str] | None = None) -> Cases:
    """The cases behind each figure (of the figures in ``only``, or all) for the days
    ``first_day``–``last_day``, of the district's units (street, town, park:
    dashboard/units.py); what has no unit (``district``) is not ranked."""
    wanted = only or frozenset(FIGURE_KEYS)
    parts: list[Callable[[], Cases]] = []
    if wanted & {"incident_on_time", "report_to_ack_min", "dispatch_to_resolve_min", "incident_reopen"}:
        parts.append(lambda: incident_cases(archive, first_day, last_day, now_ms, console))
    if wanted & {"hotline_on_time", "hotline_satisfied"}:
        parts.append(lambda: ticket_cases(archive, first_day, last_day, now_ms, rule))
    if "hotline_recurring" in wanted:
        parts.append(lambda: recurring_cases(archive, first_day, last_day,
                                             rules or perception.Rules.with_deadlines(rule)))
    if "camera_online" in wanted:
        parts.append(lambda: camera_cases(archive, first_day, last_day, now_ms))
    if "alarm_ack_min" in wanted:
        parts.append(lambda: alarm_cases(archive, first_day, last_day, now_ms))
    if "checkin_answered" in wanted:
        parts.append(lambda: checkin_cases(archive, first_day, last_day, now_ms))
    out: Cases = {}
    for part in parts:
        for figure, found in part().items():
            if figure in wanted:
                out[figure] = [c for c in found if c.unit in UNIT_CODES]
    return out


def figures_of(found: Cases) -> Figures:
    """Each unit's measure of each figure, from its cases."""
    out: Figures = {}
    for figure, all_cases in found.items():
        by_unit: dict[str, list[Case]] = defaultdict(list)
        for case in all_cases:
            by_unit[case.unit].append(case)
        for unit, mine in by_unit.items():
            out.setdefault(unit, {})[figure] = measure(figure, mine)
    return out


def figures(archive: Archive, first_day: str, last_day: str, now_ms: int, *, console: ConsoleConfig,
            rule: DeadlineRule, rules: perception.Rules | None = None) -> Figures:
    """Every figure of every unit that has one, for the days ``first_day``–``last_day``."""
    return figures_of(cases(archive, first_day, last_day, now_ms, console=console, rule=rule, rules=rules))

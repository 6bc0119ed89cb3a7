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

``cases`` of a measure is how many incidents, tickets, callbacks, cameras or alarms it was
counted from.  What the log holds is counted: a step the reducer refused (a stale version)
is in the archive too, so a refused step taken first would count; such steps are rare and
a step before the one it follows is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from statistics import median
from typing import Any

from dashboard import perception
from dashboard.console import ConsoleConfig
from dashboard.history import Archive
from dashboard.performance import Measure
from dashboard.units import UNIT_CODES
from dashboard.workdays import CalendarError, DeadlineRule, deadline, end_of_day_ms, start_of_day_ms

CAMERA_LOOKBACK_DAYS = 31
STEPS_LOOKAHEAD_DAYS = 120  # steps are looked for from the period's first day on
MIN = 60_000

Figures = dict[str, dict[str, Measure]]  # unit → figure → measure


def _share(good: int, cases: int) -> Measure:
    return Measure(round(100 * good / cases, 1) if cases else None, cases)


def _median(values: list[float]) -> Measure:
    return Measure(round(median(values), 1) if values else None, len(values))


def _put(out: Figures, key: str, by_unit: dict[str, Measure]) -> None:
    for unit, measure in by_unit.items():
        out.setdefault(unit, {})[key] = measure


def _by_unit(rows: Iterable[tuple[str, Any]], measure: Callable[[list[Any]], Measure]) -> dict[str, Measure]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for unit, item in rows:
        groups[unit].append(item)
    return {unit: measure(items) for unit, items in groups.items()}


def incidents(archive: Archive, first_day: str, last_day: str, now_ms: int,
              console: ConsoleConfig) -> Figures:
    rows = archive.query("performance_incidents", first_day, last_day, first_day)
    on_time: list[tuple[str, bool]] = []
    to_ack: list[tuple[str, float]] = []
    to_resolve: list[tuple[str, float]] = []
    reopen: list[tuple[str, bool]] = []
    for _id, street, severity, domain, reported, acked, dispatched, resolved, reopened in rows:
        limit = reported + console.limits(domain or "", int(severity or 4))["resolve"] * MIN
        if resolved is not None:
            on_time.append((street, resolved <= limit))
            reopen.append((street, bool(reopened)))
        elif now_ms > limit:
            on_time.append((street, False))
        if acked is not None:
            to_ack.append((street, (acked - reported) / MIN))
        if dispatched is not None and resolved is not None and resolved >= dispatched:
            to_resolve.append((street, (resolved - dispatched) / MIN))
    out: Figures = {}
    _put(out, "incident_on_time", _by_unit(on_time, lambda xs: _share(sum(xs), len(xs))))
    _put(out, "report_to_ack_min", _by_unit(to_ack, _median))
    _put(out, "dispatch_to_resolve_min", _by_unit(to_resolve, _median))
    _put(out, "incident_reopen", _by_unit(reopen, lambda xs: _share(sum(xs), len(xs))))
    return out


def tickets(archive: Archive, first_day: str, last_day: str, now_ms: int, rule: DeadlineRule) -> Figures:
    rows = archive.query("performance_tickets", first_day, last_day, first_day)
    on_time: list[tuple[str, bool]] = []
    for _id, street, registered, urgency, replied, until in rows:
        try:
            due = deadline(rule.calendar, registered, int(urgency or 3), rule.days, 0, until).due_ms
        except (CalendarError, ValueError):
            continue  # a year the calendar cannot count (flagged at start-up): not judged
        if replied is not None:
            on_time.append((street, replied <= due))
        elif now_ms > due:
            on_time.append((street, False))
    back = (date.fromisoformat(first_day) - timedelta(days=STEPS_LOOKAHEAD_DAYS)).isoformat()
    callbacks = archive.query("performance_callbacks", back, first_day, last_day)
    out: Figures = {}
    _put(out, "hotline_on_time", _by_unit(on_time, lambda xs: _share(sum(xs), len(xs))))
    _put(out, "hotline_satisfied", {street: _share(int(good), int(n)) for street, good, n in callbacks})
    return out


def recurring(archive: Archive, first_day: str, last_day: str, rules: perception.Rules) -> Figures:
    regs = perception.registrations(archive, first_day, last_day)
    table = perception.recurring(regs, rules, first_day, last_day)
    inside = {t for row in table.records() for t in str(row["ticket_ids"]).split()}
    rows = zip(regs["street"].tolist(), regs["ticket_id"].isin(inside).tolist(), strict=True)
    return {street: {"hotline_recurring": m}
            for street, m in _by_unit(rows, lambda xs: _share(sum(xs), len(xs))).items()}


def cameras(archive: Archive, first_day: str, last_day: str, now_ms: int) -> Figures:
    start = start_of_day_ms(date.fromisoformat(first_day))
    end = min(now_ms, end_of_day_ms(date.fromisoformat(last_day)))
    back = (date.fromisoformat(first_day) - timedelta(days=CAMERA_LOOKBACK_DAYS)).isoformat()
    online: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    points: dict[str, set[str]] = defaultdict(set)
    rows = archive.query("performance_cameras", back, last_day)
    for n, (point, street, ms, status) in enumerate(rows):
        nxt = rows[n + 1] if n + 1 < len(rows) and rows[n + 1][0] == point else None
        a, b = max(ms, start), min(nxt[2] if nxt else end, end)
        if b > a:
            total[street] += b - a
            online[street] += (b - a) if status == "online" else 0
            points[street].add(point)
    return {street: {"camera_online": Measure(round(100 * online[street] / total[street], 1),
                                              len(points[street]))} for street in total}


def alarms(archive: Archive, first_day: str, last_day: str, now_ms: int) -> Figures:
    rows = archive.query("performance_alarms", first_day, last_day, first_day)
    waits = [(street, ((acked if acked is not None else now_ms) - raised) / MIN)
             for _id, street, raised, acked in rows]
    return {street: {"alarm_ack_min": m} for street, m in _by_unit(waits, _median).items()}


def figures(archive: Archive, first_day: str, last_day: str, now_ms: int, *, console: ConsoleConfig,
            rule: DeadlineRule, rules: perception.Rules | None = None) -> Figures:
    """Every figure of every unit (street, town, park: dashboard/units.py) that has one, for
    the days ``first_day``–``last_day``; what has no unit (``district``) is not ranked."""
    out: Figures = {}
    for part in (incidents(archive, first_day, last_day, now_ms, console),
                 tickets(archive, first_day, last_day, now_ms, rule),
                 recurring(archive, first_day, last_day, rules or perception.Rules.with_deadlines(rule)),
                 cameras(archive, first_day, last_day, now_ms),
                 alarms(archive, first_day, last_day, now_ms)):
        for unit, measures in part.items():
            if unit in UNIT_CODES:
                out.setdefault(unit, {}).update(measures)
    return out

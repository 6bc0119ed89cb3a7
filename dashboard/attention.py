"""What asks for an operator's attention, decided on the server for every screen.  No I/O.

* **Pins**: unacknowledged items of levels 1–2 (:data:`PIN_MAX_LEVEL`): an incident still
  ``reported`` (not yet 立案) and a sensor alarm active, neither acknowledged nor shelved,
  its sensor in service.  They
  stay above the chronological feed until acknowledged, most severe first, then the one
  waiting longest; a view lists the first :data:`PIN_LIMIT` and says how many more wait.
* **The flood** (ISA-18.2): more than ``flood_alarms`` sensor alarms raised within
  ``flood_window_ms`` (default: more than 10 in 10 minutes).  A screen then summarises
  instead of listing, and says how many alarms of the window it does not show.
* **Per dimension** (dashboard/dimensions.py): the open incidents of its domains and the
  active sensor alarms (unacknowledged, not shelved, in service) of its kinds.

:class:`Watch` keeps the open incidents and the unacknowledged alarms from the keys the
reducer reports as changed, so no patch rescans the state (100,000 incidents).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable
from typing import Any

from dashboard import alarm_states
from dashboard.catalogue import DIMENSIONS
from dashboard.dimensions import DimensionMap
from dashboard.state import State

#: Levels 1 … PIN_MAX_LEVEL are pinned until acknowledged (特别重大, 重大 / 一级, 二级).
PIN_MAX_LEVEL = 2
#: Pins a view lists (the wall's feed keeps room for the newest items below them).
PIN_LIMIT = 4

Pin = tuple[str, str]  # (kind, key): ("incident", incident id) or ("alarm", alarm key)


def _pinnable(state: State, alarm: Any) -> bool:
    """An active, unacknowledged sensor alarm whose sensor is in service (ISA-18.2 state
    ``unacknowledged``: dashboard/alarm_states.py); one back to normal leaves the wall."""
    return (alarm_states.alarm_state(alarm) == "unacknowledged"
            and alarm_states.alarm_source(alarm) not in state.alarm_out_of_service)


class Watch:
    """Open incidents and unacknowledged alarms by street, kept incrementally.  Call
    :meth:`rebuild` after a restore and :meth:`update` with every batch's changed keys."""

    def __init__(self, dimensions: DimensionMap, flood_alarms: int = 10,
                 flood_window_ms: int = 600_000) -> None:
        self.dimensions = dimensions
        self.flood_alarms = flood_alarms
        self.flood_window_ms = flood_window_ms
        self._cases: dict[str, tuple[str | None, str | None, bool]] = {}  # open: street, dimension, severe
        self._alarms: dict[str, tuple[str | None, str | None, bool]] = {}  # unacked: same
        self._counts: dict[tuple[str | None, str, str], int] = {}  # (street, dimension, field) → n
        self._pins: dict[str | None, dict[Pin, tuple[int, int]]] = {}  # street → pin → (level, since)

    # ---------------------------------------------------------------- keeping up
    def rebuild(self, state: State) -> None:
        self._cases.clear()
        self._alarms.clear()
        self._counts.clear()
        self._pins.clear()
        self.update(state, state.incidents, state.alarms)

    def update(self, state: State, incidents: Iterable[str], alarms: Iterable[str]) -> None:
        for iid in incidents:
            self._forget_case(iid)
            incident = state.incidents.get(iid)
            if incident is None or incident["status"] == "closed":
                continue
            street, severity = incident["street"], incident["severity"]
            dimension = self.dimensions.of_domain(incident["domain"])
            self._cases[iid] = (street, dimension, severity <= PIN_MAX_LEVEL)
            self._count(street, dimension, "incidents", severity <= PIN_MAX_LEVEL, 1)
            if incident["status"] == "reported" and severity <= PIN_MAX_LEVEL:
                self._pins.setdefault(street, {})[("incident", iid)] = (severity, incident["reported"])
        for aid in alarms:
            self._forget_alarm(aid)
            alarm = state.alarms.get(aid)
            if alarm is None or not _pinnable(state, alarm):
                continue
            street, level = alarm.get("street"), alarm["level"]
            dimension = self.dimensions.of_alarm(alarm["kind"])
            self._alarms[aid] = (street, dimension, level <= PIN_MAX_LEVEL)
            self._count(street, dimension, "alarms", level <= PIN_MAX_LEVEL, 1)
            if level <= PIN_MAX_LEVEL:
                self._pins.setdefault(street, {})[("alarm", aid)] = (level, alarm.get("since", alarm["ts"]))
        # the reducer forgets its oldest alarms without reporting them: so do we (the
        # oldest come first in both, so this stops at the first one it still holds)
        while self._alarms:
            oldest = next(iter(self._alarms))
            if oldest in state.alarms:
                break
            self._forget_alarm(oldest)

    def _forget_case(self, iid: str) -> None:
        held = self._cases.pop(iid, None)
        if held is not None:
            self._count(held[0], held[1], "incidents", held[2], -1)
            self._pins.get(held[0], {}).pop(("incident", iid), None)

    def _forget_alarm(self, aid: str) -> None:
        held = self._alarms.pop(aid, None)
        if held is not None:
            self._count(held[0], held[1], "alarms", held[2], -1)
            self._pins.get(held[0], {}).pop(("alarm", aid), None)

    def _count(self, street: str | None, dimension: str | None, field: str, severe: bool, n: int) -> None:
        if dimension is None:
            return
        for name in (field, f"severe_{field}") if severe else (field,):
            key = (street, dimension, name)
            self._counts[key] = self._counts.get(key, 0) + n

    # ---------------------------------------------------------------- what a scope sees
    def _streets(self, scope: str | None) -> list[str | None]:
        return list(self._pins) if scope is None else [scope]

    def pins(self, scope: str | None, shelved: Collection[str]) -> tuple[list[list[str]], int]:
        """The first :data:`PIN_LIMIT` pins of ``scope`` (most severe, then oldest) as
        ``[kind, key]``, and how many there are in all (shelved alarms are not pinned)."""
        candidates = [(level, since, pin) for street in self._streets(scope)
                      for pin, (level, since) in self._pins.get(street, {}).items()
                      if not (pin[0] == "alarm" and pin[1] in shelved)]
        first = heapq.nsmallest(PIN_LIMIT, candidates)
        return [[kind, key] for _, _, (kind, key) in first], len(candidates)

    def flood(self, state: State, scope: str | None, now_ms: int,
              shown: Collection[str]) -> dict[str, Any] | None:
        """The flood of ``scope`` at ``now_ms``, or None: ``alarms`` raised in the window
        (in log order, newest first, back to the first one older than the window),
        ``severe`` of level 1 among them, ``hidden`` those not in ``shown`` (pinned)."""
        cutoff = now_ms - self.flood_window_ms
        alarms = severe = hidden = 0
        for aid in reversed(state.alarms):
            alarm = state.alarms[aid]
            if alarm["ts"] < cutoff:
                break
            if scope is not None and alarm.get("street") != scope:
                continue
            alarms += 1
            severe += alarm["level"] == 1
            hidden += aid not in shown
        if alarms <= self.flood_alarms:
            return None
        return {"alarms": alarms, "severe": severe, "hidden": hidden,
                "window_s": self.flood_window_ms // 1000, "limit": self.flood_alarms}

    def window_ids(self, state: State, now_ms: int) -> tuple[str, ...]:
        """The alarms of the district's flood window now (the clock compares these)."""
        cutoff = now_ms - self.flood_window_ms
        out = []
        for aid in reversed(state.alarms):
            if state.alarms[aid]["ts"] < cutoff:
                break
            out.append(aid)
        return tuple(out)

    def counts(self, scope: str | None, shelved: Collection[str]) -> dict[str, dict[str, int]]:
        """Per dimension: open ``incidents`` (``severe_incidents`` of levels 1–2) and active
        ``alarms`` (``severe_alarms``) of ``scope``; shelved alarms are not active."""
        out: dict[str, dict[str, int]] = {
            d: {"incidents": 0, "severe_incidents": 0, "alarms": 0, "severe_alarms": 0} for d in DIMENSIONS
        }
        for (street, dimension, field), n in self._counts.items():
            if n and (scope is None or street == scope):
                out[dimension][field] += n
        for aid in shelved:
            held = self._alarms.get(aid)
            if held is not None and held[1] is not None and (scope is None or held[0] == scope):
                out[held[1]]["alarms"] -= 1
                out[held[1]]["severe_alarms"] -= held[2]
        return out

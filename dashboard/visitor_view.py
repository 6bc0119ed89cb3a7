"""The visitors' view (audience ``aggregates``): public figures only, never a record.  No I/O.

Indicators, camera and 12345 figures and the dimension headers as in the records view,
open cases by domain and level and active alarms as counts (``counts``); no incident,
alarm, sensor, duty or camera id, and no stale camera list.  Built from the figures of
the records view (:class:`RecordsView`, which dashboard/views.py ``ViewBuilder`` provides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from dashboard.cards import in_scope, indicator_in_scope
from dashboard.protocol import Section
from dashboard.state import Changes, State


class RecordsView(Protocol):
    """What the visitors' view takes from the records view."""

    state: State
    history_points: int

    def indicators_view(self, scope: str | None) -> dict[str, Any]: ...
    def indicator_card(self, series: Mapping[str, Any], tail: int | None = None) -> dict[str, Any]: ...
    def stale_view(self, scope: str | None) -> dict[str, list[str]]: ...
    def summary(self, scope: str | None) -> dict[str, Any]: ...
    def hotline(self, scope: str | None) -> dict[str, Any]: ...
    def dimensions(self, scope: str | None) -> dict[str, Any]: ...
    def remember(self, group: tuple[str | None, str, Section], value: Any) -> Any: ...
    def changed(self, group: tuple[str | None, str, Section], value: Any) -> bool: ...


def hello(views: RecordsView, scope: str | None) -> dict[str, Any]:
    """Public figures only: indicators, camera and 12345 counts, open cases by domain."""
    s = views.state
    return {
        "scope": scope,
        "audience": "aggregates",
        "last_id": s.last_id,
        "applied": s.applied,
        "history_points": views.history_points,
        "indicators": views.indicators_view(scope),
        "stale": _stale(views, scope),
        "summary": views.summary(scope),
        "hotline": views.hotline(scope),
        "dimensions": views.remember((scope, "aggregates", Section.DIMENSIONS), views.dimensions(scope)),
        "counts": counts(s, scope),
    }


def patch(views: RecordsView, changes: Changes, scope: str | None,
          ticked: bool = False) -> dict[str, Any] | None:
    """What ``changes`` (and the clock, when ``ticked``) moved in the visitors' view."""
    s = views.state
    out: dict[str, Any] = {}
    indicators = {sid: views.indicator_card(s.indicators[sid], changes.points.get(sid, 0))
                  for sid in changes.keys.get(Section.INDICATORS, ()) if sid in s.indicators
                  and indicator_in_scope(s.indicators[sid]["street"], scope)}
    if indicators:
        out["set"] = {Section.INDICATORS.value: indicators}
    if Section.VIDEO in changes.keys or ticked:
        out[Section.SUMMARY.value] = views.summary(scope)
    if Section.INCIDENTS in changes.keys or Section.ALARMS in changes.keys:
        out[Section.COUNTS.value] = counts(s, scope)
    if Section.TICKETS in changes.keys or ticked:
        out[Section.HOTLINE.value] = views.hotline(scope)
    if ticked:
        out[Section.STALE.value] = _stale(views, scope)
    if changes.keys.keys() & {Section.INCIDENTS, Section.ALARMS, Section.INBOX, Section.INDICATORS} or ticked:
        dimensions = views.dimensions(scope)
        if views.changed((scope, "aggregates", Section.DIMENSIONS), dimensions):
            out[Section.DIMENSIONS.value] = dimensions
    if not out:
        return None
    return {"last_id": s.last_id, "applied": s.applied, **out}


def counts(state: State, scope: str | None) -> dict[str, Any]:
    """Open incidents by domain and by severity, active alarms: no record, only numbers."""
    by_domain: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for incident in state.incidents.values():
        if incident["status"] == "closed" or not in_scope(incident["street"], scope):
            continue
        by_domain[incident["domain"]] = by_domain.get(incident["domain"], 0) + 1
        severity = str(incident["severity"])
        by_severity[severity] = by_severity.get(severity, 0) + 1
    alarms = sum(1 for a in state.alarms.values()
                 if not a.get("acked") and in_scope(a.get("street"), scope))
    return {"incidents": by_domain, "severity": by_severity, "alarms": alarms}


def _stale(views: RecordsView, scope: str | None) -> dict[str, list[str]]:
    """Stale indicators; no camera ids for visitors."""
    return {"video": [], "indicators": views.stale_view(scope)["indicators"]}

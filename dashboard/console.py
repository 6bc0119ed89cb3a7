"""Selectors of the officers' console (一屏管): rows, details, deadlines (the alarm inbox is
dashboard/inbox.py).

Pure functions of the state, the console configuration and ``now`` (epoch ms, passed in:
deadlines and ages run on the views' clock, never in the reducer).  Every row and detail
is built by dashboard/classify.py ``project`` from the fields its screen shows (personal
fields masked, free text scanned), before anything reaches a callback; a search matches
what the screen shows, never a masked value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from dashboard import hotline, roster
from dashboard.alarm_states import ANOMALY
from dashboard.camera import camera_status
from dashboard.cards import in_scope
from dashboard.catalogue import Indicator, level, read_toml
from dashboard.classify import project
from dashboard.clock import MINUTE_MS
from dashboard.i18n import t
from dashboard.lifecycle import STAGE_OF_STATUS, STAGES
from dashboard.state import SENSOR_SERIES, State
from dashboard.units import UNIT_NAMES, UNITS
from dashboard.workdays import DeadlineRule

CONSOLE_FILE = Path(__file__).resolve().parent / "data" / "console.toml"


class ConsoleConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Dispatch units and time limits (minutes) per severity, with per-domain overrides."""

    dispatch_units: tuple[str, ...]
    deadlines: dict[int, dict[str, float]]
    domain_deadlines: dict[str, dict[int, dict[str, float]]] = {}
    near: float = 0.8
    camera_offline_alarm_min: float = 30
    alarm_stale_h: float = 24  # an alarm active longer than this is stale (ISA-18.2)

    def limits(self, domain: str, severity: int) -> dict[str, float]:
        """Minutes allowed for each stage of an incident of this domain and severity."""
        limits = dict(self.deadlines.get(severity, self.deadlines[max(self.deadlines)]))
        limits.update(self.domain_deadlines.get(domain, {}).get(severity, {}))
        return limits


def load_console_config(path: str | Path | None = None) -> ConsoleConfig:
    """Read the console TOML; raise ValueError naming the file and the key at fault."""
    file = CONSOLE_FILE if path is None else Path(path)
    table = read_toml(file, "the console configuration")
    units = table.get("dispatch_units")
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise ValueError(f"{file}: 'dispatch_units' must be a list of names")
    try:
        deadlines: dict[int, dict[str, float]] = {
            int(sev): {stage: float(limits[stage]) for stage in STAGES}
            for sev, limits in table["deadlines"].items()
        }
        overrides = {
            domain: {int(sev): {k: float(v) for k, v in limits.items()} for sev, limits in by_sev.items()}
            for domain, by_sev in table.get("domain_deadlines", {}).items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{file}: 'deadlines' needs acknowledge, dispatch and resolve minutes "
            f"for every severity ({exc!r})"
        ) from None
    street_centres = tuple(t("dispatch.centre", "zh", name=zh) for _, zh, _ in UNITS)
    return ConsoleConfig(
        dispatch_units=tuple(units) + street_centres,
        deadlines=deadlines,
        domain_deadlines=overrides,
        near=float(table.get("near", 0.8)),
        camera_offline_alarm_min=float(table.get("camera_offline_alarm_min", 30)),
        alarm_stale_h=float(table.get("alarm_stale_h", 24)),
    )


def dispatch_choices(config: ConsoleConfig, street: str | None) -> list[str]:
    """The units a case can be dispatched to, its own street's centre first."""
    own = f"{UNIT_NAMES[street][0]}分中心" if street in UNIT_NAMES else None
    return ([own] if own in config.dispatch_units else []) + [u for u in config.dispatch_units if u != own]


def record_street(state: State, kind: str | None, key: str | None) -> str | None:
    """The street of the record a console URL opens (None for none, or the district's)."""
    records: Mapping[str, Mapping[str, Any]] | None = {
        "incident": state.incidents, "ticket": state.tickets, "camera": state.video,
        "sensor": state.sensors, "series": state.indicators}.get(kind or "")  # type: ignore[assignment]
    record = records.get(key or "") if records is not None else None
    return record.get("street") if record is not None else None


# ---------------------------------------------------------------- deadlines


def deadline(incident: Mapping[str, Any], now: int, config: ConsoleConfig) -> dict[str, Any] | None:
    """The pending milestone of an open incident: stage, due time and ok/near/overdue.
    None once it is resolved, verified or closed."""
    stage = STAGE_OF_STATUS.get(incident["status"])
    if stage is None:
        return None
    minutes = config.limits(incident["domain"], incident["severity"])[stage]
    due = incident["reported"] + int(minutes * MINUTE_MS)
    elapsed = (now - incident["reported"]) / (minutes * MINUTE_MS)
    state = "overdue" if now > due else "near" if elapsed >= config.near else "ok"
    return {"stage": stage, "due": due, "state": state}


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """What the officer narrowed the lists and the map to.  Empty means no restriction."""

    street: str | None = None
    domains: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    since_ms: int | None = None  # reported/created at or after
    text: str = ""

    def matches_text(self, *values: Any) -> bool:
        """The search of the camera and ticket lists (incidents: the index's search)."""
        needle = self.text.strip().lower()
        return not needle or any(needle in str(v).lower() for v in values if v)


#: The fields of each list's rows, and of each drilled record (what its screen shows).
INCIDENT_ROW = ("id", "title", "domain", "severity", "street", "status", "reported", "updated", "unit",
                "version")
CAMERA_ROW = ("id", "name", "kind", "street", "since", "last")
TICKET_ROW = ("id", "category", "summary", "status", "street", "created", "updated", "caller_name",
              "caller_phone", "address", "satisfied", "repeat_of", "urgency", "unit", "version")
INCIDENT_DETAIL = ("id", "title", "domain", "severity", "street", "status", "version", "unit", "address",
                   "description", "timeline")
TICKET_DETAIL = ("id", "category", "status", "created", "street", "caller_name", "caller_phone",
                 "address", "summary", "version", "urgency", "unit", "reply", "result",
                 "extension_requested", "extended_until", "timeline")
CAMERA_DETAIL = ("id", "name", "kind", "street", "since", "last")
SENSOR_DETAIL = ("id", "kind", "unit", "street", "readings")


def incident_row(incident: Mapping[str, Any], now: int, config: ConsoleConfig) -> dict[str, Any]:
    """One incident as the console lists it, with its deadline state."""
    due = deadline(incident, now, config)
    return {**project("incident", incident, INCIDENT_ROW),
            "deadline": due["state"] if due else "done", "due": due["due"] if due else None}


def camera_rates(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per street: (cameras, cameras online) among the given camera rows."""
    rates: dict[str, list[int]] = {}
    for row in rows:
        pair = rates.setdefault(row["street"] or "district", [0, 0])
        pair[0] += 1
        pair[1] += row["status"] == "online"
    return {street: (total, online) for street, (total, online) in rates.items()}


def street_camera_rates(summary_streets: dict[str, Any], street: str | None) -> dict[str, tuple[int, int]]:
    """:func:`camera_rates` from the wall's own camera figures (dashboard/figures.py
    ``summary(scope)["video"]["streets"]``: per street ``[total, online]``, maintained per
    change) for the console URL's street or every street, without reading each camera."""
    return {code: (total, online) for code, (total, online) in summary_streets.items()
            if street is None or code == street}


def duty_rows(state: State, street: str | None) -> list[dict[str, Any]]:
    """Shifts of the district centre and, for a street, of that street's centre; phones masked."""
    shifts = [
        {**project("duty", shift), "key": key}
        for key, shift in state.duty.items()
        if street is None or shift["center"] in ("district", street)
    ]
    return sorted(shifts, key=lambda x: (x["center"] != "district", x["center"], x["post"]))


def camera_rows(
    state: State, filters: Filters, now: int, stale_ms: int, scope: str | None = None
) -> list[dict[str, Any]]:
    """Cameras matching street, status and text; longest outage first."""
    rows: list[dict[str, Any]] = []
    for pid, point in state.video.items():
        if not in_scope(point["street"], scope) or not in_scope(point["street"], filters.street):
            continue
        status = camera_status(point, now, stale_ms)
        if filters.statuses and status not in filters.statuses:
            continue
        if not filters.matches_text(pid, point["name"]):
            continue
        down_since = point["since"] if status != "online" else None
        if status == "stale":
            down_since = point["last"]
        rows.append({**project("camera", point, CAMERA_ROW), "status": status,
                     "down_s": (now - down_since) // 1000 if down_since else 0})
    rows.sort(key=lambda r: (-r["down_s"], r["id"]))
    return rows


def ticket_rows(
    state: State, filters: Filters, now: int, deadlines: DeadlineRule, scope: str | None = None
) -> list[dict[str, Any]]:
    """12345 tickets, newest first, each with its state, its deadline's day (working days
    on the calendar, dashboard/workdays.py) and ``flag`` (overdue, near or None at ``now``);
    callers' names, phones and exact addresses masked (only the audited reveal of
    dashboard/console_policy.py shows one), the search matching the summary as shown."""
    rows: list[dict[str, Any]] = []
    for ticket in state.tickets.values():
        street = ticket.get("street")
        if not in_scope(street, scope) or not in_scope(street, filters.street):
            continue
        if filters.statuses and ticket.get("status") not in filters.statuses:
            continue
        if filters.since_ms and ticket["created"] < filters.since_ms:
            continue
        row = project("ticket", ticket, TICKET_ROW)
        if not filters.matches_text(row["id"], row["summary"], row["category"]):
            continue
        due = deadlines.of(ticket)
        row["deadline"] = due.day if due is not None else None
        row["due_ms"] = due.due_ms if due is not None else None
        row["flag"] = DeadlineRule.flag(due, now)
        row["overdue"] = row["flag"] == "overdue"
        rows.append(row)
    rows.sort(key=lambda r: r["created"], reverse=True)
    return rows


# ---------------------------------------------------------------- details


def drilled(state: State, kind: str, key: str, now: int, config: ConsoleConfig,
            stale_ms: int, deadlines: DeadlineRule | None = None,
            catalogue: Iterable[Indicator] = ()) -> dict[str, Any] | None:
    """The detail of the record a console URL drills into (``incident``, ``ticket``,
    ``duty``, ``camera``, ``sensor`` or an indicator ``series``), as its drawer shows it;
    None if unknown."""
    if kind == "incident":
        return incident_detail(state, key, now, config)
    if kind == "camera":
        return camera_detail(state, key, now, stale_ms)
    if kind == "sensor":
        return sensor_detail(state, key)
    if kind == "series":
        return series_detail(state, key, catalogue, now)
    if kind == "ticket":
        return ticket_detail(state, key, now, deadlines or DeadlineRule())
    shift = state.duty.get(key) or roster.occurrence_record(state.roster, key)
    return project("duty", shift) if shift is not None else None


def ticket_detail(state: State, ticket_id: str, now: int, deadlines: DeadlineRule) -> dict[str, Any] | None:
    """A ticket as its drawer shows it: masked fields, timeline, deadline and flag at
    ``now``, and the verbs the work-order flow allows now (dashboard/hotline.py)."""
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        return None
    due = deadlines.of(ticket)
    return {**project("ticket", ticket, TICKET_DETAIL),
            "deadline": due.day if due is not None else None,
            "flag": DeadlineRule.flag(due, now), "verbs": list(hotline.allowed_verbs(ticket))}


def incident_detail(state: State, incident_id: str, now: int, config: ConsoleConfig) -> dict[str, Any] | None:
    incident = state.incidents.get(incident_id)
    if incident is None:
        return None
    return {**project("incident", incident, INCIDENT_DETAIL), "deadline": deadline(incident, now, config)}


def camera_detail(state: State, point_id: str, now: int, stale_ms: int) -> dict[str, Any] | None:
    point = state.video.get(point_id)
    if point is None:
        return None
    status = camera_status(point, now, stale_ms)
    history = [
        project("camera_status", {"ts": ts, "status": status_, "reason": reason})
        for ts, status_, reason in reversed(state.video_history.get(point_id, []))
    ]
    down_since = point["last"] if status == "stale" else point["since"] if status != "online" else None
    return {
        **project("camera", point, CAMERA_DETAIL),
        "status": status,
        "history": history,
        "down_s": (now - down_since) // 1000 if down_since else 0,
    }


def sensor_detail(state: State, sensor_id: str) -> dict[str, Any] | None:
    """A sensor as its drawer shows it, with its early-warning alarms (``anomalies``: the
    figure of its readings marks them)."""
    sensor = state.sensors.get(sensor_id)
    if sensor is None:
        return None
    return {**project("sensor", sensor, SENSOR_DETAIL),
            "anomalies": anomalies_of(state, sensor_id, sensor=True)}


SERIES_DETAIL = ("key", "street", "value", "ts", "history", "band", "bands")


def series_detail(state: State, series_id: str, catalogue: Iterable[Indicator], now: int = 0
                  ) -> dict[str, Any] | None:
    """An indicator series (``key`` or ``key@street``) as its drawer shows it: its recent
    values (the reducer's history), its usual band now and through time with the engine's
    forecast (``bands``: [ts, expected, low, high]; docs/early-warning.md "In the
    console"), its early-warning alarms, the catalogue's names and unit, and ``now`` (the
    view's clock: the band after it is the forecast)."""
    series = state.indicators.get(series_id)
    indicator = next((i for i in catalogue if series is not None and i.key == series["key"]), None)
    if series is None or indicator is None:
        return None
    return {**project("series", series, SERIES_DETAIL), "id": series_id,
            "name_zh": indicator.name_zh, "name_en": indicator.name_en, "unit": indicator.unit,
            "unit_en": indicator.unit_en, "decimals": indicator.decimals,
            "anomalies": anomalies_of(state, series_id), "now": now}


def anomalies_of(state: State, ref: str, sensor: bool = False) -> list[dict[str, Any]]:
    """The early-warning alarms of a series (an indicator series id, or with ``sensor`` a
    sensor id), oldest first: ``{id, ts, value, expected, low, high, score, active}``, the
    ``ts`` its latest activation (a re-activated alarm holds its newest finding)."""
    out: list[dict[str, Any]] = []
    for alarm in state.alarms.values():
        detail = alarm.get("anomaly")
        if alarm["kind"] != ANOMALY or detail is None or alarm["sensor_id"] != ref:
            continue
        if detail["key"].startswith(SENSOR_SERIES) != sensor:
            continue
        found = project("anomaly", detail)
        out.append({**found, "id": alarm["id"], "ts": alarm.get("since", alarm["ts"]),
                    "active": alarm.get("active", True)})
    out.sort(key=lambda a: a["ts"])
    return out


def street_overview(state: State, street: str, now: int, stale_ms: int,
                    cases: Mapping[str, int] | None) -> dict[str, Any]:
    """One street's figures for the drill-down header; ``cases`` is the street's tally of
    open, near and overdue cases from the incident index (``street_counts``)."""
    statuses: dict[str, int] = {}
    for point in state.video.values():
        if point["street"] == street:
            s = camera_status(point, now, stale_ms)
            statuses[s] = statuses.get(s, 0) + 1
    cases = cases or {}
    duty = [shift for shift in duty_rows(state, street) if shift["center"] == street]
    sensors = sum(1 for s in state.sensors.values() if s.get("street") == street)
    return {
        "street": street,
        "video": statuses,
        "open_incidents": cases.get("open", 0),
        "near": cases.get("near", 0),
        "overdue": cases.get("overdue", 0),
        "duty": duty,
        "sensors": sensors,
    }


def street_indicators(state: State, street: str | None,
                      catalogue: list[Indicator]) -> list[dict[str, Any]]:
    """The street's own indicator series (none for the district): value, names, level, and
    the series id (``id``: its chip opens the series' detail)."""
    by_key = {indicator.key: indicator for indicator in catalogue}
    return [
        {"value": series["value"], "name_zh": indicator.name_zh, "name_en": indicator.name_en,
         "level": level(series["value"], indicator), "id": sid}
        for sid, series in state.indicators.items()
        if street is not None and series["street"] == street
        and (indicator := by_key.get(series["key"])) is not None
    ]

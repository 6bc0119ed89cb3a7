"""The officers' alarm inbox: every alarm kind in one list (sensor alarms, cameras down
too long, indicators in alarm), with acknowledgements, shelves and the flood rule.  Pure:
a function of the state, the console configuration, the catalogue and ``now``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.cards import in_scope
from dashboard.catalogue import Indicator, level
from dashboard.classify import project
from dashboard.clock import MINUTE_MS
from dashboard.console import ConsoleConfig
from dashboard.i18n import STRINGS, t
from dashboard.state import State


def _indicator_alarm_since(series: Mapping[str, Any], indicator: Indicator) -> int | None:
    """When the series last entered the alarm level (None if it is not in alarm now)."""
    if level(series["value"], indicator) != "alarm":
        return None
    since = series["ts"]
    for ts, value in reversed(series["history"]):
        if level(value, indicator) != "alarm":
            break
        since = ts
    return int(since)


def sensor_names(kind: str) -> dict[str, str] | None:
    """A sensor kind's label in zh and en (None for a kind the labels do not know)."""
    key = f"sensor.{kind}"
    return {lang: t(key, lang) for lang in ("zh", "en")} if key in STRINGS else None


def alarm_exists(state: State, key: str) -> bool:
    """Whether ``key`` names an alarm the inbox can show: a sensor alarm (its key, the
    event id or else the log entry id: :func:`dashboard.state.alarm_key`), a camera
    (``video:<point>``) or an indicator series (``indicator:<series>``)."""
    kind, _, rest = key.partition(":")
    if kind == "video" and rest:
        return rest in state.video
    if kind == "indicator" and rest:
        return rest in state.indicators
    return key in state.alarms


def inbox(
    state: State,
    now: int,
    config: ConsoleConfig,
    catalogue: list[Indicator],
    scope: str | None = None,
    window_ms: int = 600_000,
    flood_alarms: int = 10,
) -> dict[str, Any]:
    """Unacknowledged, unshelved alarms, most severe then oldest first, plus the shelved
    ones and the flood state (more than ``flood_alarms`` raised within ``window_ms``)."""
    items: list[dict[str, Any]] = []

    def add(key: str, kind: str, severity: int, title: str, street: str | None, since: int, ref: str,
            names: dict[str, str] | None = None) -> None:
        if not in_scope(street, scope):
            return
        ack = state.alarm_acks.get(key)
        if ack and ack["ts"] >= since:
            return
        items.append(
            {
                "key": key,
                "kind": kind,
                "severity": severity,
                "title": title,
                "street": street,
                "since": since,
                "ref": ref,
                "names": names,  # the title in zh and en when it is a label, not the event's words
            }
        )

    for alarm_id, alarm in state.alarms.items():
        if not alarm.get("acked"):
            add(
                alarm_id,
                "sensor",
                alarm["level"],
                project("alarm", alarm, ("message",))["message"] or alarm["kind"],
                alarm.get("street"),
                alarm["ts"],
                alarm["sensor_id"],
                None if alarm.get("message") else sensor_names(alarm["kind"]),
            )
    limit_ms = int(config.camera_offline_alarm_min * MINUTE_MS)
    for pid, point in state.video.items():
        if point["status"] != "online" and now - point["since"] > limit_ms:
            add(
                f"video:{pid}",
                "camera",
                2 if point["status"] == "fault" else 3,
                point["name"],
                point["street"],
                point["since"],
                pid,
            )
    by_key = {indicator.key: indicator for indicator in catalogue}
    for sid, series in state.indicators.items():
        indicator = by_key.get(series["key"])
        since = _indicator_alarm_since(series, indicator) if indicator else None
        if since is not None and indicator is not None:
            add(f"indicator:{sid}", "indicator", 2, indicator.name_zh, series["street"], since, sid,
                {"zh": indicator.name_zh, "en": indicator.name_en})

    shelved = []
    for item in items:
        shelf = state.alarm_shelves.get(item["key"])
        if shelf and shelf["until"] > now:
            shelved.append({**item, "shelf": shelf})
    active = [item for item in items if item["key"] not in {s["key"] for s in shelved}]
    active.sort(key=lambda item: (item["severity"], item["since"]))
    recent = sum(1 for item in items if now - item["since"] <= window_ms)
    return {"active": active, "shelved": shelved, "recent": recent, "flood": recent > flood_alarms}

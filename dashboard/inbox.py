"""The officers' alarm inbox: every alarm kind in one list (sensor alarms, cameras down
too long, indicators in alarm), with acknowledgements, shelves and the flood rule.  Pure:
a function of the state, the console configuration, the catalogue and ``now``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dashboard import alarm_states, checkin, handover
from dashboard.cards import in_scope
from dashboard.catalogue import Indicator, level
from dashboard.classify import project
from dashboard.clock import BEIJING, MINUTE_MS, beijing, clock_text, span_text
from dashboard.console import ConsoleConfig
from dashboard.i18n import STRINGS, t, unit_name
from dashboard.roster_view import gap_alarms
from dashboard.sources import Sources, alarming, health
from dashboard.state import State
from dashboard.workdays import Calendar


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


def alarm_exists(state: State, key: str, feeding: Sources | None = None) -> bool:
    """Whether ``key`` names an alarm the inbox can show: a sensor alarm (its key, the
    event id or else the log entry id: :func:`dashboard.state.alarm_key`), a camera
    (``video:<point>``), an indicator series (``indicator:<series>``) or a feeding system
    seen or listed (``source:<name>``) or a roster's post (``roster:<centre>/<post>``)."""
    kind, _, rest = key.partition(":")
    if kind == "checkin" and rest:
        return any(f"{r['center']}/{r['post']}" == rest for r in state.checkins["requests"].values())
    if kind == "handover" and rest:
        return any(r["center"] == rest for r in state.handovers.values())
    if kind == "roster" and rest:
        return any(f"{r['center']}/{r['post']}" == rest for r in state.roster["rotations"].values())
    if kind == "source" and rest:
        return rest in state.sources or (feeding is not None and rest in feeding.listed)
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
    feeding: Sources | None = None,
    calendar: Calendar | None = None,
    handover_ack_min: float | None = None,
) -> dict[str, Any]:
    """The alarms in their ISA-18.2 states (dashboard/alarm_states.py):

    * ``active``: those that wait for the operator (unacknowledged, active or back to
      normal), neither shelved nor out of service;
    * ``acknowledged``: acknowledged and still active;
    * ``shelved`` and ``out_of_service``: kept out of the operator's way, listed apart;

    (most severe first; of one level, the active ones before those back to normal;
    then the oldest first),
    each item with its ``state``, ``stale`` and ``chattering`` marks; plus the counts of
    stale and chattering alarms, and the flood state (more than ``flood_alarms`` raised
    within ``window_ms``).  Cameras down too long and indicators in alarm are active while
    their condition holds and leave the lists when it ends."""
    items: list[dict[str, Any]] = []
    stale_ms = int(config.alarm_stale_h * 3_600_000)

    def add(key: str, kind: str, severity: int, title: str, street: str | None, since: int, ref: str,
            names: dict[str, str] | None = None, *, active: bool = True, acknowledged: bool = False,
            reactivations: int = 0, chattering: bool = False, source: str | None = None) -> None:
        if not in_scope(street, scope):
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
                "state": alarm_states.state_of(active, acknowledged),
                "stale": alarm_states.is_stale(active, since, now, stale_ms),
                "chattering": chattering,
                "reactivations": reactivations,
                "source": source or alarm_states.source_key(kind, ref),
            }
        )

    for alarm_id, alarm in state.alarms.items():
        status = alarm_states.alarm_state(alarm)
        if status == "normal":
            continue
        add(
            alarm_id,
            "anomaly" if alarm["kind"] == alarm_states.ANOMALY else "sensor",
            alarm["level"],
            project("alarm", alarm, ("message",))["message"] or alarm["kind"],
            alarm.get("street"),
            alarm.get("since", alarm["ts"]),
            alarm["sensor_id"],
            None if alarm.get("message") else sensor_names(alarm["kind"]),
            active=alarm.get("active", True),
            acknowledged=bool(alarm.get("acked")),
            reactivations=alarm.get("reactivations", 0),
            chattering=alarm.get("chattering", False),
            source=alarm_states.alarm_source(alarm),
        )

    def acked(key: str, since: int) -> bool:
        ack = state.alarm_acks.get(key)
        return bool(ack and ack["ts"] >= since)

    limit_ms = int(config.camera_offline_alarm_min * MINUTE_MS)
    for pid, point in state.video.items():
        if point["status"] != "online" and now - point["since"] > limit_ms:
            key = f"video:{pid}"
            add(key, "camera", 2 if point["status"] == "fault" else 3, point["name"], point["street"],
                point["since"], pid, acknowledged=acked(key, point["since"]))
    if feeding is not None:  # the feeding systems (dashboard/sources.py): silent, collapsing
        for item in health(state.sources, feeding, now):
            if alarming(item):
                key = f"source:{item['source']}"
                since = item["last"] or now
                add(key, "source", 2, item["name_zh"], None, since, item["source"],
                    {"zh": item["name_zh"], "en": item["name_en"]}, acknowledged=acked(key, since))
    for gap in gap_alarms(state.roster, now, calendar):  # a post without anyone in the next 24 h
        unit = None if gap["center"] == "district" else gap["center"]
        names = {lang: t("roster.gap_alarm", lang, centre=unit_name(unit, lang), post=gap["post"],
                         span=span_text(gap["start"], gap["end"])) for lang in ("zh", "en")}
        add(gap["key"], "roster", gap["severity"], names["zh"], unit, gap["since"],
            gap["key"].removeprefix("roster:"), names, acknowledged=acked(gap["key"], gap["since"]))
    for missed in checkin.missed_alarms(state.checkins, datetime.fromtimestamp(now / 1000, BEIJING)):
        unit = None if missed["center"] == "district" else missed["center"]
        at_text = clock_text(int(datetime.fromisoformat(missed["at"]).timestamp() * 1000))
        names = {lang: t("checkin.missed_alarm", lang, centre=unit_name(unit, lang), post=missed["post"],
                         at=at_text) for lang in ("zh", "en")}
        add(missed["key"], "checkin", 3, names["zh"], unit, missed["since"],
            missed["key"].removeprefix("checkin:"), names, acknowledged=acked(missed["key"], missed["since"]))
    if handover_ack_min is not None:  # a handover not acknowledged in time (dashboard/handover.py)
        for record in handover.unacknowledged(state.handovers, now, handover_ack_min):
            centre = record["center"]
            unit = None if centre == "district" else centre
            key, since = f"handover:{centre}", record["ts"] + int(handover_ack_min * MINUTE_MS)
            giver = project("handover", record, ("from_name",))["from_name"]
            names = {lang: t("handover.alarm", lang, centre=unit_name(unit, lang), name=giver,
                             time=clock_hm(record["ts"]))
                     for lang in ("zh", "en")}
            add(key, "handover", 2, names["zh"], unit, since, centre, names,
                acknowledged=acked(key, since))
    by_key = {indicator.key: indicator for indicator in catalogue}
    for sid, series in state.indicators.items():
        indicator = by_key.get(series["key"])
        since = _indicator_alarm_since(series, indicator) if indicator else None
        if since is not None and indicator is not None:
            key = f"indicator:{sid}"
            add(key, "indicator", 2, indicator.name_zh, series["street"], since, sid,
                {"zh": indicator.name_zh, "en": indicator.name_en}, acknowledged=acked(key, since))

    lists: dict[str, list[dict[str, Any]]] = {"active": [], "acknowledged": [], "shelved": [],
                                              "out_of_service": []}
    for item in items:
        service = state.alarm_out_of_service.get(item["source"])
        shelf = state.alarm_shelves.get(item["key"])
        if service is not None:
            lists["out_of_service"].append({**item, "service": service})
        elif shelf and shelf["until"] > now and alarm_states.needs_operator(item["state"]):
            lists["shelved"].append({**item, "shelf": shelf})
        elif alarm_states.needs_operator(item["state"]):
            lists["active"].append(item)
        else:
            lists["acknowledged"].append(item)
    for listed in lists.values():
        # most severe first; of one level, the active before those back to normal; then oldest
        listed.sort(key=lambda item: (item["severity"], item["state"] != "unacknowledged", item["since"]))
    counted = [item for item in items if item["source"] not in state.alarm_out_of_service]
    recent = sum(1 for item in counted if now - item["since"] <= window_ms)
    return {**lists, "recent": recent, "flood": recent > flood_alarms,
            "stale": sum(1 for item in counted if item["stale"]),
            "chattering": sum(1 for item in counted if item["chattering"])}


def clock_hm(ms: int) -> str:
    return beijing(ms).strftime("%m-%d %H:%M")

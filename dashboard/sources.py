"""Health of the feeding systems (数据源): the one home of when a source is silent or
collapsing and of what its silence means for the screens.

Every applied event names its ``source``; the reducer keeps per source (:func:`observe`,
called by dashboard/state.py ``apply``) when its events arrived — the log entry's time, so
every instance agrees — how many arrived each hour of the last :data:`HOURS_KEPT`, and which
families of events it feeds (``video``, ``indicator``, ``sensor``, ``hotline``, ``incident``,
``duty``, ``alarm``: the event type's first word).  From that and the wall clock,
:func:`health` says for each source:

* ``ok``;
* ``silent``: nothing for longer than its ``silence_s`` (sources.toml);
* ``collapsing``: the last complete hour brought less than ``collapse_ratio`` of its usual
  for that hour of the day (the mean of the same hour on the previous days that had
  events, at least :data:`USUAL_DAYS` of them, and at least ``min_usual_per_hour``);
* ``not_connected``: listed, never seen (an alarm only when ``expected``);
* ``unlisted``: seen but not in sources.toml: tracked and shown, never judged.

A family of events is *silent* when every source that fed it (within the hours kept,
the officers' own steps aside) is silent: the screens then mark what it feeds — indicator
tiles, the camera and sensor layers, the 12345 counters, the incident feed — "source
silent since 08:12" instead of showing the last values as current (:func:`silent_families`).  A silent or
collapsing listed source is also an alarm of the inbox (``source:<name>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dashboard.catalogue import read_toml

SOURCES_FILE = Path(__file__).resolve().parent / "data" / "sources.toml"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
HOURS_KEPT = 14 * 24  # two weeks of hourly counts per source
USUAL_DAYS = 3  # days of the same hour needed before a collapse can be judged
SOURCES_KEPT = 200  # distinct sources tracked (a producer inventing names cannot grow the state)
UNKNOWN = "unknown"  # the source of an event that names none
#: sources that are not feeding systems: the officers' own steps (dashboard/actions.py)
INTERNAL = frozenset({"console"})

Health = Literal["ok", "silent", "collapsing", "not_connected", "unlisted"]
#: the families whose silence a screen marks, in the order the screens list them
SCREEN_FAMILIES = ("indicator", "video", "sensor", "hotline", "incident")


@dataclass(frozen=True)
class Source:
    """A listed source (sources.toml)."""

    name: str
    name_zh: str
    name_en: str
    silence_s: int
    expected: bool
    collapse_ratio: float


@dataclass(frozen=True)
class Sources:
    listed: Mapping[str, Source]
    min_usual_per_hour: int = 30


def load_sources(path: str | Path | None = None) -> Sources:
    """Read sources.toml; ValueError naming the file and the key at fault."""
    file = SOURCES_FILE if path is None else Path(path)
    table = read_toml(file, "the sources file")
    listed: dict[str, Source] = {}
    for name, entry in (table.get("sources") or {}).items():
        where = f"{file}: [sources.{name}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a table")
        try:
            silence = entry.get("silence_s", 300)
            ratio = entry.get("collapse_ratio", 0.0)
            if not isinstance(silence, int) or silence < 0:
                raise ValueError(f"silence_s must be a whole number of seconds ≥ 0, not {silence!r}")
            if not isinstance(ratio, int | float) or not 0 <= ratio < 1:
                raise ValueError(f"collapse_ratio must be from 0 up to 1, not {ratio!r}")
            listed[name] = Source(name, str(entry.get("name_zh", name)), str(entry.get("name_en", name)),
                                  silence, bool(entry.get("expected", False)), float(ratio))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    usual = table.get("min_usual_per_hour", 30)
    if not isinstance(usual, int) or usual < 1:
        raise ValueError(f"{file}: min_usual_per_hour must be a whole number ≥ 1, not {usual!r}")
    return Sources(listed, usual)


# ---------------------------------------------------------------- the reducer's part


def observe(sources: dict[str, dict[str, Any]], source: str | None, event_type: str, arrival_ms: int) -> None:
    """Count one applied event of ``source`` arriving at ``arrival_ms`` (its log entry's
    time).  Deterministic; bounded (:data:`HOURS_KEPT` hours, :data:`SOURCES_KEPT` sources)."""
    name = source or UNKNOWN
    record = sources.get(name)
    if record is None:
        if len(sources) >= SOURCES_KEPT:
            return
        record = sources[name] = {"first": arrival_ms, "last": arrival_ms, "events": 0, "hours": [],
                                  "families": {}}
    record["last"] = max(record["last"], arrival_ms)
    record["events"] += 1
    hour = arrival_ms - arrival_ms % HOUR_MS
    hours = record["hours"]
    if hours and hours[-1][0] == hour:
        hours[-1][1] += 1
    elif not hours or hours[-1][0] < hour:
        hours.append([hour, 1])
        if len(hours) > HOURS_KEPT:
            del hours[: len(hours) - HOURS_KEPT]
    family = event_type.partition(".")[0]
    record["families"][family] = max(record["families"].get(family, 0), arrival_ms)


# ---------------------------------------------------------------- health, by the clock


def _rates(record: Mapping[str, Any], now_ms: int) -> tuple[int | None, float | None, int]:
    """(events in the last complete hour, the usual for that hour of the day, the days
    that usual rests on); None where it cannot be said."""
    last_hour = now_ms - now_ms % HOUR_MS - HOUR_MS
    counts = {int(h): int(n) for h, n in record["hours"]}
    if record["first"] > last_hour:
        return None, None, 0
    earlier = [counts[h] for h in range(last_hour - DAY_MS, last_hour - HOURS_KEPT * HOUR_MS, -DAY_MS)
               if h in counts]
    usual = sum(earlier) / len(earlier) if earlier else None
    return counts.get(last_hour, 0), usual, len(earlier)


def health(sources: Mapping[str, Mapping[str, Any]], config: Sources, now_ms: int) -> list[dict[str, Any]]:
    """Every source seen or listed with its health at ``now_ms``, listed ones first (in
    the file's order), then the others by name."""
    out: list[dict[str, Any]] = []
    for name in [*config.listed, *sorted(set(sources) - set(config.listed))]:
        listed, record = config.listed.get(name), sources.get(name)
        item: dict[str, Any] = {
            "source": name, "name_zh": listed.name_zh if listed else name,
            "name_en": listed.name_en if listed else name, "listed": listed is not None,
            "expected": bool(listed and listed.expected), "silence_s": listed.silence_s if listed else None,
            "last": None, "events": 0, "last_hour": None, "usual": None, "families": [],
        }
        if record is None:
            item["status"] = "not_connected"
            out.append(item)
            continue
        last_hour, usual, days = _rates(record, now_ms)
        item.update(last=record["last"], events=record["events"], last_hour=last_hour,
                    usual=None if usual is None else round(usual, 1), families=sorted(record["families"]))
        status: Health = "ok"
        if listed is None:
            status = "unlisted"
        elif listed.silence_s and now_ms - record["last"] > listed.silence_s * 1000:
            status = "silent"
        elif (listed.collapse_ratio and usual is not None and days >= USUAL_DAYS
              and usual >= config.min_usual_per_hour and last_hour is not None
              and last_hour < listed.collapse_ratio * usual):
            status = "collapsing"
        item["status"] = status
        out.append(item)
    return out


def alarming(item: Mapping[str, Any]) -> bool:
    """Whether a source's health is an alarm of the inbox."""
    return item["listed"] and (item["status"] in ("silent", "collapsing")
                               or (item["status"] == "not_connected" and item["expected"]))


def silent_families(sources: Mapping[str, Mapping[str, Any]], healths: list[dict[str, Any]],
                    now_ms: int) -> dict[str, dict[str, Any]]:
    """The families of events whose every listed feeding source (within the hours kept)
    is silent: family → {"since": the newest event of it, "sources": their names}.  A
    family that an unlisted source also fed recently is not marked (it is not judged);
    the officers' own steps (:data:`INTERNAL`) feed nothing."""
    status = {item["source"]: item for item in healths}
    horizon = now_ms - HOURS_KEPT * HOUR_MS
    fed: dict[str, list[tuple[str, int]]] = {}
    for name, record in sources.items():
        if name in INTERNAL:
            continue
        for family, last in record["families"].items():
            if last >= horizon:
                fed.setdefault(family, []).append((name, int(last)))
    out: dict[str, dict[str, Any]] = {}
    for family in SCREEN_FAMILIES:
        feeders = fed.get(family)
        if feeders and all(status.get(name, {}).get("status") == "silent" for name, _ in feeders):
            out[family] = {"since": max(last for _, last in feeders),
                           "sources": [name for name, _ in sorted(feeders)]}
    return out

"""Alarm load per duty seat, as ISA-18.2 and EEMUA 191 measure it, from the history archive.

A *seat* is a centre on duty: the district's (every alarm) or one street's (its alarms).
Over a period (an hour to months) the figures are:

* **rate**: alarms annunciated per 10 minutes (mean, median, highest, the share of
  10-minute intervals within the target of :data:`TARGET_PER_10_MIN`) and per hour (mean,
  highest, the share of hours within :data:`TARGET_PER_HOUR`);
* **flood**: the seat is in flood while more than ``flood_alarms`` (10) alarms were raised
  within the last 10 minutes — the rule the live inbox and wall apply — so the time in
  flood is measured on that sliding count, not on fixed intervals: its minutes, its share
  of the period (target below 1 %) and the number of floods;
* **top sources**: the ten sources (a sensor; an indicator series for early warnings) that
  raised most, with their share; together they should stay within 5 % of the load;
* **chattering** alarms (dashboard/alarm_states.py: three re-activations within a minute of
  clearing) and **stale** alarms (active longer than ``stale_ms``, 24 h), counted as the
  reducer would mark them, replayed from the archived raises and clears;
* **priorities**: the split of alarms by level mapped to ISA's three priorities — level 1
  high, level 2 medium, levels 3–4 low — against the target of about 5 / 15 / 80 %.

An *annunciation* is every archived raise (a ``sensor.alarm``; an ``indicator.anomaly``),
also when it re-activates an alarm the reducer folds into one line: a chattering alarm
loads the operator each time it sounds, which is why it is counted apart.  A producer's
retry archived twice (same event id) counts once.

Pure: :func:`alarm_load` takes the rows of the ``alarm_events`` query
(dashboard/history.py) and the period; no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dashboard import alarm_states

MINUTE_MS = 60_000
TEN_MIN_MS = 600_000
HOUR_MS = 3_600_000
#: ISA-18.2 / EEMUA 191 per operator seat
TARGET_PER_10_MIN = 1  # "very likely acceptable"; 2 is "manageable"
TARGET_PER_HOUR = 6
FLOOD_SHARE_TARGET = 0.01  # time in flood below 1 %
TOP_SOURCES = 10
TOP_SHARE_TARGET = 0.05  # the ten most frequent alarms within 5 % of the load
PRIORITY_TARGETS = {"high": 0.05, "medium": 0.15, "low": 0.80}
STALE_PER_DAY_TARGET = 5  # fewer stale alarms than this a day
PRIORITY_OF_LEVEL = {1: "high", 2: "medium", 3: "low", 4: "low"}
RAISES = ("sensor.alarm", "indicator.anomaly")
CLEARS = ("sensor.cleared",)


class AlarmEvent:
    """One row of the ``alarm_events`` query: when, what, which source, kind and level."""

    __slots__ = ("event_id", "kind", "level", "ms", "source", "street", "type")

    def __init__(self, ms: int, type_: str, street: str | None, source: str, kind: str | None,
                 level: int | None, event_id: str | None) -> None:
        self.ms, self.type, self.street, self.source = ms, type_, street, source
        self.kind, self.level, self.event_id = kind, level, event_id

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> AlarmEvent:
        ms, type_, street, source, kind, level, event_id = row
        return cls(int(ms), str(type_), street, str(source or ""), kind,
                   None if level is None else int(level), event_id)


@dataclass(eq=False)
class _Chain:
    """One alarm as the reducer holds it: raised, perhaps cleared and re-activated."""

    kind: str | None
    since: int
    active: bool = True
    cleared: int | None = None
    reactivations: int = 0
    longest_active_ms: int = 0

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "active": self.active, "cleared": self.cleared}


@dataclass
class Load:
    """The figures of one seat over one period (see the module's docstring)."""

    seat: str  # "district" or a street code
    start_ms: int
    end_ms: int
    alarms: int
    per_10_min: dict[str, float]
    per_hour: dict[str, float]
    flood: dict[str, float]
    top_sources: list[dict[str, Any]]
    top_share: float
    chattering: int
    stale: int
    priorities: dict[str, dict[str, float]]
    hourly: list[int] = field(default_factory=list)  # alarms per hour of the period, oldest first

    def to_json(self) -> dict[str, Any]:
        return {
            "seat": self.seat, "start_ms": self.start_ms, "end_ms": self.end_ms, "alarms": self.alarms,
            "per_10_min": self.per_10_min, "per_hour": self.per_hour, "flood": self.flood,
            "top_sources": self.top_sources, "top_share": self.top_share,
            "top_share_target": TOP_SHARE_TARGET, "chattering": self.chattering, "stale": self.stale,
            "priorities": self.priorities, "hourly": self.hourly,
            "targets": {"per_10_min": TARGET_PER_10_MIN, "per_hour": TARGET_PER_HOUR,
                        "flood_share": FLOOD_SHARE_TARGET},
            "met": self.met(),
        }

    def met(self) -> dict[str, bool]:
        """Whether each figure meets its target (the page says so in words).  Priorities:
        high at most 5 % and high and medium together at most 20 %."""
        days = (self.end_ms - self.start_ms) / (24 * HOUR_MS)
        high, medium = self.priorities["high"]["share"], self.priorities["medium"]["share"]
        return {"per_10_min": self.per_10_min["mean"] <= TARGET_PER_10_MIN,
                "per_hour": self.per_hour["mean"] <= TARGET_PER_HOUR,
                "flood": self.flood["share"] < FLOOD_SHARE_TARGET,
                "top_share": self.top_share <= TOP_SHARE_TARGET,
                "chattering": self.chattering == 0,
                "stale": self.stale < STALE_PER_DAY_TARGET * max(days, 1.0),
                "priorities": high <= PRIORITY_TARGETS["high"]
                              and high + medium <= PRIORITY_TARGETS["high"] + PRIORITY_TARGETS["medium"]}


def alarm_load(rows: Iterable[Sequence[Any]], start_ms: int, end_ms: int, seat: str = "district", *,
               flood_alarms: int = 10, stale_ms: int = alarm_states.STALE_MS) -> Load:
    """The load of ``seat`` in ``[start_ms, end_ms)`` from the rows of the ``alarm_events``
    query (already limited to the seat's street, or all for the district), in any order.
    Rows before ``start_ms`` are read for the chains they begin (a re-activation or a stale
    alarm that began earlier) but are not counted as load."""
    if end_ms <= start_ms:
        raise ValueError("the period must end after it starts")
    events = sorted((AlarmEvent.of_row(r) for r in rows), key=lambda e: (e.ms, e.type in CLEARS))
    seen: set[str] = set()
    raised: list[AlarmEvent] = []  # within the period: the load
    raises: list[int] = []  # every raise read (earlier ones too: a flood may begin before)
    chains: dict[str, list[_Chain]] = {}
    counted: set[int] = set()  # the chains (by id) that raised within the period
    for event in events:
        if event.ms >= end_ms:
            break
        held = chains.setdefault(event.source, [])
        if event.type in CLEARS:
            for chain in held:
                if chain.active:
                    chain.active, chain.cleared = False, event.ms
                    chain.longest_active_ms = max(chain.longest_active_ms, event.ms - chain.since)
            continue
        if event.event_id is not None:
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
        last = held[-1] if held else None
        if last is not None and alarm_states.reactivates(last.record(), event.kind or "", event.ms):
            last.active, last.cleared, last.since = True, None, event.ms
            last.reactivations += 1
        else:
            last = _Chain(event.kind, event.ms)
            held.append(last)
        raises.append(event.ms)
        if event.ms >= start_ms:
            raised.append(event)
            counted.add(id(last))
    for held in chains.values():
        for chain in held:
            if chain.active:
                chain.longest_active_ms = max(chain.longest_active_ms, end_ms - chain.since)
    stale = sum(1 for held in chains.values() for chain in held
                if chain.longest_active_ms > stale_ms and (chain.active or (chain.cleared or 0) >= start_ms))
    chattering = sum(1 for held in chains.values() for chain in held
                     if alarm_states.chattering(chain.reactivations) and id(chain) in counted)
    return Load(seat, start_ms, end_ms, len(raised), *_rates(raised, raises, start_ms, end_ms, flood_alarms),
                *_sources(raised), chattering, stale, _priorities(raised),
                hourly=_buckets(raised, start_ms, end_ms, HOUR_MS).tolist())


def _buckets(raised: Sequence[AlarmEvent], start_ms: int, end_ms: int, width_ms: int) -> np.ndarray:
    n = -(-(end_ms - start_ms) // width_ms)
    index = np.fromiter(((e.ms - start_ms) // width_ms for e in raised), dtype=np.int64, count=len(raised))
    return np.bincount(index, minlength=n)[:n]


def _rates(raised: Sequence[AlarmEvent], raises: Sequence[int], start_ms: int, end_ms: int,
           flood_alarms: int) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    tens = _buckets(raised, start_ms, end_ms, TEN_MIN_MS)
    hours = _buckets(raised, start_ms, end_ms, HOUR_MS)
    per_10 = {"mean": round(float(tens.mean()), 2), "median": float(np.median(tens)), "max": int(tens.max()),
              "within_target": round(float((tens <= TARGET_PER_10_MIN).mean()), 4)}
    per_hour = {"mean": round(float(hours.mean()), 2), "max": int(hours.max()),
                "within_target": round(float((hours <= TARGET_PER_HOUR).mean()), 4)}
    flooded_ms, floods = _flood_time(raises, start_ms, end_ms, flood_alarms)
    flood = {"floods": floods, "minutes": round(flooded_ms / MINUTE_MS, 1),
             "share": round(flooded_ms / (end_ms - start_ms), 4), "limit": flood_alarms}
    return per_10, per_hour, flood


def _flood_time(times: Sequence[int], start_ms: int, end_ms: int, limit: int) -> tuple[int, int]:
    """How long (ms) within ``[start_ms, end_ms)`` more than ``limit`` of the alarms at
    ``times`` (sorted) were raised within the trailing 10 minutes, and how many floods
    overlapped the period: a sweep over the moments an alarm enters (its time) and leaves (10 minutes
    later) the window; one leaving at the moment another enters leaves first."""
    moments = sorted([(t, 1) for t in times] + [(t + TEN_MIN_MS, -1) for t in times],
                     key=lambda m: (m[0], m[1]))
    count = flooded = floods = 0
    since: int | None = None
    for ms, step in moments:
        count += step
        if count > limit and since is None:
            since = ms
        elif count <= limit and since is not None:
            within = max(0, min(ms, end_ms) - max(since, start_ms))
            flooded, floods = flooded + within, floods + (within > 0)
            since = None
    return flooded, floods


def _sources(raised: Sequence[AlarmEvent]) -> tuple[list[dict[str, Any]], float]:
    counts = Counter(e.source for e in raised)
    total = len(raised)
    kinds = {e.source: e.kind for e in raised}
    streets = {e.source: e.street for e in raised}
    first = counts.most_common(TOP_SOURCES)
    top = [{"source": source, "kind": kinds[source], "street": streets[source], "alarms": n,
            "share": round(n / total, 4)} for source, n in first]
    return top, round(sum(n for _, n in first) / total, 4) if total else 0.0


def _priorities(raised: Sequence[AlarmEvent]) -> dict[str, dict[str, float]]:
    counts = Counter(PRIORITY_OF_LEVEL.get(e.level or 4, "low") for e in raised)
    total = len(raised)
    return {name: {"alarms": counts[name], "share": round(counts[name] / total, 4) if total else 0.0,
                   "target": target} for name, target in PRIORITY_TARGETS.items()}


#: How far before the period the archive is read for the chains it begins (a stale alarm
#: raised a day before the period is still stale within it).
LOOKBACK_MS = alarm_states.STALE_MS + 24 * HOUR_MS


def from_archive(archive: Any, start_ms: int, end_ms: int, scope: str | None, *, flood_alarms: int = 10,
                 stale_ms: int = alarm_states.STALE_MS) -> Load:
    """:func:`alarm_load` of the seat ``scope`` (None: the district) read from ``archive``
    (dashboard/history.py ``Archive``: call it where the archive may be read)."""
    from dashboard.clock import beijing_day

    first, last = beijing_day(start_ms - max(LOOKBACK_MS, stale_ms)), beijing_day(end_ms)
    rows = archive.query("alarm_events", first, last, scope, scope)
    return alarm_load(rows, start_ms, end_ms, scope or "district", flood_alarms=flood_alarms,
                      stale_ms=stale_ms)

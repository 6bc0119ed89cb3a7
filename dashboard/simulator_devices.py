"""Simulated field devices for :mod:`dashboard.simulator`: video points and IoT sensors.

Pure and deterministic: every random draw comes from the one ``random.Random`` held by a
:class:`Scatter`, so the order of calls fixes the output.  Generators return
:data:`Emitted` triples ``(event type, street, data)``; the simulator wraps them into
envelopes with ids and timestamps.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from dashboard import clock, geo
from dashboard import simulator_vocab as vocab

Emitted = tuple[str, str | None, dict[str, Any]]
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
ALARM_LEVEL_WEIGHTS = (3, 20, 40, 37)  # levels 1..4: level 1 (most severe) is rare


def cumulative(weights: list[float]) -> list[float]:
    """Running totals, for ``random.choices(cum_weights=...)``."""
    totals, running = [], 0.0
    for weight in weights:
        running += weight
        totals.append(running)
    return totals


def local_hour(ms: int) -> float:
    """Hour of the day in Shanghai time (0 ≤ h < 24) at epoch milliseconds ``ms``."""
    return clock.hour_of_day(ms)


class Scatter:
    """Places things in the district and invents people, drawing from one shared rng.

    ``weights`` is each unit's share of placed things (cameras, incidents, tickets); points
    come from :func:`dashboard.geo.random_point_in` over the packaged street areas.
    """

    def __init__(self, rng: random.Random, weights: dict[str, float]) -> None:
        self.rng = rng
        self.units = list(weights)
        self._cum = cumulative(list(weights.values()))

    def unit(self) -> str:
        """A unit code drawn by weight."""
        (code,) = self.rng.choices(self.units, cum_weights=self._cum)
        return code

    def place(self, code: str | None = None) -> tuple[float, float, str]:
        """``(lat, lon, street)``: a point rounded to 6 decimals in ``code`` (else a unit
        drawn by weight) and the unit :func:`dashboard.geo.street_at` gives for it."""
        code = code or self.unit()
        lat, lon = geo.random_point_in(code, self.rng)
        return round(lat, 6), round(lon, 6), geo.street_at(lat, lon) or code

    def address(self, street: str) -> tuple[str, str]:
        """A road of ``street`` and an address on it, e.g. ``长宁区天山路123号``."""
        road = self.rng.choice(vocab.ROADS[street])
        return road, f"长宁区{road}{self.rng.randint(1, 1800)}号"

    def person(self) -> str:
        """A fake Chinese name of two or three characters."""
        given = "".join(self.rng.choices(vocab.GIVEN, k=self.rng.choice((1, 2, 2))))
        return self.rng.choice(vocab.SURNAMES) + given

    def mobile(self) -> str:
        """A fake 11-digit mainland mobile number."""
        return self.rng.choice(vocab.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def officer(self) -> str:
        """An officer id such as ``officer-07``."""
        return f"officer-{self.rng.randint(1, vocab.OFFICER_COUNT):02d}"


class _Bag:
    """Ints with O(1) add, remove and a uniform, deterministic random choice."""

    def __init__(self) -> None:
        self._items: list[int] = []
        self._where: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: int) -> None:
        if item not in self._where:
            self._where[item] = len(self._items)
            self._items.append(item)

    def remove(self, item: int) -> None:
        index = self._where.pop(item)
        last = self._items.pop()
        if index < len(self._items):
            self._items[index] = last
            self._where[last] = index

    def choice(self, rng: random.Random) -> int:
        return self._items[rng.randrange(len(self._items))]


class CameraFleet:
    """The video points: placement, names and an online/offline/fault status each.

    State per camera is its unit and status; positions and names are only emitted once,
    by :meth:`register`.  Outages hover around 2–4 % offline and 0.5 % fault.
    """

    def __init__(self, scatter: Scatter, count: int) -> None:
        self._scatter = scatter
        self._count = count
        self._width = max(5, len(str(count)))
        self._kinds = [kind for kind, _ in vocab.CAMERA_KINDS]
        self._kind_cum = cumulative([share for _, share in vocab.CAMERA_KINDS])
        self._streets: list[str] = []
        self._status: list[str] = []
        self._offline, self._fault = _Bag(), _Bag()

    @property
    def outages(self) -> tuple[int, int]:
        """``(offline, fault)`` camera counts."""
        return len(self._offline), len(self._fault)

    def register(self) -> list[Emitted]:
        """Place every camera and return its ``video.point`` (status online).  Once only."""
        rng = self._scatter.rng
        emitted: list[Emitted] = []
        for index in range(self._count):
            lat, lon, street = self._scatter.place()
            (kind,) = rng.choices(self._kinds, cum_weights=self._kind_cum)
            data = {
                "point_id": self._point_id(index), "name": self._name(kind, street),
                "lat": lat, "lon": lon, "kind": kind, "status": "online",
            }
            self._streets.append(street)
            self._status.append("online")
            emitted.append(("video.point", street, data))
        return emitted

    def heartbeats(self, count: int) -> list[Emitted]:
        """``count`` keep-alive reports (same status, reason "heartbeat"), round-robin over
        the fleet.  One camera in 97 never sends one, so the wall has stale cameras to show
        once the stale limit has passed."""
        emitted: list[Emitted] = []
        if not self._status:
            return emitted
        cursor = getattr(self, "_heartbeat_cursor", 0)
        for _ in range(count):
            index = cursor % len(self._status)
            cursor += 1
            if index % 97 == 13:
                continue
            data = {"point_id": self._point_id(index), "status": self._status[index],
                    "reason": "heartbeat"}
            emitted.append(("video.status", self._streets[index], data))
        self._heartbeat_cursor = cursor
        return emitted

    def initial_outages(self) -> list[Emitted]:
        """``video.status`` for the cameras already offline (~3 %) or faulty (~0.5 %)."""
        emitted = []
        for index in range(len(self._status)):
            draw = self._scatter.rng.random()
            if draw < 0.035:
                emitted.append(self._set(index, "fault" if draw < 0.005 else "offline"))
        return emitted

    def change(self, ts: int) -> Emitted | None:
        """One status change moving the offline share towards a target drifting between
        2 % and 4 % (6-hour cycle) and the fault share towards 0.5 %, with some churn."""
        cameras = len(self._status)
        if cameras == 0:
            return None
        rng = self._scatter.rng
        target_offline = cameras * (0.03 + 0.01 * math.sin(2 * math.pi * ts / (6 * HOUR_MS)))
        want_fault = len(self._fault) < cameras * 0.005
        want_offline = len(self._offline) < target_offline
        broken = len(self._offline) + len(self._fault)
        draw = rng.random()
        if want_fault and (draw < 0.25 or not want_offline):
            status = "fault"
        elif (want_offline and draw < 0.75) or broken == 0:
            status = "offline"
        else:
            bag = self._offline if rng.random() * broken < len(self._offline) else self._fault
            return self._set(bag.choice(rng), "online")
        for _ in range(100):
            index = rng.randrange(cameras)
            if self._status[index] == "online":
                return self._set(index, status)
        return None

    def _point_id(self, index: int) -> str:
        return f"cam-{index + 1:0{self._width}d}"

    def _name(self, kind: str, street: str) -> str:
        rng = self._scatter.rng
        number = rng.randint(1, 12)
        roads = vocab.ROADS[street]
        if kind == "road":
            first, second = rng.sample(roads, 2)
            return f"{first}/{second}路口 {number}号"
        if kind == "community":
            return f"{rng.choice(roads)}{rng.randint(1, 1200)}弄 {number}号"
        if kind == "river":
            return f"{rng.choice(vocab.PLACES['river'])}{rng.choice(roads)}段 {number}号"
        if kind == "metro":
            return f"{rng.choice(vocab.PLACES['metro'])}{number}号口"
        return f"{rng.choice(vocab.PLACES[kind])} {number}号"

    def _set(self, index: int, status: str) -> Emitted:
        bags = {"offline": self._offline, "fault": self._fault}
        previous = self._status[index]
        if previous in bags:
            bags[previous].remove(index)
        if status in bags:
            bags[status].add(index)
        self._status[index] = status
        reasons = {
            "online": vocab.ONLINE_REASONS, "offline": vocab.OFFLINE_REASONS,
            "fault": vocab.FAULT_REASONS,
        }[status]
        data = {
            "point_id": self._point_id(index), "status": status,
            "reason": self._scatter.rng.choice(reasons),
        }
        return "video.status", self._streets[index], data


@dataclass(slots=True)
class _Sensor:
    sensor_id: str
    kind: int  # index into vocab.SENSOR_KINDS
    lat: float
    lon: float
    street: str


DAY_MS = 24 * HOUR_MS
#: anomaly episodes a sensor starts a day (a reading above its kind's alarm value for a few
#: readings); as the backfill's 0.3 % of ~20 readings a day
EPISODES_PER_SENSOR_DAY = 0.06
EPISODE_CHANCE = 0.003  # a sensor's first reading, no time elapsed to go by


class SensorNetwork:
    """IoT sensors with normal readings and occasional anomalies that raise alarms.

    An anomaly lasts a few readings with values above the kind's alarm value; alarms
    prefer sensors in an anomaly, so readings and alarms tell the same story.
    """

    def __init__(self, scatter: Scatter, count: int) -> None:
        self._scatter = scatter
        shares = cumulative([kind[2] for kind in vocab.SENSOR_KINDS])
        kinds = range(len(vocab.SENSOR_KINDS))
        self._sensors: list[_Sensor] = []
        for number in range(1, count + 1):
            (kind,) = scatter.rng.choices(kinds, cum_weights=shares)
            lat, lon, street = scatter.place()
            sensor_id = f"{vocab.SENSOR_KINDS[kind][0]}-{number:04d}"
            self._sensors.append(_Sensor(sensor_id, kind, lat, lon, street))
        self._anomalies: dict[int, int] = {}  # sensor index -> readings left above threshold
        self._alarmed: set[int] = set()  # sensors whose alarm has not cleared yet
        self._last_read: dict[int, int] = {}  # sensor index -> ts of its last reading

    def __len__(self) -> int:
        return len(self._sensors)

    def reading(self, ts: int, index: int | None = None) -> Emitted:
        """A ``sensor.reading`` of sensor ``index``, or of a random one (which may then
        start an anomaly: :data:`EPISODES_PER_SENSOR_DAY` a sensor a day, whatever the
        rate of readings).  The first reading after an anomaly that raised an alarm is a
        ``sensor.cleared`` instead: back to normal."""
        rng = self._scatter.rng
        if index is None:
            index = rng.randrange(len(self._sensors))
            # a chance per time elapsed, not per reading: at the demo's 50 events/s a sensor
            # reads every ~13 s, and 0.3 % a reading made 140 episodes an hour in 200
            # sensors (docs/early-warning.md "Alarm rate")
            last = self._last_read.get(index)
            chance = EPISODE_CHANCE if last is None else min(
                1.0, EPISODES_PER_SENSOR_DAY * max(0, ts - last) / DAY_MS)
            if index not in self._anomalies and rng.random() < chance:
                self._anomalies[index] = rng.randint(2, 6)
        self._last_read[index] = ts
        sensor = self._sensors[index]
        if index in self._alarmed and index not in self._anomalies:
            self._alarmed.discard(index)
            return "sensor.cleared", sensor.street, {"sensor_id": sensor.sensor_id}
        value = self._value(index, ts)
        if index in self._anomalies:
            self._anomalies[index] -= 1
            if self._anomalies[index] <= 0:
                del self._anomalies[index]
        kind, unit = vocab.SENSOR_KINDS[sensor.kind][:2]
        data = {
            "sensor_id": sensor.sensor_id, "kind": kind, "value": value, "unit": unit,
            "lat": sensor.lat, "lon": sensor.lon,
        }
        return "sensor.reading", sensor.street, data

    def alarm(self, ts: int) -> Emitted:
        """A ``sensor.alarm`` (levels 1..4, 1 rare) from a sensor in an anomaly."""
        rng = self._scatter.rng
        if self._anomalies:
            index = rng.choice(list(self._anomalies))
        else:
            index = rng.randrange(len(self._sensors))
            self._anomalies[index] = rng.randint(2, 6)
        sensor = self._sensors[index]
        self._alarmed.add(index)
        kind, unit, _, _, _, _, message = vocab.SENSOR_KINDS[sensor.kind]
        value = self._value(index, ts)
        (level,) = rng.choices((1, 2, 3, 4), weights=ALARM_LEVEL_WEIGHTS)
        data = {
            "sensor_id": sensor.sensor_id, "kind": kind, "level": level,
            "message": f"{message}（{value}{unit}）", "value": value,
            "lat": sensor.lat, "lon": sensor.lon,
        }
        return "sensor.alarm", sensor.street, data

    def _value(self, index: int, ts: int) -> float:
        kind, _, _, normal, spread, alarm, _ = vocab.SENSOR_KINDS[self._sensors[index].kind]
        rng = self._scatter.rng
        if index in self._anomalies:
            value = alarm * rng.uniform(1.0, 1.5)
        else:
            if kind == "crowd":  # busiest in the evening
                normal *= 1 + 0.6 * math.cos(2 * math.pi * (local_hour(ts) - 19) / 24)
            value = max(0.0, rng.gauss(normal, spread))
        return round(value) if kind == "crowd" else round(value, 2)

"""The demo data source: a deterministic generator of v1 event envelopes (DESIGN.md).

Pure: no Redis, no clock, no global random state.  The caller passes the times; the same
seed, arguments and call sequence give the same events, ids included.  Event ids are
``sim-<seed><run>-<n>``: ``run`` (empty by default) tells runs with the same seed apart,
so a restarted demo does not reuse the incident and ticket ids already in the log.

The simulated district has video points and IoT sensors (:mod:`.simulator_devices`,
placed in the packaged, approximate street areas, denser in the east), the indicator
catalogue (here), incidents and 12345 tickets that run through their workflows
(:mod:`.simulator_cases`) and duty rosters that hand over at 08:00 and 20:00 local time.
Internal state is small: per-camera unit and status, the sensors, the open cases.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from dashboard import clock, geo
from dashboard import simulator_vocab as vocab
from dashboard.catalogue import CATALOGUE_FILE, Indicator, Simulation, load_catalogue
from dashboard.holidays import day_kind
from dashboard.simulator_cases import INCIDENT_STEPS, HotlineDesk, IncidentDesk
from dashboard.simulator_devices import (
    HOUR_MS,
    CameraFleet,
    Emitted,
    Scatter,
    SensorNetwork,
    local_hour,
)

__all__ = [
    "CATALOGUE_FILE", "DEFAULT_START_MS", "HOUR_MS", "INCIDENT_STEPS", "SPREAD_MS",
    "DistrictSimulator", "Injection", "load_catalogue", "local_iso", "shift_start",
]

DEFAULT_START_MS = int(datetime(2025, 6, 2, 8, 0, tzinfo=clock.BEIJING).timestamp() * 1000)
#: A catalogue entry without simulator parameters gets a flat line at zero.
NO_SIMULATION = Simulation(base=0.0, amplitude=0.0, noise=0.0)
#: Share of video points, incidents and tickets per unit: the compact eastern streets are
#: far denser than the large western ones around the airport.
UNIT_WEIGHTS: dict[str, float] = {
    "huayanglu": 1.0, "jiangsulu": 1.0, "xinhualu": 1.0, "zhoujiaqiao": 0.8,
    "tianshanlu": 1.0, "xianxiaxincun": 0.9, "hongqiao": 1.0, "chengjiaqiao": 0.5,
    "beixinjing": 0.6, "xinjingzhen": 0.7, "linkong": 0.6,
}
SPREAD_MS = 400  # events of one step carry ts in (now_ms - SPREAD_MS, now_ms]


def local_iso(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 in Shanghai time, e.g. ``2025-06-02T08:00:00+08:00``."""
    return clock.iso(ms)


def shift_start(ms: int) -> int:
    """Start (epoch ms) of the 12-hour duty shift, 08:00–20:00 or 20:00–08:00 local, at ``ms``."""
    return ms - (ms - clock.day_start(ms) - 8 * HOUR_MS) % (12 * HOUR_MS)


@dataclass(frozen=True, slots=True)
class Injection:
    """An anomaly planted in one indicator series (``street`` None: the district's) from
    ``start_ms`` to ``end_ms``: ``spike`` and ``shift`` add ``size``, ``drift`` adds up to it
    linearly.  For the early-warning benchmark (bench/detect.py), which knows the times."""

    key: str
    street: str | None
    start_ms: int
    end_ms: int
    size: float
    shape: Literal["spike", "shift", "drift"] = "shift"

    def delta(self, key: str, street: str | None, ts: int) -> float:
        if key != self.key or street != self.street or not self.start_ms <= ts < self.end_ms:
            return 0.0
        if self.shape == "drift":
            return self.size * (ts - self.start_ms) / max(1, self.end_ms - self.start_ms)
        return self.size


class DistrictSimulator:
    """Deterministic generator of realistic district events (see the module docstring).

    Call :meth:`bootstrap` once, then :meth:`step` with non-decreasing ``now_ms``.  Every
    event's ``ts`` is epoch ms and never decreases across all events of one simulator.
    Incident lifecycle events carry ``version`` = the incident's version before the step
    (1 for ``acknowledged`` … 5 for ``closed``).  ``catalogue`` defaults to
    :func:`load_catalogue`.  50,000 video points bootstrap in about a second.
    """

    def __init__(
        self,
        seed: int = 7,
        video_points: int = 2000,
        start_ms: int = DEFAULT_START_MS,
        catalogue: list[Indicator] | None = None,
        run: str = "",
        injections: tuple[Injection, ...] = (),
        sensor_alarms_per_hour: float | None = None,
    ) -> None:
        if video_points < 0:
            raise ValueError("video_points must be >= 0")
        self.seed = seed
        self.tag = f"{seed}{run}"
        self.catalogue = load_catalogue() if catalogue is None else catalogue
        self._rng = random.Random(seed)
        self._units = [code for code, _, _ in geo.UNITS]
        self._street_bias = {code: self._rng.uniform(-0.12, 0.12) for code in self._units}
        scatter = Scatter(self._rng, {code: UNIT_WEIGHTS[code] for code in self._units})
        self._scatter = scatter
        self.cameras = CameraFleet(scatter, video_points)
        self.sensors = SensorNetwork(scatter, max(40, min(5000, video_points // 10)))
        self.incidents = IncidentDesk(scatter, self.tag)
        self.hotline = HotlineDesk(scatter, self.tag)
        self._serial = 0
        self._step_no = 0
        self._start_ms = self._last_ts = start_ms
        self._bootstrapped = False
        self._cumulative_last: dict[tuple[str, str | None], tuple[int, float]] = {}
        self._shift_start = shift_start(start_ms)
        self._pending: deque[Emitted] = deque()
        self.injections = injections
        #: None: an IoT alarm is one draw of the event mix (:meth:`_random_event`: ≈ 44 an hour
        #: at 50 events/s, the backfill's and the tests'); a number: that many an hour of
        #: simulated time whatever the rate (the live demo: a duty seat's load, ISA-18.2)
        self._alarms_per_hour = sensor_alarms_per_hour
        self._alarm_rng = random.Random(f"{seed}{run}-alarms")
        self._alarm_due = self._next_alarm(start_ms)

    def bootstrap(self) -> list[dict[str, Any]]:
        """The opening events, all at ``start_ms``: duty rosters, every ``video.point``
        (online), the cameras already offline or faulty, each sensor's first reading and
        every indicator (district-level, plus every unit for per-street ones).  Once only."""
        if self._bootstrapped:
            raise RuntimeError("bootstrap() has already run for this simulator")
        self._bootstrapped = True
        ts = self._start_ms
        emitted = self._roster(ts) + self.cameras.register() + self.cameras.initial_outages()
        emitted += [self.sensors.reading(ts, index) for index in range(len(self.sensors))]
        for indicator in self.catalogue:
            emitted.append(self._indicator(ts, indicator, None))
            if indicator.per_street:
                emitted += [self._indicator(ts, indicator, code) for code in self._units]
        return [self._envelope(ts, item) for item in emitted]

    def reseed(self, key: str) -> None:
        """Draw the events from here on from ``key`` (with the seed) instead of the seed's
        own sequence; the district itself (sensors, cameras, street biases, drawn at
        construction) stays the seed's.  The backfill reseeds each day by its date: with
        the seed alone every working day would repeat the same values."""
        self._rng.seed(f"{self.seed}|{key}")

    def step(self, now_ms: int, count: int) -> list[dict[str, Any]]:
        """Exactly ``count`` events with ``ts`` in ``(now_ms - SPREAD_MS, now_ms]``.

        Mostly camera status changes, sensor readings and indicator values, fewer hotline
        tickets, few incidents; a shift handover (26 ``duty.shift`` events) comes first once
        ``now_ms`` passes 08:00 or 20:00, spilling into later steps if ``count`` is small.
        Lifecycle events only concern incidents and tickets reported in an earlier step.
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        self._step_no += 1
        start = shift_start(now_ms)
        if start > self._shift_start:
            self._shift_start = start
            self._pending.extend(self._roster(start))
        offsets = sorted((self._rng.randrange(SPREAD_MS) for _ in range(count)), reverse=True)
        events = []
        for offset in offsets:
            ts = self._last_ts = max(self._last_ts, now_ms - offset)
            if self._pending:
                item = self._pending.popleft()
            elif ts >= self._alarm_due:
                item = self.sensors.alarm(ts)
                self._alarm_due = self._next_alarm(ts)
            else:
                item = self._random_event(ts)
            events.append(self._envelope(ts, item))
        return events

    def _next_alarm(self, after_ms: int) -> float:
        """When the next timed IoT alarm is due (never, without a rate): a Poisson process."""
        if not self._alarms_per_hour:
            return math.inf
        return after_ms + self._alarm_rng.expovariate(self._alarms_per_hour) * clock.HOUR_MS

    def heartbeats(self, now_ms: int, count: int) -> list[dict[str, Any]]:
        """Up to ``count`` camera keep-alives at ``now_ms`` (a few cameras stay silent)."""
        ts = self._last_ts = max(self._last_ts, now_ms)
        return [self._envelope(ts, item) for item in self.cameras.heartbeats(count)]

    def _envelope(self, ts: int, item: Emitted) -> dict[str, Any]:
        kind, street, data = item
        self._serial += 1
        event: dict[str, Any] = {
            "type": kind, "id": f"sim-{self.tag}-{self._serial}", "ts": ts, "source": "simulator",
        }
        if street is not None:
            event["street"] = street
        event["data"] = data
        return event

    def _random_event(self, ts: int) -> Emitted:
        """One event drawn from the typical mix.  Lifecycle weights grow with the open
        cases (about 40 incidents and 80 tickets stay open at equilibrium)."""
        step = self._step_no
        makers: list[tuple[float, Callable[[], Emitted | None]]] = [
            (30.0, lambda: self.cameras.change(ts)),
            (30.0, lambda: self.sensors.reading(ts)),
            (22.0, lambda: self._random_indicator(ts)),
            (2.0, lambda: self.hotline.new_ticket(step)),
            (min(24.0, 0.15 * len(self.hotline)), lambda: self.hotline.progress(step, ts)),
            (0.25, lambda: self.incidents.report(step)),
            (min(15.0, 0.1875 * len(self.incidents)), lambda: self.incidents.advance(step)),
            (0.03 if self._alarms_per_hour is None else 0.0, lambda: self.sensors.alarm(ts)),
        ]
        _, make = self._rng.choices(makers, weights=[weight for weight, _ in makers])[0]
        return make() or self.sensors.reading(ts)

    def indicator_value(self, ts: int, key: str, street: str | None = None) -> float:
        """One value of a series at ``ts``, as :meth:`step` would draw it (the benchmark's)."""
        indicator = next(i for i in self.catalogue if i.key == key)
        value: float = self._indicator(ts, indicator, street)[2]["value"]
        return value

    def _random_indicator(self, ts: int) -> Emitted:
        indicator = self._rng.choice(self.catalogue)
        street = None
        if indicator.per_street and self._rng.random() < 0.6:
            street = self._rng.choice(self._units)
        return self._indicator(ts, indicator, street)

    def _indicator(self, ts: int, indicator: Indicator, street: str | None) -> Emitted:
        """A value following the catalogue's daily rhythm and day type (documented in
        indicators.toml); per-street values are scaled by a fixed per-unit bias of up to
        ±12 %; an :class:`Injection` of the series adds its anomaly."""
        sim = indicator.sim or NO_SIMULATION
        scale = 1 + self._street_bias[street] if street else 1.0
        if sim.rest != 1.0 and day_kind(clock.beijing(ts).date()) != "working":
            scale *= sim.rest
        base, amplitude = sim.base * scale, sim.amplitude * scale
        hour, omega = local_hour(ts), 2 * math.pi / 24
        peak = sim.peak_hour
        noise = self._rng.gauss(0.0, sim.noise) if sim.noise else 0.0
        if sim.cumulative:
            ratio = min(amplitude / base, 0.95) if base else 0.0
            swing = math.sin(omega * (hour - peak)) - math.sin(-omega * peak)
            value = base * (hour + ratio / omega * swing) / 24 + noise
        else:
            value = base + amplitude * math.cos(omega * (hour - peak)) + noise
        for injection in self.injections:
            value += injection.delta(indicator.key, street, ts)
        low = -math.inf if sim.min is None else sim.min
        high = math.inf if sim.max is None else sim.max
        value = round(min(max(value, low), high), indicator.decimals)
        if sim.cumulative:  # a count since midnight never goes down that day
            day = clock.day_start(ts)
            last_day, last_value = self._cumulative_last.get((indicator.key, street), (-1, 0))
            value = max(value, last_value) if last_day == day else value
            self._cumulative_last[(indicator.key, street)] = (day, value)
        if indicator.decimals == 0:
            value = int(value)
        return "indicator.value", street, {"key": indicator.key, "value": value}

    def _roster(self, start_ms: int) -> list[Emitted]:
        """``duty.shift`` for the district centre's four posts and each unit's two."""
        start, end = local_iso(start_ms), local_iso(start_ms + 12 * HOUR_MS)
        centres: list[tuple[str, tuple[str, ...]]] = [("district", vocab.DISTRICT_POSTS)]
        centres += [(code, vocab.UNIT_POSTS) for code in self._units]
        roster: list[Emitted] = []
        for centre, posts in centres:
            for post in posts:
                data = {
                    "center": centre, "post": post, "name": self._scatter.person(),
                    "phone": f"021-{self._rng.randint(22050000, 22059999)}",
                    "start": start, "end": end,
                }
                roster.append(("duty.shift", None if centre == "district" else centre, data))
        return roster

"""Seasonal baselines of the early warning (预知研判): what a series usually reads at this
time of day on this kind of day, and how far a value is from it.  Pure: numbers in,
numbers out (the calendar and the clock are passed in).

The model (docs/early-warning.md says why):

1. **Trend**: the points are averaged per hour (gaps interpolated) and decomposed by
   statsmodels' MSTL with a daily and a weekly period, so the trend follows slow change
   (weeks) and not the daily rhythm nor the weekend.
2. **Seasonal profile by day type**: the detrended points are grouped by day type
   (working day / rest day on the district's calendar: a make-up working day 调休 counts
   as working, a holiday as rest, whatever weekday it falls on) and by time-of-day bucket;
   the median of each group is the profile.  Buckets are one hour wide, wider for sparse
   series (a street value arriving a few times a day) so that every group holds enough
   points; the profile between bucket centres is interpolated.  STL's own seasonal
   component cannot do this: holidays break any fixed period.
3. **Robust score**: residual = value − (trend + profile); the scale is the MAD of the
   residuals (× 1.4826, so it estimates a standard deviation under normal noise), per day
   type — or, for a series that reports in whole steps and so has a MAD of 0, the RMS
   deviation of the central 98 % (÷ 0.934) when larger — with a floor (the
   rounding's spread, step/√12; 0.1 % of the level).  score = residual / scale:
   "3.1 robust deviations".

A series needs :data:`LEARNING_MS` (two full weeks) of history before it may alarm;
until then it is *learning* and says how long it still needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from dashboard import clock
from dashboard.workdays import Calendar

DayType = Literal["working", "rest"]
DAY_TYPES: tuple[DayType, DayType] = ("working", "rest")
HOUR_MS = clock.HOUR_MS
DAY_MS = clock.DAY_MS
#: two full weeks of history before a series may alarm (DESIGN: ≥ 2 full periods of the week)
LEARNING_MS = 14 * DAY_MS
#: the model's name and version: a change of how baselines are fitted changes it, so
#: baselines kept by an earlier version are not used (dashboard/baseline_store.py)
MODEL = "mstl-daytype-1"
#: bucket widths (hours) tried, narrowest first; each must divide 24
BUCKET_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
#: points wanted in the median (day type, bucket) group before a width is accepted
MIN_PER_BUCKET = 8
MAD_TO_SD = 1.4826
TRIM_QUANTILE = 0.98  # the central part of the residuals whose RMS is a second scale
TRIMMED_SD = 0.934  # the SD of a standard normal cut at ±2.326 (its central 98 %)
#: the "usual" band shown with a value: expected ± BAND_K robust deviations
BAND_K = 3.0
BACKFIT_PASSES = 2  # trend ↔ profile rounds after the first trend
LEVEL_DAYS = 3  # the level is the median of this many last days, profile removed


def day_type(calendar: Calendar, day: date) -> DayType:
    """Working (weekdays and make-up working days) or rest (weekends and holidays)."""
    return "working" if calendar.is_working(day) else "rest"


def day_type_at(calendar: Calendar, ms: int) -> DayType:
    return day_type(calendar, clock.beijing(ms).date())


def hour_of_day(ms: int) -> float:
    """Beijing time of day in hours, 0 ≤ h < 24."""
    return (ms - clock.day_start(ms)) / HOUR_MS


@dataclass(frozen=True, slots=True)
class Expectation:
    expected: float
    low: float
    high: float
    scale: float
    day_type: DayType


@dataclass(frozen=True, slots=True)
class Baseline:
    """A fitted series.  ``ready`` once it has :data:`LEARNING_MS` of history."""

    points: int
    first_ms: int
    last_ms: int
    fitted_ms: int
    level: float  # the trend at the end of the history
    bucket_hours: int
    profile: dict[DayType, tuple[float, ...]]  # per bucket, 24 / bucket_hours values
    scale: dict[DayType, float]
    band_k: float = BAND_K

    @property
    def ready(self) -> bool:
        return self.fitted_ms - self.first_ms >= LEARNING_MS

    def learning_left_ms(self, now_ms: int) -> int:
        """How much history the series still needs before it may alarm (0: ready)."""
        return max(0, self.first_ms + LEARNING_MS - now_ms)

    def _profile_at(self, kind: DayType, hour: float) -> float:
        values = self.profile[kind]
        n = len(values)
        # bucket centres at 0, 1, … n − 1; before the first and after the last centre the
        # end buckets' line goes on (no wrap over midnight: a count since midnight restarts)
        if n == 1:
            return values[0]
        position = hour / self.bucket_hours - 0.5
        left = min(max(math.floor(position), 0), n - 2)
        frac = position - left
        return values[left] * (1 - frac) + values[left + 1] * frac

    def expect(self, calendar: Calendar, ms: int) -> Expectation:
        kind = day_type_at(calendar, ms)
        expected = self.level + self._profile_at(kind, hour_of_day(ms))
        scale = self.scale[kind]
        return Expectation(expected, expected - self.band_k * scale, expected + self.band_k * scale,
                           scale, kind)

    def score(self, calendar: Calendar, ms: int, value: float) -> tuple[float, Expectation]:
        """The value's robust deviation from the expectation (signed), and the expectation."""
        e = self.expect(calendar, ms)
        return (value - e.expected) / e.scale, e

    def forecast(self, calendar: Calendar, now_ms: int, hours: int = 6,
                 step_ms: int = HOUR_MS // 4) -> list[tuple[int, Expectation]]:
        """The expectation for the next ``hours``, every ``step_ms`` (the trend held level)."""
        start = now_ms - now_ms % step_ms + step_ms
        return [(ms, self.expect(calendar, ms)) for ms in range(start, now_ms + hours * HOUR_MS + 1, step_ms)]


def _hourly_trend(ts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The trend at each point: MSTL (daily and weekly periods) of the
    hourly means, gaps interpolated; a median level when there are too few hours for STL."""
    hours = (ts - ts[0]) // HOUR_MS
    span = int(hours[-1]) + 1
    if span < 3 * 24:
        return np.full(len(values), float(np.median(values)))
    sums = np.bincount(hours, weights=values, minlength=span)
    counts = np.bincount(hours, minlength=span)
    hourly = np.full(span, np.nan)
    seen = counts > 0
    hourly[seen] = sums[seen] / counts[seen]
    index = np.arange(span)
    hourly = np.interp(index, index[seen], hourly[seen])
    from statsmodels.tsa.seasonal import MSTL  # imported when first fitted (≈ 0.5 s)

    periods = (24, 7 * 24) if span >= 2 * 7 * 24 else (24,)
    # one pass, not robust: ≈ 0.1 s for four weeks of hours (robust STL costs ~6×); the
    # robustness that matters is the median/MAD of the next stages
    result = MSTL(hourly, periods=periods, iterate=1).fit()
    trend = np.asarray(result.trend, dtype=float)
    return trend[hours]


def _bucket_width(hours: np.ndarray, kinds: np.ndarray) -> int:
    for width in BUCKET_HOURS:
        buckets = (hours // width).astype(int)
        counts = [np.bincount(buckets[kinds == k], minlength=24 // width) for k in (0, 1)]
        filled = [c for c in counts if c.sum()]
        if filled and all(float(np.median(c)) >= MIN_PER_BUCKET for c in filled):
            return width
    return 24


def fit(ts: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray, calendar: Calendar,
        now_ms: int, resolution: float = 0.01) -> Baseline | None:
    """The baseline of one series from its history (any order); None without points.
    ``resolution``: the smallest step the series reports in (its rounding), a floor of
    the scale so a series that rounds to whole numbers does not see its noise as zero."""
    if len(ts) == 0:
        return None
    order = np.argsort(np.asarray(ts, dtype=np.int64), kind="stable")
    t = np.asarray(ts, dtype=np.int64)[order]
    v = np.asarray(values, dtype=float)[order]
    local = t + 8 * HOUR_MS  # Beijing has no daylight saving: day and hour by arithmetic
    hours = (local % DAY_MS) / HOUR_MS
    days = local // DAY_MS
    kind_of_day = {int(d): 0 if day_type(calendar, clock.beijing(int(d) * DAY_MS).date()) == "working" else 1
                   for d in np.unique(days)}
    kinds = np.array([kind_of_day[int(d)] for d in days], dtype=np.int8)
    width = _bucket_width(hours, kinds)
    buckets = (hours // width).astype(int)
    # backfitting: the trend of the points, the day-type profile of what the trend leaves,
    # then the trend again of the points without that profile (a holiday week would
    # otherwise pull the trend down: MSTL's weekly period cannot know it)
    trend = _hourly_trend(t, v)
    for _ in range(BACKFIT_PASSES):
        profile = _profile(v - trend, kinds, buckets, width)
        trend = _hourly_trend(t, v - _profile_vector(profile, width, kinds, hours))
    detrended = v - trend
    profile = _profile(detrended, kinds, buckets, width)
    residual = detrended - _profile_vector(profile, width, kinds, hours)
    # the floor: the rounding's own spread (a uniform error of one step has SD step/√12),
    # and a thousandth of the level
    floor = max(resolution / math.sqrt(12), 1e-3 * abs(float(np.median(v))), 1e-9)
    every = _spread(residual)
    scale: dict[DayType, float] = {}
    for k, name in enumerate(DAY_TYPES):
        mine = residual[kinds == k]
        scale[name] = max(_spread(mine) if len(mine) >= 20 else every, floor)
    # the level now: the median of the last days without their profile (the end of a
    # smoothed trend is its least certain part)
    recent = t >= t[-1] - LEVEL_DAYS * DAY_MS
    level = float(np.median((v - _profile_vector(profile, width, kinds, hours))[recent]))
    return Baseline(points=len(v), first_ms=int(t[0]), last_ms=int(t[-1]), fitted_ms=now_ms,
                    level=level, bucket_hours=width, profile=profile, scale=scale)


def _profile(detrended: np.ndarray, kinds: np.ndarray, buckets: np.ndarray, width: int
             ) -> dict[DayType, tuple[float, ...]]:
    """The median per (day type, bucket); a group of fewer than 3 points takes the other
    day type's bucket, else the overall median."""
    n = 24 // width
    overall = float(np.median(detrended))
    medians: dict[int, list[float | None]] = {}
    for k in (0, 1):
        row: list[float | None] = []
        for b in range(n):
            group = detrended[(kinds == k) & (buckets == b)]
            row.append(float(np.median(group)) if len(group) >= 3 else None)
        medians[k] = row
    profile: dict[DayType, tuple[float, ...]] = {}
    for k, name in enumerate(DAY_TYPES):
        other = medians[1 - k]
        profile[name] = tuple(
            m if m is not None else o if o is not None else overall
            for m, o in zip(medians[k], other, strict=True))
    return profile


def _profile_vector(profile: dict[DayType, tuple[float, ...]], width: int, kinds: np.ndarray,
                    hours: np.ndarray) -> np.ndarray:
    """The profile at each point, interpolated between bucket centres (as Baseline does)."""
    out = np.empty(len(hours))
    for k, name in enumerate(DAY_TYPES):
        mask = kinds == k
        if not mask.any():
            continue
        values = np.asarray(profile[name])
        n = len(values)
        if n == 1:
            out[mask] = values[0]
            continue
        position = hours[mask] / width - 0.5
        li = np.clip(np.floor(position).astype(int), 0, n - 2)
        frac = position - li
        out[mask] = values[li] * (1 - frac) + values[li + 1] * frac
    return out


def _spread(residual: np.ndarray) -> float:
    """The residuals' robust standard deviation: the larger of the MAD's (× 1.4826) and the
    root mean square deviation of the central 98 % (÷ 0.934, the SD of a normal cut at
    its 98 % point).  A series that reports in whole steps (counts, grades) has most
    residuals exactly 0 and a MAD of 0 though it does vary by a step now and then; the
    trimmed RMS sees that variation, and the trim keeps the few past anomalies in the
    history from widening it."""
    if len(residual) == 0:
        return 0.0
    deviation = np.abs(residual - np.median(residual))
    central = deviation[deviation <= np.quantile(deviation, TRIM_QUANTILE)]
    rms = float(np.sqrt(np.mean(central ** 2))) / TRIMMED_SD if len(central) else 0.0
    return max(_mad(residual), rms)


def _mad(residual: np.ndarray) -> float:
    if len(residual) == 0:
        return 0.0
    return MAD_TO_SD * float(np.median(np.abs(residual - np.median(residual))))

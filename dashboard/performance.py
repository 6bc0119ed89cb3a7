"""Street performance (绩效考核 · 比学赶超): the composite index of the units' figures for
a period, and how certain its ranking is.  Pure: the figures come from
:mod:`dashboard.performance_figures` (the archive), the weights from ``performance.toml``.

The method follows the OECD/JRC *Handbook on Constructing Composite Indicators* (2008),
its steps in order:

1. **Figures** (:data:`FIGURES`, the one home of their list): each says whether higher or
   lower is better.  A figure counted from fewer than ``min_cases`` cases is *missing* for
   that unit (a rate of two cases is noise, not performance).
2. **Normalisation**: min–max over the units of the period, oriented so that 100 is the
   best unit and 0 the worst; a figure on which every unit is equal tells them nothing
   and is left out of that period's index.
3. **Weighting**: the weights of ``performance.toml`` (relative; scaled to sum to 1).  A
   unit missing a figure has its other weights scaled up to sum to 1: no data is neither
   good nor bad.
4. **Aggregation**: the weighted arithmetic mean (linear, compensatory: a strong figure
   makes up for a weak one, which a ranking meant to help streets improve accepts).
5. **Uncertainty and sensitivity**: the index is recomputed under ``draws`` alternatives,
   each drawing weights from a Dirichlet distribution centred on the configured ones
   (``concentration``: larger is closer) and one of three methods — min–max with the
   arithmetic mean, z-scores with the arithmetic mean, min–max on 1–100 with the
   geometric mean (not compensatory).  Each unit's median rank and 5–95 % rank interval
   over the draws, and its rank under equal weights, say how certain its place is.  The
   draws are seeded: every instance and every report gives the same answer.

Ranks count from 1 (the best); equal indices share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from dashboard.catalogue import read_toml

Better = Literal["higher", "lower"]
Trend = Literal["up", "down", "same", "new"]
Method = Literal["minmax-mean", "z-mean", "minmax-geometric"]
METHODS: tuple[Method, ...] = ("minmax-mean", "z-mean", "minmax-geometric")

PERFORMANCE_FILE = Path(__file__).parent / "data" / "performance.toml"


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of a unit's performance (its label: ``perf.figure.<key>`` of i18n)."""

    key: str
    better: Better
    unit: str  # "%" or "min" or "count" (how the screens and reports print it)


#: Every figure the index may combine, in the order screens and reports list them.
FIGURES: tuple[Figure, ...] = (
    Figure("incident_on_time", "higher", "%"),      # cases resolved within their limit
    Figure("report_to_ack_min", "lower", "min"),    # report → 立案, median
    Figure("dispatch_to_resolve_min", "lower", "min"),  # 派单 → 处置, median
    Figure("incident_reopen", "lower", "%"),        # resolved cases reopened
    Figure("hotline_on_time", "higher", "%"),       # 12345 tickets closed by their deadline
    Figure("hotline_satisfied", "higher", "%"),     # callbacks satisfied or basically satisfied
    Figure("hotline_recurring", "lower", "%"),      # tickets in a recurring issue (perception)
    Figure("camera_online", "higher", "%"),         # camera-time online
    Figure("alarm_ack_min", "lower", "min"),        # sensor alarm → acknowledged, median
    Figure("checkin_answered", "higher", "%"),      # 查岗 requests answered in time
)
FIGURE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
_BETTER: dict[str, Better] = {f.key: f.better for f in FIGURES}


@dataclass(frozen=True, slots=True)
class Measure:
    """A figure's value for one unit and how many cases it was counted from."""

    value: float | None
    cases: int


@dataclass(frozen=True)
class Config:
    weights: Mapping[str, float]  # by figure key, relative
    draws: int = 500
    concentration: float = 20.0
    seed: int = 20220101
    min_cases: int = 5

    def scaled(self) -> dict[str, float]:
        total = sum(self.weights.values())
        return {key: w / total for key, w in self.weights.items()}


@dataclass(frozen=True)
class Standing:
    """One unit's place on the board."""

    unit: str
    index: float | None  # 0–100; None: no figure to judge it by
    rank: int | None
    rank_median: float | None  # over the sensitivity draws
    rank_low: int | None  # 5 % of the draws rank it better than this
    rank_high: int | None  # 95 % rank it better than this
    rank_equal_weights: int | None
    previous_rank: int | None
    trend: Trend
    strongest: str | None  # the figure with its best normalised score
    weakest: str | None
    scores: dict[str, float | None] = field(default_factory=dict)  # normalised, 0–100
    measures: dict[str, Measure] = field(default_factory=dict)


@dataclass(frozen=True)
class Board:
    standings: tuple[Standing, ...]  # ranked first, best first; then the unranked
    figures: tuple[str, ...]  # the figures that discriminated this period
    draws: int


def load_config(path: str | Path | None = None) -> Config:
    """Read performance.toml; ValueError naming the file and the key at fault."""
    file = PERFORMANCE_FILE if path is None else Path(path)
    table = read_toml(file, "the performance file")
    raw = table.get("weights")
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{file}: [weights] must give a weight to one figure or more")
    weights: dict[str, float] = {}
    for key, weight in raw.items():
        if key not in _BETTER:
            raise ValueError(f"{file}: weights.{key} is not a figure (known: {', '.join(FIGURE_KEYS)})")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ValueError(f"{file}: weights.{key} must be a number ≥ 0, not {weight!r}")
        weights[key] = float(weight)
    if not sum(weights.values()) > 0:
        raise ValueError(f"{file}: [weights] add up to 0")
    sens = table.get("sensitivity", {})
    if not isinstance(sens, dict):
        raise ValueError(f"{file}: [sensitivity] must be a table")
    checks = {"draws": (int, 0), "concentration": (int | float, 0), "seed": (int, -1), "min_cases": (int, 0)}
    values: dict[str, float] = {}
    for key, (kind, floor) in checks.items():
        if key in sens:
            value = sens[key]
            if isinstance(value, bool) or not isinstance(value, kind) or value <= floor:
                raise ValueError(f"{file}: sensitivity.{key} must be a number above {floor}, not {value!r}")
            values[key] = value
    return Config(weights, **values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- normalise, weight, aggregate


def _oriented(values: np.ndarray, better: Better) -> np.ndarray:
    return values if better == "higher" else -values


def normalised(column: np.ndarray, better: Better, method: Method) -> np.ndarray | None:
    """One figure's scores over the units (NaN where missing), or None when the units
    that have it are all equal (it tells them nothing)."""
    x = _oriented(column, better)
    have = ~np.isnan(x)
    if have.sum() < 2:
        return None
    lo, hi = np.nanmin(x), np.nanmax(x)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return None
    if method == "z-mean":
        return (x - np.nanmean(x)) / np.nanstd(x)
    scaled = (x - lo) / (hi - lo)
    return 1 + 99 * scaled if method == "minmax-geometric" else 100 * scaled


def indices(matrix: np.ndarray, keys: Sequence[str], weights: np.ndarray, method: Method) -> np.ndarray:
    """The index of each unit (row) from its figures (columns, NaN where missing)."""
    scores = np.full(matrix.shape, np.nan)
    for j, key in enumerate(keys):
        column = normalised(matrix[:, j], _BETTER[key], method)
        if column is not None:
            scores[:, j] = column
    have = ~np.isnan(scores)
    w = np.where(have, weights[None, :], 0.0)
    total = w.sum(axis=1)
    out = np.full(matrix.shape[0], np.nan)
    judged = total > 0
    w = w[judged] / total[judged, None]
    s = np.where(have[judged], scores[judged], 0.0 if method != "minmax-geometric" else 1.0)
    out[judged] = np.exp((w * np.log(s)).sum(axis=1)) if method == "minmax-geometric" else (w * s).sum(axis=1)
    return out


def ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks, 1 the highest value (ties share the better rank); NaN unranked."""
    out = np.full(values.shape, np.nan)
    have = ~np.isnan(values)
    v = np.round(values[have], 9)
    out[have] = [1 + int((v > x).sum()) for x in v]
    return out


def board(measures: Mapping[str, Mapping[str, Measure]], config: Config,
          previous: Mapping[str, int] | None = None) -> Board:
    """The board of a period: ``measures[unit][figure]``; ``previous``: each unit's rank in
    the period before (for the trend arrows)."""
    units = sorted(measures)
    keys = [k for k in FIGURE_KEYS if config.weights.get(k, 0) > 0]
    matrix = np.array([[_value(measures[u].get(k), config.min_cases) for k in keys] for u in units],
                      dtype=float).reshape(len(units), len(keys))
    weights = np.array([config.weights[k] for k in keys], dtype=float)
    weights = weights / weights.sum() if len(keys) else weights
    index = indices(matrix, keys, weights, "minmax-mean")
    rank = ranks(index)
    equal = ranks(indices(matrix, keys, np.full(len(keys), 1 / max(1, len(keys))), "minmax-mean"))
    drawn = _draw_ranks(matrix, keys, weights, config)
    scores = {k: normalised(matrix[:, j], _BETTER[k], "minmax-mean") for j, k in enumerate(keys)}
    figures = tuple(k for k in keys if scores[k] is not None)
    out: list[Standing] = []
    for i, unit in enumerate(units):
        mine = {k: (None if s is None or np.isnan(s[i]) else round(float(s[i]), 1))
                for k, s in scores.items()}
        known = {k: v for k, v in mine.items() if v is not None}
        # the best and worst by normalised score; ties go to the heavier weight, then the order
        order = sorted(known, key=lambda k: (-known[k], -config.weights[k], keys.index(k)))
        low = sorted(known, key=lambda k: (known[k], -config.weights[k], keys.index(k)))
        if len(set(known.values())) < 2:  # one figure, or all alike: nothing stands out
            order = low = []
        r = None if np.isnan(rank[i]) else int(rank[i])
        before = (previous or {}).get(unit)
        col = drawn[:, i] if drawn.size else np.array([])
        col = col[~np.isnan(col)]
        out.append(Standing(
            unit=unit, index=None if np.isnan(index[i]) else round(float(index[i]), 1), rank=r,
            rank_median=float(np.median(col)) if col.size else None,
            rank_low=int(np.floor(np.percentile(col, 5))) if col.size else None,
            rank_high=int(np.ceil(np.percentile(col, 95))) if col.size else None,
            rank_equal_weights=None if np.isnan(equal[i]) else int(equal[i]),
            previous_rank=before, trend=_trend(r, before),
            strongest=order[0] if order else None, weakest=low[0] if low else None,
            scores=mine, measures={k: measures[unit][k] for k in keys if k in measures[unit]}))
    out.sort(key=lambda s: (s.rank is None, s.rank or 0, s.unit))
    return Board(tuple(out), figures, config.draws)


def _value(measure: Measure | None, min_cases: int) -> float:
    if measure is None or measure.value is None or measure.cases < min_cases:
        return float("nan")
    return float(measure.value)


def _trend(rank: int | None, before: int | None) -> Trend:
    if rank is None or before is None:
        return "new"
    return "up" if rank < before else "down" if rank > before else "same"


def _draw_ranks(matrix: np.ndarray, keys: Sequence[str], weights: np.ndarray, config: Config) -> np.ndarray:
    """Ranks (draws × units) under the sensitivity draws (seeded)."""
    if not len(keys) or config.draws <= 0:
        return np.empty((0, matrix.shape[0]))
    rng = np.random.default_rng(config.seed)
    alpha = np.maximum(weights * config.concentration * len(keys), 1e-3)
    out = np.empty((config.draws, matrix.shape[0]))
    for d in range(config.draws):
        drawn = rng.dirichlet(alpha)
        method = METHODS[int(rng.integers(len(METHODS)))]
        out[d] = ranks(indices(matrix, keys, drawn, method))
    return out

"""The street performance routes (比学赶超), read from the history archive where it may be
read (dashboard/archive_reads.py), for a calendar month or an ISO week (Monday–Sunday,
``?week=YYYY-Www`` in place of ``?month=``):

* ``GET /api/performance.json?month=YYYY-MM`` (``console``: officers and admins; the board
  is the district's, the same for every street, as the wall shows it): every unit's
  figures with the cases they were counted from, normalised scores, index, rank, rank
  interval under the sensitivity draws, rank under equal weights, trend against the period
  before (the month or the week before), strongest and weakest figure; the figures'
  definitions and weights;
* ``GET /api/performance/cases.json?month=YYYY-MM&unit=<code>&figure=<key>``
  (``console``): the cases behind one unit's figure, worst first (at most
  :data:`CASES_SHOWN`, with the total): ids and values only, each opened in the console;
* ``GET /api/performance/summary.json`` (``wall``, visitors included: aggregates only):
  the wall's month's ranks, indices, intervals, trends and each unit's strongest and
  weakest.  The wall's month is the current one from its :data:`WALL_FROM_DAY`-th day on
  and the month before until then: a board of two days says little and would reshuffle
  every hour.

The period defaults to the current month (Beijing), counted to now.  Boards are kept for
:data:`KEEP_S` per period: the figures look at a month or a week, and one computation every
five minutes per period bounds the load (a month over a year's archive: about a second, bench
``performance``).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from dashboard import archive_reads, clock
from dashboard import performance as perf
from dashboard import performance_figures as pf
from dashboard.guard import require
from dashboard.units import UNIT_CODES, UNITS

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

JSON = "application/json"
KEEP_S = 300.0
CASES_SHOWN = 500
WALL_FROM_DAY = 8
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A month (``YYYY-MM``) or an ISO week (``YYYY-Www``, Monday–Sunday), Beijing days."""

    kind: Literal["month", "week"]
    key: str
    first: str
    last: str

    def before(self) -> Period:
        """The month or the week before (the trend's reference)."""
        if self.kind == "month":
            return month_period(month_before(self.key))
        return week_period(week_of((date.fromisoformat(self.first) - timedelta(days=7)).isoformat()))


def month_period(month: str) -> Period:
    return Period("month", month, *month_days(month))


def week_of(day: str) -> str:
    """The ISO week of a day, ``YYYY-Www``."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def week_period(week: str) -> Period:
    """ValueError when ``week`` is not a week of its year (W53 exists in some years only)."""
    found = WEEK.match(week)
    if not found:
        raise ValueError(f"week must be YYYY-Www, not {week[:20]!r}")
    monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    return Period("week", week, monday.isoformat(), (monday + timedelta(days=6)).isoformat())


def period_of(query: dict[str, str], today: str) -> Period:
    """The ``week`` asked for, else the ``month`` (:func:`month_of`); ValueError when it is
    not one up to the current one."""
    if "week" not in query:
        return month_period(month_of(query, today))
    raw = query["week"]
    try:
        period = week_period(raw)
    except ValueError:
        raise ValueError(f"week must be YYYY-Www, not after {week_of(today)}, not {raw[:20]!r}") from None
    if period.first > today:
        raise ValueError(f"week must be YYYY-Www, not after {week_of(today)}, not {raw[:20]!r}")
    return period


def month_of(query: dict[str, str], today: str) -> str:
    """The ``month`` asked for (default: ``today``'s); ValueError when it is not a month
    up to the current one."""
    raw = query.get("month", today[:7])
    if not MONTH.match(raw) or raw > today[:7]:
        raise ValueError(f"month must be YYYY-MM, not after {today[:7]}, not {raw[:20]!r}")
    return raw


def wall_month(today: str) -> str:
    """The month the wall's board shows on ``today`` (module docstring)."""
    return today[:7] if int(today[8:10]) >= WALL_FROM_DAY else month_before(today[:7])


def month_days(month: str) -> tuple[str, str]:
    first = date.fromisoformat(f"{month}-01")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


def month_before(month: str) -> str:
    return (date.fromisoformat(f"{month}-01") - timedelta(days=1)).isoformat()[:7]


def measures_of(figures: pf.Figures) -> dict[str, dict[str, perf.Measure]]:
    """Every unit, with the figures it has (none: listed unranked)."""
    return {code: figures.get(code, {}) for code, _, _ in UNITS}


def standing_json(s: perf.Standing) -> dict[str, Any]:
    return {"unit": s.unit, "index": s.index, "rank": s.rank, "rank_median": s.rank_median,
            "rank_low": s.rank_low, "rank_high": s.rank_high, "rank_equal_weights": s.rank_equal_weights,
            "previous_rank": s.previous_rank, "trend": s.trend, "strongest": s.strongest,
            "weakest": s.weakest, "scores": s.scores,
            "measures": {k: {"value": m.value, "cases": m.cases} for k, m in s.measures.items()}}


def board_json(board: perf.Board, period: Period, config: perf.Config, computed_ms: int) -> dict[str, Any]:
    return {period.kind: period.key, "period": period.key, "period_kind": period.kind,
            "first_day": period.first, "last_day": period.last,
            "computed": clock.beijing(computed_ms).isoformat(timespec="seconds"),
            "draws": board.draws, "min_cases": config.min_cases, "weights": config.scaled(),
            "figures": [{"key": f.key, "better": f.better, "unit": f.unit} for f in perf.FIGURES
                        if config.weights.get(f.key, 0) > 0],
            "discriminating": list(board.figures),
            "standings": [standing_json(s) for s in board.standings]}


def summary_json(body: dict[str, Any]) -> dict[str, Any]:
    """The wall's part: ranks and the figures' names, no measure."""
    keep = ("unit", "index", "rank", "rank_low", "rank_high", "trend", "strongest", "weakest")
    return {"month": body["month"], "computed": body["computed"],
            "standings": [{k: s[k] for k in keep} for s in body["standings"]]}


def register(server: FastAPI, runtime: Runtime) -> None:
    kept: dict[str, tuple[float, dict[str, Any]]] = {}
    locks: dict[str, asyncio.Lock] = {}
    config = runtime.performance

    async def board_for(period: Period) -> dict[str, Any]:
        async with locks.setdefault(period.key, asyncio.Lock()):
            held = kept.get(period.key)
            if held is None or time.monotonic() - held[0] > KEEP_S:
                now = clock.now_ms()

                def compute(archive: Any) -> dict[str, Any]:
                    figures = {p.key: pf.figures(archive, p.first, p.last, now, console=runtime.console,
                                                 rule=runtime.deadlines)
                               for p in (period.before(), period)}
                    before = perf.board(measures_of(figures[period.before().key]), config)
                    ranks = {s.unit: s.rank for s in before.standings if s.rank is not None}
                    board = perf.board(measures_of(figures[period.key]), config, ranks)
                    return board_json(board, period, config, now)

                held = kept[period.key] = (time.monotonic(),
                                           await archive_reads.read(runtime.archiver, compute))
            return held[1]

    def answer(body: dict[str, Any], status: int = 200) -> Response:
        return Response(orjson.dumps(body), status_code=status, media_type=JSON,
                        headers={"Cache-Control": "private, no-cache"})

    @server.get("/api/performance.json")
    async def performance_json(request: Request) -> Response:
        require("console")
        try:
            period = period_of(dict(request.query_params), clock.beijing_day(clock.now_ms()))
        except ValueError as exc:
            return answer({"error": str(exc)}, 400)
        try:
            return answer(await board_for(period))
        except archive_reads.Unavailable as exc:
            return answer({"error": str(exc)}, 503)

    @server.get("/api/performance/cases.json")
    async def performance_cases(request: Request) -> Response:
        require("console")
        query = dict(request.query_params)
        try:
            period = period_of(query, clock.beijing_day(clock.now_ms()))
        except ValueError as exc:
            return answer({"error": str(exc)}, 400)
        unit, figure = query.get("unit", ""), query.get("figure", "")
        better = {f.key: f.better for f in perf.FIGURES}.get(figure)
        if unit not in UNIT_CODES or better is None:
            return answer({"error": "unit must be a unit code and figure one of "
                                    + ", ".join(perf.FIGURE_KEYS)}, 400)
        first, last = period.first, period.last
        now = clock.now_ms()

        def compute(archive: Any) -> list[pf.Case]:
            found = pf.cases(archive, first, last, now, console=runtime.console, rule=runtime.deadlines,
                             only=frozenset({figure}))
            return [c for c in found.get(figure, []) if c.unit == unit]

        try:
            mine = await archive_reads.read(runtime.archiver, compute)
        except archive_reads.Unavailable as exc:
            return answer({"error": str(exc)}, 503)
        mine.sort(key=lambda c: (c.value if better == "higher" else -c.value, c.id))  # worst first
        # a share's case is met (100) or not (0): the page says it in words
        flags = figure in pf.FLAGS
        return answer({period.kind: period.key, "period": period.key, "period_kind": period.kind,
                       "unit": unit, "figure": figure, "total": len(mine),
                       "better": better, "flags": flags,
                       "measure": {"value": pf.measure(figure, mine).value, "cases": len(mine)},
                       "cases": [{"kind": c.kind, "id": c.id, "value": round(c.value, 1)}
                                 for c in mine[:CASES_SHOWN]]})

    @server.get("/api/performance/summary.json")
    async def performance_summary() -> Response:
        """The wall's board; without a readable archive 200 with ``available: false`` (as the
        perception line: a kiosk asks again soon)."""
        require("wall")
        try:
            body = await board_for(month_period(wall_month(clock.beijing_day(clock.now_ms()))))
        except archive_reads.Unavailable as exc:
            return answer({"available": False, "error": str(exc)})
        return answer({**summary_json(body), "available": True})

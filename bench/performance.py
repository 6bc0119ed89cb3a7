"""Street performance over a year of archived history: a month's figures for every unit
(dashboard/performance_figures.py) and the board with its sensitivity draws
(dashboard/performance.py), timed.

The archive (DuckDB, in a temporary directory) holds ``DAYS`` days of the demo's history
written by the backfill (dashboard/simulator_backfill.py: ≈ 13,000 events a working day,
the sizing of docs/deploy.md "History", with 2,000 cameras and the 12345 lifecycles), so
a year is about 4.7 million rows.  Timed, median of 3: the figures of the last full month
(every query, the recurring analysis and the Python around them) and the board of that
month (500 draws); then every month of the year once, in turn.  ``--quick``: 60 days.

Budget (issue #16 req 9): monthly performance for all 11 units over a year of archived
history ≤ 2 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import Budget, Row, progress
from dashboard import clock
from dashboard import performance as perf
from dashboard import performance_figures as pf
from dashboard.console import load_console_config
from dashboard.history_duckdb import DuckDBArchive
from dashboard.simulator_backfill import backfill, synthetic_days
from dashboard.workdays import DeadlineRule, start_of_day_ms

DAYS, QUICK_DAYS = 365, 60
END_DAY = "2026-12-01"  # the archive ends the day before; November is the last full month
BUDGET = Budget("<=", 2_000, "≤ 2 s")


def months(first_day: str, last_day: str) -> list[tuple[str, str]]:
    """The whole calendar months between two days, as (first day, last day)."""
    out: list[tuple[str, str]] = []
    day = date.fromisoformat(first_day).replace(day=1)
    if day.isoformat() < first_day:
        day = (day + timedelta(days=32)).replace(day=1)
    while True:
        nxt = (day + timedelta(days=32)).replace(day=1)
        if (nxt - timedelta(days=1)).isoformat() > last_day:
            return out
        out.append((day.isoformat(), (nxt - timedelta(days=1)).isoformat()))
        day = nxt


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    days = QUICK_DAYS if quick else DAYS
    end = date.fromisoformat(END_DAY)
    end_ms = start_of_day_ms(end)
    now_ms = end_ms + 12 * clock.HOUR_MS
    facts: dict[str, Any] = {"days": days}
    console, rule, config = load_console_config(), DeadlineRule(), perf.load_config()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="cn-performance-") as tmp:
        archive = DuckDBArchive(Path(tmp) / "history.duckdb")
        try:
            started = time.perf_counter()
            written = 0
            wanted = synthetic_days(days, end_ms)
            for n in range(0, len(wanted), 30):  # a month at a time, to say how far it is
                chunk_end = wanted[min(n + 30, len(wanted)) - 1]
                end_of_chunk = start_of_day_ms(date.fromisoformat(chunk_end)) + clock.DAY_MS
                written += backfill(archive, min(30, len(wanted) - n), end_of_chunk, seed=5)
                progress(f"performance: {written:,} rows archived")
            facts["rows"], facts["fill_s"] = written, round(time.perf_counter() - started, 1)
            first, last = months(wanted[0], wanted[-1])[-1]
            times, board_times = [], []
            figures: pf.Figures = {}
            board: perf.Board | None = None
            for _ in range(3):
                started = time.perf_counter()
                figures = pf.figures(archive, first, last, now_ms, console=console, rule=rule)
                times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                board = perf.board(figures, config)
                board_times.append((time.perf_counter() - started) * 1000)
            assert board is not None
            month_ms, board_ms = statistics.median(times), statistics.median(board_times)
            facts["month"] = {"first": first, "last": last, "figures_ms": [round(t, 1) for t in times],
                              "board_ms": [round(t, 1) for t in board_times],
                              "units": len(figures),
                              "ranked": sum(s.rank is not None for s in board.standings)}
            progress(f"performance: {first[:7]} figures {month_ms:.0f} ms, board {board_ms:.0f} ms (medians)")
            rows.append(Row(name="performance.month", unit="ms", ours=round(month_ms + board_ms, 1),
                            budget=BUDGET, label=f"performance: a month, {len(figures)} units, figures + "
                                                 f"board ({config.draws} draws), {written:,} archived rows"))
            every = []
            for first, last in months(wanted[0], wanted[-1]):
                started = time.perf_counter()
                perf.board(pf.figures(archive, first, last, now_ms, console=console, rule=rule), config)
                every.append(round((time.perf_counter() - started) * 1000, 1))
            facts["every_month_ms"] = every
            rows.append(Row(name="performance.year", unit="ms", ours=round(sum(every), 1),
                            label=f"performance: each of the {len(every)} months in turn (sum)"))
        finally:
            archive.close()
    return rows, facts

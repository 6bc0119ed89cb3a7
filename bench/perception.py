"""12345 perception over a big archive: each analysis of dashboard/perception.py timed alone.

The archive (DuckDB, in a temporary directory) holds ``TICKETS`` tickets registered over
365 days ending the end day, each with its lifecycle (dispatched, signed, replied,
visited, closed: 6 rows a ticket, support/planted.py's background generator), spread over
6 km × 6 km (Changning is 38 km²) in 8 categories, each at its own address, with the planted
findings on top.
1,000,000 tickets a year is several times a district's real load (about 2,700 a day):
a worst case for the density of the recurring rule and for the rows the queries read.

Each analysis (recurring: 30 days; hard: 30 days of tickets and their steps;
unsatisfied: 9 weeks of callbacks; hotspots and rising: 9 weeks of registrations) runs
through :func:`dashboard.perception.perceive` with ``only`` = that analysis, loading its
own rows from the archive: the time is query + pandas, the best of 3 runs (the first
warms DuckDB's caches and jieba's dictionary).  ``--quick``: 100,000 tickets.

Budget (issue #14 req 8): each analysis over 1,000,000 archived tickets ≤ 1 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Budget, Row, progress
from dashboard import perception
from dashboard.history_duckdb import DuckDBArchive
from support import planted

TICKETS, QUICK_TICKETS = 1_000_000, 100_000
DAYS = 365
BUDGET = Budget("<=", 1_000, "≤ 1 s")


def fill(archive: DuckDBArchive, tickets: int) -> int:
    """The background of ``tickets`` tickets over :data:`DAYS` days and the planted rows."""
    per_day = max(1, round(tickets / DAYS))
    written = 0
    days = planted.days(planted.END_DAY, DAYS)
    for start in range(0, DAYS, 10):
        p = planted.Planter()
        p._serial = written  # unique log ids across the chunks
        chunk = days[start:start + 10]
        planted.background(p, start + 1, per_day, chunk[-1], len(chunk))
        # ticket ids unique across the chunks
        rows = [r._replace(data=r.data.replace('"bg-', f'"bg{start}-').replace("某路", f"某路{start}-"))
                for r in p.rows]
        written += archive.write_events(rows, None)
        progress(f"perception: {written:,} rows archived")
    written += archive.write_events([r._replace(log_id="x" + r.log_id) for r in planted.planted_rows()], None)
    return written


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    tickets = QUICK_TICKETS if quick else TICKETS
    rows: list[Row] = []
    facts: dict[str, Any] = {"tickets": tickets, "days": DAYS}
    with tempfile.TemporaryDirectory(prefix="cn-perception-") as tmp:
        archive = DuckDBArchive(Path(tmp) / "history.duckdb")
        try:
            started = time.perf_counter()
            facts["rows"] = fill(archive, tickets)
            facts["fill_s"] = round(time.perf_counter() - started, 1)
            for name in perception.ANALYSES:
                times, found = [], {}
                for _ in range(3):
                    started = time.perf_counter()
                    found = perception.perceive(archive, planted.END_DAY, only=(name,))
                    times.append((time.perf_counter() - started) * 1000)
                best = statistics.median(times)
                facts[name] = {"ms": [round(t, 1) for t in times],
                               "rows": {k: len(t.rows) for k, t in found.items()}}
                rows.append(Row(name=f"perception.{name}", unit="ms", ours=round(best, 1), budget=BUDGET,
                                label=f"perception: {name} over {tickets:,} archived tickets (median of 3)"))
                progress(f"perception: {name} {best:.0f} ms (median)")
        finally:
            archive.close()
    return rows, facts

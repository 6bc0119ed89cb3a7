"""Early warning: a restart with kept baselines against one without (issue 15,
docs/early-warning.md "Kept baselines").

The demo's archive (28 backfilled days, as ``run --demo`` writes and bench/detect_demo.py
learns; ``--quick``: 15) is learned by the engine's detector twice in one run:

* **cold**: every series fitted, as a first start does before it follows the log;
* **warm**: what :meth:`dashboard.detect_engine.Engine.learn` does on a restart: the kept
  file (dashboard/baseline_store.py, written after the cold fits) read, its fresh
  baselines installed, the series still due fitted (none here).

Reported: both medians of three and their ratio (same run, same machine), the file's size,
and that the warm baselines equal the cold ones (the expectations of every series at the
restart's hour).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bench.common import Row, progress
from dashboard import baseline_store, clock
from dashboard.config import Settings
from dashboard.detect import Detector
from dashboard.detect_engine import build_detector
from dashboard.simulator_backfill import day_rows, synthetic_days

START = int(datetime(2026, 12, 4, 0, 26, tzinfo=clock.BEIJING).timestamp() * 1000)
REPEATS = 3


def _learned(settings: Settings, rows: list[tuple[int, str, str | None, dict[str, Any]]]) -> Detector:
    detector = build_detector(settings)
    detector.take(rows)
    return detector


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    settings = Settings()
    days = 15 if quick else 28
    rows = []
    for day in synthetic_days(days, START):
        for row in day_rows(day, settings.sim_seed, settings.sim_points, START):
            if row.type in ("indicator.value", "sensor.reading"):
                rows.append((row.ts_ms, row.type, row.street, orjson.loads(row.data)))
    cold_s, warm_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.duckdb.baselines"
        for n in range(REPEATS):
            cold = _learned(settings, rows)
            started = time.perf_counter()
            for sid in list(cold.series):
                cold.refit(sid, START)
            cold_s.append(time.perf_counter() - started)
            mark = baseline_store.fingerprint(cold.calendar, cold.history_ms)
            baseline_store.save(path, mark, {sid: s.baseline for sid, s in cold.series.items()
                                             if s.baseline is not None})
            warm = _learned(settings, rows)
            started = time.perf_counter()
            for sid, baseline in baseline_store.load(path, mark).items():
                if sid in warm.series:
                    warm.install(sid, baseline)
            for sid in warm.refit_due(START):
                warm.refit(sid, START)
            warm_s.append(time.perf_counter() - started)
            progress(f"detect-restart {n + 1}/{REPEATS}: {len(cold.series)} series, cold {cold_s[-1]:.2f} s, "
                     f"warm {warm_s[-1]:.3f} s")
        size = path.stat().st_size
    same = all(warm.series[sid].baseline == s.baseline for sid, s in cold.series.items())
    cold_med, warm_med = statistics.median(cold_s), statistics.median(warm_s)
    table = [
        Row(name="detect_restart.cold_s", unit="s", ours=round(cold_med, 2),
            label=f"early warning start: fit every baseline ({len(cold.series)} series, {days} days)"),
        Row(name="detect_restart.warm_s", unit="s", ours=round(warm_med, 3),
            label="early warning restart: kept baselines installed", reference=round(cold_med, 2),
            reference_label="fitting them all"),
    ]
    return table, {"series": len(cold.series), "days": days, "cold_s": cold_s, "warm_s": warm_s,
                   "ratio": round(cold_med / warm_med, 1) if warm_med else None, "file_bytes": size,
                   "warm_equals_cold": same}


if __name__ == "__main__":
    import sys

    out, facts = run("--quick" in sys.argv)
    for r in out:
        print(f"{r.label:70s} {r.ours:>8} {r.unit}")
    print(facts)

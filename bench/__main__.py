"""``python -m bench [--quick] [--only NAME ...] [--soak-minutes M]``: run the benchmarks,
print the table, write ``bench/results/bench-<UTC time>.json`` and ``bench/results/latest.json``.

``soak`` (10 minutes by default) runs in the full run only: ``--quick`` leaves it out
unless it is named with ``--only`` (then it runs 2 minutes, or ``--soak-minutes``).

Exit status 1 when a benchmark failed to run; a missed budget is reported, not an error.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench import (
    console_load,
    detect,
    detect_demo,
    detect_restart,
    history,
    ingest,
    live_latency,
    live_thousand,
    memory,
    nginx_scale,
    perception,
    performance,
    phone,
    restart,
    screen,
    snapshot_stall,
    soak,
    visible,
    wall_page,
    wire,
)
from bench.common import Budget, CpuWatch, Row, machine_facts, progress

RESULTS = Path(__file__).resolve().parent / "results"
Benchmark = Callable[[bool], tuple[list[Row], dict[str, Any]]]


def wall_page_rows(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """The wall in a real Chromium (page ready, wire bytes; fps and heap in the JSON)."""
    data = wall_page.run(quick)
    rows = [Row(name=r["name"], label=r["label"], unit=r["unit"], ours=r["ours"],
                budget=Budget(**r["budget"]) if r["budget"] else None) for r in data["rows"]]
    return rows, data


BENCHMARKS: dict[str, Benchmark] = {
    "ingest-inprocess": ingest.in_process,
    "ingest-redis": ingest.through_redis,
    "latency": live_latency.run,
    "latency-load": live_latency.load,
    "live-thousand": live_thousand.run,
    "nginx-scale": nginx_scale.run,
    "wire": wire.run,
    "restart": restart.run,
    "snapshot-stall": snapshot_stall.run,
    "memory": memory.run,
    "wall-page": wall_page_rows,
    "visible": visible.run,
    "screen": screen.run,
    "console-load": console_load.run,
    "history": history.run,
    "perception": perception.run,
    "performance": performance.run,
    "detect": detect.run,
    "detect-demo": detect_demo.run,
    "detect-restart": detect_restart.run,
    "phone": phone.run,
    "soak": soak.run,
}
FULL_ONLY = ("soak",)  # left out of --quick unless named with --only


def select(only: list[str] | None, quick: bool = False) -> list[str]:
    """Benchmark names matching ``--only`` (a name or a prefix, e.g. ``ingest``); without
    ``--only``, all of them (but :data:`FULL_ONLY` when ``quick``)."""
    if not only:
        return [name for name in BENCHMARKS if not (quick and name in FULL_ONLY)]
    wanted = [part for item in only for part in item.split(",") if part]
    chosen = [name for name in BENCHMARKS if any(name == w or name.startswith(w) for w in wanted)]
    unknown = [w for w in wanted if not any(name == w or name.startswith(w) for name in BENCHMARKS)]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return chosen


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if value != value:  # NaN
        return "n/a"
    if unit in ("ev/s", "B/client", "B", "B/s", "count"):
        return f"{value:,.0f}"
    if unit == "%":
        return f"{value:.2f}"
    if unit == "ms":
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    header = ("measurement", "ours", "unit", "reference", "ratio", "budget", "met")
    lines: list[tuple[str, ...]] = []
    notes: dict[str, str] = {}
    for name, result in results.items():
        if result.get("error"):
            lines.append((f"{name}: ERROR {result['error'].splitlines()[-1]}"[:100], "", "", "", "", "", ""))
            continue
        for row in result["rows"]:
            ratio = row["ratio"]
            met = "—" if row["met"] is None else ("yes" if row["met"] else "NO")
            if row["reference_label"]:
                notes.setdefault(row["reference_label"], row["name"].split(".")[0])
            lines.append((row["label"], fmt(row["ours"], row["unit"]), row["unit"],
                          fmt(row["reference"], row["unit"]),
                          "—" if ratio is None else f"{ratio:.2f}×",
                          row["budget"]["text"] if row["budget"] else "—", met))
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) if lines else len(header[i])
              for i in range(len(header))]
    aligns = ["<", ">", "<", ">", ">", "<", "<"]

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(f"{cell:{align}{width}}" for cell, align, width in zip(cells, aligns, widths,
                                                                             strict=True)).rstrip()

    out = [render(header), "  ".join("-" * w for w in widths)]
    out += [render(line) for line in lines]
    if notes:
        out.append("")
        out += [f"reference for {group}: {label}" for label, group in notes.items()]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke test (~1 min)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only these (repeatable; a prefix works): {', '.join(BENCHMARKS)}")
    parser.add_argument("--soak-minutes", type=float, metavar="M",
                        help=f"length of the soak in minutes (default {soak.MINUTES:g}; "
                             f"{soak.QUICK_MINUTES:g} with --quick)")
    args = parser.parse_args(argv)
    names = select(args.only, args.quick)
    benchmarks = {**BENCHMARKS, "soak": functools.partial(soak.run, minutes=args.soak_minutes)}
    started = datetime.now(UTC)
    machine = machine_facts()
    progress(f"{len(names)} benchmark(s){' (quick)' if args.quick else ''} on {machine['nproc']} CPU(s), "
             f"{machine['cpu_model']}; load {machine['load_average_at_start']}")
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        progress(f"== {name}")
        t, cpu = time.monotonic(), CpuWatch()
        try:
            rows, data = benchmarks[name](args.quick)
            results[name] = {"rows": [row.to_json() for row in rows], "data": data, "error": None}
        except Exception:
            error = traceback.format_exc()
            progress(f"{name} FAILED:\n{error}")
            results[name] = {"rows": [], "data": {}, "error": error}
        results[name]["seconds"] = round(time.monotonic() - t, 2)
        results[name]["cpu"] = cpu.stop()
        progress(f"{name}: {results[name]['seconds']:.1f} s; cpu (cores) {results[name]['cpu']}")
    finished = datetime.now(UTC)
    report = {
        "started_utc": started.isoformat(), "finished_utc": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 1), "quick": args.quick,
        "only": args.only, "soak_minutes": args.soak_minutes, "machine": machine, "benchmarks": results,
    }
    RESULTS.mkdir(exist_ok=True)
    blob = orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
    path = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_bytes(blob)
    (RESULTS / "latest.json").write_bytes(blob)
    print(f"\nBenchmarks{' (quick)' if args.quick else ''}, {started:%Y-%m-%d %H:%M} UTC, "
          f"{machine['nproc']} CPU(s) {machine['cpu_model']}, Python {machine['python']}, "
          f"{report['seconds']:.0f} s\n")
    print(table(results))
    busy = {name: r["cpu"]["others_cores"] + r["cpu"]["steal_cores"] for name, r in results.items()}
    if any(cores >= 0.25 for cores in busy.values()):
        print(f"\nWARNING: other work (and hypervisor steal) took CPU during the run, in cores of "
              f"{machine['nproc']}: {busy}; the figures are pessimistic")
    print(f"\nJSON: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 1 if any(result["error"] for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The figures of ``console-load`` (:mod:`bench.console_load`): the server's event-loop
monitor read from /metrics, the officers' records summarised, the table's rows and one
Markdown table in the issue's layout."""

from __future__ import annotations

import math
from typing import Any

import httpx
import numpy as np
from prometheus_client.parser import text_string_to_metric_families

from bench.common import Budget, Row, percentiles, progress

CALLBACK_P95 = Budget("<=", 300, "<= 300 ms")
WALL_P99 = Budget("<=", 150, "<= 150 ms")
HEALTHZ_P99 = Budget("<=", 100, "<= 100 ms")
STALL = Budget("<=", 50, "<= 50 ms")
ROW_DONE = Budget("<=", 0, "row completes")
METRICS_TIMEOUT_S = 30.0


def lag_metrics(url: str) -> dict[str, Any] | None:
    """The server's event-loop monitor: {"max_s", "buckets": {le: cumulative}, "count"};
    None when it has none, {"error"} when /metrics did not answer."""
    try:
        text = httpx.get(f"{url}/metrics", timeout=METRICS_TIMEOUT_S).text
    except httpx.HTTPError as exc:
        return {"error": f"/metrics: {type(exc).__name__}"}
    out: dict[str, Any] = {"max_s": None, "buckets": {}, "count": None}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "cn_event_loop_lag_seconds_bucket":
                out["buckets"][sample.labels["le"]] = sample.value
            elif sample.name == "cn_event_loop_lag_seconds_count":
                out["count"] = sample.value
            elif sample.name == "cn_event_loop_lag_max_seconds":
                out["max_s"] = sample.value
    return out if out["buckets"] or out["max_s"] is not None else None


def stall(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The longest stall in the window, in ms, and how it is known."""
    if before is None or after is None:
        return {"ms": math.nan, "how": "n/a: the server has no cn_event_loop_lag metrics"}
    if "error" in before or "error" in after:
        return {"ms": math.nan, "how": f"n/a: {before.get('error') or after.get('error')}"}
    if after["max_s"] is not None and after["max_s"] > (before["max_s"] or 0.0):
        return {"ms": after["max_s"] * 1000, "how": "cn_event_loop_lag_max_seconds grew in the window"}
    bound = math.inf
    total = (after["count"] or 0) - (before["count"] or 0)
    for le in sorted(after["buckets"], key=float):
        if after["buckets"][le] - before["buckets"].get(le, 0.0) >= total:
            bound = float(le)
            break
    if before["max_s"] is not None:
        bound = min(bound, before["max_s"])
    return {"ms": bound * 1000, "how": "upper bound: histogram diff / the max before the window"}


def initial_figures(requests: list[list[Any]]) -> dict[str, Any]:
    """The officers' initial loads (their request records): time from an officer's first
    request to its last answer, bytes, failed requests."""
    per_officer: dict[int, list[list[Any]]] = {}
    for r in requests:
        per_officer.setdefault(r[0], []).append(r)
    spans = [(max(r[5] for r in rs) - min(r[4] for r in rs)) * 1000 for rs in per_officer.values()]
    return {"per_officer_ms": percentiles(spans), "failures": sum(1 for r in requests if r[8]),
            "bytes_per_officer": percentiles([sum(r[7] for r in rs) for rs in per_officer.values()])}


def console_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The refreshes of the window (the officers' process's data): latency per answered
    request, failures by kind, bytes and duration per refresh, per callback latency."""
    requests, refreshes = data.get("requests", []), data.get("refreshes", [])
    ok = [(r[5] - r[4]) * 1000 for r in requests if not r[8]]
    by_output: dict[str, list[float]] = {}
    for r in requests:
        if not r[8]:
            by_output.setdefault(r[3][:120], []).append((r[5] - r[4]) * 1000)
    errors: dict[str, int] = {}
    for r in requests:
        if r[8]:
            errors[r[8]] = errors.get(r[8], 0) + 1
    return {"callback_ms": percentiles(ok), "requests": len(requests), "failures": sum(errors.values()),
            "errors": errors, "refreshes": len(refreshes),
            "bytes_per_refresh": percentiles([r[4] for r in refreshes]),
            "refresh_ms": percentiles([(r[3] - r[2]) * 1000 for r in refreshes]),
            # what the officer waits: the first cue of a refresh → its last answer (the
            # page's pace and jitter included)
            "cue_to_answered_ms": percentiles([(r[3] - r[9]) * 1000 for r in refreshes]),
            "cues_merged_per_refresh": percentiles([r[7] for r in refreshes]),
            "cued_areas_per_refresh": percentiles([r[8] for r in refreshes]),
            "by_callback_ms": {k: percentiles(v) for k, v in by_output.items()},
            "officers": data.get("officers", []),
            "officers_loop_lag_ms": percentiles(np.array(data.get("lag", [])) * 1000)}


def report_row(row: dict[str, Any]) -> None:
    wall, health, console = row["wall"]["latency_ms"], row["healthz_ms"], row.get("console", {})
    cb = console.get("callback_ms", {})
    progress(f"    wall p50/p99 {wall.get('p50', math.nan):.0f}/{wall.get('p99', math.nan):.0f} ms; "
             f"/healthz p99 {health.get('p99', math.nan):.0f} ms; callbacks p50/p95 "
             f"{cb.get('p50', math.nan):.0f}/{cb.get('p95', math.nan):.0f} ms, "
             f"{console.get('failures', 0)} failed; "
             f"stall {row['stall']['ms']:.0f} ms; cpu {row['cpu_cores']}")


def rows_of(scenarios: list[dict[str, Any]]) -> list[Row]:
    """The table's lines: per row the wall, the console (with officers), /healthz, the stall."""
    rows: list[Row] = []
    for scenario in scenarios:
        n = scenario["incidents"]
        for r in scenario["rows"]:
            k, view = r["officers"], r["view"]
            key = f"console_load.n{n}_k{k}" + (f"_{view}" if k else "")
            where = f"{view} ({scenario['street']})" if view == "street" else view
            who = f"{k} officer{'s' if k > 1 else ''}, {where}" if k else "no officer"
            head = f"{n:,} incidents, {who}"
            if "error" in r:
                rows.append(Row(f"{key}.failed", f"{head}: FAILED ({r['error'][:60]})", "count", 1,
                                budget=ROW_DONE))
                continue
            wall, health, stall = r["wall"]["latency_ms"], r["healthz_ms"], r["stall"]["ms"]
            delivered = r["wall"]["delivered_percent"]
            marks = " (snapshot in window)" if r["snapshots_in_window"] else ""
            marks += f" ({delivered:.1f} % delivered)" if delivered < 100 else ""
            rows.append(Row(f"{key}.wall_p99", f"{head}: wall /live delay p99{marks}", "ms",
                            wall.get("p99", math.nan), budget=WALL_P99))
            rows.append(Row(f"{key}.wall_p50", "  wall /live delay p50", "ms", wall.get("p50", math.nan)))
            if k:
                c = r["console"]
                cb = c["callback_ms"]
                rows += [Row(f"{key}.callback_p95", "  console callback p95", "ms", cb.get("p95", math.nan),
                             budget=CALLBACK_P95),
                         Row(f"{key}.callback_p50", "  console callback p50", "ms", cb.get("p50", math.nan)),
                         Row(f"{key}.callback_p99", "  console callback p99", "ms", cb.get("p99", math.nan)),
                         Row(f"{key}.failures", f"  callback requests failed (of {c['requests']:,})", "count",
                             c["failures"]),
                         Row(f"{key}.refresh_bytes", f"  bytes per refresh (mean of {c['refreshes']:,})", "B",
                             c["bytes_per_refresh"].get("mean", math.nan)),
                         Row(f"{key}.initial_max", "  console initial load, slowest officer",
                             "ms", r["initial"]["per_officer_ms"].get("max", math.nan))]
            rows += [Row(f"{key}.healthz_p99", "  /healthz p99", "ms", health.get("p99", math.nan),
                         budget=HEALTHZ_P99),
                     Row(f"{key}.healthz_p50", "  /healthz p50", "ms", health.get("p50", math.nan)),
                     Row(f"{key}.healthz_max", "  /healthz max", "ms", health.get("max", math.nan))]
            if math.isnan(stall):
                rows.append(Row(f"{key}.stall", "  longest event-loop stall (no monitor; budget <= 50 ms)",
                                "ms", stall))
            else:
                rows.append(Row(f"{key}.stall", "  longest event-loop stall", "ms", stall, budget=STALL))
    return rows


def summary(scenarios: list[dict[str, Any]]) -> str:
    """The figures as one Markdown table (the issue's layout)."""
    def ms(d: dict[str, Any], *keys: str) -> str:
        return " / ".join("—" if d.get(k) is None or math.isnan(d[k]) else f"{d[k]:,.0f}" for k in keys)

    lines = ["| incidents | officers | view | callbacks p50 / p95 / p99 ms (failed) | KB per refresh "
             "| wall /live p50 / p99 ms | /healthz p50 / p99 / max ms | longest stall ms | others' CPU |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in scenarios:
        for r in s["rows"]:
            head = f"| {s['incidents']:,} | {r['officers']} | {r['view']} |"
            if "error" in r:
                lines.append(f"{head} FAILED: {r['error'][:80]} | | | | | |")
                continue
            c = r.get("console")
            cb = f"{ms(c['callback_ms'], 'p50', 'p95', 'p99')} ({c['failures']})" if c else "—"
            kb = f"{c['bytes_per_refresh']['mean'] / 1000:,.0f}" if c and c["refreshes"] else "—"
            snap = " (snapshot)" if r["snapshots_in_window"] else ""
            lines.append(f"{head} {cb} | {kb} | {ms(r['wall']['latency_ms'], 'p50', 'p99')} | "
                         f"{ms(r['healthz_ms'], 'p50', 'p99', 'max')} | {ms(r['stall'], 'ms')}{snap} | "
                         f"{r['machine_cpu']['others_cores'] + r['machine_cpu']['steal_cores']:.2f} |")
    return "\n".join(lines)

"""The history archive: how fast the archiver empties the log into each engine, and how a
year of district history fits and is queried.

* Ingest: the log of a fresh redis-server holds ``INGEST_EVENTS`` events of the demo mix;
  the archiver (dashboard/archiver.py, in this process, with its lease) archives it from
  an empty archive to the last entry, in batches of ``history_batch``.  Events archived
  per second is the highest ingest rate it keeps up with.  A 10 ms timer on the same
  event loop measures the loop's longest lateness meanwhile (the archive's work runs in
  a thread: the loop must stay below 50 ms), with the garbage collector settled as an
  instance settles it (dashboard/loopwatch.py: without it, full collections of this
  process's heap alone take 30–40 ms); the reference is the same timer on an idle loop.
* A year: ``YEAR_DAYS`` days of backfilled history (dashboard/simulator_backfill.py:
  13,000 events on a working day, fewer at weekends and on holidays, ≈ 4.5 M a year) are
  written to both engines (each day generated once, written to both), then the
  day-by-street aggregate of one day is asked 5 times (the slowest reported), and a
  year of counts by type and day, and a month of ticket facts, once each.  Sizes: the
  DuckDB file, PostgreSQL's ``pg_total_relation_size`` of the events table with its
  indexes.

PostgreSQL is Debian's (``make bench`` installs it), a throw-away cluster with its
default durability (fsync on).  ``--quick``: 60,000 events and 21 days.

Budgets (issue #13): the archive keeps up with ≥ 20,000 ev/s; a day-by-street aggregate
over a year of history in ≤ 1 s.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from bench.common import Budget, Row, district_events, fresh_redis, progress, xadd_pipelined
from dashboard import clock
from dashboard.archiver import Archiver
from dashboard.bus import Bus, connect
from dashboard.config import Settings
from dashboard.history import Archive
from dashboard.history_duckdb import DuckDBArchive
from dashboard.history_postgres import PostgresArchive
from dashboard.lease import Lease
from dashboard.loopwatch import settle_garbage
from dashboard.metrics import Metrics
from dashboard.simulator_backfill import day_rows, synthetic_days
from support.postgres import PostgresCluster

INGEST_EVENTS, QUICK_INGEST_EVENTS = 300_000, 60_000
YEAR_DAYS, QUICK_YEAR_DAYS = 365, 21
END_MS = 1_796_227_200_000  # 2026-12-03 00:00 Beijing: the year is 2025-12-03 … 2026-12-02
INGEST_BUDGET = Budget(">=", 20_000, "≥ 20,000 ev/s")
QUERY_BUDGET = Budget("<=", 1_000, "≤ 1 s")


async def _lateness(seconds: float) -> float:
    """The loop's longest lateness of a 10 ms timer over ``seconds`` with nothing else to do:
    what the machine itself costs (the reference of the archiver's figure)."""
    longest, until = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        due = time.perf_counter() + 0.01
        await asyncio.sleep(0.01)
        longest = max(longest, time.perf_counter() - due)
    return longest


async def _archive_log(redis_url: str, open_archive: Any, last_id: str) -> tuple[float, float]:
    """Run an archiver until it has archived ``last_id``: (seconds, longest loop lateness s)."""
    settings = Settings(redis_url=redis_url)
    settle_garbage()  # as an instance does at start-up (dashboard/loopwatch.py)
    bus = Bus(connect(redis_url), settings)
    lease = Lease(bus.redis, "cn:history:lease", settings.history_lease_s)
    archiver = Archiver(bus, open_archive, lease, Metrics(), batch=settings.history_batch,
                        max_event_bytes=settings.max_event_bytes, where="bench")
    longest = 0.0
    done = False

    async def ticker() -> None:
        nonlocal longest
        while not done:
            due = time.perf_counter() + 0.01
            await asyncio.sleep(0.01)
            longest = max(longest, time.perf_counter() - due)

    watch = asyncio.create_task(ticker())
    started = time.perf_counter()
    archiver.start()
    while archiver.health()["cursor"] != last_id:
        if time.perf_counter() - started > 600:
            raise RuntimeError(f"archiver stuck: {archiver.health()}")
        await asyncio.sleep(0.005)
    seconds = time.perf_counter() - started
    done = True
    await watch
    await archiver.stop()
    await bus.redis.aclose()
    return seconds, longest


def ingest(engine: str, open_archive: Any, events: list[bytes]) -> dict[str, Any]:
    with fresh_redis() as (server, client):
        xadd_pipelined(client, events)
        last_id = client.xinfo_stream("cn:events")["last-generated-id"].decode()
        seconds, longest = asyncio.run(_archive_log(server.url, open_archive, last_id))
        idle = asyncio.run(_lateness(seconds))
    archive = open_archive()
    try:
        rows = archive.count("events")
    finally:
        archive.close()
    progress(f"{engine}: {rows:,} events archived in {seconds:.2f} s ({rows / seconds:,.0f} ev/s), "
             f"loop lateness max {longest * 1000:.1f} ms (idle loop {idle * 1000:.1f} ms)")
    return {"events": rows, "seconds": round(seconds, 3), "ev_s": round(rows / seconds),
            "loop_lateness_max_ms": round(longest * 1000, 1), "idle_lateness_max_ms": round(idle * 1000, 1)}


def _timed(archive: Archive, name: str, *params: Any) -> tuple[float, int]:
    started = time.perf_counter()
    rows = archive.query(name, *params)
    return (time.perf_counter() - started) * 1000, len(rows)


def year(engines: dict[str, Archive], days: int) -> dict[str, Any]:
    wanted = synthetic_days(days, END_MS)
    written = {name: 0.0 for name in engines}
    generating = 0.0
    total = 0
    for number, day in enumerate(wanted, start=1):
        started = time.perf_counter()
        rows = list(day_rows(day, seed=7, video_points=2_000))
        generating += time.perf_counter() - started
        total += len(rows)
        for name, archive in engines.items():
            started = time.perf_counter()
            archive.write_events(rows, None)
            written[name] += time.perf_counter() - started
        if number % 30 == 0:
            progress(f"year: {number} days, {total:,} events")
    middle = wanted[len(wanted) // 2]
    month = (wanted[-30] if len(wanted) >= 30 else wanted[0], wanted[-1])
    out: dict[str, Any] = {"days": days, "events": total, "events_per_day": round(total / days),
                           "generate_s": round(generating, 1), "engines": {}}
    for name, archive in engines.items():
        day_ms = [_timed(archive, "day_by_street", middle)[0] for _ in range(5)]
        counts_ms, count_rows = _timed(archive, "counts_by_type_day", wanted[0], wanted[-1])
        tickets_ms, tickets = _timed(archive, "ticket_facts", *month)
        out["engines"][name] = {
            "rows": archive.count("events"), "load_s": round(written[name], 1),
            "load_ev_s": round(total / written[name]), "day_by_street_ms": [round(v, 1) for v in day_ms],
            "counts_by_type_day_ms": round(counts_ms, 1), "counts_by_type_day_rows": count_rows,
            "ticket_facts_month_ms": round(tickets_ms, 1), "tickets_month": tickets}
    return out


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    events = district_events(QUICK_INGEST_EVENTS if quick else INGEST_EVENTS)
    days = QUICK_YEAR_DAYS if quick else YEAR_DAYS
    rows: list[Row] = []
    data: dict[str, Any] = {"ingest": {}}
    with tempfile.TemporaryDirectory(prefix="cn-history-") as tmp, PostgresCluster(durable=True) as pg:
        duck_path = Path(tmp) / "ingest.duckdb"
        database = "ingest"
        import psycopg

        with psycopg.connect(pg.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {database}")
            admin.execute("CREATE DATABASE year")
        ingest_url = pg.url.rsplit("/", 1)[0] + f"/{database}"
        openers = {"duckdb": lambda: DuckDBArchive(duck_path),
                   "postgresql": lambda: PostgresArchive(ingest_url)}
        for name, opener in openers.items():
            data["ingest"][name] = result = ingest(name, opener, events)
            rows.append(Row(name=f"history.ingest.{name}", label=f"history: archiver into {name}",
                            unit="ev/s", ours=result["ev_s"], budget=INGEST_BUDGET))
            rows.append(Row(name=f"history.loop.{name}", label=f"history: loop lateness max ({name})",
                            unit="ms", ours=result["loop_lateness_max_ms"],
                            reference=result["idle_lateness_max_ms"], reference_label="idle loop, same run",
                            budget=Budget("<=", 50, "≤ 50 ms")))
        year_path = Path(tmp) / "year.duckdb"
        engines: dict[str, Archive] = {"duckdb": DuckDBArchive(year_path),
                                       "postgresql": PostgresArchive(pg.url.rsplit("/", 1)[0] + "/year")}
        try:
            data["year"] = result = year(engines, days)
            duck = engines["duckdb"]
            assert isinstance(duck, DuckDBArchive)
            duck._run("CHECKPOINT")  # the file's size with everything in it
            pg_archive = engines["postgresql"]
            assert isinstance(pg_archive, PostgresArchive)
            sizes = {"duckdb": os.path.getsize(year_path),
                     "postgresql": int(pg_archive._run("SELECT pg_total_relation_size('events')")[0][0])}
        finally:
            for archive in engines.values():
                archive.close()
    for name, size in sizes.items():
        facts = result["engines"][name]
        facts["bytes"] = size
        facts["bytes_per_event"] = round(size / result["events"])
        label = f"{days} days ({result['events']:,} ev)"
        rows.append(Row(name=f"history.day_by_street.{name}", unit="ms", budget=QUERY_BUDGET,
                        label=f"history: day by street, {label}, {name}",
                        ours=max(facts["day_by_street_ms"])))
        rows.append(Row(name=f"history.counts_year.{name}", unit="ms", ours=facts["counts_by_type_day_ms"],
                        label=f"history: counts by type/day, all days, {name}"))
        rows.append(Row(name=f"history.load.{name}", label=f"history: backfill load into {name}",
                        unit="ev/s", ours=facts["load_ev_s"]))
        rows.append(Row(name=f"history.bytes.{name}", label=f"history: bytes per event on disk, {name}",
                        unit="B", ours=facts["bytes_per_event"]))
    progress(f"year: {msgspec.json.encode(result).decode()}")
    data["end_day"] = clock.beijing_day(END_MS - 1)
    return rows, data

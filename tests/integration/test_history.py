"""The history archive on real engines: each applied event archived exactly once across an
instance restart (DuckDB) and an archiver fail-over (two instances, one Redis, PostgreSQL);
the same queries answer the same on DuckDB and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from dashboard import clock
from dashboard.history import QUERIES, event_row
from dashboard.history_duckdb import DuckDBArchive
from dashboard.history_postgres import PostgresArchive
from dashboard.lease import Lease
from dashboard.redis_server import EmbeddedRedis
from dashboard.simulator_backfill import backfill, synthetic_days
from support.events import indicator_value
from support.log import last_entry_id, xadd_all
from support.postgres import PostgresCluster
from support.processes import ROOT, DashboardProcess, wait_for
from tests.integration.streams import mixed_events
from tests.integration.test_perception import PERCEPTION_PARAMS
from tests.integration.test_performance import PERFORMANCE_PARAMS

CATCH_UP_S = 60  # generous: a busy 2-core machine
SMALL_BATCHES = {"CN_HISTORY_BATCH": "200"}


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    """A throw-away PostgreSQL cluster (Debian's package) for the module."""
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    """The cluster's database, emptied of the archive's tables."""
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS events, audit, cursors")
    return postgres.url


def canonical_json(rows: list[Any]) -> list[Any]:
    """Rows whose last column is JSON (text from DuckDB, parsed by psycopg), as sorted-key bytes."""
    out = []
    for row in rows:
        data = orjson.loads(row[-1]) if isinstance(row[-1], str) else row[-1]
        out.append((*row[:-1], orjson.dumps(data, option=orjson.OPT_SORT_KEYS)))
    return out


def archived_to(process: DashboardProcess, last_id: str) -> Callable[[], dict[str, Any] | None]:
    """The instance's history health once it has archived up to ``last_id``."""
    def check() -> dict[str, Any] | None:
        history = process.health()["history"]
        return history if history["cursor"] == last_id else None
    return check


def valid_log_ids(client: redis.Redis) -> list[str]:
    """The ids of the log's entries that validate (the ones the archive must hold)."""
    ids = []
    for entry_id, fields in client.xrange("cn:events"):
        log_id = entry_id.decode()
        if event_row(log_id, fields.get(b"event")) is not None:
            ids.append(log_id)
    return ids


def test_archive_after_a_restart_holds_each_event_once(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """An instance killed while archiving and started again archives every event exactly once."""
    process = dashboards(**SMALL_BATCHES)
    xadd_all(rclient, mixed_events(3000) + [b'{"type": "no.such.type", "data": {}}'])
    wait_for(lambda: (process.health()["history"]["archived"] or 0) > 0, CATCH_UP_S,
             message="archiving begun")
    process.kill()  # mid-way through (200 per batch)
    xadd_all(rclient, mixed_events(2000, offset=3000))
    process.start()
    wait_for(archived_to(process, last_entry_id(rclient)), CATCH_UP_S, message="archived to the end")
    process.stop()  # DuckDB: one process at a time opens the file
    archive = DuckDBArchive(process.history_path)
    try:
        rows = archive._run("SELECT log_id, count(*) FROM events GROUP BY log_id")
        assert max(count for _, count in rows) == 1
        assert sorted(log_id for log_id, _ in rows) == sorted(valid_log_ids(rclient))
        assert len(rows) == 5000
    finally:
        archive.close()


def test_archiver_fail_over_archives_each_event_once(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, pg_url: str
) -> None:
    """Two instances on one Redis and PostgreSQL: the lease holder is killed mid-stream, the
    other takes over within seconds, and every event and audit entry is archived once."""
    env = {"CN_HISTORY_URL": pg_url, "CN_HISTORY_LEASE_S": "3", **SMALL_BATCHES}
    first, second = dashboards(**env), dashboards(**env)
    roles = wait_for(lambda: sorted(p.health()["history"]["role"] for p in (first, second))
                     == ["standby", "writer"], 30, message="one writer, one standby")
    assert roles
    writer, standby = (first, second) if first.health()["history"]["role"] == "writer" else (second, first)
    standby.session("admin").close()  # a sign-in: an audit entry to archive
    xadd_all(rclient, mixed_events(3000))
    wait_for(lambda: (writer.health()["history"]["archived"] or 0) > 0, CATCH_UP_S,
             message="the writer archiving")
    writer.kill()
    killed = time.monotonic()
    xadd_all(rclient, mixed_events(3000, offset=3000))
    wait_for(lambda: standby.health()["history"]["role"] == "writer", 30, message="take-over")
    took_over_s = time.monotonic() - killed
    wait_for(archived_to(standby, last_entry_id(rclient)), CATCH_UP_S, message="archived to the end")
    archive = PostgresArchive(pg_url)
    try:
        rows = archive._run("SELECT log_id, count(*) FROM events GROUP BY log_id")
        assert max(count for _, count in rows) == 1
        assert sorted(log_id for log_id, _ in rows) == sorted(valid_log_ids(rclient))
        wait_for(lambda: archive.count("audit") == rclient.xlen("cn:audit"), 30,
                 message="the audit stream archived")
        assert archive.count("audit") >= 1
    finally:
        archive.close()
    assert took_over_s < 15, f"take-over took {took_over_s:.1f} s (lease 3 s)"


def test_the_same_queries_answer_the_same_on_duckdb_and_postgresql(tmp_path: Path, pg_url: str) -> None:
    """Backfilled history, written to both engines, gives equal answers to every query."""
    engines = [DuckDBArchive(tmp_path / "history.duckdb"), PostgresArchive(pg_url)]
    end_ms = int(clock.beijing(1_781_000_000_000).replace(hour=0, minute=0).timestamp() * 1000)
    try:
        for archive in engines:
            written = backfill(archive, days=3, end_ms=end_ms, seed=11, video_points=300)
            assert written > 10_000
        first, last = synthetic_days(3, end_ms)[0], synthetic_days(3, end_ms)[-1]
        params = {"day_by_street": [first], "counts_by_type_day": [first, last],
                  "ticket_facts": [first, last], "audit_by_day": [first, last],
                  "alarm_events": [first, last, None, None], "series_points": [first],
                  "duty_events": [last, first, last],
                  **PERCEPTION_PARAMS(first, last), **PERFORMANCE_PARAMS(first, last)}
        assert set(params) == set(QUERIES)
        # dashboard/perception.py and alarm_load.py sort them
        unordered = (set(PERCEPTION_PARAMS(first, last)) | set(PERFORMANCE_PARAMS(first, last))
                     | {"alarm_events", "series_points"})
        for name, args in params.items():
            duck, pg = (archive.query(name, *args) for archive in engines)
            # JSON: text from DuckDB, parsed by psycopg (the engine reads both)
            if name in ("series_points", "duty_events"):
                duck, pg = canonical_json(duck), canonical_json(pg)
            if name in unordered:
                duck, pg = sorted(duck, key=repr), sorted(pg, key=repr)
            assert duck == pg, name
        assert engines[0].query("ticket_facts", first, last), "the backfill has 12345 tickets"
        assert engines[0].query("alarm_events", first, last, None, None), "the backfill has alarms"
        assert engines[0].query("series_points", first), "the backfill has indicator values"
        for name, args in PERFORMANCE_PARAMS(first, last).items():
            assert engines[0].query(name, *args), f"the backfill answers {name}"
    finally:
        for archive in engines:
            archive.close()


def test_the_archive_going_away_stops_nothing_and_archiving_resumes(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis, postgres: PostgresCluster,
    pg_url: str,
) -> None:
    """With PostgreSQL down the instance goes on applying events and says why it cannot archive;
    once PostgreSQL is back, every event is archived exactly once."""
    process = dashboards(CN_HISTORY_URL=pg_url, **SMALL_BATCHES)
    xadd_all(rclient, mixed_events(1000))
    wait_for(archived_to(process, last_entry_id(rclient)), CATCH_UP_S, message="first part archived")
    postgres.halt()
    try:
        xadd_all(rclient, mixed_events(1000, offset=1000))
        process.wait_applied(2000, timeout=CATCH_UP_S)
        problem = wait_for(lambda: process.health()["history"]["problem"], 30, message="a problem shown")
        assert "PostgreSQL" in problem
        assert process.metric("cn_history_errors_total") >= 1
    finally:
        postgres.resume()
    wait_for(archived_to(process, last_entry_id(rclient)), CATCH_UP_S, message="archived after PostgreSQL")
    assert process.health()["history"]["problem"] is None
    archive = PostgresArchive(pg_url)
    try:
        rows = archive._run("SELECT log_id, count(*) FROM events GROUP BY log_id")
        assert max(count for _, count in rows) == 1
        assert sorted(log_id for log_id, _ in rows) == sorted(valid_log_ids(rclient))
    finally:
        archive.close()


def test_redis_going_away_stops_nothing_and_archiving_resumes(
    dashboards: Callable[..., DashboardProcess],
) -> None:
    """Redis killed and restarted mid-stream: the archiver says Redis is away meanwhile, and
    afterwards the archive holds every event exactly once."""
    server = EmbeddedRedis(persistent=True).start()
    try:
        client = redis.Redis.from_url(server.url)
        process = dashboards(server.url, **SMALL_BATCHES)
        xadd_all(client, mixed_events(1500))
        wait_for(archived_to(process, last_entry_id(client)), CATCH_UP_S, message="first part archived")
        server.kill()
        problem = wait_for(lambda: process.health()["history"]["problem"], 30, message="a problem shown")
        assert "Redis" in problem
        server.start()
        client = redis.Redis.from_url(server.url)
        xadd_all(client, mixed_events(1500, offset=1500))
        wait_for(archived_to(process, last_entry_id(client)), CATCH_UP_S, message="archived after Redis")
        expected = sorted(valid_log_ids(client))
        process.stop()
        archive = DuckDBArchive(process.history_path)
        try:
            rows = archive._run("SELECT log_id, count(*) FROM events GROUP BY log_id")
            assert max(count for _, count in rows) == 1
            assert sorted(log_id for log_id, _ in rows) == expected and len(expected) == 3000
        finally:
            archive.close()
    finally:
        server.cleanup()


def test_the_lease_has_one_holder_and_passes_on_when_released_or_expired(redis_url: str) -> None:
    """SET NX PX takes a free lease; only its holder renews or releases it; it passes on
    when released, and when its holder stops renewing, once it runs out."""
    import redis.asyncio as aioredis

    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        first, second = (Lease(client, "cn:history:lease", 2.0, token=name) for name in ("a", "b"))
        try:
            assert await first.refresh() and first.held
            assert not await second.refresh() and not second.held
            assert await first.refresh()  # renewed
            await second.release()  # not its lease: nothing happens
            assert await first.holder() == "a"
            await first.release()
            assert not first.held and await second.refresh() and await second.holder() == "b"
            deadline = time.monotonic() + 10
            while not await first.refresh():  # b stopped renewing: its lease runs out
                assert time.monotonic() < deadline, "the lease never ran out"
                await asyncio.sleep(0.1)
            assert await first.holder() == "a"
            assert not await second.refresh()  # b finds it taken, and knows it
            assert not second.held
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_simulate_backfill_days_writes_history_once(tmp_path: Path) -> None:
    """``simulate --backfill-days 2 --duration 0`` writes two days into the archive; run again
    it adds nothing."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "CN_HISTORY_PATH": str(tmp_path / "history.duckdb")}
    command = [sys.executable, "-m", "dashboard", "simulate", "--backfill-days", "2", "--duration", "0"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert again.returncode == 0 and "backfilled 0 events" in again.stdout, again.stdout + again.stderr
    archive = DuckDBArchive(tmp_path / "history.duckdb")
    try:
        rows = archive.count("events")
        assert f"backfilled {rows:,} events" in first.stdout
        assert rows > 15_000
        assert archive.cursor("events") == "0-0"  # the live archiver's cursor is untouched
    finally:
        archive.close()


def test_duckdb_keeps_each_row_once_without_a_key_and_rebuilds_a_keyed_file(tmp_path: Path) -> None:
    """The DuckDB archive has no primary key (an ART index outgrew the buffer cap at 2.6
    million rows): a batch written again after its cursor adds nothing, nor does a batch
    that overlaps the cursor; synthetic rows written twice are kept once; a file made with
    the old keyed schema is rebuilt without the key and keeps its rows."""
    import duckdb

    def row(log_id: str, ts: int) -> Any:
        event = indicator_value("safety.score", 90, event_id=f"e{log_id}", ts=ts)
        return event_row(log_id, orjson.dumps(event))

    now = clock.now_ms()
    rows = [row(f"{now + i}-0", now + i) for i in range(5)]
    assert all(r is not None for r in rows)
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    try:
        assert archive.write_events(rows[:3], rows[2].log_id) == 3
        assert archive.write_events(rows[:3], rows[2].log_id) == 0  # the same batch again
        assert archive.write_events(rows[1:], rows[4].log_id) == 2  # overlapping the cursor
        synthetic = [r._replace(log_id=f"synthetic-{i}") for i, r in enumerate(rows)]
        assert archive.write_events(synthetic, None) == 5
        one_new = row("x-1", now)._replace(log_id="synthetic-9")
        assert archive.write_events([*synthetic[3:], one_new], None) == 1
        assert archive.count("events") == 11
    finally:
        archive.close()

    keyed = tmp_path / "keyed.duckdb"
    db = duckdb.connect(str(keyed))
    db.execute("CREATE TABLE events (log_id VARCHAR PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, day DATE NOT NULL, "
               "type VARCHAR NOT NULL, street VARCHAR, source VARCHAR, event_id VARCHAR, data JSON NOT NULL)")
    db.execute("INSERT INTO events VALUES ('1-0', now(), current_date, 'hotline.ticket', "
               "NULL, NULL, NULL, '{}')")
    db.close()
    archive = DuckDBArchive(keyed)
    try:
        assert archive.count("events") == 1
        assert archive.write_events(rows, rows[4].log_id) == 5
        assert archive.count("events") == 6
    finally:
        archive.close()
    db = duckdb.connect(str(keyed), read_only=True)
    try:
        assert db.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                          "AND table_name = 'events'").fetchone() == (0,)
    finally:
        db.close()

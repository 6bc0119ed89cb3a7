"""The archive in PostgreSQL (``history_url``, ``postgresql://…``): several instances.

Why PostgreSQL: it is what a district data centre already runs and backs up (Debian and
every Chinese government cloud package it), many readers query it while one archiver
writes (MVCC), and analytics tools speak to it directly.  Several instances share one
database; one archiver at a time writes (the Redis lease, dashboard/lease.py), every
instance may read.

A batch is copied (``COPY … FROM STDIN``) into a temporary table and moved with one
``INSERT … SELECT … ON CONFLICT DO NOTHING``, so a repeated batch changes nothing.
B-tree indexes serve the time-range and street/type queries.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import psycopg

from dashboard import streamids
from dashboard.history import (
    AUDIT_STREAM,
    CURSOR_SELECT,
    CURSOR_UPSERT,
    EVENTS_STREAM,
    QUERIES,
    SYNTHETIC_DAYS,
    TABLES,
    ArchiveError,
    AuditRow,
    EventRow,
    placeholders,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    log_id TEXT PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, day DATE NOT NULL, type TEXT NOT NULL,
    street TEXT, source TEXT, event_id TEXT, data JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS events_day_street_type ON events (day, street, type);
CREATE INDEX IF NOT EXISTS events_type_day ON events (type, day);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
CREATE TABLE IF NOT EXISTS audit (
    log_id TEXT PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, day DATE NOT NULL, who TEXT, role TEXT,
    action TEXT, target TEXT, outcome TEXT, fields JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS audit_day_action ON audit (day, action);
CREATE TABLE IF NOT EXISTS cursors (stream TEXT PRIMARY KEY, ms BIGINT NOT NULL, seq BIGINT NOT NULL);
"""
#: a server that stops answering is noticed (TCP keep-alives) and no statement waits forever
LIVENESS: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                            "keepalives_count": 3, "options": "-c statement_timeout=120s"}
#: the schema is created under this advisory lock (two instances starting at once)
SCHEMA_LOCK = 0x636E68  # "cnh"
STAGING = """
CREATE TEMP TABLE IF NOT EXISTS events_in (log_id TEXT, ts_ms BIGINT, day DATE, type TEXT, street TEXT,
    source TEXT, event_id TEXT, data TEXT) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS audit_in (log_id TEXT, ts_ms BIGINT, day DATE, who TEXT, role TEXT,
    action TEXT, target TEXT, outcome TEXT, fields TEXT) ON COMMIT DELETE ROWS;
"""
_MOVE = {
    "events": "INSERT INTO events SELECT log_id, to_timestamp(ts_ms / 1000.0), day, type, street, "
              "source, event_id, data::jsonb FROM events_in ON CONFLICT DO NOTHING",
    "audit": "INSERT INTO audit SELECT log_id, to_timestamp(ts_ms / 1000.0), day, who, role, action, "
             "target, outcome, fields::jsonb FROM audit_in ON CONFLICT DO NOTHING",
}


def _sql(text: str) -> Any:
    """A query of dashboard/history.py in psycopg's parameter style (``%`` doubled first)."""
    return placeholders(text.replace("%", "%%"), "%s")


class PostgresArchive:
    """The archive in one PostgreSQL database; thread-safe (one connection behind a lock)."""

    engine = "postgresql"

    def __init__(self, url: str, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        self.where = url.split("@")[-1]  # no password in messages
        try:
            self._db = psycopg.connect(url, connect_timeout=max(1, int(connect_timeout_s)), **LIVENESS)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
                self._db.execute(SCHEMA)
            self._db.execute(STAGING)
            self._db.commit()
        except psycopg.Error as exc:
            raise ArchiveError(f"PostgreSQL at {self.where}: {exc}".strip()) from None
        self._lock = threading.Lock()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                with self._db.transaction():
                    return self._db.execute(_sql(sql), list(params)).fetchall()
            except psycopg.Error as exc:
                raise ArchiveError(f"PostgreSQL at {self.where}: {exc}".strip()) from None

    def cursor(self, stream: str) -> str:
        found = self._run(CURSOR_SELECT, [stream])
        return f"{found[0][0]}-{found[0][1]}" if found else streamids.ZERO

    def _write(self, table: str, rows: Sequence[tuple[Any, ...]], stream: str, last_id: str | None) -> int:
        with self._lock:
            try:
                with self._db.transaction(), self._db.cursor() as cur:
                    inserted = 0
                    if rows:
                        with cur.copy(f"COPY {table}_in FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                        cur.execute(_MOVE[table])
                        inserted = cur.rowcount
                    if last_id is not None:
                        cur.execute(_sql(CURSOR_UPSERT), [stream, *streamids.parse(last_id)])
                return inserted
            except psycopg.Error as exc:
                raise ArchiveError(f"PostgreSQL at {self.where}: {exc}".strip()) from None

    def write_events(self, rows: Sequence[EventRow], last_id: str | None) -> int:
        return self._write("events", rows, EVENTS_STREAM, last_id)

    def write_audit(self, rows: Sequence[AuditRow], last_id: str) -> int:
        return self._write("audit", rows, AUDIT_STREAM, last_id)

    def query(self, name: str, *params: Any) -> list[tuple[Any, ...]]:
        return self._run(QUERIES[name], params)

    def days_with_synthetic(self, first_day: str, last_day: str) -> set[str]:
        return {row[0] for row in self._run(SYNTHETIC_DAYS, [first_day, last_day])}

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(f"no table {table!r} (known: {', '.join(TABLES)})")
        return int(self._run(f"SELECT count(*) FROM {table}")[0][0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

"""The archive in an embedded DuckDB file (``history_path``): one instance's history.

DuckDB lets one process at a time open a file for writing, so ``history_path`` is for a
single instance (several instances name a shared server with ``history_url``:
dashboard/history_postgres.py).  The archiver opens the file only while it holds the
archive lease and closes it when it loses the lease.

Rows arrive in log order, so DuckDB's min-max zone maps on ``day`` and ``ts`` already
confine a time-range query to the row groups of that range, and no ART index is built,
not even a primary key: DuckDB keeps an ART index whole in memory, and under the buffer
cap (:data:`MEMORY_MB`) the key of ``events`` ran out of memory at 2.6 million rows
(``python -m bench --only perception``, 2026-12-03).  Exactly-once comes from the cursor
instead: the archiver's rows are the entries after the cursor, and the rows and the
cursor's move are one transaction, so a batch keeps only the rows after the cursor it
finds.  Rows written without a cursor (the backfill's synthetic days) are checked
against the rows of the same days (an anti-join the zone maps confine to those days).
A file made with the old primary key is rebuilt without it once, when it is opened.

A batch goes in as a dict of NumPy arrays that DuckDB scans in one ``INSERT … SELECT``
(about 250,000 rows/s here; ``executemany`` manages a few hundred).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

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
)

DDL = {
    "events": """CREATE TABLE IF NOT EXISTS events (
    log_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, day DATE NOT NULL, type VARCHAR NOT NULL,
    street VARCHAR, source VARCHAR, event_id VARCHAR, data JSON NOT NULL)""",
    "audit": """CREATE TABLE IF NOT EXISTS audit (
    log_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, day DATE NOT NULL, who VARCHAR, role VARCHAR,
    action VARCHAR, target VARCHAR, outcome VARCHAR, fields JSON NOT NULL)""",
}
SCHEMA = ";\n".join([*DDL.values(),
                      "CREATE TABLE IF NOT EXISTS cursors (stream VARCHAR PRIMARY KEY, ms BIGINT NOT NULL, "
                      "seq BIGINT NOT NULL)"])


def _columns(rows: Sequence[tuple[Any, ...]], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Rows as one NumPy array per column (``ts_ms`` as int64, the others as objects)."""
    columns = list(zip(*rows, strict=True))
    return {name: np.array(column, dtype=np.int64 if name == "ts_ms" else object)
            for name, column in zip(names, columns, strict=True)}


def _after(rows: Sequence[tuple[Any, ...]], cursor: list[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]]:
    """The rows whose log id (their first field, an entry id) is after the cursor found."""
    if not cursor:
        return rows
    last = (int(cursor[0][0]), int(cursor[0][1]))
    return [row for row in rows if streamids.parse(row[0]) > last]


def _drop_primary_key(db: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rebuild ``table`` without the primary key of a file made before 2026-12-03 (DuckDB
    cannot drop a constraint in place); nothing when it has none."""
    keyed = db.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? "
                       "AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()
    if not keyed or not keyed[0]:
        return
    db.execute("BEGIN")
    db.execute(f"ALTER TABLE {table} RENAME TO {table}_keyed")
    db.execute(DDL[table])
    db.execute(f"INSERT INTO {table} SELECT * FROM {table}_keyed")
    db.execute(f"DROP TABLE {table}_keyed")
    db.execute("COMMIT")


# DuckDB's buffer cap.  Without one DuckDB may hold up to 80 % of the machine's memory,
# and an instance archiving the demo feed grew by ~220 MB an hour (soak, 2026-12-03); with
# 64 MB a million archived rows stayed within 46 MB of the start.
MEMORY_MB = 256


class DuckDBArchive:
    """The archive in one DuckDB file; thread-safe (one connection behind a lock)."""

    engine = "duckdb"

    def __init__(self, path: str | Path, memory_mb: int = MEMORY_MB) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = duckdb.connect(str(self.path), config={"memory_limit": f"{memory_mb}MB"})
            self._db.execute(SCHEMA)
            for table in TABLES:
                _drop_primary_key(self._db, table)
        except (duckdb.Error, OSError) as exc:
            raise ArchiveError(f"DuckDB file {self.path}: {exc}") from None
        self._lock = threading.Lock()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, list(params)).fetchall()
            except duckdb.Error as exc:
                raise ArchiveError(f"DuckDB file {self.path}: {exc}") from None

    def cursor(self, stream: str) -> str:
        found = self._run(CURSOR_SELECT, [stream])
        return f"{found[0][0]}-{found[0][1]}" if found else streamids.ZERO

    def _write(self, table: str, select: str, rows: Sequence[tuple[Any, ...]], names: Sequence[str],
               stream: str, last_id: str | None) -> int:
        with self._lock:
            try:
                self._db.execute("BEGIN")
                inserted = 0
                if last_id is not None:
                    rows = _after(rows, self._db.execute(CURSOR_SELECT, [stream]).fetchall())
                if rows:
                    batch = _columns(rows, names)
                    new, days = "", []
                    if last_id is None:
                        new = (f" WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.day BETWEEN "
                               "CAST(? AS DATE) AND CAST(? AS DATE) AND t.log_id = batch.log_id)")
                        days = [min(batch["day"]), max(batch["day"])]
                    self._db.register("batch", batch)
                    try:
                        reply = self._db.execute(f"INSERT INTO {table} {select} FROM batch{new}",
                                                 days).fetchone()
                    finally:
                        # after a failed INSERT the transaction is aborted and unregister
                        # fails too; its error must not hide the INSERT's
                        with contextlib.suppress(duckdb.Error):
                            self._db.unregister("batch")
                    inserted = int(reply[0]) if reply else 0
                if last_id is not None:
                    self._db.execute(CURSOR_UPSERT, [stream, *streamids.parse(last_id)])
                self._db.execute("COMMIT")
                return inserted
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    self._db.execute("ROLLBACK")
                raise ArchiveError(f"DuckDB file {self.path}: {exc}") from None

    def write_events(self, rows: Sequence[EventRow], last_id: str | None) -> int:
        return self._write("events", "SELECT log_id, make_timestamptz(ts_ms * 1000), CAST(day AS DATE), "
                           "type, street, source, event_id, data", rows, EventRow._fields, EVENTS_STREAM,
                           last_id)

    def write_audit(self, rows: Sequence[AuditRow], last_id: str) -> int:
        return self._write("audit", "SELECT log_id, make_timestamptz(ts_ms * 1000), CAST(day AS DATE), "
                           "who, role, action, target, outcome, fields", rows, AuditRow._fields, AUDIT_STREAM,
                           last_id)

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

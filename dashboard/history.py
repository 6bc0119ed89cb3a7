"""The history archive's role (:class:`Archive`), its rows and the queries analytics ask.

The Redis log is bounded; the archive keeps every applied event for months (DESIGN
"History").  Implementations beside this module: :mod:`dashboard.history_duckdb` (an
embedded file, one instance) and :mod:`dashboard.history_postgres` (a shared server,
several instances); :func:`dashboard.history_open.open_archive` picks one from the
settings.  Both hold the same tables and answer the same SQL (:data:`QUERIES`).

What every implementation guarantees:

* a row is keyed by its log entry id (``log_id``, the primary key): writing a batch twice,
  or two writers writing the same batch, leaves one row per id (``ON CONFLICT DO
  NOTHING``);
* a batch and the stream's cursor (the last entry id archived) are written in one
  transaction, so a restarted archiver resumes exactly after what is stored;
* a cursor only moves forward: a writer that lost its lease and writes late cannot move
  it back.

Rows are built here, without I/O: :func:`event_row` from a log entry (an entry that does
not validate is not archived: it was dead-lettered, not applied), :func:`audit_row` from
an audit stream entry.  Methods of an archive block (they are called from the
archiver's thread, never on the event loop) and raise :class:`ArchiveError` when the
engine cannot be reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import orjson

from dashboard import clock, streamids
from dashboard.events import InvalidEvent, parse_event

#: the ``stream`` names of the archive's cursors
EVENTS_STREAM = "events"
AUDIT_STREAM = "audit"
#: synthetic log ids (the backfill's, dashboard/simulator_backfill.py) start with this letter:
#: a Redis stream id is always ``<digits>-<digits>``, so the two can never collide
SYNTHETIC_PREFIX = "b"


class ArchiveError(RuntimeError):
    """The archive engine cannot be reached or refused a write; the message says why."""


class EventRow(NamedTuple):
    """One archived event.  ``ts_ms``: the event's time (the log entry's when the producer
    gave none, as the reducer does); ``day``: its Beijing calendar day (``YYYY-MM-DD``)."""

    log_id: str
    ts_ms: int
    day: str
    type: str
    street: str | None
    source: str | None
    event_id: str | None
    data: str  # the payload as JSON text


class AuditRow(NamedTuple):
    """One archived audit entry (dashboard/audit.py's fields; ``fields``: all of them, JSON)."""

    log_id: str
    ts_ms: int
    day: str
    who: str
    role: str
    action: str
    target: str
    outcome: str
    fields: str


def event_row(log_id: str, raw: bytes | None, max_bytes: int = 65_536) -> EventRow | None:
    """The row of one log entry, or None when the entry is not an applicable event."""
    if raw is None:
        return None
    try:
        event = parse_event(raw, max_bytes)
    except InvalidEvent:
        return None
    ts = event.ts if event.ts is not None else streamids.entry_ms(log_id)
    return EventRow(log_id, ts, clock.beijing_day(ts), event.type, event.street, event.source,
                    event.id, orjson.dumps(event.data).decode())


def audit_row(log_id: str, fields: Mapping[bytes | str, bytes | str]) -> AuditRow:
    """The row of one audit stream entry (its ``ts`` when it is a number, else the id's time)."""
    text = {(k.decode() if isinstance(k, bytes) else k): (v.decode("utf-8", "replace")
            if isinstance(v, bytes) else v) for k, v in fields.items()}
    raw_ts = text.get("ts", "")
    ts = int(raw_ts) if raw_ts.isdigit() else streamids.entry_ms(log_id)
    return AuditRow(log_id, ts, clock.beijing_day(ts), text.get("who", ""), text.get("role", ""),
                    text.get("action", ""), text.get("target", ""), text.get("outcome", ""),
                    orjson.dumps(text).decode())


# The queries analytics ask, in the SQL both engines speak (DuckDB's and PostgreSQL's
# ``->>`` on JSON, ``bool_or``, ``count(*) FILTER``); parameters are written ``?`` and an
# implementation turns them into its own.  Time bounds are epoch milliseconds.
QUERIES: dict[str, str] = {
    # a day of the district: events per street and type (the "day-by-street aggregate")
    "day_by_street": """
        SELECT coalesce(street, 'district') AS street, type, count(*) AS events
        FROM events WHERE day = CAST(? AS DATE)
        GROUP BY 1, 2 ORDER BY 1, 2""",
    # events per Beijing day and type over a range of days (inclusive)
    "counts_by_type_day": """
        SELECT CAST(day AS VARCHAR) AS day, type, count(*) AS events
        FROM events WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        GROUP BY 1, 2 ORDER BY 1, 2""",
    # 12345 ticket facts (for perception analytics): one row per ticket opened in a range
    "ticket_facts": """
        SELECT data->>'ticket_id' AS ticket_id, min(data->>'category') AS category,
               min(coalesce(street, 'district')) AS street,
               CAST(min(day) AS VARCHAR) AS opened_day, count(*) AS updates,
               bool_or(data->>'status' = 'closed') AS closed,
               bool_or(data->>'satisfied' = 'true') AS satisfied,
               bool_or(data->>'satisfied' = 'false') AS unsatisfied
        FROM events WHERE type = 'hotline.ticket' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        GROUP BY 1 ORDER BY 1""",
    # 12345 perception (dashboard/perception.py): the registrations of a range of days, one
    # row per registering ``hotline.ticket`` (status new); coordinates as numbers
    "perception_registrations": """
        SELECT data->>'ticket_id' AS ticket_id, CAST(day AS VARCHAR) AS day,
               coalesce(street, 'district') AS street, data->>'category' AS category,
               CAST(data->>'lat' AS DOUBLE PRECISION) AS lat, CAST(data->>'lon' AS DOUBLE PRECISION) AS lon,
               data->>'address' AS address, data->>'summary' AS summary, data->>'urgency' AS urgency
        FROM events
        WHERE type = 'hotline.ticket' AND data->>'status' = 'new'
          AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)""",
    # 12345 perception: the steps of a range of days (the lifecycle events of the event
    # contract, and a v1 producer's status updates); ``ms``: epoch milliseconds
    "perception_steps": """
        SELECT data->>'ticket_id' AS ticket_id, type, CAST(day AS VARCHAR) AS day,
               CAST(extract(epoch FROM ts) * 1000 AS BIGINT) AS ms, data->>'unit' AS unit,
               data->>'result' AS result, data->>'approved' AS approved, data->>'status' AS status,
               data->>'satisfied' AS satisfied, data->>'until' AS until
        FROM events
        WHERE type LIKE 'hotline.%' AND coalesce(data->>'status', '') <> 'new'
          AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)""",
    # audit entries of one action by outcome and day (the trail after the stream's trim)
    "audit_by_day": """
        SELECT CAST(day AS VARCHAR) AS day, action, outcome, count(*) AS entries
        FROM audit WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
}


class Archive(Protocol):
    """An archive engine (see the module docstring for what each guarantees)."""

    engine: str  # "duckdb" or "postgresql"

    def cursor(self, stream: str) -> str:
        """The last entry id archived of ``stream`` (``0-0`` when none)."""

    def write_events(self, rows: Sequence[EventRow], last_id: str | None) -> int:
        """Insert the rows not already there and move the events cursor to ``last_id``
        (None: leave it; the backfill's synthetic rows), in one transaction; rows inserted."""

    def write_audit(self, rows: Sequence[AuditRow], last_id: str) -> int:
        """As :meth:`write_events`, for the audit stream."""

    def query(self, name: str, *params: Any) -> list[tuple[Any, ...]]:
        """The rows of one of :data:`QUERIES`."""

    def days_with_synthetic(self, first_day: str, last_day: str) -> set[str]:
        """The days (``YYYY-MM-DD``) in the range that hold backfilled rows already."""

    def count(self, table: str) -> int:
        """Rows in ``events`` or ``audit``."""

    def close(self) -> None:
        """Release the connection (and DuckDB's file lock)."""


def placeholders(sql: str, style: str) -> str:
    """``?`` parameters as ``style`` (``%s`` for psycopg); the queries hold no other ``?``."""
    return sql.replace("?", style)


#: the cursor only moves forward (a late writer cannot move it back); same SQL on both engines
CURSOR_UPSERT = """
    INSERT INTO cursors (stream, ms, seq) VALUES (?, ?, ?)
    ON CONFLICT (stream) DO UPDATE SET ms = excluded.ms, seq = excluded.seq
    WHERE cursors.ms < excluded.ms OR (cursors.ms = excluded.ms AND cursors.seq < excluded.seq)"""
CURSOR_SELECT = "SELECT ms, seq FROM cursors WHERE stream = ?"
SYNTHETIC_DAYS = f"""
    SELECT DISTINCT CAST(day AS VARCHAR) FROM events
    WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND log_id LIKE '{SYNTHETIC_PREFIX}%'"""
TABLES = ("events", "audit")

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


# fragments of the perception queries: a registering hotline.ticket of a range of days,
# and its week counted back from a day (parameters: that day, then the range)
_WEEK = "CAST(floor((CAST(? AS DATE) - day) / 7.0) AS INTEGER)"
_REGISTERED = ("type = 'hotline.ticket' AND data->>'status' = 'new' "
               "AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)")
# and of one street (a street officer's scope) or, given NULL, of all (two parameters)
_SCOPE = "(CAST(? AS VARCHAR) IS NULL OR coalesce(street, 'district') = CAST(? AS VARCHAR))"

# The queries analytics ask, in the SQL both engines speak (DuckDB's and PostgreSQL's
# ``->>`` on JSON, ``bool_or``, ``count(*) FILTER``); parameters are written ``?`` and an
# implementation turns them into its own.  Time bounds are epoch milliseconds.
QUERIES: dict[str, str] = {
    # alarm load (dashboard/alarm_load.py): the raises and clears of a range of days, of one
    # street or all; a sensor's alarms are its own source, an early warning's its series
    "alarm_events": f"""
        SELECT CAST(extract(epoch FROM ts) * 1000 AS BIGINT) AS ms, type, street,
               coalesce(data->>'sensor_id', (data->>'key') || '@' || coalesce(street, 'district')) AS source,
               coalesce(data->>'kind', data->>'key') AS kind, CAST(data->>'level' AS INTEGER) AS level,
               event_id
        FROM events WHERE type IN ('sensor.alarm', 'sensor.cleared', 'indicator.anomaly')
          AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND {_SCOPE}""",
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
    "perception_registrations": f"""
        SELECT data->>'ticket_id' AS ticket_id, CAST(day AS VARCHAR) AS day,
               coalesce(street, 'district') AS street, data->>'category' AS category,
               CAST(data->>'lat' AS DOUBLE PRECISION) AS lat, CAST(data->>'lon' AS DOUBLE PRECISION) AS lon,
               data->>'address' AS address, data->>'summary' AS summary, data->>'urgency' AS urgency
        FROM events WHERE {_REGISTERED} AND {_SCOPE}""",
    # 12345 perception: registrations per category and week (0: the 7 days ending the
    # first parameter, 1: the 7 before, …) over a range of days
    "perception_category_weeks": f"""
        SELECT data->>'category' AS category, {_WEEK} AS week, count(*) AS tickets
        FROM events WHERE {_REGISTERED} AND {_SCOPE} GROUP BY 1, 2""",
    # 12345 perception: the placed registrations of a range of days, their week as above
    "perception_points": f"""
        SELECT CAST(data->>'lat' AS DOUBLE PRECISION) AS lat, CAST(data->>'lon' AS DOUBLE PRECISION) AS lon,
               {_WEEK} AS week
        FROM events WHERE {_REGISTERED} AND {_SCOPE} AND data->>'lat' IS NOT NULL
                          AND data->>'lon' IS NOT NULL""",
    # 12345 perception, hard to solve: the tickets registered in a range of days with their
    # returns, extension requests, reopenings, first closing day and, when an extension was
    # approved, the latest day asked for; only those with one of these or still open (or
    # closed) more calendar days after registration than the working days of their urgency
    # (parameters: the range, the range of steps, the last day, the days for urgency 1, 2, 3)
    "perception_hard": f"""
        WITH r AS (
            SELECT data->>'ticket_id' AS ticket_id, data->>'category' AS category,
                   coalesce(street, 'district') AS street, day, coalesce(data->>'urgency', '3') AS urgency
            FROM events WHERE {_REGISTERED} AND {_SCOPE}),
        s AS (
            SELECT data->>'ticket_id' AS ticket_id,
                   count(*) FILTER (WHERE type = 'hotline.returned') AS returned,
                   count(*) FILTER (WHERE type = 'hotline.extension'
                                    AND data->>'until' IS NOT NULL) AS extensions,
                   count(*) FILTER (WHERE type = 'hotline.reopened') AS reopened,
                   min(day) FILTER (WHERE type = 'hotline.closed'
                                    OR data->>'status' = 'closed') AS closed_day,
                   CASE WHEN bool_or(type = 'hotline.extension' AND data->>'approved' = 'true')
                        THEN max(data->>'until') END AS until
            FROM events WHERE type LIKE 'hotline.%' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
            GROUP BY 1)
        SELECT r.ticket_id, r.category, r.street, CAST(r.day AS VARCHAR) AS day, r.urgency,
               coalesce(s.returned, 0) AS returned, coalesce(s.extensions, 0) AS extensions,
               coalesce(s.reopened, 0) AS reopened, CAST(s.closed_day AS VARCHAR) AS closed_day, s.until
        FROM r LEFT JOIN s ON s.ticket_id = r.ticket_id
        WHERE coalesce(s.returned, 0) + coalesce(s.extensions, 0) + coalesce(s.reopened, 0) > 0
           OR coalesce(s.closed_day, CAST(? AS DATE)) - r.day
              > CASE r.urgency WHEN '1' THEN ? WHEN '2' THEN ? ELSE ? END""",
    # 12345 perception: dispatches and returns of the tickets returned in a range of days
    "perception_returns": f"""
        SELECT data->>'ticket_id' AS ticket_id, type, CAST(extract(epoch FROM ts) * 1000 AS BIGINT) AS ms,
               data->>'unit' AS unit
        FROM events
        WHERE type IN ('hotline.dispatched', 'hotline.returned')
          AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
          AND {_SCOPE} AND data->>'ticket_id' IN (
              SELECT data->>'ticket_id' FROM events
              WHERE type = 'hotline.returned' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE))""",
    # 12345 perception: dispatches per unit over a range of days
    "perception_dispatches": f"""
        SELECT data->>'unit' AS unit, count(*) AS dispatched
        FROM events WHERE type = 'hotline.dispatched' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
          AND {_SCOPE}
        GROUP BY 1""",
    # 12345 perception, unsatisfied: callbacks (a visit's result, a v1 closing's
    # ``satisfied``) of a range of days counted by the ticket's category and street, the unit
    # last dispatched before the callback, the week (0: the 7 days ending the last
    # parameter) and whether unsatisfied.  Parameters: the registrations' range, the
    # callbacks' range, the dispatches' range, the last day
    "perception_callbacks": f"""
        WITH r AS (
            SELECT data->>'ticket_id' AS ticket_id, data->>'category' AS category,
                   coalesce(street, 'district') AS street
            FROM events WHERE {_REGISTERED} AND {_SCOPE}),
        v AS (
            SELECT log_id, data->>'ticket_id' AS ticket_id, ts, day,
                   coalesce(data->>'result' = 'unsatisfied' OR data->>'satisfied' = 'false', false) AS bad
            FROM events
            WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
              AND ((type = 'hotline.visited' AND data->>'result' IS NOT NULL)
                   OR (type = 'hotline.ticket' AND data->>'status' = 'closed'
                       AND data->>'satisfied' IS NOT NULL))),
        d AS (
            SELECT data->>'ticket_id' AS ticket_id, ts, data->>'unit' AS unit
            FROM events
            WHERE type = 'hotline.dispatched' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)),
        u AS (
            SELECT DISTINCT ON (v.log_id) v.log_id, v.ticket_id, v.day, v.bad, d.unit
            FROM v LEFT JOIN d ON d.ticket_id = v.ticket_id AND d.ts < v.ts
            ORDER BY v.log_id, d.ts DESC)
        SELECT r.category, r.street, u.unit,
               CAST(floor((CAST(? AS DATE) - u.day) / 7.0) AS INTEGER) AS week, u.bad, count(*) AS callbacks
        FROM u JOIN r ON r.ticket_id = u.ticket_id
        GROUP BY 1, 2, 3, 4, 5""",
    # Open311 GeoReport v2 requests (dashboard/open311.py): the tickets registered between
    # two instants (ISO 8601), each with its last event's type, status and time; ``ms``:
    # epoch milliseconds.  Parameters: the instants, the days they fall on
    "open311_requests": """
        WITH r AS (
            SELECT data->>'ticket_id' AS ticket_id, ts, data->>'category' AS category,
                   data->>'summary' AS summary, data->>'address' AS address,
                   CAST(data->>'lat' AS DOUBLE PRECISION) AS lat,
                   CAST(data->>'lon' AS DOUBLE PRECISION) AS lon,
                   coalesce(data->>'urgency', '3') AS urgency, CAST(day AS VARCHAR) AS day
            FROM events
            WHERE type = 'hotline.ticket' AND data->>'status' = 'new'
              AND ts >= CAST(? AS TIMESTAMPTZ) AND ts < CAST(? AS TIMESTAMPTZ)
              AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)),
        latest AS (
            SELECT DISTINCT ON (data->>'ticket_id') data->>'ticket_id' AS ticket_id, type,
                   data->>'status' AS status, ts
            FROM events
            WHERE type LIKE 'hotline.%' AND day >= CAST(? AS DATE)
              AND data->>'ticket_id' IN (SELECT ticket_id FROM r)
            ORDER BY data->>'ticket_id', ts DESC)
        SELECT r.ticket_id, r.category, r.summary, r.address, r.lat, r.lon, r.urgency, r.day,
               CAST(extract(epoch FROM r.ts) * 1000 AS BIGINT) AS requested_ms,
               latest.type, latest.status,
               CAST(extract(epoch FROM latest.ts) * 1000 AS BIGINT) AS updated_ms
        FROM r JOIN latest ON latest.ticket_id = r.ticket_id""",
    # street performance (dashboard/performance_figures.py): the incidents reported in a
    # range of days with the first time of each step after (parameters: the range, the
    # first day of the steps); a step before the one it follows is not counted
    "performance_incidents": """
        WITH r AS (
            SELECT data->>'incident_id' AS incident_id, min(coalesce(street, 'district')) AS street,
                   min(CAST(data->>'severity' AS INTEGER)) AS severity, min(data->>'domain') AS domain,
                   min(ts) AS reported
            FROM events WHERE type = 'incident.reported' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
            GROUP BY 1),
        s AS (
            SELECT data->>'incident_id' AS incident_id, type, ts FROM events
            WHERE type IN ('incident.acknowledged', 'incident.dispatched', 'incident.resolved',
                           'incident.reopened') AND day >= CAST(? AS DATE))
        SELECT r.incident_id, r.street, r.severity, r.domain,
               CAST(extract(epoch FROM r.reported) * 1000 AS BIGINT) AS reported_ms,
               CAST(extract(epoch FROM min(s.ts) FILTER (WHERE s.type = 'incident.acknowledged'))
                    * 1000 AS BIGINT) AS acked_ms,
               CAST(extract(epoch FROM min(s.ts) FILTER (WHERE s.type = 'incident.dispatched'))
                    * 1000 AS BIGINT) AS dispatched_ms,
               CAST(extract(epoch FROM min(s.ts) FILTER (WHERE s.type = 'incident.resolved'))
                    * 1000 AS BIGINT) AS resolved_ms,
               count(s.ts) FILTER (WHERE s.type = 'incident.reopened') AS reopened
        FROM r LEFT JOIN s ON s.incident_id = r.incident_id AND s.ts >= r.reported
        GROUP BY 1, 2, 3, 4, 5""",
    # street performance: the 12345 tickets registered in a range of days, their first
    # reply (办结; a v1 ticket's status replied or closed) and an approved extension's day
    # (parameters: the range, the first day of the steps)
    "performance_tickets": f"""
        WITH r AS (
            SELECT data->>'ticket_id' AS ticket_id, min(coalesce(street, 'district')) AS street,
                   min(ts) AS registered, min(coalesce(data->>'urgency', '3')) AS urgency
            FROM events WHERE {_REGISTERED} GROUP BY 1),
        s AS (
            SELECT data->>'ticket_id' AS ticket_id,
                   min(ts) FILTER (WHERE type = 'hotline.replied'
                                   OR (type = 'hotline.ticket' AND data->>'status' IN ('replied', 'closed')))
                       AS replied,
                   CASE WHEN bool_or(type = 'hotline.extension' AND data->>'approved' = 'true')
                        THEN max(data->>'until') END AS until
            FROM events WHERE type LIKE 'hotline.%' AND day >= CAST(? AS DATE) GROUP BY 1)
        SELECT r.ticket_id, r.street,
               CAST(extract(epoch FROM r.registered) * 1000 AS BIGINT) AS registered_ms,
               r.urgency, CAST(extract(epoch FROM s.replied) * 1000 AS BIGINT) AS replied_ms, s.until
        FROM r LEFT JOIN s ON s.ticket_id = r.ticket_id""",
    # street performance: the callbacks of a range of days, each with its ticket, the street
    # of its ticket (registered from the first parameter on) and whether satisfied or
    # basically so
    "performance_callbacks": """
        WITH r AS (
            SELECT data->>'ticket_id' AS ticket_id, min(coalesce(street, 'district')) AS street
            FROM events WHERE type = 'hotline.ticket' AND data->>'status' = 'new'
              AND day >= CAST(? AS DATE) GROUP BY 1)
        SELECT r.ticket_id, r.street,
               coalesce(data->>'result' IN ('satisfied', 'basic') OR data->>'satisfied' = 'true',
                        false) AS good
        FROM events JOIN r ON r.ticket_id = events.data->>'ticket_id'
        WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
          AND ((type = 'hotline.visited' AND data->>'result' IS NOT NULL)
               OR (type = 'hotline.ticket' AND data->>'status' = 'closed'
                   AND data->>'satisfied' IS NOT NULL))""",
    # street performance: the sensor alarms raised in a range of days (their inbox key: the
    # event id, else the log entry id) with their first acknowledgement (parameters: the
    # range, the first day of the acknowledgements)
    "performance_alarms": """
        WITH a AS (
            SELECT coalesce(event_id, log_id) AS alarm_id, min(coalesce(street, 'district')) AS street,
                   min(ts) AS raised
            FROM events WHERE type = 'sensor.alarm' AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
            GROUP BY 1),
        k AS (
            SELECT data->>'alarm_id' AS alarm_id, min(ts) AS acked FROM events
            WHERE type = 'alarm.acknowledged' AND day >= CAST(? AS DATE) GROUP BY 1)
        SELECT a.alarm_id, a.street, CAST(extract(epoch FROM a.raised) * 1000 AS BIGINT) AS raised_ms,
               CAST(extract(epoch FROM k.acked) * 1000 AS BIGINT) AS acked_ms
        FROM a LEFT JOIN k ON k.alarm_id = a.alarm_id AND k.acked >= a.raised""",
    # street performance: each camera's statuses (registration and changes) from a day on,
    # with the street of its registration (parameters: the first day of the statuses, the
    # last day)
    "performance_cameras": """
        WITH p AS (
            SELECT data->>'point_id' AS point_id, max(street) AS street FROM events
            WHERE type = 'video.point' GROUP BY 1)
        SELECT e.data->>'point_id' AS point_id, coalesce(p.street, 'district') AS street,
               CAST(extract(epoch FROM e.ts) * 1000 AS BIGINT) AS ms, e.data->>'status' AS status
        FROM events e LEFT JOIN p ON p.point_id = e.data->>'point_id'
        WHERE e.type IN ('video.point', 'video.status') AND e.data->>'status' IS NOT NULL
          AND e.day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        ORDER BY 1, 3""",
    # the early warning's baselines (dashboard/detect_engine.py): indicator values and sensor
    # readings from a day on (parameter: that day); ``ms``: epoch milliseconds
    "series_points": """
        SELECT CAST(extract(epoch FROM ts) * 1000 AS BIGINT) AS ms, type, street, data
        FROM events WHERE type IN ('indicator.value', 'sensor.reading') AND day >= CAST(? AS DATE)
        ORDER BY ts""",
    # duty events for the check-in replay (dashboard/checkin_reads.py): the roster's up to a
    # day, check-in requests and answers of a range of days (parameters: last day, first, last)
    "duty_events": """
        SELECT log_id, CAST(extract(epoch FROM ts) * 1000 AS BIGINT) AS ms, type, event_id, data
        FROM events WHERE (type IN ('duty.roster', 'duty.override', 'duty.swap') AND day <= CAST(? AS DATE))
           OR (type IN ('duty.checkin_request', 'duty.checkin')
               AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE))
        ORDER BY ts, log_id""",
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

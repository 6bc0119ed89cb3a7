"""Missed check-ins per centre and period, from the history archive (the performance
figures' input, issue 16 requirement 5).

The archive holds every applied event, refused ones too (the reducer's refusal is not a
column), so which answer was taken is re-derived: the roster's events up to the period's
end and the period's requests and answers are replayed, in log order, through the same
model the reducer uses (dashboard/roster.py, dashboard/checkin.py), without its bound on
requests kept.  Requests are events (the scheduler writes them), so nothing here needs
the schedule's configuration.  Blocking: run it in the archiver's thread
(:func:`dashboard.archive_reads.read`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from dashboard import checkin, streamids
from dashboard.clock import BEIJING
from dashboard.events import InvalidEvent, event_from_dict
from dashboard.history import Archive
from dashboard.state import State, apply

ROSTER_TYPES = ("duty.roster", "duty.override", "duty.swap")


def _order(row: Sequence[Any]) -> tuple[int, int]:
    log_id, ms = row[0], row[1]
    try:
        return streamids.parse(log_id)
    except ValueError:  # a backfilled (synthetic) row: its time
        return int(ms), 0


def replay(rows: Sequence[Sequence[Any]]) -> checkin.Tables:
    """The check-in requests, answered or not, of ``duty_events`` rows (log id, ms, type,
    event id, data JSON)."""
    state = State()
    tables = checkin.empty()
    for log_id, ms, kind, event_id, data in sorted(rows, key=_order):
        try:
            event = event_from_dict({"type": kind, "id": event_id, "ts": int(ms),
                                     "data": orjson.loads(data) if isinstance(data, str | bytes) else data})
        except InvalidEvent:
            continue
        if kind in ROSTER_TYPES:
            apply(state, str(log_id), event)
        elif kind == "duty.checkin_request":
            d = event.data
            checkin.add_request(tables, d["center"], d["post"], d["at"], d["due"], int(ms), keep=None)
        else:
            d = event.data
            checkin.answer(tables, state.roster, d["center"], d["post"], d["name"], int(ms))
    return tables


def _tables(archive: Archive, start: datetime, end: datetime) -> checkin.Tables:
    first = (start.astimezone(BEIJING) - timedelta(days=1)).date().isoformat()
    last = end.astimezone(BEIJING).date().isoformat()
    return replay(archive.query("duty_events", last, first, last))


def missed_counts(archive: Archive, start: datetime, end: datetime) -> dict[str, int]:
    """Missed check-ins per centre of the requests that opened in [start, end) and were due
    by ``end`` (see :func:`dashboard.checkin.missed_counts`)."""
    return checkin.missed_counts(_tables(archive, start, end), start, end)


def settled(archive: Archive, start: datetime, end: datetime) -> list[checkin.Request]:
    """The requests of :func:`dashboard.checkin.settled` over the archive."""
    return checkin.settled(_tables(archive, start, end), start, end)

"""Rows of the history archive (dashboard/history.py), the backfill's days and ids, the holidays."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from dashboard import streamids
from dashboard.history import SYNTHETIC_PREFIX, audit_row, event_row
from dashboard.holidays import day_kind
from dashboard.simulator_backfill import HOURLY, day_rows, day_total, synthetic_days
from dashboard.simulator_hotline import tickets_on

# 2026-12-02 23:30 in Beijing is 15:30 UTC the same day; 2026-12-03 00:30 Beijing is 12-02 UTC
LATE_EVENING_MS = 1_796_225_400_000
AFTER_MIDNIGHT_MS = LATE_EVENING_MS + 3_600_000


def raw(**envelope: object) -> bytes:
    payload = {"sensor_id": "s-1", "kind": "water", "value": 1.5}
    return orjson.dumps({"type": "sensor.reading", "data": payload, **envelope})


def test_event_row_keeps_the_log_id_envelope_and_payload() -> None:
    """A valid entry becomes a row keyed by its log id, with the envelope's fields and the payload."""
    row = event_row("1796225400000-3", raw(id="e-1", ts=LATE_EVENING_MS, street="hongqiao", source="iot"))
    assert row is not None
    assert (row.log_id, row.ts_ms, row.type, row.street, row.source, row.event_id) == (
        "1796225400000-3", LATE_EVENING_MS, "sensor.reading", "hongqiao", "iot", "e-1")
    assert orjson.loads(row.data) == {"sensor_id": "s-1", "kind": "water", "value": 1.5}


def test_event_row_day_is_the_beijing_day() -> None:
    """The day column is the Beijing calendar day, not the UTC one."""
    assert event_row("1-0", raw(ts=LATE_EVENING_MS)).day == "2026-12-02"  # type: ignore[union-attr]
    assert event_row("1-0", raw(ts=AFTER_MIDNIGHT_MS)).day == "2026-12-03"  # type: ignore[union-attr]


def test_event_without_ts_takes_the_log_entry_time() -> None:
    """As the reducer does, an event without ts is dated by its log entry id."""
    row = event_row(f"{AFTER_MIDNIGHT_MS}-0", raw())
    assert row is not None and row.ts_ms == AFTER_MIDNIGHT_MS


def test_district_street_is_stored_as_none() -> None:
    """``street: district`` is the whole district, as the reducer reads it (no street)."""
    row = event_row("1-0", raw(street="district", ts=LATE_EVENING_MS))
    assert row is not None and row.street is None


@pytest.mark.parametrize("entry", [None, b"not json", b'{"type": "no.such", "data": {}}',
                                   b'{"type": "sensor.reading", "data": {"kind": "x"}}'])
def test_entries_that_do_not_validate_are_not_archived(entry: bytes | None) -> None:
    """An entry the reducer dead-letters (or a missing one) has no row."""
    assert event_row("1-0", entry) is None


def test_audit_row_reads_the_stream_fields() -> None:
    """An audit entry keeps who/role/action/target/outcome in columns and every field as JSON."""
    fields = {b"ts": str(LATE_EVENING_MS).encode(), b"who": b"admin", b"role": b"admin",
              b"action": b"login", b"target": b"", b"outcome": b"ok", b"ip": b"127.0.0.1"}
    row = audit_row("1796225400001-0", fields)
    assert (row.log_id, row.ts_ms, row.day, row.who, row.action, row.outcome) == (
        "1796225400001-0", LATE_EVENING_MS, "2026-12-02", "admin", "login", "ok")
    assert orjson.loads(row.fields)["ip"] == "127.0.0.1"


def test_audit_row_without_a_numeric_ts_takes_the_entry_time() -> None:
    """An audit entry whose ts is not epoch ms is dated by its stream id."""
    assert audit_row(f"{AFTER_MIDNIGHT_MS}-1", {"ts": "?"}).ts_ms == AFTER_MIDNIGHT_MS


def test_backfill_days_are_the_days_before_the_end_day() -> None:
    """N days, oldest first, ending the Beijing day before the end time's."""
    assert synthetic_days(3, AFTER_MIDNIGHT_MS) == ["2026-11-30", "2026-12-01", "2026-12-02"]


def test_backfill_ids_are_deterministic_and_never_stream_ids() -> None:
    """The same seed and day give the same rows; their ids cannot parse as Redis stream ids."""
    first = list(day_rows("2026-12-01", seed=3, video_points=100))
    again = list(day_rows("2026-12-01", seed=3, video_points=100))
    assert first == again
    assert all(row.log_id.startswith(f"{SYNTHETIC_PREFIX}20261201-") for row in first)
    with pytest.raises(ValueError):
        streamids.parse(first[0].log_id)
    assert len({row.log_id for row in first}) == len(first)
    district = [row for row in first if not row.type.startswith("hotline.")]
    hotline = [row for row in first if row.type.startswith("hotline.")]
    # the simulator's events but its 12345 tickets, and the day's tickets with their lifecycles
    assert 0.9 * day_total(date(2026, 12, 1)) < len(district) <= day_total(date(2026, 12, 1))
    assert {row.day for row in district} == {"2026-12-01"}
    registered = [row for row in hotline if row.type == "hotline.ticket"]
    assert len(registered) == tickets_on(date(2026, 12, 1)) and {r.day for r in registered} == {"2026-12-01"}
    assert min(row.day for row in hotline) == "2026-12-01" < max(row.day for row in hotline)


def test_backfill_follows_the_day_and_the_week() -> None:
    """Busier at 10:00 than at 04:00; a Sunday and a holiday quieter than a working day."""
    assert HOURLY[10] > 4 * HOURLY[4]
    assert abs(sum(HOURLY) - 24) < 1e-9
    working, sunday, national_day = date(2026, 12, 2), date(2026, 11, 29), date(2026, 10, 2)
    assert day_total(national_day) < day_total(sunday) < day_total(working)
    rows = list(day_rows("2026-12-02", seed=3, video_points=100))
    by_hour = [0] * 24
    for row in rows:
        by_hour[(row.ts_ms // 3_600_000 + 8) % 24] += 1
    assert by_hour[10] > 3 * by_hour[4]


def test_holidays_and_make_up_days() -> None:
    """Statutory holidays, weekends, and weekends that are working days (调休)."""
    assert day_kind(date(2026, 10, 1)) == "holiday"
    assert day_kind(date(2026, 2, 17)) == "holiday"  # 春节
    assert day_kind(date(2026, 2, 14)) == "working"  # a Saturday, made up
    assert day_kind(date(2026, 12, 5)) == "weekend"
    assert day_kind(date(2026, 12, 3)) == "working"
    assert day_kind(date(2027, 2, 6)) == "holiday"


@pytest.mark.parametrize(("name", "value", "why"), [
    ("history_url", "mysql://db/x", "postgresql://"),
    ("history_lease_s", "1", "2–300"),
    ("history_batch", "0", "1–50000"),
])
def test_history_settings_are_validated(name: str, value: str, why: str) -> None:
    """A bad archive setting stops the start, naming the setting and the rule."""
    from dashboard.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=f"{name}.*{why}"):
        load_settings(environ={f"CN_{name.upper()}": value})


def test_an_empty_history_path_means_no_archive() -> None:
    """``CN_HISTORY_PATH=""`` turns the archive off; a history_url wins over a path."""
    from dashboard.config import load_settings
    from dashboard.history_open import archive_opener, archive_where

    off = load_settings(environ={"CN_HISTORY_PATH": ""})
    assert off.history_path is None and archive_opener(off) is None
    shared = load_settings(environ={"CN_HISTORY_URL": "postgresql://cn:secret@db:5432/cn"})
    assert archive_where(shared) == "postgresql db:5432/cn"  # no password
    assert archive_where(load_settings(environ={})) == "duckdb .run/history.duckdb"


def test_backfill_days_draw_their_own_values_in_the_same_district() -> None:
    """Two working days of the backfill hold the same sensors (ids, kinds, places: the
    seed's) but not the same readings: with the seed alone every working day was a copy of
    the last, and the early warning learned one day's noise as "usual" (docs/early-warning.md
    "Alarm rate")."""
    def readings(day: str) -> tuple[set[tuple[str, str, float, float]], list[tuple[int, float]]]:
        sensors, values = set(), []
        for row in day_rows(day, seed=3, video_points=400):
            if row.type == "sensor.reading":
                data = orjson.loads(row.data)
                sensors.add((data["sensor_id"], data["kind"], data["lat"], data["lon"]))
                values.append((row.ts_ms % 86_400_000, data["value"]))
        return sensors, values

    tuesday, wednesday = readings("2026-12-01"), readings("2026-12-02")
    assert tuesday[0] & wednesday[0] and all(
        s[0] not in {o[0] for o in wednesday[0]} or s in wednesday[0] for s in tuesday[0])
    same = len(set(tuesday[1]) & set(wednesday[1]))
    assert same < 0.05 * len(tuesday[1])

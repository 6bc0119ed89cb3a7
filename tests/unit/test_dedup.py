"""The dedup window (dashboard/dedup.py) and the reducer's exactly-once effect (state.py)."""

from __future__ import annotations

import random
import tracemalloc

import orjson
import pytest

from dashboard import state as st
from dashboard.config import ConfigError, load_settings
from dashboard.console import load_console_config
from dashboard.dedup import DedupWindow
from dashboard.events import Event, event_from_dict
from dashboard.inbox import inbox
from support.events import Envelope, indicator_value, sensor_alarm, video_point, video_status

T0 = 1_767_225_600_000  # 2026-01-01 08:00 Beijing
HOUR = 3_600_000
DAY = 24 * HOUR


def test_a_copy_within_the_window_is_refused() -> None:
    """The first copy of an id is admitted, a later one is not, whatever its ts."""
    window = DedupWindow()
    assert window.admit("e1", T0, T0)
    assert not window.admit("e1", T0, T0 + 5 * 60_000)
    assert not window.admit("e1", T0 + HOUR, T0 + HOUR)
    assert window.admit("e2", T0, T0) and len(window) == 2


def test_an_id_is_forgotten_once_event_time_leaves_the_window() -> None:
    """Eviction follows event time: an id older than window_ms behind the newest goes."""
    window = DedupWindow(window_ms=HOUR)
    window.admit("old", T0, T0)
    window.admit("mid", T0 + HOUR, T0 + HOUR)
    assert "old" in window  # exactly window_ms behind: still inside
    window.admit("new", T0 + HOUR + 1, T0 + HOUR + 1)
    assert "old" not in window and "mid" in window
    assert window.admit("old", T0, T0 + 2 * HOUR)  # a retry later than the window: applied again
    assert "old" not in window  # and, older than the window, not remembered


def test_the_wall_clock_plays_no_part_and_a_future_ts_cannot_flush_the_window() -> None:
    """The window's clock is event time, capped by the log entry's time."""
    window = DedupWindow(window_ms=HOUR)
    window.admit("a", T0, T0)
    window.admit("future", T0 + 30 * DAY, T0 + 1)  # a producer's clock a month ahead
    assert window.newest == T0 + 1 and "a" in window and "future" in window
    assert not window.admit("a", T0, T0 + 2)


def test_the_count_bound_forgets_the_oldest_by_event_time_then_id() -> None:
    """Over max_ids, the smallest (ts, id) goes first, whatever the arrival order."""
    arrivals = [("c", T0), ("a", T0), ("b", T0), ("z", T0 - 1), ("d", T0 + 1)]
    for order in (arrivals, list(reversed(arrivals)), sorted(arrivals)):
        window = DedupWindow(max_ids=3)
        for event_id, ts in order:
            window.admit(event_id, ts, T0 + 10)
        assert sorted(window.to_data()["ids"]) == ["b", "c", "d"]


def test_a_restored_window_decides_as_the_running_one() -> None:
    """to_data → JSON → from_data gives a window that admits and evicts identically."""
    rng = random.Random(3)
    events = [(f"e{rng.randrange(400)}", T0 + n * 60_000 + rng.randrange(-600_000, 600_000))
              for n in range(1_500)]
    running = DedupWindow(window_ms=3 * HOUR, max_ids=150)
    for event_id, ts in events[:700]:
        running.admit(event_id, ts, ts + 50)
    restored = DedupWindow.from_data(orjson.loads(orjson.dumps(running.to_data())))
    decisions = [(running.admit(i, ts, ts + 50), restored.admit(i, ts, ts + 50)) for i, ts in events[700:]]
    assert all(a == b for a, b in decisions) and any(not a for a, _ in decisions)
    assert running.to_data() == restored.to_data()


def test_new_bounds_forget_what_falls_outside() -> None:
    """limit() applies a smaller window or count at once."""
    window = DedupWindow()
    for n in range(10):
        window.admit(f"e{n}", T0 + n * HOUR, T0 + n * HOUR)
    window.limit(window_ms=2 * HOUR, max_ids=100)
    assert sorted(window.to_data()["ids"]) == ["e7", "e8", "e9"]
    window.limit(window_ms=2 * HOUR, max_ids=1)
    assert list(window.to_data()["ids"]) == ["e9"] and window.span_ms == 0
    with pytest.raises(ValueError, match="max_ids"):
        window.limit(window_ms=HOUR, max_ids=0)


def test_memory_per_remembered_id() -> None:
    """A remembered id of ~20 characters costs at most 250 bytes (docs: ~200)."""
    ids = [f"sim-7r123456-{n}" for n in range(20_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        window = DedupWindow()
        for n, event_id in enumerate(ids):
            window.admit(event_id, T0 + n, T0 + n)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    strings = sum(len(event_id) + 49 for event_id in ids)  # the producer's ids, kept by the window
    per_id = (after - before + strings) / len(ids)
    assert 100 < per_id <= 250, per_id


# ---------------------------------------------------------------- in the reducer


def ev(event: Envelope) -> Event:
    return event_from_dict({"street": "hongqiao", **event})


def run(entries: list[tuple[str, Event]]) -> st.State:
    state = st.State()
    for entry_id, event in entries:
        st.apply(state, entry_id, event)
    return state


def test_a_retried_event_changes_nothing_but_last_id() -> None:
    """A copy of an applied id: not applied, not counted as applied, no indicator point."""
    value = ev(indicator_value("green.pm25", 30.0, event_id="v1", ts=T0))
    state = run([(f"{T0}-0", value)])
    before = st.to_json(state)
    changes = st.apply(state, f"{T0 + 300_000}-0", value)
    assert changes.duplicates == 1 and not changes
    assert state.last_id == f"{T0 + 300_000}-0" and state.applied == 1
    assert len(state.indicators["green.pm25@hongqiao"]["history"]) == 1
    state.last_id = f"{T0}-0"
    assert st.to_json(state) == before


def test_events_without_id_are_applied_every_time() -> None:
    """No id: no deduplication."""
    value = ev(indicator_value("green.pm25", 30.0, ts=T0))
    state = run([(f"{T0}-0", value), (f"{T0 + 1}-0", value)])
    assert state.applied == 2 and len(state.indicators["green.pm25@hongqiao"]["history"]) == 2
    assert len(state.dedup) == 0


def test_a_retry_reaches_the_digest_of_the_log_without_it() -> None:
    """Events with retries (and a snapshot and restore between) reach the digest of the
    log that holds only their first copies, at the same entry ids."""
    events = [ev(video_point("c1", event_id="p1", ts=T0)),
              ev(video_status("c1", "offline", event_id="s1", ts=T0 + 60_000)),
              ev(sensor_alarm("g1", level=1, event_id="a1", ts=T0 + 120_000)),
              ev(indicator_value("green.pm25", 31.0, event_id="v1", ts=T0 + 180_000))]
    retried_log = [(f"{T0 + 10}-0", events[0]), (f"{T0 + 60_010}-0", events[1]),
                   (f"{T0 + 120_010}-0", events[2]), (f"{T0 + 150_000}-0", events[1]),
                   (f"{T0 + 180_010}-0", events[3]), (f"{T0 + 240_000}-0", events[2]),
                   (f"{T0 + 300_000}-0", events[0]), (f"{T0 + 400_000}-0", events[3])]
    clean_log = [retried_log[n] for n in (0, 1, 2, 4)]
    retried = run(retried_log[:4])
    retried = st.from_json(st.to_json(retried))  # a snapshot and a restore
    for entry_id, event in retried_log[4:]:
        st.apply(retried, entry_id, event)
    clean = run(clean_log)
    assert retried.applied == clean.applied == 4 and list(retried.alarms) == ["a1"]
    clean.last_id = retried.last_id  # the one entry that must differ: the newest in each log
    assert st.digest(retried) == st.digest(clean)


def test_the_window_is_in_the_snapshot_and_the_digest() -> None:
    """Two states that differ only in the ids remembered have different digests."""
    a, b = st.State(), st.State()
    b.dedup.admit("x", T0, T0)
    assert st.digest(a) != st.digest(b)
    assert "x" in st.from_json(st.to_json(b)).dedup


def test_a_snapshot_from_before_the_window_loads_with_an_empty_one() -> None:
    """A snapshot without the 'dedup' key (written by an older version) still restores."""
    raw = orjson.loads(st.to_json(run([(f"{T0}-0", ev(video_point("c1", event_id="p1", ts=T0)))])))
    del raw["dedup"]
    restored = st.from_json(orjson.dumps(raw))
    assert "c1" in restored.video and len(restored.dedup) == 0


def test_an_alarm_is_keyed_by_its_event_id_and_shows_once_in_the_inbox() -> None:
    """A sensor alarm's key is its event id; retried (even beyond the window) it is one
    alarm in the inbox and the feed."""
    alarm = ev(sensor_alarm("g1", level=2, event_id="gas-alarm-7", ts=T0))
    state = run([(f"{T0}-0", alarm), (f"{T0 + 60_000}-0", alarm)])
    state.dedup.limit(window_ms=1, max_ids=1_000)  # the window forgot it: the key still holds
    st.apply(state, f"{T0 + 2 * DAY}-0", ev(indicator_value("green.pm25", 1.0, event_id="later",
                                                          ts=T0 + 2 * DAY)))
    st.apply(state, f"{T0 + 2 * DAY + 1}-0", alarm)
    assert list(state.alarms) == ["gas-alarm-7"] and state.feed == [["alarm", "gas-alarm-7"]]
    box = inbox(state, T0 + 5 * 60_000, load_console_config(), [])
    assert [item["key"] for item in box["active"]] == ["gas-alarm-7"] and box["recent"] == 1


def test_an_alarm_without_id_or_with_an_inbox_like_id_is_keyed_by_its_entry() -> None:
    """No id, or an id like another inbox kind's key ("video:…"): the log entry id."""
    state = run([(f"{T0}-0", ev(sensor_alarm("g1", ts=T0))),
                 (f"{T0 + 1}-0", ev(sensor_alarm("g2", event_id="video:c1", ts=T0)))])
    assert list(state.alarms) == [f"{T0}-0", f"{T0 + 1}-0"]


def test_dedup_settings_are_validated() -> None:
    """The window's settings have defaults and refuse nonsense, naming the key."""
    settings = load_settings({}, environ={})
    assert (settings.dedup_window_s, settings.dedup_max_ids) == (86_400, 200_000)
    with pytest.raises(ConfigError, match="dedup_window_s"):
        load_settings({}, environ={"CN_DEDUP_WINDOW_S": "0"})
    with pytest.raises(ConfigError, match="dedup_max_ids"):
        load_settings({}, environ={"CN_DEDUP_MAX_IDS": "10"})

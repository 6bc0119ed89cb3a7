"""Alarm load figures (dashboard/alarm_load.py) on planted raises and clears."""

from __future__ import annotations

import pytest

from dashboard.alarm_load import HOUR_MS, TEN_MIN_MS, alarm_load

T0 = 1_767_225_600_000  # 2026-01-01 08:00 Beijing
SEC, MIN = 1_000, 60_000


def raise_(ms: int, source: str = "gas-1", level: int = 3, kind: str = "gas", eid: str | None = None,
           street: str | None = "hongqiao") -> tuple:
    return (ms, "sensor.alarm", street, source, kind, level, eid)


def clear(ms: int, source: str = "gas-1") -> tuple:
    return (ms, "sensor.cleared", "hongqiao", source, None, None, None)


def test_rates_and_flood_of_planted_intervals() -> None:
    """Hour 1: one alarm per 10 minutes (within target); hour 2: 12 within 11 seconds: a
    flood from the 11th alarm until the first two leave the 10-minute window."""
    rows = [raise_(T0 + i * TEN_MIN_MS + MIN, source=f"s{i}", eid=f"e{i}") for i in range(6)]
    rows += [raise_(T0 + HOUR_MS + 2 * MIN + i * SEC, source=f"f{i}", eid=f"f{i}") for i in range(12)]
    load = alarm_load(rows, T0, T0 + 2 * HOUR_MS)
    assert load.alarms == 18
    assert load.per_10_min["max"] == 12 and load.per_10_min["mean"] == 1.5
    assert load.per_10_min["within_target"] == pytest.approx(11 / 12, abs=1e-4)
    assert load.per_hour == {"mean": 9.0, "max": 12, "within_target": 0.5}
    # in flood from the 11th alarm (+10 s) until the second leaves the window (+601 s)
    assert load.flood == {"floods": 1, "minutes": round(591 / 60, 1), "share": round(591 / 7200, 4),
                          "limit": 10}
    assert load.hourly == [6, 12]


def test_a_retry_counts_once_and_rows_outside_the_period_do_not_count() -> None:
    rows = [raise_(T0 + MIN, eid="a"), raise_(T0 + MIN, eid="a"), raise_(T0 - MIN, source="x", eid="b"),
            raise_(T0 + HOUR_MS, source="y", eid="c")]
    assert alarm_load(rows, T0, T0 + HOUR_MS).alarms == 1


def test_top_sources_and_their_share() -> None:
    rows = [raise_(T0 + i * SEC, source="noisy", eid=f"n{i}") for i in range(30)]
    rows += [raise_(T0 + MIN + i * SEC, source=f"q{i}", eid=f"q{i}") for i in range(20)]
    load = alarm_load(rows, T0, T0 + HOUR_MS)
    assert load.top_sources[0] == {"source": "noisy", "kind": "gas", "street": "hongqiao", "alarms": 30,
                                   "share": 0.6}
    assert len(load.top_sources) == 10 and load.top_share == 0.78  # (30 + 9) / 50


def test_chattering_as_the_reducer_marks_it_and_re_activations_load_each_time() -> None:
    """Three clears each followed by a re-activation within a minute: one chattering alarm,
    four annunciations; two re-activations: not chattering."""
    rows = [raise_(T0, eid="c0")]
    for n in range(1, 4):
        rows += [clear(T0 + (2 * n - 1) * 10 * SEC), raise_(T0 + 2 * n * 10 * SEC, eid=f"c{n}")]
    rows += [raise_(T0 + 10 * MIN, source="two", eid="t0"), clear(T0 + 10 * MIN + SEC, "two"),
             raise_(T0 + 10 * MIN + 2 * SEC, source="two", eid="t1"), clear(T0 + 10 * MIN + 3 * SEC, "two"),
             raise_(T0 + 10 * MIN + 4 * SEC, source="two", eid="t2")]
    load = alarm_load(rows, T0, T0 + HOUR_MS)
    assert load.chattering == 1 and load.alarms == 7


def test_stale_alarms_include_those_raised_before_the_period() -> None:
    rows = [raise_(T0 - 30 * HOUR_MS, source="old", eid="o"), raise_(T0, source="new", eid="n"),
            raise_(T0 - 26 * HOUR_MS, source="fixed", eid="f"), clear(T0 - 25 * HOUR_MS, "fixed")]
    assert alarm_load(rows, T0, T0 + HOUR_MS).stale == 1  # "old": 31 h by the end
    assert alarm_load(rows, T0, T0 + 25 * HOUR_MS).stale == 2  # "new" too, 25 h


def test_priorities_against_isa_targets() -> None:
    rows = [raise_(T0 + i * SEC, source=f"p{i}", level=level, eid=f"p{i}")
            for i, level in enumerate([1] + [2] * 3 + [3] * 10 + [4] * 6)]
    split = alarm_load(rows, T0, T0 + HOUR_MS).priorities
    assert split == {"high": {"alarms": 1, "share": 0.05, "target": 0.05},
                     "medium": {"alarms": 3, "share": 0.15, "target": 0.15},
                     "low": {"alarms": 16, "share": 0.8, "target": 0.8}}


def test_an_empty_period_and_a_bad_one() -> None:
    load = alarm_load([], T0, T0 + HOUR_MS)
    assert load.alarms == 0 and load.flood["share"] == 0 and load.top_sources == [] and load.top_share == 0
    with pytest.raises(ValueError):
        alarm_load([], T0, T0)


def test_time_in_flood_follows_the_sliding_count_and_is_clipped_to_the_period() -> None:
    """Eleven alarms one second apart, the last at the period's start: a flood from then
    until the first alarm leaves the window 590 s later, whatever the period's alignment."""
    rows = [raise_(T0 - 10 * SEC + i * SEC, source=f"s{i}", eid=f"e{i}") for i in range(11)]
    load = alarm_load(rows, T0, T0 + HOUR_MS)
    assert load.alarms == 1 and load.flood["floods"] == 1  # only the last is within the period
    assert load.flood["minutes"] == round(590 / 60, 1)
    tail = alarm_load(rows, T0 - 20 * SEC, T0 + 5 * MIN)
    assert tail.flood["minutes"] == 5.0  # clipped at the period's end
    assert alarm_load(rows[:10], T0 - 20 * SEC, T0 + HOUR_MS).flood == {"floods": 0, "minutes": 0.0,
                                                                       "share": 0.0, "limit": 10}


def test_each_figure_says_whether_it_meets_its_target() -> None:
    quiet = alarm_load([raise_(T0 + i * 20 * MIN, source=f"s{i}", eid=f"e{i}") for i in range(3)],
                       T0, T0 + HOUR_MS)
    assert quiet.met() == {"per_10_min": True, "per_hour": True, "flood": True, "top_share": False,
                           "chattering": True, "stale": True, "priorities": True}
    busy = alarm_load([raise_(T0 + i * SEC, source="one", level=1, eid=f"b{i}") for i in range(20)],
                      T0, T0 + HOUR_MS)
    assert busy.met() == {"per_10_min": False, "per_hour": False, "flood": False, "top_share": False,
                          "chattering": True, "stale": True, "priorities": False}
    assert busy.to_json()["met"] == busy.met()

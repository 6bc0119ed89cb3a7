"""The composite performance index (dashboard/performance.py) on figures whose index,
ranks and strongest/weakest figures are computed by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import performance as perf
from dashboard.performance import Config, Measure

WEIGHTS = {"incident_on_time": 2.0, "report_to_ack_min": 1.0}


def m(value: float | None, cases: int = 10) -> Measure:
    return Measure(value, cases)


# on time (higher better): A 90, B 80, C 70 → min–max 100, 50, 0
# report → 立案 (lower better): A 10, B 5, C 20 min → (20 − x) / 15: 66.7, 100, 0
# weights 2/3, 1/3 → A 88.9, B 66.7, C 0
THREE = {
    "A": {"incident_on_time": m(90), "report_to_ack_min": m(10)},
    "B": {"incident_on_time": m(80), "report_to_ack_min": m(5)},
    "C": {"incident_on_time": m(70), "report_to_ack_min": m(20)},
}


def test_index_ranks_and_the_figures_that_stand_out() -> None:
    b = perf.board(THREE, Config(WEIGHTS, draws=200), previous={"A": 2, "B": 1})
    by = {s.unit: s for s in b.standings}
    assert [s.unit for s in b.standings] == ["A", "B", "C"]
    assert (by["A"].index, by["B"].index, by["C"].index) == (88.9, 66.7, 0.0)
    assert by["A"].scores == {"incident_on_time": 100.0, "report_to_ack_min": 66.7}
    assert (by["A"].strongest, by["A"].weakest) == ("incident_on_time", "report_to_ack_min")
    assert (by["B"].strongest, by["B"].weakest) == ("report_to_ack_min", "incident_on_time")
    assert by["C"].strongest is None and by["C"].weakest is None  # 0 on both: nothing stands out
    assert (by["A"].trend, by["B"].trend, by["C"].trend) == ("up", "down", "new")
    # equal weights: A 83.3, B 75, C 0 — the same order
    assert [by[u].rank_equal_weights for u in "ABC"] == [1, 2, 3]
    assert b.figures == ("incident_on_time", "report_to_ack_min")


def test_the_sensitivity_draws_show_what_is_certain_and_repeat_exactly() -> None:
    config = Config(WEIGHTS, draws=300)
    first, again = perf.board(THREE, config), perf.board(THREE, config)
    assert first == again  # seeded
    by = {s.unit: s for s in first.standings}
    # C is worst on every figure: last under any weights and method
    assert (by["C"].rank_low, by["C"].rank_high, by["C"].rank_median) == (3, 3, 3.0)
    # B passes A when 立案 weighs more than 0.6 (33.3·w₂ > 50·w₁): around the configured
    # 1/3 (concentration 20) that never happens, so A's place is certain ...
    assert (by["A"].rank_low, by["A"].rank_high) == (1, 1)
    # ... with weights drawn loosely (concentration 1) it often does: A's interval reaches 2
    loose = {s.unit: s for s in perf.board(THREE, Config(WEIGHTS, draws=300, concentration=1)).standings}
    assert (loose["A"].rank_low, loose["A"].rank_high, loose["B"].rank_low) == (1, 2, 1)
    assert loose["C"].rank_low == 3

def test_few_cases_are_missing_and_missing_is_neither_good_nor_bad() -> None:
    units = {**THREE, "D": {"incident_on_time": m(10, cases=3), "report_to_ack_min": m(5)}}
    by = {s.unit: s for s in perf.board(units, Config(WEIGHTS, draws=0)).standings}
    # D's on-time rate of 3 cases is left out; its index is its 立案 score alone (100)
    assert by["D"].scores["incident_on_time"] is None and by["D"].index == 100.0
    assert [by[u].rank for u in "DABC"] == [1, 2, 3, 4]
    assert by["D"].rank_low is None  # no draws asked for


def test_a_figure_equal_everywhere_and_a_unit_without_figures() -> None:
    units = {"A": {"incident_on_time": m(90), "report_to_ack_min": m(7)},
             "B": {"incident_on_time": m(80), "report_to_ack_min": m(7)},
             "E": {}}
    b = perf.board(units, Config(WEIGHTS, draws=50))
    assert b.figures == ("incident_on_time",)  # 立案 7 min everywhere tells nothing
    by = {s.unit: s for s in b.standings}
    assert (by["A"].index, by["B"].index) == (100.0, 0.0)
    assert by["E"].index is None and by["E"].rank is None and b.standings[-1].unit == "E"


def test_ties_share_the_better_rank() -> None:
    assert perf.ranks(perf.np.array([5.0, 7.0, 5.0, perf.np.nan, 1.0])).tolist()[:3] == [2.0, 1.0, 2.0]


def test_the_packaged_file_and_errors_that_name_the_key(tmp_path: Path) -> None:
    shipped = perf.load_config()
    assert set(shipped.weights) == set(perf.FIGURE_KEYS) and shipped.draws == 500
    bad = tmp_path / "performance.toml"
    for text, says in (("[weights]\nspeed = 1\n", "weights.speed is not a figure"),
                       ("[weights]\ncamera_online = -1\n", "weights.camera_online must be a number ≥ 0"),
                       ("[weights]\ncamera_online = 0\n", "add up to 0"),
                       ("[weights]\ncamera_online = 1\n[sensitivity]\ndraws = 'many'\n",
                        "sensitivity.draws")):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=says) as caught:
            perf.load_config(bad)
        assert str(bad) in str(caught.value)


def test_periods_months_and_iso_weeks() -> None:
    from dashboard.performance_api import month_period, period_of, week_of, week_period

    assert period_of({}, "2026-12-03") == month_period("2026-12")
    assert period_of({"month": "2026-11"}, "2026-12-03").first == "2026-11-01"
    w = period_of({"week": "2026-W49"}, "2026-12-03")
    assert (w.kind, w.first, w.last) == ("week", "2026-11-30", "2026-12-06")  # Monday to Sunday
    assert week_of("2026-12-03") == "2026-W49" and week_of("2027-01-01") == "2026-W53"
    assert week_period("2027-W01").before() == week_period("2026-W53")  # 2026 has 53 ISO weeks
    assert month_period("2026-01").before() == month_period("2025-12")
    for bad in ({"week": "2025-W53"}, {"week": "2026-W50"}, {"week": "2026-49"}, {"month": "2027-01"}):
        try:
            period_of(bad, "2026-12-03")
        except ValueError as exc:
            assert "must be" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")

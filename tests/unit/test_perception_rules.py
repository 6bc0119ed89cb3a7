"""The thresholds of dashboard/perception.py's rules, stated in its docstring (#14 req 4)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import perception
from support.planted import offset


@pytest.mark.parametrize(("a", "b", "alike"), [
    ("法华镇路路灯不亮，夜间行走不安全", "再次反映：法华镇路路灯不亮，夜间行走不安全", True),
    ("小区3号楼电梯故障，老人上下楼困难", "小区3号楼电梯又坏了，老人上下楼困难", True),
    ("小区垃圾清运不及时", "门口共享单车乱停放", False),
    ("楼道堆物存在消防隐患", "小区垃圾清运不及时", False),
    ("夜间施工噪声扰民", "沿街商铺音响声音过大", False),
])
def test_text_similarity_threshold(a: str, b: str, alike: bool) -> None:
    score = perception.similarity(a, b)
    assert (score >= perception.Rules().text_similarity) is alike, score


def test_near_pairs_are_within_the_radius_and_of_one_category() -> None:
    here = (31.22, 121.42)
    places = [here, offset(*here, 49.0, 0.0), offset(*here, 0.0, 51.0), offset(*here, 30.0, 30.0), here]
    frame = pd.DataFrame({"category": ["a", "a", "a", "a", "b"], "lat": [p[0] for p in places],
                          "lon": [p[1] for p in places]})
    pairs = perception.near_pairs(frame, 50.0)
    assert sorted(map(tuple, pairs.to_numpy().tolist())) == [(0, 1), (0, 3), (1, 3), (2, 3)]  # 2–3: 37 m


def test_the_poisson_tail_rule() -> None:
    assert perception.poisson_tail(0, 3.0) == 1.0
    assert perception.poisson_tail(7, 1.5) < 0.001 < perception.poisson_tail(6, 1.5)
    assert perception.poisson_tail(3, 0.0) == perception.poisson_tail(3, perception.USUAL_FLOOR)


def test_deadline_counts_working_days_across_a_holiday() -> None:
    assert perception.deadline("2026-09-30", 1) == "2026-10-08"  # the National Day week
    assert perception.deadline("2026-11-27", 5) == "2026-12-04"  # a Friday: the next Friday

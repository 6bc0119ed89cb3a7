"""The thresholds of dashboard/perception.py's rules, stated in its docstring (#14 req 4)."""

from __future__ import annotations

import numpy as np
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
    ("仙霞路小区电梯经常故障", "仙霞路小区楼道堆放杂物", False),  # one place, two problems: 60
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


def test_near_pairs_are_every_pair_within_the_radius_exactly_once() -> None:
    """Against every pair compared (a brute force), on points where squares hold many
    (a dense block), few and none, with unplaced rows and three categories."""
    rng = np.random.default_rng(7)
    n = 1500
    lat = 31.20 + rng.random(n) * 0.02
    lon = 121.40 + rng.random(n) * 0.02
    lat[:300], lon[:300] = 31.21 + rng.random(300) * 0.0008, 121.41 + rng.random(300) * 0.0008
    frame = pd.DataFrame({"category": rng.choice(["a", "b", "c"], n), "lat": lat, "lon": lon})
    frame.loc[rng.choice(n, 40, replace=False), "lat"] = np.nan
    found = perception.near_pairs(frame, 50.0).to_numpy().tolist()
    x, y = perception._metres(frame[frame["lat"].notna()])
    placed = frame.index[frame["lat"].notna()].to_numpy()
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    same = frame.loc[placed, "category"].to_numpy()
    upper = np.triu(np.ones_like(dist, bool), 1)
    i, j = np.nonzero((dist <= 50.0) & (same[:, None] == same[None, :]) & upper)
    expected = sorted(zip(placed[i].tolist(), placed[j].tolist(), strict=True))
    assert len(found) == len(set(map(tuple, found)))  # no pair twice
    assert sorted(map(tuple, found)) == expected and len(expected) > 3000


def test_the_poisson_tail_rule() -> None:
    assert perception.poisson_tail(0, 3.0) == 1.0
    assert perception.poisson_tail(7, 1.5) < 0.001 < perception.poisson_tail(6, 1.5)
    assert perception.poisson_tail(3, 0.0) == perception.poisson_tail(3, perception.USUAL_FLOOR)


def test_deadline_counts_working_days_across_a_holiday() -> None:
    assert perception.deadline("2026-09-30", 1) == "2026-10-08"  # the National Day week
    assert perception.deadline("2026-11-27", 5) == "2026-12-04"  # a Friday: the next Friday


def test_components_of_chains_and_singletons() -> None:
    a = np.array([0, 5, 2, 6, 7], dtype=np.int64)
    b = np.array([5, 2, 9, 7, 8], dtype=np.int64)
    assert perception.components(10, a, b).tolist() == [0, 1, 0, 3, 4, 0, 6, 6, 6, 0]
    assert perception.components(3, a[:0], b[:0]).tolist() == [0, 1, 2]


def test_the_perception_page_is_for_officers_and_holds_every_table() -> None:
    from dashboard.auth import Principal
    from layouts import pages
    from layouts import perception as layout

    officer, visitor = Principal("user", "o", "officer"), Principal("user", "v", "visitor")
    page = pages.page_for("/console/perception", "", officer)
    assert page.kind == "perception" and page.allowed and page.permission == "console"
    assert not pages.page_for("/console/perception", "", visitor).allowed
    text = str(layout.page("zh", "o"))
    for name in layout.TABLES:
        assert layout.grid_id(name) in text and f"/api/perception/{name}.xlsx" in text


def test_the_wall_line_summarises_the_tables() -> None:
    tables = {
        "recurring": perception.Table("recurring", "c", "2026-11-01", "2026-11-30", ("issue",), [(1,), (2,)]),
        "unsatisfied_weeks": perception.Table("unsatisfied_weeks", "c", "2026-09-29", "2026-11-30",
                                              ("week", "unsatisfied", "callbacks", "share"),
                                              [("w-1", 1, 10, 0.1), ("w0", 3, 40, 0.075)]),
        "hotspots": perception.Table("hotspots", "c", "a", "b", ("cell",), []),
        "rising": perception.Table("rising", "c", "a", "b", ("category",), [("市容管理",)]),
    }
    line = perception.summary(tables)
    assert line["text"]["zh"] == "感知研判：重复诉求 2 件 · 本周不满意 7.5% · 热点 0 处 · 上升：市容管理"
    assert (line["recurring"], line["unsatisfied_share"], line["hotspots"]) == (2, 0.075, 0)


def test_recurring_rows_order_and_ties() -> None:
    """A recurring issue's row: its most frequent category (a tie: the first in sort
    order), its tickets in (day, ticket id) order, its streets sorted once each, the first
    ticket's place; the largest issue first, then the earliest, then the first ticket."""
    members = pd.DataFrame({
        "ticket_id": ["t5", "t2", "t9", "t1", "t3", "t4", "t8"],
        "day": ["2026-11-03", "2026-11-01", "2026-11-01", "2026-11-02", "2026-11-01", "2026-11-01",
                "2026-11-02"],
        "category": ["噪声扰民", "物业管理", "噪声扰民", "物业管理", "市容管理", "市容管理", "市容管理"],
        "street": ["jiangsulu", "huayanglu", "jiangsulu", "huayanglu", "xinhualu", "xinhualu", "xinhualu"],
        "address": [None, "长宁区江苏路街道愚园路1号", "长宁区江苏路街道愚园路1号", None, None, None, None]})
    group = np.array([0, 0, 0, 0, 4, 4, 4])
    rows = perception._issues(members, group)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][1:] == ("噪声扰民", 4, "2026-11-01", "2026-11-03", "huayanglu、jiangsulu",
                           perception.masked_address("长宁区江苏路街道愚园路1号"), "t2 t9 t1 t5")
    assert rows[1][1:] == ("市容管理", 3, "2026-11-01", "2026-11-02", "xinhualu", "", "t3 t4 t8")

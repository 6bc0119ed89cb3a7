"""Issue 16 part 2: the demo roster, the handover events and the handover draft."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard import roster
from dashboard.clock import BEIJING
from dashboard.events import event_from_dict
from dashboard.simulator_roster import demo_centres, demo_roster
from dashboard.state import State, apply


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_the_demo_roster_staffs_every_centre_around_the_clock_with_no_one_twice() -> None:
    """Every centre's 值班长 and 值班员 have someone at every hour of four days; no refusal."""
    start = ms("2026-12-03T10:15:00+08:00")
    state = State()
    for n, event in enumerate(demo_roster(start, seed=7), 1):
        apply(state, f"{n}-0", event_from_dict(event))
    assert list(state.rejections) == []
    assert len(state.roster["rotations"]) == len(demo_centres()) * 2 * 4
    begin = datetime(2026, 12, 3, 0, 0, tzinfo=BEIJING)
    assert roster.gaps(state.roster, begin, begin + timedelta(days=4)) == []
    now = roster.on_duty(state.roster, datetime(2026, 12, 3, 10, 15, tzinfo=BEIJING))
    assert set(now) == {(c, p) for c in demo_centres() for p in ("值班长", "值班员")}
    assert all(len(shifts) == 1 for shifts in now.values())
    night = roster.on_duty(state.roster, datetime(2026, 12, 3, 23, 0, tzinfo=BEIJING))
    assert night[("district", "值班长")][0].name != now[("district", "值班长")][0].name
    names = [r["name"] for r in state.roster["rotations"].values()]
    assert len(set(names)) == len(names)


def test_the_demo_roster_is_deterministic_and_replaced_by_a_restart() -> None:
    """The same seed and day give the same events; a restart's events replace the rotations."""
    first = demo_roster(ms("2026-12-03T10:15:00+08:00"), seed=7)
    assert first == demo_roster(ms("2026-12-03T10:15:00+08:00"), seed=7)
    state = State()
    later = demo_roster(ms("2026-12-05T09:00:00+08:00"), seed=7)
    for n, event in enumerate(first + [{**e, "id": e["id"] + "-2"} for e in later], 1):
        apply(state, f"{n}-0", event_from_dict(event))
    assert list(state.rejections) == []
    assert len(state.roster["rotations"]) == len(first)

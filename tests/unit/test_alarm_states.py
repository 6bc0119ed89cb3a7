"""ISA-18.2 alarm states (dashboard/alarm_states.py) as the reducer keeps them and the
inbox and the wall's attention show them: cleared, acknowledged, normal, chattering,
stale, out of service."""

from __future__ import annotations

from dashboard import alarm_states
from dashboard import state as st
from dashboard.attention import Watch
from dashboard.catalogue import load_catalogue
from dashboard.console import load_console_config
from dashboard.dimensions import load_dimensions
from dashboard.events import event_from_dict
from dashboard.inbox import inbox
from support.events import (
    Envelope,
    alarm_acknowledged,
    alarm_in_service,
    alarm_out_of_service,
    alarm_shelved,
    sensor_alarm,
    sensor_cleared,
    sensor_reading,
)

CONFIG = load_console_config()
CATALOGUE = load_catalogue()
SEC, MIN, HOUR = 1_000, 60_000, 3_600_000
T0 = 1_767_225_600_000


class Log:
    """A state and the log it was built from (entries numbered from 1)."""

    def __init__(self) -> None:
        self.state = st.State()
        self.n = 0

    def add(self, *events: Envelope) -> Log:
        for raw in events:
            self.n += 1
            st.apply(self.state, f"{self.n}-0", event_from_dict({"street": "hongqiao", **raw}))
        return self

    def box(self, now: int) -> dict:
        return inbox(self.state, now, CONFIG, CATALOGUE)


def alarm(aid: str, ts: int, sensor: str = "gas-1", kind: str = "gas", level: int = 2) -> Envelope:
    return sensor_alarm(sensor, kind=kind, level=level, message="燃气浓度超限", event_id=aid, ts=ts)


def cleared(ts: int, sensor: str = "gas-1") -> Envelope:
    return sensor_cleared(sensor, event_id=f"clr-{sensor}-{ts}", ts=ts)


def states(box: dict, listed: str) -> list[tuple[str, str]]:
    return [(item["key"], item["state"]) for item in box[listed]]


def test_the_four_states_follow_clear_and_acknowledge() -> None:
    """Active → (cleared) back to normal, unacknowledged → (acknowledged) normal, gone;
    active → acknowledged → (cleared) normal, gone."""
    log = Log().add(sensor_reading("gas-1", 0.1, kind="gas", ts=T0), alarm("a1", T0 + SEC))
    assert states(log.box(T0 + 2 * SEC), "active") == [("a1", "unacknowledged")]
    log.add(cleared(T0 + 3 * SEC))
    assert states(log.box(T0 + 4 * SEC), "active") == [("a1", "cleared_unacknowledged")]
    assert log.state.sensors["gas-1"]["alarm"] == "a1"
    log.add(alarm_acknowledged("a1", "officer", ts=T0 + 5 * SEC))
    box = log.box(T0 + 6 * SEC)
    assert box["active"] == [] and box["acknowledged"] == []
    assert alarm_states.alarm_state(log.state.alarms["a1"]) == "normal"

    log.add(alarm("a2", T0 + 10 * MIN), alarm_acknowledged("a2", "officer", ts=T0 + 11 * MIN))
    box = log.box(T0 + 12 * MIN)
    assert box["active"] == [] and states(box, "acknowledged") == [("a2", "acknowledged")]
    log.add(cleared(T0 + 13 * MIN))
    assert log.box(T0 + 14 * MIN)["acknowledged"] == []


def test_a_clear_for_a_sensor_without_an_active_alarm_changes_nothing() -> None:
    log = Log().add(alarm("a1", T0, sensor="gas-2"))
    before = st.digest(log.state)
    log.add(cleared(T0 + SEC, sensor="gas-9"))
    assert log.state.alarms["a1"]["active"] is True
    assert st.digest(log.state) != before  # the log position moved, nothing else
    assert log.state.rejections == []


def test_three_quick_reactivations_fold_into_one_chattering_line() -> None:
    """Clear and re-activate within a minute, three times: one alarm, chattering; a
    producer's retry of a folded alarm is not counted again."""
    log = Log().add(alarm("a1", T0))
    for n in range(1, 4):
        log.add(cleared(T0 + (2 * n - 1) * 10 * SEC), alarm(f"a{n + 1}", T0 + 2 * n * 10 * SEC))
    record = log.state.alarms["a1"]
    assert list(log.state.alarms) == ["a1"]
    assert record["reactivations"] == 3 and record["chattering"] is True
    assert record["since"] == T0 + 60 * SEC and record["active"] is True
    box = log.box(T0 + 70 * SEC)
    assert [(i["key"], i["chattering"], i["reactivations"]) for i in box["active"]] == [("a1", True, 3)]
    assert box["chattering"] == 1
    log.add(alarm("a3", T0 + 65 * SEC))  # a retry past the dedup window: already folded
    assert log.state.alarms["a1"]["reactivations"] == 3
    assert [feed for feed in log.state.feed if feed[0] == "alarm"] == [["alarm", "a1"]]


def test_two_quick_reactivations_are_not_chattering_and_a_slow_one_is_a_new_alarm() -> None:
    log = Log().add(alarm("a1", T0), cleared(T0 + 10 * SEC), alarm("a2", T0 + 20 * SEC),
                    cleared(T0 + 30 * SEC), alarm("a3", T0 + 40 * SEC))
    assert log.state.alarms["a1"]["reactivations"] == 2
    assert log.state.alarms["a1"]["chattering"] is False
    log.add(cleared(T0 + 50 * SEC), alarm("a4", T0 + 50 * SEC + MIN + SEC))  # 61 s after the clear
    assert sorted(log.state.alarms) == ["a1", "a4"]
    log.add(cleared(T0 + 3 * MIN), alarm("a5", T0 + 3 * MIN + SEC, kind="smoke"))  # another kind
    assert sorted(log.state.alarms) == ["a1", "a4", "a5"]


def test_a_reactivation_asks_for_a_new_acknowledgement() -> None:
    log = Log().add(alarm("a1", T0), alarm_acknowledged("a1", "officer", ts=T0 + SEC),
                    cleared(T0 + 2 * SEC), alarm("a2", T0 + 3 * SEC))
    assert states(log.box(T0 + 4 * SEC), "active") == [("a1", "unacknowledged")]


def test_an_alarm_active_beyond_the_limit_is_stale() -> None:
    log = Log().add(alarm("a1", T0), alarm("b1", T0, sensor="gas-2"), cleared(T0 + HOUR, sensor="gas-2"))
    box = log.box(T0 + 23 * HOUR)
    assert box["stale"] == 0
    box = log.box(T0 + 25 * HOUR)
    assert [(i["key"], i["stale"]) for i in box["active"]] == [("a1", True), ("b1", False)]
    assert box["stale"] == 1


def test_out_of_service_holds_for_the_source_and_its_later_alarms() -> None:
    log = Log().add(alarm("a1", T0, level=1))
    watch = Watch(load_dimensions())
    watch.rebuild(log.state)
    assert watch.pins(None, ())[1] == 1
    log.add(alarm_out_of_service("a1", "officer", "传感器检修", ts=T0 + SEC))
    assert "sensor:gas-1" in log.state.alarm_out_of_service
    log.add(cleared(T0 + 2 * SEC), alarm("a2", T0 + 5 * MIN, level=1))
    box = log.box(T0 + 6 * MIN)
    assert box["active"] == []
    assert [i["key"] for i in box["out_of_service"]] == ["a2", "a1"]
    assert box["recent"] == 0  # out of service: not part of the load
    watch.rebuild(log.state)
    assert watch.pins(None, ())[1] == 0
    log.add(alarm_in_service("sensor:gas-1", "officer", ts=T0 + 7 * MIN))
    box = log.box(T0 + 8 * MIN)
    assert states(box, "active") == [("a2", "unacknowledged"), ("a1", "cleared_unacknowledged")]
    watch.rebuild(log.state)
    assert watch.pins(None, ())[1] == 1


def test_out_of_service_needs_a_reason_and_a_known_alarm() -> None:
    log = Log().add(alarm("a1", T0))
    log.add(alarm_out_of_service("a1", "officer", "", ts=T0 + SEC),
            alarm_out_of_service("nothing-here", "officer", "检修", ts=T0 + SEC))
    reasons = [r["reason"] for r in log.state.rejections]
    assert reasons == ["taking an alarm out of service needs a reason",
                       "no such alarm or source: nothing-here"]
    assert log.state.alarm_out_of_service == {}
    log.add(alarm_out_of_service("video:c1", "officer", "断电检修", ts=T0 + SEC))
    assert list(log.state.alarm_out_of_service) == ["video:c1"]


def test_a_shelved_alarm_that_clears_stays_shelved_and_an_acknowledged_one_is_not_shelved() -> None:
    log = Log().add(alarm("a1", T0), alarm_shelved("a1", "officer", "维护", T0 + HOUR, ts=T0 + SEC),
                    cleared(T0 + 2 * SEC))
    box = log.box(T0 + 3 * SEC)
    assert states(box, "shelved") == [("a1", "cleared_unacknowledged")] and box["active"] == []


def test_the_states_survive_a_snapshot_and_an_old_snapshot_reads_as_active() -> None:
    log = Log().add(alarm("a1", T0), cleared(T0 + SEC), alarm("a2", T0 + 2 * SEC),
                    alarm_out_of_service("video:c1", "officer", "检修", ts=T0 + 3 * SEC))
    again = st.from_json(st.to_json(log.state))
    assert st.digest(again) == st.digest(log.state)
    assert again.alarms["a1"]["reactivations"] == 1
    old = dict(log.state.alarms["a1"])
    for name in ("active", "since", "cleared", "reactivations", "chattering", "folded"):
        old.pop(name, None)
    assert alarm_states.alarm_state(old) == "unacknowledged"

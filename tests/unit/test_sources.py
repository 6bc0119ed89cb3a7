"""Health of the feeding systems (dashboard/sources.py): arrivals counted by the reducer,
silence, collapse against the usual hour, what the screens mark, the file's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import sources as src
from dashboard import state as st
from dashboard.events import event_from_dict
from support.events import indicator_value, sensor_reading, video_status

HOUR, MIN, SEC = src.HOUR_MS, 60_000, 1_000
T0 = 1_767_225_600_000 - 1_767_225_600_000 % HOUR  # an hour's start
CONFIG = src.Sources({
    "sim": src.Source("sim", "模拟器", "Simulator", 60, False, 0.2),
    "iot": src.Source("iot", "物联平台", "IoT", 300, True, 0.0),
}, min_usual_per_hour=10)


def feed(records: dict, source: str, ms: int, kind: str = "sensor.reading", n: int = 1) -> None:
    for i in range(n):
        src.observe(records, source, kind, ms + i)


def by_name(records: dict, now: int) -> dict[str, dict]:
    return {item["source"]: item for item in src.health(records, CONFIG, now)}


def test_the_reducer_counts_applied_events_by_source_and_arrival() -> None:
    state = st.State()
    for n, raw in enumerate([indicator_value("green.pm25", 30.0, source="sim"),
                             sensor_reading("s1", 1.0, kind="gas", source="iot"),
                             video_status("c1", "online")], start=1):
        st.apply(state, f"{T0 + n * SEC}-0", event_from_dict(raw))
    assert state.sources["sim"]["last"] == T0 + SEC and state.sources["sim"]["events"] == 1
    assert state.sources["iot"]["families"] == {"sensor": T0 + 2 * SEC}
    assert state.sources["unknown"]["hours"] == [[T0, 1]]  # an event naming no source


def test_silent_after_its_allowed_quiet_and_not_connected_when_never_seen() -> None:
    records: dict = {}
    feed(records, "sim", T0)
    health = by_name(records, T0 + 59 * SEC)
    assert health["sim"]["status"] == "ok" and health["iot"]["status"] == "not_connected"
    assert src.alarming(health["iot"])  # expected: an alarm before its first event
    assert not src.alarming(health["sim"])
    health = by_name(records, T0 + 61 * SEC)
    assert health["sim"]["status"] == "silent" and src.alarming(health["sim"])


def test_collapsing_against_the_usual_hour_after_three_days() -> None:
    def history(this_hour: int) -> dict:
        records: dict = {}
        for day in (3, 2, 1):  # three earlier days with 100 events at the hour (arrivals in order)
            feed(records, "sim", T0 - day * src.DAY_MS, n=100)
        feed(records, "sim", T0, n=this_hour)
        feed(records, "sim", T0 + HOUR + 10 * SEC)  # alive: not silent
        return by_name(records, T0 + HOUR + 20 * SEC)["sim"]

    item = history(15)  # 15 % of the usual
    assert (item["status"], item["last_hour"], item["usual"]) == ("collapsing", 15, 100.0)
    assert history(25)["status"] == "ok"  # above the 20 % ratio


def test_two_days_of_history_are_not_enough_to_judge_a_collapse() -> None:
    records: dict = {}
    for day in (2, 1):
        feed(records, "sim", T0 - day * src.DAY_MS, n=100)
    feed(records, "sim", T0 + HOUR + 10 * SEC)
    assert by_name(records, T0 + HOUR + 20 * SEC)["sim"]["status"] == "ok"


def test_a_family_is_silent_only_when_every_source_feeding_it_is() -> None:
    records: dict = {}
    feed(records, "sim", T0, kind="indicator.value")
    feed(records, "sim", T0, kind="sensor.reading")
    feed(records, "iot", T0 + 4 * MIN, kind="sensor.reading")
    feed(records, "console", T0 + 4 * MIN, kind="incident.dispatched")  # the officers: feeds nothing
    feed(records, "sim", T0, kind="incident.reported")
    now = T0 + 5 * MIN
    silent = src.silent_families(records, src.health(records, CONFIG, now), now)
    assert silent == {"indicator": {"since": T0, "sources": ["sim"]},
                      "incident": {"since": T0, "sources": ["sim"]}}  # sensors: iot still talks
    feed(records, "other", T0 + 4 * MIN, kind="indicator.value")  # unlisted: not judged
    silent = src.silent_families(records, src.health(records, CONFIG, now), now)
    assert "indicator" not in silent


def test_the_state_stays_bounded() -> None:
    records: dict = {}
    for hour in range(src.HOURS_KEPT + 50):
        feed(records, "sim", T0 + hour * HOUR)
    assert len(records["sim"]["hours"]) == src.HOURS_KEPT
    for n in range(src.SOURCES_KEPT + 10):
        feed(records, f"p{n}", T0)
    assert len(records) == src.SOURCES_KEPT


def test_the_packaged_file_and_bad_files_name_the_key(tmp_path: Path) -> None:
    packaged = src.load_sources()
    assert {"simulator", "video-platform", "iot-platform", "hotline-12345"} <= set(packaged.listed)
    bad = tmp_path / "sources.toml"
    bad.write_text('[sources.x]\nsilence_s = "soon"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[sources\.x\]: silence_s"):
        src.load_sources(bad)
    bad.write_text("[sources.x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        src.load_sources(bad)

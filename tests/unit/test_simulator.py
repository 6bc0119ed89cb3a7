"""dashboard.simulator: a deterministic, contract-conforming demo event source."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest
import shapely
from shapely.geometry import shape

from dashboard import geo, hotline
from dashboard.events import parse_event
from dashboard.simulator import (
    DEFAULT_START_MS,
    HOUR_MS,
    INCIDENT_STEPS,
    SPREAD_MS,
    DistrictSimulator,
    load_catalogue,
)
from dashboard.simulator_cases import HotlineDesk
from dashboard.simulator_devices import Scatter
from dashboard.state import State, apply

ROOT = Path(__file__).resolve().parents[2]

#: Required payload fields per event type (DESIGN.md, "Payload fields (v1)").
REQUIRED = {
    "video.point": {"point_id", "name", "lat", "lon"},
    "video.status": {"point_id", "status"},
    "indicator.value": {"key", "value"},
    "incident.reported": {"incident_id", "domain", "title", "severity"},
    **{f"incident.{step}": {"incident_id"} for step in INCIDENT_STEPS},
    "hotline.ticket": {"ticket_id", "category", "summary", "status"},
    **{f"hotline.{step}": {"ticket_id", "by", "version"} for step in hotline.STEPS},
    "sensor.reading": {"sensor_id", "kind", "value"},
    "sensor.alarm": {"sensor_id", "kind", "level"},
    "sensor.cleared": {"sensor_id"},
    "duty.shift": {"center", "post", "name"},
}
DOMAINS = {"epidemic", "crowd", "pipeline", "waterway", "care", "antifraud", "environment",
           "safety"}


def _run(seed: int = 7, points: int = 500, steps: int = 300, count: int = 40) -> list[dict]:
    """Bootstrap plus ``steps`` steps one second apart."""
    sim = DistrictSimulator(seed=seed, video_points=points)
    events = sim.bootstrap()
    for n in range(1, steps + 1):
        events += sim.step(DEFAULT_START_MS + n * 1000, count)
    return events


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return _run()


def test_same_seed_gives_identical_events():
    """Two simulators with the same seed produce exactly the same events."""
    assert _run(seed=5, steps=50) == _run(seed=5, steps=50)


def test_different_seeds_give_different_events():
    """Different seeds give different camera placements."""
    assert _run(seed=1, steps=0) != _run(seed=2, steps=0)


def test_every_event_has_the_envelope_fields(events):
    """Every event has type, id, epoch-ms ts, source and an object data."""
    for event in events:
        assert set(event) <= {"type", "id", "ts", "source", "street", "data"}
        assert event["type"] in REQUIRED and event["source"] == "simulator"
        assert isinstance(event["ts"], int) and isinstance(event["data"], dict)
        assert event.get("street") in geo.UNIT_CODES | {None}


def test_every_event_has_the_required_payload_fields(events):
    """Each event's data holds the required fields of its type."""
    for event in events:
        assert REQUIRED[event["type"]] <= set(event["data"]), event


def test_every_event_passes_the_core_validator(events):
    """dashboard.events accepts every generated event."""
    from dashboard import events as validator
    for event in events:
        validator.event_from_dict(event)


def test_event_ids_are_unique(events):
    """No two events share an id."""
    ids = [event["id"] for event in events]
    assert len(ids) == len(set(ids))


def test_all_event_types_occur(events):
    """A few minutes of simulation produce every v1 event type."""
    assert set(REQUIRED) <= {event["type"] for event in events}


def test_step_returns_exactly_count_events_near_now():
    """step() returns count events with ts in (now - spread, now]."""
    sim = DistrictSimulator(seed=3, video_points=100)
    sim.bootstrap()
    now = DEFAULT_START_MS + 60_000
    batch = sim.step(now, 250)
    assert len(batch) == 250
    assert all(now - SPREAD_MS < event["ts"] <= now for event in batch)


def test_timestamps_never_decrease(events):
    """ts is non-decreasing across all events of one simulator."""
    stamps = [event["ts"] for event in events]
    assert stamps == sorted(stamps)


def test_mix_is_mostly_cameras_sensors_and_indicators(events):
    """Camera, sensor and indicator events dominate; incidents are rare."""
    stepped = Counter(event["type"] for event in events[600:])
    common = stepped["video.status"] + stepped["sensor.reading"] + stepped["indicator.value"]
    assert common > 0.7 * sum(stepped.values())
    assert stepped["incident.reported"] < stepped["hotline.ticket"] < stepped["sensor.reading"]


def test_video_points_lie_inside_the_district_and_their_street(events):
    """Every video point is inside the outline and its envelope street is street_at's."""
    district = shape(geo.load_district()["features"][0]["geometry"]).buffer(1e-6)
    points = [event for event in events if event["type"] == "video.point"]
    assert len(points) == 500
    for event in points:
        data = event["data"]
        assert district.contains(shapely.Point(data["lon"], data["lat"]))
        assert event["street"] == geo.street_at(data["lat"], data["lon"])


def test_video_points_are_denser_in_the_east(events):
    """Eastern units hold more cameras per km² than the western ones."""
    areas = {f["properties"]["code"]: shape(f["geometry"]).area
             for f in geo.load_streets()["features"]}
    per_unit = Counter(event["street"] for event in events if event["type"] == "video.point")
    density = {code: per_unit[code] / areas[code] for code in areas}
    assert density["jiangsulu"] > 3 * density["linkong"]
    assert density["huayanglu"] > 3 * density["chengjiaqiao"]


def test_video_points_have_chinese_names_and_known_kinds(events):
    """Names are Chinese with a number, kinds come from the documented list."""
    kinds = {"road", "community", "river", "business", "school", "park", "metro"}
    for event in (e for e in events if e["type"] == "video.point"):
        assert re.search(r"[\u4e00-\u9fff].*\d+号", event["data"]["name"])
        assert event["data"]["kind"] in kinds and event["data"]["status"] == "online"


def test_camera_outages_stay_a_few_percent():
    """After many steps 1–5 % of cameras are offline and at most ~1 % faulty."""
    sim = DistrictSimulator(seed=9, video_points=4000)
    events = sim.bootstrap()
    for n in range(1, 400):
        events += sim.step(DEFAULT_START_MS + n * 1000, 50)
    status = {}
    for event in events:
        if event["type"] in ("video.point", "video.status"):
            status[event["data"]["point_id"]] = event["data"]["status"]
    shares = Counter(status.values())
    assert 0.01 * 4000 <= shares["offline"] <= 0.05 * 4000
    assert 0 < shares["fault"] <= 0.01 * 4000
    assert (shares["offline"], shares["fault"]) == sim.cameras.outages


def test_indicator_values_use_catalogue_keys(events):
    """indicator.value keys come from the catalogue; street-level only for per_street ones."""
    catalogue = {entry.key: entry for entry in load_catalogue()}
    for event in (e for e in events if e["type"] == "indicator.value"):
        entry = catalogue[event["data"]["key"]]
        assert "street" not in event or entry.per_street
        assert isinstance(event["data"]["value"], int | float)


def test_bootstrap_emits_every_indicator_for_the_district():
    """Bootstrap gives each catalogue indicator a district value and per-street ones 11 more."""
    catalogue = load_catalogue()
    values = [e for e in DistrictSimulator(video_points=0).bootstrap()
              if e["type"] == "indicator.value"]
    assert {e["data"]["key"] for e in values if "street" not in e} == {c.key for c in catalogue}
    per_street = sum(1 for c in catalogue if c.per_street)
    assert len(values) == len(catalogue) + per_street * len(geo.UNITS)


def test_cumulative_indicators_never_decrease_within_a_day():
    """A *_today value only grows until local midnight."""
    sim = DistrictSimulator(seed=4, video_points=0)
    sim.bootstrap()
    seen: list[float] = []
    for n in range(1, 600):  # 08:00 to 18:00 in one-minute steps
        for event in sim.step(DEFAULT_START_MS + n * 60_000, 30):
            if event["type"] == "indicator.value" and "street" not in event \
                    and event["data"]["key"] == "health.clinic_visits_today":
                seen.append(event["data"]["value"])
    assert len(seen) > 10 and seen == sorted(seen)


def test_incident_lifecycle_comes_in_order_with_increasing_version(events):
    """Each incident's steps follow reported → acknowledged → … → closed, versions 1, 2, …"""
    history: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for event in events:
        if event["type"].startswith("incident."):
            history[event["data"]["incident_id"]].append(
                (event["type"].split(".")[1], event["data"].get("version"))
            )
    closed = 0
    for steps in history.values():
        assert steps[0][0] == "reported"
        names = [name for name, _ in steps[1:]]
        assert names == list(INCIDENT_STEPS[: len(names)])
        assert [version for _, version in steps[1:]] == list(range(1, len(names) + 1))
        closed += names[-1:] == ["closed"]
    assert closed > 10


def test_incident_is_dispatched_to_its_unit(events):
    """incident.dispatched names the unit the incident is in."""
    for event in (e for e in events if e["type"] == "incident.dispatched"):
        assert event["data"]["unit"] == event["street"]
        assert re.fullmatch(r"officer-\d\d", event["data"]["by"])


def test_incidents_have_known_domains_and_rare_top_severity():
    """Domains are the eight of the work plan and severity 1 is rare (~3 %)."""
    reported = [e["data"] for e in _run(seed=8, points=0, steps=400, count=100)
                if e["type"] == "incident.reported"]
    assert {data["domain"] for data in reported} == DOMAINS
    share = sum(1 for data in reported if data["severity"] == 1) / len(reported)
    assert 0 < share < 0.08
    assert all(data["address"].startswith("长宁区") for data in reported)


def test_tickets_run_through_the_work_order_flow_without_refusals():
    """Simulated 12345 tickets take every step of dashboard/hotline.py (returns, extensions
    and reopenings among them) and the reducer refuses none of them."""
    events = _run(seed=3, points=0, steps=1500, count=40)
    state = State()
    for n, event in enumerate(events):
        apply(state, f"{DEFAULT_START_MS + n}-0", parse_event(orjson.dumps(event)))
    steps = Counter(e["type"].removeprefix("hotline.") for e in events if e["type"].startswith("hotline."))
    assert set(steps) == {"ticket", *hotline.STEPS}
    assert state.rejections == [] and state.pending_count == 0
    closed = [t for t in state.tickets.values() if t["status"] == "closed"]
    assert len(closed) > 500
    assert all(t["timeline"][-2]["step"] == "visited" for t in closed)
    decisions = [e["data"] for e in events if e["type"] == "hotline.extension" and "approved" in e["data"]]
    assert any(d["approved"] for d in decisions) and not all(d["approved"] for d in decisions)


def test_quick_replies_please_more_than_slow_ones():
    """A callback is more often satisfied when the reply came quickly."""
    desk = HotlineDesk(Scatter(random.Random(1), {"hongqiao": 1.0}), "t")
    quick = Counter(desk._callback(10) for _ in range(2000))
    slow = Counter(desk._callback(1000) for _ in range(2000))
    assert quick["satisfied"] > slow["satisfied"] + 400
    assert slow["unsatisfied"] > quick["unsatisfied"] + 300


def test_new_tickets_carry_a_fake_caller(events):
    """New tickets carry a Chinese caller name and an 11-digit mobile number."""
    new = [e["data"] for e in events if e["type"] == "hotline.ticket"
           and e["data"]["status"] == "new"]
    assert new
    for data in new:
        assert re.fullmatch(r"1[3-9]\d{9}", data["caller_phone"])
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", data["caller_name"])


def test_repeat_tickets_refer_to_an_earlier_ticket():
    """repeat_of, when present, names a ticket that appeared earlier."""
    seen: set[str] = set()
    repeats = 0
    for event in _run(seed=6, points=0, steps=300, count=100):
        if event["type"] == "hotline.ticket":
            data = event["data"]
            if "repeat_of" in data and data["status"] == "new":
                assert data["repeat_of"] in seen
                repeats += 1
            seen.add(data["ticket_id"])
    assert repeats > 0


def test_bootstrap_rosters_cover_the_district_and_every_unit():
    """Bootstrap registers duty shifts for the district and each unit with +08:00 times."""
    shifts = [e["data"] for e in DistrictSimulator(video_points=0).bootstrap()
              if e["type"] == "duty.shift"]
    assert {s["center"] for s in shifts} == {"district"} | geo.UNIT_CODES
    assert all(s["start"] == "2025-06-02T08:00:00+08:00" for s in shifts)
    assert all(s["end"] == "2025-06-02T20:00:00+08:00" for s in shifts)


def test_shift_handover_at_twenty_hundred():
    """Crossing 20:00 local time emits a new roster starting at 20:00."""
    sim = DistrictSimulator(seed=2, video_points=0)
    sim.bootstrap()
    batch = sim.step(DEFAULT_START_MS + 12 * HOUR_MS + 1000, 40)
    starts = {e["data"]["start"] for e in batch if e["type"] == "duty.shift"}
    assert starts == {"2025-06-02T20:00:00+08:00"}


def test_sensor_alarm_levels_and_readings_are_plausible(events):
    """Alarms have levels 1–4 and readings carry a unit and a position in the district."""
    for event in events:
        if event["type"] == "sensor.alarm":
            assert event["data"]["level"] in (1, 2, 3, 4)
        if event["type"] == "sensor.reading":
            data = event["data"]
            assert data["unit"] and geo.street_at(data["lat"], data["lon"]) == event["street"]


def test_bootstrap_runs_once():
    """A second bootstrap() call is refused."""
    sim = DistrictSimulator(video_points=0)
    sim.bootstrap()
    with pytest.raises(RuntimeError):
        sim.bootstrap()


def test_fifty_thousand_points_bootstrap():
    """50,000 video points bootstrap with unique ids, all inside the district."""
    points = [e["data"] for e in DistrictSimulator(seed=1, video_points=50_000).bootstrap()
              if e["type"] == "video.point"]
    assert len(points) == 50_000
    assert len({p["point_id"] for p in points}) == 50_000
    assert all(geo.in_district(p["lat"], p["lon"]) for p in points)


def test_catalogue_has_four_dimensions_with_at_least_four_indicators_each():
    """The default catalogue covers safety, green, vitality and health, 4+ indicators each."""
    per_dimension = Counter(entry.dimension for entry in load_catalogue())
    assert set(per_dimension) == {"safety", "green", "vitality", "health"}
    assert min(per_dimension.values()) >= 4


def test_catalogue_thresholds_are_ordered_by_direction():
    """alarm is beyond warn in the bad direction for every indicator."""
    for entry in load_catalogue():
        if entry.direction == "above":
            assert entry.alarm > entry.warn, entry.key
        else:
            assert entry.alarm < entry.warn, entry.key


def test_load_catalogue_names_the_file_and_missing_field(tmp_path):
    """A catalogue entry without a required field raises ValueError naming file and key."""
    path = tmp_path / "cat.toml"
    path.write_text('[[indicator]]\nkey = "green.pm25"\nname_zh = "PM2.5"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"cat\.toml: indicator #0 \(green\.pm25\) lacks"):
        load_catalogue(path)


def test_simulator_imports_no_io_modules():
    """Importing dashboard.simulator pulls in no redis, dash or web server modules."""
    code = (
        "import sys, dashboard.simulator; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('redis', 'dash', 'fastapi', 'uvicorn', 'requests', 'websockets')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_sensor_alarm_clears_when_its_anomaly_ends(events):
    """Every ``sensor.cleared`` follows an alarm of its sensor; some alarms clear within
    the sample (the anomaly ends at the sensor's next normal reading)."""
    alarmed: set[str] = set()
    cleared = 0
    for event in events:
        sid = event["data"].get("sensor_id")
        if event["type"] == "sensor.alarm":
            alarmed.add(sid)
        elif event["type"] == "sensor.cleared":
            assert sid in alarmed
            alarmed.discard(sid)
            cleared += 1
    assert cleared > 0


def test_sensor_episodes_start_per_sensor_day_whatever_the_rate_of_readings():
    """A sensor starts an anomaly episode (readings beyond its kind's alarm value) about
    EPISODES_PER_SENSOR_DAY times a day, at the backfill's ~20 readings a day as at the
    demo's ~15 readings a second over 200 sensors: 0.3 % a reading made the demo plant
    140 episodes an hour (docs/early-warning.md "Alarm rate")."""
    from dashboard.simulator_devices import EPISODES_PER_SENSOR_DAY, SensorNetwork
    from dashboard.simulator_vocab import SENSOR_KINDS

    alarm_value = {kind[0]: kind[5] for kind in SENSOR_KINDS}

    def episodes(per_s: float, hours: int) -> int:
        network = SensorNetwork(Scatter(random.Random(5), {c: 1.0 for c, _, _ in geo.UNITS}), 200)
        for index in range(len(network)):
            network.reading(DEFAULT_START_MS, index)
        started, inside = 0, set()
        step = int(1000 / per_s)
        for ts in range(DEFAULT_START_MS + step, DEFAULT_START_MS + hours * HOUR_MS, step):
            _, _, data = network.reading(ts)
            beyond = "value" in data and data["value"] >= alarm_value[data["kind"]]
            started += beyond and data["sensor_id"] not in inside
            (inside.add if beyond else inside.discard)(data.get("sensor_id"))
        return started

    expected_per_day = 200 * EPISODES_PER_SENSOR_DAY  # 12
    fast = episodes(15.0, 4)  # the demo's rate: 216,000 readings in 4 h
    assert fast <= 4 * expected_per_day * 4 / 24 + 3  # ~2 expected; 0.3 % a reading: ~650
    slow = episodes(200 * 20 / 86_400, 24 * 10)  # the backfill's: 20 a sensor a day, 10 days
    assert 0.4 * expected_per_day * 10 <= slow <= 2 * expected_per_day * 10


def test_timed_iot_alarms_come_at_their_hourly_rate_whatever_the_event_rate():
    """With ``sensor_alarms_per_hour`` (the live demo's), ``sensor.alarm`` is a Poisson process
    of simulated time, not a share of the events: 3 an hour over 20 h is about 60 (inside
    60 ± 4√60), the same at half an event a second as at five (the share of the mix would
    be ten times as many at five), and the mix itself adds none."""
    counts = []
    for per_step in (50, 500):
        sim = DistrictSimulator(seed=3, video_points=0, sensor_alarms_per_hour=3.0)
        sim.bootstrap()
        alarms = 0
        for n in range(1, 20 * 360 + 1):  # 20 h in steps of 10 s
            batch = sim.step(DEFAULT_START_MS + n * 10_000, per_step // 10)
            alarms += sum(e["type"] == "sensor.alarm" for e in batch)
        counts.append(alarms)
    assert all(29 <= c <= 91 for c in counts) and abs(counts[0] - counts[1]) <= 2, counts
    quiet = DistrictSimulator(seed=3, video_points=0, sensor_alarms_per_hour=0.0)
    quiet.bootstrap()
    assert not any(e["type"] == "sensor.alarm" for n in range(1, 301)
                   for e in quiet.step(DEFAULT_START_MS + n * 1000, 40))

"""The wall's figures (dashboard/figures.py, attention.py, dimensions.py): computed once
per scope, from the state, the same in a hello and in the patches that follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import lifecycle
from dashboard import state as st
from dashboard.attention import PIN_LIMIT
from dashboard.catalogue import load_catalogue
from dashboard.dimensions import load_dimensions, parse_dimensions
from dashboard.events import event_from_dict
from dashboard.views import ViewBuilder
from support.events import (
    Envelope,
    alarm_acknowledged,
    alarm_shelved,
    hotline_ticket,
    incident_reported,
    incident_step,
    indicator_value,
    sensor_alarm,
)

T0 = 1_796_000_000_000  # 2026-11-30 05:33 Beijing
MIN = 60_000


class Wall:
    """A state, its views and a clock, fed event by event (entry ids 1-0, 2-0, …)."""

    def __init__(self, flood_alarms: int = 10) -> None:
        self.state = st.State()
        self.views = ViewBuilder(self.state, catalogue=load_catalogue(), flood_alarms=flood_alarms)
        self.entries = 0
        self.views.tick(T0)

    def apply(self, *events: Envelope, at: int = T0) -> list[str]:
        changes = st.Changes()
        ids = []
        for raw in events:
            self.entries += 1
            ids.append(f"{self.entries}-0")
            st.apply(self.state, ids[-1], event_from_dict({"ts": at, **raw}), changes)
        self.views.observe(changes)
        return ids


def test_the_12345_figures_of_a_street_add_up_to_the_district() -> None:
    """New tickets of the day per street, and the district's as their sum."""
    wall = Wall()
    wall.apply(hotline_ticket("t1", street="hongqiao"), hotline_ticket("t2", street="hongqiao"),
               hotline_ticket("t3", street="jiangsulu"),
               hotline_ticket("t3", status="closed", satisfied=True))
    figures = wall.views.figures
    assert figures.hotline("hongqiao")["new"] == 2
    assert figures.hotline("jiangsulu") | {"open": None} == figures.hotline("jiangsulu") | {
        "new": 1, "closed": 1, "rated": 1, "satisfied": 1, "satisfaction": 1.0, "open": None}
    assert figures.hotline(None)["new"] == 3 == wall.state.hotline_days[figures.hotline(None)["day"]]["new"]
    assert figures.hotline(None)["open"] == {"registered": 2}


def test_yesterdays_tickets_are_not_todays() -> None:
    """Once the clock passes midnight, the day's figures start from zero."""
    wall = Wall()
    wall.apply(hotline_ticket("t1", street="hongqiao"))
    assert wall.views.tick(T0 + 24 * 60 * MIN)
    assert wall.views.hotline(None)["new"] == 0


def test_dimension_headers_count_open_incidents_and_active_alarms_of_their_domains() -> None:
    """Open incidents by domain, unacknowledged unshelved alarms by kind, series by level."""
    wall = Wall()
    ids = wall.apply(incident_reported("i1", domain="pipeline", severity=3, street="hongqiao"),
                     incident_reported("i2", domain="epidemic", severity=4, street="jiangsulu"),
                     incident_reported("i3", domain="waterway", severity=2, street="hongqiao"),
                     sensor_alarm("g1", kind="gas", level=3, street="hongqiao"),
                     sensor_alarm("g2", kind="gas", level=3, street="hongqiao"),
                     sensor_alarm("w1", kind="water_level", level=4, street="hongqiao"),
                     indicator_value("green.aqi", 300))
    wall.apply(alarm_acknowledged(ids[4], "officer"),
               alarm_shelved(ids[5], "officer", "maintenance", T0 + 60 * MIN))
    wall.views.tick(T0 + 1000)  # the shelf is seen by the clock
    dims = wall.views.figures.dimensions(None)
    assert {d: (v["incidents"], v["alarms"], v["warnings"]) for d, v in dims.items()} == {
        "safety": (1, 1, 0), "green": (1, 1, 0), "vitality": (0, 0, 0), "health": (1, 0, 0)}
    levels = [dims[d]["level"] for d in ("safety", "green", "vitality", "health")]
    assert levels == ["warn", "alarm", "ok", "warn"]
    street = wall.views.figures.dimensions("jiangsulu")
    assert street["health"]["incidents"] == 1 and street["safety"]["incidents"] == 0
    assert street["green"]["alarms"] == 1  # the district-wide AQI counts on every street


def test_a_closed_incident_leaves_its_header() -> None:
    """Closing a case takes it off the count."""
    wall = Wall()
    wall.apply(incident_reported("i1", domain="crowd", severity=3, street="hongqiao"))
    assert wall.views.figures.dimensions(None)["safety"]["incidents"] == 1
    wall.apply(*[incident_step(step, "i1", version=v)  # type: ignore[arg-type]
                 for v, step in enumerate(lifecycle.STEPS[: lifecycle.STEPS.index("closed") + 1], 1)])
    assert wall.views.figures.dimensions(None)["safety"]["incidents"] == 0


def test_a_street_tile_shows_the_streets_own_series() -> None:
    """A street's view says which series its tiles show instead of the district's."""
    wall = Wall()
    wall.apply(indicator_value("green.aqi", 60), indicator_value("green.aqi", 80, street="hongqiao"))
    assert wall.views.figures.dimensions("hongqiao")["green"]["series"] == {"green.aqi": "green.aqi@hongqiao"}
    assert wall.views.figures.dimensions(None)["green"]["series"] == {}


def test_unacknowledged_severe_items_are_pinned_most_severe_then_oldest() -> None:
    """Levels 1–2 are pinned until acknowledged; at most PIN_LIMIT listed, the rest counted."""
    wall = Wall()
    wall.apply(incident_reported("i4", severity=2, street="hongqiao"), at=T0)
    wall.apply(incident_reported("i3", severity=3, street="hongqiao"), at=T0 + 1)
    ids = wall.apply(sensor_alarm("a1", level=1, street="hongqiao"), at=T0 + 2)
    wall.apply(*[incident_reported(f"j{n}", severity=2, street="jiangsulu") for n in range(4)], at=T0 + 3)
    attention = wall.views.figures.attention(None)
    assert attention["pins"][:2] == [["alarm", ids[0]], ["incident", "i4"]]
    assert len(attention["pins"]) == PIN_LIMIT and attention["more"] == 6 - PIN_LIMIT
    assert wall.views.figures.attention("hongqiao")["pins"] == [["alarm", ids[0]], ["incident", "i4"]]
    wall.apply(incident_step("acknowledged", "i4", version=1), alarm_acknowledged(ids[0], "officer"))
    assert wall.views.figures.attention("hongqiao") == {"pins": [], "more": 0, "flood": None}


def test_a_flood_is_summarised_with_what_it_hides() -> None:
    """More than 10 alarms in 10 minutes is a flood; it ends when the window has passed."""
    wall = Wall()
    wall.apply(*[sensor_alarm(f"s{n}", level=2 if n < 2 else 4, street="hongqiao") for n in range(11)])
    flood = wall.views.figures.attention(None)["flood"]
    assert flood == {"alarms": 11, "severe": 0, "hidden": 9, "window_s": 600, "limit": 10}
    assert wall.views.figures.attention("jiangsulu")["flood"] is None
    assert wall.views.tick(T0 + 11 * MIN)
    assert wall.views.figures.attention(None)["flood"] is None


def test_a_patch_carries_the_attention_only_when_it_changed() -> None:
    """A patch that leaves the pins and the headers as they were does not resend them."""
    wall = Wall()
    hello = wall.views.hello(None)
    changes = st.Changes()
    st.apply(wall.state, "1-0", event_from_dict(incident_reported("i1", severity=2, ts=T0)), changes)
    wall.views.observe(changes)
    patch = wall.views.patch(changes, None) or {}
    assert patch["attention"]["pins"] == [["incident", "i1"]] != hello["attention"]["pins"]
    changes = st.Changes()
    st.apply(wall.state, "2-0", event_from_dict(indicator_value("green.pm25", 30, ts=T0)), changes)
    wall.views.observe(changes)
    patch = wall.views.patch(changes, None) or {}
    assert "attention" not in patch and "dimensions" not in patch


def test_the_packaged_catalogue_maps_every_domain() -> None:
    """Every incident domain has a dimension; unlisted alarm kinds go to one."""
    dimensions = load_dimensions()
    assert dimensions.of_domain("waterway") == "green" and dimensions.of_alarm("radiation") == "safety"


@pytest.mark.parametrize(("tables", "says"), [
    ({"safty": {}}, "dimensions.safty: unknown dimension"),
    ({"safety": {"domain": []}}, "dimensions.safety: Object contains unknown field `domain`"),
    ({"safety": {"domains": ["fire"]}}, "dimensions.safety.domains: unknown domain 'fire'"),
    ({"safety": {"domains": ["crowd"]}, "green": {"domains": ["crowd"]}}, "already in dimensions.safety"),
    ({"safety": {"domains": ["crowd"]}}, "no dimension lists the domain(s) epidemic"),
])
def test_a_bad_mapping_names_the_file_and_the_key(tables: dict, says: str) -> None:
    """Configuration fails loudly, naming where."""
    with pytest.raises(ValueError, match="^cat.toml: ") as error:
        parse_dimensions(tables, "cat.toml")
    assert says in str(error.value)


def test_a_catalogue_without_a_mapping_takes_the_packaged_one(tmp_path: Path) -> None:
    """An older deployment catalogue keeps working."""
    path = tmp_path / "indicators.toml"
    path.write_text('[[indicator]]\nkey = "x"\n', encoding="utf-8")
    assert load_dimensions(path) == load_dimensions()


def test_a_street_header_counts_the_series_its_tiles_show() -> None:
    """A street with its own AQI is not in alarm for the district's AQI."""
    wall = Wall()
    wall.apply(indicator_value("green.aqi", 300), indicator_value("green.aqi", 30, street="hongqiao"))
    assert wall.views.figures.dimensions("hongqiao")["green"]["alarms"] == 0
    assert wall.views.figures.dimensions("jiangsulu")["green"]["alarms"] == 1
    assert wall.views.figures.dimensions(None)["green"]["alarms"] == 1

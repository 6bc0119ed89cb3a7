"""Console selectors: deadlines, filters, masking, the alarm inbox, the map."""

from __future__ import annotations

from dashboard import state as st
from dashboard.catalogue import load_catalogue
from dashboard.console import (
    Filters,
    camera_rates,
    camera_rows,
    deadline,
    drilled,
    duty_rows,
    load_console_config,
    street_indicators,
    ticket_rows,
)
from dashboard.console_index import Deadlines, IncidentIndex
from dashboard.console_map import incident_markers, map_viewport
from dashboard.console_pages import PageRequest, camera_page, incident_page, open_incidents, ticket_page
from dashboard.events import event_from_dict
from dashboard.inbox import inbox
from dashboard.projection import Projection
from dashboard.workdays import DeadlineRule
from support.events import (
    Envelope,
    IncidentDomain,
    alarm_acknowledged,
    alarm_shelved,
    duty_shift,
    hotline_ticket,
    incident_reported,
    incident_step,
    sensor_alarm,
    video_point,
    video_status,
)

CONFIG = load_console_config()
MIN = 60_000
T0 = 1_767_225_600_000
RULE = DeadlineRule()


def run(events: list[Envelope]) -> st.State:
    s = st.State()
    for n, raw in enumerate(events, start=1):
        st.apply(s, f"{n}-0", event_from_dict(raw))
    return s


def incidents(s: st.State, filters: Filters, now: int = T0, scope: str | None = None,
              page: PageRequest | None = None) -> list[dict]:
    """The console's incident list (its first page) as the grid gets it."""
    index = IncidentIndex()
    index.on_restore(s)
    return incident_page(index, s, filters, page or PageRequest(), now, CONFIG, Deadlines(CONFIG), scope)[0]


def street_counts(s: st.State, now: int) -> dict[str, dict[str, int]]:
    index = IncidentIndex()
    index.on_restore(s)
    return index.street_counts(None, now, Deadlines(CONFIG), CONFIG.near)


def report(iid: str, severity: int = 2, street: str = "hongqiao", ts: int = T0,
           domain: IncidentDomain = "safety", title: str = "火情") -> Envelope:
    return incident_reported(iid, domain=domain, title=title, severity=severity, address="长宁区天山路1号",
                             street=street, ts=ts)


def test_dispatch_units_include_street_centres() -> None:
    """The configured departments come first, then one centre per street/town."""
    assert CONFIG.dispatch_units[0] == "区城运中心"
    assert "虹桥街道分中心" in CONFIG.dispatch_units


def test_deadline_moves_from_ok_to_near_to_overdue() -> None:
    """A severity-1 report must be acknowledged within 5 minutes (near at 80 %)."""
    incident = run([report("i1", severity=1)]).incidents["i1"]
    assert deadline(incident, T0 + 1 * MIN, CONFIG)["state"] == "ok"
    assert deadline(incident, T0 + 4.5 * MIN, CONFIG)["state"] == "near"
    assert deadline(incident, T0 + 6 * MIN, CONFIG) == {
        "stage": "acknowledge", "due": T0 + 5 * MIN, "state": "overdue"}


def test_domain_override_applies() -> None:
    """Waterway severity 2 must be resolved within 6 h instead of 12 h."""
    assert CONFIG.limits("waterway", 2)["resolve"] == 360
    assert CONFIG.limits("safety", 2)["resolve"] == 720


def test_resolved_incident_has_no_pending_deadline() -> None:
    """Once resolved, no deadline is pending."""
    s = run([report("i1"), incident_step("acknowledged", "i1"), incident_step("dispatched", "i1", unit="u"),
             incident_step("resolved", "i1")])
    assert deadline(s.incidents["i1"], T0 + 10_000 * MIN, CONFIG) is None


def test_filters_combine_street_severity_and_text() -> None:
    """Street, severity and free text narrow the incident list together."""
    s = run([report("i1", 1, "hongqiao", title="燃气泄漏"), report("i2", 2, "hongqiao"),
             report("i3", 1, "jiangsulu", title="燃气泄漏")])
    rows = incidents(s, Filters(street="hongqiao", severities=(1,), text="燃气"))
    assert [r["id"] for r in rows] == ["i1"]
    assert [r["id"] for r in incidents(s, Filters(text="I3"))] == ["i3"]
    assert "address" not in rows[0]  # personal data: not in the grid's rows


def test_open_cases_come_first_newest_first_and_a_sort_is_the_servers() -> None:
    """The default list puts closed cases after every open one; a column sort orders all."""
    closed = [incident_step(step, "i1", unit="u") for step in
              ("acknowledged", "dispatched", "resolved", "verified", "closed")]
    s = run([report("i1", 4, ts=T0 + 3 * MIN), *closed, report("i2", 2, ts=T0), report("i3", 1, ts=T0 + MIN)])
    assert [r["id"] for r in incidents(s, Filters(), T0 + 5 * MIN)] == ["i3", "i2", "i1"]
    by_level = PageRequest(sort="severity", descending=False)
    assert [r["id"] for r in incidents(s, Filters(), T0 + 5 * MIN, page=by_level)] == ["i3", "i2", "i1"]
    newest = PageRequest(sort="reported", descending=True)
    assert [r["id"] for r in incidents(s, Filters(), T0 + 5 * MIN, page=newest)] == ["i1", "i3", "i2"]
    assert PageRequest.of_grid({"startRow": 0, "endRow": 10_000}).end == 200  # bounded


def test_deadline_counts_per_street() -> None:
    """Overdue cases are counted per street."""
    s = run([report("i1", 1, "hongqiao"), report("i2", 1, "jiangsulu")])
    assert street_counts(s, T0 + 30 * MIN) == {"hongqiao": {"open": 1, "near": 0, "overdue": 1},
                                                "jiangsulu": {"open": 1, "near": 0, "overdue": 1}}


def test_ticket_rows_mask_callers_and_search_what_they_show() -> None:
    """Caller name, phone and exact address are masked in every row (only the audited reveal
    shows one); the search matches the summary as shown, never a masked phone in it."""
    s = run([hotline_ticket("t1", category="噪声", summary="来电13912345678称夜间施工", status="new",
                            caller_name="李小龙", caller_phone="13812345678", address="长宁区天山路8号",
                            street="hongqiao", ts=T0)])
    row = ticket_rows(s, Filters(), T0, RULE)[0]
    assert (row["caller_name"], row["caller_phone"], row["address"], row["summary"]) == (
        "李**", "138****5678", "长宁区天山路***", "来电139****5678称夜间施工")
    assert [r["id"] for r in ticket_rows(s, Filters(text="夜间施工"), T0, RULE)] == ["t1"]
    for hidden in ("13912345678", "1234", "13812345678", "李小龙", "8号"):
        assert ticket_rows(s, Filters(text=hidden), T0, RULE) == [], hidden


def test_incident_search_matches_the_shown_title_only() -> None:
    """The incident list's search reads the id and the masked title: never the address, the
    description or a phone number the title held."""
    s = run([incident_reported("i1", title="王丽华女士13812345678报漏水", severity=2, street="hongqiao",
                               address="长宁区天山路100弄7号302室", description="遵义路539号", ts=T0)])
    assert [r["id"] for r in incidents(s, Filters(text="报漏水"))] == ["i1"]
    assert incidents(s, Filters())[0]["title"] == "王**女士138****5678报漏水"
    for hidden in ("13812345678", "丽华", "100弄", "天山路", "遵义路", "539"):
        assert incidents(s, Filters(text=hidden)) == [], hidden
    assert "address" not in incidents(s, Filters())[0]


def test_camera_rows_show_stale_and_longest_outage_first() -> None:
    """Cameras silent beyond the stale limit read 'stale'; longest outage first."""
    def cam(pid: str) -> Envelope:
        return video_point(pid, name=pid, lat=31.2, lon=121.4, street="hongqiao", ts=T0)
    s = run([cam("a"), cam("b"), cam("c"),
             video_status("a", "offline", ts=T0 + MIN),
             video_status("b", "fault", ts=T0 + 5 * MIN),
             video_status("c", "online", ts=T0 + 20 * MIN)])
    rows = camera_rows(s, Filters(), T0 + 21 * MIN, stale_ms=10 * MIN)
    assert [(r["id"], r["status"]) for r in rows] == [("a", "offline"), ("b", "fault"), ("c", "online")]
    assert rows[0]["down_s"] == 20 * 60


def test_inbox_orders_by_severity_then_age_and_honours_acks_and_shelves() -> None:
    """Acknowledged and shelved alarms leave the active inbox; the rest are ordered."""
    catalogue = load_catalogue()
    s = run([
        sensor_alarm("s1", kind="gas", level=2, street="hongqiao", ts=T0),
        sensor_alarm("s2", kind="gas", level=1, street="hongqiao", ts=T0 + MIN),
        sensor_alarm("s3", kind="smoke", level=1, street="hongqiao", ts=T0 + 2 * MIN),
    ])
    box = inbox(s, T0 + 3 * MIN, CONFIG, catalogue)
    assert [i["ref"] for i in box["active"]] == ["s2", "s3", "s1"]
    st.apply(s, "9-0", event_from_dict(alarm_acknowledged("2-0", "officer-1", comment="已处置",
                                                          ts=T0 + 3 * MIN)))
    st.apply(s, "10-0", event_from_dict(alarm_shelved("3-0", "officer-1", "维护中", T0 + 60 * MIN,
                                                      ts=T0 + 3 * MIN)))
    box = inbox(s, T0 + 4 * MIN, CONFIG, catalogue)
    assert [i["ref"] for i in box["active"]] == ["s1"]
    assert [i["ref"] for i in box["shelved"]] == ["s3"]
    assert [i["ref"] for i in inbox(s, T0 + 61 * MIN, CONFIG, catalogue)["active"]] == ["s3", "s1"]


def test_camera_offline_too_long_raises_an_inbox_alarm_until_acknowledged() -> None:
    """An outage longer than the limit is an alarm; an ack after it began clears it."""
    s = run([video_point("c1", name="路口", lat=31.2, lon=121.4, street="hongqiao", ts=T0),
             video_status("c1", "offline", ts=T0)])
    catalogue = load_catalogue()
    assert inbox(s, T0 + 10 * MIN, CONFIG, catalogue)["active"] == []
    assert [i["key"] for i in inbox(s, T0 + 31 * MIN, CONFIG, catalogue)["active"]] == ["video:c1"]
    st.apply(s, "9-0", event_from_dict(alarm_acknowledged("video:c1", "o", ts=T0 + 32 * MIN)))
    assert inbox(s, T0 + 33 * MIN, CONFIG, catalogue)["active"] == []


def test_flood_is_flagged_above_ten_in_ten_minutes() -> None:
    """Eleven alarms within ten minutes is a flood."""
    s = run([sensor_alarm(f"s{n}", kind="gas", level=3, ts=T0 + n * 1000) for n in range(11)])
    assert inbox(s, T0 + MIN, CONFIG, load_catalogue())["flood"] is True


def test_street_counts_count_open_near_and_overdue() -> None:
    """Open incidents per street, with those past their limit; closed ones are left out."""
    s = run([report("i1", 1, "hongqiao"), report("i2", 4, "hongqiao"), report("i3", 1, "jiangsulu"),
             incident_step("acknowledged", "i3"), incident_step("dispatched", "i3", unit="u"),
             incident_step("resolved", "i3"), incident_step("verified", "i3"), incident_step("closed", "i3")])
    assert street_counts(s, T0 + 30 * MIN) == {"hongqiao": {"open": 2, "near": 0, "overdue": 1}}


def test_camera_rates_and_duty_rows() -> None:
    """Online share per street; duty rows for a street include the district centre, masked."""
    s = run([
        video_point(p, name=p, lat=31.2, lon=121.4, street="hongqiao", ts=T0) for p in ("a", "b")
    ] + [
        video_status("b", "fault", ts=T0),
        duty_shift("hongqiao", "值班", "张三", phone="13900001111"),
        duty_shift("district", "值班长", "王伟"),
        duty_shift("jiangsulu", "值班", "李四"),
    ])
    assert camera_rates(camera_rows(s, Filters(), T0, stale_ms=10 * MIN)) == {"hongqiao": (2, 1)}
    rows = duty_rows(s, "hongqiao")
    assert [r["center"] for r in rows] == ["district", "hongqiao"]
    assert rows[1]["phone"] == "139****1111"


def test_drilled_records_come_masked() -> None:
    """The detail of an incident, ticket or duty shift has its personal fields masked."""
    s = run([report("i1"),
             {"type": "hotline.ticket", "street": "hongqiao", "ts": T0, "data": {
                 "ticket_id": "t1", "category": "噪声", "summary": "施工", "status": "new",
                 "caller_name": "李小龙", "caller_phone": "13812345678"}},
             {"type": "duty.shift", "data": {"center": "district", "post": "值班长", "name": "王伟",
                                             "phone": "13900001111"}}])
    assert drilled(s, "incident", "i1", T0, CONFIG, 60_000)["address"] == "长宁区天山路***"
    assert drilled(s, "ticket", "t1", T0, CONFIG, 60_000)["caller_phone"] == "138****5678"
    assert drilled(s, "duty", "district/值班长", T0, CONFIG, 60_000)["phone"] == "139****1111"
    assert s.tickets["t1"]["caller_phone"] == "13812345678"  # the state is untouched
    assert drilled(s, "camera", "nowhere", T0, CONFIG, 60_000) is None


def test_console_rows_filter_each_list_by_what_applies_to_it() -> None:
    """Severity narrows incidents only; the street narrows all three lists."""
    s = run([report("i1", 1), report("i2", 3), report("i3", 1, "jiangsulu"),
             {"type": "video.point", "street": "hongqiao", "ts": T0,
              "data": {"point_id": "c1", "name": "路口", "lat": 31.2, "lon": 121.4}},
             {"type": "hotline.ticket", "street": "hongqiao", "ts": T0, "data": {
                 "ticket_id": "t1", "category": "噪声", "summary": "施工", "status": "new"}}])
    assert [r["id"] for r in incidents(s, Filters(street="hongqiao", severities=(1,)))] == ["i1"]
    cameras, n = camera_page(s, Filters(street="hongqiao"), PageRequest(), T0, 10 * MIN, None)
    tickets, m = ticket_page(s, Filters(street="hongqiao"), PageRequest(), T0, RULE, None)
    assert ([r["id"] for r in cameras], n) == (["c1"], 1) and ([r["id"] for r in tickets], m) == (["t1"], 1)


def test_street_indicators_are_the_streets_own_series() -> None:
    """Only series of the street, with the catalogue's names and the level of the value."""
    catalogue = load_catalogue()
    key = catalogue[0].key
    s = run([{"type": "indicator.value", "street": street, "ts": T0, "data": {"key": key, "value": 1}}
             for street in ("hongqiao", "jiangsulu", None)])
    chips = street_indicators(s, "hongqiao", catalogue)
    assert [(c["name_zh"], c["value"], c["id"]) for c in chips] == [
        (catalogue[0].name_zh, 1, f"{key}@hongqiao")]
    assert street_indicators(s, None, catalogue) == []


def test_map_marks_open_positioned_incidents_and_flies_to_the_drilled_one() -> None:
    """Markers for open incidents with a position (the most severe pulse); the viewport
    flies to the drilled incident in scope, else to the street's or the district's bounds."""
    placed = {"lat": 31.2, "lon": 121.4}
    s = run([{**report("i1", 1), "data": {**report("i1", 1)["data"], **placed}},
             {**report("i2", 3), "data": {**report("i2", 3)["data"], **placed}}, report("i3")])
    projection = Projection("gcj02")
    index = IncidentIndex()
    index.on_restore(s)
    rows = open_incidents(index, s, Filters(), T0, CONFIG, Deadlines(CONFIG), None)
    markers = incident_markers(s, rows, projection)
    assert sorted((m["id"], m["pulse"], m["position"]) for m in markers) == [
        ("i1", True, [31.2, 121.4]), ("i2", False, [31.2, 121.4])]
    assert map_viewport(s, "i1", None, None, projection)["center"] == [31.2, 121.4]
    assert "bounds" in map_viewport(s, "i1", "jiangsulu", "jiangsulu", projection)  # out of scope
    assert map_viewport(s, None, None, None, projection)["transition"] == "flyToBounds"

"""The console's builders without a server: text stays text, ids and classes are right."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dash import dcc, html

from dashboard.console_url import ConsoleUrl
from dashboard.i18n import client_strings
from dashboard.lifecycle import VERBS
from layouts import console_detail as drawer
from layouts import console_panels as panels
from layouts import ids

S = client_strings("zh")
XSS = '<img src=x onerror="alert(1)">积水'


def walk(node: Any) -> Iterator[Any]:
    """Every component and string under ``node``, depth first."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
        return
    yield node
    children = getattr(node, "children", None)
    if children is not None and not isinstance(node, str):
        yield from walk(children)


def texts(node: Any) -> list[str]:
    return [item for item in walk(node) if isinstance(item, str)]


def classes(node: Any) -> list[str]:
    return [getattr(item, "className", "") or "" for item in walk(node) if not isinstance(item, str)]


def incident(**extra: Any) -> dict[str, Any]:
    return {"id": "inc-1", "title": XSS, "domain": "safety", "severity": 1, "street": "hongqiao",
            "status": "reported", "version": 1, "address": "长宁区虹桥路***", "description": None,
            "deadline": {"stage": "acknowledge", "due": 1_767_225_900_000, "state": "near"},
            "timeline": [{"step": "reported", "ts": 1_767_225_600_000, "by": "test"}], **extra}


def test_incident_detail_shows_event_text_as_text() -> None:
    """The title is a heading's text (never markup), with the severity pill and the timeline."""
    body = drawer.incident_view(incident(), S, "zh")
    heads = [item for item in walk(body) if isinstance(item, html.H3)]
    assert [h.children for h in heads] == [XSS] and heads[0].className == "detail-title"
    assert "sev-pill sev-1" in classes(body) and "detail-deadline is-near" in classes(body)
    assert "tl-item tl-reported" in classes(body)


def test_an_open_incident_drawer_shows_only_the_allowed_verbs() -> None:
    """Buttons of verbs not allowed are hidden; the reveal form offers the address."""
    out = drawer.opened("incident", incident(), S, "zh", allowed=("acknowledge", "note"), can_act=True,
                        can_reveal=True)
    assert set(out) == set(drawer.DRAWER_KEYS)
    assert [verb for verb, hidden in zip(VERBS, out["verbs_hidden"], strict=True) if not hidden] == [
        "acknowledge", "note"]
    assert (out["drawer_hidden"], out["version"], out["form_hidden"], out["reveal_hidden"]) == (
        False, 1, False, False)
    assert out["reveal_options"] == [{"label": S["field.address"], "value": "address"}]


def test_drawers_without_actions_or_reveals() -> None:
    """No act: no form; a camera: no reveal; unknown: a message; nothing drilled: hidden."""
    assert drawer.opened("incident", incident(), S, "zh", allowed=(), can_reveal=False)["form_hidden"]
    camera = {"id": "c1", "name": XSS, "street": "hongqiao", "status": "offline", "kind": None,
              "last": 1, "down_s": 90, "history": []}
    out = drawer.opened("camera", camera, S, "zh", can_act=True, can_reveal=True)
    assert (out["form_hidden"], out["reveal_hidden"], out["reveal_options"]) == (True, True, [])
    assert all(out["verbs_hidden"]) and S["detail.down_for"].format(d="1分钟") in texts(out["body"])
    missing = drawer.not_found("inc-x", S)
    assert missing["drawer_hidden"] is False and texts(missing["body"]) == [
        S["detail.not_found"].format(what="inc-x")]
    assert drawer.closed()["drawer_hidden"] is True and set(drawer.closed()) == set(drawer.DRAWER_KEYS)


def test_reveal_results_read_as_the_officer_is_told() -> None:
    """Shown: field and value (marked as data); unaudited: why nothing is shown; as text."""
    shown = drawer.reveal_result("shown", "caller_phone", "13912345678", "", S)
    assert "".join(texts(shown["children"])) == S["reveal.shown"].format(field=S["field.caller_phone"],
                                                                          value="13912345678")
    value = [c for c in shown["children"] if isinstance(c, html.Span)]
    assert shown["className"] == "result is-ok" and value[0].to_plotly_json()["props"]["data-text"] == "event"
    assert drawer.reveal_result("unaudited", "phone", None, "audit unavailable", S) == {
        "children": S["reveal.unaudited"], "className": "result is-error"}


def inbox_item(key: str, kind: str, severity: int, title: str, street: str | None, ref: str,
               state: str = "unacknowledged", **marks: object) -> dict:
    return {"key": key, "kind": kind, "severity": severity, "title": title, "street": street, "since": 1,
            "ref": ref, "state": state, "stale": False, "chattering": False, "reactivations": 0, **marks}


def test_inbox_items_have_their_ids_the_selection_and_detail_links() -> None:
    """Each alarm is a button with its pattern id; sensors, cameras and series link to their detail."""
    box = {"flood": False, "recent": 1, "shelved": [], "acknowledged": [], "out_of_service": [],
           "stale": 0, "chattering": 0, "active": [
               inbox_item("video:c1", "camera", 3, XSS, "hongqiao", "c1"),
               inbox_item("indicator:x", "indicator", 2, "体征", None, "x")]}
    items = panels.inbox_items(box, "video:c1", ConsoleUrl(lang="en", street="hongqiao"), S)
    buttons = [item for item in walk(items) if isinstance(item, html.Button)]
    assert [b.id for b in buttons] == [ids.inbox_item("video:c1"), ids.inbox_item("indicator:x")]
    assert [b.className for b in buttons] == ["inbox-item is-unacknowledged is-selected",
                                              "inbox-item is-unacknowledged"]
    assert XSS in texts(buttons[0])
    links = [item.href for item in walk(items) if isinstance(item, dcc.Link)]
    # a camera its detail, an indicator alarm its series' (the figure of its values and band)
    assert links == ["/console?street=hongqiao&camera=c1&lang=en",
                     "/console?street=hongqiao&series=x&lang=en"]


def test_inbox_items_name_each_state_and_mark() -> None:
    """Back to normal, chattering, stale, acknowledged and out of service are each said in words."""
    box = {"flood": False, "recent": 3, "shelved": [], "stale": 1, "chattering": 1,
           "active": [inbox_item("a1", "sensor", 2, "燃气", "hongqiao", "gas-1", "cleared_unacknowledged",
                                 chattering=True, reactivations=3)],
           "acknowledged": [inbox_item("a2", "sensor", 3, "水位", "hongqiao", "wl-1", "acknowledged",
                                       stale=True)],
           "out_of_service": [inbox_item("a3", "sensor", 3, "烟感", "hongqiao", "sm-1")]}
    items = panels.inbox_items(box, None, ConsoleUrl(lang="zh"), S)
    said = texts(items)
    for words in (S["alarm.state.cleared_unacknowledged"], S["alarm.chattering"].format(n=3),
                  S["alarm.state.acknowledged"], S["alarm.stale"].format(h="24"), S["inbox.out_of_service"],
                  S["inbox.acknowledged_title"].format(n=1), S["inbox.out_of_service_title"].format(n=1),
                  S["inbox.marks"].format(h="24", stale=1, chattering=1)):
        assert words in said, words
    buttons = [item for item in walk(items) if isinstance(item, html.Button)]
    assert [b.className for b in buttons] == ["inbox-item is-cleared_unacknowledged",
                                              "inbox-item is-acknowledged", "inbox-item is-out_of_service"]


def test_street_list_of_a_scoped_officer_and_the_breadcrumbs() -> None:
    """A scoped officer's list holds its street only, marked current; crumbs name the item."""
    url = ConsoleUrl(street="jiangsulu", kind="incident", key="inc-j")
    items = panels.street_list({"jiangsulu": {"open": 2, "overdue": 1}}, {"jiangsulu": [4, 3]}, url, S,
                               "jiangsulu")
    assert [(i.id["code"], i.className, i.href) for i in items] == [
        ("jiangsulu", "street-item is-current", "/console?street=jiangsulu")]
    assert [t for t in texts(items) if t[0].isdigit()] == ["2", "1", "75.0%"]
    crumbs = panels.breadcrumbs(url, S)
    assert texts(crumbs) == [S["district"], "›", S["unit.jiangsulu"], "›", "inc-j"]


def test_markers_duty_rows_and_results() -> None:
    """A pulsing marker keeps its title as tooltip text; a shift links to its detail."""
    marker = panels.incident_marker({"id": "inc-1", "severity": 1, "pulse": True, "position": [31.2, 121.4],
                                     "title": XSS, "status": "reported"}, S)
    assert marker.iconOptions["className"] == "incident-marker sev-1 pulse"
    assert "".join(texts(marker.children)) == f"{XSS} · {S['incident.reported']}"
    table = panels.duty_table([{"key": "district/值班长", "center": "district", "post": "值班长",
                                "name": "王伟", "phone": "139****1111"}], ConsoleUrl(), S)
    assert [item.href for item in walk(table) if isinstance(item, dcc.Link)] == [
        "/console?duty=district%2F%E5%80%BC%E7%8F%AD%E9%95%BF"]
    assert "139****1111" in texts(table)
    assert panels.outcome(False, "x", "version conflict", S) == {
        "children": S["action.refused"].format(reason="version conflict"), "className": "result is-error"}


def test_the_12345_tab_links_to_the_phone_page() -> None:
    """The console's 12345 tab links the officers' phone page, in the console's language."""
    from layouts.console import tabs

    for lang, href, label in (("zh", "/console/m", "手机工单"),
                              ("en", "/console/m?lang=en", "Phone work orders")):
        link = next(item for item in walk(tabs(client_strings(lang), lang))
                    if getattr(item, "id", None) == ids.PHONE_LINK)
        assert link.href == href and link.children == label

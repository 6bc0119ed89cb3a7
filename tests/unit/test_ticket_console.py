"""12345 tickets on the screens: deadlines and flags in the console's table and drawer,
near-due and overdue counted per street on the wall, the drawer's step buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import html

from dashboard import state as st
from dashboard.clock import BEIJING
from dashboard.console import Filters, ticket_detail, ticket_rows
from dashboard.console_pages import PageRequest, ticket_page
from dashboard.events import event_from_dict
from dashboard.hotline import BUTTONS
from dashboard.i18n import client_strings
from dashboard.views import ViewBuilder
from dashboard.workdays import DeadlineRule
from layouts import console_detail as drawer
from layouts import console_panels as panels
from support.events import Envelope, hotline_step, hotline_ticket

S = client_strings("zh")
RULE = DeadlineRule()


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp() * 1000)


REGISTERED = at("2026-09-29T15:00")  # Tue; urgent (5 working days): due at the end of 12 Oct


def tickets() -> list[Envelope]:
    return [
        hotline_ticket("urgent", street="hongqiao", urgency=2, caller_phone="13812345678", ts=REGISTERED),
        hotline_ticket("normal", street="hongqiao", ts=REGISTERED),  # 15 working days: 26 Oct
        hotline_ticket("other", street="jiangsulu", urgency=1, ts=REGISTERED),  # 1 day: 30 Sep
        hotline_step("dispatched", "urgent", by="d-1", version=1, unit="hongqiao", ts=REGISTERED + 60_000),
    ]


def run(events: list[Envelope]) -> st.State:
    s = st.State()
    for n, raw in enumerate(events, start=1):
        st.apply(s, f"{n}-0", event_from_dict(raw))
    return s


def test_the_table_shows_state_deadline_and_flag() -> None:
    s = run(tickets())
    rows = {r["id"]: r for r in ticket_rows(s, Filters(), at("2026-10-10T09:00"), RULE)}
    assert (rows["urgent"]["status"], rows["urgent"]["deadline"], rows["urgent"]["flag"]) == (
        "dispatched", "2026-10-12", "near")
    assert (rows["normal"]["deadline"], rows["normal"]["flag"]) == ("2026-10-26", None)
    assert (rows["other"]["deadline"], rows["other"]["flag"]) == ("2026-09-30", "overdue")
    assert rows["urgent"]["caller_phone"] == "138****5678"
    shown = {r["id"]: r for r in panels.ticket_grid_rows(list(rows.values()), S)}
    urgent = shown["urgent"]
    assert (urgent["status_label"], urgent["deadline_text"], urgent["flag_text"]) == (
        "已派单", "2026-10-12", "临期")
    assert shown["other"]["flag_text"] == "超期" and shown["normal"]["flag_text"] == ""
    page, count = ticket_page(s, Filters(), PageRequest(sort="deadline"), at("2026-10-10T09:00"), RULE, None)
    assert [r["id"] for r in page] == ["other", "urgent", "normal"] and count == 3


def test_the_wall_counts_near_and_overdue_per_street_by_the_clock() -> None:
    s = st.State()
    views = ViewBuilder(s)
    changes = st.Changes()
    for n, raw in enumerate(tickets(), start=1):
        st.apply(s, f"{n}-0", event_from_dict(raw), changes)
    views.observe(changes)
    assert views.tick(at("2026-09-29T16:00")) is True
    assert (views.hotline(None)["overdue"], views.hotline(None)["near"]) == (0, 1)  # "other": its last day
    assert views.tick(at("2026-10-10T09:00")) is True
    district = views.hotline(None)
    assert (district["overdue"], district["near"], district["streets"]) == (
        1, 1, {"hongqiao": [0, 1], "jiangsulu": [1, 0]})
    assert views.hotline("hongqiao")["streets"] == {"hongqiao": [0, 1]}
    assert views.tick(at("2026-10-10T09:01")) is False  # nothing moved
    # an approved extension moves the urgent ticket's deadline: no longer near
    changes = st.Changes()
    for n, raw in enumerate([
        hotline_step("signed", "urgent", by="u", version=2, ts=REGISTERED + 120_000),
        hotline_step("extension", "urgent", by="u", version=3, until="2026-10-20", ts=REGISTERED + 180_000),
        hotline_step("extension", "urgent", by="d", version=4, approved=True, ts=REGISTERED + 240_000),
    ], start=10):
        st.apply(s, f"{n}-0", event_from_dict(raw), changes)
    views.observe(changes)
    views.tick(at("2026-10-10T09:02"))
    assert views.hotline(None)["streets"] == {"jiangsulu": [1, 0]}


def test_the_drawer_shows_the_timeline_and_only_the_buttons_allowed_now() -> None:
    s = run([*tickets(), hotline_step("signed", "urgent", by="u-1", version=2, ts=REGISTERED + 120_000),
             hotline_step("extension", "urgent", by="u-1", version=3, until="2026-10-20",
                          note="致电13812345678协调", ts=REGISTERED + 180_000)])
    detail = ticket_detail(s, "urgent", at("2026-10-10T09:00"), RULE)
    assert detail is not None
    assert [step["step"] for step in detail["timeline"]] == [
        "registered", "dispatched", "signed", "extension"]
    assert detail["timeline"][-1]["note"] == "致电138****5678协调"  # free text masked
    out = drawer.opened("ticket", detail, S, "zh", allowed=("reply", "return", "approve", "deny"),
                        can_act=True)
    assert not out["ticket_form_hidden"] and out["version"] == 4
    shown = [b for b, hidden in zip(BUTTONS, out["ticket_buttons_hidden"], strict=True) if not hidden]
    assert shown == ["reply", "return", "approve", "deny"]
    body_text = [x for x in _walk(out["body"]) if isinstance(x, str)]
    assert "临期" in body_text and "延期" in body_text and "2026-10-12 临期" in body_text
    assert drawer.opened("ticket", detail, S, "zh", allowed=(), can_act=False)["ticket_form_hidden"]
    assert set(drawer.closed()) == set(drawer.DRAWER_KEYS)


def _walk(node: Any) -> list[Any]:
    if isinstance(node, list | tuple):
        return [x for child in node for x in _walk(child)]
    out = [node]
    children = getattr(node, "children", None)
    if children is not None and not isinstance(node, str):
        out += _walk(children)
    return out


def test_the_drawer_shows_text_as_text() -> None:
    s = run([hotline_ticket("x", summary='<img src=x onerror="alert(1)">', street="hongqiao", ts=REGISTERED)])
    detail = ticket_detail(s, "x", REGISTERED, RULE)
    assert detail is not None
    spans = [n for n in _walk(drawer.ticket_view(detail, S, "zh")) if isinstance(n, html.Span)]
    assert any(span.children == '<img src=x onerror="alert(1)">' for span in spans)
